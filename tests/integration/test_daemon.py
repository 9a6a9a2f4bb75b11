"""`followup run` as systemd runs it: notify socket, watchdog, IDLE, signals, server restarts."""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import signal
import smtplib
import socket
import sqlite3
import subprocess
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from daemon.store.repository import Store
from tests.integration.conftest import FOLLOWUP, World, interview_story
from tests.integration.test_end_to_end import DUE, START, mailbox, wait_for

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from tests.rig.mailrig import MailRig

#: 2 s: systemd's WatchdogSec=2, so the daemon pings every second.
WATCHDOG_USEC = 2_000_000


class NotifySocket:
    """The listening end of $NOTIFY_SOCKET: every datagram, with its arrival time."""

    def __init__(self) -> None:
        # A short directory: unix socket paths are limited to 108 bytes.
        self._dir = tempfile.TemporaryDirectory(prefix="fu-notify-")
        self.path = str(Path(self._dir.name) / "notify")
        self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self._sock.bind(self.path)
        self._sock.settimeout(0.1)
        self.received: list[tuple[float, list[str]]] = []
        self._closed = threading.Event()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        while not self._closed.is_set():
            try:
                data = self._sock.recv(4096)
            except TimeoutError:
                continue
            except OSError:
                return
            self.received.append((time.monotonic(), data.decode().split("\n")))

    def lines(self) -> list[str]:
        return [line for _, lines in list(self.received) for line in lines]

    def times(self, line: str) -> list[float]:
        return [at for at, lines in list(self.received) if line in lines]

    def wait_for(self, line: str, timeout: float = 15.0, *, after: int = 0) -> bool:
        """Whether `line` arrives (counting only datagrams from index `after` on)."""
        return wait_for(
            lambda: any(line in lines for _, lines in list(self.received)[after:]), timeout
        )

    def close(self) -> None:
        self._closed.set()
        self._sock.close()
        self._reader.join()
        self._dir.cleanup()


@dataclass
class Daemon:
    """A `followup run` subprocess and what it said."""

    world: World
    proc: subprocess.Popen[bytes]
    notify: NotifySocket
    out: Path
    err: Path
    started: float = field(default_factory=time.monotonic)

    def logs(self) -> list[dict[str, Any]]:
        """The journal lines (`<N>{json}`) printed so far, decoded."""
        events = []
        for line in self.out.read_text(encoding="utf-8", errors="replace").splitlines():
            priority, _, body = line.partition(">")
            if priority.startswith("<") and body.startswith("{"):
                events.append({"priority": int(priority[1:]), **json.loads(body)})
        return events

    def output(self) -> str:
        return self.out.read_text(errors="replace") + self.err.read_text(errors="replace")

    def signal(self, sig: signal.Signals) -> None:
        self.proc.send_signal(sig)

    def stop(self, timeout: float = 10.0) -> tuple[int, float]:
        """SIGTERM; return the exit code and how long the exit took."""
        began = time.monotonic()
        self.proc.send_signal(signal.SIGTERM)
        code = self.proc.wait(timeout)
        return code, time.monotonic() - began


@pytest.fixture
def start_daemon(tmp_path: Path) -> Iterator[Callable[..., Daemon]]:
    """Start `followup run` as systemd would: notify socket, watchdog, journal logging."""
    started: list[Daemon] = []

    def start(world: World, *, now: Any = DUE, env: dict[str, str] | None = None) -> Daemon:
        notify = NotifySocket()
        name = f"daemon-{len(started)}"
        out, err = tmp_path / f"{name}.out", tmp_path / f"{name}.err"
        argv = [FOLLOWUP, "--config", str(world.config)]
        if now is not None:
            argv += ["--now", now.isoformat()]
        with out.open("wb") as stdout, err.open("wb") as stderr:
            proc = subprocess.Popen(
                [*argv, "run"],
                stdout=stdout,
                stderr=stderr,
                env={
                    **os.environ,
                    "NOTIFY_SOCKET": notify.path,
                    "WATCHDOG_USEC": str(WATCHDOG_USEC),
                    "INVOCATION_ID": uuid.uuid4().hex,
                    "FOLLOWUP_LOGGING__LEVEL": "info",
                    **(env or {}),
                },
            )
        daemon = Daemon(world, proc, notify, out, err)
        started.append(daemon)
        return daemon

    yield start
    for daemon in started:
        if daemon.proc.poll() is None:
            daemon.proc.kill()
            daemon.proc.wait()
        daemon.notify.close()


def runtime(world: World, key: str) -> str | None:
    """A runtime value the daemon keeps in the store, read directly."""
    with sqlite3.connect(world.root / "state.db", timeout=5) as db:
        row = db.execute("SELECT value FROM runtime WHERE key = ?", (key,)).fetchone()
    return None if row is None else str(row[0])


def draft_states(world: World) -> list[str]:
    with sqlite3.connect(world.root / "state.db", timeout=5) as db:
        return [str(r[0]) for r in db.execute("SELECT state FROM drafts ORDER BY id")]


def status(world: World) -> dict[str, Any]:
    return json.loads(world.run("status", "--json", now=DUE).stdout)


def deliver_reply(world: World) -> None:
    """The manager answers the thread; Postfix delivers it to the seeker's INBOX."""
    rig = world.rig
    reply = world.message(
        # After the draft was queued at DUE, as the daemon's clock runs on from there.
        DUE + timedelta(minutes=1),
        ("Priya Raman", world.addr(world.manager)),
        [("Alice Moreau", world.addr(world.seeker))],
        "Re: Data Engineer role at Example: interview",
        "Hi Alice,\n\nThanks for your patience, we will decide this week.\n\nPriya",
    )
    with smtplib.SMTP(rig.host, rig.smtp_port) as smtp:
        smtp.sendmail(world.addr(world.manager), [world.addr(world.seeker)], reply)


def watching(world: World, account: str = "main") -> bool:
    """Whether every IDLE watcher of the account is connected."""
    state = runtime(world, f"connection.{account}") or ""
    return state.startswith("connected")


def fresh_world(rig: MailRig, root: Path) -> World:
    """A world on a private rig, which the test may stop and restart."""
    tag = uuid.uuid4().hex[:8]
    names = {role: f"{role}{tag}" for role in ("alice", "manager", "hr")}
    for name in names.values():
        rig.add_user(name, f"{name}-pw")
    return World(rig, root, names["alice"], names["manager"], names["hr"])


# -- systemd protocol -----------------------------------------------------------


def test_ready_watchdog_status_and_clean_stop(world: World, start_daemon: Any) -> None:
    """READY=1, STATUS= lines, a ping per second for WatchdogSec=2, then SIGTERM exits 0."""
    interview_story(world, START)
    daemon = start_daemon(world)
    assert daemon.notify.wait_for("READY=1"), daemon.output()
    ready_at = daemon.notify.times("READY=1")[0]
    time.sleep(4.5)
    pings = [t for t in daemon.notify.times("WATCHDOG=1") if t > ready_at]
    gaps = [b - a for a, b in itertools.pairwise(pings)]
    assert 3 <= len(pings) <= 6, pings
    assert max(gaps) < 1.6, gaps
    statuses = [line for line in daemon.notify.lines() if line.startswith("STATUS=")]
    assert any("last cycle" in s for s in statuses), statuses
    code, took = daemon.stop()
    assert code == 0, daemon.output()
    assert took < 10
    assert "STOPPING=1" in daemon.notify.lines()
    levels = {e["level"]: e["priority"] for e in daemon.logs()}
    assert levels["info"] == 6, daemon.output()
    assert runtime(world, "daemon.state") == "stopped"


# -- IMAP IDLE ----------------------------------------------------------------------


def test_reply_cancels_the_queued_draft_within_seconds(world: World, start_daemon: Any) -> None:
    """A reply delivered over SMTP cancels the queued draft through IDLE in under 5 s."""
    interview_story(world, START)
    world.run("run", "--once", now=DUE)
    assert draft_states(world) == ["queued"]
    daemon = start_daemon(world)
    assert daemon.notify.wait_for("READY=1"), daemon.output()
    assert wait_for(lambda: watching(world)), runtime(world, "connection.main")
    began = time.monotonic()
    deliver_reply(world)
    assert wait_for(lambda: draft_states(world) == ["cancelled"], timeout=5), daemon.output()
    took = time.monotonic() - began
    assert took < 5
    (event,) = [e for e in daemon.logs() if e["event"] == "draft cancelled"]
    assert event["draft_id"] == 1
    assert event["thread_id"]
    assert "Priya Raman replied" in event["reason"]


def test_a_broken_account_is_reported_and_never_stops_the_other(
    world: World, start_daemon: Any
) -> None:
    """A wrong password shows as `login failed` in status, is retried slowly, and the
    other account's replies still cancel its draft."""
    interview_story(world, START)
    world.run("run", "--once", now=DUE)
    rig = world.rig
    broken = f"""
[[accounts]]
name = "old"
address = "{world.addr(world.hr)}"
[accounts.imap]
host = "{rig.host}"
port = {rig.imap_port}
security = "none"
username = "{world.addr(world.hr)}"
password = "not-the-password"
"""
    world.config.write_text(world.config.read_text() + broken)
    daemon = start_daemon(world)
    assert daemon.notify.wait_for("READY=1"), daemon.output()
    assert wait_for(lambda: watching(world)), runtime(world, "connection.main")
    assert wait_for(lambda: "login failed" in (runtime(world, "connection.old") or ""))
    deliver_reply(world)
    assert wait_for(lambda: draft_states(world) == ["cancelled"], timeout=5), daemon.output()
    time.sleep(2)
    shown = status(world)
    old = next(a for a in shown["accounts"] if a["name"] == "old")
    assert "login failed" in old["connection"]
    assert any("old" in line and "login failed" in line for line in shown["attention"]), shown
    # Two watchers and one sync tried once each, then wait minutes before the next try.
    failures = rig.dovecot_log().count(f"user=<{world.hr}>")
    assert 1 <= failures <= 4, failures
    assert daemon.proc.poll() is None


# -- signals --------------------------------------------------------------------------


def test_sighup_applies_a_new_interval_and_keeps_it_over_a_broken_config(
    world: World, start_daemon: Any
) -> None:
    """SIGHUP applies a changed cycle_minutes and idle setting; a broken config is
    refused, logged, and the old one kept."""
    good = world.config.read_text()
    world.config.write_text(good + "[daemon]\ncycle_minutes = 0.05\n")
    daemon = start_daemon(world)
    assert daemon.notify.wait_for("READY=1"), daemon.output()
    assert runtime(world, "daemon.cycle_minutes") == "0.05"
    polled = good.replace("[accounts.imap]\n", "[accounts.imap]\nidle = false\n", 1)
    world.config.write_text(polled + "[daemon]\ncycle_minutes = 0.1\n")
    seen = len(daemon.notify.received)
    daemon.signal(signal.SIGHUP)
    assert daemon.notify.wait_for("READY=1", after=seen), daemon.output()
    assert "RELOADING=1" in daemon.notify.lines()
    assert runtime(world, "daemon.cycle_minutes") == "0.1"
    assert status(world)["cycle_minutes"] == 0.1
    # The watchers restarted with the new settings: without IDLE, INBOX is polled.
    assert wait_for(
        lambda: "INBOX (polled every 60 s)" in (runtime(world, "connection.main") or "")
    )
    world.config.write_text(polled + "[daemon]\ncycle_minutes = -3\n")
    seen = len(daemon.notify.received)
    daemon.signal(signal.SIGHUP)
    assert daemon.notify.wait_for("READY=1", after=seen), daemon.output()
    (refused,) = [e for e in daemon.logs() if e["event"].startswith("reload refused")]
    assert refused["priority"] == 3
    assert any("cycle_minutes" in p for p in refused["problems"]), refused
    assert runtime(world, "daemon.cycle_minutes") == "0.1"
    # Still cycling every 6 s under the kept configuration.
    last = runtime(world, "daemon.last_cycle_at")
    assert wait_for(lambda: runtime(world, "daemon.last_cycle_at") != last, timeout=10)
    assert daemon.proc.poll() is None
    code, took = daemon.stop()
    assert (code, took < 10) == (0, True), daemon.output()


class StallingSmtp:
    """A loopback SMTP server that takes the message, then answers DATA late or never."""

    def __init__(self, answer_after: float | None) -> None:
        self.answer_after = answer_after
        self.in_data = threading.Event()
        self.messages = 0
        self._server = socket.create_server(("127.0.0.1", 0))
        self.port = self._server.getsockname()[1]
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        with contextlib.suppress(OSError):
            while True:
                conn, _ = self._server.accept()
                with conn, conn.makefile("rb") as lines:
                    self._converse(conn, lines)

    def _converse(self, conn: socket.socket, lines: Any) -> None:
        conn.sendall(b"220 stalling.example.test ESMTP\r\n")
        for line in lines:
            verb = line[:4].upper()
            if verb == b"EHLO":
                conn.sendall(b"250-stalling.example.test\r\n250 8BITMIME\r\n")
            elif verb == b"DATA":
                conn.sendall(b"354 go ahead\r\n")
                while next(lines, b".\r\n") != b".\r\n":
                    pass
                self.messages += 1
                self.in_data.set()
                if self.answer_after is None:
                    time.sleep(60)  # never answers; the client gives up first
                    return
                time.sleep(self.answer_after)
                conn.sendall(b"250 2.0.0 queued\r\n")
            elif verb == b"QUIT":
                conn.sendall(b"221 bye\r\n")
                return
            else:
                conn.sendall(b"250 ok\r\n")

    def close(self) -> None:
        self._server.close()


@pytest.mark.parametrize(
    ("answer_after", "final_state"),
    [(2.0, "sent"), (None, "sending")],
    ids=["transaction-finishes", "transaction-abandoned"],
)
def test_sigterm_during_an_smtp_transaction_exits_0_within_10_s(
    world: World, start_daemon: Any, answer_after: float | None, final_state: str
) -> None:
    """SIGTERM mid-transaction: a server answering within the grace gets the send
    recorded; one that never answers is abandoned with the draft left `sending`, for
    the next start to check the Sent folder before any retry. Either way: exit 0."""
    interview_story(world, START)
    world.run("run", "--once", now=DUE)
    world.run("queue", "approve", "1", now=DUE)
    smtp = StallingSmtp(answer_after)
    config = world.config.read_text()
    section = config[config.index("[accounts.smtp]") : config.index("[logging]")]
    world.config.write_text(
        config.replace(
            section, f'[accounts.smtp]\nhost = "127.0.0.1"\nport = {smtp.port}\nsecurity = "none"\n'
        )
    )
    try:
        daemon = start_daemon(world)
        assert smtp.in_data.wait(15), daemon.output()
        code, took = daemon.stop()
    finally:
        smtp.close()
    assert code == 0, daemon.output()
    assert took < 10
    assert "STOPPING=1" in daemon.notify.lines()
    assert smtp.messages == 1
    assert draft_states(world) == [final_state]


# -- server restarts ------------------------------------------------------------------


def test_reply_while_dovecot_is_down_is_noticed_after_it_returns(
    fresh_rig: MailRig, tmp_path: Path, start_daemon: Any
) -> None:
    """Dovecot stops mid-run: status says so, the watchers reconnect, and a reply that
    arrived meanwhile cancels the draft without waiting for the next full cycle."""
    world = fresh_world(fresh_rig, tmp_path)
    interview_story(world, START)
    world.run("run", "--once", now=DUE)
    daemon = start_daemon(world)
    assert daemon.notify.wait_for("READY=1"), daemon.output()
    assert wait_for(lambda: watching(world)), runtime(world, "connection.main")
    fresh_rig.stop_dovecot()
    assert wait_for(lambda: "reconnecting" in (runtime(world, "connection.main") or ""))
    deliver_reply(world)  # Postfix queues it: its LMTP target is down.
    time.sleep(1)
    fresh_rig.start_dovecot()
    fresh_rig.flush_queue()
    assert wait_for(lambda: draft_states(world) == ["cancelled"], timeout=20), daemon.output()
    assert wait_for(lambda: watching(world)), runtime(world, "connection.main")
    assert daemon.proc.poll() is None
    code, _ = daemon.stop()
    assert code == 0


def test_approved_draft_is_sent_exactly_once_after_the_servers_return(
    fresh_rig: MailRig, tmp_path: Path, start_daemon: Any
) -> None:
    """Approved while Dovecot and Postfix are down: nothing fails, and once they are back
    the follow-up goes out exactly once, with one copy in Sent."""
    world = fresh_world(fresh_rig, tmp_path)
    world.config.write_text(world.config.read_text() + "[daemon]\ncycle_minutes = 0.05\n")
    interview_story(world, START)
    world.run("run", "--once", now=DUE)
    daemon = start_daemon(world)
    assert daemon.notify.wait_for("READY=1"), daemon.output()
    fresh_rig.stop_postfix()
    fresh_rig.stop_dovecot()
    world.run("queue", "approve", "1", now=DUE)
    time.sleep(4)  # more than a cycle with both servers gone
    assert draft_states(world) == ["approved"]
    shown = status(world)
    assert shown["accounts"][0]["sync"] == "error", shown
    fresh_rig.start_postfix()
    fresh_rig.start_dovecot()
    assert wait_for(lambda: draft_states(world) == ["sent"], timeout=30), daemon.output()
    assert wait_for(lambda: len(mailbox(world, world.manager)) == 1)
    assert wait_for(lambda: len(mailbox(world, world.hr)) == 1)
    time.sleep(4)  # another cycle: still one of each
    assert len(mailbox(world, world.manager)) == 1
    assert len(mailbox(world, world.hr)) == 1
    assert len(mailbox(world, world.seeker, "Sent")) == 3
    assert draft_states(world) == ["sent"]
    code, _ = daemon.stop()
    assert code == 0


# -- status and logs ------------------------------------------------------------------


def test_status_works_with_and_without_the_daemon(world: World, start_daemon: Any) -> None:
    """`followup status` shows the daemon, accounts, queue, next cycle and what needs
    attention, before the daemon ever ran, while it runs (when an approval is sent
    within seconds), and after it was killed."""
    interview_story(world, START)
    world.run("run", "--once", now=DUE)
    before = status(world)
    assert before["daemon"] == "never started"
    assert before["next_cycle_at"] is None
    assert before["cycle_minutes"] == 15.0
    assert before["queue"] == {"queued": 1}
    assert before["accounts"][0]["connection"].startswith("not watched")
    assert before["accounts"][0]["last_sync_at"] is not None
    store = Store.open(f"sqlite:///{world.root / 'state.db'}")
    store.record_failure("thread:t-broken", "ValueError: no template", DUE, limit=1)
    store.close()
    daemon = start_daemon(world)
    assert daemon.notify.wait_for("READY=1"), daemon.output()
    assert wait_for(lambda: watching(world)), runtime(world, "connection.main")
    running = status(world)
    assert running["daemon"] == "running"
    assert running["pid"] == daemon.proc.pid
    assert running["next_cycle_at"] > DUE.isoformat()
    assert running["accounts"][0]["connection"].startswith("connected: INBOX (IDLE)")
    assert running["attention"] == ["thread:t-broken set aside: ValueError: no template"]
    text = world.run("status", now=DUE).stdout
    assert f"daemon: running (pid {daemon.proc.pid})" in text
    assert "next cycle:" in text
    assert "needs attention" in text
    # Approved while the daemon runs: the send check sends it within seconds.
    world.run("queue", "approve", "1", now=DUE)
    assert wait_for(lambda: draft_states(world) == ["sent"], timeout=10), daemon.output()
    assert wait_for(lambda: len(mailbox(world, world.manager)) == 1)
    daemon.proc.kill()
    daemon.proc.wait()
    after = status(world)
    assert after["daemon"].startswith("not running")
    assert after["next_cycle_at"] is None
    assert after["accounts"][0]["connection"].startswith("not watched")


def test_passwords_never_reach_the_output(world: World) -> None:
    """With debug logging, neither the IMAP password nor the password_command's output
    appears in what sync, a send, or a failed login print."""
    password = world.rig.password(world.seeker)
    interview_story(world, START)
    env = {**os.environ, "FOLLOWUP_LOGGING__LEVEL": "debug", "INVOCATION_ID": "test"}

    def run(*args: str) -> str:
        argv = [FOLLOWUP, "--config", str(world.config), "--now", DUE.isoformat(), *args]
        done = subprocess.run(argv, capture_output=True, text=True, env=env, check=False)
        return done.stdout + done.stderr

    printed = run("sync") + run("run", "--once") + run("queue", "approve", "1")
    printed += run("run", "--once")
    assert "draft sent" in printed
    assert wait_for(lambda: len(mailbox(world, world.manager)) == 1)
    wrong = "Wrong-Zq9-secret"
    world.config.write_text(world.config.read_text().replace(password, wrong))
    failed = run("sync")
    assert "AUTHENTICATIONFAILED" in failed
    for secret in (password, wrong):
        assert secret not in printed + failed
