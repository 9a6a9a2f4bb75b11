"""Use case: bring one account's folders into the store and re-thread.

Decide-then-act in small form: the mailbox adapter reports what changed
(`FolderChanges`), this module applies it to the store, and threading is a
pure function over what the store then holds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import islice
from typing import TYPE_CHECKING

import structlog

from daemon.mail.errors import FolderGoneError
from daemon.mail.parse import parse_message
from daemon.threader import assign_thread_ids, group_messages, threading_info

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from datetime import datetime

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


def sync_account(
    store: Store,
    mailbox: Mailbox,
    account: AccountConfig,
    *,
    now: datetime,
    wants_body: Callable[[bytes], bool],
    only_folders: list[str] | None = None,
) -> SyncReport:
    sent = resolve_sent_folder(mailbox, account)
    report = SyncReport(account=account.name, sent_folder=sent)
    folders = list(dict.fromkeys([*account.folders, sent]))
    if only_folders is not None:
        folders = [f for f in folders if f in only_folders]
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
            )
        except FolderGoneError:
            # Renamed or deleted while we looked: the other folders still
            # count, and the next sync starts this one afresh.
            log.warning("folder not found", account=account.name, folder=folder)
            folder_report = FolderReport(folder=folder, gone=True)
        report.folders.append(folder_report)
    if report.changed:
        emptied = store.prune_orphans(account.name)
        report.touched_threads = rethread(store, account.name, account.self_addresses) | emptied
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


def rethread(store: Store, account: str, own_addresses: frozenset[str]) -> set[str]:
    """Regroup every message of the account; return the threads that changed."""
    rows = store.threading_rows(account)
    previous = {info.key: tid for info, tid in rows if tid is not None}
    groups = group_messages([info for info, _ in rows], own_addresses=own_addresses)
    ids = assign_thread_ids(groups, previous)
    changed = {k: tid for k, tid in ids.by_key.items() if previous.get(k) != tid}
    store.set_thread_ids(account, changed, ids.merged)
    touched = set(changed.values())
    touched.update(previous[k] for k in changed if k in previous)
    return touched
