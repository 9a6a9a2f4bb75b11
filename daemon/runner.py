"""`followup run`: the long-running service.

One asyncio loop hosts an APScheduler AsyncIOScheduler (the periodic cycle,
the quick send check, the digest and the watchdog) and receives pushes from
IMAP IDLE workers, which run in threads because imapclient blocks. Blocking
work (IMAP sync, SQL) runs in worker threads, one piece of work at a time
under `_work`, so the loop itself stays free to ping the watchdog: when
the loop hangs, the pings stop and systemd restarts us.
"""

from __future__ import annotations

import asyncio
import random
import signal
import threading
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import structlog
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from daemon import outbox
from daemon.app import App
from daemon.config import ConfigError, load_settings
from daemon.cycle import current_views, handle_push, run_cycle
from daemon.digest import send_digest
from daemon.domain import DraftState
from daemon.store.drafts import DraftRepository
from daemon.systemd import Notifier

if TYPE_CHECKING:
    from pathlib import Path

    from daemon.clock import Clock
    from daemon.config import AccountConfig, Settings

log = structlog.get_logger(__name__)

#: How often approved drafts are looked for between full cycles.
SEND_CHECK_SECONDS = 15.0
#: IDLE is re-issued well before the 29 minutes RFC 2177 allows; a short
#: period also lets a watcher retired by a reload notice within minutes.
IDLE_RENEW_SECONDS = 120.0
#: Servers without IDLE are polled this often.
POLL_SECONDS = 60.0
RECONNECT_FIRST = 1.0
RECONNECT_CAP = 240.0
AUTH_RETRY_SECONDS = 600.0
#: On SIGTERM an SMTP transaction in flight gets this long to finish.
STOP_GRACE_SECONDS = 7.0


@dataclass
class _Watchers:
    """One generation of IDLE workers; a reload starts a new generation."""

    stop: threading.Event = field(default_factory=threading.Event)
    threads: list[threading.Thread] = field(default_factory=list)


def _is_auth_error(exc: BaseException) -> bool:
    text = str(exc).lower()
    return "authenticat" in text or ("login" in text and "fail" in text) or "credentials" in text


class Runner:
    def __init__(self, config_path: Path, clock: Clock, settings: Settings) -> None:
        self.config_path = config_path
        self.clock = clock
        self.app = App.build(settings, clock)
        self.notifier = Notifier()
        self.scheduler: AsyncIOScheduler | None = None
        self._work = asyncio.Lock()
        self._stopping = asyncio.Event()
        self._watchers = _Watchers()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._tasks: set[asyncio.Task[Any]] = set()

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
        self.scheduler = AsyncIOScheduler(event_loop=self._loop, timezone=self.app.settings.tz)
        self._schedule()
        self.scheduler.start()
        self.notifier.ready("running")
        log.info("daemon started", accounts=[a.name for a in self.app.settings.accounts])
        self._spawn(self.cycle(), "cycle")
        self._start_watchers()
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
                self.notifier.watchdog,
                "interval",
                seconds=interval,
                id="watchdog",
                replace_existing=True,
            )
        if settings.daemon.digest:
            hour, minute = (int(x) for x in settings.daemon.digest_time.split(":"))
            self.scheduler.add_job(
                self.digest, "cron", hour=hour, minute=minute, id="digest", replace_existing=True
            )
        elif self.scheduler.get_job("digest") is not None:
            self.scheduler.remove_job("digest")
        self._record_next_cycle()

    def _record_next_cycle(self) -> None:
        minutes = self.app.settings.daemon.cycle_minutes
        self._set_runtime("next_cycle_at", (self.clock() + timedelta(minutes=minutes)).isoformat())
        self._set_runtime("cycle_minutes", str(minutes))

    def request_stop(self) -> None:
        log.info("stop requested")
        self.notifier.stopping()
        self._stopping.set()

    def request_reload(self) -> None:
        self._spawn(self.reload(), "reload")

    async def _shutdown(self) -> None:
        if self.scheduler is not None:
            self.scheduler.shutdown(wait=False)
        self._watchers.stop.set()
        # Let a send in flight finish; otherwise it is abandoned in `sending`,
        # and the next start looks in the Sent folder before any retry.
        try:
            await asyncio.wait_for(self._work.acquire(), STOP_GRACE_SECONDS)
        except TimeoutError:
            log.warning("work still running at shutdown; abandoned safely")
        for task in list(self._tasks):
            task.cancel()
        self._set_runtime("state", "stopped")
        self.app.close()
        log.info("daemon stopped")

    def _spawn(self, coro: Any, name: str) -> None:
        task = asyncio.ensure_future(coro)
        task.set_name(name)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _set_runtime(self, key: str, value: str) -> None:
        try:
            self.app.store.set_runtime(f"daemon.{key}", value, self.clock())
        except Exception:  # noqa: BLE001 - status bookkeeping must never stop the daemon
            log.warning("could not record daemon status", key=key)

    # -- jobs --------------------------------------------------------------

    async def cycle(self) -> None:
        if self._stopping.is_set():
            return
        async with self._work:
            self.notifier.status("syncing")
            try:
                report, failed = await run_cycle(self.app)
            except Exception:  # the loop never dies; the next cycle retries
                log.exception("cycle failed")
                self.notifier.status("cycle failed; retrying at the next interval")
                return
            finally:
                self._record_next_cycle()
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
        """Send freshly approved drafts without waiting for the next full cycle."""
        if self._stopping.is_set() or self._work.locked():
            return
        approved = await asyncio.to_thread(self._approved_exists)
        if not approved:
            return
        async with self._work:
            report = outbox.CycleReport()
            views = await asyncio.to_thread(current_views, self.app)
            await outbox.send_approved(
                self.app, views, self.app.send, self.app.file_sent_copy, report
            )
            if report.sent:
                log.info("approved drafts sent", count=len(report.sent))

    def _approved_exists(self) -> bool:
        return any(
            d.not_before is None or d.not_before <= self.clock()
            for d in DraftRepository(self.app.store).find([DraftState.APPROVED])
        )

    async def digest(self) -> None:
        async with self._work:
            try:
                await send_digest(self.app)
            except Exception:  # a missed digest is logged, not fatal
                log.exception("digest not sent")

    async def on_new_mail(self, account: AccountConfig, folder: str) -> None:
        """An IDLE push: sync that folder, and cancel drafts a reply made stale."""
        async with self._work:
            try:
                cycle = await asyncio.to_thread(handle_push, self.app, account, folder)
            except Exception:  # the periodic cycle catches up
                log.exception("push handling failed", account=account.name, folder=folder)
                return
            for draft in cycle.cancelled:
                log.info(
                    "draft cancelled by new mail", draft_id=draft.id, thread_id=draft.thread_id
                )

    async def reload(self) -> None:
        self.notifier.reloading()
        try:
            settings = await asyncio.to_thread(load_settings, self.config_path)
        except ConfigError as exc:
            log.error("reload refused; keeping the running configuration", problems=exc.problems)  # noqa: TRY400
            self.notifier.status("reload refused: configuration invalid; old one kept")
            self.notifier.notify("READY=1")
            return
        async with self._work:
            if settings.store.sqlalchemy_url != self.app.settings.store.sqlalchemy_url:
                log.warning("store location changes need a restart; keeping the old store")
                settings = settings.model_copy(update={"store": self.app.settings.store})
            self.app = App(settings=settings, clock=self.clock, store=self.app.store)
            self._schedule()
            self._restart_watchers()
        log.info("configuration reloaded", cycle_minutes=settings.daemon.cycle_minutes)
        self.notifier.notify("READY=1", "STATUS=configuration reloaded")

    # -- IMAP IDLE watchers -------------------------------------------------

    def _restart_watchers(self) -> None:
        self._watchers.stop.set()
        self._watchers = _Watchers()
        self._start_watchers()

    def _start_watchers(self) -> None:
        for account in self.app.settings.accounts:
            if account.imap is None or not account.imap.idle:
                continue
            # None stands for the Sent folder, resolved once connected.
            for folder in (*account.folders, None):
                worker = threading.Thread(
                    target=self._watch,
                    args=(account, folder, self._watchers.stop),
                    name=f"idle-{account.name}-{folder or 'Sent'}",
                    daemon=True,
                )
                self._watchers.threads.append(worker)
                worker.start()

    def _push(self, account: AccountConfig, folder: str) -> None:
        loop = self._loop
        if loop is None or self._stopping.is_set():
            return
        loop.call_soon_threadsafe(lambda: self._spawn(self.on_new_mail(account, folder), "push"))

    def _watch(self, account: AccountConfig, folder: str | None, stop: threading.Event) -> None:
        """Keep one IDLE (or poll) loop alive for one folder, reconnecting forever."""
        delay = RECONNECT_FIRST
        bound = structlog.get_logger(__name__).bind(account=account.name)
        while not stop.is_set():
            try:
                with self.app.mailbox(account) as mailbox:
                    target = folder or self.app.sent_folder(account, mailbox)
                    bound.info("watching folder", folder=target)
                    delay = RECONNECT_FIRST
                    self._watch_connected(account, mailbox, target, stop)
            except Exception as exc:  # noqa: BLE001 - reconnect whatever went wrong
                if stop.is_set():
                    return
                if _is_auth_error(exc):
                    wait = AUTH_RETRY_SECONDS
                    state = f"login failed: {exc}; retrying in {wait / 60:.0f} min"
                else:
                    wait = delay * (1 + random.random() / 2)  # noqa: S311 - jitter, not crypto
                    delay = min(delay * 2, RECONNECT_CAP)
                    state = f"disconnected ({type(exc).__name__}: {exc}); retrying in {wait:.0f} s"
                bound.warning("watcher disconnected", folder=folder, detail=state)
                self._record_connection(account, "reconnecting", state)
                stop.wait(wait)

    def _watch_connected(
        self, account: AccountConfig, mailbox: Any, folder: str, stop: threading.Event
    ) -> None:
        self._record_connection(account, "connected", f"watching {folder}")
        idle = mailbox.idle_capable()
        while not stop.is_set():
            if idle:
                pushed = mailbox.idle_wait(folder, IDLE_RENEW_SECONDS)
            else:
                stop.wait(POLL_SECONDS)
                pushed = True
            if pushed and not stop.is_set():
                self._push(account, folder)

    def _record_connection(self, account: AccountConfig, state: str, detail: str) -> None:
        try:
            self.app.store.set_runtime(
                f"connection.{account.name}", f"{state}: {detail}", self.clock()
            )
        except Exception:  # noqa: BLE001 - bookkeeping only
            log.warning("could not record connection state", account=account.name)


def run_forever(config_path: Path, clock: Clock, settings: Settings) -> int:
    return asyncio.run(Runner(config_path, clock, settings).main())
