"""Issue 4 on the real servers: sending survives outages, refusals, crashes and limits.

Every test drives the real `followup` command. Crashes are real too: the command runs in a
child process whose chosen step is replaced by `os._exit`, so nothing after that step runs,
exactly as when the process is killed there.
"""

from __future__ import annotations

import os
import ssl
import subprocess
import sys
import time
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import pytest
from imapclient import IMAPClient

from daemon.store.drafts import DraftRepository
from daemon.store.repository import Store
from tests.integration.conftest import World, interview_story
from tests.integration.test_end_to_end import DUE, START, mailbox, wait_for

if TYPE_CHECKING:
    from pathlib import Path

    from daemon.domain import Draft
    from tests.rig.mailrig import MailRig

#: Exit status of a simulated kill, so the test can tell it from a real failure.
KILLED = 70

#: Runs `followup` in this interpreter with one step replaced by an immediate exit.
CRASHING_FOLLOWUP = """
import os, sys
import daemon.app
import daemon.mail.smtp

def killed(*_args, **_kwargs):
    os._exit(int(os.environ["KILLED_STATUS"]))

point = sys.argv[1]
if point == "before-accept":
    # The draft is already `sending`; the SMTP transaction never starts.
    daemon.mail.smtp.send_message = killed
elif point == "after-accept":
    # The server accepted and the draft is `sent`; its Sent copy is not filed yet.
    daemon.app.App.file_sent_copy = killed
else:
    raise SystemExit(f"unknown crash point {point}")

from daemon.cli import main
main(sys.argv[2:])
"""


@pytest.fixture
def private_world(fresh_rig: MailRig, tmp_path: Path) -> World:
    """The usual world on a private rig, whose servers a test may stop."""
    return World(fresh_rig, tmp_path, "alice", "manager", "hr")


def drafts(world: World) -> list[Draft]:
    """The queue as stored, read without paying for another `followup` process."""
    store = Store.open(f"sqlite:///{world.root / 'state.db'}")
    try:
        return DraftRepository(store).find()
    finally:
        store.close()


def approved_follow_up(world: World) -> Draft:
    """Run a cycle that queues the story's follow-up at DUE, approve it, return it."""
    assert "queued 1," in world.run("run", "--once", now=DUE).stdout
    (draft,) = drafts(world)
    world.run("queue", "approve", str(draft.id), now=DUE)
    return draft


def copies(world: World, user: str, message_id: str, folder: str = "INBOX") -> int:
    """How many messages in the folder carry this Message-ID."""
    return sum(message_id in m[b"header"].decode() for m in mailbox(world, user, folder))


def settle() -> None:
    """Give Postfix time to deliver anything it accepted, before counting what arrived."""
    time.sleep(0.5)


def run_crashing(world: World, point: str, now: datetime) -> None:
    """`followup run --once` killed at `point` (see CRASHING_FOLLOWUP)."""
    argv = [sys.executable, "-c", CRASHING_FOLLOWUP, point]
    argv += ["--config", str(world.config), "--now", now.isoformat(), "run", "--once"]
    done = subprocess.run(
        argv,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "KILLED_STATUS": str(KILLED)},
        timeout=120,
    )
    assert done.returncode == KILLED, f"exited {done.returncode}:\n{done.stdout}\n{done.stderr}"


def set_smtp_option(world: World, line: str) -> None:
    """Add `line` to the account's [accounts.smtp] table, which is last before [logging]."""
    text = world.config.read_text(encoding="utf-8")
    world.config.write_text(text.replace("\n[logging]", f"\n{line}\n[logging]", 1))


def second_story(world: World, start: datetime) -> None:
    """Another application with the same people, in a thread of its own, due at DUE too."""
    world.chain = []
    me = ("Alice Moreau", world.addr(world.seeker))
    hr = ("Hannah Roth", world.addr(world.hr))
    manager = ("Priya Raman", world.addr(world.manager))
    subject = "ML Engineer role at Example: interview"
    invite = world.message(
        start + timedelta(days=1, minutes=5),
        hr,
        [me],
        subject,
        "Hi Alice,\n\nThank you for your application for the ML Engineer position. I'm the "
        "recruiter for this role. Priya Raman, Head of Data and the hiring manager, would "
        "like to interview you on Tuesday at 16:00.\n\nBest regards,\nHannah Roth\n"
        "Talent Acquisition Partner",
    )
    sent = [
        world.message(
            start + timedelta(days=1, hours=3),
            me,
            [hr],
            f"Re: {subject}",
            "Hi Hannah,\n\nThank you, Tuesday at 16:00 works for me.\n\nBest,\nAlice",
        ),
        world.message(
            start + timedelta(days=8, hours=8),
            me,
            [manager],
            f"Re: {subject}",
            "Dear Priya,\n\nThank you for the interview today, I enjoyed our conversation "
            "about the models.\n\nBest regards,\nAlice",
            cc=[hr],
        ),
    ]
    world.rig.load_messages(world.seeker, "INBOX", [invite])
    world.rig.load_messages(world.seeker, "Sent", sent)


def test_smtp_down_then_up_sends_once_after_the_retry_time(private_world: World) -> None:
    """With Postfix down the draft stays approved with the error; once up it goes out once."""
    world = private_world
    interview_story(world, START)
    assert "queued 1," in world.run("run", "--once", now=DUE).stdout
    (draft,) = drafts(world)
    # Approved days after it was queued: the retry time counts from the approval.
    monday = DUE + timedelta(days=5)
    world.run("queue", "approve", str(draft.id), now=monday)
    world.rig.stop_postfix()
    out = world.run("run", "--once", now=monday).stdout
    assert f"draft {draft.id} waits: temporary failure, retry after 10:02: " in out
    (waiting,) = drafts(world)
    assert waiting.state == "approved"
    assert str(world.rig.submission_port) in (waiting.error or "")
    world.rig.start_postfix()
    # The retry time has not come: the server being back changes nothing yet.
    early = world.run("run", "--once", now=monday + timedelta(minutes=1)).stdout
    assert f"draft {draft.id} waits: retrying after 10:02" in early
    assert copies(world, world.manager, draft.message_id) == 0
    later = monday + timedelta(minutes=3)
    assert "sent 1," in world.run("run", "--once", now=later).stdout
    assert wait_for(lambda: copies(world, world.manager, draft.message_id) == 1)
    assert wait_for(lambda: copies(world, world.hr, draft.message_id) == 1)
    assert copies(world, world.seeker, draft.message_id, "Sent") == 1
    settle()
    assert copies(world, world.manager, draft.message_id) == 1
    (sent,) = drafts(world)
    assert (sent.state, sent.attempts, sent.error) == ("sent", 2, None)


def test_temporary_refusal_then_success(world: World) -> None:
    """A 450 at RCPT keeps the draft approved with the reason; the retry delivers it once."""
    interview_story(world, START)
    draft = approved_follow_up(world)
    manager = world.addr(world.manager)
    world.rig.set_recipient_response(manager, "450 4.2.0 try later")
    try:
        out = world.run("run", "--once", now=DUE).stdout
    finally:
        world.rig.set_recipient_response(manager, None)
    assert f"draft {draft.id} waits: temporary failure, retry after 10:02: " in out
    assert "450 4.2.0" in out
    assert "try later" in out
    (waiting,) = drafts(world)
    assert waiting.state == "approved"
    assert "try later" in (waiting.error or "")
    later = DUE + timedelta(minutes=3)
    assert "sent 1," in world.run("run", "--once", now=later).stdout
    assert wait_for(lambda: copies(world, world.manager, draft.message_id) == 1)
    assert wait_for(lambda: copies(world, world.hr, draft.message_id) == 1)
    settle()
    assert copies(world, world.manager, draft.message_id) == 1
    # A refused recipient aborts before DATA: HR got nothing from the first attempt.
    assert copies(world, world.hr, draft.message_id) == 1


def test_killed_after_the_server_accepted_files_the_copy_without_resending(world: World) -> None:
    """Killed between the SMTP transaction and the Sent append: the restart only files it."""
    interview_story(world, START)
    draft = approved_follow_up(world)
    run_crashing(world, "after-accept", DUE)
    (sent,) = drafts(world)
    assert sent.state == "sent"
    assert wait_for(lambda: copies(world, world.manager, draft.message_id) == 1)
    assert copies(world, world.seeker, draft.message_id, "Sent") == 0
    out = world.run("run", "--once", now=DUE + timedelta(minutes=1)).stdout
    assert "sent 0," in out
    assert copies(world, world.seeker, draft.message_id, "Sent") == 1
    settle()
    assert copies(world, world.manager, draft.message_id) == 1
    assert copies(world, world.hr, draft.message_id) == 1


def test_killed_before_the_server_accepted_retries_once(world: World) -> None:
    """Killed while `sending`, the message not in Sent: once stale, it is sent exactly once."""
    interview_story(world, START)
    draft = approved_follow_up(world)
    run_crashing(world, "before-accept", DUE)
    assert [d.state for d in drafts(world)] == ["sending"]
    # A `sending` draft may belong to a process still at work: it is left alone for a while.
    world.run("run", "--once", now=DUE + timedelta(minutes=1))
    assert [d.state for d in drafts(world)] == ["sending"]
    out = world.run("run", "--once", now=DUE + timedelta(minutes=6)).stdout
    assert "sent 1," in out
    assert wait_for(lambda: copies(world, world.manager, draft.message_id) == 1)
    assert copies(world, world.seeker, draft.message_id, "Sent") == 1
    settle()
    assert copies(world, world.manager, draft.message_id) == 1
    (sent,) = drafts(world)
    assert sent.state == "sent"
    assert sent.attempts == 2


def test_killed_while_sending_but_found_in_sent_is_not_resent(world: World) -> None:
    """A `sending` draft whose Message-ID is already in Sent counts as sent, not retried."""
    interview_story(world, START)
    draft = approved_follow_up(world)
    run_crashing(world, "before-accept", DUE)
    # As a provider that files sent mail itself would have, had the server accepted it.
    rig = world.rig
    context = ssl.create_default_context(cafile=str(rig.ca_file))
    with IMAPClient(rig.host, rig.imaps_port, ssl_context=context) as client:
        client.login(rig.address(world.seeker), rig.password(world.seeker))
        client.append("Sent", draft.raw, flags=[b"\\Seen"])
    out = world.run("run", "--once", now=DUE + timedelta(minutes=6)).stdout
    assert "sent 1," in out
    (sent,) = drafts(world)
    assert sent.state == "sent"
    assert sent.attempts == 1
    assert copies(world, world.seeker, draft.message_id, "Sent") == 1
    settle()
    assert copies(world, world.manager, draft.message_id) == 0


def test_implicit_tls_to_a_server_that_files_sent_mail(world: World) -> None:
    """Implicit TLS (port-465 style) delivers; with files_sent_copy nothing is appended."""
    world.write_config(smtp_port=world.rig.smtps_port)
    text = world.config.read_text(encoding="utf-8")
    world.config.write_text(text.replace('security = "starttls"', 'security = "tls"', 1))
    set_smtp_option(world, "files_sent_copy = true")
    interview_story(world, START)
    draft = approved_follow_up(world)
    assert "sent 1," in world.run("run", "--once", now=DUE).stdout
    assert wait_for(lambda: copies(world, world.manager, draft.message_id) == 1)
    assert wait_for(lambda: copies(world, world.hr, draft.message_id) == 1)
    # The other tests show the default: followup appends its own copy to Sent.
    assert len(mailbox(world, world.seeker, "Sent")) == 2
    (sent,) = drafts(world)
    assert sent.state == "sent"


def test_rate_limits_defer_extra_sends_with_the_reason(world: World) -> None:
    """max_per_hour, then max_per_domain_per_day, hold the second send until allowed."""
    world.write_config(extra="[sending]\nmax_per_hour = 1\nmax_per_domain_per_day = 5")
    interview_story(world, START)
    second_story(world, START)
    assert "queued 2," in world.run("run", "--once", now=DUE).stdout
    first, second = drafts(world)
    world.run("queue", "approve", str(first.id), str(second.id), now=DUE)
    out = world.run("run", "--once", now=DUE).stdout
    assert "sent 1," in out
    assert f"draft {second.id} waits: rate limit: 1 sent in the last hour" in out
    assert "max_per_hour = 1" in out
    world.write_config(extra="[sending]\nmax_per_hour = 5\nmax_per_domain_per_day = 1")
    out = world.run("run", "--once", now=DUE + timedelta(hours=2)).stdout
    assert "sent 0," in out
    assert (
        f"draft {second.id} waits: rate limit: 1 sent to example.test in the last 24 hours" in out
    )
    assert "max_per_domain_per_day = 1" in out
    next_day = DUE + timedelta(days=1, minutes=1)
    assert "sent 1," in world.run("run", "--once", now=next_day).stdout
    assert [d.state for d in drafts(world)] == ["sent", "sent"]
    assert wait_for(lambda: copies(world, world.manager, second.message_id) == 1)
    assert copies(world, world.manager, first.message_id) == 1
