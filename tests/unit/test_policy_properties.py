"""Invariants of the policy over generated recruiting threads."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from daemon.business_days import add_business_days
from daemon.classify.senders import is_noreply
from daemon.domain import Address, Decision, Message, Thread
from daemon.policy import decide
from tests.corpus.factory import (
    ALICE,
    APPLICATION,
    CAREERS,
    GREENHOUSE,
    MANAGER_SIGNATURE,
    PRIYA,
    RECRUITER_SIGNATURE,
    RULES,
    SAM,
    at,
    interview,
)

START = at("2026-11-02 08:00")
ALIAS = Address("alice.m@mail.example.test", "Alice Moreau")
RELAY = Address("reply+x1@acme.example.test", "Acme Recruiting")

OWN_BODIES = (
    APPLICATION,
    "Dear Priya,\n\nThank you for taking the time to speak with me today.\n\nAlice",
    "Hi Sam,\n\nI wanted to follow up on my application.\n\nBest,\nAlice",
    "Hi Sam,\n\nTuesday at 10:00 works for me.\n\nAlice",
)
HR_BODIES = (
    "Hi Alice,\n\nThank you for your application, I have passed your CV to the team."
    + RECRUITER_SIGNATURE,
    "Hi Alice,\n\nWe'll get back to you next week." + RECRUITER_SIGNATURE,
    "Hi Alice,\n\nCould you send me your availability for a call?" + RECRUITER_SIGNATURE,
    "Hi Alice,\n\nYou will meet Priya Raman, our Head of Data." + RECRUITER_SIGNATURE,
    "Hi Alice,\n\nAfter careful consideration we have decided to move forward with other "
    "candidates." + RECRUITER_SIGNATURE,
)
HM_BODIES = (
    "Hi Alice,\n\nHappy to tell you more about the team." + MANAGER_SIGNATURE,
    "Hi Alice,\n\nThanks for your note, it was great meeting you." + MANAGER_SIGNATURE,
)
OOO_BODIES = (
    "I am out of the office with limited access to e-mail.",
    "Je suis absente, de retour le 30 novembre.",
    "Ich bin bis zum 4.12. nicht im Büro.",
    "Estoy de vacaciones hasta el 20 de noviembre.",
)


def moment(hours: int) -> datetime:
    return START + timedelta(hours=hours)


@st.composite
def own_messages(draw: st.DrawFn, hours: int, key: str) -> Message:
    sender = draw(st.sampled_from([ALICE, ALICE, ALIAS]))
    return Message(
        key=key,
        account="main",
        subject="Application: Data Engineer",
        date=moment(hours),
        from_=sender,
        to=(draw(st.sampled_from([CAREERS, SAM, PRIYA])),),
        cc=draw(st.sampled_from([(), (SAM,)])),
        body_text=draw(st.sampled_from(OWN_BODIES)),
        in_sent=True,
    )


@st.composite
def their_messages(draw: st.DrawFn, hours: int, key: str) -> Message:
    sender = draw(st.sampled_from([SAM, PRIYA, GREENHOUSE]))
    bodies = HM_BODIES if sender is PRIYA else HR_BODIES
    calendar = ()
    if sender is SAM and draw(st.booleans()):
        start = moment(hours + draw(st.integers(1, 400)))
        calendar = (
            interview(
                start.strftime("%Y-%m-%d %H:%M"),
                (start + timedelta(hours=1)).strftime("%Y-%m-%d %H:%M"),
                PRIYA,
            ),
        )
    return Message(
        key=key,
        account="main",
        subject="Re: Application: Data Engineer",
        date=moment(hours),
        from_=sender,
        to=(ALICE,),
        cc=draw(st.sampled_from([(), (PRIYA,), (SAM,)])),
        reply_to=draw(st.sampled_from([(), (RELAY,), (ALICE,), (GREENHOUSE,)])),
        body_text=draw(st.sampled_from(bodies)),
        calendar=calendar,
    )


@st.composite
def auto_replies(draw: st.DrawFn, hours: int, key: str) -> Message:
    # Away messages sent as auto-generated or auto-notified are auto-replies too.
    markers = ["auto-replied", "auto-generated", "auto-notified", "x_autoreply", "subject"]
    marker = draw(st.sampled_from(markers))
    fields: dict[str, object] = {
        "auto_submitted": marker if marker.startswith("auto-") else None,
        "x_autoreply": marker == "x_autoreply",
        "precedence": draw(st.sampled_from([None, "bulk", "junk"])),
    }
    subject = "Out of Office: Application" if marker == "subject" else "Re: Application"
    return Message(
        key=key,
        account="main",
        subject=subject,
        date=moment(hours),
        from_=draw(st.sampled_from([SAM, PRIYA, CAREERS])),
        to=(ALICE,),
        body_text=draw(st.sampled_from(OOO_BODIES)),
        **fields,  # type: ignore[arg-type]
    )


@st.composite
def threads(draw: st.DrawFn) -> Thread:
    count = draw(st.integers(1, 6))
    hours = sorted(draw(st.lists(st.integers(0, 900), min_size=count, max_size=count)))
    messages = [draw(own_messages(hours[0], "<k0@example.test>"))]
    for index, hour in enumerate(hours[1:], start=1):
        key = f"<k{index}@example.test>"
        kind = draw(st.sampled_from([own_messages, their_messages, their_messages]))
        messages.append(draw(kind(hour, key)))
    return Thread("t1", "main", "Application: Data Engineer", tuple(messages))


nows = st.integers(0, 1400).map(moment)


def essentials(decision: Decision) -> tuple[object, ...]:
    return (
        decision.due,
        decision.reason,
        decision.due_at,
        decision.waiting_on_you,
        decision.kind,
        decision.followup_number,
        decision.to,
        decision.cc,
        decision.classification.stage,
        decision.classification.participants,
    )


def is_theirs_and_human(message: Message) -> bool:
    return message.from_ in (SAM, PRIYA) and not message.x_autoreply and not message.auto_submitted


@settings(max_examples=300, deadline=None)
@given(threads(), nows)
def test_no_follow_up_while_a_fresh_reply_waits(thread: Thread, now: datetime) -> None:
    """A human reply newer than the user's last message and younger than the window blocks."""
    last_own = max(m.date for m in thread.messages if m.in_sent)
    fresh = [
        m
        for m in thread.messages
        if is_theirs_and_human(m)
        and last_own < m.date <= now
        and now < add_business_days(m.date, RULES.silence_business_days, RULES.calendar)
    ]
    if fresh:
        assert not decide(thread, RULES, now).due


@settings(max_examples=300, deadline=None)
@given(threads(), nows, st.data())
def test_auto_replies_change_nothing_but_can_postpone(
    thread: Thread, now: datetime, data: st.DataObject
) -> None:
    """Adding an auto-reply changes no decision; with a return date it may only postpone.

    Precisely: an out-of-office sent after the other side last wrote in person whose
    text gives a return date can turn "due" into "not due" and move `due_at` later.
    Nothing else (stage, roles, recipients, waiting-on-you, the follow-up count) ever
    changes.
    """
    hour = data.draw(st.integers(0, 900))
    ooo = data.draw(auto_replies(hour, "<auto@example.test>"))
    extended = replace(
        thread, messages=tuple(sorted((*thread.messages, ooo), key=lambda m: m.date))
    )
    before, after = decide(thread, RULES, now), decide(extended, RULES, now)
    in_person = [m.date for m in thread.messages if is_theirs_and_human(m)]
    if "limited access" in ooo.body_text or ooo.date < max(in_person, default=ooo.date):
        assert after == before
        return
    assert after.classification == before.classification
    assert after.waiting_on_you == before.waiting_on_you
    assert (after.kind, after.followup_number) == (before.kind, before.followup_number)
    assert after.due <= before.due
    if after.due:
        assert (after.to, after.cc) == (before.to, before.cc)
    if before.due_at is not None and after.due_at is not None:
        assert after.due_at >= before.due_at


@settings(max_examples=300, deadline=None)
@given(threads(), nows, st.randoms(use_true_random=False))
def test_sync_order_does_not_matter(thread: Thread, now: datetime, rng: object) -> None:
    """Shuffling the messages gives the same decision."""
    shuffled = list(thread.messages)
    rng.shuffle(shuffled)  # type: ignore[attr-defined]
    again = replace(thread, messages=tuple(shuffled))
    assert essentials(decide(again, RULES, now)) == essentials(decide(thread, RULES, now))


@settings(max_examples=300, deadline=None)
@given(threads(), nows)
def test_recipients_are_never_self_or_noreply(thread: Thread, now: datetime) -> None:
    """No decision ever addresses the user or a no-reply address."""
    selves = {ALICE.addr, ALIAS.addr}
    decision = decide(thread, RULES, now)
    for address in (*decision.to, *decision.cc):
        assert address.addr not in selves
        assert not is_noreply(address.addr)
    if decision.due:
        assert decision.to
