"""The real CLI against the real Dovecot and Postfix: sync, decide, queue, send."""

from __future__ import annotations

import smtplib
import ssl
import time
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from imapclient import IMAPClient

from tests.integration.conftest import World, interview_story

PARIS = ZoneInfo("Europe/Paris")
START = datetime(2026, 11, 2, 9, 0, tzinfo=PARIS)
#: Wednesday, five business days after the thank-you of Tuesday 10 November.
DUE = datetime(2026, 11, 18, 10, 0, tzinfo=PARIS)


def mailbox(world: World, user: str, folder: str = "INBOX") -> list[dict[bytes, bytes]]:
    rig = world.rig
    with IMAPClient(
        rig.host, rig.imaps_port, ssl_context=ssl.create_default_context(cafile=str(rig.ca_file))
    ) as client:
        client.login(rig.address(user), rig.password(user))
        client.select_folder(folder, readonly=True)
        uids = client.search("ALL")
        if not uids:
            return []
        fetched = client.fetch(uids, ["BODY.PEEK[HEADER.FIELDS (SUBJECT MESSAGE-ID IN-REPLY-TO)]"])
        return [
            {b"header": v[b"BODY[HEADER.FIELDS (SUBJECT MESSAGE-ID IN-REPLY-TO)]"]}
            for v in fetched.values()
        ]


def wait_for(predicate, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return predicate()


def test_sync_finds_the_thread_and_who_is_who(world: World) -> None:
    """After a sync, the interview thread is tracked with the right manager and HR."""
    interview_story(world, START)
    world.run("sync", now=DUE)
    (thread,) = world.json("threads", "list", now=DUE)
    assert thread["subject"] == "Data Engineer role at Example: interview"
    assert thread["stage"] == "interviewed"
    assert thread["message_count"] == 3
    assert thread["hiring_manager"] == world.addr(world.manager)
    assert world.addr(world.hr) in thread["hr"]
    assert thread["due"] is True
    early = world.json("threads", "list", now=datetime(2026, 11, 12, 10, 0, tzinfo=PARIS))
    assert early[0]["due"] is False


def test_second_sync_is_incremental_and_reconciles_deletions(world: World) -> None:
    """A no-change sync reports unchanged; a deleted message leaves the thread."""
    interview_story(world, START)
    world.run("sync", now=DUE)
    again = world.run("sync", now=DUE).stdout
    assert "INBOX: unchanged" in again
    rig = world.rig
    with IMAPClient(rig.host, rig.imap_port, ssl=False) as client:
        client.login(rig.address(world.seeker), rig.password(world.seeker))
        client.select_folder("Sent")
        client.delete_messages(client.search("ALL")[-1:])
        client.expunge()
    assert "-1" in world.run("sync", now=DUE).stdout
    (thread,) = world.json("threads", "list", now=DUE)
    assert thread["message_count"] == 2


def test_recreated_folder_resyncs_without_duplicates(world: World) -> None:
    """A new UIDVALIDITY (folder recreated) resyncs it and duplicates nothing."""
    interview_story(world, START)
    world.run("sync", now=DUE)
    rig = world.rig
    with IMAPClient(rig.host, rig.imap_port, ssl=False) as client:
        client.login(rig.address(world.seeker), rig.password(world.seeker))
        client.select_folder("Sent")
        raw = [v[b"RFC822"] for v in client.fetch(client.search("ALL"), ["RFC822"]).values()]
        client.close_folder()
        client.delete_folder("Sent")
        client.create_folder("Sent")
        for message in raw:
            client.append("Sent", message)
    out = world.run("sync", now=DUE).stdout
    assert "Sent: +2 -0 ~0 (folder was reset)" in out
    (thread,) = world.json("threads", "list", now=DUE)
    assert thread["message_count"] == 3


def test_approved_follow_up_is_sent_once_in_the_thread(world: World) -> None:
    """Queue, approve, send: the manager and HR each get one threaded copy; Sent keeps one."""
    interview_story(world, START)
    world.run("run", "--once", now=DUE)
    (draft,) = world.json("queue", "list", now=DUE)
    assert draft["state"] == "queued"
    assert draft["to"] == [world.addr(world.manager)]
    assert draft["cc"] == [world.addr(world.hr)]
    assert draft["in_reply_to"] == world.chain[-1]
    assert draft["subject"] == "Re: Data Engineer role at Example: interview"
    shown = world.run("queue", "show", str(draft["id"]), now=DUE).stdout
    assert f"In-Reply-To: {world.chain[-1]}" in shown
    assert "Priya" in shown
    world.run("queue", "approve", str(draft["id"]), now=DUE)
    world.run("run", "--once", now=DUE)
    (sent,) = world.json("queue", "list", now=DUE)
    assert sent["state"] == "sent"
    assert wait_for(lambda: len(mailbox(world, world.manager)) == 1)
    assert wait_for(lambda: len(mailbox(world, world.hr)) == 1)
    header = mailbox(world, world.manager)[0][b"header"].decode()
    assert draft["message_id"] in header
    assert world.chain[-1] in header
    assert len(mailbox(world, world.seeker, "Sent")) == 3
    # Another cycle: the follow-up restarted the silence, nothing new goes out.
    world.run("run", "--once", now=DUE)
    assert [d["state"] for d in world.json("queue", "list", now=DUE)] == ["sent"]
    time.sleep(0.5)
    assert len(mailbox(world, world.manager)) == 1


def test_reply_after_approval_cancels_the_draft(world: World) -> None:
    """A human reply that lands after approval stops the send."""
    interview_story(world, START)
    world.run("run", "--once", now=DUE)
    (draft,) = world.json("queue", "list", now=DUE)
    world.run("queue", "approve", str(draft["id"]), now=DUE)
    rig = world.rig
    reply = world.message(
        DUE,
        ("Priya Raman", world.addr(world.manager)),
        [("Alice", world.addr(world.seeker))],
        "Re: Data Engineer role at Example: interview",
        "Hi Alice,\n\nThanks for your patience, we will decide this week.\n\nPriya",
    )
    with smtplib.SMTP(rig.host, rig.smtp_port) as smtp:
        smtp.sendmail(world.addr(world.manager), [world.addr(world.seeker)], reply)
    assert wait_for(lambda: len(mailbox(world, world.seeker)) == 2)
    world.run("run", "--once", now=DUE)
    (cancelled,) = world.json("queue", "list", now=DUE)
    assert cancelled["state"] == "cancelled"
    assert mailbox(world, world.manager) == []


def test_permanent_refusal_marks_the_draft_failed(world: World) -> None:
    """A 5xx answer fails the draft with the server's reason, shown in the queue."""
    interview_story(world, START)
    world.run("run", "--once", now=DUE)
    (draft,) = world.json("queue", "list", now=DUE)
    world.run("queue", "approve", str(draft["id"]), now=DUE)
    rig = world.rig
    rig.set_recipient_response(world.addr(world.manager), "550 5.7.1 mailbox disabled")
    try:
        world.run("run", "--once", now=DUE)
    finally:
        rig.set_recipient_response(world.addr(world.manager), None)
    (failed,) = world.json("queue", "list", now=DUE)
    assert failed["state"] == "failed"
    assert "mailbox disabled" in failed["error"]
    assert "mailbox disabled" in world.run("queue", "list", now=DUE).stdout


def test_outside_the_send_window_nothing_is_sent(world: World) -> None:
    """An approved draft waits for weekday working hours."""
    interview_story(world, START)
    world.run("run", "--once", now=DUE)
    (draft,) = world.json("queue", "list", now=DUE)
    world.run("queue", "approve", str(draft["id"]), now=DUE)
    sunday = datetime(2026, 11, 22, 11, 0, tzinfo=PARIS)
    out = world.run("run", "--once", now=sunday).stdout
    assert "outside the send window" in out
    assert world.json("queue", "list", now=sunday)[0]["state"] == "approved"


@pytest.mark.parametrize("good", [True, False], ids=["valid-login", "wrong-password"])
def test_check_config_gives_a_verdict_per_account(world: World, good: bool) -> None:
    """check-config tries the login and says OK or FAILED for the account."""
    if not good:
        text = world.config.read_text().replace(
            f'password = "{world.rig.password(world.seeker)}"', 'password = "wrong"', 1
        )
        world.config.write_text(text)
    done = world.run("check-config", check=False)
    assert ("main: mailbox OK" in done.stdout) is good
    assert done.returncode == (0 if good else 1)
