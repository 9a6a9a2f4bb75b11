"""The private Dovecot and Postfix behave like the providers the daemon will talk to.

Only the standard library talks to the servers here, so a failure points at the rig itself.
"""

from __future__ import annotations

import imaplib
import re
import smtplib
import ssl
import time
import uuid
from email.message import EmailMessage
from email.utils import make_msgid
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from tests.rig.mailrig import MailRig

pytestmark = pytest.mark.rig

REQUIRED_CAPABILITIES = {
    "IDLE",
    "CONDSTORE",
    "QRESYNC",
    "THREAD=REFERENCES",
    "SPECIAL-USE",
    "MOVE",
    "UIDPLUS",
}


def tls_context(rig: MailRig) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=rig.ca_file)


def message(rig: MailRig, sender: str, recipient: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = rig.address(sender)
    msg["To"] = rig.address(recipient)
    msg["Subject"] = "Checking in"
    msg["Message-ID"] = make_msgid(domain=rig.domain)
    msg.set_content("Hello")
    return msg


def imap_login(rig: MailRig, user: str) -> imaplib.IMAP4:
    imap = imaplib.IMAP4(rig.host, rig.imap_port)
    imap.login(user, rig.password(user))
    return imap


def await_message(rig: MailRig, user: str, message_id: str, timeout: float = 5) -> None:
    with imap_login(rig, user) as imap:
        imap.select("INBOX", readonly=True)
        deadline = time.monotonic() + timeout
        while True:
            _, data = imap.search(None, "HEADER", "Message-ID", message_id)
            if data[0]:
                return
            assert time.monotonic() < deadline, f"{message_id} never reached {user}'s INBOX"
            time.sleep(0.05)
            imap.noop()


def submit(rig: MailRig, msg: EmailMessage, user: str) -> None:
    with smtplib.SMTP(rig.host, rig.submission_port) as smtp:
        smtp.starttls(context=tls_context(rig))
        smtp.login(user, rig.password(user))
        smtp.send_message(msg)


def test_imap_plain_port_accepts_local_part_and_full_address(mailrig: MailRig) -> None:
    """On the loopback port LOGIN works without TLS, as `alice` and as `alice@example.test`."""
    for username in ("alice", mailrig.address("alice")):
        with imaplib.IMAP4(mailrig.host, mailrig.imap_port) as imap:
            status, _ = imap.login(username, mailrig.password("alice"))
            assert status == "OK"


def test_imap_plain_port_offers_starttls(mailrig: MailRig) -> None:
    """STARTTLS on the plain port verifies against the rig's CA."""
    with imaplib.IMAP4(mailrig.host, mailrig.imap_port) as imap:
        imap.starttls(tls_context(mailrig))
        status, _ = imap.login("alice", mailrig.password("alice"))
        assert status == "OK"


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_imaps_verifies_against_ca_file(mailrig: MailRig, host: str) -> None:
    """The certificate matches both the loopback address and the name localhost."""
    with imaplib.IMAP4_SSL(host, mailrig.imaps_port, ssl_context=tls_context(mailrig)) as imap:
        status, _ = imap.login("alice", mailrig.password("alice"))
        assert status == "OK"


def test_imaps_rejects_clients_that_do_not_trust_the_rig(mailrig: MailRig) -> None:
    """Without the rig's CA, verification fails: the TLS is real, not a pass-through."""
    untrusting = ssl.create_default_context()
    with pytest.raises(ssl.SSLCertVerificationError):
        imaplib.IMAP4_SSL(mailrig.host, mailrig.imaps_port, ssl_context=untrusting)


def test_imap_advertises_the_extensions_the_daemon_relies_on(mailrig: MailRig) -> None:
    """IDLE, CONDSTORE, QRESYNC, THREAD=REFERENCES, SPECIAL-USE, MOVE and UIDPLUS after login."""
    with imap_login(mailrig, "alice") as imap:
        _, data = imap.capability()
        assert set(data[0].decode().split()) >= REQUIRED_CAPABILITIES


def test_list_marks_special_use_mailboxes(mailrig: MailRig) -> None:
    """LIST shows the special-use attributes a client uses to find Sent and Drafts."""
    with imap_login(mailrig, "friend") as imap:
        _, data = imap.list()
    attributes = {}
    for line in data:
        assert isinstance(line, bytes)
        match = re.fullmatch(rb'\(([^)]*)\) "/" (.+)', line)
        assert match is not None, line
        attributes[match[2].decode()] = set(match[1].decode().split())
    for name in ("Sent", "Drafts", "Trash", "Archive", "Junk"):
        assert f"\\{name}" in attributes[name]


def test_submission_delivers_into_the_recipients_inbox(mailrig: MailRig) -> None:
    """STARTTLS plus AUTH on the submission port, then LMTP into Dovecot."""
    msg = message(mailrig, "bob", "alice")
    submit(mailrig, msg, "bob")
    await_message(mailrig, "alice", msg["Message-ID"])


def test_submission_requires_starttls_before_auth(mailrig: MailRig) -> None:
    """Like port 587 at real providers: no AUTH in the clear, no mail without AUTH."""
    with smtplib.SMTP(mailrig.host, mailrig.submission_port) as smtp:
        smtp.ehlo()
        assert not smtp.has_extn("auth")
        smtp.starttls(context=tls_context(mailrig))
        smtp.ehlo()
        assert smtp.has_extn("auth")
        with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
            smtp.sendmail(mailrig.address("bob"), [mailrig.address("alice")], b"Subject: x\r\n\r\n")
    assert refused.value.recipients[mailrig.address("alice")][0] == 554


def test_smtps_implicit_tls_delivers(mailrig: MailRig) -> None:
    """Like port 465: TLS from the first byte, then AUTH."""
    msg = message(mailrig, "bob", "hr")
    with smtplib.SMTP_SSL(mailrig.host, mailrig.smtps_port, context=tls_context(mailrig)) as smtp:
        smtp.login(mailrig.address("bob"), mailrig.password("bob"))
        smtp.send_message(msg)
    await_message(mailrig, "hr", msg["Message-ID"])


def test_plain_smtp_port_takes_local_mail_without_auth(mailrig: MailRig) -> None:
    """The plain port lets tests drop mail into a mailbox as an outside sender would."""
    msg = message(mailrig, "recruiter", "alice")
    with smtplib.SMTP(mailrig.host, mailrig.smtp_port) as smtp:
        smtp.send_message(msg)
    await_message(mailrig, "alice", msg["Message-ID"])


def test_wrong_password_gets_535(mailrig: MailRig) -> None:
    """SMTP AUTH goes through Dovecot's passdb and fails like a real provider."""
    with smtplib.SMTP(mailrig.host, mailrig.submission_port) as smtp:
        smtp.starttls(context=tls_context(mailrig))
        with pytest.raises(smtplib.SMTPAuthenticationError) as failed:
            smtp.login("bob", "not-bobs-password")
    assert failed.value.smtp_code == 535


def test_unknown_user_gets_550_at_rcpt(mailrig: MailRig) -> None:
    """Postfix knows the mailboxes, so an unknown address fails at RCPT, not with a bounce."""
    nobody = mailrig.address("nobody")
    with (
        smtplib.SMTP(mailrig.host, mailrig.smtp_port) as smtp,
        pytest.raises(smtplib.SMTPRecipientsRefused) as refused,
    ):
        smtp.send_message(message(mailrig, "bob", "alice"), to_addrs=[nobody])
    assert refused.value.recipients[nobody][0] == 550


def test_outside_domains_are_refused_and_nothing_leaves(mailrig: MailRig) -> None:
    """Even an authenticated sender cannot relay: the rig never talks to the outside world."""
    outside = "someone@example.com"
    with smtplib.SMTP(mailrig.host, mailrig.submission_port) as smtp:
        smtp.starttls(context=tls_context(mailrig))
        smtp.login("bob", mailrig.password("bob"))
        with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
            smtp.send_message(message(mailrig, "bob", "alice"), to_addrs=[outside])
    assert refused.value.recipients[outside][0] == 550
    assert f"to=<{outside}>, relay=" not in mailrig.postfix_log()


def test_load_messages_is_visible_over_imap(mailrig: MailRig) -> None:
    """2,000 files written straight into a new folder show up in SELECT, dated by Date."""
    tag = uuid.uuid4().hex
    folder = f"Load/{tag}"
    messages = (
        f"From: {mailrig.address('recruiter')}\r\nTo: {mailrig.address('bob')}\r\n"
        f"Date: Mon, 06 Jan 2025 10:00:00 +0000\r\nSubject: Role {n}\r\n"
        f"Message-ID: <{n}.{tag}@example.test>\r\n\r\nHello {n}\r\n".encode()
        for n in range(2000)
    )
    assert mailrig.load_messages("bob", folder, messages, flags={"\\Seen"}) == 2000
    with imap_login(mailrig, "bob") as imap:
        _, exists = imap.select(folder, readonly=True)
        _, fetched = imap.fetch("1", "(INTERNALDATE FLAGS)")
    assert exists == [b"2000"]
    first = fetched[0]
    assert isinstance(first, bytes)
    assert b'INTERNALDATE "06-Jan-2025 10:00:00 +0000"' in first
    assert b"\\Seen" in first


def test_recipient_response_makes_postfix_defer_until_cleared(mailrig: MailRig) -> None:
    """set_recipient_response takes effect at the next connection, and None undoes it."""
    manager = mailrig.address("manager")
    mailrig.set_recipient_response(manager, "450 4.2.0 Mailbox busy, try later")
    try:
        with (
            smtplib.SMTP(mailrig.host, mailrig.smtp_port) as smtp,
            pytest.raises(smtplib.SMTPRecipientsRefused) as refused,
        ):
            smtp.send_message(message(mailrig, "bob", "manager"))
        code, text = refused.value.recipients[manager]
        assert code == 450
        assert b"try later" in text
    finally:
        mailrig.set_recipient_response(manager, None)
    msg = message(mailrig, "bob", "manager")
    with smtplib.SMTP(mailrig.host, mailrig.smtp_port) as smtp:
        smtp.send_message(msg)
    await_message(mailrig, "manager", msg["Message-ID"])


def test_add_user_while_running(mailrig: MailRig) -> None:
    """A user added mid-session can receive mail and log in straight away."""
    name = f"temp-{uuid.uuid4().hex[:8]}"
    mailrig.add_user(name, f"{name}-secret")
    msg = message(mailrig, "bob", name)
    submit(mailrig, msg, "bob")
    await_message(mailrig, name, msg["Message-ID"])


def test_restarts_keep_ports_and_queued_mail(fresh_rig: MailRig) -> None:
    """Servers come back on the same ports, and mail queued while Dovecot was down arrives."""
    imap_port, smtp_port = fresh_rig.imap_port, fresh_rig.smtp_port
    fresh_rig.stop_dovecot()
    with pytest.raises(ConnectionRefusedError):
        imaplib.IMAP4(fresh_rig.host, imap_port)
    msg = message(fresh_rig, "bob", "alice")
    with smtplib.SMTP(fresh_rig.host, smtp_port) as smtp:
        smtp.send_message(msg)
    fresh_rig.start_dovecot()
    with imaplib.IMAP4(fresh_rig.host, imap_port) as imap:
        imap.login("alice", fresh_rig.password("alice"))
    fresh_rig.flush_queue()
    await_message(fresh_rig, "alice", msg["Message-ID"], timeout=10)

    fresh_rig.stop_postfix()
    with pytest.raises(ConnectionRefusedError):
        smtplib.SMTP(fresh_rig.host, smtp_port)
    fresh_rig.start_postfix()
    with smtplib.SMTP(fresh_rig.host, smtp_port) as smtp:
        assert smtp.noop()[0] == 250
