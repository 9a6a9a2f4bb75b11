"""Approve from any mail client: queued drafts wait in the Drafts folder.

Decide-then-act: `plan` is a pure function from the queue (each draft with
the copy recorded for it) and the Drafts folder as it is listed now to a list
of actions; `reconcile` lists the folder, calls `plan` and applies the
actions. What mail clients do with drafts, which this follows, is in
docs/mail-client-drafts.md; in short, a client replaces an edited draft with
a new message (usually with a new Message-ID) and never sends it under the
draft's Message-ID, so a copy is known by the id it has in the folder, by
the Message-ID it carried, and, once it was replaced, by its thread.

The user's own drafts are never touched: only messages carrying a Message-ID
the queue recorded, or a replacement that appeared after our copy in the
same thread once our copy is gone, are ever flagged, adopted or deleted.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from email import policy
from email.headerregistry import Address as HeaderAddress
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import format_datetime
from typing import TYPE_CHECKING

import structlog

from daemon.compose import ComposeError, validate_outgoing
from daemon.domain import FINAL_DRAFT_STATES, DraftState
from daemon.mail.errors import FolderGoneError
from daemon.mail.headers import normalize_message_id
from daemon.mail.parse import parse_message
from daemon.outbox import new_message_id
from daemon.store.codec import addresses_to_json
from daemon.store.drafts import DraftCopy, DraftRepository, StaleStateError

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence
    from datetime import datetime

    from daemon.app import App
    from daemon.config import AccountConfig
    from daemon.domain import Draft
    from daemon.outbox import CycleReport
    from daemon.ports import FetchedMessage, Mailbox

log = structlog.get_logger(__name__)

FLAGGED = "\\Flagged"
DELETED = "\\Deleted"
#: A copy is a draft to the client (\Draft) the user has already looked at
#: (\Seen), as drafts the user saves themselves are.
COPY_FLAGS = frozenset({"\\Draft", "\\Seen"})
REJECTED_REASON = "deleted in mail client"
#: The auto-detected folder is remembered, so the daemon can watch it at
#: start-up without first asking the server.
_RUNTIME_KEY = "drafts_folder.{}"
#: refold_source="none" keeps the client's header lines as written: the stdlib
#: refolder in Python < 3.11.10 can turn an encoded word into a real header.
_POLICY = policy.SMTP.clone(refold_source="none")
#: Headers clients keep for their own bookkeeping; sent mail never carries them.
_CLIENT_HEADER_PREFIXES = ("x-mozilla-", "x-apple-")
_CLIENT_HEADERS = frozenset(
    {
        "x-identity-key",
        "x-account-key",
        "fcc",
        "x-uniform-type-identifier",
        "x-universally-unique-identifier",
        "x-unsent",
    }
)
#: The queue's identity and place in the thread, whatever the client wrote:
#: exactly-once sending and recovery look for this Message-ID in Sent.
_QUEUE_HEADERS = ("Message-ID", "In-Reply-To", "References", "Thread-Topic", "Thread-Index")


# -- what the decision sees ----------------------------------------------------


@dataclass(frozen=True, slots=True)
class CopyMark:
    """What identifies the copy we track: its id in the folder and its Message-ID.

    `usable` is false when the copy is a client edit that could not be
    adopted, so starring it must not send the queue's older text.
    `digest` is that of the queued message the copy shows: when the queue's
    message changes (`followup queue edit`), the copy is replaced.
    `folder_cursor` is the folder's sync cursor when the id was recorded: a
    reset since (a new UIDVALIDITY) makes the id meaningless.
    """

    uid: str
    message_id: str
    digest: str
    usable: bool = True
    folder_cursor: str | None = None

    def to_copy(self, folder: str) -> DraftCopy:
        data = {
            "v": 1,
            "message_id": self.message_id,
            "digest": self.digest,
            "usable": self.usable,
            "folder_cursor": self.folder_cursor,
        }
        return DraftCopy(folder, self.uid, json.dumps(data, separators=(",", ":")))

    @classmethod
    def from_copy(cls, copy: DraftCopy) -> CopyMark | None:
        if copy.uid is None or not copy.cursor:
            return None
        try:
            data = json.loads(copy.cursor)
            return cls(
                uid=copy.uid,
                message_id=str(data["message_id"]),
                digest=str(data["digest"]),
                usable=bool(data["usable"]),
                folder_cursor=data.get("folder_cursor"),
            )
        except (ValueError, TypeError, KeyError):
            return None


@dataclass(frozen=True, slots=True)
class FolderItem:
    """One message in the Drafts folder, as far as the decision needs it."""

    id: str
    flags: frozenset[str]
    message_id: str
    in_reply_to: str | None = None
    references: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Tracked:
    draft: Draft
    mark: CopyMark | None


# -- actions -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Append:
    """Put the queued draft into the folder as a new copy."""

    draft_id: int


@dataclass(frozen=True, slots=True)
class Refresh:
    """The queued message changed (edited in the queue): copy it again.

    `item_id` is the outdated copy to delete, None when it must stay.
    """

    draft_id: int
    item_id: str | None


@dataclass(frozen=True, slots=True)
class Flag:
    """Approved from the command line: star the copy so the client agrees."""

    draft_id: int
    item_id: str


@dataclass(frozen=True, slots=True)
class Approve:
    """Starred in the client."""

    draft_id: int


@dataclass(frozen=True, slots=True)
class Reject:
    """The copy was deleted in the client and nothing replaced it."""

    draft_id: int


@dataclass(frozen=True, slots=True)
class Adopt:
    """Track `item` as the copy; if the client changed the message, it becomes the draft.

    `approve`: the adopted copy is starred, so approve once the edit is accepted.
    `base`: the digest of the queued message the replaced copy showed, to
    notice a draft edited in the queue and in the client at once.
    """

    draft_id: int
    item: FolderItem
    approve: bool
    base: str | None


@dataclass(frozen=True, slots=True)
class Remove:
    """The draft is done (sent, rejected, cancelled, failed): delete its copies."""

    draft_id: int
    item_ids: tuple[str, ...]


Action = Append | Refresh | Flag | Approve | Reject | Adopt | Remove


# -- the decision --------------------------------------------------------------


def plan(
    queue: Sequence[Tracked], items: Iterable[FolderItem], *, folder_reset: bool
) -> list[Action]:
    """What to do so that the folder and the queue agree again.

    `folder_reset` says the folder's identity changed since the recorded ids
    were taken: a vanished copy then proves nothing about the user.
    """
    live = [item for item in items if DELETED not in item.flags]
    claimed = {t.mark.uid for t in queue if t.mark is not None}
    actions: list[Action] = []
    for tracked in queue:
        actions.extend(_plan_one(tracked, live, claimed, folder_reset=folder_reset))
    return actions


def _plan_one(
    tracked: Tracked, live: list[FolderItem], claimed: set[str], *, folder_reset: bool
) -> list[Action]:
    draft, mark = tracked.draft, tracked.mark
    ours = {draft.message_id} | ({mark.message_id} if mark is not None else set())
    versions = sorted((i for i in live if i.message_id in ours), key=_order_of)
    if draft.state in FINAL_DRAFT_STATES:
        return [] if mark is None else [_remove(draft, mark, versions)]
    if draft.state not in {DraftState.QUEUED, DraftState.APPROVED}:
        return []  # sending: the copy waits until the outcome is known
    if mark is None:
        return _plan_unrecorded(draft, versions)
    current = next((i for i in live if i.id == mark.uid and i.message_id == mark.message_id), None)
    if current is not None:
        return _plan_present(draft, mark, current, versions)
    if folder_reset:
        return [_adopt(draft, versions[-1], None)] if versions else [Append(draft.id)]
    return _plan_vanished(draft, mark, live, claimed, ours)


def _plan_vanished(
    draft: Draft, mark: CopyMark, live: list[FolderItem], claimed: set[str], ours: set[str]
) -> list[Action]:
    """Our copy is gone: replaced by the client (an edit) or deleted by the user."""
    after = _order(mark.uid)
    replacements = [
        i
        for i in live
        if _order_of(i) > after
        and i.id not in claimed
        and (i.message_id in ours or _same_thread(i, draft))
    ]
    if replacements:
        return [_adopt(draft, max(replacements, key=_order_of), mark.digest)]
    return [Reject(draft.id)]


def _plan_unrecorded(draft: Draft, versions: list[FolderItem]) -> list[Action]:
    if draft.state is not DraftState.QUEUED:
        return []  # approved before it ever had a copy: it is about to go out
    # A copy with our Message-ID but no record: a pass that stopped right
    # after appending, or a client keeping the id. Check, do not duplicate.
    return [_adopt(draft, versions[-1], None)] if versions else [Append(draft.id)]


def _plan_present(
    draft: Draft, mark: CopyMark, current: FolderItem, versions: list[FolderItem]
) -> list[Action]:
    if mark.digest != message_digest(draft.raw):
        # A refused client edit is the user's text: it stays, beside the new copy.
        return [Refresh(draft.id, current.id if mark.usable else None)]
    newer = [v for v in versions if _order_of(v) > _order_of(current)]
    if newer:
        return [_adopt(draft, newer[-1], mark.digest)]  # several copies: the newest wins
    flagged = FLAGGED in current.flags
    if draft.state is DraftState.QUEUED and flagged and mark.usable:
        return [Approve(draft.id)]
    if draft.state is DraftState.APPROVED and not flagged:
        return [Flag(draft.id, current.id)]
    return []


def _remove(draft: Draft, mark: CopyMark, versions: list[FolderItem]) -> Remove:
    """Every copy of a finished draft, except a refused client edit: that is the user's text."""
    kept = set() if mark.usable else {mark.uid}
    return Remove(draft.id, tuple(v.id for v in versions if v.id not in kept))


def _adopt(draft: Draft, item: FolderItem, base: str | None) -> Adopt:
    approve = draft.state is DraftState.QUEUED and FLAGGED in item.flags
    return Adopt(draft.id, item, approve=approve, base=base)


def message_digest(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def _same_thread(item: FolderItem, draft: Draft) -> bool:
    parent = normalize_message_id(draft.in_reply_to)
    return parent is not None and (item.in_reply_to == parent or parent in item.references)


def _order(item_id: str) -> tuple[int, str]:
    """Append order: IMAP UIDs grow, and Maildir names start with the delivery time."""
    digits = item_id[: len(item_id) - len(item_id.lstrip("0123456789"))]
    return (int(digits) if digits else -1, item_id)


def _order_of(item: FolderItem) -> tuple[int, str]:
    return _order(item.id)


# -- edits made in the client --------------------------------------------------


def rebuild_edit(edited: bytes, queued: bytes) -> bytes:
    """The client's edited draft as it will be sent.

    The content (recipients, subject, body) is the client's; the client's
    bookkeeping headers go; Message-ID and the threading headers are the
    queued draft's, so the edit stays the same queue entry and the same reply.
    """
    parser = BytesParser(policy=_POLICY)
    message = parser.parsebytes(edited)
    original = parser.parsebytes(queued)
    for name in {key.lower() for key in message}:
        if name.startswith(_CLIENT_HEADER_PREFIXES) or name in _CLIENT_HEADERS:
            del message[name]
    kept = [*_QUEUE_HEADERS, *([] if "Date" in message else ["Date"])]
    for name in kept:
        del message[name]
        for key, value in original.raw_items():
            if key.lower() == name.lower():
                message.set_raw(key, value)
    return message.as_bytes()


# -- acting on the folder ------------------------------------------------------


def known_folder(app: App, account: AccountConfig) -> str | None:
    """The Drafts folder as configured or last found, without asking the server."""
    return account.drafts_folder or app.store.runtime(_RUNTIME_KEY.format(account.name))


def watched_folder(app: App, account: AccountConfig) -> str | None:
    """The Drafts folder the daemon should watch, or None when the feature is off.

    Asks the server only the first time (later starts read what the last
    pass found), so starting the daemon normally needs no connection here.
    """
    if not account.approve_from_client:
        return None
    folder = known_folder(app, account)
    if folder is not None:
        return folder
    try:
        with app.mailbox(account) as mailbox:
            return _resolve(app, account, mailbox)
    except Exception as exc:  # noqa: BLE001 - the periodic cycle still reads the folder
        log.warning("drafts folder not found yet", account=account.name, error=str(exc))
        return None


def _resolve(app: App, account: AccountConfig, mailbox: Mailbox) -> str | None:
    folder = account.drafts_folder or mailbox.find_special("\\Drafts")
    key = _RUNTIME_KEY.format(account.name)
    if folder is not None and account.drafts_folder is None and app.store.runtime(key) != folder:
        app.store.set_runtime(key, folder, app.clock())
    return folder


def _needs_writing(draft: Draft, copy: DraftCopy | None) -> bool:
    return (copy is not None and draft.state in FINAL_DRAFT_STATES) or (
        copy is None and draft.state is DraftState.QUEUED
    )


def reconcile_all(
    app: App, *, skip_accounts: frozenset[str] = frozenset(), only_if_pending: bool = False
) -> None:
    for account in app.settings.accounts:
        if account.name not in skip_accounts:
            reconcile(app, account, only_if_pending=only_if_pending)


def reconcile(app: App, account: AccountConfig, *, only_if_pending: bool = False) -> None:
    """Read the user's actions in the Drafts folder and mirror the queue into it.

    With `only_if_pending`, connect only when something must be written (a
    new draft to copy, a finished one to remove), not merely to look. Never
    raises: a broken Drafts folder must not stop the cycle, and every action
    leaves the queue consistent, so the next pass simply carries on.
    """
    if not account.approve_from_client:
        return
    try:
        _reconcile(app, account, only_if_pending=only_if_pending)
    except Exception as exc:  # noqa: BLE001 - see the docstring
        log.warning("drafts folder not reconciled", account=account.name, error=repr(exc))


def _reconcile(app: App, account: AccountConfig, *, only_if_pending: bool) -> None:
    queue = DraftRepository(app.store).mirrored(account.name)
    pending = any(_needs_writing(d, c) for d, c in queue)
    watching = any(c is not None and d.state not in FINAL_DRAFT_STATES for d, c in queue)
    if not pending and (only_if_pending or not watching):
        return
    with app.mailbox(account) as mailbox:
        folder = _resolve(app, account, mailbox)
        if folder is None:
            log.warning(
                "no Drafts folder; set drafts_folder, or approve_from_client = false",
                account=account.name,
            )
            return
        try:
            _Pass(app, account, mailbox, folder).run(queue)
        except FolderGoneError:
            log.warning("drafts folder not found", account=account.name, folder=folder)


def _item(fetched: FetchedMessage, account: str) -> FolderItem | None:
    try:
        message = parse_message(fetched, account, in_sent=False)
    except Exception:  # noqa: BLE001 - one unreadable draft never stops the others
        log.warning("unreadable message in Drafts", id=fetched.id)
        return None
    return FolderItem(
        id=fetched.id,
        flags=fetched.flags,
        message_id=message.key,
        in_reply_to=message.in_reply_to,
        references=message.references,
    )


class _Pass:
    """One look at one account's Drafts folder, and the actions it called for."""

    def __init__(self, app: App, account: AccountConfig, mailbox: Mailbox, folder: str) -> None:
        self.app = app
        self.account = account
        self.mailbox = mailbox
        self.folder = folder
        self.repo = DraftRepository(app.store)
        self.cursor: str | None = None
        self.log = log.bind(account=account.name)

    def run(self, queue: list[tuple[Draft, DraftCopy | None]]) -> None:
        listing = self.mailbox.sync_folder(self.folder, None, frozenset, _no_body)
        self.cursor = listing.cursor
        items = [i for f in listing.new if (i := _item(f, self.account.name)) is not None]
        tracked = []
        for draft, copy in queue:
            if copy is not None and copy.folder != self.folder:
                # drafts_folder now names another folder: start over there.
                self.repo.set_copy(draft.id, None)
                copy = None  # noqa: PLW2901 - the record just cleared
            tracked.append(Tracked(draft, None if copy is None else CopyMark.from_copy(copy)))
        reset = self._reset_since(tracked, items)
        drafts = {t.draft.id: t.draft for t in tracked}
        for action in plan(tracked, items, folder_reset=reset):
            self.apply(drafts[action.draft_id], action)

    def _reset_since(self, tracked: list[Tracked], items: list[FolderItem]) -> bool:
        """Whether the folder was recreated since a copy that is now missing was recorded."""
        present = {(i.id, i.message_id) for i in items}
        cursors = {
            t.mark.folder_cursor
            for t in tracked
            if t.mark is not None
            and t.mark.folder_cursor is not None
            and (t.mark.uid, t.mark.message_id) not in present
        }
        ids = frozenset(i.id for i in items)
        # Only whether the adapter can continue from the old cursor matters;
        # the changes themselves (`new`) are never read, so never fetched.
        return any(
            self.mailbox.sync_folder(self.folder, cursor, lambda: ids, _no_body).reset
            for cursor in cursors
        )

    def apply(self, draft: Draft, action: Action) -> None:
        bound = self.log.bind(draft_id=draft.id)
        match action:
            case Append():
                self.append(draft)
                bound.info("draft copied to the Drafts folder", folder=self.folder)
            case Refresh(item_id=item_id):
                self.append(draft)
                if item_id is not None:
                    self.mailbox.delete(self.folder, [item_id])
                bound.info("draft copy replaced after an edit in the queue")
            case Flag(item_id=item_id):
                self.mailbox.set_flags(self.folder, [item_id], frozenset({FLAGGED}))
            case Approve():
                self.approve(draft)
            case Reject():
                self.reject(draft)
            case Adopt(item=item, approve=approve, base=base):
                self.adopt(draft, item, approve=approve, base=base)
            case Remove(item_ids=item_ids):
                if item_ids:
                    self.mailbox.delete(self.folder, list(item_ids))
                self.repo.set_copy(draft.id, None)

    def reject(self, draft: Draft) -> None:
        try:
            self.repo.transition(
                draft.id,
                [DraftState.QUEUED, DraftState.APPROVED],
                DraftState.REJECTED,
                REJECTED_REASON,
                self.app.clock(),
            )
        except StaleStateError:
            return
        self.repo.set_copy(draft.id, None)
        self.log.info("draft rejected in the mail client", draft_id=draft.id)

    def append(self, draft: Draft) -> None:
        flags = COPY_FLAGS | ({FLAGGED} if draft.state is DraftState.APPROVED else set())
        uid = self.mailbox.append(self.folder, draft.raw, flags, self.app.clock())
        if uid is None:  # no UIDPLUS: find it by the Message-ID just written
            found = self.mailbox.find_by_message_id(self.folder, draft.message_id)
            uid = max(found, key=_order, default=None)
        if uid is not None:  # else the next pass finds it by its Message-ID
            self.mark(draft.id, uid, draft.message_id, message_digest(draft.raw), usable=True)

    def mark(self, draft_id: int, uid: str, message_id: str, digest: str, *, usable: bool) -> None:
        mark = CopyMark(uid, message_id, digest, usable=usable, folder_cursor=self.cursor)
        self.repo.set_copy(draft_id, mark.to_copy(self.folder))

    def adopt(self, draft: Draft, item: FolderItem, *, approve: bool, base: str | None) -> None:
        edited = self.mailbox.fetch_raw(self.folder, item.id)
        if edited is None:
            return  # replaced again meanwhile; the next pass sees the newer copy
        if base is not None and base != message_digest(draft.raw):
            problem: str | None = (
                "the draft was also edited with `followup queue edit`; that version is kept"
            )
        else:
            problem = self.accept_edit(draft, edited)
        current = self.repo.get_required(draft.id)
        self.mark(
            draft.id, item.id, item.message_id, message_digest(current.raw), usable=not problem
        )
        if problem is None:
            if approve:
                self.approve(current)
            return
        # Sending the queue's older text would not be what the user now sees:
        # hold the draft until the user edits again or decides in the queue.
        now = self.app.clock()
        note = f"your edit in the mail client was not used: {problem}"
        if current.state is DraftState.APPROVED:
            try:
                self.repo.transition(draft.id, [DraftState.APPROVED], DraftState.QUEUED, note, now)
            except StaleStateError:
                return
        self.repo.update_fields(draft.id, now, note, error=problem)
        self.log.warning("edit from the mail client refused", draft_id=draft.id, problem=problem)

    def accept_edit(self, draft: Draft, edited: bytes) -> str | None:
        """Make the client's edit the draft; return why it cannot be, or None."""
        try:
            raw = rebuild_edit(edited, draft.raw)
            parsed = validate_outgoing(raw)
            before = validate_outgoing(draft.raw)
        except ComposeError as exc:
            return "; ".join(exc.problems)
        if parsed.from_.addr not in self.account.self_addresses:
            return f"From must stay one of your addresses, not {parsed.from_.addr}"
        content = (parsed.to, parsed.cc, parsed.subject, parsed.body.strip())
        if content == (before.to, before.cc, before.subject, before.body.strip()):
            return None  # saved again without a change: the queue keeps its message
        self.repo.update_fields(
            draft.id,
            self.app.clock(),
            "edited in your mail client",
            raw=raw,
            subject=parsed.subject,
            to_json=addresses_to_json(parsed.to),
            cc_json=addresses_to_json(parsed.cc),
            recipient_domain=parsed.to[0].domain,
            error=None,
        )
        self.log.info("draft edited in the mail client", draft_id=draft.id)
        return None

    def approve(self, draft: Draft) -> None:
        try:
            self.repo.transition(
                draft.id,
                [DraftState.QUEUED],
                DraftState.APPROVED,
                "approved: starred in your mail client",
                self.app.clock(),
                error=None,
                next_attempt_at=None,
            )
        except StaleStateError:
            return
        self.log.info("draft approved in the mail client", draft_id=draft.id)


def _no_body(_header: bytes) -> bool:
    return False


# -- the notice ----------------------------------------------------------------


def build_notice(account: AccountConfig, waiting: int, now: datetime) -> EmailMessage:
    """The one-line notice that follow-ups wait for approval."""
    if account.notify_address is None:
        raise ValueError(f"account {account.name} has no notify_address")
    line = f"{waiting} follow-up{'s are' if waiting != 1 else ' is'} waiting for your approval"
    how = (
        "star one in your Drafts folder to send it, or delete it to drop it"
        if account.approve_from_client
        else "see `followup queue list`"
    )
    message = EmailMessage(policy=policy.SMTP)
    message["From"] = HeaderAddress(display_name=account.display_name, addr_spec=account.address)
    message["To"] = account.notify_address
    message["Subject"] = line
    message["Date"] = format_datetime(now)
    message["Message-ID"] = new_message_id(account.address)
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(f"{line}: {how}.")
    return message


async def notify_queued(app: App, report: CycleReport) -> None:
    """Tell each account's notify_address that new drafts were queued in this cycle."""
    repo = DraftRepository(app.store)
    for name in dict.fromkeys(d.account for d in report.queued):
        account = app.settings.account(name)
        if account.notify_address is None:
            continue
        waiting = len(repo.find([DraftState.QUEUED], account=name))
        message = build_notice(account, waiting, app.clock())
        try:
            await app.send_raw(account, message.as_bytes(), [account.notify_address])
        except Exception as exc:  # noqa: BLE001 - a missed notice never stops the cycle
            log.warning("approval notice not sent", account=name, error=str(exc))
