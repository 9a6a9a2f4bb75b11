"""Approve from any mail client: queued drafts in Dovecot's Drafts folder, real Postfix.

A mail client is simulated over IMAP the way the research in
docs/mail-client-drafts.md says clients behave: starring sets \\Flagged,
deleting expunges, and an edit is saved as a new message (with a new
Message-ID, or the same one) before the old version is deleted.
"""

from __future__ import annotations

import signal
import smtplib
import sqlite3
import ssl
import subprocess
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from typing import TYPE_CHECKING

import pytest
from imapclient import IMAPClient

from tests.integration.conftest import FOLLOWUP, World, interview_story
from tests.integration.test_end_to_end import DUE, PARIS, START, mailbox, wait_for

if TYPE_CHECKING:
    from collections.abc import Iterator

#: The Sunday after DUE: still due, but outside the send window.
SUNDAY = datetime(2026, 11, 22, 11, 0, tzinfo=PARIS)
DRAFTS = "Drafts"


@dataclass(frozen=True)
class Item:
    uid: int
    flags: frozenset[str]
    raw: bytes

    @property
    def message(self) -> EmailMessage:
        parsed: EmailMessage = BytesParser(policy=policy.default).parsebytes(self.raw)
        return parsed

    @property
    def message_id(self) -> str:
        return str(self.message["Message-ID"])


@contextmanager
def imap(world: World, user: str | None = None) -> Iterator[IMAPClient]:
    rig = world.rig
    who = user or world.seeker
    context = ssl.create_default_context(cafile=str(rig.ca_file))
    with IMAPClient(rig.host, rig.imaps_port, ssl_context=context) as client:
        client.login(rig.address(who), rig.password(who))
        yield client


def drafts(world: World) -> list[Item]:
    with imap(world) as client:
        client.select_folder(DRAFTS, readonly=True)
        uids = client.search("ALL")
        fetched = client.fetch(uids, ["FLAGS", "BODY.PEEK[]"]) if uids else {}
    return [
        Item(uid, frozenset(f.decode() for f in v[b"FLAGS"]), v[b"BODY[]"])
        for uid, v in sorted(fetched.items())
    ]


def ours(world: World, message_id: str) -> Item:
    (item,) = [i for i in drafts(world) if i.message_id == message_id]
    return item


def star(world: World, uid: int) -> None:
    with imap(world) as client:
        client.select_folder(DRAFTS)
        client.add_flags([uid], [b"\\Flagged"])


def delete(world: World, uid: int) -> None:
    with imap(world) as client:
        client.select_folder(DRAFTS)
        client.delete_messages([uid])
        client.expunge()


def save_edit(world: World, old: Item, body: str, *, new_id: bool) -> Item:
    """What a client does when the user edits a draft: save a new message, delete the old."""
    edited = BytesParser(policy=policy.SMTP).parsebytes(old.raw)
    if new_id:
        del edited["Message-ID"]
        edited["Message-ID"] = f"<{uuid.uuid4()}@example.test>"
    edited["X-Mozilla-Draft-Info"] = "internal/draft; vcard=0; receipt=0; DSN=0; uuencode=0"
    edited.set_content(body)
    with imap(world) as client:
        client.append(DRAFTS, edited.as_bytes(), flags=[b"\\Draft", b"\\Seen"])
    delete(world, old.uid)
    (saved,) = [i for i in drafts(world) if i.uid > old.uid and b"vcard=0" in i.raw]
    return saved


def configure(world: World, account: str = "", extra: str = "") -> None:
    """Rewrite the config with keys added to the account (and tables appended)."""
    world.write_config(extra=extra)
    text = world.config.read_text(encoding="utf-8")
    anchor = 'display_name = "Alice Moreau"\n'
    world.config.write_text(text.replace(anchor, anchor + account, 1), encoding="utf-8")


def own_drafts(world: World) -> list[bytes]:
    """The user's own drafts: one in another thread (starred), one older in this thread."""
    me = ("Alice Moreau", world.addr(world.seeker))
    unrelated = EmailMessage(policy=policy.SMTP)
    unrelated["From"] = f"{me[0]} <{me[1]}>"
    unrelated["To"] = "friend@example.test"
    unrelated["Subject"] = "Saturday?"
    unrelated["Message-ID"] = "<own-unrelated@example.test>"
    unrelated.set_content("Are we still on for Saturday?")
    in_thread = EmailMessage(policy=policy.SMTP)
    in_thread["From"] = f"{me[0]} <{me[1]}>"
    in_thread["To"] = world.addr(world.manager)
    in_thread["Subject"] = "Re: Data Engineer role at Example: interview"
    in_thread["Message-ID"] = "<own-in-thread@example.test>"
    in_thread["In-Reply-To"] = world.chain[-1]
    in_thread["References"] = " ".join(world.chain)
    in_thread.set_content("Half-written thoughts I never sent.")
    raws = [unrelated.as_bytes(), in_thread.as_bytes()]
    world.rig.load_messages(world.seeker, DRAFTS, raws[:1], flags=["\\Draft", "\\Flagged"])
    world.rig.load_messages(world.seeker, DRAFTS, raws[1:], flags=["\\Draft"])
    return raws


def queued(world: World, now: datetime = DUE) -> dict[str, str]:
    """One cycle, then the draft it queued (read from the store: no second start-up)."""
    world.run("run", "--once", now=now)
    with sqlite3.connect(world.root / "state.db", timeout=5) as db:
        ((draft_id, message_id, state),) = db.execute("SELECT id, message_id, state FROM drafts")
    assert state == "queued"
    return {"id": str(draft_id), "message_id": message_id}


def test_queued_draft_waits_in_drafts_and_the_phone_is_told(world: World) -> None:
    """The copy carries \\Draft, the queue's Message-ID and threading; one notice per new draft."""
    phone = f"phone{uuid.uuid4().hex[:8]}"
    world.rig.add_user(phone, f"{phone}-pw")
    configure(world, f'notify_address = "{world.addr(phone)}"\n')
    interview_story(world, START)
    draft = queued(world)
    (copy,) = drafts(world)
    assert "\\Draft" in copy.flags
    assert "\\Flagged" not in copy.flags
    assert copy.message_id == draft["message_id"]
    assert copy.message["In-Reply-To"] == world.chain[-1]
    assert world.chain[0] in copy.message["References"]
    assert wait_for(lambda: len(mailbox(world, phone)) == 1)
    notice = mailbox(world, phone)[0][b"header"].decode()
    assert "1 follow-up is waiting for your approval" in notice
    world.run("run", "--once", now=DUE + timedelta(minutes=15))
    assert [i.uid for i in drafts(world)] == [copy.uid]
    assert len(mailbox(world, phone)) == 1


def test_starring_the_draft_sends_it_once_and_leaves_own_drafts_alone(world: World) -> None:
    """\\Flagged in the client: sent once in the next cycle, its copy removed, the rest intact."""
    interview_story(world, START)
    own = own_drafts(world)
    draft = queued(world)
    star(world, ours(world, draft["message_id"]).uid)
    world.run("run", "--once", now=DUE)
    assert _states(world) == ["sent"]
    assert wait_for(lambda: len(mailbox(world, world.manager)) == 1)
    assert draft["message_id"] in mailbox(world, world.manager)[0][b"header"].decode()
    left = drafts(world)
    assert [i.raw.replace(b"\r\n", b"\n") for i in left] == [r.replace(b"\r\n", b"\n") for r in own]
    assert [i.flags for i in left] == [
        frozenset({"\\Draft", "\\Flagged"}),
        frozenset({"\\Draft"}),
    ]
    world.run("run", "--once", now=DUE + timedelta(hours=1))
    assert len(mailbox(world, world.manager)) == 1
    assert len(drafts(world)) == 2


def test_deleting_the_draft_rejects_it(world: World) -> None:
    """Deleted in the client: rejected with that reason, nothing sent, own drafts not adopted."""
    interview_story(world, START)
    own_drafts(world)
    draft = queued(world)
    delete(world, ours(world, draft["message_id"]).uid)
    world.run("run", "--once", now=DUE)
    assert _states(world) == ["rejected"]
    assert "deleted in mail client" in world.run("queue", "show", draft["id"]).stdout
    assert len(drafts(world)) == 2
    assert mailbox(world, world.manager) == []


@pytest.mark.parametrize("from_the_draft", [True, False], ids=["sent-the-draft", "from-scratch"])
def test_a_follow_up_sent_by_hand_withdraws_the_queued_one(
    world: World, from_the_draft: bool
) -> None:
    """The user's own follow-up in Sent cancels ours; the manager gets exactly one message."""
    interview_story(world, START)
    draft = queued(world)
    copy = ours(world, draft["message_id"])
    me = ("Alice Moreau", world.addr(world.seeker))
    by_hand = world.message(
        DUE + timedelta(hours=1),
        me,
        [("Priya Raman", world.addr(world.manager))],
        "Re: Data Engineer role at Example: interview",
        "Dear Priya,\n\nA quick follow-up, written by hand.\n\nAlice",
        cc=[("Hannah Roth", world.addr(world.hr))],
    )
    rig = world.rig
    with smtplib.SMTP(rig.host, rig.smtp_port) as smtp:
        smtp.sendmail(me[1], [world.addr(world.manager), world.addr(world.hr)], by_hand)
    with imap(world) as client:
        client.append("Sent", by_hand, flags=[b"\\Seen"])
    if from_the_draft:
        delete(world, copy.uid)  # a client deletes the draft it sent
    world.run("run", "--once", now=DUE + timedelta(hours=2))
    assert _states(world) == ["cancelled"]
    assert drafts(world) == []
    assert wait_for(lambda: len(mailbox(world, world.manager)) == 1)
    assert b"written by hand" in _bodies(world, world.manager)[0]


@pytest.mark.parametrize("new_id", [True, False], ids=["new-message-id", "same-message-id"])
def test_an_edited_copy_is_what_gets_sent(world: World, new_id: bool) -> None:
    """A client's re-saved edit replaces the draft; starring it sends the edit, once."""
    interview_story(world, START)
    draft = queued(world)
    edited = save_edit(
        world,
        ours(world, draft["message_id"]),
        "Dear Priya,\n\nEDITED ON MY PHONE: still very keen on the role.\n\nAlice\n",
        new_id=new_id,
    )
    world.run("run", "--once", now=DUE)
    with sqlite3.connect(world.root / "state.db", timeout=5) as db:
        ((raw,),) = db.execute("SELECT raw FROM drafts")
    assert b"EDITED ON MY PHONE" in raw
    assert b"X-Mozilla-Draft-Info" not in raw
    assert "edited in your mail client" in _reasons(world)
    assert _states(world) == ["queued"]
    assert mailbox(world, world.manager) == []
    star(world, edited.uid)
    world.run("run", "--once", now=DUE)
    assert _states(world) == ["sent"]
    assert wait_for(lambda: len(mailbox(world, world.manager)) == 1)
    header = mailbox(world, world.manager)[0][b"header"].decode()
    assert draft["message_id"] in header
    assert world.chain[-1] in header
    assert b"EDITED ON MY PHONE" in _bodies(world, world.manager)[0]
    assert drafts(world) == []


def test_approving_and_rejecting_in_the_queue_show_in_drafts(world: World) -> None:
    """The CLI and the client agree: approval stars the copy, rejection removes it."""
    interview_story(world, START)
    draft = queued(world)
    world.run("queue", "approve", draft["id"], now=SUNDAY)
    world.run("run", "--once", now=SUNDAY)
    assert "\\Flagged" in ours(world, draft["message_id"]).flags
    world.run("queue", "reject", draft["id"], now=SUNDAY)
    world.run("run", "--once", now=SUNDAY)
    assert drafts(world) == []
    assert _states(world) == ["rejected"]


def test_idle_reacts_to_a_star_in_the_drafts_folder(world: World) -> None:
    """With cycles hours apart, only IDLE on Drafts explains approval, sending and clean-up."""
    configure(world, extra="[daemon]\ncycle_minutes = 600\n")
    interview_story(world, START)
    daemon = subprocess.Popen(
        [FOLLOWUP, "--config", str(world.config), "--now", DUE.isoformat(), "run"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        assert wait_for(lambda: len(drafts(world)) == 1, timeout=30)
        (copy,) = drafts(world)
        star(world, copy.uid)
        assert wait_for(lambda: _states(world) != ["queued"], timeout=10)
        assert "approved: starred in your mail client" in _reasons(world)
        # The daemon's quick send check runs every 15 s; the copy goes when Sent changes.
        assert wait_for(lambda: len(mailbox(world, world.manager)) == 1, timeout=30)
        assert wait_for(lambda: drafts(world) == [], timeout=15)
        assert _states(world) == ["sent"]
    finally:
        daemon.send_signal(signal.SIGTERM)
        _, errors = daemon.communicate(timeout=20)
    assert daemon.returncode == 0, errors.decode()


def _states(world: World) -> list[str]:
    with sqlite3.connect(world.root / "state.db", timeout=5) as db:
        return [state for (state,) in db.execute("SELECT state FROM drafts ORDER BY id")]


def _reasons(world: World) -> list[str]:
    with sqlite3.connect(world.root / "state.db", timeout=5) as db:
        return [reason for (reason,) in db.execute("SELECT reason FROM draft_events")]


def _bodies(world: World, user: str) -> list[bytes]:
    with imap(world, user) as client:
        client.select_folder("INBOX", readonly=True)
        uids = client.search("ALL")
        return [v[b"BODY[TEXT]"] for v in client.fetch(uids, ["BODY.PEEK[TEXT]"]).values()]
