"""Use cases behind the commands: explain threads, plan.

Nothing here imports a concrete adapter; the `App` hands them in.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import structlog

from daemon.domain import Overrides, Role
from daemon.store.repository import ThreadSummary

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping
    from datetime import datetime

    from daemon.app import App
    from daemon.config import AccountConfig
    from daemon.domain import Decision, Rules, Thread

log = structlog.get_logger(__name__)

#: An item (thread, draft) that fails this many times in a row is set aside.
FAILURE_LIMIT = 3


@dataclass(frozen=True, slots=True)
class ThreadView:
    thread: Thread
    decision: Decision


def refresh_threads(
    app: App, account: AccountConfig, thread_ids: Iterable[str] | None
) -> list[ThreadView]:
    """Re-classify threads, cache the verdict for listing, and return the views."""
    ids = None if thread_ids is None else set(thread_ids)
    if ids is not None and not ids:
        return []
    views = _decide_threads(app, account, ids)
    app.store.save_summaries(summarize(v.thread, v.decision) for v in views)
    return views


def _decide_threads(app: App, account: AccountConfig, ids: set[str] | None) -> list[ThreadView]:
    rules = app.rules(account)
    overrides = app.store.overrides(account.name)
    now = app.clock()
    set_aside = app.store.set_aside()
    views = []
    for thread in app.store.load_threads(account.name, ids):
        decision = _decide_safely(
            app, thread, rules=rules, now=now, overrides=overrides, set_aside=set_aside
        )
        if decision is not None:
            views.append(ThreadView(thread, decision))
    return views


def _decide_safely(
    app: App,
    thread: Thread,
    *,
    rules: Rules,
    now: datetime,
    overrides: Mapping[str, Overrides],
    set_aside: Mapping[str, str],
) -> Decision | None:
    """The runner rule: one thread that breaks the classifier never stops the others.

    It is logged with its id, and after FAILURE_LIMIT failures set aside
    (shown in `followup status`) instead of failing every cycle again.
    """
    item = f"thread:{thread.id}"
    if item in set_aside:
        return None
    try:
        return app.planner.decide(thread, rules, now, overrides.get(thread.id, Overrides()))
    except Exception as exc:
        log.exception("thread skipped", thread_id=thread.id)
        error = f"{type(exc).__name__}: {exc}"
        app.store.record_failure(item, error, now, limit=FAILURE_LIMIT)
        return None


def summarize(thread: Thread, decision: Decision) -> ThreadSummary:
    c = decision.classification
    return ThreadSummary(
        id=thread.id,
        account=thread.account,
        subject=thread.subject,
        message_count=len(thread.messages),
        last_activity_at=thread.last_activity_at,
        tracked=c.tracked,
        stage=c.stage if c.tracked else None,
    )


def thread_views(
    app: App, *, include_all: bool, ids: Iterable[str] | None = None
) -> list[ThreadView]:
    """Live decisions at the app's `now`, so `--now` previews work.

    Threads changed by the last sync are classified first (which caches
    whether they are tracked); their fresh decisions are reused rather than
    computed a second time.
    """
    fresh = {
        v.thread.id: v
        for account in app.settings.accounts
        for v in refresh_threads(app, account, app.store.dirty_threads(account.name))
    }
    wanted = (
        set(ids)
        if ids is not None
        else {s.id for s in app.store.summaries(tracked_only=not include_all)}
    )
    views = [fresh[i] for i in wanted & fresh.keys()]
    rest = wanted - fresh.keys()
    if rest:
        for account in app.settings.accounts:
            views += _decide_threads(app, account, rest)
    views.sort(key=lambda v: (v.thread.last_activity_at, v.thread.id), reverse=True)
    if ids is None:
        # Every tracked thread was just decided: the planner may drop the rest.
        app.planner.retain(v.thread.id for v in views)
    return views


def plan_all(app: App) -> list[ThreadView]:
    return [v for v in thread_views(app, include_all=False) if v.decision.due]


def view_json(view: ThreadView) -> dict[str, Any]:
    d = view.decision
    c = d.classification
    managers = c.with_role(Role.HIRING_MANAGER)
    return {
        "id": view.thread.id,
        "account": view.thread.account,
        "subject": view.thread.subject,
        "message_count": len(view.thread.messages),
        "last_activity_at": view.thread.last_activity_at.isoformat(),
        "tracked": c.tracked,
        "stage": c.stage.value if c.tracked else None,
        "hiring_manager": managers[0].address.addr if managers else None,
        "hr": [p.address.addr for p in c.with_role(Role.HR)],
        **decision_json(d),
    }


def decision_json(d: Decision) -> dict[str, Any]:
    """The verdict's fields, as `view_json` and `threads show --json` give them."""
    return {
        "waiting_on_you": d.waiting_on_you,
        "due": d.due,
        "due_at": None if d.due_at is None else d.due_at.isoformat(),
        "reason": d.reason,
        "to": [a.addr for a in d.to],
        "cc": [a.addr for a in d.cc],
        "kind": None if d.kind is None else d.kind.value,
    }
