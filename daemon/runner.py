"""`followup run`: the long-running service.

One asyncio loop hosts an APScheduler AsyncIOScheduler (the periodic cycle,
the send check, the digest and the watchdog ping) and receives pushes from
IMAP IDLE workers, which run in threads because imapclient blocks. All
blocking work (IMAP, SMTP, SQL) runs in daemon threads, one piece of work at
a time under `_work`, so the loop itself stays free to ping the watchdog:
when the loop hangs, the pings stop and systemd restarts us. Daemon threads
also mean that a server which stops answering can never hold up the exit.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import signal
import sys
import threading
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Protocol, TypeVar, runtime_checkable

import structlog
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from daemon import outbox
from daemon.app import App
from daemon.compose import ComposeError, Templates
from daemon.config import ConfigError, load_settings
from daemon.cycle import handle_push, run_cycle, watched_folders
from daemon.digest import send_digest
from daemon.domain import DraftState
from daemon.mail.smtp import TemporarySendError
from daemon.secrets import SecretError
from daemon.store.drafts import DraftRepository
from daemon.store.repository import Store
from daemon.systemd import Notifier

if TYPE_CHECKING:
    from collections.abc import Callable, Coroutine
    from pathlib import Path

    from daemon.clock import Clock
    from daemon.config import AccountConfig, Settings

log = structlog.get_logger(__name__)

T = TypeVar("T")

#: How often approved drafts are looked for between full cycles (one
#: indexed query): an approval goes out within seconds.
SEND_CHECK_SECONDS = 5.0
#: IDLE is re-issued well before the 29 minutes RFC 2177 allows; a short
#: period also lets a watcher retired by a reload notice within minutes.
IDLE_RENEW_SECONDS = 120.0
#: Servers without IDLE (and Maildir trees) are polled this often.
POLL_SECONDS = 60.0
#: Reconnect delays double from the first to the cap, each drawn at random
#: from its upper half so that many watchers never retry in step.
RECONNECT_FIRST = 1.0
RECONNECT_CAP = 240.0
#: A refused login is retried this slowly: retrying fast fixes nothing and
#: gets accounts locked.
AUTH_RETRY_SECONDS = 600.0
#: On SIGTERM work in flight (an SMTP transaction) gets this long to finish.
STOP_GRACE_SECONDS = 7.0
#: A digest whose minute the loop missed (busy, suspended laptop) still goes
#: out if the loop gets to it within this long.
DIGEST_GRACE_SECONDS = 3600


@dataclass
class DaemonApp(App):
    """The App, except that no SMTP transaction starts once a stop is requested.

    A transaction under way gets the stop grace to finish; one not yet
    started fails as temporary, so its draft stays approved and goes out
    after the restart (the outbox's exactly-once rules).
    """

    stopping: threading.Event = field(default_factory=threading.Event)

    async def send_raw(self, account: AccountConfig, raw: bytes, rcpt_to: list[str]) -> str:
        if self.stopping.is_set():
            raise TemporarySendError("followup is stopping; it sends this after the restart")
        return await super().send_raw(account, raw, rcpt_to)


@runtime_checkable
class _Idling(Protocol):
    """What an IMAP mailbox adds to the `Mailbox` contract for push."""

    def idle_capable(self) -> bool: ...

    def idle_wait(self, folder: str, timeout: float) -> bool: ...


@dataclass
class _Watchers:
    """One generation of IDLE workers; a reload starts a new generation."""

    stop: threading.Event = field(default_factory=threading.Event)


def _is_auth_error(exc: BaseException) -> bool:
    if isinstance(exc, SecretError):
        return True
    text = str(exc).lower()
    return "authenticat" in text or ("login" in text and "fail" in text) or "credentials" in text


def _connection_summary(links: dict[str, tuple[str, str]]) -> str:
    """One line per account for `followup status`: the worst watcher first."""
    for state in ("login failed", "reconnecting", "connecting"):
        troubled = [f"{name}: {detail}" for name, (s, detail) in links.items() if s == state]
        if troubled:
            return f"{state}: " + "; ".join(troubled)
    return "connected: " + ", ".join(f"{name} ({detail})" for name, (_, detail) in links.items())


class Runner:
    def __init__(self, config_path: Path, clock: Clock, settings: Settings) -> None:
        self.config_path = config_path
        self.clock = clock
        self.app = DaemonApp(
            settings=settings, clock=clock, store=Store.open(settings.store.sqlalchemy_url)
        )
        self.notifier = Notifier()
        self.scheduler: AsyncIOScheduler | None = None
        self._work = asyncio.Lock()
        self._stopping = asyncio.Event()
        self._watchers = _Watchers()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._busy: set[threading.Thread] = set()
        # Folders with a push waiting for `_work`: a burst of new mail costs one sync.
        self._pending_pushes: set[tuple[str, str]] = set()
        # Approved drafts the last cycle had to hold back (rate limit, thread
        # no longer due, account not synced): the send check leaves them to
        # the next periodic cycle instead of syncing every few seconds for nothing.
        self._held: set[int] = set()
        self._links: dict[str, dict[str, tuple[str, str]]] = {}
        self._links_lock = threading.Lock()

    # -- life cycle ------------------------------------------------------

    async def main(self) -> int:
        self._loop = asyncio.get_running_loop()
        for sig, handler in (
            (signal.SIGTERM, self.request_stop),
            (signal.SIGINT, self.request_stop),
            (signal.SIGHUP, self.request_reload),
        ):
            self._loop.add_signal_handler(sig, handler)
        self._set_runtime("state", "running")
        self._set_runtime("pid", str(os.getpid()))
        self.scheduler = AsyncIOScheduler(event_loop=self._loop, timezone=self.app.settings.tz)
        self._schedule()
        self.scheduler.start()
        self.notifier.ready("running")
        log.info("daemon started", accounts=[a.name for a in self.app.settings.accounts])
        self._spawn(self.cycle(), "cycle")
        # Off the loop: finding a folder to watch may ask a slow server.
        self._spawn(self._blocking("watchers", self._start_watchers), "watchers")
        await self._stopping.wait()
        await self._shutdown()
        return 0

    def _schedule(self) -> None:
        assert self.scheduler is not None
        settings = self.app.settings
        self.scheduler.add_job(
            self.cycle,
            "interval",
            minutes=settings.daemon.cycle_minutes,
            id="cycle",
            coalesce=True,
            max_instances=1,
            replace_existing=True,
        )
        self.scheduler.add_job(
            self.send_check,
            "interval",
            seconds=SEND_CHECK_SECONDS,
            id="send",
            coalesce=True,
            max_instances=1,
            replace_existing=True,
        )
        interval = self.notifier.watchdog_interval
        if interval is not None:
            self.scheduler.add_job(
                self.watchdog, "interval", seconds=interval, id="watchdog", replace_existing=True
            )
        if settings.daemon.digest:
            hour, minute = (int(x) for x in settings.daemon.digest_time.split(":"))
            self.scheduler.add_job(
                self.digest,
                "cron",
                hour=hour,
                minute=minute,
                id="digest",
                misfire_grace_time=DIGEST_GRACE_SECONDS,
                replace_existing=True,
            )
        elif self.scheduler.get_job("digest") is not None:
            self.scheduler.remove_job("digest")
        self._set_runtime("cycle_minutes", str(settings.daemon.cycle_minutes))

    def request_stop(self) -> None:
        if self._stopping.is_set():
            return
        log.info("stop requested")
        self.notifier.stopping()
        # From here on no SMTP transaction starts; the one in flight may finish.
        self.app.stopping.set()
        self._stopping.set()

    def request_reload(self) -> None:
        self._spawn(self.reload(), "reload")

    async def _shutdown(self) -> None:
        if self.scheduler is not None:
            self.scheduler.shutdown(wait=False)
        self._watchers.stop.set()
        try:
            await asyncio.wait_for(self._work.acquire(), STOP_GRACE_SECONDS)
        except TimeoutError:
            # Abandoned mid-way, a send stays `sending`; the next start looks
            # for it in the Sent folder before any retry.
            log.warning("work still running at shutdown; abandoned safely")
        for task in list(self._tasks):
            task.cancel()
        self._set_runtime("state", "stopped")
        for account in self.app.settings.accounts:
            self._set_runtime_key(f"connection.{account.name}", "closed: the daemon stopped")
        self.app.close()
        log.info("daemon stopped")

    @property
    def abandoned(self) -> bool:
        """Whether blocking work was still running when the loop ended."""
        return any(t.is_alive() for t in self._busy)

    def _spawn(self, coro: Coroutine[Any, Any, Any], name: str) -> None:
        task = asyncio.ensure_future(coro)
        task.set_name(name)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _blocking(self, name: str, work: Callable[[], T]) -> T:
        """Run `work` in a daemon thread, so neither the loop nor the exit waits on it."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()

        def settle(outcome: Callable[[Any], None], value: Any) -> None:
            if not future.done():
                outcome(value)

        def run() -> None:
            try:
                result = work()
            except BaseException as exc:  # noqa: BLE001 - handed to the awaiting task
                outcome: tuple[Callable[[Any], None], Any] = (future.set_exception, exc)
            else:
                outcome = (future.set_result, result)
            with contextlib.suppress(RuntimeError):  # the loop has closed: we are exiting
                loop.call_soon_threadsafe(settle, *outcome)

        thread = threading.Thread(target=run, name=name, daemon=True)
        self._busy = {t for t in self._busy if t.is_alive()} | {thread}
        thread.start()
        return await future

    def _set_runtime(self, key: str, value: str) -> None:
        self._set_runtime_key(f"daemon.{key}", value)

    def _set_runtime_key(self, key: str, value: str) -> None:
        try:
            self.app.store.set_runtime(key, value, self.clock())
        except Exception:  # noqa: BLE001 - status bookkeeping must never stop the daemon
            log.warning("could not record daemon status", key=key)

    # -- jobs --------------------------------------------------------------

    async def watchdog(self) -> None:
        # A coroutine, so the ping runs on the loop itself: a hung loop stops it.
        self.notifier.watchdog()

    async def cycle(self, *, periodic: bool = True) -> None:
        if self._stopping.is_set():
            return
        async with self._work:
            if self._stopping.is_set():
                return
            if periodic:
                minutes = self.app.settings.daemon.cycle_minutes
                self._set_runtime(
                    "next_cycle_at", (self.clock() + timedelta(minutes=minutes)).isoformat()
                )
            self.notifier.status("syncing")
            app = self.app
            try:
                report, failed, held = await self._blocking("cycle", lambda: _full_cycle(app))
            except Exception as exc:  # the loop never dies; the next cycle retries
                log.exception("cycle failed")
                self._set_runtime("cycle_error", f"{type(exc).__name__}: {exc}")
                self.notifier.status("cycle failed; retrying at the next interval")
                return
            self._held = held
            self._set_runtime("cycle_error", "")
            self._set_runtime("last_cycle_at", self.clock().isoformat())
            counts = ", ".join(
                f"{len(items)} {name}"
                for name, items in (
                    ("queued", report.queued),
                    ("sent", report.sent),
                    ("cancelled", report.cancelled),
                    ("failed", report.failed),
                )
                if items
            )
            status = f"idle; last cycle: {counts or 'nothing to do'}"
            if failed:
                status += f"; sync failed for {', '.join(failed)}"
            self.notifier.status(status)

    async def send_check(self) -> None:
        """Send freshly approved drafts now rather than at the next periodic cycle.

        It runs a whole cycle, so the send follows a fresh sync: a reply that
        has just arrived still cancels the draft.
        """
        if self._stopping.is_set() or self._work.locked():
            return
        app = self.app
        try:
            ready = await self._blocking("send-check", lambda: _ready_to_send(app))
        except Exception:  # the loop never dies; the periodic cycle sends
            log.exception("send check failed")
            return
        if ready - self._held:
            log.info("approved drafts ready", draft_ids=sorted(ready - self._held))
            await self.cycle(periodic=False)

    async def digest(self) -> None:
        async with self._work:
            if self._stopping.is_set():
                return
            app = self.app
            try:
                sent = await self._blocking("digest", lambda: asyncio.run(send_digest(app)))
            except Exception:  # a missed digest is logged, not fatal
                log.exception("digest not sent")
                return
            log.info("digest sent", accounts=sent)

    async def on_new_mail(self, account_name: str, folder: str) -> None:
        """A push: sync that folder, and cancel drafts a reply made stale."""
        async with self._work:
            self._pending_pushes.discard((account_name, folder))
            if self._stopping.is_set():
                return
            app = self.app
            try:
                account = app.settings.account(account_name)
            except KeyError:  # a watcher retired by a reload; the account is gone
                return
            try:
                await self._blocking(
                    f"push-{account_name}", lambda: handle_push(app, account, folder)
                )
            except Exception as exc:  # noqa: BLE001 - the next push or cycle catches up
                error = f"{type(exc).__name__}: {exc}"
                log.warning("push not handled", account=account_name, folder=folder, error=error)
                with contextlib.suppress(Exception):
                    app.store.set_status(account_name, "error", error, self.clock())

    async def reload(self) -> None:
        if self._stopping.is_set():
            return
        self.notifier.reloading()
        current = self.app
        try:
            settings = await self._blocking("reload", lambda: _validated(self.config_path))
        except ConfigError as exc:
            log.error("reload refused; keeping the running configuration", problems=exc.problems)  # noqa: TRY400
            self.notifier.notify(
                "READY=1", "STATUS=reload refused: configuration invalid; old one kept"
            )
            return
        async with self._work:
            if settings.store.sqlalchemy_url != current.settings.store.sqlalchemy_url:
                log.warning("store location changes need a restart; keeping the old store")
                settings = settings.model_copy(update={"store": current.settings.store})
            self.app = DaemonApp(
                settings=settings,
                clock=self.clock,
                store=current.store,
                planner=current.planner,
                stopping=current.stopping,
            )
            self._schedule()
            await self._blocking("watchers", self._restart_watchers)
        log.info("configuration reloaded", cycle_minutes=settings.daemon.cycle_minutes)
        self.notifier.notify("READY=1", "STATUS=configuration reloaded")

    # -- IMAP IDLE watchers -------------------------------------------------

    def _restart_watchers(self) -> None:
        self._watchers.stop.set()
        self._watchers = _Watchers()
        with self._links_lock:
            self._links.clear()
        self._start_watchers()

    def _start_watchers(self) -> None:
        for account in self.app.settings.accounts:
            # None stands for the Sent folder, resolved once connected.
            for folder in (*account.folders, None, *watched_folders(self.app, account)):
                self._link(account, folder or "Sent", self._watchers.stop, "connecting", "starting")
                worker = threading.Thread(
                    target=self._watch,
                    args=(account, folder, self._watchers.stop),
                    name=f"idle-{account.name}-{folder or 'Sent'}",
                    daemon=True,
                )
                worker.start()

    def _push(self, account: AccountConfig, folder: str, stop: threading.Event) -> None:
        """From a watcher thread: have the loop sync `folder` soon."""
        loop = self._loop
        if loop is None or stop.is_set():
            return
        with contextlib.suppress(RuntimeError):  # the loop has closed: we are exiting
            loop.call_soon_threadsafe(self._queue_push, account.name, folder)

    def _queue_push(self, account_name: str, folder: str) -> None:
        key = (account_name, folder)
        if self._stopping.is_set() or key in self._pending_pushes:
            return
        self._pending_pushes.add(key)
        self._spawn(self.on_new_mail(account_name, folder), f"push-{account_name}-{folder}")

    def _watch(self, account: AccountConfig, folder: str | None, stop: threading.Event) -> None:
        """Keep one IDLE (or polling) loop alive for one folder, reconnecting forever."""
        label = folder or "Sent"
        delay = RECONNECT_FIRST
        while not stop.is_set():
            try:
                with self.app.mailbox(account) as mailbox:
                    target = folder or self.app.sent_folder(account, mailbox)
                    idler = (
                        mailbox
                        if isinstance(mailbox, _Idling)
                        and account.imap is not None
                        and account.imap.idle
                        and mailbox.idle_capable()
                        else None
                    )
                    how = "IDLE" if idler is not None else f"polled every {POLL_SECONDS:.0f} s"
                    self._link(account, label, stop, "connected", how)
                    if not stop.is_set():
                        log.info("watching folder", account=account.name, folder=target, how=how)
                    # Whatever arrived while nobody was watching.
                    self._push(account, target, stop)
                    while idler is not None and not stop.is_set():
                        changed = idler.idle_wait(target, IDLE_RENEW_SECONDS)
                        delay = RECONNECT_FIRST  # the connection has proved itself
                        if changed:
                            self._push(account, target, stop)
            except Exception as exc:  # noqa: BLE001 - reconnect whatever went wrong
                if stop.is_set():
                    return
                if _is_auth_error(exc):
                    wait = AUTH_RETRY_SECONDS
                    state = "login failed"
                    detail = f"{exc}; retrying in {wait / 60:.0f} min"
                else:
                    wait = random.uniform(delay / 2, delay)  # noqa: S311 - jitter, not crypto
                    delay = min(delay * 2, RECONNECT_CAP)
                    state = "reconnecting"
                    detail = f"{type(exc).__name__}: {exc}; retrying in {wait:.0f} s"
                log.warning(
                    "watcher down", account=account.name, folder=label, state=state, detail=detail
                )
                self._link(account, label, stop, state, detail)
                stop.wait(wait)
                continue
            # Polling: each round logs in afresh, which also proves the connection.
            delay = RECONNECT_FIRST
            stop.wait(POLL_SECONDS)

    def _link(
        self, account: AccountConfig, folder: str, stop: threading.Event, state: str, detail: str
    ) -> None:
        """Record one watcher's connection state; status shows one line per account."""
        if stop.is_set():  # a retired watcher no longer speaks for the account
            return
        # Written under the lock too: watchers racing each other must not let
        # an older summary overwrite a newer one.
        with self._links_lock:
            links = self._links.setdefault(account.name, {})
            was = _connection_summary(links).partition(":")[0] if links else ""
            links[folder] = (state, detail)
            summary = _connection_summary(links)
            self._set_runtime_key(f"connection.{account.name}", summary)
        if summary.partition(":")[0] != was:
            self.notifier.status(f"account {account.name}: {summary}")


def _full_cycle(app: App) -> tuple[outbox.CycleReport, list[str], set[int]]:
    """One cycle, and the approved drafts it held back for a reason time will not fix soon."""
    report, failed = asyncio.run(run_cycle(app))
    drafts = DraftRepository(app.store)
    now = app.clock()
    held = set()
    for draft, _why in report.deferred:
        retry = drafts.next_attempt_at(draft.id)
        if retry is None or retry <= now:
            held.add(draft.id)
    return report, failed, held


def _ready_to_send(app: App) -> set[int]:
    """Approved drafts that the send window, a snooze or a retry delay do not hold back."""
    now = app.clock()
    if not outbox.in_send_window(now, app.send_window(), app.settings.tz):
        return set()
    drafts = DraftRepository(app.store)
    ready = set()
    for draft in drafts.find([DraftState.APPROVED]):
        retry = drafts.next_attempt_at(draft.id)
        if (draft.not_before is None or draft.not_before <= now) and (
            retry is None or retry <= now
        ):
            ready.add(draft.id)
    return ready


def _validated(config_path: Path) -> Settings:
    """The new configuration, if it loads and its templates render."""
    settings = load_settings(config_path)
    folder = settings.followup.templates_dir
    try:
        Templates(None if folder is None else folder.expanduser()).check()
    except ComposeError as exc:
        raise ConfigError(str(config_path), list(exc.problems)) from None
    return settings


def run_forever(config_path: Path, clock: Clock, settings: Settings) -> int:
    runner = Runner(config_path, clock, settings)
    code = asyncio.run(runner.main())
    if runner.abandoned:
        # Work abandoned at the stop grace is still running in a daemon
        # thread; leave now rather than let interpreter shutdown race it.
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    return code
