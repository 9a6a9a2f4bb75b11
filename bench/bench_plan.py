"""Time one full planning pass over 100,000 synthetic threads.

Run as `.venv/bin/python bench/bench_plan.py [THREADS]`. Two mailboxes are
measured: a typical one where 5% of the threads are recruiting, and a busy
job search where a quarter are. The rest is newsletters and job alerts
(list mail), personal mail (some of it mentioning interviews) and
notifications. Threads have one to six messages in English, French, German
and Spanish.

A daemon plans again every cycle, mostly over threads that did not change.
So after the first pass, which reads every thread, the same `Planner`
plans three more times: with nothing changed, after a sync in which 1% of
the threads got a new message, and over the same threads built again as
equal but new objects, the way the store hands them over each cycle.

The floor, timed in the same run, is what any classifier of this mail must
at least do: read each message once, lower-cased, and find the vocabulary
it holds (one Aho-Corasick pass), leaving list mail unread as `plan()`
does. The ratio to it shows how much of a pass is the reading and how much
the weighing that follows.
"""

from __future__ import annotations

import gc
import random
import sys
import time
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from daemon.classify.reading import bulk_marker
from daemon.classify.text import normalize
from daemon.classify.vocabulary import ANCHORS
from daemon.domain import Address, BusinessCalendar, CalendarEvent, Message, Rules, Thread
from daemon.planner import Planner

if TYPE_CHECKING:
    from collections.abc import Callable

    from daemon.domain import Decision

SELF = Address("alice@example.test", "Alice Moreau")
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
#: Share of the threads that get a new message between two passes.
SYNCED_SHARE = 0.01
COMPANIES = ("acme", "globex", "initech", "umbrella", "hooli", "stark", "wayne", "tyrell")
PEOPLE = ("Priya Raman", "Sam Lee", "Julia Weber", "Lucas Garcia", "Chloé Martin", "Jonas Bauer")
FILLER = (
    "We had a productive quarter and the team is growing across three offices. "
    "Our platform serves thousands of customers and we care deeply about quality. "
) * 3

RECRUITING = {
    "en": (
        (
            "Hi Alice,\n\nThank you for your application for the Data Engineer role at {co}. "
            "I'd like to schedule a call to discuss the next steps in the process. "
            "Could you share your availability for next week?\n\n{filler}\n\nBest,\n{name}\n"
            "Talent Acquisition Partner"
        ),
        (
            "Dear Alice,\n\nThank you for taking the time to speak with us. After careful "
            "consideration we have decided to move forward with other candidates whose experience "
            "more closely matches our needs.\n\nKind regards,\n{name}\nRecruiter"
        ),
        (
            "Hi Alice,\n\nThanks for your patience. We'll get back to you next week with an update "
            "on the hiring process.\n\n{filler}\n\nBest,\n{name}\nHead of Data"
        ),
    ),
    "fr": (
        (
            "Bonjour Alice,\n\nNous avons bien reçu votre candidature pour le poste de Data "
            "Engineer chez {co}. Pourriez-vous nous indiquer vos disponibilités pour un entretien "
            "?\n\n{filler}\n\nCordialement,\n{name}\nChargée de recrutement"
        ),
        (
            "Bonjour Alice,\n\nMerci pour l'entretien. Nous reviendrons vers vous la semaine "
            "prochaine.\n\nBien à vous,\n{name}\nDirectrice Data"
        ),
    ),
    "de": (
        (
            "Hallo Alice,\n\nvielen Dank für Ihre Bewerbung als Data Engineer bei {co}. Wir "
            "möchten Sie gerne zu einem Vorstellungsgespräch einladen.\n\n{filler}\n\nViele "
            "Grüße\n{name}\nRecruiterin"
        ),
        (
            "Hallo Alice,\n\nleider müssen wir Ihnen mitteilen, dass wir uns für eine andere "
            "Kandidatin entschieden haben.\n\nMit freundlichen Grüßen\n{name}\nPersonalabteilung"
        ),
    ),
    "es": (
        (
            "Hola Alice,\n\nhemos recibido tu candidatura para el puesto de Data Engineer en {co}. "
            "Nos pondremos en contacto contigo en los próximos días.\n\n{filler}\n\nSaludos,\n"
            "{name}\nReclutadora"
        ),
    ),
}
OWN = (
    (
        "Dear {first},\n\nI am writing to apply for the Data Engineer position at {co}. "
        "Please find attached my CV.\n\nBest regards,\nAlice Moreau"
    ),
    "Hi {first},\n\nThank you for the update. Tuesday at 10:00 works for me.\n\nBest,\nAlice",
    (
        "Dear {first},\n\nThank you for taking the time to speak with me today. I enjoyed learning "
        "about the team.\n\nBest regards,\nAlice"
    ),
    "Hi {first},\n\nI hope you are well. I wanted to follow up on my application.\n\nBest,\nAlice",
)
PERSONAL = (
    "Hey Alice, are we still on for dinner on Friday? {filler}",
    "Hi! Good luck with your interview tomorrow, fingers crossed! Bob",
    "Hello, please find the minutes of the meeting attached. {filler}",
    "Hi Alice, can you review the document before Thursday? Thanks, Mark",
)
NEWSLETTER = (
    (
        "New jobs for you: Data Engineer at {co}, Analytics Engineer at Globex. {filler} "
        "Unsubscribe | Manage your preferences"
    ),
    "This week in data: {filler} View this email in your browser.",
)


class Factory:
    def __init__(self, seed: int, recruiting_share: float) -> None:
        self.random = random.Random(seed)
        self.recruiting_share = recruiting_share
        self.count = 0

    def key(self) -> str:
        self.count += 1
        return f"<{self.count}@bench.example.test>"

    def person(self, company: str) -> Address:
        name = self.random.choice(PEOPLE)
        local = name.lower().replace(" ", ".").replace("é", "e")
        return Address(f"{local}@{company}.example.test", name)

    def when(self, base: datetime, step: int) -> datetime:
        return base + timedelta(days=step * self.random.randint(1, 6), hours=self.random.random())

    def message(
        self, when: datetime, sender: Address, to: Address, body: str, **extra: object
    ) -> Message:
        return Message(
            key=self.key(),
            account="bench",
            subject=str(extra.pop("subject", "Data Engineer role")),
            date=when,
            from_=sender,
            to=(to,),
            body_text=body,
            **extra,  # type: ignore[arg-type]
        )

    def recruiting(self, size: int) -> list[Message]:
        company = self.random.choice(COMPANIES)
        contact = self.person(company)
        language = self.random.choice(tuple(RECRUITING))
        base = NOW - timedelta(days=self.random.randint(5, 60))
        first = contact.name.split()[0]
        messages = []
        for step in range(size):
            when = self.when(base, step)
            if step % 2 == 0:
                body = self.random.choice(OWN).format(first=first, co=company)
                messages.append(self.message(when, SELF, contact, body, in_sent=True))
            else:
                template = self.random.choice(RECRUITING[language])
                body = template.format(co=company, name=contact.name, filler=FILLER)
                calendar: tuple[CalendarEvent, ...] = ()
                if self.random.random() < 0.2:
                    start = when + timedelta(days=3)
                    calendar = (
                        CalendarEvent(
                            "i@x",
                            start,
                            start + timedelta(hours=1),
                            "Interview",
                            contact,
                            (SELF, contact),
                        ),
                    )
                messages.append(self.message(when, contact, SELF, body, calendar=calendar))
        return messages

    def personal(self, size: int) -> list[Message]:
        friend = Address("bob@gmail.example.test", "Bob Martin")
        base = NOW - timedelta(days=self.random.randint(1, 90))
        messages = []
        for step in range(size):
            body = self.random.choice(PERSONAL).format(filler=FILLER)
            sender, to = (SELF, friend) if step % 2 else (friend, SELF)
            messages.append(self.message(self.when(base, step), sender, to, body, subject="Hi"))
        return messages

    def newsletter(self, size: int) -> list[Message]:
        sender = Address(f"news@lists.{self.random.choice(COMPANIES)}.example.test", "News")
        base = NOW - timedelta(days=self.random.randint(1, 90))
        return [
            self.message(
                self.when(base, step),
                sender,
                SELF,
                self.random.choice(NEWSLETTER).format(co="Acme", filler=FILLER),
                subject="Your weekly digest",
                list_id="digest.lists.example.test",
                list_unsubscribe=True,
            )
            for step in range(size)
        ]

    def notification(self, size: int) -> list[Message]:
        sender = Address("no-reply@notifications.example.test", "Service")
        base = NOW - timedelta(days=self.random.randint(1, 90))
        body = "Your order has shipped. Track it in your account. " + FILLER
        return [self.message(self.when(base, s), sender, SELF, body) for s in range(size)]

    def build(self, count: int) -> list[Thread]:
        return [self.thread(n) for n in range(count)]

    def thread(self, number: int) -> Thread:
        size = self.random.choice((1, 1, 2, 2, 3, 3, 4, 5, 6))
        draw = self.random.random()
        rest = 1 - self.recruiting_share
        if draw < self.recruiting_share:
            messages = self.recruiting(size)
        elif draw < self.recruiting_share + 0.55 * rest:
            messages = self.newsletter(min(size, 3))
        elif draw < self.recruiting_share + 0.85 * rest:
            messages = self.personal(size)
        else:
            messages = self.notification(min(size, 2))
        messages.sort(key=lambda m: m.date)
        return Thread(f"t{number}", "bench", messages[0].subject, tuple(messages))


def floor(threads: list[Thread]) -> None:
    """Each message read once: lower-cased and its anchors found; list mail skipped."""
    found = ANCHORS.found
    for thread in threads:
        for message in thread.messages:
            if bulk_marker(message) is None:
                found(normalize(message.subject))
                found(normalize(message.body_text))


def timed(work: Callable[[], object]) -> float:
    """Wall seconds of `work`, without a garbage collection in the middle."""
    gc.collect()
    gc.disable()
    started = time.perf_counter()
    try:
        work()
    finally:
        elapsed = time.perf_counter() - started
        gc.enable()
    return elapsed


def measure(label: str, count: int, recruiting_share: float) -> None:
    threads = Factory(seed=7, recruiting_share=recruiting_share).build(count)
    messages = sum(len(t.messages) for t in threads)
    rules = Rules(
        calendar=BusinessCalendar(ZoneInfo("Europe/Paris"), frozenset({date(2026, 12, 25)})),
        self_addresses=frozenset({SELF.addr}),
    )
    least = timed(lambda: floor(threads))
    planner = Planner()
    decisions: list[Decision] = []
    first = timed(lambda: decisions.extend(planner.plan(threads, rules, NOW)))
    due = sum(d.due for d in decisions)
    later = timed(lambda: planner.plan(threads, rules, NOW + timedelta(hours=1)))
    synced = after_a_sync(threads, SYNCED_SHARE)
    after_sync = timed(lambda: planner.plan(synced, rules, NOW + timedelta(hours=2)))
    # The store hands the daemon new objects each cycle: equal, not identical.
    reloaded = Factory(seed=7, recruiting_share=recruiting_share).build(count)
    from_store = timed(lambda: planner.plan(reloaded, rules, NOW + timedelta(hours=3)))
    print(f"{label}: {recruiting_share:.0%} recruiting threads")
    print(f"  threads: {count:,} ({messages:,} messages)")
    print(f"  tracked: {len(decisions):,} ({due:,} due)")
    print(f"  floor:   {least:.2f} s (every message read once)")
    for name, elapsed in (
        ("first pass, every thread read:    ", first),
        ("next pass, nothing changed:       ", later),
        (f"next pass, {SYNCED_SHARE:.0%} of threads changed: ", after_sync),
        ("next pass, threads loaded again:  ", from_store),
    ):
        verdict = "under 1 s" if elapsed < 1 else "over 1 s"
        print(f"  {name} {elapsed:5.2f} s = {elapsed / least:4.1f}x the floor ({verdict})")


def after_a_sync(threads: list[Thread], share: float) -> list[Thread]:
    """`threads` after a sync in which `share` of them got one more message."""
    changed = random.Random(11)
    synced = []
    for thread in threads:
        if changed.random() < share:
            last = thread.messages[-1]
            reply = replace(last, key=f"<{thread.id}.new@bench.example.test>", date=NOW)
            synced.append(replace(thread, messages=(*thread.messages, reply)))
        else:
            synced.append(thread)
    return synced


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    measure("typical mailbox", count, 0.05)
    measure("busy job search", count, 0.25)


if __name__ == "__main__":
    main()
