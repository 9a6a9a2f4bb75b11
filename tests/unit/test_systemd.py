"""sd_notify over a real unix datagram socket, and the watchdog interval."""

from __future__ import annotations

import os
import socket
import tempfile
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from daemon.systemd import Notifier

if TYPE_CHECKING:
    from collections.abc import Iterator


@pytest.fixture
def listener() -> Iterator[tuple[str, socket.socket]]:
    # A short directory: unix socket paths are limited to 108 bytes.
    with tempfile.TemporaryDirectory(prefix="fu-sd-") as tmp:
        path = str(Path(tmp) / "notify")
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
            sock.bind(path)
            sock.settimeout(2)
            yield path, sock


def received(sock: socket.socket) -> list[str]:
    return sock.recv(4096).decode().split("\n")


def test_outside_systemd_every_call_is_a_no_op() -> None:
    """Without $NOTIFY_SOCKET nothing is sent and there is no watchdog."""
    notifier = Notifier({})
    assert notifier.enabled is False
    assert notifier.notify("READY=1") is False
    assert notifier.watchdog_interval is None
    notifier.ready("running")
    notifier.stopping()


def test_ready_status_watchdog_and_stopping_reach_the_socket(
    listener: tuple[str, socket.socket],
) -> None:
    """Each message arrives as one datagram of newline-separated assignments."""
    path, sock = listener
    notifier = Notifier({"NOTIFY_SOCKET": path})
    notifier.ready("running")
    assert received(sock) == ["READY=1", "STATUS=running", f"MAINPID={os.getpid()}"]
    notifier.status("idle; last cycle: 1 queued")
    assert received(sock) == ["STATUS=idle; last cycle: 1 queued"]
    notifier.watchdog()
    assert received(sock) == ["WATCHDOG=1"]
    notifier.reloading()
    reload = received(sock)
    assert reload[0] == "RELOADING=1"
    assert reload[1].startswith("MONOTONIC_USEC=")
    assert int(reload[1].partition("=")[2]) > 0
    notifier.stopping()
    assert received(sock) == ["STOPPING=1", "STATUS=stopping"]


def test_abstract_socket_names_work() -> None:
    """A NOTIFY_SOCKET starting with @ names a socket in the abstract namespace."""
    name = f"followup-test-{uuid.uuid4().hex}"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.bind("\0" + name)
        sock.settimeout(2)
        assert Notifier({"NOTIFY_SOCKET": "@" + name}).notify("READY=1")
        assert received(sock) == ["READY=1"]


def test_watchdog_pings_at_half_the_timeout() -> None:
    """WATCHDOG_USEC=2 s gives a ping every second; another process's watchdog is not ours."""
    assert Notifier({"NOTIFY_SOCKET": "/x", "WATCHDOG_USEC": "2000000"}).watchdog_interval == 1.0
    other = {"NOTIFY_SOCKET": "/x", "WATCHDOG_USEC": "2000000", "WATCHDOG_PID": "1"}
    assert Notifier(other).watchdog_interval is None
    mine = {**other, "WATCHDOG_PID": str(os.getpid())}
    assert Notifier(mine).watchdog_interval == 1.0


def test_a_vanished_socket_never_raises(tmp_path: Path) -> None:
    """If systemd's socket is gone, notifying reports False instead of failing the daemon."""
    assert Notifier({"NOTIFY_SOCKET": str(tmp_path / "gone")}).notify("WATCHDOG=1") is False
