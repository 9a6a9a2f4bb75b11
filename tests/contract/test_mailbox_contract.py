"""One behaviour for every mailbox backend: Maildir on disk and IMAP on a real Dovecot."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import pytest

from daemon.mail.errors import FolderGoneError
from daemon.mail.parse import parse_message
from tests.contract.harness import DovecotMaildirHarness, make_message, sync_sensitive

if TYPE_CHECKING:
    from collections.abc import Iterator

    from daemon.ports import FetchedMessage, FolderChanges, Mailbox
    from tests.contract.harness import Harness
    from tests.rig.mailrig import MailRig


WHEN = datetime(2026, 3, 4, 8, 0, tzinfo=UTC)


def no_ids() -> frozenset[str]:
    return frozenset()


def always(_header: bytes) -> bool:
    return True


def never(_header: bytes) -> bool:
    return False


def sync(
    mailbox: Mailbox,
    folder: str,
    cursor: str | None,
    known: frozenset[str] = frozenset(),
    wants_body: object = always,
) -> tuple[FolderChanges, list[FetchedMessage]]:
    changes = mailbox.sync_folder(folder, cursor, lambda: known, wants_body)  # type: ignore[arg-type]
    return changes, list(changes.new)


def message_ids(fetched: list[FetchedMessage]) -> set[str]:
    return {parse_message(item, "t", in_sent=False).key for item in fetched}


class MailboxContract:
    """The behaviour `daemon.ports.Mailbox` promises, whatever the store."""

    @pytest.fixture
    def harness(self) -> Harness:
        raise NotImplementedError

    def test_lists_folders_and_finds_sent_and_drafts(self, harness: Harness) -> None:
        """The usual folders are listed and Sent/Drafts are found."""
        harness.create_folder("Projects/Jobs")
        with harness.mailbox() as mailbox:
            names = {folder.name for folder in mailbox.list_folders()}
            assert {"INBOX", "Sent", "Drafts", "Projects/Jobs"} <= names
            assert mailbox.find_special("\\Sent") == harness.sent
            assert mailbox.find_special("\\Drafts") == harness.drafts
            assert mailbox.find_special("\\Nonsense") is None

    @sync_sensitive
    def test_initial_sync_returns_every_message_with_headers(self, harness: Harness) -> None:
        """A first sync streams all messages with their headers, flags and dates."""
        raws = [
            make_message(f"Message {n}", message_id=f"<m{n}@corp.example.test>") for n in range(5)
        ]
        for raw in raws:
            harness.deliver("INBOX", raw)
        harness.deliver("INBOX", make_message("Seen one", message_id="<seen@x.test>"), ("\\Seen",))
        with harness.mailbox() as mailbox:
            changes, fetched = sync(mailbox, "INBOX", None)
        assert changes.reset
        assert not changes.unchanged
        assert message_ids(fetched) == {f"<m{n}@corp.example.test>" for n in range(5)} | {
            "<seen@x.test>"
        }
        by_key = {parse_message(item, "t", in_sent=False).key: item for item in fetched}
        assert by_key["<seen@x.test>"].flags == {"\\Seen"}
        assert by_key["<m0@corp.example.test>"].flags == frozenset()
        first = parse_message(by_key["<m0@corp.example.test>"], "t", in_sent=False)
        assert first.subject == "Message 0"
        assert first.from_ is not None
        assert first.from_.addr == "max@corp.example.test"
        assert first.date == datetime(2026, 3, 3, 9, 30, tzinfo=UTC)
        assert first.body_text.startswith("Hello Alice,")
        assert all(item.internaldate is not None for item in fetched)
        assert len({item.id for item in fetched}) == len(fetched)

    def test_body_is_fetched_only_when_wanted(self, harness: Harness) -> None:
        """Text is left out for messages the caller does not want bodies of."""
        harness.deliver("INBOX", make_message("Newsletter", extra="List-Id: <news.x.test>\r\n"))
        harness.deliver("INBOX", make_message("Personal"))

        def wants(header: bytes) -> bool:
            return b"List-Id" not in header

        with harness.mailbox() as mailbox:
            _, fetched = sync(mailbox, "INBOX", None, wants_body=wants)
        texts = {parse_message(item, "t", in_sent=False).subject: item.text for item in fetched}
        assert texts["Newsletter"] is None
        assert texts["Personal"] is not None
        assert "Tuesday" in texts["Personal"]

    @sync_sensitive
    def test_sync_without_changes_reports_unchanged(self, harness: Harness) -> None:
        """A second sync with nothing new says unchanged and streams nothing."""
        harness.deliver("INBOX", make_message())
        with harness.mailbox() as mailbox:
            first, fetched = sync(mailbox, "INBOX", None)
            known = frozenset(item.id for item in fetched)
            again, more = sync(mailbox, "INBOX", first.cursor, known)
        assert again.unchanged
        assert not again.reset
        assert more == []
        assert again.removed == frozenset()

    @sync_sensitive
    def test_new_message_appears_incrementally(self, harness: Harness) -> None:
        """Only the message delivered since the last sync is new."""
        for n in range(3):
            harness.deliver("INBOX", make_message(message_id=f"<old{n}@x.test>"))
        with harness.mailbox() as mailbox:
            first, fetched = sync(mailbox, "INBOX", None)
            known = frozenset(item.id for item in fetched)
            harness.deliver("INBOX", make_message("Fresh", message_id="<fresh@x.test>"))
            second, added = sync(mailbox, "INBOX", first.cursor, known)
        assert not second.unchanged
        assert not second.reset
        assert message_ids(added) == {"<fresh@x.test>"}
        assert second.removed == frozenset()

    @sync_sensitive
    def test_removed_message_is_reported(self, harness: Harness) -> None:
        """A message expunged elsewhere comes back in `removed` by its id."""
        harness.deliver("INBOX", make_message(message_id="<stay@x.test>"))
        harness.deliver("INBOX", make_message(message_id="<gone@x.test>"))
        with harness.mailbox() as mailbox:
            first, fetched = sync(mailbox, "INBOX", None)
            ids = {parse_message(i, "t", in_sent=False).key: i.id for i in fetched}
            harness.expunge("INBOX", "<gone@x.test>")
            second, added = sync(mailbox, "INBOX", first.cursor, frozenset(ids.values()))
        assert added == []
        assert second.removed == {ids["<gone@x.test>"]}

    @sync_sensitive
    def test_flag_change_is_reported(self, harness: Harness) -> None:
        """A flag set elsewhere comes back in `flags` with the message's current flags."""
        harness.deliver("INBOX", make_message(message_id="<a@x.test>"))
        harness.deliver("INBOX", make_message(message_id="<b@x.test>"))
        with harness.mailbox() as mailbox:
            first, fetched = sync(mailbox, "INBOX", None)
            ids = {parse_message(i, "t", in_sent=False).key: i.id for i in fetched}
            harness.add_flag("INBOX", "<a@x.test>", "\\Answered")
            if not harness.sees_flag_only_changes:
                # Without CONDSTORE the cheap check cannot see flags; new mail wakes it.
                harness.deliver("INBOX", make_message(message_id="<c@x.test>"))
            second, added = sync(mailbox, "INBOX", first.cursor, frozenset(ids.values()))
        assert message_ids(added) == (set() if harness.sees_flag_only_changes else {"<c@x.test>"})
        assert not second.unchanged
        assert second.flags[ids["<a@x.test>"]] == {"\\Answered"}
        assert second.flags.get(ids["<b@x.test>"], frozenset()) == frozenset()
        assert second.removed == frozenset()

    def test_append_find_and_fetch_raw_round_trip(self, harness: Harness) -> None:
        """An appended draft is found by Message-ID and read back byte for byte."""
        raw = make_message("Draft follow-up", message_id="<draft-1@example.test>")
        when = datetime(2026, 3, 4, 8, 0, tzinfo=UTC)
        with harness.mailbox() as mailbox:
            new_id = mailbox.append(harness.drafts, raw, frozenset({"\\Draft", "\\Seen"}), when)
            found = mailbox.find_by_message_id(harness.drafts, "<draft-1@example.test>")
            assert found
            if new_id is not None:
                assert found == [new_id]
            assert mailbox.fetch_raw(harness.drafts, found[0]) == raw
            assert mailbox.find_by_message_id(harness.drafts, "<other@example.test>") == []
            assert mailbox.find_by_message_id(harness.drafts, "<x@y>\r\nA1 LOGOUT") == []
            assert mailbox.fetch_raw(harness.drafts, "no-such-id") is None
            _, fetched = sync(mailbox, harness.drafts, None)
        assert [item.flags for item in fetched] == [{"\\Draft", "\\Seen"}]
        assert fetched[0].internaldate == when

    def test_set_flags_and_delete(self, harness: Harness) -> None:
        """Flags are added to existing ones and deleted messages disappear."""
        raw = make_message(message_id="<flagme@x.test>")
        with harness.mailbox() as mailbox:
            mailbox.append(harness.drafts, raw, frozenset({"\\Draft"}), WHEN)
            (found,) = mailbox.find_by_message_id(harness.drafts, "<flagme@x.test>")
            mailbox.set_flags(harness.drafts, [found], frozenset({"\\Seen"}))
            _, fetched = sync(mailbox, harness.drafts, None)
            assert fetched[0].flags == {"\\Draft", "\\Seen"}
            (found,) = mailbox.find_by_message_id(harness.drafts, "<flagme@x.test>")
            mailbox.delete(harness.drafts, [found])
            assert mailbox.find_by_message_id(harness.drafts, "<flagme@x.test>") == []
            _, fetched = sync(mailbox, harness.drafts, None)
        assert fetched == []

    @sync_sensitive
    def test_uidvalidity_change_resets(self, harness: Harness) -> None:
        """A folder recreated under the same name makes the next sync start over."""
        if not harness.supports_uidvalidity:
            pytest.skip("Maildir has no UIDVALIDITY: ids are file names and stay valid")
        harness.create_folder("Jobs")
        harness.deliver("Jobs", make_message(message_id="<before@x.test>"))
        with harness.mailbox() as mailbox:
            first, fetched = sync(mailbox, "Jobs", None)
            harness.recreate_folder("Jobs")
            harness.deliver("Jobs", make_message(message_id="<after@x.test>"))
            second, added = sync(
                mailbox, "Jobs", first.cursor, frozenset(item.id for item in fetched)
            )
        assert second.reset
        assert message_ids(added) == {"<after@x.test>"}

    def test_malformed_messages_do_not_stop_the_sync(self, harness: Harness) -> None:
        """Broken charsets, bogus encoded words, missing headers and big attachments all sync."""
        attachment = base64.encodebytes(bytes(range(256)) * 8192).decode()
        messages = [
            (
                b"Message-ID: <charset@x.test>\r\nDate: Tue, 3 Mar 2026 10:00:00 +0100\r\n"
                b"From: =?x-unknown?q?J=F6rg?= <j@x.test>\r\nSubject: caf\xe9 \xff\xfe\r\n"
                b"Content-Type: text/plain; charset=no-such-charset\r\n\r\nbody \xe9\xff\r\n"
            ),
            (
                b"Message-ID: <words@x.test>\r\nDate: yesterday-ish\r\n"
                b"From: =?utf-8?b?!!!?= <w@x.test>\r\n"
                b"To: =?utf-8?q?x@evil.test,_y@evil.test?= <r@x.test>\r\n"
                b"Subject: =?utf-8?q?broken=ZZ?= =?utf-8?b?AAAA?=\r\n\r\nHi\r\n"
            ),
            (
                b"Date: Tue, 3 Mar 2026 10:00:00 +0100\r\nFrom: nobody@x.test\r\n"
                b"Subject: no id\r\n\r\nNo Message-ID here\r\n"
            ),
            b"Message-ID: <nodate@x.test>\r\nSubject: no date\r\n\r\nNo Date here\r\n",
            (
                "Message-ID: <big@x.test>\r\nDate: Tue, 3 Mar 2026 10:00:00 +0100\r\n"
                "From: Recruiter <r@corp.example.test>\r\nSubject: CV attached\r\n"
                "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=XYZ\r\n\r\n"
                "--XYZ\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nSee attachment.\r\n"
                "--XYZ\r\nContent-Type: application/pdf\r\n"
                "Content-Disposition: attachment; filename=cv.pdf\r\n"
                f"Content-Transfer-Encoding: base64\r\n\r\n{attachment}--XYZ--\r\n"
            ).encode(),
            make_message("Normal", message_id="<normal@x.test>"),
        ]
        for raw in messages:
            harness.deliver("INBOX", raw)
        with harness.mailbox() as mailbox:
            _, fetched = sync(mailbox, "INBOX", None)
        parsed = {parse_message(item, "t", in_sent=False).key: item for item in fetched}
        assert len(fetched) == len(messages)
        assert {"<charset@x.test>", "<words@x.test>", "<nodate@x.test>"} <= parsed.keys()
        assert {"<big@x.test>", "<normal@x.test>"} <= parsed.keys()
        big = parsed["<big@x.test>"]
        assert big.text is not None
        assert big.text.strip() == "See attachment."
        assert big.calendars == ()
        assert all(len(item.text or "") <= 8000 for item in fetched)
        words = parse_message(parsed["<words@x.test>"], "t", in_sent=False)
        assert [a.addr for a in words.to] == ["r@x.test"]
        assert [a.addr for a in (words.from_,) if a] == ["w@x.test"]

    def test_calendar_invitation_is_fetched(self, harness: Harness) -> None:
        """An interview invitation's text/calendar part reaches the parser."""
        ics = (
            "BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nBEGIN:VEVENT\r\nUID:iv-1\r\n"
            "DTSTART:20260310T100000Z\r\nDTEND:20260310T110000Z\r\nSUMMARY:Interview\r\n"
            "ORGANIZER;CN=Max:mailto:max@corp.example.test\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
        )
        raw = (
            "Message-ID: <invite@x.test>\r\nDate: Tue, 3 Mar 2026 10:00:00 +0100\r\n"
            "From: Max <max@corp.example.test>\r\nSubject: Invitation: Interview\r\n"
            "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=OUT\r\n\r\n"
            "--OUT\r\nContent-Type: multipart/alternative; boundary=ALT\r\n\r\n"
            "--ALT\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nJoin us.\r\n"
            "--ALT\r\nContent-Type: text/calendar; method=REQUEST; charset=utf-8\r\n\r\n"
            f"{ics}--ALT--\r\n--OUT\r\nContent-Type: application/ics; name=invite.ics\r\n"
            "Content-Disposition: attachment; filename=invite.ics\r\n"
            "Content-Transfer-Encoding: base64\r\n\r\n"
            f"{base64.encodebytes(ics.encode()).decode()}--OUT--\r\n"
        ).encode()
        harness.deliver("INBOX", raw)
        with harness.mailbox() as mailbox:
            _, fetched = sync(mailbox, "INBOX", None)
        message = parse_message(fetched[0], "t", in_sent=False)
        assert message.body_text.strip() == "Join us."
        assert len(fetched[0].calendars) == 2
        assert {event.uid for event in message.calendar} == {"iv-1"}
        assert message.calendar[0].start == datetime(2026, 3, 10, 10, tzinfo=UTC)

    def test_missing_folder_raises_folder_gone(self, harness: Harness) -> None:
        """Syncing a folder that does not exist raises FolderGoneError."""
        with harness.mailbox() as mailbox, pytest.raises(FolderGoneError):
            mailbox.sync_folder("No/Such/Folder", None, no_ids, always)

    @sync_sensitive
    def test_folder_vanishing_mid_sync_raises_folder_gone(self, harness: Harness) -> None:
        """A folder deleted while its messages stream in raises FolderGoneError."""
        harness.create_folder("Doomed")
        for n in range(6):
            harness.deliver("Doomed", make_message(message_id=f"<d{n}@x.test>"))
        with harness.mailbox() as mailbox:
            changes = mailbox.sync_folder("Doomed", None, no_ids, always)
            stream = iter(changes.new)
            next(stream)
            harness.delete_folder("Doomed")
            with pytest.raises(FolderGoneError):
                list(stream)


class TestMaildir(MailboxContract):
    @pytest.fixture
    def harness(self, maildir_harness: Harness) -> Harness:
        return maildir_harness


@pytest.mark.rig
class TestDovecot(MailboxContract):
    @pytest.fixture
    def harness(self, dovecot: Harness) -> Harness:
        return dovecot


@pytest.mark.rig
class TestDovecotMaildir(MailboxContract):
    """The Maildir adapter over a tree Dovecot maintains, the way mbsync users have one."""

    @pytest.fixture
    def harness(self, mailrig: MailRig) -> Iterator[Harness]:
        harness = DovecotMaildirHarness(mailrig)
        try:
            yield harness
        finally:
            harness.close()
