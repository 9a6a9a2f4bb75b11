"""Maildir specifics the shared contract cannot see: layouts, cursors, and leaving files alone."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

import pytest

from daemon.mail import maildir
from daemon.mail.maildir import MaildirMailbox
from tests.contract.harness import make_message

if TYPE_CHECKING:
    from pathlib import Path


def make_folder(path: Path) -> Path:
    for sub in ("cur", "new", "tmp"):
        (path / sub).mkdir(parents=True, exist_ok=True)
    return path


def put(folder: Path, name: str, raw: bytes, info: str | None = None) -> Path:
    target = folder / "new" / name if info is None else folder / "cur" / f"{name}:2,{info}"
    target.write_bytes(raw)
    return target


def snapshot(root: Path) -> dict[str, tuple[int, int]]:
    return {
        str(path): (path.stat().st_mtime_ns, path.stat().st_size)
        for path in root.rglob("*")
        if path.is_file()
    }


def test_mbsync_verbatim_layout(tmp_path: Path) -> None:
    """An INBOX directory and nested plain folders are listed with "/" names."""
    make_folder(tmp_path / "INBOX")
    make_folder(tmp_path / "Sent")
    make_folder(tmp_path / "Jobs" / "Acme")
    (tmp_path / "Jobs" / "notes.txt").write_text("not a folder")
    with MaildirMailbox(tmp_path) as mailbox:
        assert [f.name for f in mailbox.list_folders()] == ["INBOX", "Jobs/Acme", "Sent"]
        assert mailbox.find_special("\\Sent") == "Sent"


def test_maildir_plus_plus_layout_with_utf7_names(tmp_path: Path) -> None:
    """Dot folders map to "/" names and modified UTF-7 is decoded."""
    make_folder(tmp_path)
    make_folder(tmp_path / ".Entw&APw-rfe")
    make_folder(tmp_path / ".Jobs.Acme")
    (tmp_path / ".NotAFolder").mkdir()
    with MaildirMailbox(tmp_path) as mailbox:
        assert [f.name for f in mailbox.list_folders()] == ["Entwürfe", "INBOX", "Jobs/Acme"]
        assert mailbox.find_special("\\Drafts") == "Entwürfe"
        put(tmp_path / ".Entw&APw-rfe", "1.a.host", make_message())
        changes = mailbox.sync_folder("Entwürfe", None, frozenset, lambda _: False)
        assert [item.id for item in changes.new] == ["1.a.host"]


def test_missing_root_is_an_error(tmp_path: Path) -> None:
    """Opening a path that is no directory fails loudly."""
    with pytest.raises(FileNotFoundError), MaildirMailbox(tmp_path / "absent"):
        pass


def test_sync_never_modifies_the_tree(tmp_path: Path) -> None:
    """Syncing, even with bodies, leaves every file and name as it was (new/ stays new/)."""
    inbox = make_folder(tmp_path)
    put(inbox, "1.a.host", make_message())
    put(inbox, "2.b.host", make_message(), "S")
    before = snapshot(tmp_path)
    with MaildirMailbox(tmp_path) as mailbox:
        changes = mailbox.sync_folder("INBOX", None, frozenset, lambda _: True)
        fetched = {item.id: item for item in changes.new}
    assert snapshot(tmp_path) == before
    assert fetched["1.a.host"].flags == frozenset()
    assert fetched["2.b.host"].flags == {"\\Seen"}


def test_unreadable_cursor_starts_over(tmp_path: Path) -> None:
    """A cursor that is not ours is treated as no cursor."""
    put(make_folder(tmp_path), "1.a.host", make_message())
    with MaildirMailbox(tmp_path) as mailbox:
        changes = mailbox.sync_folder("INBOX", "{not json", frozenset, lambda _: False)
        assert changes.reset
        assert len(list(changes.new)) == 1


def test_oversized_message_gives_header_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A message over the size limit is synced by its header, its body never read."""
    monkeypatch.setattr(maildir, "MAX_MESSAGE_BYTES", 100)
    put(make_folder(tmp_path), "1.a.host", make_message(body="x" * 1000))
    with MaildirMailbox(tmp_path) as mailbox:
        (item,) = mailbox.sync_folder("INBOX", None, frozenset, lambda _: True).new
    assert item.header.startswith(b"Message-ID:")
    assert item.header.endswith(b"\r\n\r\n")
    assert item.text is None


def test_message_renamed_during_sync_is_skipped_not_fatal(tmp_path: Path) -> None:
    """A file moved by the user's client meanwhile is skipped and found next time."""
    inbox = make_folder(tmp_path)
    first = put(inbox, "1.a.host", make_message())
    put(inbox, "2.b.host", make_message())
    with MaildirMailbox(tmp_path) as mailbox:
        changes = mailbox.sync_folder("INBOX", None, frozenset, lambda _: False)
        first.rename(inbox / "cur" / "1.a.host:2,S")
        assert [item.id for item in changes.new] == ["2.b.host"]
        again = mailbox.sync_folder("INBOX", changes.cursor, lambda: frozenset({"2.b.host"}), bool)
        assert [item.id for item in again.new] == ["1.a.host"]


def test_append_uses_the_given_time_and_flags(tmp_path: Path) -> None:
    """Appended mail lands in cur/ with its flags and the given time as mtime."""
    make_folder(tmp_path)
    make_folder(tmp_path / ".Drafts")
    when = datetime(2026, 3, 4, 8, 0, tzinfo=UTC)
    with MaildirMailbox(tmp_path) as mailbox:
        uid = mailbox.append("Drafts", b"Subject: x\r\n\r\nbody", frozenset({"\\Draft"}), when)
    assert uid is not None
    (path,) = (tmp_path / ".Drafts" / "cur").iterdir()
    assert path.name == f"{uid}:2,D"
    assert path.stat().st_mtime == when.timestamp()
    assert list((tmp_path / ".Drafts" / "tmp").iterdir()) == []
