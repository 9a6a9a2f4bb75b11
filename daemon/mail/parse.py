"""From what a mailbox fetched to a `Message`: pure, total, cheap.

`parse_message` runs on every synced message, so it reads the header block
with a plain loop over lines instead of the `email` package (about thirty
times faster here), and it never raises: whatever cannot be read is left
empty rather than losing the message.
"""

from __future__ import annotations

import binascii
import email.parser
import email.policy
import hashlib
import html
import re
from datetime import UTC, datetime, timedelta
from email.message import Message as EmailMessage
from typing import TYPE_CHECKING, Any

from daemon.domain import Address, CalendarEvent, Message
from daemon.mail.headers import (
    bytes_to_text,
    decode_text,
    message_ids,
    normalize_message_id,
    parse_addresses,
    parse_date,
    sanitize,
)

if TYPE_CHECKING:
    from collections.abc import Iterator

    from daemon.ports import FetchedMessage

MAX_TEXT = 8000
MAX_REFERENCES = 50
#: Header blocks beyond this are spam or attacks; the start is enough.
MAX_HEADER_BYTES = 256 * 1024
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

#: The header fields `parse_message` reads; adapters may fetch only these.
HEADER_FIELDS = (
    "Message-ID",
    "Date",
    "From",
    "Sender",
    "Reply-To",
    "To",
    "Cc",
    "Subject",
    "In-Reply-To",
    "References",
    "Auto-Submitted",
    "X-Autoreply",
    "X-Autorespond",
    "Precedence",
    "List-Id",
    "List-Unsubscribe",
    "Thread-Topic",
    "Thread-Index",
    "Content-Type",
    "Content-Language",
    "Content-Transfer-Encoding",
)

_NAMES = {name.lower().encode("ascii"): name.lower() for name in (*HEADER_FIELDS, "X-GM-THRID")}
_WANTED = frozenset(_NAMES)
_LANGUAGE = re.compile(r"\s*([A-Za-z]{2})(?![A-Za-z])")
_LIST_ID = re.compile(r"<([^<>\s]+)>")
CALENDAR_TYPES = frozenset({"text/calendar", "application/ics"})
MAX_CALENDAR_BYTES = 1_000_000
MAX_CALENDARS = 4
#: Bytes of an HTML body read for its text: markup is most of it.
HTML_BYTES = 65_536
#: Nesting beyond this is an attack on the parser, not a message.
MAX_DEPTH = 20
_CONTENT_TYPE = re.compile(
    rb"^content-type[ \t]*:[ \t]*([^\r\n]*(?:\r?\n[ \t][^\r\n]*)*)", re.IGNORECASE | re.MULTILINE
)
_TRANSFER_ENCODING = re.compile(
    rb"^content-transfer-encoding[ \t]*:[ \t]*([A-Za-z0-9-]+)", re.IGNORECASE | re.MULTILINE
)
_MEDIA_TYPE = re.compile(rb"\s*([A-Za-z0-9!#$&^_.+-]+)\s*/\s*([A-Za-z0-9!#$&^_.+-]+)")
_CHARSET = re.compile(rb';\s*charset\s*=\s*"?([^";\s]+)', re.IGNORECASE)
_HTML_DROP = re.compile(r"(?is)<(script|style|head)\b.*?</\1\s*>|<!--.*?-->")
_HTML_BREAK = re.compile(r"(?i)<\s*(?:br|/p|/div|/tr|/li|/h[1-6])\b[^>]*>")
_HTML_TAG = re.compile(r"<[^>]*>")
_BLANK_RUN = re.compile(r"[ \t\r\f\v\xa0]+")
_MANY_NEWLINES = re.compile(r"\n\s*\n(?:\s*\n)+")


def read_header_fields(header: bytes) -> dict[str, str]:
    """The first occurrence of each wanted field, unfolded and undecoded.

    A plain loop over lines: measurably faster here than a multi-line regex.
    """
    raw: dict[bytes, list[bytes]] = {}
    current: list[bytes] | None = None
    for line in header[:MAX_HEADER_BYTES].split(b"\n"):
        if line[:1] in (b" ", b"\t"):
            if current is not None:
                current.append(line.rstrip(b"\r"))
            continue
        current = None
        if line in (b"", b"\r"):
            break
        name, colon, value = line.partition(b":")
        if colon:
            key = name.rstrip().lower()
            if key in _WANTED and key not in raw:
                current = raw[key] = [value.rstrip(b"\r")]
    if not raw:
        return {}
    # One decoding for all values: pieces of valid UTF-8 cut at line breaks
    # are valid UTF-8, and no value holds a line feed.
    block = b"\n".join(b"".join(parts) for parts in raw.values())
    try:
        texts = block.decode("utf-8").split("\n")
    except UnicodeDecodeError:
        texts = [bytes_to_text(b"".join(parts)) for parts in raw.values()]
    return {_NAMES[key]: text.strip() for key, text in zip(raw, texts, strict=True)}


def _synthetic_key(fields: dict[str, str]) -> str:
    material = "\n".join(fields.get(name, "") for name in ("date", "from", "to", "subject"))
    digest = hashlib.sha256(material.encode("utf-8", errors="surrogatepass")).hexdigest()
    return f"<{digest}@followup.invalid>"


def _first(addresses: tuple[Address, ...]) -> Address | None:
    return addresses[0] if addresses else None


def _plain(value: str | None) -> str | None:
    return sanitize(value) or None if value else None


def _lower(value: str | None) -> str | None:
    return sanitize(value).lower() or None if value else None


def _text(value: str | None) -> str | None:
    if value is None:
        return None
    return decode_text(value) or None


def _language(value: str | None) -> str | None:
    match = _LANGUAGE.match(value) if value else None
    return match.group(1).lower() if match else None


def _list_id(value: str | None) -> str | None:
    if not value:
        return None
    match = _LIST_ID.search(value)
    return match.group(1).lower() if match else sanitize(value).lower() or None


def _references(value: str | None) -> tuple[str, ...]:
    unique = dict.fromkeys(message_ids(value))
    return tuple(unique)[-MAX_REFERENCES:]


def _aware(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def parse_message(fetched: FetchedMessage, account: str, *, in_sent: bool) -> Message:
    """Read one fetched message; never raises on malformed input."""
    fields = read_header_fields(fetched.header)
    get = fields.get
    date_ = parse_date(get("date")) or _aware(fetched.internaldate) or EPOCH
    return Message(
        key=normalize_message_id(get("message-id")) or _synthetic_key(fields),
        account=account,
        subject=decode_text(get("subject", "")),
        date=date_,
        from_=_first(parse_addresses(get("from"))),
        to=parse_addresses(get("to")),
        cc=parse_addresses(get("cc")),
        reply_to=parse_addresses(get("reply-to")),
        sender=_first(parse_addresses(get("sender"))),
        in_reply_to=normalize_message_id(get("in-reply-to")),
        references=_references(get("references")),
        auto_submitted=_lower(get("auto-submitted")),
        x_autoreply="x-autoreply" in fields or "x-autorespond" in fields,
        precedence=_lower(get("precedence")),
        list_id=_list_id(get("list-id")),
        list_unsubscribe="list-unsubscribe" in fields,
        thread_topic=_text(get("thread-topic")),
        thread_index=_plain(get("thread-index")),
        gm_thrid=_plain(get("x-gm-thrid")),
        language_hint=_language(get("content-language")),
        body_text=(fetched.text or "")[:MAX_TEXT],
        calendar=tuple(event for part in fetched.calendars for event in parse_calendar(part)),
        in_sent=in_sent,
    )


def decode_transfer(payload: bytes, transfer_encoding: str) -> bytes:
    """Undo a Content-Transfer-Encoding, tolerating truncated or broken input."""
    encoding = transfer_encoding.strip().lower()
    try:
        if encoding == "base64":
            compact = b"".join(payload.split())
            # A partial fetch can cut a quantum in half; drop the incomplete tail.
            return binascii.a2b_base64(compact[: len(compact) - len(compact) % 4])
        if encoding == "quoted-printable":
            return binascii.a2b_qp(payload)
    except (binascii.Error, ValueError):
        return payload
    return payload


def decode_part(payload: bytes, transfer_encoding: str, charset: str | None) -> str:
    """A body part's text from its transfer encoding and charset.

    Tolerates truncated payloads (partial fetches cut anywhere), broken
    base64 and unknown charsets.
    """
    return _decode_charset(decode_transfer(payload, transfer_encoding), charset)


def _decode_charset(data: bytes, charset: str | None) -> str:
    name = (charset or "").strip().strip('"').lower()
    text: str | None = None
    if name:
        try:
            text = data.decode(name, errors="replace")
        except (LookupError, UnicodeError, ValueError):
            text = None
    if text is None:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as error:
            # A partial fetch may cut the last character in half.
            tail_cut = error.start >= len(data) - 3
            text = data.decode("utf-8" if tail_cut else "cp1252", errors="replace")
    return text.replace("\r\n", "\n").replace("\x00", "")


def html_to_text(markup: str) -> str:
    """A crude reading of an HTML body, enough to classify it."""
    text = _HTML_DROP.sub(" ", markup)
    text = _HTML_BREAK.sub("\n", text)
    text = html.unescape(_HTML_TAG.sub(" ", text))
    text = _BLANK_RUN.sub(" ", text)
    return _MANY_NEWLINES.sub("\n\n", "\n".join(line.strip() for line in text.split("\n"))).strip()


def body_type(header: bytes) -> tuple[str, str, str | None]:
    """Media type, transfer encoding and charset a header block declares.

    Missing or unreadable values take the RFC 2045 defaults (text/plain, 7bit).
    """
    declared = _CONTENT_TYPE.search(header)
    media = _MEDIA_TYPE.match(declared.group(1)) if declared else None
    kind = b"/".join(media.groups()).decode("ascii").lower() if media else "text/plain"
    charset = _CHARSET.search(declared.group(1)) if declared else None
    encoding = _TRANSFER_ENCODING.search(header)
    return (
        kind,
        encoding.group(1).decode("ascii").lower() if encoding else "7bit",
        charset.group(1).decode("ascii", "replace") if charset else None,
    )


def is_calendar(kind: str, filename: str | None) -> bool:
    return kind in CALENDAR_TYPES or (filename or "").lower().endswith(".ics")


def _header_end(raw: bytes) -> int:
    ends = [i + len(sep) for sep in (b"\r\n\r\n", b"\n\n") if (i := raw.find(sep)) >= 0]
    return min(ends, default=len(raw))


def extract_parts(raw: bytes, max_text: int = MAX_TEXT) -> tuple[str | None, tuple[bytes, ...]]:
    """The first plain-text part and the calendar parts of a whole message.

    Falls back to the first HTML part read as text. Other attachments are
    never decoded, and attached messages are not entered: their text is
    somebody else's mail.
    """
    end = _header_end(raw)
    kind, encoding, charset = body_type(raw[:end])
    if not kind.startswith(("multipart/", "message/")):
        return _single_part(raw[end:], kind, encoding, charset, max_text)
    try:
        message = email.parser.BytesParser(policy=email.policy.compat32).parsebytes(raw)
        leaves = list(_leaves(message, depth=0))
    except Exception:  # noqa: BLE001 - a message we cannot walk has no readable parts
        return None, ()
    plain = next((part for part in leaves if part.get_content_type() == "text/plain"), None)
    markup = next((part for part in leaves if part.get_content_type() == "text/html"), None)
    text = None
    if plain is not None:
        text = _part_text(plain)
    elif markup is not None:
        text = html_to_text(_part_text(markup))
    calendars = [_part_bytes(part) for part in leaves if _is_calendar_part(part)]
    found = tuple(c for c in calendars if 0 < len(c) <= MAX_CALENDAR_BYTES)
    return (text[:max_text] if text is not None else None), found[:MAX_CALENDARS]


def _single_part(
    body: bytes, kind: str, encoding: str, charset: str | None, max_text: int
) -> tuple[str | None, tuple[bytes, ...]]:
    if kind == "text/plain":
        # Encoded text is at most a third longer than what it decodes to.
        return decode_part(body[: max_text * 2], encoding, charset)[:max_text], ()
    if kind == "text/html":
        return html_to_text(decode_part(body[:HTML_BYTES], encoding, charset))[:max_text], ()
    if kind in CALENDAR_TYPES and len(body) <= MAX_CALENDAR_BYTES:
        calendar = decode_transfer(body, encoding)
        return None, (calendar,) if calendar else ()
    return None, ()


def _leaves(part: EmailMessage, depth: int) -> Iterator[EmailMessage]:
    """Leaf parts in order, skipping attachments other than calendars."""
    if part.get_content_maintype() == "message" or depth > MAX_DEPTH:
        return
    if part.is_multipart():
        children = part.get_payload()
        for child in children if isinstance(children, list) else ():
            if isinstance(child, EmailMessage):
                yield from _leaves(child, depth + 1)
    elif _is_calendar_part(part) or part.get_content_disposition() != "attachment":
        yield part


def _is_calendar_part(part: EmailMessage) -> bool:
    try:
        filename = part.get_filename()
    except (ValueError, TypeError, IndexError, LookupError):
        filename = None
    return is_calendar(part.get_content_type(), filename)


def _part_text(part: EmailMessage) -> str:
    payload = part.get_payload(decode=False)
    if not isinstance(payload, str):
        return ""
    # compat32 keeps undecodable bytes as surrogates; this gives them back.
    raw = payload.encode("utf-8", errors="surrogateescape")
    return decode_part(raw, str(part.get("Content-Transfer-Encoding", "")), _charset(part))


def _charset(part: EmailMessage) -> str | None:
    try:
        value = part.get_param("charset")
    except (ValueError, TypeError, IndexError):
        return None
    return value if isinstance(value, str) else None


def _part_bytes(part: EmailMessage) -> bytes:
    try:
        payload = part.get_payload(decode=True)
    except (ValueError, TypeError, LookupError):
        return b""
    return payload if isinstance(payload, bytes) else b""


def parse_calendar(data: bytes) -> tuple[CalendarEvent, ...]:
    """Timed events of one iCalendar object; nothing when it is unreadable."""
    # Few messages carry an invitation; the library costs start-up 40 ms.
    import icalendar  # noqa: PLC0415

    try:
        calendar = icalendar.Calendar.from_ical(data)
        method = str(calendar.get("method", "")).strip().upper()
        events = [_event(component, method) for component in calendar.walk("VEVENT")]
    except Exception:  # noqa: BLE001 - invitations come from anywhere; a bad one is skipped
        return ()
    return tuple(event for event in events if event is not None)


def _moment(prop: Any) -> datetime | None:
    value = getattr(prop, "dt", None)
    if not isinstance(value, datetime):
        # Date-only values are all-day events, never an interview slot.
        return None
    return _aware(value)


def _cal_address(prop: Any) -> Address | None:
    if prop is None:
        return None
    text = str(prop).strip()
    if text[:7].lower() != "mailto:":
        return None
    found = parse_addresses(f"<{text[7:]}>")
    if not found:
        return None
    name = getattr(prop, "params", {}).get("CN", "")
    return Address(addr=found[0].addr, name=sanitize(str(name)))


def _event(component: Any, method: str) -> CalendarEvent | None:
    start = _moment(component.get("dtstart"))
    if start is None:
        return None
    end = _moment(component.get("dtend"))
    if end is None:
        duration = getattr(component.get("duration"), "dt", None)
        end = start + duration if isinstance(duration, timedelta) else start
    attendees = component.get("attendee", [])
    if not isinstance(attendees, list):
        attendees = [attendees]
    status = str(component.get("status", "")).strip().upper()
    return CalendarEvent(
        uid=sanitize(str(component.get("uid", ""))),
        start=start,
        end=end,
        summary=decode_text(str(component.get("summary", ""))),
        organizer=_cal_address(component.get("organizer")),
        attendees=tuple(a for a in map(_cal_address, attendees) if a is not None),
        method=method,
        cancelled=status == "CANCELLED" or method == "CANCEL",
    )
