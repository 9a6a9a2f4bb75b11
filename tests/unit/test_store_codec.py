"""The store's JSON columns: written by hand, read back by the json module."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from daemon.domain import Address, CalendarEvent, Message
from daemon.store.codec import _event, message_from_row, message_header_json

WHEN = datetime(2026, 3, 10, 9, tzinfo=UTC)


def as_json_dumps_writes_it(m: Message) -> str:
    """The reference: the header JSON as `json.dumps` writes it."""

    def pair(a: Address | None) -> list[str] | None:
        return None if a is None else [a.addr, a.name]

    return json.dumps(
        {
            "subject": m.subject,
            "from": pair(m.from_),
            "to": [pair(a) for a in m.to],
            "cc": [pair(a) for a in m.cc],
            "reply_to": [pair(a) for a in m.reply_to],
            "sender": pair(m.sender),
            "in_reply_to": m.in_reply_to,
            "references": list(m.references),
            "auto_submitted": m.auto_submitted,
            "x_autoreply": m.x_autoreply,
            "precedence": m.precedence,
            "list_id": m.list_id,
            "list_unsubscribe": m.list_unsubscribe,
            "thread_topic": m.thread_topic,
            "thread_index": m.thread_index,
            "gm_thrid": m.gm_thrid,
            "language_hint": m.language_hint,
            "calendar": [_event(e) for e in m.calendar],
        },
        ensure_ascii=False,
    )


def test_header_json_is_what_json_dumps_writes() -> None:
    """Quotes, backslashes, controls, non-ASCII and empty values come out alike."""
    odd = 'Zoë "the boss" \\ \x00\n\u2028 \ud800'
    full = Message(
        key="<k@x>",
        account="a",
        subject=odd,
        date=WHEN,
        from_=Address("z@x.test", odd),
        to=(Address("a@x.test"), Address("b@x.test", "B")),
        cc=(Address("c@x.test", "Ç"),),
        reply_to=(Address("r@x.test"),),
        sender=Address("s@x.test", "S"),
        in_reply_to="<p@x>",
        references=("<p@x>", "<q@x>"),
        auto_submitted="auto-replied",
        x_autoreply=True,
        precedence="bulk",
        list_id="list.x.test",
        list_unsubscribe=True,
        thread_topic=odd,
        thread_index="AQHX",
        gm_thrid="123",
        language_hint="fr",
        calendar=(
            CalendarEvent(
                uid="iv-1",
                start=WHEN,
                end=WHEN,
                summary=odd,
                organizer=Address("o@x.test", "O"),
                attendees=(Address("a@x.test", "A"),),
                method="REQUEST",
            ),
        ),
    )
    bare = Message(key="<b@x>", account="a", subject="", date=WHEN, from_=None)
    for message in (full, bare):
        text = message_header_json(message)
        assert text == as_json_dumps_writes_it(message)
        back = message_from_row(
            key=message.key,
            account="a",
            date=WHEN,
            header_json=text,
            body_text="",
            in_sent=False,
        )
        assert back == message
