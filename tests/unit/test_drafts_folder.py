"""Approve from the mail client: the pure decision, edits, the notice, and a Maildir pass."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from typing import TYPE_CHECKING

import pytest

from daemon.app import App
from daemon.compose import validate_outgoing
from daemon.config import load_settings
from daemon.domain import Address, Draft, DraftState, FollowupKind
from daemon.drafts_folder import (
    Adopt,
    Append,
    Approve,
    CopyMark,
    Flag,
    FolderItem,
    Refresh,
    Reject,
    Remove,
    Tracked,
    build_notice,
    message_digest,
    plan,
    rebuild_edit,
    reconcile,
)
from daemon.mail.maildir import MaildirMailbox
from daemon.store.drafts import DraftRepository

if TYPE_CHECKING:
    from pathlib import Path

    from daemon.config import Settings

NOW = datetime(2026, 11, 18, 9, 0, tzinfo=UTC)
ME = "alice@example.test"
PARENT = "<thank-you@example.test>"
OURS = "<queued@example.test>"


def outgoing(body: str, *, message_id: str = OURS, extra: dict[str, str] | None = None) -> bytes:
    msg = EmailMessage(policy=policy.SMTP)
    msg["From"] = f"Alice Moreau <{ME}>"
    msg["To"] = "Priya Raman <priya@example.test>"
    msg["Cc"] = "hannah@example.test"
    msg["Subject"] = "Re: Data Engineer role"
    msg["Date"] = "Wed, 18 Nov 2026 10:00:00 +0100"
    msg["Message-ID"] = message_id
    msg["In-Reply-To"] = PARENT
    msg["References"] = f"<invite@example.test> {PARENT}"
    for name, value in (extra or {}).items():
        msg[name] = value
    msg.set_content(body)
    return msg.as_bytes()


RAW = outgoing("Dear Priya,\n\nI wanted to follow up.\n\nBest regards,\nAlice\n")


def draft(state: DraftState = DraftState.QUEUED, draft_id: int = 1, raw: bytes = RAW) -> Draft:
    return Draft(
        id=draft_id,
        account="main",
        thread_id="t1",
        state=state,
        kind=FollowupKind.AFTER_INTERVIEW,
        message_id=OURS if draft_id == 1 else f"<queued{draft_id}@example.test>",
        subject="Re: Data Engineer role",
        to=(Address("priya@example.test"),),
        cc=(Address("hannah@example.test"),),
        in_reply_to=PARENT,
        raw=raw,
        reason="due",
        created_at=NOW,
    )


def mark(uid: str = "5", message_id: str = OURS, *, usable: bool = True) -> CopyMark:
    return CopyMark(uid, message_id, message_digest(RAW), usable=usable)


def item(uid: str, message_id: str = OURS, *flags: str, thread: bool = True) -> FolderItem:
    return FolderItem(
        id=uid,
        flags=frozenset({"\\Draft", *flags}),
        message_id=message_id,
        in_reply_to=PARENT if thread else None,
        references=("<invite@example.test>", PARENT) if thread else (),
    )


def decide(tracked: Tracked, *items: FolderItem, reset: bool = False) -> list[object]:
    return list(plan([tracked], items, folder_reset=reset))


def test_a_queued_draft_without_copy_is_appended() -> None:
    """A newly queued draft gets a copy in the folder."""
    assert decide(Tracked(draft(), None)) == [Append(1)]


def test_an_untouched_copy_needs_nothing() -> None:
    """Neither starred nor changed: nothing to do, every pass."""
    assert decide(Tracked(draft(), mark()), item("5")) == []


def test_starring_the_copy_approves_the_draft() -> None:
    """\\Flagged on our copy approves the queued draft."""
    assert decide(Tracked(draft(), mark()), item("5", OURS, "\\Flagged")) == [Approve(1)]


def test_a_starred_copy_whose_edit_was_refused_does_not_approve() -> None:
    """The queue's older text is not what the user starred: no approval."""
    tracked = Tracked(draft(), mark(message_id="<client@x>", usable=False))
    assert decide(tracked, item("5", "<client@x>", "\\Flagged")) == []


def test_approval_in_the_queue_stars_the_copy() -> None:
    """The CLI and the client agree: an approved draft's copy is flagged."""
    tracked = Tracked(draft(DraftState.APPROVED), mark())
    assert decide(tracked, item("5")) == [Flag(1, "5")]
    assert decide(tracked, item("5", OURS, "\\Flagged")) == []


@pytest.mark.parametrize("flags", [(), ("\\Deleted",)], ids=["expunged", "marked-deleted"])
def test_a_deleted_copy_rejects_the_draft(flags: tuple[str, ...]) -> None:
    """Gone, or only marked \\Deleted, with nothing in its place: rejected."""
    present = [item("5", OURS, *flags)] if flags else []
    assert decide(Tracked(draft(), mark()), *present, item("3", "<mine@x>")) == [Reject(1)]


def test_a_replacement_in_the_thread_is_adopted_as_the_edit() -> None:
    """A client's re-saved draft (new Message-ID, same thread) replaces ours; newest wins."""
    first, second = item("7", "<edit1@x>"), item("9", "<edit2@x>", "\\Flagged")
    actions = decide(Tracked(draft(), mark()), first, second)
    assert actions == [Adopt(1, second, approve=True, base=message_digest(RAW))]


def test_a_replacement_keeping_our_message_id_is_adopted() -> None:
    """A client that keeps the Message-ID (and drops threading headers) is followed too."""
    edited = item("8", OURS, thread=False)
    assert decide(Tracked(draft(), mark()), edited) == [
        Adopt(1, edited, approve=False, base=message_digest(RAW))
    ]


def test_older_and_unrelated_user_drafts_are_never_taken() -> None:
    """A user's draft saved before our copy, or in another thread, is not an edit of ours."""
    older_in_thread = item("3", "<mine@x>")
    newer_elsewhere = item("9", "<other@x>", thread=False)
    assert decide(Tracked(draft(), mark()), older_in_thread, newer_elsewhere) == [Reject(1)]
    assert decide(Tracked(draft(), mark()), item("5"), older_in_thread, newer_elsewhere) == []


def test_a_copy_tracked_by_another_draft_is_not_adopted() -> None:
    """Two drafts never claim the same message."""
    other = Tracked(replace(draft(draft_id=2), in_reply_to=PARENT), mark("9", "<queued2@x>"))
    actions = plan(
        [Tracked(draft(), mark()), other], [item("9", "<queued2@x>")], folder_reset=False
    )
    assert actions == [Reject(1)]


def test_several_copies_with_our_message_id_the_newest_wins() -> None:
    """A client that left the old version behind: the newer one is the edit."""
    newer = item("6", OURS)
    assert decide(Tracked(draft(), mark()), item("5"), newer) == [
        Adopt(1, newer, approve=False, base=message_digest(RAW))
    ]


def test_an_unrecorded_copy_is_adopted_not_duplicated() -> None:
    """A pass that died after appending: the copy is found by its Message-ID."""
    found = item("5")
    assert decide(Tracked(draft(), None), found) == [Adopt(1, found, approve=False, base=None)]
    assert decide(Tracked(draft(DraftState.APPROVED), None)) == []


def test_after_a_folder_reset_a_missing_copy_is_written_again() -> None:
    """A new UIDVALIDITY proves nothing about the user: copy again, never reject."""
    assert decide(Tracked(draft(), mark()), item("2", "<mine@x>"), reset=True) == [Append(1)]
    moved = item("1", OURS)
    assert decide(Tracked(draft(), mark()), moved, reset=True) == [
        Adopt(1, moved, approve=False, base=None)
    ]


def test_an_edit_in_the_queue_replaces_the_copy() -> None:
    """After `followup queue edit`, the folder shows the new text; a refused client edit stays."""
    edited = draft(raw=outgoing("Dear Priya,\n\nShorter.\n"))
    assert decide(Tracked(edited, mark()), item("5")) == [Refresh(1, "5")]
    refused = Tracked(edited, mark(message_id="<client@x>", usable=False))
    assert decide(refused, item("5", "<client@x>")) == [Refresh(1, None)]


@pytest.mark.parametrize(
    "state", [DraftState.SENT, DraftState.REJECTED, DraftState.CANCELLED, DraftState.FAILED]
)
def test_a_finished_draft_loses_its_copies_and_nothing_else(state: DraftState) -> None:
    """Every version carrying our Message-IDs goes; the user's drafts stay."""
    tracked = Tracked(draft(state), mark("7", "<edit@x>"))
    actions = decide(tracked, item("5"), item("7", "<edit@x>"), item("9", "<mine@x>"))
    assert actions == [Remove(1, ("5", "7"))]


def test_a_refused_edit_is_kept_when_the_draft_finishes() -> None:
    """The user's own text is never deleted, even once the draft is done."""
    tracked = Tracked(draft(DraftState.CANCELLED), mark("7", "<edit@x>", usable=False))
    assert decide(tracked, item("5"), item("7", "<edit@x>")) == [Remove(1, ("5",))]


def test_a_draft_being_sent_is_left_alone() -> None:
    """The outcome of the SMTP transaction decides what happens to the copy."""
    assert decide(Tracked(draft(DraftState.SENDING), mark()), item("5", OURS, "\\Flagged")) == []


def test_maildir_names_order_by_their_time_prefix() -> None:
    """Maildir ids are compared by delivery time, not as text."""
    tracked = Tracked(draft(), mark("900000000.M1P2.host"))
    newer = item("1700000000.M3P4.host", "<edit@x>")
    older = item("800000000.M5P6.host", "<mine@x>")
    assert decide(tracked, older, newer) == [
        Adopt(1, newer, approve=False, base=message_digest(RAW))
    ]


def test_copy_mark_round_trips_through_the_store_record() -> None:
    """The recorded copy comes back as it was written; an unreadable record is no copy."""
    written = CopyMark("5", OURS, "abc", usable=False, folder_cursor='{"uidvalidity":1}')
    assert CopyMark.from_copy(written.to_copy("Drafts")) == written
    broken = replace(written.to_copy("Drafts"), cursor="not json")
    assert CopyMark.from_copy(broken) is None


def test_rebuilt_edit_keeps_the_queue_identity_and_the_clients_content() -> None:
    """Client bookkeeping goes, our Message-ID and threading stay, the edited body is sent."""
    client = outgoing(
        "Dear Priya,\n\nEdited on my phone.\n",
        message_id="<client-save@example.test>",
        extra={
            "X-Mozilla-Draft-Info": "internal/draft; vcard=0; receipt=0",
            "X-Identity-Key": "id1",
            "X-Uniform-Type-Identifier": "com.apple.mail-draft",
            "X-Apple-Auto-Saved": "1",
        },
    )
    client = client.replace(b"In-Reply-To: <thank-you@example.test>\r\n", b"")
    rebuilt = rebuild_edit(client, RAW)
    parsed = validate_outgoing(rebuilt)
    assert parsed.message_id == OURS
    assert parsed.in_reply_to == PARENT
    assert "Edited on my phone." in parsed.body
    headers = BytesParser(policy=policy.default).parsebytes(rebuilt)
    assert headers["References"] == f"<invite@example.test> {PARENT}"
    names = {name.lower() for name in headers}
    assert not names & {"x-mozilla-draft-info", "x-identity-key", "x-uniform-type-identifier"}
    assert "x-apple-auto-saved" not in names
    assert headers.get_all("Message-ID") == [OURS]


def test_rebuilt_edit_without_a_date_gets_the_queued_one() -> None:
    """A client that saves drafts without Date still sends a dated message."""
    client = outgoing("Edited.\n").replace(b"Date: Wed, 18 Nov 2026 10:00:00 +0100\r\n", b"")
    headers = BytesParser(policy=policy.default).parsebytes(rebuild_edit(client, RAW))
    assert headers["Date"] == "Wed, 18 Nov 2026 10:00:00 +0100"


@pytest.mark.parametrize(("waiting", "line"), [(3, "3 follow-ups are"), (1, "1 follow-up is")])
def test_notice_is_one_line_to_the_notify_address(tmp_path: Path, waiting: int, line: str) -> None:
    """The notice names how many drafts wait, is marked automatic, and goes to notify_address."""
    account = maildir_settings(tmp_path, 'notify_address = "phone@example.test"').accounts[0]
    notice = build_notice(account, waiting, NOW)
    assert notice["Subject"] == f"{line} waiting for your approval"
    assert notice["To"] == "phone@example.test"
    assert notice["Auto-Submitted"] == "auto-generated"
    body = notice.get_content()
    assert body.count("\n") == 1
    assert "star one in your Drafts folder" in body


def maildir_settings(root: Path, extra: str = "") -> Settings:
    for folder in (root / "Mail", root / "Mail" / ".Sent", root / "Mail" / ".Drafts"):
        for sub in ("cur", "new", "tmp"):
            (folder / sub).mkdir(parents=True, exist_ok=True)
    config = root / "config.toml"
    config.write_text(
        f'[store]\npath = "{root / "state.db"}"\n'
        f'[[accounts]]\nname = "main"\naddress = "{ME}"\n{extra}\n'
        f'[accounts.maildir]\npath = "{root / "Mail"}"\n',
        encoding="utf-8",
    )
    return load_settings(config, environ={})


def test_a_maildir_pass_copies_approves_and_cleans_up(tmp_path: Path) -> None:
    """Against a real Maildir: copy with D, star (F) approves, sent removes the file."""
    app = App.build(maildir_settings(tmp_path), lambda: NOW)
    try:
        repo = DraftRepository(app.store)
        queued = repo.add(replace(draft(), id=0), NOW)
        account = app.settings.accounts[0]
        reconcile(app, account)
        with MaildirMailbox(tmp_path / "Mail") as mailbox:
            (copy,) = list(mailbox.sync_folder("Drafts", None, frozenset, lambda _: False).new)
            assert copy.flags == frozenset({"\\Draft", "\\Seen"})
            assert mailbox.find_by_message_id("Drafts", OURS) == [copy.id]
            mine = mailbox.append(
                "Drafts", outgoing("mine", message_id="<mine@x>"), frozenset(), NOW
            )
            mailbox.set_flags("Drafts", [copy.id], frozenset({"\\Flagged"}))
        reconcile(app, account)
        assert repo.get_required(queued.id).state is DraftState.APPROVED
        repo.transition(queued.id, [DraftState.APPROVED], DraftState.SENT, "accepted", NOW)
        reconcile(app, account, only_if_pending=True)
        with MaildirMailbox(tmp_path / "Mail") as mailbox:
            left = [
                m.id for m in mailbox.sync_folder("Drafts", None, frozenset, lambda _: False).new
            ]
        assert left == [mine]
        assert repo.copy(queued.id) is None
    finally:
        app.close()
