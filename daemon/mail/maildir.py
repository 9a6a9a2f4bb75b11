"""The `Mailbox` contract over a local Maildir tree (mbsync, offlineimap).

Both common layouts are read: Maildir++ (INBOX is the root, a folder
"Foo/Bar" lives in ".Foo.Bar") and the plain one mbsync writes with
``SubFolders Verbatim`` (folders are nested directories, INBOX may be its
own "INBOX" directory). A message's id is its unique name, the file name
before the ":2," info, which stays the same when a client changes flags.

Sync never writes: the user's synchroniser owns the tree. A sync that
finds nothing new costs two stat calls per folder.
"""

# Plain str paths and os calls: pathlib objects double the cost of walking
# a 20,000-message folder, and this module does little else.
# ruff: noqa: PTH104, PTH107, PTH112, PTH116, PTH118, PTH123, PTH208

from __future__ import annotations

import contextlib
import json
import os
import secrets
import socket
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Self

import structlog
from imapclient import imap_utf7

from daemon.mail.errors import FolderGoneError
from daemon.mail.folders import pick_special
from daemon.mail.headers import normalize_message_id
from daemon.mail.parse import extract_parts, read_header_fields
from daemon.ports import FetchedMessage, FolderChanges, FolderInfo

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from pathlib import Path
    from types import TracebackType

__all__ = ["FolderGoneError", "MaildirMailbox"]

INBOX = "INBOX"
#: Larger messages are read up to their header only: no job mail is that big.
MAX_MESSAGE_BYTES = 25 * 1024 * 1024
_HEADER_READ = 256 * 1024
_SUBDIRS = ("cur", "new", "tmp")
_FLAG_LETTERS = {
    "\\Draft": "D",
    "\\Flagged": "F",
    "\\Answered": "R",
    "\\Seen": "S",
    "\\Deleted": "T",
}
_LETTER_FLAGS = {letter: flag for flag, letter in _FLAG_LETTERS.items()}
_MAX_DEPTH = 10


@dataclass(frozen=True, slots=True)
class _Entry:
    subdir: str
    filename: str

    @property
    def info(self) -> str:
        return self.filename.partition(":2,")[2]

    @property
    def flags(self) -> frozenset[str]:
        return frozenset(_LETTER_FLAGS[c] for c in self.info if c in _LETTER_FLAGS)


def _unique_name(filename: str) -> str:
    return filename.partition(":")[0]


class MaildirMailbox:
    """One Maildir tree. Cheap to open; holds no resources."""

    def __init__(self, path: Path, *, log: Any = None) -> None:
        self._root = path
        self._log = log if log is not None else structlog.get_logger("followup.maildir")

    def __enter__(self) -> Self:
        if not self._root.is_dir():
            raise FileNotFoundError(f"no Maildir at {self._root}")
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        return None

    # Folders

    def _folders(self) -> dict[str, str]:
        """Folder name to directory, for every folder in the tree."""
        root = str(self._root)
        found: dict[str, str] = {}
        if _is_maildir(root):
            found[INBOX] = root
        elif _is_maildir(os.path.join(root, INBOX)):
            found[INBOX] = os.path.join(root, INBOX)
        for entry in _subdirectories(root):
            if entry.name.startswith("."):
                if _is_maildir(entry.path):
                    found.setdefault(_decode_name(entry.name[1:].replace(".", "/")), entry.path)
            elif entry.name not in _SUBDIRS and entry.name != INBOX:
                self._verbatim(entry.path, entry.name, found, depth=1)
        return found

    def _verbatim(self, path: str, name: str, found: dict[str, str], depth: int) -> None:
        if depth > _MAX_DEPTH:
            return
        if _is_maildir(path):
            found.setdefault(_decode_name(name), path)
        for entry in _subdirectories(path):
            if entry.name not in _SUBDIRS and not entry.name.startswith("."):
                self._verbatim(entry.path, f"{name}/{entry.name}", found, depth + 1)

    def _folder_dir(self, folder: str) -> str:
        folders = self._folders()
        path = folders.get(INBOX if folder.upper() == INBOX else folder)
        if path is None:
            raise FolderGoneError(folder)
        return path

    def list_folders(self) -> list[FolderInfo]:
        return [FolderInfo(name=name) for name in sorted(self._folders())]

    def find_special(self, use: str) -> str | None:
        return pick_special(self.list_folders(), use)

    # Sync

    def sync_folder(
        self,
        folder: str,
        cursor: str | None,
        known_ids: Callable[[], frozenset[str]],
        wants_body: Callable[[bytes], bool],
    ) -> FolderChanges:
        """Report what changed since `cursor` (see `Mailbox.sync_folder`).

        The cursor holds the modification times of cur/ and new/, which
        every delivery, flag change and removal updates. `reset` is set on
        a first sync or when the cursor is unreadable. `flags` holds the
        flags of known messages renamed since the last sync.
        """
        path = self._folder_dir(folder)
        try:
            stamps = _Stamps.of(path)
        except FileNotFoundError as error:
            raise FolderGoneError(folder) from error
        old = _Stamps.load(cursor)
        if old == stamps:
            return FolderChanges(cursor=stamps.dump(), unchanged=True)
        entries = self._entries(folder, path)
        if old is None:
            return FolderChanges(
                cursor=stamps.dump(),
                reset=True,
                new=self._stream(folder, path, list(entries.items()), wants_body),
            )
        known = known_ids()
        fresh = [(uid, entry) for uid, entry in entries.items() if uid not in known]
        flags = {
            uid: entry.flags
            for uid, entry in entries.items()
            if uid in known and _changed_since(path, entry, old.cur)
        }
        return FolderChanges(
            cursor=stamps.dump(),
            new=self._stream(folder, path, fresh, wants_body),
            removed=frozenset(known - entries.keys()),
            flags=flags,
        )

    def _entries(self, folder: str, path: str) -> dict[str, _Entry]:
        # new/ first: a client moving a message to cur/ meanwhile is then seen twice, not never.
        entries: dict[str, _Entry] = {}
        for subdir in ("new", "cur"):
            try:
                names = os.listdir(os.path.join(path, subdir))
            except FileNotFoundError as error:
                raise FolderGoneError(folder) from error
            for filename in names:
                if not filename.startswith("."):
                    entries[_unique_name(filename)] = _Entry(subdir, filename)
        return entries

    def _stream(
        self,
        folder: str,
        path: str,
        entries: list[tuple[str, _Entry]],
        wants_body: Callable[[bytes], bool],
    ) -> Iterator[FetchedMessage]:
        for uid, entry in entries:
            file = os.path.join(path, entry.subdir, entry.filename)
            try:
                fetched = _read(uid, file, entry, wants_body)
            except FileNotFoundError:
                if not os.path.isdir(path):
                    raise FolderGoneError(folder) from None
                # Renamed or removed by the user's client meanwhile; if it still
                # exists, the next sync finds it under its new name.
                self._log.warning("maildir.message_vanished", folder=folder, id=uid)
                continue
            except OSError as error:
                self._log.warning("maildir.unreadable", folder=folder, id=uid, error=str(error))
                continue
            yield fetched

    # Writing

    def append(self, folder: str, raw: bytes, flags: frozenset[str], when: datetime) -> str | None:
        path = self._folder_dir(folder)
        stamp = when.timestamp()
        host = socket.gethostname().replace("/", "\\057").replace(":", "\\072")
        uid = f"{int(stamp)}.M{when.microsecond}P{os.getpid()}R{secrets.token_hex(8)}.{host}"
        staged = os.path.join(path, "tmp", uid)
        with open(staged, "xb") as handle:
            handle.write(raw)
            handle.flush()
            os.fsync(handle.fileno())
        os.utime(staged, (stamp, stamp))
        os.rename(staged, os.path.join(path, "cur", f"{uid}:2,{_letters(flags)}"))
        return uid

    def find_by_message_id(self, folder: str, message_id: str) -> list[str]:
        wanted = normalize_message_id(message_id)
        if wanted is None:
            return []
        path = self._folder_dir(folder)
        needle = wanted[1:-1].encode("utf-8", "replace")
        found = []
        for uid, entry in self._entries(folder, path).items():
            try:
                header = _read_header(os.path.join(path, entry.subdir, entry.filename))
            except OSError:
                continue
            if needle in header:
                ids = read_header_fields(header).get("message-id")
                if normalize_message_id(ids) == wanted:
                    found.append(uid)
        return sorted(found)

    def set_flags(self, folder: str, ids: list[str], flags: frozenset[str]) -> None:
        path = self._folder_dir(folder)
        entries = self._entries(folder, path)
        for uid in ids:
            entry = entries.get(uid)
            if entry is None:
                continue
            letters = "".join(sorted(set(entry.info) | set(_letters(flags))))
            os.rename(
                os.path.join(path, entry.subdir, entry.filename),
                os.path.join(path, "cur", f"{uid}:2,{letters}"),
            )

    def delete(self, folder: str, ids: list[str]) -> None:
        path = self._folder_dir(folder)
        entries = self._entries(folder, path)
        for uid in ids:
            entry = entries.get(uid)
            if entry is not None:
                with contextlib.suppress(FileNotFoundError):
                    os.remove(os.path.join(path, entry.subdir, entry.filename))

    def fetch_raw(self, folder: str, msg_id: str) -> bytes | None:
        path = self._folder_dir(folder)
        entry = self._entries(folder, path).get(msg_id)
        if entry is None:
            return None
        try:
            with open(os.path.join(path, entry.subdir, entry.filename), "rb") as handle:
                return handle.read()
        except FileNotFoundError:
            return None


@dataclass(frozen=True, slots=True)
class _Stamps:
    cur: int
    new: int

    @classmethod
    def of(cls, path: str) -> _Stamps:
        return cls(
            cur=os.stat(os.path.join(path, "cur")).st_mtime_ns,
            new=os.stat(os.path.join(path, "new")).st_mtime_ns,
        )

    def dump(self) -> str:
        return json.dumps({"v": 1, "cur": self.cur, "new": self.new}, separators=(",", ":"))

    @classmethod
    def load(cls, text: str | None) -> _Stamps | None:
        if not text:
            return None
        try:
            data = json.loads(text)
            return cls(cur=int(data["cur"]), new=int(data["new"]))
        except (ValueError, TypeError, KeyError):
            return None


def _is_maildir(path: str) -> bool:
    return os.path.isdir(os.path.join(path, "cur")) and os.path.isdir(os.path.join(path, "new"))


def _subdirectories(path: str) -> list[os.DirEntry[str]]:
    try:
        with os.scandir(path) as entries:
            return sorted(
                (entry for entry in entries if entry.is_dir(follow_symlinks=False)),
                key=lambda entry: entry.name,
            )
    except OSError:
        return []


def _decode_name(name: str) -> str:
    """Folder names on disk are often in IMAP's modified UTF-7 ("Entw&APw-rfe")."""
    if "&" not in name or not name.isascii():
        return name
    try:
        decoded = imap_utf7.decode(name.encode("ascii"))
    except (ValueError, UnicodeError):
        return name
    return decoded if isinstance(decoded, str) else name


def _letters(flags: frozenset[str]) -> str:
    return "".join(sorted(_FLAG_LETTERS[flag] for flag in flags if flag in _FLAG_LETTERS))


def _changed_since(path: str, entry: _Entry, stamp: int) -> bool:
    """Whether a file was renamed (its flags changed) after the directory stamp."""
    if entry.subdir != "cur":
        return False
    try:
        return os.stat(os.path.join(path, "cur", entry.filename)).st_ctime_ns >= stamp
    except FileNotFoundError:
        return False


def _header_block(data: bytes) -> bytes:
    ends = [i + len(sep) for sep in (b"\r\n\r\n", b"\n\n") if (i := data.find(sep)) >= 0]
    return data[: min(ends)] if ends else data


def _read_header(file: str) -> bytes:
    with open(file, "rb") as handle:
        return _header_block(handle.read(_HEADER_READ))


def _read(
    uid: str, file: str, entry: _Entry, wants_body: Callable[[bytes], bool]
) -> FetchedMessage:
    with open(file, "rb") as handle:
        info = os.fstat(handle.fileno())
        data = handle.read(_HEADER_READ)
        header = _header_block(data)
        text: str | None = None
        calendars: tuple[bytes, ...] = ()
        if info.st_size <= MAX_MESSAGE_BYTES and wants_body(header):
            data += handle.read()
            text, calendars = extract_parts(data)
    return FetchedMessage(
        id=uid,
        header=header,
        flags=entry.flags,
        # Maildir keeps the delivery time (IMAP's INTERNALDATE) in the file's mtime.
        internaldate=datetime.fromtimestamp(info.st_mtime, tz=UTC),
        text=text,
        calendars=calendars,
    )
