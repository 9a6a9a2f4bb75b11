"""One full cycle: sync, plan, queue and cancel, re-check, send.

`followup run --once` runs it once; the daemon runs it on a schedule and
hands IMAP IDLE pushes to `handle_push`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from daemon import drafts_folder, outbox, service
from daemon.store.drafts import DraftRepository
from daemon.sync import sync_all, sync_one

if TYPE_CHECKING:
    from daemon.app import App
    from daemon.config import AccountConfig


def current_views(app: App) -> dict[str, service.ThreadView]:
    """Fresh decisions for tracked threads and for every thread with an open draft."""
    views = {v.thread.id: v for v in service.thread_views(app, include_all=False)}
    open_threads = {d.thread_id for d in DraftRepository(app.store).find(outbox.OPEN_STATES)}
    missing = open_threads - views.keys()
    if missing:
        for view in service.thread_views(app, include_all=True, ids=missing):
            views[view.thread.id] = view
    return views


async def run_cycle(app: App, *, sync: bool = True) -> tuple[outbox.CycleReport, list[str]]:
    """Return the cycle's report and the accounts that failed to sync."""
    report = outbox.CycleReport()
    outbox.recover_interrupted(app, app.found_in_sent, report)
    failed: list[str] = []
    if sync:
        _, failures = sync_all(app)
        failed = [f.account for f in failures]
    views = current_views(app)
    # Drafts of an account that could not sync are judged on stale mail:
    # neither cancel nor send them until their account syncs again.
    trusted = {k: v for k, v in views.items() if v.thread.account not in failed}
    skip = frozenset(failed)
    # Cancelling first: a follow-up the user sent from the mail client also
    # takes the draft out of Drafts, and must withdraw it, not reject it.
    outbox.cancel_stale(app, trusted, report, skip_accounts=skip)
    # What the user did in the mail client (star, delete, edit) counts
    # before anything is sent, so a starred draft goes out in this cycle.
    drafts_folder.reconcile_all(app, skip_accounts=skip)
    outbox.queue_due(app, trusted.values(), report)
    await drafts_folder.notify_queued(app, report)
    await outbox.send_approved(
        app, trusted, app.send, app.file_sent_copy, report, skip_accounts=skip
    )
    # New drafts get their copy, and sent or cancelled ones lose theirs.
    drafts_folder.reconcile_all(app, skip_accounts=skip, only_if_pending=True)
    return report, failed


def handle_push(app: App, account: AccountConfig, folder: str) -> outbox.CycleReport:
    """New mail in one folder (an IDLE push): sync it, cancel what it made stale.

    A change in the Drafts folder is the user acting in the mail client.
    It may come from sending a draft from there, so every folder is synced
    first: the follow-up in Sent then withdraws the queued draft.
    """
    report = outbox.CycleReport()
    in_drafts = account.approve_from_client and folder == drafts_folder.known_folder(app, account)
    synced = sync_one(app, account, None if in_drafts else [folder])
    if synced.touched_threads:
        outbox.cancel_stale(app, current_views(app), report)
    drafts_folder.reconcile(app, account, only_if_pending=not in_drafts)
    return report


def watched_folders(app: App, account: AccountConfig) -> list[str]:
    """Folders the daemon watches besides `account.folders` and Sent."""
    folder = drafts_folder.watched_folder(app, account)
    return [] if folder is None or folder in account.folders else [folder]
