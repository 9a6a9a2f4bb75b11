"""Decoding of raw header values: never raises, never lets structure leak.

Mail headers come from strangers. Everything here accepts any input and
returns the best reading it can, with control characters removed, so that a
display name or subject can be shown and greeted with but can never smuggle
a line break, a header or an extra recipient into anything built from it.
"""

from __future__ import annotations

import binascii
import codecs
import functools
import re
from datetime import UTC, datetime, timedelta, timezone
from email.utils import parsedate_tz

from daemon.domain import Address

#: Raw header lines are usually UTF-8 (RFC 6532); legacy 8-bit is mostly cp1252.
_FALLBACK_CHARSET = "cp1252"

_ENCODED_WORD = re.compile(r"=\?([^?\s*]+)(?:\*[^?\s]*)?\?([bBqQ])\?([^?\s]*)\?=")

#: Line breaks and tabs become spaces; other C0/C1 controls and the Unicode
#: characters that reorder or break displayed text are dropped.
_UNSAFE = {
    **dict.fromkeys(range(0x20), None),
    **dict.fromkeys(range(0x7F, 0xA0), None),
    **dict.fromkeys((0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x85, 0x2028, 0x2029), " "),
    **dict.fromkeys((*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200E, 0x200F), None),
}
_PLAIN_PRINTABLE = re.compile(r"[ -~]*")

#: Characters never accepted inside an id or address: they hide or reorder text.
_CONTROLS = "\x00-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069"
_ID_CHAR = rf"[^<>()\s{_CONTROLS}]"
_MSG_ID = re.compile(rf"<\s*({_ID_CHAR}+@{_ID_CHAR}+?)\s*>")
_BARE_MSG_ID = re.compile(rf"{_ID_CHAR}+@{_ID_CHAR}+")

_ADDR_TOKEN = re.compile(
    r"""
      (?P<ew>=\?[^?\s]+\?[bBqQ]\?[^?\s]*\?=)
    | (?P<quoted>"(?:[^"\\]|\\.)*"?)
    | (?P<angle><[^<>]*>?)
    | (?P<comment>\()
    | (?P<sep>[,;])
    | (?P<colon>:)
    | (?P<text>[^"<(,;:=]+|=)
    """,
    re.VERBOSE | re.DOTALL,
)
_QUOTED_PAIR = re.compile(r"\\(.)", re.DOTALL)
_ATOM_CHAR = rf"[^\s{_CONTROLS}<>()\[\],;:\\\"@.]"
_LOCAL_ATOM = re.compile(rf"{_ATOM_CHAR}+(?:\.{_ATOM_CHAR}+)*")
_LOCAL_QUOTED = re.compile(rf'"(?:[^"\\{_CONTROLS}]|\\[^{_CONTROLS}])*"')
_DOMAIN = re.compile(rf"(?:{_ATOM_CHAR}+\.)*{_ATOM_CHAR}+|\[[^\s{_CONTROLS}\[\]\\]+\]")

_NEEDS_TOKENIZER = re.compile(r"[(\\:;]|=\?")
_SIMPLE_MAILBOX = re.compile(r'\s*([^\s<>"]+)\s*|\s*(?:"([^"\\]*)"|([^<>"]*))\s*<([^<>"]*)>\s*')
_ATEXT = r"[A-Za-z0-9!#$%&'*+/^_`{|}~-]+"
_COMMON_ADDR = re.compile(rf"{_ATEXT}(?:\.{_ATEXT})*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*")
_MONTHS = {
    name: number
    for number, name in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1
    )
}
_COMMON_DATE = re.compile(
    r"\s*(?:[A-Za-z]{3},\s*)?(\d{1,2})\s+([A-Za-z]{3})\s+(\d{4})\s+"
    r"(\d{2}):(\d{2})(?::(\d{2}))?\s+([+-])(\d{2})(\d{2})(?:\s.*)?",
    re.DOTALL,
)

#: Bounds that keep pathological headers cheap to read.
MAX_ADDRESSES = 200
MAX_VALUE_CHARS = 64_000
_CACHED_VALUE_CHARS = 1000


def bytes_to_text(raw: bytes) -> str:
    """Read raw header bytes as UTF-8, or as the usual legacy charset."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode(_FALLBACK_CHARSET, errors="replace")


def sanitize(text: str) -> str:
    """Drop control and bidi characters and collapse whitespace."""
    if _PLAIN_PRINTABLE.fullmatch(text):
        return " ".join(text.split())
    return " ".join(text.translate(_UNSAFE).split())


@functools.lru_cache(maxsize=128)
def _codec(charset: str) -> str:
    """A text codec for a declared charset; UTF-8 when unknown or not text."""
    try:
        name = codecs.lookup(charset.strip().lower()).name
        b"".decode(name)
    except (LookupError, ValueError):
        return "utf-8"
    return name


def _decode_word(encoding: str, text: str) -> bytes | None:
    try:
        if encoding in "bB":
            return binascii.a2b_base64(text + "=" * (-len(text) % 4))
        return binascii.a2b_qp(text.encode("ascii", errors="replace"), header=True)
    except (binascii.Error, ValueError):
        return None


def _to_text(data: bytes, codec: str) -> str:
    try:
        return data.decode(codec, errors="replace")
    except (UnicodeError, LookupError, ValueError):
        return data.decode("utf-8", errors="replace")


def decode_words(value: str) -> str:
    """Decode RFC 2047 encoded words; undecodable ones stay as written.

    Adjacent words in one charset are joined before decoding because
    encoders split multi-byte characters across words; the whitespace
    between adjacent words is not part of the text (RFC 2047, 6.2).
    """
    if "=?" not in value:
        return value
    out: list[str] = []
    pending = bytearray()
    pending_codec = ""
    pos = 0
    for match in _ENCODED_WORD.finditer(value):
        gap = value[pos : match.start()]
        decoded = _decode_word(match.group(2), match.group(3))
        codec = _codec(match.group(1)) if decoded is not None else ""
        if gap and not (pending and gap.isspace()):
            if pending:
                out.append(_to_text(bytes(pending), pending_codec))
                pending.clear()
            out.append(gap)
        pos = match.end()
        if pending and (decoded is None or codec != pending_codec):
            out.append(_to_text(bytes(pending), pending_codec))
            pending.clear()
        if decoded is None:
            out.append(match.group(0))
            continue
        pending_codec = codec
        pending += decoded
    if pending:
        out.append(_to_text(bytes(pending), pending_codec))
    out.append(value[pos:])
    return "".join(out)


def decode_text(value: str) -> str:
    """A displayable single line from an unstructured header value."""
    return sanitize(decode_words(value[:MAX_VALUE_CHARS]))


def normalize_message_id(value: str | None) -> str | None:
    """`<local@domain>` from a Message-ID-like value, or None.

    Comments and surrounding whitespace go; the id keeps its case because
    message-ids are compared exactly.
    """
    if not value:
        return None
    text = _strip_comments(value[:MAX_VALUE_CHARS]) if "(" in value else value
    match = _MSG_ID.search(text)
    if match:
        return f"<{match.group(1)}>"
    bare = _BARE_MSG_ID.search(text)
    if bare and "<" not in text and ">" not in text:
        return f"<{bare.group(0)}>"
    return None


def message_ids(value: str | None) -> list[str]:
    """Every message-id in a References-like value, in order."""
    if not value:
        return []
    text = _strip_comments(value) if "(" in value else value
    return [f"<{m}>" for m in _MSG_ID.findall(text)]


def _strip_comments(text: str) -> str:
    out: list[str] = []
    depth = 0
    escaped = False
    for char in text:
        if escaped:
            escaped = False
            if depth == 0:
                out.append(char)
            continue
        if char == "\\":
            escaped = True
            if depth == 0:
                out.append(char)
        elif char == "(":
            depth += 1
        elif char == ")" and depth:
            depth -= 1
        elif depth == 0:
            out.append(char)
    return " ".join("".join(out).split())


def parse_date(value: str | None) -> datetime | None:
    """The Date header as an aware UTC datetime, or None if unreadable.

    An unknown zone ("-0000" or none at all) is read as UTC.
    """
    if not value:
        return None
    common = _COMMON_DATE.fullmatch(value)
    if common:
        return _common_date(common)
    try:
        parts = parsedate_tz(value[:200])
        if parts is None:
            return None
        offset = parts[9] or 0
        zone = timezone(timedelta(seconds=offset))
        return datetime(*parts[:6], tzinfo=zone).astimezone(UTC)
    except (ValueError, OverflowError, TypeError, IndexError):
        return None


@functools.lru_cache(maxsize=64)
def _zone(sign: str, hours: str, minutes: str) -> timezone:
    offset = timedelta(hours=int(hours), minutes=int(minutes))
    return timezone(-offset if sign == "-" else offset)


def _common_date(match: re.Match[str]) -> datetime | None:
    """The RFC 5322 date layout nearly every mailer writes, read directly."""
    day, month, year, hour, minute, second, sign, zone_h, zone_m = match.groups()
    month_number = _MONTHS.get(month.lower())
    if month_number is None:
        return None
    try:
        moment = datetime(
            int(year),
            month_number,
            int(day),
            int(hour),
            int(minute),
            int(second or 0),
            tzinfo=_zone(sign, zone_h, zone_m),
        )
        return moment.astimezone(UTC)
    except (ValueError, OverflowError):
        return None


def _consume_comment(value: str, start: int) -> tuple[str, int]:
    """The text of the (possibly nested) comment opening at `start`."""
    depth = 0
    out: list[str] = []
    pos = start
    while pos < len(value):
        char = value[pos]
        pos += 1
        if char == "\\" and pos < len(value):
            out.append(value[pos])
            pos += 1
            continue
        if char == "(":
            depth += 1
            if depth == 1:
                continue
        elif char == ")":
            depth -= 1
            if depth == 0:
                break
        out.append(char)
    return "".join(out), pos


class _Element:
    """One comma-separated entry of an address list, as it is scanned."""

    __slots__ = ("angle", "comments", "phrase")

    def __init__(self) -> None:
        self.phrase: list[str] = []
        self.angle: str | None = None
        self.comments: list[str] = []

    def add(self, kind: str | None, token: str) -> None:
        if kind == "angle":
            if self.angle is None:
                self.angle = token[1:].removesuffix(">")
        elif kind == "quoted":
            self.phrase.append(_QUOTED_PAIR.sub(r"\1", token[1:].removesuffix('"')))
        else:
            self.phrase.append(token)

    def address(self) -> Address | None:
        if self.angle is not None:
            spec = self.angle
            name = "".join(self.phrase)
        else:
            spec = "".join(self.phrase)
            name = ""
        addr = _addr_spec(spec)
        if addr is None:
            return None
        if not name.strip():
            name = " ".join(self.comments)
        return Address(addr=addr, name=decode_text(name))


def _addr_spec(spec: str) -> str | None:
    spec = spec.strip()
    if _COMMON_ADDR.fullmatch(spec):
        return spec.lower()
    if spec.startswith("@") or ":" in spec:
        # An obsolete source route ("<@relay:user@host>"): the mailbox is after it.
        spec = spec.rpartition(":")[2]
    local, at, domain = spec.rpartition("@")
    local = local.strip()
    domain = domain.strip()
    if not at or not local or not domain or "=?" in spec or "?=" in spec:
        return None
    if not (_LOCAL_ATOM.fullmatch(local) or _LOCAL_QUOTED.fullmatch(local)):
        return None
    if not _DOMAIN.fullmatch(domain):
        return None
    return f"{local}@{domain}".lower()


def parse_addresses(value: str | None) -> tuple[Address, ...]:
    """Addresses from an address-list header, undecoded raw value in.

    The list structure is read before any RFC 2047 decoding, and encoded
    words are scanned as single tokens, so whatever a display name decodes
    to (commas, brackets, line breaks) stays inside that one name.
    """
    if not value:
        return ()
    if len(value) <= _CACHED_VALUE_CHARS:
        return _parse_addresses_cached(value)
    return _parse_addresses(value[:MAX_VALUE_CHARS])


@functools.lru_cache(maxsize=4096)
def _parse_addresses_cached(value: str) -> tuple[Address, ...]:
    # The same few correspondents fill a mailbox; results are immutable.
    return _parse_addresses(value)


def _parse_addresses(value: str) -> tuple[Address, ...]:
    if not _NEEDS_TOKENIZER.search(value):
        simple = _parse_simple_list(value)
        if simple is not None:
            return simple
    return _tokenize_addresses(value)


def _parse_simple_list(value: str) -> tuple[Address, ...] | None:
    """The common case without quotes, comments or encoded words, or None."""
    found: list[Address] = []
    for element in value.split(",", MAX_ADDRESSES):
        if not element or element.isspace():
            continue
        match = _SIMPLE_MAILBOX.fullmatch(element)
        if match is None:
            return None
        bare, quoted, name, spec = match.groups()
        addr = _addr_spec(bare if bare is not None else spec)
        if addr is not None:
            found.append(Address(addr=addr, name=sanitize(quoted or name or "")))
    return tuple(found[:MAX_ADDRESSES])


def _tokenize_addresses(value: str) -> tuple[Address, ...]:
    found: list[Address] = []
    current = _Element()
    pos = 0
    end = len(value)
    while pos < end and len(found) < MAX_ADDRESSES:
        match = _ADDR_TOKEN.match(value, pos)
        if match is None:  # pragma: no cover - the text branch matches any char
            break
        kind = match.lastgroup
        token = match.group(0)
        pos = match.end()
        if kind == "comment":
            comment, pos = _consume_comment(value, match.start())
            current.comments.append(comment)
            current.phrase.append(" ")
        elif kind == "sep":
            _finish(current, found)
            current = _Element()
        elif kind == "colon":
            if current.angle is None:
                # A group name ("Team: a@x, b@y;") labels, it is no address.
                current = _Element()
            else:
                current.phrase.append(token)
        else:
            current.add(kind, token)
    _finish(current, found)
    return tuple(found)


def _finish(element: _Element, found: list[Address]) -> None:
    if len(found) >= MAX_ADDRESSES:
        return
    address = element.address()
    if address is not None:
        found.append(address)
