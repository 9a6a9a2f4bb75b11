"""Backends for the mailbox contract: the adapter under test plus an outside hand.

Each harness gives a fresh, empty account and lets a test act on it the way
another mail client would (deliver, flag, expunge, drop folders) without
going through the adapter being tested.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import uuid
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import TYPE_CHECKING, ParamSpec, Protocol, TypeVar

from imapclient import IMAPClient

from daemon.mail.imap import ImapMailbox
from daemon.mail.maildir import MaildirMailbox

P = ParamSpec("P")
R = TypeVar("R")

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from pathlib import Path

    from daemon.ports import Mailbox
    from tests.rig.mailrig import MailRig

FLAG_LETTERS = {"\\Seen": "S", "\\Answered": "R", "\\Flagged": "F", "\\Draft": "D"}

#: Capabilities the IMAP adapter is told to ignore, per way of detecting changes.
SYNC_MODES: dict[str, tuple[str, ...]] = {
    "qresync": (),
    "condstore": ("QRESYNC",),
    "plain": ("QRESYNC", "CONDSTORE", "ESEARCH"),
}
SYNC_SENSITIVE = "contract_sync_sensitive"


def sync_sensitive(test: Callable[P, R]) -> Callable[P, R]:
    """Mark a contract test to run against IMAP in every sync mode."""
    setattr(test, SYNC_SENSITIVE, True)
    return test


def make_message(
    subject: str = "Interview next week",
    *,
    message_id: str | None = None,
    sender: str = "Max Manager <max@corp.example.test>",
    to: str = "alice@example.test",
    body: str = "Hello Alice,\r\nare you free on Tuesday?\r\n",
    date: datetime | None = None,
    extra: str = "",
) -> bytes:
    """A small, well-formed message; `extra` adds raw header lines."""
    when = date or datetime(2026, 3, 3, 9, 30, tzinfo=UTC)
    msg_id = message_id or f"<{uuid.uuid4().hex}@corp.example.test>"
    return (
        f"Message-ID: {msg_id}\r\n"
        f"Date: {format_datetime(when)}\r\n"
        f"From: {sender}\r\n"
        f"To: {to}\r\n"
        f"Subject: {subject}\r\n"
        f"{extra}"
        "MIME-Version: 1.0\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n"
        "\r\n"
        f"{body}"
    ).encode()


class Harness(Protocol):
    supports_uidvalidity: bool
    sees_flag_only_changes: bool
    sent: str
    drafts: str

    def mailbox(self) -> Mailbox: ...

    def deliver(self, folder: str, raw: bytes, flags: tuple[str, ...] = ()) -> None: ...

    def add_flag(self, folder: str, message_id: str, flag: str) -> None: ...

    def expunge(self, folder: str, message_id: str) -> None: ...

    def create_folder(self, folder: str) -> None: ...

    def delete_folder(self, folder: str) -> None: ...

    def recreate_folder(self, folder: str) -> None: ...


class MaildirHarness:
    """A Maildir++ tree on disk, touched directly like mbsync would."""

    supports_uidvalidity = False
    sees_flag_only_changes = True
    sent = "Sent"
    drafts = "Drafts"

    def __init__(self, root: Path) -> None:
        self.root = root
        for folder in ("INBOX", "Sent", "Drafts", "Trash"):
            self.create_folder(folder)

    def _dir(self, folder: str) -> Path:
        return self.root if folder == "INBOX" else self.root / ("." + folder.replace("/", "."))

    def mailbox(self) -> Mailbox:
        return MaildirMailbox(self.root)

    def deliver(self, folder: str, raw: bytes, flags: tuple[str, ...] = ()) -> None:
        name = f"{uuid.uuid4().hex}.M1P1.test"
        target = self._dir(folder)
        (target / "tmp" / name).write_bytes(raw)
        if flags:
            letters = "".join(sorted(FLAG_LETTERS[flag] for flag in flags))
            (target / "tmp" / name).rename(target / "cur" / f"{name}:2,{letters}")
        else:
            (target / "tmp" / name).rename(target / "new" / name)

    def _find(self, folder: str, message_id: str) -> Path:
        for sub in ("cur", "new"):
            for path in (self._dir(folder) / sub).iterdir():
                if f"Message-ID: {message_id}".encode() in path.read_bytes():
                    return path
        raise LookupError(message_id)

    def add_flag(self, folder: str, message_id: str, flag: str) -> None:
        path = self._find(folder, message_id)
        name, _, info = path.name.partition(":2,")
        letters = "".join(sorted(set(info) | {FLAG_LETTERS[flag]}))
        path.rename(self._dir(folder) / "cur" / f"{name}:2,{letters}")

    def expunge(self, folder: str, message_id: str) -> None:
        self._find(folder, message_id).unlink()

    def create_folder(self, folder: str) -> None:
        for sub in ("cur", "new", "tmp"):
            (self._dir(folder) / sub).mkdir(parents=True, exist_ok=True)

    def delete_folder(self, folder: str) -> None:
        shutil.rmtree(self._dir(folder))

    def recreate_folder(self, folder: str) -> None:
        raise NotImplementedError("Maildir has no UIDVALIDITY")


class DovecotHarness:
    """A fresh user on the session's Dovecot, driven through a second IMAP session."""

    supports_uidvalidity = True
    sent = "Sent"
    drafts = "Drafts"

    def __init__(self, rig: MailRig, *, batch_size: int = 1000, ignore: tuple[str, ...] = ()):
        self.rig = rig
        self.user = f"contract-{uuid.uuid4().hex[:12]}"
        self.secret = f"pw-{uuid.uuid4().hex}"
        rig.add_user(self.user, self.secret)
        self.batch_size = batch_size
        self.ignore = ignore
        self.sees_flag_only_changes = "CONDSTORE" not in ignore
        self._other = IMAPClient(rig.host, port=rig.imap_port, ssl=False, timeout=10)
        self._other.login(self.user, self.secret)
        for folder in ("Sent", "Drafts", "Trash"):
            # Special-use folders are configured but only exist once touched.
            with contextlib.suppress(IMAPClient.Error):
                self._other.create_folder(folder)

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self._other.logout()

    def mailbox(self, **overrides: object) -> Mailbox:
        options: dict[str, object] = {
            "host": self.rig.host,
            "port": self.rig.imap_port,
            "security": "none",
            "username": self.user,
            "password": lambda: self.secret,
            "batch_size": self.batch_size,
            "ignore_capabilities": self.ignore,
        }
        options.update(overrides)
        return ImapMailbox(**options)  # type: ignore[arg-type]

    def deliver(self, folder: str, raw: bytes, flags: tuple[str, ...] = ()) -> None:
        self._other.append(folder, raw, flags=flags)

    def _uids(self, folder: str, message_id: str) -> list[int]:
        self._other.select_folder(folder)
        return list(self._other.search(["HEADER", "Message-ID", message_id]))

    def add_flag(self, folder: str, message_id: str, flag: str) -> None:
        self._other.add_flags(self._uids(folder, message_id), [flag])

    def expunge(self, folder: str, message_id: str) -> None:
        uids = self._uids(folder, message_id)
        self._other.add_flags(uids, [b"\\Deleted"])
        self._other.uid_expunge(uids)

    def create_folder(self, folder: str) -> None:
        self._other.create_folder(folder)

    def delete_folder(self, folder: str) -> None:
        with contextlib.suppress(IMAPClient.Error):
            self._other.unselect_folder()
        self._other.delete_folder(folder)

    def recreate_folder(self, folder: str) -> None:
        self.delete_folder(folder)
        self.create_folder(folder)


class DovecotMaildirHarness(DovecotHarness):
    """Dovecot writes the Maildir, as an IMAP client would; the Maildir adapter reads it."""

    supports_uidvalidity = False

    def __init__(self, rig: MailRig) -> None:
        super().__init__(rig)
        self.sees_flag_only_changes = True

    def mailbox(self, **overrides: object) -> Mailbox:
        return MaildirMailbox(self.rig.maildir(self.user))


@contextlib.contextmanager
def dovecot_harness(rig: MailRig, **options: object) -> Iterator[DovecotHarness]:
    harness = DovecotHarness(rig, **options)  # type: ignore[arg-type]
    try:
        yield harness
    finally:
        harness.close()


def file_count(root: Path) -> int:
    return sum(len(files) for _, _, files in os.walk(root))
