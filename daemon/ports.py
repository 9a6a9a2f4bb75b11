"""Contracts between the use cases and the mail adapters.

The service layer talks only to these protocols; `app` wires in the
concrete IMAP, Maildir and SMTP adapters.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol, Self

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from datetime import datetime
    from types import TracebackType


@dataclass(frozen=True, slots=True)
class FolderInfo:
    name: str
    special_use: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class FetchedMessage:
    """What a mailbox hands over for one message, before parsing.

    `id` is the message's identity inside its folder: the IMAP UID as a
    decimal string, or the Maildir unique name. `header` is the raw header
    block. `text` is the first text part, decoded and truncated, or None when
    it was not fetched. `calendars` are raw text/calendar parts.
    """

    id: str
    header: bytes
    flags: frozenset[str] = frozenset()
    internaldate: datetime | None = None
    text: str | None = None
    calendars: tuple[bytes, ...] = ()


@dataclass(slots=True)
class FolderChanges:
    """The difference between what the store knows and the folder now.

    `cursor` is opaque to the caller and handed back on the next sync.
    `reset` means the folder's identity changed (UIDVALIDITY): forget every
    id known for it before applying `new`. `new` is consumed lazily so that
    large folders stream in batches.
    """

    cursor: str
    unchanged: bool = False
    reset: bool = False
    new: Iterator[FetchedMessage] = field(default_factory=lambda: iter(()))
    removed: frozenset[str] = frozenset()
    flags: dict[str, frozenset[str]] = field(default_factory=dict)


class Mailbox(Protocol):
    """One account's mail store, IMAP or Maildir, behind one contract."""

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    def list_folders(self) -> list[FolderInfo]: ...

    def find_special(self, use: str) -> str | None:
        """The folder flagged `use` (e.g. ``\\Sent``), else a usual name."""
        ...

    def sync_folder(
        self,
        folder: str,
        cursor: str | None,
        known_ids: Callable[[], frozenset[str]],
        wants_body: Callable[[bytes], bool],
    ) -> FolderChanges:
        """Report what changed since `cursor`.

        `known_ids` is called only when the adapter needs it (to detect
        removals); `wants_body` gets the raw header block and says whether
        the text and calendar parts are worth fetching.
        """
        ...

    def append(self, folder: str, raw: bytes, flags: frozenset[str], when: datetime) -> str | None:
        """Store a message; return its new id when the server tells it."""
        ...

    def find_by_message_id(self, folder: str, message_id: str) -> list[str]: ...

    def set_flags(self, folder: str, ids: list[str], flags: frozenset[str]) -> None: ...

    def delete(self, folder: str, ids: list[str]) -> None: ...

    def fetch_raw(self, folder: str, msg_id: str) -> bytes | None:
        """The whole message, for the few places that need it (drafts)."""
        ...
