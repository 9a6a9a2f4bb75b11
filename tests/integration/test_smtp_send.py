"""daemon.mail.smtp against the private Postfix and Dovecot, and a scripted local server."""

from __future__ import annotations

import asyncio
import base64
import email
import email.policy
import email.utils
import gc
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from typing import TYPE_CHECKING, Any

import pytest
from imapclient import IMAPClient

from daemon.compose import ComposeRequest, Identity, Templates, compose
from daemon.domain import (
    Address,
    Classification,
    Decision,
    FollowupKind,
    Message,
    Stage,
    Thread,
)
from daemon.mail.errors import InsecureConnectionError
from daemon.mail.smtp import (
    PermanentSendError,
    Security,
    TemporarySendError,
    send_message,
)

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from tests.rig.mailrig import MailRig

NOW = datetime(2026, 3, 10, 9, 30, tzinfo=UTC)
DELIVERY_TIMEOUT = 15.0
TEMPLATES = Templates()


@dataclass(frozen=True)
class Sent:
    raw: bytes
    message_id: str
    original_id: str
    to: list[str]


def follow_up(rig: MailRig, *, cc_user: str = "hr") -> Sent:
    """Compose Alice's follow-up to the manager, replying to a fresh original in their INBOX."""
    manager = Address(rig.address("manager"), "Priya Raman")
    cc = (Address(rig.address(cc_user), "Acme Talent"),)
    original_id = f"<orig-{uuid.uuid4().hex}@{rig.domain}>"
    original = EmailMessage()
    original["From"] = f"Alice Example <{rig.address('alice')}>"
    original["To"] = f"Priya Raman <{manager.addr}>"
    original["Subject"] = "Backend Engineer application"
    original["Date"] = email.utils.format_datetime(NOW - timedelta(days=8))
    original["Message-ID"] = original_id
    original.set_content("Please find my application attached.")
    rig.load_messages("manager", "INBOX", [original.as_bytes()])

    sent_original = Message(
        key=original_id,
        account="alice",
        subject="Backend Engineer application",
        date=NOW - timedelta(days=8),
        from_=Address(rig.address("alice")),
        to=(manager,),
        in_sent=True,
    )
    classification = Classification(
        tracked=True,
        score=0.9,
        stage=Stage.APPLIED,
        language="en",
        participants=(),
        evidence=(),
        position="Backend Engineer",
        company="Acme",
    )
    decision = Decision(
        thread_id="t-1",
        due=True,
        reason="quiet",
        classification=classification,
        kind=FollowupKind.AFTER_APPLICATION,
        followup_number=1,
        to=(manager,),
        cc=cc,
    )
    message_id = f"<followup-{uuid.uuid4().hex}@{rig.domain}>"
    request = ComposeRequest(
        thread=Thread("t-1", "alice", "Backend Engineer application", (sent_original,)),
        decision=decision,
        identity=Identity(rig.address("alice"), "Alice Example"),
        now=NOW,
        message_id=message_id,
    )
    raw = compose(request, TEMPLATES).message.as_bytes()
    return Sent(raw, message_id, original_id, [manager.addr, cc[0].addr])


def send(
    rig: MailRig,
    sent: Sent,
    *,
    port: int,
    security: Security,
    user: str | None = "alice",
    password: str | None = None,
    ca: bool = True,
) -> str:
    return asyncio.run(
        send_message(
            sent.raw,
            mail_from=rig.address("alice"),
            rcpt_to=sent.to,
            host=rig.host,
            port=port,
            security=security,
            username=rig.address(user) if user else None,
            password=(lambda: password or rig.password("alice")) if user else None,
            ca_file=rig.ca_file if ca else None,
            timeout=10,
        )
    )


def imap(rig: MailRig, user: str) -> IMAPClient:
    client = IMAPClient(rig.host, port=rig.imap_port, ssl=False)
    client.login(user, rig.password(user))
    client.select_folder("INBOX", readonly=True)
    return client


def copies(client: IMAPClient, message_id: str) -> list[int]:
    client.noop()
    return list(client.search(["HEADER", "Message-ID", message_id]))


def await_copies(rig: MailRig, user: str, message_id: str) -> list[int]:
    """UIDs of the message in `user`'s INBOX once it arrived (and had time to arrive twice)."""
    with imap(rig, user) as client:
        deadline = time.monotonic() + DELIVERY_TIMEOUT
        while not copies(client, message_id):
            assert time.monotonic() < deadline, f"{message_id} never reached {user}"
            time.sleep(0.05)
        time.sleep(0.5)
        return copies(client, message_id)


def headers(rig: MailRig, user: str, uid: int) -> EmailMessage:
    with imap(rig, user) as client:
        data = client.fetch([uid], ["BODY.PEEK[HEADER]"])[uid][b"BODY[HEADER]"]
    return email.message_from_bytes(data, policy=email.policy.default)


def flatten(thread: Any) -> set[int]:
    if isinstance(thread, int):
        return {thread}
    return set().union(*(flatten(item) for item in thread))


# Delivery through the real servers


@pytest.mark.rig
@pytest.mark.parametrize("security", ["starttls", "tls"])
def test_follow_up_reaches_manager_and_hr_once(mailrig: MailRig, security: Security) -> None:
    """Over submission (STARTTLS) or SMTPS, each recipient gets one intact, threaded copy."""
    sent = follow_up(mailrig)
    port = mailrig.submission_port if security == "starttls" else mailrig.smtps_port
    reply = send(mailrig, sent, port=port, security=security)
    assert "queued" in reply.lower()

    for user in ("manager", "hr"):
        uids = await_copies(mailrig, user, sent.message_id)
        assert len(uids) == 1, f"{user} got {len(uids)} copies"
        got = headers(mailrig, user, uids[0])
        assert got["From"] == f"Alice Example <{mailrig.address('alice')}>"
        assert got["To"] == f"Priya Raman <{mailrig.address('manager')}>"
        assert got["Cc"] == f"Acme Talent <{mailrig.address('hr')}>"
        assert got["Subject"] == "Re: Backend Engineer application"
        assert got["Message-ID"] == sent.message_id
        assert got["In-Reply-To"] == sent.original_id
        assert got["References"] == sent.original_id
        assert "Bcc" not in got

    with imap(mailrig, "manager") as client:
        original = copies(client, sent.original_id)
        followup = copies(client, sent.message_id)
        threads = client.thread(algorithm="REFERENCES", criteria="ALL", charset="UTF-8")
    assert any({*original, *followup} <= flatten(t) for t in threads)


@pytest.mark.rig
def test_plaintext_on_loopback_without_auth(mailrig: MailRig) -> None:
    """Security "none" is allowed to a loopback server, here Postfix's port 25 stand-in."""
    sent = follow_up(mailrig)
    send(mailrig, sent, port=mailrig.smtp_port, security="none", user=None)
    assert len(await_copies(mailrig, "manager", sent.message_id)) == 1


# Failures from the real servers


@pytest.mark.rig
def test_wrong_password_is_permanent(mailrig: MailRig) -> None:
    """A rejected login is a PermanentSendError carrying the 535 reply."""
    sent = follow_up(mailrig)
    with pytest.raises(PermanentSendError) as caught:
        send(mailrig, sent, port=mailrig.submission_port, security="starttls", password="wrong")
    assert caught.value.code == 535
    assert "wrong" not in caught.value.reason


@pytest.mark.rig
# asyncio hands the socket of a failed TLS handshake to the garbage collector,
# which reports it as unclosed; collect here so it cannot surface in a later test.
@pytest.mark.filterwarnings("ignore::ResourceWarning")
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_untrusted_certificate_is_permanent(mailrig: MailRig) -> None:
    """Without the rig's CA the certificate does not verify, and nothing is sent."""
    sent = follow_up(mailrig)
    with pytest.raises(PermanentSendError, match="certificate"):
        send(mailrig, sent, port=mailrig.smtps_port, security="tls", ca=False)
    gc.collect()


@pytest.mark.rig
def test_server_down_is_temporary(fresh_rig: MailRig) -> None:
    """With Postfix stopped the connection is refused: a TemporarySendError."""
    sent = follow_up(fresh_rig)
    fresh_rig.stop_postfix()
    with pytest.raises(TemporarySendError) as caught:
        send(fresh_rig, sent, port=fresh_rig.submission_port, security="starttls")
    assert not caught.value.maybe_delivered


@pytest.mark.rig
def test_4xx_is_temporary_and_nobody_gets_a_partial_send(fresh_rig: MailRig) -> None:
    """A deferred Cc fails the whole send; once cleared, each recipient gets exactly one copy."""
    sent = follow_up(fresh_rig)
    fresh_rig.set_recipient_response(fresh_rig.address("hr"), "450 4.2.0 mailbox busy, try later")
    with pytest.raises(TemporarySendError) as caught:
        send(fresh_rig, sent, port=fresh_rig.submission_port, security="starttls")
    assert caught.value.code == 450
    assert "mailbox busy, try later" in caught.value.reason

    fresh_rig.set_recipient_response(fresh_rig.address("hr"), None)
    send(fresh_rig, sent, port=fresh_rig.submission_port, security="starttls")
    assert len(await_copies(fresh_rig, "manager", sent.message_id)) == 1
    assert len(await_copies(fresh_rig, "hr", sent.message_id)) == 1


@pytest.mark.rig
def test_5xx_is_permanent_with_reason(fresh_rig: MailRig) -> None:
    """A refused recipient is a PermanentSendError naming the address and the server's words."""
    sent = follow_up(fresh_rig)
    manager = fresh_rig.address("manager")
    fresh_rig.set_recipient_response(manager, "550 5.1.1 no such user here")
    with pytest.raises(PermanentSendError) as caught:
        send(fresh_rig, sent, port=fresh_rig.submission_port, security="starttls")
    assert caught.value.code == 550
    assert manager in caught.value.reason
    assert "no such user here" in caught.value.reason


# Refusals before any mail is sent


def send_to_fake(
    server: FakeSmtp,
    *,
    body: bytes = b"Hello",
    security: Security = "none",
    username: str | None = None,
    oauth2_token: Callable[[], str] | None = None,
) -> str:
    raw = (
        b"From: a@example.test\r\nTo: b@example.test\r\nSubject: x\r\n"
        b"Message-ID: <x@example.test>\r\n\r\n" + body + b"\r\n"
    )

    async def run(port: int) -> str:
        return await send_message(
            raw,
            mail_from="a@example.test",
            rcpt_to=["b@example.test"],
            host="127.0.0.1",
            port=port,
            security=security,
            username=username,
            password=None,
            ca_file=None,
            timeout=5,
            oauth2_token=oauth2_token,
        )

    return asyncio.run(server.serve(run))


@dataclass
class FakeSmtp:
    """A scripted SMTP server on 127.0.0.1 that records every command line."""

    extensions: list[str]
    accept_token: str = "good-token"
    hang_up_after_data: bool = False
    commands: list[bytes] = field(default_factory=list)

    async def serve(self, client: Callable[[int], Awaitable[str]]) -> str:
        sessions: list[asyncio.Task[None]] = []

        async def session(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            task = asyncio.current_task()
            assert task is not None
            sessions.append(task)
            try:
                await self._converse(reader, writer)
            finally:
                writer.close()

        server = await asyncio.start_server(session, "127.0.0.1", 0)
        try:
            return await client(server.sockets[0].getsockname()[1])
        finally:
            server.close()
            await server.wait_closed()
            # The client has hung up by now, so every session ends at end of input.
            await asyncio.gather(*sessions)

    async def _converse(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"220 fake.example.test ESMTP\r\n")
        in_data = False
        while line := await reader.readline():
            line = line.rstrip(b"\r\n")
            if in_data:
                if line == b"." and self.hang_up_after_data:
                    return
                if line == b".":
                    in_data = False
                    writer.write(b"250 2.0.0 Ok: queued as FAKE1\r\n")
                continue
            self.commands.append(line)
            writer.write(self._reply(line))
            await writer.drain()
            if line.upper() == b"DATA":
                in_data = True
            if line.upper() == b"QUIT":
                return

    def _reply(self, line: bytes) -> bytes:
        verb = line.split(b" ", 1)[0].upper()
        if verb == b"EHLO":
            lines = ["fake.example.test", *self.extensions]
            return b"".join(
                f"250{'-' if i < len(lines) - 1 else ' '}{text}\r\n".encode()
                for i, text in enumerate(lines)
            )
        if verb == b"AUTH":
            token = base64.b64decode(line.split(b" ")[2]).decode()
            if token == f"user=a@example.test\x01auth=Bearer {self.accept_token}\x01\x01":
                return b"235 2.7.0 Accepted\r\n"
            return b"334 eyJzdGF0dXMiOiI0MDEifQ==\r\n"
        return FIXED_REPLIES.get(verb, b"250 2.1.0 Ok\r\n")


# The empty line is the client's answer to a failed XOAUTH2 challenge.
FIXED_REPLIES = {
    b"": b"535 5.7.8 Username and Password not accepted\r\n",
    b"DATA": b"354 go ahead\r\n",
    b"QUIT": b"221 bye\r\n",
}


def test_starttls_required_but_not_offered() -> None:
    """With security "starttls", a server that does not offer STARTTLS gets no mail at all."""
    server = FakeSmtp(extensions=["PIPELINING", "8BITMIME"])
    with pytest.raises(PermanentSendError, match="does not offer STARTTLS"):
        send_to_fake(server, security="starttls")
    assert not any(c.upper().startswith(b"MAIL") for c in server.commands)


def test_xoauth2_sends_the_sasl_string() -> None:
    """XOAUTH2 authenticates with the user and bearer token in one SASL string."""
    server = FakeSmtp(extensions=["AUTH XOAUTH2"])
    reply = send_to_fake(server, username="a@example.test", oauth2_token=lambda: "good-token")
    assert reply == "2.0.0 Ok: queued as FAKE1"
    assert [c.split(b" ")[0] for c in server.commands] == [
        b"EHLO", b"AUTH", b"MAIL", b"RCPT", b"DATA", b"QUIT",
    ]  # fmt: skip


def test_xoauth2_rejection_is_permanent() -> None:
    """A refused token (334 challenge, then 535) is a PermanentSendError."""
    server = FakeSmtp(extensions=["AUTH XOAUTH2"])
    with pytest.raises(PermanentSendError) as caught:
        send_to_fake(server, username="a@example.test", oauth2_token=lambda: "expired")
    assert caught.value.code == 535
    assert "expired" not in caught.value.reason


def test_hang_up_after_data_may_have_delivered() -> None:
    """A connection lost after the body went out is temporary but flagged maybe_delivered."""
    server = FakeSmtp(extensions=["8BITMIME"], hang_up_after_data=True)
    with pytest.raises(TemporarySendError) as caught:
        send_to_fake(server)
    assert caught.value.maybe_delivered


def test_8bit_body_is_declared() -> None:
    """An 8-bit body is announced with BODY=8BITMIME."""
    server = FakeSmtp(extensions=["8BITMIME"])
    send_to_fake(server, body="Grüße".encode())
    assert server.commands[1] == b"MAIL FROM:<a@example.test> BODY=8BITMIME"


def test_8bit_body_needs_8bitmime() -> None:
    """An 8-bit body is not sent to a server without 8BITMIME."""
    server = FakeSmtp(extensions=[])
    with pytest.raises(PermanentSendError, match="8BITMIME"):
        send_to_fake(server, body="Grüße".encode())
    assert not any(c.upper().startswith(b"MAIL") for c in server.commands)


def test_plaintext_to_remote_host_is_refused_before_connecting(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Security "none" towards a non-loopback host raises without opening a connection."""

    def no_connection(*args: object, **kwargs: object) -> None:
        pytest.fail("send_message tried to connect")

    monkeypatch.setattr("aiosmtplib.SMTP.connect", no_connection)
    with pytest.raises(InsecureConnectionError) as caught:
        asyncio.run(
            send_message(
                b"From: a@example.test\r\nTo: b@example.test\r\n\r\nHi\r\n",
                mail_from="a@example.test",
                rcpt_to=["b@example.test"],
                host="mail.example.test",
                port=25,
                security="none",
                username=None,
                password=None,
                ca_file=None,
            )
        )
    assert isinstance(caught.value, PermanentSendError)


@pytest.mark.parametrize(
    ("raw", "rcpt_to", "problem"),
    [
        (b"To: b@example.test\r\nBcc: spy@example.test\r\n\r\nHi\r\n", ["b@example.test"], "Bcc"),
        (b"To: b@example.test\r\n\r\nHi\r\n", ["b@example.test", "spy@example.test"], "differ"),
        (b"To: b@example.test\r\n\r\nHi\r\n", ["b@example.test\r\nRCPT TO:<x@evil.test>"], "valid"),
        (b"To: b@example.test\r\n\r\nHi\r\n", [], "no envelope recipients"),
    ],
    ids=["bcc-header", "hidden-recipient", "smtp-injection", "no-recipient"],
)
def test_unsafe_envelopes_are_refused_before_connecting(
    monkeypatch: pytest.MonkeyPatch, raw: bytes, rcpt_to: list[str], problem: str
) -> None:
    """Bcc headers, recipients missing from To/Cc and malformed addresses never reach a server."""

    def no_connection(*args: object, **kwargs: object) -> None:
        pytest.fail("send_message tried to connect")

    monkeypatch.setattr("aiosmtplib.SMTP.connect", no_connection)
    with pytest.raises(PermanentSendError, match=problem):
        asyncio.run(
            send_message(
                raw,
                mail_from="a@example.test",
                rcpt_to=rcpt_to,
                host="127.0.0.1",
                port=25,
                security="none",
                username=None,
                password=None,
                ca_file=None,
            )
        )
