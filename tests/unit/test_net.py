"""Which hosts count as this machine for plaintext connections."""

from __future__ import annotations

import pytest

from daemon.mail.net import is_loopback

LOOPBACK = ["127.0.0.1", "127.8.9.10", "::1", "[::1]", "localhost", "LOCALHOST", "::ffff:127.0.0.1"]
ELSEWHERE = ["192.0.2.1", "0.0.0.0", "::", "mail.example.test", "localhost.example.test", ""]


@pytest.mark.parametrize("host", LOOPBACK)
def test_loopback_hosts(host: str) -> None:
    """Loopback addresses and the name localhost are local."""
    assert is_loopback(host)


@pytest.mark.parametrize("host", ELSEWHERE)
def test_other_hosts(host: str) -> None:
    """Anything else, including names that merely look local, is not."""
    assert not is_loopback(host)
