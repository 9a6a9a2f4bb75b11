"""The `Mailbox` contract over IMAP, lean on round trips and memory.

A sync that finds nothing new costs one EXAMINE. When something changed,
CONDSTORE/QRESYNC (where offered) name the changes in one more command;
new messages then stream in batches: header fields first, and body parts
only for the few messages the caller wants, never attachments.

FETCH responses are read by `imap_responses` rather than imapclient's
general parser: on a first sync of tens of thousands of messages that
parser alone would cost more than the server's work. The fetch commands are
pipelined, so the server prepares the next batch while the caller stores one.
"""

from __future__ import annotations

import contextlib
import functools
import json
import re
import ssl
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Self, cast

import structlog
from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientAbortError, IMAPClientError

from daemon.mail.errors import FolderGoneError, InsecureConnectionError
from daemon.mail.folders import canonical_use, pick_special
from daemon.mail.imap_responses import (
    MAX_LINE,
    PLAIN_FETCH_BYTES,
    Completion,
    Head,
    Plan,
    ResponseError,
    compress_uids,
    expand_uids,
    fetch_items,
    file_response,
    literal_size,
    plan_from_header,
    plan_parts,
    read_flags,
    read_parts,
    read_responses,
)
from daemon.mail.net import is_loopback
from daemon.mail.parse import HEADER_FIELDS
from daemon.ports import FetchedMessage, FolderChanges, FolderInfo

if TYPE_CHECKING:
    from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
    from datetime import datetime
    from pathlib import Path
    from types import TracebackType

Security = Literal["tls", "starttls", "none"]

__all__ = ["FolderGoneError", "ImapMailbox", "InsecureConnectionError", "Security"]

_HEADER_ITEM = "BODY.PEEK[HEADER.FIELDS ({})]".format(" ".join(HEADER_FIELDS).upper())
_APPENDUID = re.compile(rb"APPENDUID \d+ (\d+)")
_MESSAGE_ID = re.compile(r"<[!-~]+>")
_ESEARCH_ALL = re.compile(rb"\bALL ([0-9:,]+)")
# imaplib's reading of "[CODE data]" in an untagged OK, NO or BAD.
_RESPONSE_CODE = re.compile(rb"\[(?P<type>[A-Z-]+)( (?P<data>.*))?\]")
_FIRST_PART = f"BODY.PEEK[1]<0.{PLAIN_FETCH_BYTES}>"


@dataclass(frozen=True, slots=True)
class _Cursor:
    uidvalidity: int
    uidnext: int
    exists: int
    modseq: int | None

    def dump(self) -> str:
        return json.dumps(
            {
                "v": 1,
                "uidvalidity": self.uidvalidity,
                "uidnext": self.uidnext,
                "exists": self.exists,
                "highestmodseq": self.modseq,
            },
            separators=(",", ":"),
        )

    @classmethod
    def load(cls, text: str | None) -> _Cursor | None:
        if not text:
            return None
        try:
            data = json.loads(text)
            modseq = data["highestmodseq"]
            return cls(
                uidvalidity=int(data["uidvalidity"]),
                uidnext=int(data["uidnext"]),
                exists=int(data["exists"]),
                modseq=None if modseq is None else int(modseq),
            )
        except (ValueError, TypeError, KeyError):
            return None


@dataclass(slots=True)
class _Batch:
    """One batch of a stream, and the commands that fetch it."""

    uids: Sequence[int]
    heads_tag: bytes = b""
    structure_tag: bytes | None = None
    parts_tags: list[bytes] = field(default_factory=list)
    multipart: list[int] = field(default_factory=list)
    plans: dict[int, Plan] = field(default_factory=dict)
    bodies: dict[int, tuple[str | None, tuple[bytes, ...]]] = field(default_factory=dict)


class _Fetches:
    """UID FETCH commands pipelined on one connection, and what they brought.

    Servers may run pipelined commands in parallel and interleave their
    answers (Dovecot does), so each response is filed by what it holds and
    its UID (see `file_response`), never by the command it seems to follow.
    A failed command is reported when it is waited for.
    """

    __slots__ = ("_failed", "_log", "_open", "heads", "imap", "parts")

    def __init__(self, imap: Any, log: Any, previous: _Fetches | None) -> None:
        self.imap = imap
        self._log = log
        self._open: set[bytes] = set()
        self._failed: dict[bytes, str] = {}
        self.heads: dict[int, Head] = {}
        self.parts: dict[int, dict[bytes, Any]] = {}
        if previous is not None:
            if previous._open:  # noqa: SLF001 - one class
                # Answers still due on a lost connection will never come.
                raise IMAPClientAbortError("connection lost while fetching")
            self.heads, self.parts = previous.heads, previous.parts
            self._failed = previous._failed  # noqa: SLF001 - one class

    def send(self, uid_set: str, items: str) -> bytes:
        tag: bytes = self.imap._command("UID", "FETCH", uid_set, items)  # noqa: SLF001
        self._open.add(tag)
        return tag

    def wait(self, tags: Iterable[bytes]) -> None:
        """Read until the commands tagged `tags` are complete."""
        for tag in tags:
            while tag in self._open:
                self._read()
            failure = self._failed.pop(tag, None)
            if failure is not None:
                raise IMAPClientError(f"UID FETCH failed: {failure}")

    def settle(self) -> None:
        """Read everything still in flight, so the connection is free."""
        while self._open:
            self._read()

    def _read(self) -> None:
        done = _complete(self.imap, self._open)
        self._open.discard(done.tag)
        if done.status != "OK":
            self._failed[done.tag] = f"{done.status} {done.text!r}"
        for name, pieces in done.responses:
            if name == "FETCH" and not file_response(pieces, self.heads, self.parts):
                self._log.warning("imap.unreadable_response", response=repr(pieces[0])[:200])


class ImapMailbox:
    """One IMAP account. Use as a context manager; not thread-safe.

    `password` is called at each login (it may run a password manager) and
    its value is never logged. `ignore_capabilities` hides extensions a
    server advertises but gets wrong.
    """

    def __init__(
        self,
        *,
        host: str,
        port: int,
        security: Security,
        username: str,
        password: Callable[[], str],
        ca_file: Path | None = None,
        timeout: float = 30.0,
        batch_size: int = 1000,
        log: Any = None,
        ignore_capabilities: Collection[str] = (),
    ) -> None:
        if security not in ("tls", "starttls", "none"):
            raise ValueError(f"unknown IMAP security {security!r}")
        if security == "none" and not is_loopback(host):
            raise InsecureConnectionError(
                f"refusing plaintext IMAP to {host}: only loopback hosts may use security 'none'"
            )
        if batch_size < 1:
            raise ValueError("batch_size must be positive")
        self._host = host
        self._port = port
        self._security = security
        self._username = username
        self._password = password
        self._ca_file = ca_file
        self._timeout = timeout
        self._batch_size = batch_size
        self._ignored = frozenset(name.upper() for name in ignore_capabilities)
        self._log = log if log is not None else structlog.get_logger("followup.imap")
        self._log = self._log.bind(imap_host=host, imap_user=username)
        self._conn: Any = None
        self._caps: frozenset[str] = frozenset()
        self._condstore = False
        self._qresync = False
        self._selected: tuple[str, bool] | None = None
        self._fetches: _Fetches | None = None

    # Connection

    def __enter__(self) -> Self:
        self._client()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        conn, self._conn = self._conn, None
        self._selected = None
        if conn is None:
            return
        try:
            conn.logout()
        except (IMAPClientError, OSError):
            try:
                conn.shutdown()
            except (IMAPClientError, OSError) as error:
                self._log.debug("imap.close_failed", error=str(error))

    def _client(self) -> Any:
        """The connection, free for a new command: pipelined fetches are read first."""
        if self._fetches is not None:
            fetches, self._fetches = self._fetches, None
            try:
                fetches.settle()
            except (IMAPClientError, OSError) as error:
                self._guard(error)
                raise
        if self._conn is None:
            self._conn = self._connect()
        return self._conn

    def _connect(self) -> Any:
        context = None
        if self._security != "none":
            cafile = str(self._ca_file) if self._ca_file is not None else None
            context = ssl.create_default_context(cafile=cafile)
        conn = IMAPClient(
            self._host,
            port=self._port,
            ssl=self._security == "tls",
            ssl_context=context,
            timeout=self._timeout,
        )
        _bound_literals(conn._imap)  # noqa: SLF001
        try:
            if self._security == "starttls":
                conn.starttls(context)
            conn.login(self._username, self._password())
            conn.normalise_times = False
            # imapclient routes every protocol line through logging.debug, which
            # costs more than parsing them; the adapter logs what matters itself.
            conn._imap.debug = 0  # noqa: SLF001
            caps = frozenset(cap.decode("ascii", "replace").upper() for cap in conn.capabilities())
            self._caps = caps - self._ignored
            self._enable_extensions(conn)
        except BaseException:
            with contextlib.suppress(IMAPClientError, OSError):
                conn.shutdown()
            raise
        self._selected = None
        self._log.debug("imap.connected", capabilities=sorted(self._caps))
        return conn

    def _enable_extensions(self, conn: Any) -> None:
        self._condstore = self._qresync = False
        if "ENABLE" not in self._caps:
            # CONDSTORE also works without ENABLE: CHANGEDSINCE switches it on.
            self._condstore = "CONDSTORE" in self._caps
            return
        wanted = [cap for cap in ("QRESYNC", "CONDSTORE") if cap in self._caps]
        if not wanted:
            return
        enabled = {cap.decode("ascii", "replace").upper() for cap in conn.enable(*wanted)}
        self._qresync = "QRESYNC" in enabled
        self._condstore = self._qresync or "CONDSTORE" in enabled

    def _guard(self, error: BaseException) -> None:
        """Forget a connection that broke, so the next call opens a fresh one."""
        if isinstance(error, IMAPClientAbortError | OSError):
            conn, self._conn = self._conn, None
            self._selected = None
            self._fetches = None
            if conn is not None:
                with contextlib.suppress(IMAPClientError, OSError):
                    conn.shutdown()

    # Folders

    def list_folders(self) -> list[FolderInfo]:
        found = []
        for flags, _delimiter, name in self._client().list_folders():
            words = {_decoded(flag).lower() for flag in flags}
            if "\\noselect" in words or "\\nonexistent" in words:
                continue
            uses = frozenset(use for use in map(canonical_use, words) if use is not None)
            found.append(FolderInfo(name=_decoded(name), special_use=uses))
        return found

    def find_special(self, use: str) -> str | None:
        return pick_special(self.list_folders(), use)

    def _select(self, folder: str, *, readonly: bool) -> dict[bytes, Any]:
        conn = self._client()
        self._selected = None
        try:
            state = cast("dict[bytes, Any]", conn.select_folder(folder, readonly=readonly))
        except (IMAPClientError, OSError) as error:
            self._raise_if_gone(folder, error)
            raise
        self._selected = (folder, readonly)
        return state

    def _ensure_selected(self, folder: str, *, readonly: bool) -> None:
        if self._selected is None or self._selected[0] != folder:
            self._select(folder, readonly=readonly)
        elif not readonly and self._selected[1]:
            self._select(folder, readonly=False)

    def _raise_if_gone(self, folder: str, error: BaseException) -> None:
        """After a failed command: raise FolderGoneError if the folder does not exist.

        Otherwise return, and the caller re-raises the original error.
        """
        self._guard(error)
        if "[NONEXISTENT]" in str(error).upper():
            raise FolderGoneError(folder) from error
        try:
            gone = not self._client().folder_exists(folder)
        except (IMAPClientError, OSError):
            return
        if gone:
            raise FolderGoneError(folder) from error

    # Sync

    def sync_folder(
        self,
        folder: str,
        cursor: str | None,
        known_ids: Callable[[], frozenset[str]],
        wants_body: Callable[[bytes], bool],
    ) -> FolderChanges:
        """Report what changed since `cursor` (see `Mailbox.sync_folder`).

        `reset` is set whenever the cursor cannot be continued from: on a
        first sync, an unreadable cursor, or a new UIDVALIDITY. Without
        CONDSTORE a flag-only change is invisible to the cheap check; once
        anything else changed, `flags` holds every old message's flags.
        The returned cursor describes the folder when the sync started, so
        it must be stored only after `new` was consumed.
        """
        old = _Cursor.load(cursor)
        state = self._select(folder, readonly=True)
        now = self._snapshot(folder, state)
        if old == now:
            return FolderChanges(cursor=now.dump(), unchanged=True)
        if old is None or old.uidvalidity != now.uidvalidity:
            uids = self._search_uids(1, now.uidnext)
            return FolderChanges(
                cursor=now.dump(), reset=True, new=self._stream(folder, uids, wants_body, now)
            )
        try:
            if old.modseq is not None and now.modseq is not None:
                new_uids, removed, flags = self._changes_since(old, now, known_ids)
            else:
                new_uids, removed, flags = self._changes_by_listing(old, now, known_ids)
        except (IMAPClientError, OSError) as error:
            self._raise_if_gone(folder, error)
            raise
        return FolderChanges(
            cursor=now.dump(),
            new=self._stream(folder, new_uids, wants_body, now),
            removed=removed,
            flags=flags,
        )

    def _snapshot(self, folder: str, state: dict[bytes, Any]) -> _Cursor:
        uidnext = state.get(b"UIDNEXT")
        if uidnext is None:
            status = self._client().folder_status(folder, ["UIDNEXT"])
            uidnext = status.get(b"UIDNEXT", 1)
        modseq = state.get(b"HIGHESTMODSEQ") if self._condstore else None
        return _Cursor(
            uidvalidity=int(state.get(b"UIDVALIDITY", 0)),
            uidnext=int(uidnext),
            exists=int(state.get(b"EXISTS", 0)),
            modseq=None if modseq is None else int(modseq),
        )

    def _changes_since(
        self, old: _Cursor, now: _Cursor, known_ids: Callable[[], frozenset[str]]
    ) -> tuple[list[int], frozenset[str], dict[str, frozenset[str]]]:
        modifier = f"(CHANGEDSINCE {old.modseq}{' VANISHED' if self._qresync else ''})"
        changed: dict[int, frozenset[str]] = {}
        vanished: list[int] = []
        if now.uidnext > 1:
            data, others = self._uid_fetch(f"1:{now.uidnext - 1}", "(UID FLAGS)", modifier)
            changed = self._read_flags(data)
            for line in others:
                vanished.extend(expand_uids(line, old.uidnext - 1))
        new_uids = sorted(uid for uid in changed if uid >= old.uidnext)
        flags = {str(uid): value for uid, value in changed.items() if uid < old.uidnext}
        if self._qresync:
            removed = frozenset(map(str, vanished))
        elif now.exists < old.exists + len(new_uids):
            present = set(map(str, self._search_uids(1, now.uidnext)))
            removed = frozenset(known_ids() - present)
        else:
            removed = frozenset()
        return new_uids, removed, flags

    def _changes_by_listing(
        self, old: _Cursor, now: _Cursor, known_ids: Callable[[], frozenset[str]]
    ) -> tuple[list[int], frozenset[str], dict[str, frozenset[str]]]:
        current: dict[int, frozenset[str]] = {}
        if old.uidnext > 1:
            data, _ = self._uid_fetch(f"1:{old.uidnext - 1}", "(UID FLAGS)")
            current = self._read_flags(data)
        old_part = {uid: value for uid, value in current.items() if uid < old.uidnext}
        new_uids = self._search_uids(old.uidnext, now.uidnext)
        removed = known_ids() - {str(uid) for uid in old_part}
        return new_uids, frozenset(removed), {str(uid): f for uid, f in old_part.items()}

    def _search_uids(self, first: int, uidnext: int) -> list[int]:
        """UIDs in [first, uidnext): the folder as it was when examined."""
        if uidnext <= first:
            return []
        conn = self._client()
        criteria = ["ALL"] if first <= 1 else ["UID", f"{first}:*"]
        if "ESEARCH" in self._caps:
            lines = conn._raw_command_untagged(  # noqa: SLF001 - imapclient has no ESEARCH
                b"SEARCH",
                [b"RETURN", b"(ALL)", *(word.encode("ascii") for word in criteria)],
                response_name="ESEARCH",
            )
            uids = []
            for line in lines or []:
                match = _ESEARCH_ALL.search(line) if isinstance(line, bytes) else None
                if match:
                    uids.extend(expand_uids(match.group(1), uidnext - 1))
        else:
            uids = [int(uid) for uid in conn.search(criteria)]
        return sorted(uid for uid in set(uids) if first <= uid < uidnext)

    def _uid_fetch(
        self, uid_set: str, items: str, modifiers: str | None = None
    ) -> tuple[list[list[Any]], list[bytes]]:
        """Run UID FETCH; return its FETCH responses and any VANISHED lines.

        imapclient's `fetch` takes only explicit UID lists, reads every
        response with its slow general parser and drops VANISHED, so the
        command goes out through imaplib directly, as imapclient itself does,
        and `read_responses` reads what comes back.
        """
        imap = self._client()._imap  # noqa: SLF001 - see docstring
        args = ["UID", "FETCH", uid_set, items]
        if modifiers:
            args.append(modifiers)
        try:
            tag = imap._command(*args)  # noqa: SLF001
            done = _complete(imap, {tag})
        except (IMAPClientError, OSError) as error:
            self._guard(error)
            raise
        if done.status != "OK":
            raise IMAPClientError(f"UID FETCH failed: {done.status} {done.text!r}")
        fetched = [pieces for name, pieces in done.responses if name == "FETCH"]
        vanished = [pieces[-1] for name, pieces in done.responses if name == "VANISHED"]
        return fetched, vanished

    def _items(self, responses: Iterable[list[Any]]) -> Iterator[tuple[int, dict[bytes, Any]]]:
        for pieces in responses:
            try:
                yield fetch_items(pieces)
            except ResponseError as error:
                self._log.warning("imap.unreadable_response", error=str(error)[:200])

    def _read_flags(self, responses: list[list[Any]]) -> dict[int, frozenset[str]]:
        found = {}
        for pieces in responses:
            read = read_flags(pieces)
            if read is not None:
                found[read[0]] = read[1]
        return found

    def _stream(
        self,
        folder: str,
        uids: Sequence[int],
        wants_body: Callable[[bytes], bool],
        snapshot: _Cursor,
    ) -> Iterator[FetchedMessage]:
        """Fetch `uids` in batches: header fields, then the bodies asked for.

        The commands are pipelined so that the server always has the next
        batch in hand: while the caller stores one batch, the server answers
        for the next, and its work overlaps ours instead of adding to it.
        """
        batches = [
            _Batch(uids[i : i + self._batch_size]) for i in range(0, len(uids), self._batch_size)
        ]
        if not batches:
            return
        try:
            fetches = self._resume(folder, snapshot, None)
            self._send_heads(fetches, batches[0])
            self._send_bodies(fetches, batches[0], wants_body)
            if len(batches) > 1:
                self._send_heads(fetches, batches[1])
        except (IMAPClientError, OSError) as error:
            self._raise_if_gone(folder, error)
            raise
        for index, batch in enumerate(batches):
            try:
                fetches = self._resume(folder, snapshot, fetches)
                self._finish_bodies(fetches, batch)
                if index + 1 < len(batches):
                    self._send_bodies(fetches, batches[index + 1], wants_body)
                if index + 2 < len(batches):
                    self._send_heads(fetches, batches[index + 2])
            except (IMAPClientError, OSError) as error:
                self._raise_if_gone(folder, error)
                raise
            for uid in batch.uids:
                head = fetches.heads.pop(uid, None)
                if head is None:
                    self._log.warning("imap.message_not_fetched", folder=folder, uid=uid)
                    continue
                text, calendars = batch.bodies.get(uid, (None, ()))
                yield FetchedMessage(
                    id=str(uid),
                    header=head.header,
                    flags=head.flags,
                    internaldate=head.internaldate,
                    text=text,
                    calendars=calendars,
                )

    def _resume(self, folder: str, snapshot: _Cursor, fetches: _Fetches | None) -> _Fetches:
        """The pipeline to send the stream's next commands on.

        If the caller used the connection meanwhile, that read the commands
        in flight first (see `_client`), and what they brought is kept; the
        folder is selected again if need be, on a new connection if the
        old one broke.
        """
        if fetches is not None and fetches is self._fetches:
            return fetches  # nothing else used the connection
        self._recheck(folder, snapshot)
        imap = self._client()._imap  # noqa: SLF001 - commands go out through imaplib
        if fetches is None or fetches.imap is not imap:
            fetches = _Fetches(imap, self._log, fetches)
        self._fetches = fetches
        return fetches

    def _recheck(self, folder: str, snapshot: _Cursor) -> None:
        """Select `folder` again if the caller used the connection meanwhile."""
        if self._selected == (folder, True):
            return
        state = self._select(folder, readonly=True)
        if int(state.get(b"UIDVALIDITY", 0)) != snapshot.uidvalidity:
            # The rest would be read against another folder identity; the next
            # sync sees the new UIDVALIDITY and starts over.
            raise FolderGoneError(folder)

    def _send_heads(self, fetches: _Fetches, batch: _Batch) -> None:
        items = ["UID", "FLAGS", "INTERNALDATE"]
        if "X-GM-EXT-1" in self._caps:
            items.append("X-GM-THRID")
        items.append(_HEADER_ITEM)
        batch.heads_tag = fetches.send(compress_uids(batch.uids), "({})".format(" ".join(items)))

    def _send_bodies(
        self, fetches: _Fetches, batch: _Batch, wants_body: Callable[[bytes], bool]
    ) -> None:
        """Once its headers are in, ask for the body parts of `batch` it wants."""
        fetches.wait([batch.heads_tag])
        for uid in batch.uids:
            head = fetches.heads.get(uid)
            if head is None or not wants_body(head.header):
                continue
            plan = plan_from_header(head.header)
            if plan is None:
                batch.multipart.append(uid)
            else:
                batch.plans[uid] = plan
        if batch.multipart:
            # Part 1 of a multipart message is nearly always its plain text: asking
            # for it with the structure saves a round trip for most such mail.
            items = f"(UID BODYSTRUCTURE {_FIRST_PART})"
            batch.structure_tag = fetches.send(compress_uids(batch.multipart), items)
        self._send_parts(fetches, batch, batch.plans)

    def _send_parts(self, fetches: _Fetches, batch: _Batch, plans: dict[int, Plan]) -> None:
        groups: dict[tuple[str, ...], list[int]] = {}
        for uid, plan in plans.items():
            fetched = fetches.parts.get(uid, {})
            wanted = tuple(
                item
                for item in plan.items()
                if item != _FIRST_PART or b"BODYSTRUCTURE" not in fetched
            )
            if wanted:
                groups.setdefault(wanted, []).append(uid)
        for wanted, members in groups.items():
            tag = fetches.send(compress_uids(members), "({})".format(" ".join(wanted)))
            batch.parts_tags.append(tag)

    def _finish_bodies(self, fetches: _Fetches, batch: _Batch) -> None:
        """Read the body parts of `batch`, planning multipart messages on the way."""
        if batch.structure_tag is not None:
            fetches.wait([batch.structure_tag])
            structures = {
                uid: plan_parts(fetches.parts.get(uid, {}).get(b"BODYSTRUCTURE"))
                for uid in batch.multipart
            }
            batch.plans.update(structures)
            self._send_parts(fetches, batch, structures)
        fetches.wait(batch.parts_tags)
        batch.bodies = {
            uid: read_parts(plan, fetches.parts.pop(uid, {})) for uid, plan in batch.plans.items()
        }
        for uid in batch.multipart:
            fetches.parts.pop(uid, None)

    # Writing

    def append(self, folder: str, raw: bytes, flags: frozenset[str], when: datetime) -> str | None:
        conn = self._client()
        try:
            response = conn.append(folder, raw, flags=sorted(flags), msg_time=when)
        except (IMAPClientError, OSError) as error:
            self._raise_if_gone(folder, error)
            raise
        match = _APPENDUID.search(response if isinstance(response, bytes) else b"")
        return match.group(1).decode("ascii") if match else None

    def find_by_message_id(self, folder: str, message_id: str) -> list[str]:
        if not _MESSAGE_ID.fullmatch(message_id):
            # Only a well-formed id reaches the server: no quoting tricks, no CRLF.
            return []
        self._select(folder, readonly=True)
        uids = self._client().search(["HEADER", "Message-ID", message_id])
        return [str(uid) for uid in sorted(uids)]

    def set_flags(self, folder: str, ids: list[str], flags: frozenset[str]) -> None:
        uids = _uids(ids)
        if not uids or not flags:
            return
        self._ensure_selected(folder, readonly=False)
        self._client().add_flags(uids, sorted(flags), silent=True)

    def delete(self, folder: str, ids: list[str]) -> None:
        uids = _uids(ids)
        if not uids:
            return
        self._ensure_selected(folder, readonly=False)
        conn = self._client()
        conn.add_flags(uids, [b"\\Deleted"], silent=True)
        if "UIDPLUS" in self._caps:
            conn.uid_expunge(uids)
        else:
            conn.expunge()

    def fetch_raw(self, folder: str, msg_id: str) -> bytes | None:
        uids = _uids([msg_id])
        if not uids:
            return None
        self._select(folder, readonly=True)
        responses, _ = self._uid_fetch(str(uids[0]), "(UID BODY.PEEK[])")
        for _, items in self._items(responses):
            body = items.get(b"BODY[]")
            if isinstance(body, bytes):
                return body
        return None

    # Push

    def idle_capable(self) -> bool:
        self._client()
        return "IDLE" in self._caps

    def idle_wait(self, folder: str, timeout: float) -> bool:
        """Wait up to `timeout` seconds in IDLE; True if the server reported a change."""
        self._select(folder, readonly=True)
        conn = self._client()
        try:
            conn.idle()
            try:
                responses = conn.idle_check(timeout=timeout)
            finally:
                _, more = conn.idle_done()
        except (IMAPClientError, OSError) as error:
            self._guard(error)
            raise
        # The folder state moved on; the next call must select it afresh.
        self._selected = None
        return any(_is_change(response) for response in [*responses, *more])


def _complete(imap: Any, tags: Collection[bytes]) -> Completion:
    """Read up to the completion of one of `tags` (see `read_responses`).

    Responses other than FETCH and VANISHED are left where imaplib would
    have left them, for imapclient; a BYE ends the connection.
    """
    # Straight from the socket's buffered file: imaplib's own readline and
    # read only wrap these, one Python call more per line.
    readline = functools.partial(imap.file.readline, MAX_LINE)
    try:
        done = read_responses(readline, imap.file.read, tags)
    except ResponseError as error:
        raise IMAPClientAbortError(f"reading a response: {error}") from error
    imap.tagged_commands.pop(done.tag, None)
    for name, pieces in done.responses:
        if name in ("FETCH", "VANISHED"):
            continue
        for index in range(0, len(pieces) - 1, 2):
            imap._append_untagged(name, (pieces[index], bytes(pieces[index + 1])))  # noqa: SLF001
        imap._append_untagged(name, pieces[-1])  # noqa: SLF001
        code = _RESPONSE_CODE.match(pieces[-1]) if name in ("OK", "NO", "BAD") else None
        if code is not None:
            imap._append_untagged(code.group("type").decode("ascii"), code.group("data"))  # noqa: SLF001
        if name == "BYE":
            raise IMAPClientAbortError(f"server closed the connection: {pieces[-1]!r}")
    return done


def _bound_literals(imap: Any) -> None:
    """Make imaplib refuse an oversized literal, as `read_responses` does.

    imaplib reads every literal through the connection's `read`. What it
    reads while imapclient connects (the greeting and the first CAPABILITY
    answer) comes before this and stays unbounded, as in imaplib.
    """
    read = imap.read

    def read_literal(size: int) -> bytes:
        try:
            return read(literal_size(size))  # type: ignore[no-any-return]
        except ResponseError as error:
            raise IMAPClientAbortError(str(error)) from error

    imap.read = read_literal


def _decoded(value: Any) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def _uids(ids: Iterable[str]) -> list[int]:
    return sorted({int(value) for value in ids if value.isascii() and value.isdigit()})


def _is_change(response: Any) -> bool:
    """Whether an IDLE response reports a change (not "OK still here")."""
    if not isinstance(response, tuple) or not response:
        return False
    return response[0] not in (b"OK", b"NO", b"BAD") and response[1:2] != (b"RECENT",)
