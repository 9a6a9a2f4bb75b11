"""One full cycle: sync, plan, queue and cancel, re-check, send.

`followup run --once` runs it once; the daemon runs it on a schedule.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from daemon import outbox, service
from daemon.store.drafts import DraftRepository

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
        _, failures = service.sync_all(app)
        failed = [f.account for f in failures]
    views = current_views(app)
    # Drafts of an account that could not sync are judged on stale mail:
    # neither cancel nor send them until their account syncs again.
    trusted = {k: v for k, v in views.items() if v.thread.account not in failed}
    outbox.cancel_stale(app, trusted, report, skip_accounts=frozenset(failed))
    outbox.queue_due(app, trusted.values(), report)
    await outbox.send_approved(
        app, trusted, app.send, app.file_sent_copy, report, skip_accounts=frozenset(failed)
    )
    return report, failed


def handle_push(app: App, account: AccountConfig, folder: str) -> outbox.CycleReport:
    """New mail in one folder (an IDLE push): sync it, cancel what it made stale."""
    report = outbox.CycleReport()
    synced = service.sync_one(app, account, [folder])
    if synced.touched_threads:
        outbox.cancel_stale(app, current_views(app), report)
    return report
