"""Use case: bring one account's folders into the store and re-thread.

Decide-then-act in small form: the mailbox adapter reports what changed
(`FolderChanges`), this module applies it to the store, and threading is a
pure function over what the store then holds.
"""

from __future__ import annotations

import contextlib
import gc
import threading
from dataclasses import dataclass, field
from itertools import islice
from typing import TYPE_CHECKING

import structlog

from daemon.classify.prefilter import wants_body as body_worth_fetching
from daemon.mail.errors import FolderGoneError
from daemon.mail.parse import parse_message
from daemon.threader import assign_thread_ids, group_messages, threading_info

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Mapping
    from datetime import datetime

    from daemon.app import App
    from daemon.config import AccountConfig
    from daemon.domain import Message
    from daemon.ports import FetchedMessage, Mailbox
    from daemon.store.repository import Store
    from daemon.threader import ThreadingInfo

log = structlog.get_logger(__name__)

BATCH = 1000


class NoSentFolderError(Exception):
    """Without the Sent folder the user's own replies are invisible: unsafe to go on."""


@dataclass(slots=True)
class FolderReport:
    folder: str
    unchanged: bool = False
    reset: bool = False
    added: int = 0
    removed: int = 0
    flag_changes: int = 0
    skipped: int = 0
    gone: bool = False


@dataclass(slots=True)
class SyncReport:
    account: str
    sent_folder: str
    folders: list[FolderReport] = field(default_factory=list)
    touched_threads: set[str] = field(default_factory=set)

    @property
    def changed(self) -> bool:
        return any(not f.unchanged for f in self.folders)


def resolve_sent_folder(mailbox: Mailbox, account: AccountConfig) -> str:
    sent = account.sent_folder or mailbox.find_special("\\Sent")
    if sent is None:
        raise NoSentFolderError(
            f"account {account.name}: no Sent folder found; set sent_folder in its config"
        )
    return sent


_gc_lock = threading.Lock()
_gc_users = 0
_gc_threshold = gc.get_threshold()


@contextlib.contextmanager
def _lazy_collection() -> Iterator[None]:
    """Let the garbage collector run less often while syncs are under way.

    A large sync allocates millions of small objects and frees nearly all of
    them by reference counting, yet the collector would scan the young ones
    every 700 allocations and, now and then, everything the process holds:
    that cost 0.4 s of a 20,000-message first sync. Objects older than the
    sync are set aside (`gc.freeze`) and the young generation may grow;
    the first sync in restores both when the last one leaves.
    """
    global _gc_users, _gc_threshold  # noqa: PLW0603 - one setting per process
    with _gc_lock:
        if _gc_users == 0:
            _gc_threshold = gc.get_threshold()
            gc.freeze()
            gc.set_threshold(20_000, *_gc_threshold[1:])
        _gc_users += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_users -= 1
            if _gc_users == 0:
                gc.set_threshold(*_gc_threshold)
                gc.unfreeze()


def sync_account(
    store: Store,
    mailbox: Mailbox,
    account: AccountConfig,
    *,
    now: datetime,
    wants_body: Callable[[bytes], bool],
    only_folders: list[str] | None = None,
) -> SyncReport:
    with _lazy_collection():
        return _sync_account(
            store, mailbox, account, now=now, wants_body=wants_body, only_folders=only_folders
        )


def _sync_account(
    store: Store,
    mailbox: Mailbox,
    account: AccountConfig,
    *,
    now: datetime,
    wants_body: Callable[[bytes], bool],
    only_folders: list[str] | None,
) -> SyncReport:
    sent = resolve_sent_folder(mailbox, account)
    report = SyncReport(account=account.name, sent_folder=sent)
    folders = list(dict.fromkeys([*account.folders, sent]))
    if only_folders is not None:
        folders = [f for f in folders if f in only_folders]
    # Threading inputs as parsed in this sync, for re-threading without reading them back.
    fresh: dict[str, ThreadingInfo] = {}
    for folder in folders:
        try:
            folder_report = _sync_folder(
                store,
                mailbox,
                account.name,
                folder,
                in_sent=folder == sent,
                now=now,
                wants_body=wants_body,
                fresh=fresh,
            )
        except FolderGoneError:
            # Renamed or deleted while we looked: the other folders still
            # count, and the next sync starts this one afresh.
            log.warning("folder not found", account=account.name, folder=folder)
            folder_report = FolderReport(folder=folder, gone=True)
        report.folders.append(folder_report)
    if report.changed:
        emptied = store.prune_orphans(account.name)
        touched = rethread(store, account.name, account.self_addresses, fresh)
        report.touched_threads = touched | emptied
    return report


def _sync_folder(
    store: Store,
    mailbox: Mailbox,
    account: str,
    folder: str,
    *,
    in_sent: bool,
    now: datetime,
    wants_body: Callable[[bytes], bool],
    fresh: dict[str, ThreadingInfo],
) -> FolderReport:
    report = FolderReport(folder=folder)
    cursor = store.folder_cursor(account, folder)
    changes = mailbox.sync_folder(
        folder, cursor, lambda: store.folder_ids(account, folder), wants_body
    )
    if changes.unchanged:
        report.unchanged = True
        return report
    if changes.reset and cursor is not None:
        log.warning("folder identity changed, resyncing", account=account, folder=folder)
        store.forget_folder(account, folder)
        report.reset = True
    parsed = _parsed(changes.new, account, folder, in_sent, report)
    while batch := list(islice(parsed, BATCH)):
        report.added += store.add_messages(account, folder, batch)
        for _, _, _, info in batch:
            # A message met twice is stored as first met; later copies only merge.
            fresh.setdefault(info.key, info)
    if changes.removed:
        store.remove_ids(account, folder, changes.removed)
        report.removed = len(changes.removed)
    if changes.flags:
        store.update_flags(account, folder, changes.flags)
        report.flag_changes = len(changes.flags)
    store.save_cursor(account, folder, changes.cursor, now)
    return report


def _parsed(
    fetched: Iterator[FetchedMessage],
    account: str,
    folder: str,
    in_sent: bool,
    report: FolderReport,
) -> Iterator[tuple[str, frozenset[str], Message, ThreadingInfo]]:
    for item in fetched:
        try:
            message = parse_message(item, account, in_sent=in_sent)
            info = threading_info(message)
        except Exception:
            # The runner rule: one bad message never stops a sync.
            log.exception("message skipped", account=account, folder=folder, uid=item.id)
            report.skipped += 1
            continue
        yield item.id, item.flags, message, info


def rethread(
    store: Store,
    account: str,
    own_addresses: frozenset[str],
    parsed: Mapping[str, ThreadingInfo],
) -> set[str]:
    """Regroup every message of the account; return the threads that changed.

    `parsed` holds the threading inputs of the messages this sync parsed.
    """
    rows = store.threading_rows(account, parsed)
    previous = {info.key: tid for info, tid in rows if tid is not None}
    groups = group_messages([info for info, _ in rows], own_addresses=own_addresses)
    ids = assign_thread_ids(groups, previous)
    changed = {k: tid for k, tid in ids.by_key.items() if previous.get(k) != tid}
    store.set_thread_ids(account, changed, ids.merged)
    touched = set(changed.values())
    touched.update(previous[k] for k in changed if k in previous)
    return touched


@dataclass(frozen=True, slots=True)
class AccountFailure:
    account: str
    error: str


def sync_one(app: App, account: AccountConfig, folders: list[str] | None = None) -> SyncReport:
    now = app.clock()
    app.store.set_status(account.name, "syncing", "", now)
    with app.mailbox(account) as mailbox:
        report = sync_account(
            app.store,
            mailbox,
            account,
            now=now,
            wants_body=body_worth_fetching,
            only_folders=folders,
        )
    # Classifying is left to the first reader (list, plan, the cycle): a
    # sync only mirrors the mailbox, and stays as fast as the protocol.
    app.store.mark_dirty(account.name, report.touched_threads)
    app.store.set_status(account.name, "ok", "", app.clock(), synced=True)
    log.info(
        "synced",
        account=account.name,
        added=sum(f.added for f in report.folders),
        removed=sum(f.removed for f in report.folders),
        threads_changed=len(report.touched_threads),
    )
    return report


def sync_all(app: App) -> tuple[list[SyncReport], list[AccountFailure]]:
    """Sync every account; one broken account never stops the others."""
    reports: list[SyncReport] = []
    failures: list[AccountFailure] = []
    for account in app.settings.accounts:
        try:
            reports.append(sync_one(app, account))
        except Exception as exc:  # noqa: BLE001 - reported per account, the loop goes on
            message = f"{type(exc).__name__}: {exc}"
            app.store.set_status(account.name, "error", message, app.clock())
            log.warning("sync failed", account=account.name, error=message)
            failures.append(AccountFailure(account.name, message))
    return reports, failures
