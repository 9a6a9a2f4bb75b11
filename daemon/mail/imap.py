"""The `Mailbox` contract over IMAP, lean on round trips and memory.

A sync that finds nothing new costs one EXAMINE. When something changed,
CONDSTORE/QRESYNC (where offered) name the changes in one more command;
new messages then stream in batches: header fields first, and body parts
only for the few messages the caller wants, never attachments.

FETCH responses are read by `imap_responses` rather than imapclient's
general parser: on a first sync of tens of thousands of messages that
parser alone would cost more than the server's work.
"""

from __future__ import annotations

import contextlib
import json
import re
import ssl
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, Self, cast

import structlog
from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientAbortError, IMAPClientError

from daemon.mail.errors import FolderGoneError, InsecureConnectionError
from daemon.mail.folders import canonical_use, pick_special
from daemon.mail.imap_responses import (
    PLAIN_FETCH_BYTES,
    Head,
    Plan,
    ResponseError,
    compress_uids,
    expand_uids,
    fetch_items,
    plan_from_header,
    plan_parts,
    read_flags,
    read_head,
    read_parts,
    split_responses,
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
        """Run UID FETCH; return its responses, split, and any VANISHED lines.

        imapclient's `fetch` takes only explicit UID lists, reads every
        response with its slow general parser and drops VANISHED, so the
        command goes through imaplib directly, as imapclient itself does.
        """
        imap = self._client()._imap  # noqa: SLF001 - see docstring
        for name in ("FETCH", "VANISHED"):
            imap.untagged_responses.pop(name, None)
        args = ["UID", "FETCH", uid_set, items]
        if modifiers:
            args.append(modifiers)
        try:
            tag = imap._command(*args)  # noqa: SLF001
            typ, data = imap._command_complete("FETCH", tag)  # noqa: SLF001
        except (IMAPClientError, OSError) as error:
            self._guard(error)
            raise
        if typ != "OK":
            raise IMAPClientError(f"UID FETCH failed: {data[0] if data else b''!r}")
        fetched = [item for item in imap.untagged_responses.pop("FETCH", []) if item is not None]
        vanished = imap.untagged_responses.pop("VANISHED", [])
        return list(split_responses(fetched)), [v for v in vanished if isinstance(v, bytes)]

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
        for start in range(0, len(uids), self._batch_size):
            batch = uids[start : start + self._batch_size]
            try:
                self._recheck(folder, snapshot)
                heads = self._fetch_heads(batch)
                wanted = [head for head in heads.values() if wants_body(head.header)]
                bodies = self._fetch_bodies(wanted)
            except (IMAPClientError, OSError) as error:
                self._raise_if_gone(folder, error)
                raise
            for uid in batch:
                head = heads.get(uid)
                if head is None:
                    self._log.warning("imap.message_not_fetched", folder=folder, uid=uid)
                    continue
                text, calendars = bodies.get(uid, (None, ()))
                yield FetchedMessage(
                    id=str(uid),
                    header=head.header,
                    flags=head.flags,
                    internaldate=head.internaldate,
                    text=text,
                    calendars=calendars,
                )

    def _recheck(self, folder: str, snapshot: _Cursor) -> None:
        """Select `folder` again if the caller used the connection meanwhile."""
        if self._selected == (folder, True):
            return
        state = self._select(folder, readonly=True)
        if int(state.get(b"UIDVALIDITY", 0)) != snapshot.uidvalidity:
            # The rest would be read against another folder identity; the next
            # sync sees the new UIDVALIDITY and starts over.
            raise FolderGoneError(folder)

    def _fetch_heads(self, uids: Sequence[int]) -> dict[int, Head]:
        items = ["UID", "FLAGS", "INTERNALDATE"]
        if "X-GM-EXT-1" in self._caps:
            items.append("X-GM-THRID")
        items.append(_HEADER_ITEM)
        responses, _ = self._uid_fetch(compress_uids(uids), "({})".format(" ".join(items)))
        heads = {}
        for pieces in responses:
            head = read_head(pieces)
            if head is None:
                self._log.warning("imap.unreadable_header", response=repr(pieces[0])[:200])
            else:
                heads[head.uid] = head
        return heads

    def _fetch_bodies(self, heads: list[Head]) -> dict[int, tuple[str | None, tuple[bytes, ...]]]:
        plans: dict[int, Plan] = {}
        multipart = []
        for head in heads:
            plan = plan_from_header(head.header)
            if plan is None:
                multipart.append(head.uid)
            else:
                plans[head.uid] = plan
        fetched: dict[int, dict[bytes, Any]] = {}
        if multipart:
            # Part 1 of a multipart message is nearly always its plain text: asking
            # for it with the structure saves a round trip for most such mail.
            items = f"(UID BODYSTRUCTURE {_FIRST_PART})"
            responses, _ = self._uid_fetch(compress_uids(multipart), items)
            for uid, values in self._items(responses):
                plans[uid] = plan_parts(values.get(b"BODYSTRUCTURE"))
                fetched[uid] = values
        groups: dict[tuple[str, ...], list[int]] = {}
        for uid, plan in plans.items():
            wanted = tuple(
                item for item in plan.items() if item != _FIRST_PART or uid not in fetched
            )
            if wanted:
                groups.setdefault(wanted, []).append(uid)
        for wanted, members in groups.items():
            responses, _ = self._uid_fetch(compress_uids(members), "({})".format(" ".join(wanted)))
            for uid, values in self._items(responses):
                fetched.setdefault(uid, {}).update(values)
        return {uid: read_parts(plan, fetched.get(uid, {})) for uid, plan in plans.items()}

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


def _decoded(value: Any) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def _uids(ids: Iterable[str]) -> list[int]:
    return sorted({int(value) for value in ids if value.isascii() and value.isdigit()})


def _is_change(response: Any) -> bool:
    """Whether an IDLE response reports a change (not "OK still here")."""
    if not isinstance(response, tuple) or not response:
        return False
    return response[0] not in (b"OK", b"NO", b"BAD") and response[1:2] != (b"RECENT",)
