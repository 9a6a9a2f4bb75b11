"""Sending one approved message over SMTP: a thin adapter around aiosmtplib.

Failures come out as exactly two kinds, so the caller only decides between
"retry later" (`TemporarySendError`) and "tell the user" (`PermanentSendError`).
The envelope is always explicit: recipients are never read from headers.
A plaintext connection to another machine is refused before connecting.
"""

from __future__ import annotations

import base64
import ssl
from email import policy
from email.errors import MessageError
from email.parser import BytesHeaderParser
from typing import TYPE_CHECKING, Literal

import aiosmtplib

from daemon.compose import is_addr_spec
from daemon.mail.errors import InsecureConnectionError
from daemon.mail.net import is_loopback

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from pathlib import Path

Security = Literal["tls", "starttls", "none"]

#: TLS failures that retrying cannot fix: the port or the certificate is wrong.
_PERMANENT_TLS_REASONS = frozenset(
    {"WRONG_VERSION_NUMBER", "UNSUPPORTED_PROTOCOL", "TLSV1_ALERT_PROTOCOL_VERSION"}
)
_SMTP_AUTH_OK = 235
_SMTP_AUTH_CONTINUE = 334


class SendError(Exception):
    """Sending failed; `reason` is fit to show the user and never holds a secret."""

    def __init__(self, reason: str, *, code: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.code = code


class TemporarySendError(SendError):
    """Worth retrying later (4xx reply, network trouble).

    `maybe_delivered` is set when the connection failed after the message
    body went out: the server may have accepted it, so check before resending.
    """

    def __init__(
        self, reason: str, *, code: int | None = None, maybe_delivered: bool = False
    ) -> None:
        super().__init__(reason, code=code)
        self.maybe_delivered = maybe_delivered


class PermanentSendError(SendError):
    """Retrying will not help (5xx reply, bad credentials, broken TLS setup)."""


class InsecureSmtpError(PermanentSendError, InsecureConnectionError):
    """Plaintext SMTP towards another machine: a send failure and the adapters' shared error."""


async def send_message(
    raw: bytes,
    *,
    mail_from: str,
    rcpt_to: list[str],
    host: str,
    port: int,
    security: Security,
    username: str | None,
    password: Callable[[], str] | None,
    ca_file: Path | None,
    timeout: float = 30.0,  # noqa: ASYNC109 - aiosmtplib applies it to each command
    oauth2_token: Callable[[], str] | None = None,
) -> str:
    """Deliver `raw` to every address in `rcpt_to`, or to none of them.

    Returns the server's final reply text (e.g. ``2.0.0 Ok: queued as ...``).
    """
    _check_envelope(raw, mail_from, rcpt_to)
    if security == "none" and not is_loopback(host):
        raise InsecureSmtpError(
            f"refusing plaintext SMTP to {host}: use security 'tls' or 'starttls'"
        )
    if username is not None and password is None and oauth2_token is None:
        raise PermanentSendError("a username is configured but no password or OAuth2 token")
    context = (
        None
        if security == "none"
        else ssl.create_default_context(cafile=str(ca_file) if ca_file else None)
    )
    smtp = aiosmtplib.SMTP(
        hostname=host,
        port=port,
        timeout=timeout,
        use_tls=security == "tls",
        start_tls=False,
        tls_context=context,
    )
    data_started = False
    try:
        await smtp.connect()
        if context is not None and security == "starttls":
            await _starttls(smtp, context, host, port)
        if username is not None:
            await _authenticate(smtp, username, password, oauth2_token)
        await _ensure_ehlo(smtp)
        await smtp.mail(mail_from, options=_mail_options(smtp, raw))
        for recipient in rcpt_to:
            # A refused recipient aborts before DATA: nobody gets a partial send.
            await smtp.rcpt(recipient)
        data_started = True
        response = await smtp.data(raw)
    except SendError:
        smtp.close()
        raise
    except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
        smtp.close()
        raise _classify(exc, host, port, in_data=data_started) from exc
    await _quit_quietly(smtp)
    return response.message


def _check_envelope(raw: bytes, mail_from: str, rcpt_to: list[str]) -> None:
    """The envelope must name exactly the header recipients, and no Bcc may travel."""
    problems = [
        f"{address!r} is not a valid envelope address"
        for address in (mail_from, *rcpt_to)
        if not is_addr_spec(address)
    ]
    if not rcpt_to:
        problems.append("no envelope recipients")
    headers = BytesHeaderParser(policy=policy.default).parsebytes(raw)
    names = {name.lower() for name in headers}
    if names & {"bcc", "resent-bcc"}:
        problems.append("the message has a Bcc header")
    try:
        listed = {
            address.addr_spec.lower()
            for field in ("to", "cc")
            for header in headers.get_all(field, [])
            for address in getattr(header, "addresses", ())
        }
    except (ValueError, IndexError, AttributeError, MessageError) as exc:
        raise PermanentSendError(f"the To or Cc header cannot be read: {exc}") from exc
    if {r.lower() for r in rcpt_to} != listed:
        problems.append(
            "envelope recipients differ from the To and Cc headers:"
            f" {sorted(rcpt_to)} != {sorted(listed)}"
        )
    if problems:
        raise PermanentSendError("; ".join(problems))


async def _starttls(smtp: aiosmtplib.SMTP, context: ssl.SSLContext, host: str, port: int) -> None:
    await smtp.ehlo()
    if not smtp.supports_extension("starttls"):
        raise PermanentSendError(
            f"{host}:{port} does not offer STARTTLS; refusing to continue in plaintext"
        )
    await smtp.starttls(tls_context=context)


async def _authenticate(
    smtp: aiosmtplib.SMTP,
    username: str,
    password: Callable[[], str] | None,
    oauth2_token: Callable[[], str] | None,
) -> None:
    if oauth2_token is not None:
        await _auth_xoauth2(smtp, username, oauth2_token())
    elif password is not None:
        await smtp.login(username, password())


async def _auth_xoauth2(smtp: aiosmtplib.SMTP, username: str, token: str) -> None:
    sasl = f"user={username}\x01auth=Bearer {token}\x01\x01".encode()
    await _ensure_ehlo(smtp)
    response = await smtp.execute_command(b"AUTH", b"XOAUTH2", base64.b64encode(sasl))
    if response.code == _SMTP_AUTH_CONTINUE:
        # The challenge carries a JSON error; an empty reply fetches the final status.
        response = await smtp.execute_command(b"")
    if response.code != _SMTP_AUTH_OK:
        raise aiosmtplib.SMTPAuthenticationError(response.code, response.message)


async def _ensure_ehlo(smtp: aiosmtplib.SMTP) -> None:
    if smtp.is_ehlo_or_helo_needed:
        await smtp.ehlo()


def _mail_options(smtp: aiosmtplib.SMTP, raw: bytes) -> list[str]:
    if raw.isascii():
        return []
    if not smtp.supports_extension("8bitmime"):
        raise PermanentSendError("the message has 8-bit content but the server lacks 8BITMIME")
    return ["BODY=8BITMIME"]


async def _quit_quietly(smtp: aiosmtplib.SMTP) -> None:
    # The message is already accepted: a failing QUIT must not look like a failed send.
    try:
        await smtp.quit()
    except (aiosmtplib.SMTPException, OSError, TimeoutError):
        smtp.close()


def _classify(exc: BaseException, host: str, port: int, *, in_data: bool) -> SendError:
    where = f"{host}:{port}"
    for cause in _chain(exc):
        if isinstance(cause, ssl.SSLCertVerificationError):
            return PermanentSendError(
                f"{where}: TLS certificate not trusted ({cause.verify_message})"
            )
        if isinstance(cause, ssl.SSLError) and cause.reason in _PERMANENT_TLS_REASONS:
            return PermanentSendError(
                f"{where}: TLS handshake failed ({cause.reason});"
                " does the port match the security setting?"
            )
    if isinstance(exc, aiosmtplib.SMTPResponseException):
        reason = f"{exc.code} {exc.message}"
        if isinstance(exc, aiosmtplib.SMTPRecipientRefused):
            reason = f"{exc.recipient}: {reason}"
        if 400 <= exc.code < 500:  # noqa: PLR2004 - SMTP reply classes
            return TemporarySendError(reason, code=exc.code)
        return PermanentSendError(reason, code=exc.code)
    # aiosmtplib's disconnect and timeout errors are ConnectionError and TimeoutError too.
    if isinstance(exc, OSError | TimeoutError):
        return TemporarySendError(f"{where}: {exc}", maybe_delivered=in_data)
    return PermanentSendError(f"{where}: {exc}")


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__
