"""What only IMAP has: TLS, logins, round trips and IDLE, against the rig's Dovecot."""

from __future__ import annotations

import imaplib
import socket
import ssl
import threading
import time
from typing import TYPE_CHECKING

import pytest
import structlog
from imapclient.exceptions import IMAPClientError, LoginError

from daemon.mail.errors import InsecureConnectionError
from daemon.mail.imap import ImapMailbox
from daemon.mail.imap_responses import MAX_LITERAL
from tests.contract.harness import DovecotHarness, dovecot_harness, make_message

if TYPE_CHECKING:
    from collections.abc import Iterator

    from tests.rig.mailrig import MailRig


@pytest.fixture
def account(mailrig: MailRig) -> Iterator[DovecotHarness]:
    with dovecot_harness(mailrig) as harness:
        yield harness


@pytest.fixture
def commands(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Names of the IMAP commands sent from now on, by every connection."""
    sent: list[str] = []
    original = imaplib.IMAP4._command

    def counting(self: imaplib.IMAP4, name: str, *args: object) -> object:
        sent.append(" ".join([name, *(str(a) for a in args)])[:60])
        return original(self, name, *args)

    monkeypatch.setattr(imaplib.IMAP4, "_command", counting)
    return sent


def test_refuses_plaintext_to_a_remote_host() -> None:
    """Security "none" towards a non-loopback host is refused before connecting."""
    with pytest.raises(InsecureConnectionError):
        ImapMailbox(
            host="imap.example.test",
            port=143,
            security="none",
            username="alice",
            password=lambda: "never-used",
        )


def hostile_server(answer: bytes) -> tuple[int, threading.Thread]:
    """A loopback server that greets, then answers LOGIN with `answer`."""
    listener = socket.create_server(("127.0.0.1", 0))

    def serve() -> None:
        with listener, listener.accept()[0] as peer:
            lines = peer.makefile("rb")
            peer.sendall(b"* OK hostile\r\n")
            # imaplib asks for the capabilities while it connects.
            tag = lines.readline().split(b" ", 1)[0]
            peer.sendall(b"* CAPABILITY IMAP4rev1\r\n" + tag + b" OK done\r\n")
            lines.readline()
            peer.sendall(answer)
            peer.settimeout(10)
            # Hold the connection open until the client gives up on it.
            while peer.recv(4096):
                pass

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    return listener.getsockname()[1], thread


def test_refuses_an_oversized_literal_before_reading_it() -> None:
    """A server announcing a huge literal gets an error, not the memory it asked for.

    imaplib would allocate the announced size and wait for the bytes; the
    adapter refuses as soon as the size is read. No Dovecot sends this.
    """
    size = 50 * MAX_LITERAL
    port, server = hostile_server(b"* 1 FETCH (BODY[] {%d}\r\n" % size)
    mailbox = ImapMailbox(
        host="127.0.0.1",
        port=port,
        security="none",
        username="alice",
        password=lambda: "s3cret-never-shown",
        timeout=10,
    )
    started = time.monotonic()
    with pytest.raises(IMAPClientError, match="over the") as refused:
        mailbox.__enter__()
    assert time.monotonic() - started < 5
    assert f"{size:,}" in str(refused.value)
    assert "s3cret" not in str(refused.value)
    server.join(timeout=10)
    assert not server.is_alive()


@pytest.mark.rig
def test_tls_with_the_rig_ca_works(account: DovecotHarness, mailrig: MailRig) -> None:
    """Implicit TLS verified against the rig's CA logs in and lists folders."""
    mailbox = account.mailbox(port=mailrig.imaps_port, security="tls", ca_file=mailrig.ca_file)
    with mailbox:
        assert "INBOX" in {folder.name for folder in mailbox.list_folders()}


@pytest.mark.rig
def test_pipelined_fetches_keep_a_tls_connection_in_step(mailrig: MailRig) -> None:
    """Batches fetched ahead over TLS are all read before the next command goes out."""
    with dovecot_harness(mailrig, batch_size=2) as account:
        for n in range(7):
            account.deliver("INBOX", make_message(message_id=f"<t{n}@x.test>"))
        account.create_folder("Other")
        for n in range(3):
            account.deliver("Other", make_message(message_id=f"<o{n}@x.test>"))
        mailbox = account.mailbox(port=mailrig.imaps_port, security="tls", ca_file=mailrig.ca_file)
        with mailbox:
            changes = mailbox.sync_folder("INBOX", None, frozenset, lambda _: True)
            first = [next(iter(changes.new))]
            # A command while fetches are still in flight drains them first.
            assert mailbox.find_special("\\Sent") == "Sent"
            changes = mailbox.sync_folder("Other", None, frozenset, lambda _: True)
            assert len(first) + len(list(changes.new)) == 4


@pytest.mark.rig
def test_starttls_with_the_rig_ca_works(account: DovecotHarness, mailrig: MailRig) -> None:
    """STARTTLS on the plain port upgrades, verifies and logs in."""
    mailbox = account.mailbox(security="starttls", ca_file=mailrig.ca_file)
    with mailbox:
        assert mailbox.find_special("\\Sent") == "Sent"


@pytest.mark.rig
def test_tls_rejects_an_unknown_certificate(account: DovecotHarness, mailrig: MailRig) -> None:
    """Without the rig's CA the self-signed certificate is not trusted."""
    mailbox = account.mailbox(port=mailrig.imaps_port, security="tls")
    with pytest.raises(ssl.SSLCertVerificationError), mailbox:
        pass


@pytest.mark.rig
def test_password_is_asked_at_each_login_and_never_logged(account: DovecotHarness) -> None:
    """The password callable runs per login and its value appears in no log event."""
    calls: list[int] = []

    def password() -> str:
        calls.append(1)
        return account.secret

    with structlog.testing.capture_logs() as events:
        for _ in range(2):
            with account.mailbox(password=password) as mailbox:
                mailbox.list_folders()
        with pytest.raises(LoginError), account.mailbox(password=lambda: "wrong-secret"):
            pass
    assert len(calls) == 2
    assert not any(account.secret in repr(event) for event in events)


@pytest.mark.rig
def test_unchanged_sync_costs_the_same_round_trips_for_any_size(
    account: DovecotHarness, commands: list[str]
) -> None:
    """A sync with nothing new sends one EXAMINE, whether the folder holds 2 or 60 messages."""
    account.create_folder("Small")
    account.create_folder("Large")
    for n in range(60):
        account.deliver("Large", make_message(message_id=f"<l{n}@x.test>"))
    for n in range(2):
        account.deliver("Small", make_message(message_id=f"<s{n}@x.test>"))
    with account.mailbox() as mailbox:
        costs = []
        for folder in ("Small", "Large"):
            first = mailbox.sync_folder(folder, None, frozenset, lambda _: False)
            known = frozenset(item.id for item in first.new)
            commands.clear()
            again = mailbox.sync_folder(folder, first.cursor, lambda k=known: k, lambda _: False)
            assert again.unchanged
            costs.append(list(commands))
    assert costs[0] == [c.replace("Large", "Small") for c in costs[1]]
    assert len(costs[0]) == 1
    assert costs[0][0].startswith("EXAMINE")


@pytest.mark.rig
def test_new_messages_stream_lazily_in_batches(mailrig: MailRig, commands: list[str]) -> None:
    """One header FETCH per batch, sent as `new` is consumed, at most two batches ahead."""
    with dovecot_harness(mailrig, batch_size=10) as account:
        for n in range(45):
            account.deliver("INBOX", make_message(message_id=f"<n{n}@x.test>"))
        with account.mailbox() as mailbox:
            changes = mailbox.sync_folder("INBOX", None, frozenset, lambda _: False)
            assert not any(c.startswith("UID FETCH") for c in commands)
            stream = iter(changes.new)
            first = [next(stream) for _ in range(10)]
            assert sum(c.startswith("UID FETCH") for c in commands) == 3
            rest = list(stream)
    assert len(first) + len(rest) == 45
    assert sum(c.startswith("UID FETCH") for c in commands) == 5


@pytest.mark.rig
def test_idle_reports_new_mail_and_times_out_quietly(account: DovecotHarness) -> None:
    """idle_wait is True when mail arrives meanwhile and False when nothing happens."""
    with account.mailbox() as mailbox:
        assert mailbox.idle_capable()
        started = time.monotonic()
        assert mailbox.idle_wait("INBOX", 0.3) is False
        assert time.monotonic() - started < 5
        timer = threading.Timer(0.3, account.deliver, ("INBOX", make_message()))
        timer.start()
        try:
            assert mailbox.idle_wait("INBOX", 10) is True
        finally:
            timer.join()
        assert mailbox.sync_folder("INBOX", None, frozenset, lambda _: False).reset
