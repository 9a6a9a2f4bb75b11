"""The `followup queue` commands against the real servers: list, show, reject, snooze, edit.

Editing runs a small script as $EDITOR, which changes the file the way a person would.
"""

from __future__ import annotations

import os
import shlex
import ssl
import subprocess
import sys
import textwrap
import time
import uuid
from datetime import datetime, timedelta
from email import policy
from email.parser import BytesParser
from pathlib import Path
from typing import TYPE_CHECKING

from imapclient import IMAPClient

from daemon.store.repository import Store
from tests.integration.conftest import FOLLOWUP, World, interview_story
from tests.integration.test_end_to_end import DUE, PARIS, START, wait_for
from tests.integration.test_sending_faults import drafts

if TYPE_CHECKING:
    from email.message import EmailMessage

    from daemon.domain import Draft, Thread

#: The fake editor: `editor.py MODE [ARG] FILE` rewrites FILE as MODE says.
EDITOR_SCRIPT = textwrap.dedent(
    """
    import pathlib, sys

    mode, path = sys.argv[1], pathlib.Path(sys.argv[-1])
    head, _, body = path.read_text(encoding="utf-8").partition("\\n\\n")

    def replace_header(head, name, value):
        lines, skipping = [], False
        for line in head.split("\\n"):
            if line[:1] in (" ", "\\t"):
                if not skipping:
                    lines.append(line)
                continue
            skipping = line.partition(":")[0].lower() == name.lower()
            if skipping:
                lines.append(f"{name}: {value}")
            else:
                lines.append(line)
        return "\\n".join(lines)

    status = 0
    if mode == "rewrite":
        head = replace_header(head, "Cc", f"Colin Quinn <{sys.argv[2]}>")
        body = "Dear Priya,\\n\\nA short note in my own words: merci, à bientôt.\\n\\nAlice\\n"
    elif mode == "fail":
        body += "\\nhalf-typed sentence"
        status = 3
    elif mode == "empty":
        body = "\\n"
    elif mode == "bad-to":
        head = replace_header(head, "To", "Priya Raman <priya.raman at example>")
    path.write_text(head + "\\n\\n" + body, encoding="utf-8")
    sys.exit(status)
    """
)


def edit(
    world: World, draft_id: int, mode: str, *extra: str, check: bool = True
) -> subprocess.CompletedProcess[str]:
    """Run `followup queue edit` with the fake editor in MODE."""
    script = world.root / "editor.py"
    script.write_text(EDITOR_SCRIPT, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "VISUAL"}
    env["EDITOR"] = shlex.join([sys.executable, str(script), mode, *extra])
    # A refused edit keeps the user's text in a temporary folder: let pytest clean it up.
    env["TMPDIR"] = str(world.root)
    argv = [FOLLOWUP, "--config", str(world.config), "--now", DUE.isoformat()]
    done = subprocess.run(
        [*argv, "queue", "edit", str(draft_id)],
        capture_output=True,
        text=True,
        check=False,
        env=env,
        timeout=120,
    )
    if check:
        assert done.returncode == 0, done.stdout + done.stderr
    return done


def received(world: World, user: str, folder: str = "INBOX") -> list[EmailMessage]:
    """Every message in the user's folder, parsed."""
    rig = world.rig
    context = ssl.create_default_context(cafile=str(rig.ca_file))
    with IMAPClient(rig.host, rig.imaps_port, ssl_context=context) as client:
        client.login(rig.address(user), rig.password(user))
        client.select_folder(folder, readonly=True)
        uids = client.search("ALL")
        fetched = client.fetch(uids, ["RFC822"]) if uids else {}
    parser = BytesParser(policy=policy.default)
    return [parser.parsebytes(v[b"RFC822"]) for v in fetched.values()]


def threads(world: World) -> list[Thread]:
    """The threads as stored, read without another `followup` process."""
    store = Store.open(f"sqlite:///{world.root / 'state.db'}")
    try:
        return store.load_threads("main")
    finally:
        store.close()


def queued_draft(world: World) -> Draft:
    """Queue the story's follow-up with one cycle and return it."""
    interview_story(world, START)
    assert "queued 1," in world.run("run", "--once", now=DUE).stdout
    (draft,) = drafts(world)
    return draft


def test_list_show_and_approve_leave_sending_to_the_next_cycle(world: World) -> None:
    """list --state/--json and show describe the draft; approve sends nothing until a cycle."""
    interview_story(world, START)
    assert "queued 1," in world.run("run", "--once", now=DUE).stdout
    (draft,) = world.json("queue", "list", now=DUE)
    assert {
        "id",
        "state",
        "thread_id",
        "to",
        "cc",
        "subject",
        "in_reply_to",
        "message_id",
        "created_at",
    } <= draft.keys()
    assert draft["state"] == "queued"
    assert draft["to"] == [world.addr(world.manager)]
    assert draft["cc"] == [world.addr(world.hr)]
    assert draft["subject"] == "Re: Data Engineer role at Example: interview"
    assert draft["in_reply_to"] == world.chain[-1]
    assert abs(datetime.fromisoformat(draft["created_at"]) - DUE) < timedelta(minutes=1)
    (thread,) = threads(world)
    assert draft["thread_id"] == thread.id
    assert world.chain[-1] in {m.key for m in thread.messages}

    shown = world.run("queue", "show", str(draft["id"]), now=DUE).stdout
    assert f"draft {draft['id']}: queued (thread {thread.id})" in shown
    assert "why: due since 2026-11-17 (5 business days after your message" in shown
    for header in (
        f"To: Priya Raman <{world.addr(world.manager)}>",
        f"Cc: Hannah Roth <{world.addr(world.hr)}>",
        "Subject: Re: Data Engineer role at Example: interview",
        f"Message-ID: {draft['message_id']}",
        f"In-Reply-To: {world.chain[-1]}",
    ):
        assert header in shown
    assert "Best regards,\nAlice Moreau" in shown

    approved = world.run("queue", "approve", str(draft["id"]), now=DUE).stdout
    assert f"draft {draft['id']}: approved" in approved
    (listed,) = world.json("queue", "list", "--state", "approved", now=DUE)
    assert (listed["id"], listed["state"]) == (draft["id"], "approved")
    assert world.json("queue", "list", "--state", "queued", "--state", "sent", now=DUE) == []
    time.sleep(0.5)
    assert received(world, world.manager) == []
    assert "sent 1," in world.run("run", "--once", now=DUE).stdout
    assert wait_for(lambda: len(received(world, world.manager)) == 1)


def test_reject_records_the_reason_and_never_sends(world: World) -> None:
    """A rejected draft keeps the user's reason, cannot be approved, and is not queued again."""
    draft_id = str(queued_draft(world).id)
    out = world.run("queue", "reject", draft_id, "--reason", "I took another offer", now=DUE)
    assert f"draft {draft_id}: rejected" in out.stdout
    assert "rejected: I took another offer" in world.run("queue", "show", draft_id, now=DUE).stdout
    again = world.run("queue", "approve", draft_id, now=DUE, check=False)
    assert again.returncode == 1
    assert f"draft {draft_id}: not approved: draft {draft_id} is rejected" in again.stderr
    later = DUE + timedelta(days=1)
    assert "queued 0, cancelled 0, sent 0" in world.run("run", "--once", now=later).stdout
    assert [d.state for d in drafts(world)] == ["rejected"]
    assert received(world, world.manager) == []


def test_plan_and_list_name_the_queued_draft_instead_of_a_new_one(world: World) -> None:
    """Once a draft is queued, plan and threads list show it rather than 'due now'."""
    interview_story(world, START)
    world.run("sync", now=DUE)
    (thread,) = world.json("threads", "list", now=DUE)
    assert (thread["due"], thread["draft"]) == (True, None)
    assert f"to {world.addr(world.manager)}" in world.run("plan", now=DUE).stdout
    assert "queued 1," in world.run("run", "--once", now=DUE).stdout
    (draft,) = drafts(world)
    planned = world.run("plan", now=DUE).stdout
    assert f"draft {draft.id} queued" in planned
    assert "to " not in planned
    listed = world.run("threads", "list", now=DUE).stdout
    assert f"draft {draft.id} queued" in listed
    assert "due now" not in listed
    (thread,) = world.json("threads", "list", now=DUE)
    assert thread["draft"] == {"id": draft.id, "state": "queued"}


def test_a_rejected_draft_is_shown_and_does_not_come_back_as_due(world: World) -> None:
    """After a rejection, plan and threads list say so, the same as `run` queues nothing."""
    draft_id = queued_draft(world).id
    world.run("queue", "reject", str(draft_id), now=DUE)
    later = DUE + timedelta(days=1)
    rejected = f"draft {draft_id} rejected: no new one until someone writes in the thread"
    assert rejected in world.run("plan", now=later).stdout
    listed = world.run("threads", "list", now=later).stdout
    assert f"draft {draft_id} rejected" in listed
    assert "due now" not in listed
    (planned,) = world.json("plan", now=later)
    assert planned["draft"] == {"id": draft_id, "state": "rejected"}
    assert "queued 0," in world.run("run", "--once", now=later).stdout


def test_a_rejected_draft_holds_through_automated_mail_until_a_person_writes(world: World) -> None:
    """An auto-reply starts no new silence; a person answering does, once it has passed."""
    draft_id = queued_draft(world).id
    world.run("queue", "reject", str(draft_id), now=DUE)
    me = ("Alice Moreau", world.addr(world.seeker))
    manager = ("Priya Raman", world.addr(world.manager))
    subject = "Re: Data Engineer role at Example: interview"
    away = world.message(
        DUE + timedelta(hours=1),
        manager,
        [me],
        f"Automatic reply: {subject}",
        "I am out of the office with limited access to email.",
        headers={"Auto-Submitted": "auto-replied"},
    )
    world.rig.load_messages(world.seeker, "INBOX", [away])
    later = DUE + timedelta(days=1)
    assert "queued 0," in world.run("run", "--once", now=later).stdout
    assert f"draft {draft_id} rejected" in world.run("plan", now=later).stdout
    hr = ("Hannah Roth", world.addr(world.hr))
    answer = world.message(
        later,
        hr,
        [me],
        subject,
        "Hi Alice,\n\nThank you for your patience, the team is still meeting candidates."
        "\n\nBest regards,\nHannah Roth\nTalent Acquisition Partner",
    )
    world.rig.load_messages(world.seeker, "INBOX", [answer])
    silence_over = later + timedelta(days=7)
    assert "queued 1," in world.run("run", "--once", now=silence_over).stdout
    assert [d.state for d in drafts(world)] == ["rejected", "queued"]


def test_snooze_holds_an_approved_draft_until_then(world: World) -> None:
    """An approved, snoozed draft waits, says until when, and goes out once that time passed."""
    draft_id = str(queued_draft(world).id)
    world.run("queue", "approve", draft_id, now=DUE)
    until = datetime(2026, 11, 19, 11, 0, tzinfo=PARIS)
    out = world.run("queue", "snooze", draft_id, "--until", until.isoformat(), now=DUE).stdout
    assert f"draft {draft_id}: snoozed until 2026-11-19 11:00" in out
    assert "snoozed until 2026-11-19 11:00" in world.run("queue", "list", now=DUE).stdout
    waiting = world.run("run", "--once", now=DUE).stdout
    assert f"draft {draft_id} waits: snoozed until 2026-11-19 11:00" in waiting
    assert received(world, world.manager) == []
    assert "sent 1," in world.run("run", "--once", now=until + timedelta(minutes=1)).stdout
    assert wait_for(lambda: len(received(world, world.manager)) == 1)


def test_edit_is_what_gets_sent(world: World) -> None:
    """An edited body and Cc are stored, shown decoded, and sent exactly as edited."""
    colin = f"colin{uuid.uuid4().hex[:8]}"
    world.rig.add_user(colin, f"{colin}-pw")
    draft = queued_draft(world)
    out = edit(world, draft.id, "rewrite", world.addr(colin)).stdout
    manager, new_cc = world.addr(world.manager), world.addr(colin)
    assert f"draft {draft.id}: saved; to {manager}; cc {new_cc}" in out
    (edited,) = drafts(world)
    assert ([a.addr for a in edited.to], [a.addr for a in edited.cc]) == ([manager], [new_cc])
    assert edited.message_id == draft.message_id
    shown = world.run("queue", "show", str(draft.id), now=DUE).stdout
    assert "merci, à bientôt" in shown
    assert "edited by you" in shown
    world.run("queue", "approve", str(draft.id), now=DUE)
    assert "sent 1," in world.run("run", "--once", now=DUE).stdout
    assert wait_for(lambda: len(received(world, colin)) == 1)
    (message,) = received(world, world.manager)
    assert message["Message-ID"] == draft.message_id
    assert message["In-Reply-To"] == world.chain[-1]
    assert [a.addr_spec for a in message["Cc"].addresses] == [new_cc]
    assert message["Content-Transfer-Encoding"] == "quoted-printable"
    assert message.get_content().replace("\r\n", "\n") == (
        "Dear Priya,\n\nA short note in my own words: merci, à bientôt.\n\nAlice\n"
    )
    assert received(world, world.hr) == []
    sent = received(world, world.seeker, "Sent")
    (copy,) = [m for m in sent if m["Message-ID"] == draft.message_id]
    assert "à bientôt" in copy.get_content()


def test_refused_edits_keep_the_original(world: World) -> None:
    """A failing editor, an empty body or a bad address changes nothing and keeps the text."""
    draft = queued_draft(world)
    before = world.run("queue", "show", str(draft.id), now=DUE).stdout
    failed = edit(world, draft.id, "fail", check=False)
    assert failed.returncode == 1
    assert "the editor exited with status 3" in failed.stderr
    kept = Path(failed.stderr.rpartition("your text is kept in ")[2].strip())
    assert kept.is_relative_to(world.root)
    assert "half-typed sentence" in kept.read_text(encoding="utf-8")
    empty = edit(world, draft.id, "empty", check=False)
    assert empty.returncode == 1
    assert "the body is empty" in empty.stderr
    bad = edit(world, draft.id, "bad-to", check=False)
    assert bad.returncode == 1
    assert "priya.raman at example\"' is not a valid e-mail address" in bad.stderr
    assert world.run("queue", "show", str(draft.id), now=DUE).stdout == before
    (still,) = drafts(world)
    assert (still.state, still.raw) == (draft.state, draft.raw)
