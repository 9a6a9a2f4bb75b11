"""JSON encoding of domain values for the store's text columns."""

from __future__ import annotations

import json
from datetime import datetime
from json.encoder import encode_basestring
from typing import TYPE_CHECKING, Any

from daemon.domain import Address, CalendarEvent, Message

if TYPE_CHECKING:
    from collections.abc import Iterable

#: Built once: `json.dumps` with an option builds a new encoder at every call,
#: which showed in a sync's profile.
_encode_text = json.JSONEncoder(ensure_ascii=False).encode
_TRUTH = {True: "true", False: "false"}


def strings_to_json(values: Iterable[str]) -> str:
    """`json.dumps(list(values), ensure_ascii=False)`, without building an encoder."""
    return "[" + ", ".join(map(encode_basestring, values)) + "]"


def addresses_to_json(addresses: tuple[Address, ...]) -> str:
    return json.dumps([[a.addr, a.name] for a in addresses], ensure_ascii=False)


def addresses_from_json(text: str) -> tuple[Address, ...]:
    return tuple(Address(addr, name) for addr, name in json.loads(text))


def _addr(a: Address | None) -> list[str] | None:
    return None if a is None else [a.addr, a.name]


def _unaddr(v: list[str] | None) -> Address | None:
    return None if v is None else Address(v[0], v[1])


def _event(e: CalendarEvent) -> dict[str, Any]:
    return {
        "uid": e.uid,
        "start": e.start.isoformat(),
        "end": e.end.isoformat(),
        "summary": e.summary,
        "organizer": _addr(e.organizer),
        "attendees": [[a.addr, a.name] for a in e.attendees],
        "method": e.method,
        "cancelled": e.cancelled,
    }


def _unevent(d: dict[str, Any]) -> CalendarEvent:
    return CalendarEvent(
        uid=d["uid"],
        start=datetime.fromisoformat(d["start"]),
        end=datetime.fromisoformat(d["end"]),
        summary=d["summary"],
        organizer=_unaddr(d["organizer"]),
        attendees=tuple(Address(a, n) for a, n in d["attendees"]),
        method=d["method"],
        cancelled=d["cancelled"],
    )


def message_header_json(m: Message) -> str:
    """Everything but the key, account, date, body and in_sent, which have columns.

    Written out by hand, exactly as `json.dumps(..., ensure_ascii=False)`
    writes it: a sync stores every message, and the encoder's generic walk
    cost twice as much.
    """
    return "".join(
        (
            '{"subject": ',
            encode_basestring(m.subject),
            ', "from": ',
            _json_address(m.from_),
            ', "to": ',
            _json_addresses(m.to),
            ', "cc": ',
            _json_addresses(m.cc),
            ', "reply_to": ',
            _json_addresses(m.reply_to),
            ', "sender": ',
            _json_address(m.sender),
            ', "in_reply_to": ',
            _optional(m.in_reply_to),
            ', "references": ',
            strings_to_json(m.references),
            ', "auto_submitted": ',
            _optional(m.auto_submitted),
            ', "x_autoreply": ',
            _TRUTH[m.x_autoreply],
            ', "precedence": ',
            _optional(m.precedence),
            ', "list_id": ',
            _optional(m.list_id),
            ', "list_unsubscribe": ',
            _TRUTH[m.list_unsubscribe],
            ', "thread_topic": ',
            _optional(m.thread_topic),
            ', "thread_index": ',
            _optional(m.thread_index),
            ', "gm_thrid": ',
            _optional(m.gm_thrid),
            ', "language_hint": ',
            _optional(m.language_hint),
            ', "calendar": ',
            _encode_text([_event(e) for e in m.calendar]),
            "}",
        )
    )


def _optional(value: str | None) -> str:
    return "null" if value is None else encode_basestring(value)


def _json_address(a: Address | None) -> str:
    return "null" if a is None else f"[{encode_basestring(a.addr)}, {encode_basestring(a.name)}]"


def _json_addresses(addresses: tuple[Address, ...]) -> str:
    return "[" + ", ".join(map(_json_address, addresses)) + "]"


def message_from_row(
    *, key: str, account: str, date: datetime, header_json: str, body_text: str, in_sent: bool
) -> Message:
    d = json.loads(header_json)
    return Message(
        key=key,
        account=account,
        subject=d["subject"],
        date=date,
        from_=_unaddr(d["from"]),
        to=tuple(Address(a, n) for a, n in d["to"]),
        cc=tuple(Address(a, n) for a, n in d["cc"]),
        reply_to=tuple(Address(a, n) for a, n in d["reply_to"]),
        sender=_unaddr(d["sender"]),
        in_reply_to=d["in_reply_to"],
        references=tuple(d["references"]),
        auto_submitted=d["auto_submitted"],
        x_autoreply=d["x_autoreply"],
        precedence=d["precedence"],
        list_id=d["list_id"],
        list_unsubscribe=d["list_unsubscribe"],
        thread_topic=d["thread_topic"],
        thread_index=d["thread_index"],
        gm_thrid=d["gm_thrid"],
        language_hint=d["language_hint"],
        body_text=body_text,
        calendar=tuple(_unevent(e) for e in d["calendar"]),
        in_sent=in_sent,
    )
