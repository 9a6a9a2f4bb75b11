"""Reading IMAP FETCH responses and BODYSTRUCTUREs: pure and fast.

`read_responses` takes the responses off the wire as imaplib would, as
text lines with the literals cut out, at a fraction of imaplib's cost per
line. imapclient's general parser lexes them one character at a time, which
costs more than the whole server round trip on a 20,000-message sync; the
regular-expression readers here do the same job an order of magnitude faster.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

from daemon.mail.parse import (
    CALENDAR_TYPES,
    HTML_BYTES,
    MAX_CALENDAR_BYTES,
    MAX_CALENDARS,
    MAX_DEPTH,
    MAX_TEXT,
    body_type,
    decode_part,
    decode_transfer,
    html_to_text,
    is_calendar,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Collection, Iterable

#: imaplib's bound on one response line.
MAX_LINE = 1_000_000
#: The largest literal taken from a server. followup fetches header fields,
#: the start of a text part, invitations and the user's own drafts; reading
#: a literal allocates its announced size first, so a hostile or broken
#: server could otherwise exhaust memory with one line.
MAX_LITERAL = 64 * 1024 * 1024
#: Bytes fetched from the start of a text part: enough for MAX_TEXT characters
#: even in base64; HTML needs more because markup is most of it.
PLAIN_FETCH_BYTES = 12_288

# One token with its leading blanks; the last alternative catches anything
# else, so nothing is skipped silently.
_TOKENS = re.compile(
    rb"""[ \t\r\n]*(?:
      (\()
    | (\))
    | (")((?:[^"\\]|\\.)*)"
    | ([^\s()"{\[]+(?:\[[^\]]*\])?(?:<[0-9.]+>)?)
    | (.)
    )""",
    re.VERBOSE | re.DOTALL,
)
_LITERAL_MARK = re.compile(rb"\{\d+\+?\}\Z")
_LITERAL_SIZE = re.compile(rb"\{(\d+)\}\Z")
# imaplib's two forms: "* NAME data" and "* 12 NAME data".
_UNTAGGED = re.compile(rb"\* (?:(\d+) )?([A-Z-]+)(?: (.*))?")
_ESCAPE = re.compile(rb"\\(.)", re.DOTALL)

# A header FETCH response whose one literal is the header item.
_HEAD_PREFIX = re.compile(
    rb"(\d+) \((.*)BODY\[HEADER\.FIELDS [^\]]*\](?:<\d+>)? \{\d+\}", re.DOTALL | re.IGNORECASE
)
_HEADER_SECTION = b"BODY[HEADER.FIELDS "
_NO_HEADER = object()
# A body-part FETCH response holding only its UID and one literal item.
_UID_AND_LITERAL = re.compile(rb'\d+ \(UID (\d+) ([^\s()"{\[]+\[[^\]]*\](?:<[0-9.]+>)?) \{\d+\}')
_UID_ITEM = re.compile(rb"(?:^|[ (])UID (\d+)")
_FLAGS_ITEM = re.compile(rb"FLAGS \(([^)]*)\)")
_DATE_ITEM = re.compile(rb'INTERNALDATE "([^"]*)"')
_THRID_ITEM = re.compile(rb"X-GM-THRID (\d+)")

_INTERNALDATE = re.compile(
    rb" ?(\d{1,2})-([A-Za-z]{3})-(\d{4}) (\d{2}):(\d{2}):(\d{2}) ([+-])(\d{2})(\d{2})"
)
_MONTH_NAMES = b"jan feb mar apr may jun jul aug sep oct nov dec".split()
_MONTHS = {name: number for number, name in enumerate(_MONTH_NAMES, 1)}
_SEQUENCE_SET = re.compile(rb"(?:\(EARLIER\) )?([0-9:,]+)")

# Positions in a BODYSTRUCTURE leaf (RFC 3501, 7.4.2); text parts carry a
# line count before their extension data, so their disposition comes later.
_PARAMS = 2
_ENCODING = 5
_SIZE = 6
_DISPOSITION = 8
_TEXT_DISPOSITION = 9


class ResponseError(ValueError):
    """A FETCH response that does not have the IMAP shape."""


@dataclass(frozen=True, slots=True)
class Head:
    """What the header fetch gives for one message."""

    uid: int
    header: bytes
    flags: frozenset[str]
    internaldate: datetime | None


@dataclass(frozen=True, slots=True)
class Leaf:
    section: str
    kind: str
    encoding: str
    charset: str | None
    size: int


@dataclass(frozen=True, slots=True)
class Plan:
    """Which body parts of one message to fetch: its text and its calendars."""

    text: Leaf | None
    calendars: tuple[Leaf, ...]

    def items(self) -> tuple[str, ...]:
        found = []
        if self.text is not None:
            limit = HTML_BYTES if self.text.kind == "text/html" else PLAIN_FETCH_BYTES
            found.append(f"BODY.PEEK[{self.text.section}]<0.{limit}>")
        found.extend(f"BODY.PEEK[{leaf.section}]" for leaf in self.calendars)
        return tuple(found)


class _Literal(bytes):
    """A literal's bytes, kept apart from the text around it."""


@dataclass(frozen=True, slots=True)
class Completion:
    """One command's outcome, and the untagged responses read before it.

    Each response is its name (``FETCH``, ``VANISHED``, ``EXISTS``...) with
    its pieces as imaplib would give them: lines without CRLF, each literal
    (`_Literal`) after the line announcing it; the first line loses its
    ``* `` and, for ``* 12 FETCH (...``, the name: ``12 (...``. With
    commands pipelined, those responses may answer any of them.
    """

    tag: bytes
    status: str
    text: bytes
    responses: list[tuple[str, list[Any]]]


def read_responses(
    readline: Callable[[], bytes], read: Callable[[int], bytes], tags: Collection[bytes]
) -> Completion:
    """Read responses up to the completion of one of the commands tagged `tags`.

    Does imaplib's reading for the bulk commands of a sync at a fraction of
    its cost: imaplib runs several regular expressions, a log call and a
    dictionary update for every line. `readline` must return whole lines
    (an overlong one is cut, and so refused as unterminated). Raises
    ResponseError on what is no IMAP response, and on end of input.
    """
    responses: list[tuple[str, list[Any]]] = []
    untagged = _UNTAGGED.match
    literal = _LITERAL_SIZE.search
    while True:
        line = _line(readline)
        tag, _, rest = line.partition(b" ")
        if tag in tags:
            status, _, text = rest.partition(b" ")
            return Completion(tag, status.decode("ascii", "replace"), text, responses)
        match = untagged(line)
        if match is None:
            raise ResponseError(f"unexpected response: {line[:100]!r}")
        number, name, first = match.groups()
        if number is not None:
            first = number if first is None else number + b" " + first
        elif first is None:
            first = b""
        pieces: list[Any] = []
        while first[-1:] == b"}" and (announced := literal(first)) is not None:
            size = literal_size(int(announced.group(1)))
            data = read(size)
            if len(data) != size:
                raise ResponseError("input ended inside a literal")
            pieces += (first, _Literal(data))
            first = _line(readline)
        pieces.append(first)
        responses.append((name.decode("ascii"), pieces))


def literal_size(size: int) -> int:
    """`size` when a literal that large may be read; raises ResponseError if not."""
    if size > MAX_LITERAL:
        raise ResponseError(
            f"the server announced a literal of {size:,} bytes, over the {MAX_LITERAL:,}-byte limit"
        )
    return size


def _line(readline: Callable[[], bytes]) -> bytes:
    line = readline()
    if line[-2:] != b"\r\n":
        raise ResponseError(f"unterminated line: {line[:100]!r}" if line else "input ended")
    return line[:-2]


def parse_response(pieces: list[Any]) -> list[Any]:
    """The s-expression of one response: lists, bytes and None (for NIL)."""
    stack: list[list[Any]] = [[]]
    for piece in pieces:
        if isinstance(piece, _Literal):
            stack[-1].append(bytes(piece))
            continue
        for opening, closing, quote, quoted, atom, stray in _tokens(piece):
            if opening:
                stack.append([])
            elif closing:
                if len(stack) == 1:
                    raise ResponseError("unbalanced ')'")
                done = stack.pop()
                stack[-1].append(done)
            elif atom:
                stack[-1].append(None if atom.upper() == b"NIL" else atom)
            elif quote:
                stack[-1].append(_ESCAPE.sub(rb"\1", quoted) if b"\\" in quoted else quoted)
            else:
                raise ResponseError(f"unexpected {stray!r} in response")
    if len(stack) != 1:
        raise ResponseError("unbalanced '('")
    return stack[0]


def _tokens(piece: bytes) -> list[tuple[bytes, bytes, bytes, bytes, bytes, bytes]]:
    text = piece.rstrip()
    if text.endswith(b"}"):
        # The literal itself follows as the next piece.
        text = _LITERAL_MARK.sub(b"", text).rstrip()
    return _TOKENS.findall(text)


def fetch_items(pieces: list[Any]) -> tuple[int, dict[bytes, Any]]:
    """The UID and the attribute dictionary of one FETCH response."""
    if len(pieces) == 3 and pieces[2] == b")" and isinstance(pieces[1], _Literal):  # noqa: PLR2004
        # The usual answer to a body-part fetch, read without the general parser.
        match = _UID_AND_LITERAL.fullmatch(pieces[0])
        if match is not None:
            uid, name = match.groups()
            return int(uid), {b"UID": uid, name.upper(): bytes(pieces[1])}
    parsed = parse_response(pieces)
    if len(parsed) != 2 or not isinstance(parsed[1], list) or len(parsed[1]) % 2:  # noqa: PLR2004
        raise ResponseError("not a FETCH response")
    attributes = parsed[1]
    items = {
        key.upper(): value
        for key, value in zip(attributes[::2], attributes[1::2], strict=True)
        if isinstance(key, bytes)
    }
    try:
        return int(items[b"UID"]), items
    except (KeyError, TypeError, ValueError) as error:
        raise ResponseError("FETCH response without UID") from error


def file_response(
    pieces: list[Any], heads: dict[int, Head], parts: dict[int, dict[bytes, Any]]
) -> bool:
    """File one FETCH response by what it holds; False if it cannot be read.

    A header response becomes a `Head` in `heads`; any other adds its items
    to those of its UID in `parts`. Sorting by content rather than by
    command keeps answers to pipelined commands apart even when a server
    interleaves them, as Dovecot does.
    """
    head = _read_head_fast(pieces)
    if head is not None:
        heads[head.uid] = head
        return True
    try:
        uid, items = fetch_items(pieces)
    except ResponseError:
        return False
    header = next((v for k, v in items.items() if k.startswith(_HEADER_SECTION)), _NO_HEADER)
    if header is _NO_HEADER:
        parts.setdefault(uid, {}).update(items)
        return True
    if not isinstance(header, bytes):
        return False
    thrid = items.get(b"X-GM-THRID")
    if isinstance(thrid, bytes) and thrid.isdigit():
        header = b"X-GM-THRID: " + thrid + b"\r\n" + header
    moment = items.get(b"INTERNALDATE")
    heads[uid] = Head(
        uid=uid,
        header=header,
        flags=flag_set(items.get(b"FLAGS")),
        internaldate=internaldate(moment) if isinstance(moment, bytes) else None,
    )
    return True


def _read_head_fast(pieces: list[Any]) -> Head | None:
    if len(pieces) != 3:  # noqa: PLR2004 - line, literal, closing line
        return None
    prefix, header, tail = pieces
    if not isinstance(header, _Literal) or not tail.endswith(b")"):
        return None
    match = _HEAD_PREFIX.fullmatch(prefix)
    if match is None:
        return None
    attributes = match.group(2) + tail[:-1]
    uid = _UID_ITEM.search(attributes)
    if uid is None:
        return None
    flags = _FLAGS_ITEM.search(attributes)
    moment = _DATE_ITEM.search(attributes)
    thrid = _THRID_ITEM.search(attributes)
    block = bytes(header)
    if thrid is not None:
        block = b"X-GM-THRID: " + thrid.group(1) + b"\r\n" + block
    return Head(
        uid=int(uid.group(1)),
        header=block,
        flags=_flag_words(flags.group(1)) if flags else frozenset(),
        internaldate=internaldate(moment.group(1)) if moment else None,
    )


def read_flags(pieces: list[Any]) -> tuple[int, frozenset[str]] | None:
    """UID and flags of a FLAGS FETCH response, or None when it has neither."""
    text = pieces[0] if len(pieces) == 1 and isinstance(pieces[0], bytes) else None
    uid = _UID_ITEM.search(text) if text is not None else None
    flags = _FLAGS_ITEM.search(text) if text is not None else None
    if uid is not None and flags is not None:
        return int(uid.group(1)), _flag_words(flags.group(1))
    try:
        found, items = fetch_items(pieces)
    except ResponseError:
        return None
    return (found, flag_set(items[b"FLAGS"])) if b"FLAGS" in items else None


def flag_set(value: Any) -> frozenset[str]:
    if not isinstance(value, list):
        return frozenset()
    return _flag_words(b" ".join(v for v in value if isinstance(v, bytes)))


@functools.lru_cache(maxsize=256)
def _flag_words(raw: bytes) -> frozenset[str]:
    # \Recent belongs to one session and would make every sync look like a change.
    return frozenset(
        word for word in raw.decode("utf-8", "replace").split() if word.lower() != "\\recent"
    )


@functools.lru_cache(maxsize=64)
def _zone(sign: bytes, hours: bytes, minutes: bytes) -> timezone:
    offset = timedelta(hours=int(hours), minutes=int(minutes))
    return timezone(-offset if sign == b"-" else offset)


def internaldate(raw: bytes) -> datetime | None:
    """An INTERNALDATE value as aware UTC, or None if malformed."""
    match = _INTERNALDATE.fullmatch(raw)
    if match is None:
        return None
    day, month, year, hour, minute, second, sign, zone_h, zone_m = match.groups()
    number = _MONTHS.get(month.lower())
    if number is None:
        return None
    try:
        moment = datetime(
            int(year),
            number,
            int(day),
            int(hour),
            int(minute),
            int(second),
            tzinfo=_zone(sign, zone_h, zone_m),
        )
        return moment.astimezone(UTC)
    except (ValueError, OverflowError):
        return None


def compress_uids(uids: Iterable[int]) -> str:
    """A UID set with runs folded ("1:3,7"), short enough for any server."""
    ordered = sorted(set(uids))
    parts: list[str] = []
    index = 0
    while index < len(ordered):
        first = last = ordered[index]
        while index + 1 < len(ordered) and ordered[index + 1] == last + 1:
            index += 1
            last = ordered[index]
        parts.append(str(first) if first == last else f"{first}:{last}")
        index += 1
    return ",".join(parts)


def expand_uids(text: bytes, highest: int) -> list[int]:
    """The UIDs of a sequence set (also a VANISHED line), at most `highest`.

    The bound keeps a hostile "1:4294967295" from filling memory.
    """
    match = _SEQUENCE_SET.match(text.strip())
    if match is None:
        return []
    found: list[int] = []
    for part in match.group(1).split(b","):
        first, _, last = part.partition(b":")
        try:
            low = int(first)
            high = int(last) if last else low
        except ValueError:
            continue
        low, high = min(low, high), max(low, high)
        found.extend(range(max(low, 1), min(high, highest) + 1))
    return found


def _text(value: Any) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else ""


def _field(part: list[Any], index: int) -> Any:
    return part[index] if len(part) > index else None


def _param(params: Any, name: bytes) -> str | None:
    if not isinstance(params, list):
        return None
    for key, value in zip(params[::2], params[1::2], strict=False):
        if isinstance(key, bytes) and key.lower() == name and isinstance(value, bytes):
            return value.decode("utf-8", "replace")
    return None


def plan_from_header(header: bytes) -> Plan | None:
    """The plan of a single-part message, read from its own header.

    Saves the BODYSTRUCTURE round trip for most plain mail. None when the
    header alone cannot tell (multipart, attached messages, calendars).
    """
    kind, encoding, charset = body_type(header)
    if kind.startswith(("multipart/", "message/")) or kind in CALENDAR_TYPES:
        return None
    if kind not in ("text/plain", "text/html"):
        return Plan(text=None, calendars=())
    return Plan(text=Leaf("1", kind, encoding, charset, size=0), calendars=())


def plan_parts(structure: Any) -> Plan:
    """From a BODYSTRUCTURE: the first plain-text part (else HTML) and the calendars.

    Attachments are never planned, except calendars (invitations travel as
    text/calendar or .ics attachments); forwarded messages are not entered.
    """
    leaves: list[Leaf] = []
    _walk(structure, "", leaves, depth=0)
    plain = next((leaf for leaf in leaves if leaf.kind == "text/plain"), None)
    markup = next((leaf for leaf in leaves if leaf.kind == "text/html"), None)
    calendars = tuple(
        leaf for leaf in leaves if leaf.kind == "calendar" and leaf.size <= MAX_CALENDAR_BYTES
    )
    return Plan(text=plain or markup, calendars=calendars[:MAX_CALENDARS])


def _walk(part: Any, section: str, leaves: list[Leaf], depth: int) -> None:
    if not isinstance(part, list) or not part or depth > MAX_DEPTH:
        return
    if isinstance(part[0], list):
        children = [child for child in part if isinstance(child, list)]
        for number, child in enumerate(children, 1):
            _walk(child, f"{section}.{number}" if section else str(number), leaves, depth + 1)
        return
    main, sub = _field(part, 0), _field(part, 1)
    if not isinstance(main, bytes) or not isinstance(sub, bytes):
        return
    kind = (main + b"/" + sub).decode("ascii", "replace").lower()
    if kind == "message/rfc822":
        return
    disposition = _field(part, _TEXT_DISPOSITION if main.lower() == b"text" else _DISPOSITION)
    if not isinstance(disposition, list):
        disposition = []
    attached = _text(_field(disposition, 0)).lower() == "attachment"
    name = (
        _param(_field(part, _PARAMS), b"name") or _param(_field(disposition, 1), b"filename") or ""
    )
    if is_calendar(kind, name):
        kind = "calendar"
    elif attached:
        return
    size = _field(part, _SIZE)
    leaves.append(
        Leaf(
            section=section or "1",
            kind=kind,
            encoding=_text(_field(part, _ENCODING)) or "7bit",
            charset=_param(_field(part, _PARAMS), b"charset"),
            size=int(size) if isinstance(size, bytes) and size.isdigit() else 0,
        )
    )


def _section(items: dict[bytes, Any], section: str) -> bytes | None:
    wanted = f"BODY[{section}]".encode("ascii")
    for key, value in items.items():
        if key.partition(b"<")[0] == wanted:
            return value if isinstance(value, bytes) else None
    return None


def read_parts(plan: Plan, items: dict[bytes, Any]) -> tuple[str | None, tuple[bytes, ...]]:
    """The decoded text and the calendar payloads from a body-part FETCH."""
    text = None
    if plan.text is not None:
        payload = _section(items, plan.text.section)
        if payload is not None:
            text = decode_part(payload, plan.text.encoding, plan.text.charset)
            if plan.text.kind == "text/html":
                text = html_to_text(text)
            text = text[:MAX_TEXT]
    calendars = []
    for leaf in plan.calendars:
        payload = _section(items, leaf.section)
        if payload:
            calendars.append(decode_transfer(payload, leaf.encoding))
    return text, tuple(calendars)
