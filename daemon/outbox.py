"""Use cases of the approval queue: queue, cancel, approve, send.

The order of a cycle matters for safety: sync first, then decide, then
cancel what is no longer due, and only then send what is still approved.
A draft is marked `sending` before the SMTP transaction and `sent` as soon as
the server accepts it, so a crash can only leave `sending` behind; recovery
looks for the Message-ID in the Sent folder before any retry.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import structlog

from daemon.classify.reading import Kind, read_thread, thread_selves
from daemon.compose import ComposeRequest, Identity, compose
from daemon.domain import Draft, DraftState, SendWindow
from daemon.mail.smtp import SendError, TemporarySendError
from daemon.service import FAILURE_LIMIT
from daemon.store.drafts import DraftRepository, StaleStateError

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Iterable
    from zoneinfo import ZoneInfo

    from daemon.app import App
    from daemon.config import AccountConfig
    from daemon.service import ThreadView

log = structlog.get_logger(__name__)

OPEN_STATES = frozenset({DraftState.QUEUED, DraftState.APPROVED, DraftState.SENDING})
#: Drafts the user rejected or that could not be sent: each keeps its silence.
_TURNED_DOWN = frozenset({DraftState.REJECTED, DraftState.FAILED})
#: A `sending` draft older than this was left by a process that died.
SENDING_STALE_AFTER = timedelta(minutes=5)
#: 4xx answers and network errors are retried until this long after approval.
RETRY_DEADLINE = timedelta(days=2)
BACKOFF_BASE = timedelta(minutes=2)
BACKOFF_CAP = timedelta(hours=1)


@dataclass(slots=True)
class CycleReport:
    queued: list[Draft] = field(default_factory=list)
    cancelled: list[Draft] = field(default_factory=list)
    sent: list[Draft] = field(default_factory=list)
    failed: list[Draft] = field(default_factory=list)
    deferred: list[tuple[Draft, str]] = field(default_factory=list)


def new_message_id(address: str) -> str:
    domain = address.rpartition("@")[2] or "followup.invalid"
    return f"<{uuid.uuid4().hex}@{domain}>"


def in_send_window(now: datetime, window: SendWindow, tz: ZoneInfo) -> bool:
    local = now.astimezone(tz)
    return local.weekday() in window.weekdays and window.start <= local.time() < window.end


def _other_side_replied(view: ThreadView, since: datetime, self_addresses: frozenset[str]) -> str:
    """Name the conversation message that arrived after `since`, or '' when none did.

    The classifier's own reading decides what counts: auto-replies, bulk and
    no-reply mail are not answers, exactly as for the policy.
    """
    selves = thread_selves(view.thread.messages, self_addresses)
    # Read as the policy reads the thread: a sourcing tool's bulk-marked reply
    # is an answer there, and subjects are compared normalized.
    for reading in reversed(read_thread(view.thread.messages, selves)):
        m, kind = reading.message, reading.kind
        if m.date <= since:
            break
        if kind is Kind.HUMAN and m.from_ is not None:
            return f"{m.from_.name or m.from_.addr} replied on {m.date:%d %b}"
        if kind is Kind.SELF:
            return f"you wrote in the thread on {m.date:%d %b}"
    return ""


def holding_draft(
    view: ThreadView, drafts: Iterable[Draft], self_addresses: frozenset[str]
) -> Draft | None:
    """The draft that stands for the thread's next follow-up, so none is queued.

    An open draft is that follow-up. A follow-up the user rejected (or that
    failed) stays rejected for this same silence: only what starts a new one
    for the policy (a message from the user or a person on the other side,
    an interview) opens a new one, never automated mail or an auto-reply.
    Any other draft gives way to any new mail in the thread.
    """
    considered = list(drafts)
    last_mail = view.thread.last_activity_at
    # Reading the thread costs; only turned-down drafts need it.
    turned_down = any(d.state in _TURNED_DOWN for d in considered)
    silence = _silence_began(view, self_addresses) if turned_down else last_mail
    holding = [
        d
        for d in considered
        if d.state in OPEN_STATES
        or d.created_at >= (silence if d.state in _TURNED_DOWN else last_mail)
    ]
    return max(holding, key=lambda d: d.id, default=None)


def _silence_began(view: ThreadView, self_addresses: frozenset[str]) -> datetime:
    """Where the policy starts its silence window: the last conversation, or the interview."""
    thread = view.thread
    selves = thread_selves(thread.messages, self_addresses)
    starts = [
        reading.message.date
        for reading in read_thread(thread.messages, selves)
        if reading.kind in (Kind.SELF, Kind.HUMAN)
    ]
    interview = view.decision.classification.interview
    if interview is not None:
        starts.append(interview.end)
    return max(starts, default=thread.last_activity_at)


def holding_drafts(app: App, views: Iterable[ThreadView]) -> dict[str, Draft]:
    """By thread id, the drafts that keep due threads from getting a new one."""
    by_thread: dict[str, list[Draft]] = defaultdict(list)
    for draft in DraftRepository(app.store).find():
        by_thread[draft.thread_id].append(draft)
    held = {}
    for view in views:
        if not view.decision.due:
            continue
        account = app.settings.account(view.thread.account)
        holding = holding_draft(view, by_thread[view.thread.id], account.self_addresses)
        if holding is not None:
            held[view.thread.id] = holding
    return held


def queue_due(app: App, views: Iterable[ThreadView], report: CycleReport) -> None:
    """Turn due decisions into queued drafts, once per silence."""
    drafts = DraftRepository(app.store)
    now = app.clock()
    set_aside = app.store.set_aside()
    for view in views:
        decision = view.decision
        if not decision.due:
            continue
        account = app.settings.account(view.thread.account)
        found = drafts.find(thread_id=view.thread.id)
        if holding_draft(view, found, account.self_addresses) is not None:
            continue
        item = f"thread:{view.thread.id}"
        if item in set_aside:
            continue
        try:
            draft = _compose_draft(app, account, view, now)
        except Exception as exc:
            # The runner rule: log with context, set the item aside after
            # repeated failures, and carry on with the other threads.
            log.exception("draft not composed", thread_id=view.thread.id)
            app.store.record_failure(item, f"{type(exc).__name__}: {exc}", now, limit=FAILURE_LIMIT)
            continue
        app.store.clear_failure(item)
        saved = drafts.add(draft, now)
        log.info("draft queued", draft_id=saved.id, thread_id=saved.thread_id)
        report.queued.append(saved)


def _compose_draft(app: App, account: AccountConfig, view: ThreadView, now: datetime) -> Draft:
    identity = Identity(
        address=account.address, display_name=account.display_name, signature=account.signature
    )
    message_id = new_message_id(account.address)
    composed = compose(
        ComposeRequest(
            thread=view.thread,
            decision=view.decision,
            identity=identity,
            now=now,
            message_id=message_id,
        ),
        app.templates,
    )
    if view.decision.kind is None:
        raise ValueError("a due decision must name its follow-up kind")
    in_reply_to = composed.message["In-Reply-To"]
    return Draft(
        id=0,
        account=account.name,
        thread_id=view.thread.id,
        state=DraftState.QUEUED,
        kind=view.decision.kind,
        message_id=message_id,
        subject=str(composed.message["Subject"]),
        to=view.decision.to,
        cc=view.decision.cc,
        in_reply_to=None if in_reply_to is None else str(in_reply_to),
        raw=composed.message.as_bytes(),
        reason=view.decision.reason,
        created_at=now,
        language=composed.language,
        language_fallback=composed.language_fallback,
    )


def cancel_stale(
    app: App,
    views: dict[str, ThreadView],
    report: CycleReport,
    *,
    skip_accounts: frozenset[str] = frozenset(),
) -> None:
    """Cancel queued and approved drafts whose thread is no longer due."""
    drafts = DraftRepository(app.store)
    now = app.clock()
    for draft in drafts.find([DraftState.QUEUED, DraftState.APPROVED]):
        if draft.account in skip_accounts:
            continue
        view = views.get(draft.thread_id)
        account = app.settings.account(draft.account)
        if view is None:
            reason = "the thread is no longer in the mailbox"
        else:
            reason = _other_side_replied(view, draft.created_at, account.self_addresses)
            if not reason and not view.decision.due:
                reason = f"no longer due: {view.decision.reason}"
        if not reason:
            continue
        try:
            done = drafts.transition(
                draft.id,
                [DraftState.QUEUED, DraftState.APPROVED],
                DraftState.CANCELLED,
                reason,
                now,
            )
        except StaleStateError:
            continue
        log.info("draft cancelled", draft_id=draft.id, thread_id=draft.thread_id, reason=reason)
        report.cancelled.append(done)


def recover_interrupted(
    app: App, find_in_sent: Callable[[Draft], bool], report: CycleReport
) -> None:
    """Settle drafts a dead process left in `sending`: sent if Sent has them."""
    drafts = DraftRepository(app.store)
    now = app.clock()
    for draft in drafts.stuck_sending(now - SENDING_STALE_AFTER):
        try:
            found = find_in_sent(draft)
        except Exception:  # noqa: BLE001 - unknown stays `sending`; never guess towards resending
            log.warning(
                "cannot check Sent folder yet", draft_id=draft.id, thread_id=draft.thread_id
            )
            continue
        if found:
            done = drafts.transition(
                draft.id,
                [DraftState.SENDING],
                DraftState.SENT,
                "found in Sent after restart",
                now,
                sent_at=now,
            )
            report.sent.append(done)
        else:
            drafts.transition(
                draft.id,
                [DraftState.SENDING],
                DraftState.APPROVED,
                "interrupted before the server accepted it; will retry",
                now,
            )
        log.info(
            "interrupted send settled",
            draft_id=draft.id,
            thread_id=draft.thread_id,
            found_in_sent=found,
        )


def _backoff(attempts: int) -> timedelta:
    step: timedelta = BACKOFF_BASE * (2 ** max(attempts - 1, 0))
    return min(step, BACKOFF_CAP)


def _approved_at(drafts: DraftRepository, draft: Draft) -> datetime:
    """When the user last approved the draft (retries return to `approved` too)."""
    approvals = [
        e.at
        for e in drafts.events(draft.id)
        if e.to_state is DraftState.APPROVED
        and e.from_state in {DraftState.QUEUED, DraftState.FAILED}
    ]
    # A draft queued for days and approved today gets its full retry time.
    return max(approvals, default=draft.created_at)


def _local(app: App, when: datetime, fmt: str) -> str:
    """A time for the user to read: in the configured zone, not the store's UTC."""
    return when.astimezone(app.settings.tz).strftime(fmt)


def _rate_limited(app: App, draft: Draft, now: datetime) -> str:
    # The reason names the setting, so the user knows what to raise if they disagree.
    drafts = DraftRepository(app.store)
    sending = app.settings.sending
    last_hour = drafts.sent_since(now - timedelta(hours=1))
    if last_hour >= sending.max_per_hour:
        return (
            f"rate limit: {last_hour} sent in the last hour (max_per_hour = {sending.max_per_hour})"
        )
    domain = draft.to[0].domain if draft.to else ""
    last_day = drafts.sent_since(now - timedelta(days=1), domain=domain) if domain else 0
    if last_day >= sending.max_per_domain_per_day:
        return (
            f"rate limit: {last_day} sent to {domain} in the last 24 hours"
            f" (max_per_domain_per_day = {sending.max_per_domain_per_day})"
        )
    return ""


async def send_approved(
    app: App,
    views: dict[str, ThreadView],
    send: Callable[[Draft, AccountConfig], Awaitable[str]],
    file_sent_copy: Callable[[Draft, AccountConfig], None],
    report: CycleReport,
    *,
    skip_accounts: frozenset[str] = frozenset(),
) -> None:
    """Send approved drafts that are still due, inside the window and the rate limits."""
    drafts = DraftRepository(app.store)
    for listed in drafts.find([DraftState.APPROVED]):
        # Sending the drafts before this one took time: re-read it, the user
        # may have edited, snoozed or rejected it meanwhile.
        draft = drafts.get(listed.id)
        if draft is None or draft.state is not DraftState.APPROVED:
            continue
        if draft.account in skip_accounts:
            report.deferred.append((draft, "its account did not sync"))
            continue
        now = app.clock()
        why_not = _why_not_now(app, drafts, draft, views, now)
        if why_not:
            report.deferred.append((draft, why_not))
            continue
        account = app.settings.account(draft.account)
        try:
            sending = drafts.transition(
                draft.id,
                [DraftState.APPROVED],
                DraftState.SENDING,
                "sending",
                now,
                attempts=draft.attempts + 1,
            )
        except StaleStateError:
            continue
        # What is stored now is what goes out: an edit can no longer land, since
        # edits require the draft to be queued or approved.
        await _deliver(app, drafts, sending, account=account, send=send, report=report)
    _file_pending_copies(app, drafts, file_sent_copy)


def _why_not_now(
    app: App, drafts: DraftRepository, draft: Draft, views: dict[str, ThreadView], now: datetime
) -> str:
    view = views.get(draft.thread_id)
    if view is None or not view.decision.due:
        return "thread no longer due"
    if draft.not_before is not None and draft.not_before > now:
        return f"snoozed until {_local(app, draft.not_before, '%Y-%m-%d %H:%M')}"
    retry_at = drafts.next_attempt_at(draft.id)
    if retry_at is not None and retry_at > now:
        return f"retrying after {_local(app, retry_at, '%H:%M')}"
    if not in_send_window(now, app.send_window(), app.settings.tz):
        return "outside the send window"
    return _rate_limited(app, draft, now)


async def _deliver(
    app: App,
    drafts: DraftRepository,
    draft: Draft,
    *,
    account: AccountConfig,
    send: Callable[[Draft, AccountConfig], Awaitable[str]],
    report: CycleReport,
) -> None:
    try:
        answer = await send(draft, account)
    except TemporarySendError as exc:
        now = app.clock()
        if exc.maybe_delivered:
            done = drafts.transition(
                draft.id,
                [DraftState.SENDING],
                DraftState.FAILED,
                f"the connection broke after the message went out, so it may have been "
                f"delivered ({exc.reason}); check, then `followup queue approve {draft.id}` "
                "to send again",
                now,
                error=exc.reason,
            )
            report.failed.append(done)
        elif now - _approved_at(drafts, draft) > RETRY_DEADLINE:
            done = drafts.transition(
                draft.id,
                [DraftState.SENDING],
                DraftState.FAILED,
                f"gave up after {draft.attempts} attempts: {exc.reason}",
                now,
                error=exc.reason,
            )
            report.failed.append(done)
        else:
            retry = now + _backoff(draft.attempts)
            why = f"temporary failure, retry after {_local(app, retry, '%H:%M')}: {exc.reason}"
            drafts.transition(
                draft.id,
                [DraftState.SENDING],
                DraftState.APPROVED,
                why,
                now,
                error=exc.reason,
                next_attempt_at=retry,
            )
            report.deferred.append((draft, why))
        log.warning("send deferred", draft_id=draft.id, thread_id=draft.thread_id, error=exc.reason)
        return
    except SendError as exc:
        done = drafts.transition(
            draft.id,
            [DraftState.SENDING],
            DraftState.FAILED,
            f"refused: {exc.reason}",
            app.clock(),
            error=exc.reason,
        )
        report.failed.append(done)
        log.warning("send failed", draft_id=draft.id, thread_id=draft.thread_id, error=exc.reason)
        return
    except Exception as exc:
        # Not an answer from the server (a password command failing, a bug):
        # nothing went out, so retry, and set the draft aside if it persists.
        log.exception("send crashed", draft_id=draft.id, thread_id=draft.thread_id)
        now = app.clock()
        error = f"{type(exc).__name__}: {exc}"
        aside = app.store.record_failure(f"draft:{draft.id}", error, now, limit=FAILURE_LIMIT)
        to = DraftState.FAILED if aside else DraftState.APPROVED
        done = drafts.transition(
            draft.id,
            [DraftState.SENDING],
            to,
            f"could not send: {error}",
            now,
            error=error,
            next_attempt_at=now + _backoff(draft.attempts),
        )
        if aside:
            report.failed.append(done)
        return
    now = app.clock()
    done = drafts.transition(
        draft.id,
        [DraftState.SENDING],
        DraftState.SENT,
        f"accepted: {answer}",
        now,
        sent_at=now,
        error=None,
        sent_copy_pending=not _server_files_copy(account),
    )
    log.info("draft sent", draft_id=draft.id, thread_id=draft.thread_id)
    report.sent.append(done)


def _server_files_copy(account: AccountConfig) -> bool:
    return account.smtp is not None and account.smtp.files_sent_copy


def _file_pending_copies(
    app: App, drafts: DraftRepository, file_sent_copy: Callable[[Draft, AccountConfig], None]
) -> None:
    for draft in drafts.pending_sent_copies():
        try:
            file_sent_copy(draft, app.settings.account(draft.account))
        except Exception:  # noqa: BLE001 - retried next cycle; the send itself is done
            log.warning("sent copy not filed yet", draft_id=draft.id, thread_id=draft.thread_id)
            continue
        drafts.set_values(draft.id, sent_copy_pending=False)


def approve(app: App, draft_id: int) -> Draft:
    """Approving never sends: the next cycle does, so failures are handled in one place."""
    drafts = DraftRepository(app.store)
    return drafts.transition(
        draft_id,
        [DraftState.QUEUED, DraftState.FAILED],
        DraftState.APPROVED,
        "approved",
        app.clock(),
        error=None,
        next_attempt_at=None,
    )


def reject(app: App, draft_id: int, reason: str) -> Draft:
    drafts = DraftRepository(app.store)
    return drafts.transition(
        draft_id,
        [DraftState.QUEUED, DraftState.APPROVED, DraftState.FAILED],
        DraftState.REJECTED,
        reason,
        app.clock(),
    )
