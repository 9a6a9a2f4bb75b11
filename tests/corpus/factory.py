"""Messages and threads built in code, for the classification and policy tests."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from daemon.domain import Address, BusinessCalendar, CalendarEvent, Message, Rules, Thread

ALICE = Address("alice@example.test", "Alice Moreau")
PRIYA = Address("priya.raman@acme.example.test", "Priya Raman")
SAM = Address("sam.lee@acme.example.test", "Sam Lee")
CAREERS = Address("careers@acme.example.test", "Acme Careers")
GREENHOUSE = Address("no-reply@us.greenhouse-mail.example.test", "Acme Hiring")
BOB = Address("bob.martin@gmail.example.test", "Bob Martin")

PARIS = ZoneInfo("Europe/Paris")
#: 11 Nov (Armistice) and 25 Dec are French public holidays.
CALENDAR = BusinessCalendar(PARIS, frozenset({date(2026, 11, 11), date(2026, 12, 25)}))
RULES = Rules(calendar=CALENDAR, self_addresses=frozenset({ALICE.addr}))

_keys = itertools.count(1)


def at(text: str) -> datetime:
    """A UTC moment from "2026-11-13 10:00"."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def message(
    when: str,
    sender: Address | None,
    to: tuple[Address, ...] = (ALICE,),
    body: str = "",
    subject: str = "Data Engineer role",
    **fields: object,
) -> Message:
    key = str(fields.pop("key", f"<m{next(_keys)}@example.test>"))
    return Message(
        key=key,
        account="main",
        subject=subject,
        date=at(when),
        from_=sender,
        to=to,
        body_text=body,
        **fields,  # type: ignore[arg-type]
    )


def mine(when: str, to: tuple[Address, ...], body: str, **fields: object) -> Message:
    """A message the user sent."""
    return message(when, ALICE, to=to, body=body, in_sent=True, **fields)


def thread(*messages: Message, thread_id: str = "t1") -> Thread:
    ordered = tuple(sorted(messages, key=lambda m: m.date))
    subject = ordered[0].subject if ordered else ""
    return Thread(id=thread_id, account="main", subject=subject, messages=ordered)


def extended(base: Thread, *extra: Message) -> Thread:
    """The same thread with more messages, keys unchanged."""
    return thread(*base.messages, *extra, thread_id=base.id)


def interview(start: str, end: str, *attendees: Address, organizer: Address = SAM) -> CalendarEvent:
    return CalendarEvent(
        uid="interview-1@acme.example.test",
        start=at(start),
        end=at(end),
        summary="Interview: Data Engineer",
        organizer=organizer,
        attendees=(ALICE, *attendees),
        method="REQUEST",
    )


APPLICATION = (
    "Dear Acme team,\n\nI am writing to apply for the Data Engineer position advertised on "
    "your site. Please find attached my CV.\n\nBest regards,\nAlice Moreau"
)
RECRUITER_SIGNATURE = "\n\nBest,\nSam Lee\nTalent Acquisition Partner\nAcme"
MANAGER_SIGNATURE = "\n\nKind regards,\nPriya Raman\nHead of Data\nAcme"
