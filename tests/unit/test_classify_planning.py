"""Planning's quick path gives the same verdicts as the full analysis, only sooner."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from daemon.classify.analysis import analyse, analyse_tracked
from daemon.classify.reading import Kind, has_bulk, read_thread
from daemon.classify.stage import latest_interview
from daemon.classify.tracking import TRACKED_THRESHOLD, could_be_tracked, score_thread
from daemon.classify.vocabulary import ANCHORS, HM_TITLE, HR_TITLE, OFFER, SUBJECT_RECRUITING
from daemon.domain import Address, Message, Overrides, Stage, Thread
from tests.corpus.factory import (
    ALICE,
    APPLICATION,
    BOB,
    CAREERS,
    GREENHOUSE,
    MANAGER_SIGNATURE,
    PRIYA,
    RECRUITER_SIGNATURE,
    SAM,
    at,
    interview,
    message,
    mine,
)
from tests.corpus.load import load_corpus

SELF = frozenset({ALICE.addr})
COLLEAGUE = Address("marc.dupont@example.test", "Marc Dupont")
NOREPLY = Address("no-reply@notifications.example.test", "Service")
BODIES = (
    APPLICATION,
    "Hi Alice,\n\nThank you for your application, I have passed your CV to the team."
    + RECRUITER_SIGNATURE,
    "Hi Alice,\n\nWe would like to invite you to an interview next week." + RECRUITER_SIGNATURE,
    "Hi Alice,\n\nWe are delighted to extend you an offer." + MANAGER_SIGNATURE,
    "Hi Alice,\n\nWe regret to inform you that the position has been filled.",
    "Dear Priya,\n\nThank you for taking the time to speak with me today.\n\nAlice",
    "Hi! Good luck with your interview tomorrow, fingers crossed! Bob",
    "Hey Alice, are we still on for dinner on Friday? Our team of three is growing.",
    "Your order has shipped. Track it in your account.\n\nHR Operations",
    "New jobs for you: Data Engineer at Acme. Unsubscribe | Manage your preferences",
    "Thanks!\n\nOn Mon, 2 Nov 2026, Sam Lee wrote:\n> We would like to invite you to an interview",
    "Je suis absente, de retour le 30 novembre.",
    "Caf\udc80 with the recruiter? \u2019Hiring\u2019 manager\u00a0Priya",
)
SUBJECTS = ("Data Engineer role", "Re: Data Engineer role", "Hi", "Fwd: offer", "Out of Office")


@st.composite
def messages(draw: st.DrawFn, number: int) -> Message:
    sender = draw(
        st.sampled_from([ALICE, PRIYA, SAM, CAREERS, GREENHOUSE, BOB, COLLEAGUE, NOREPLY])
    )
    when = at("2026-11-02 09:00") + timedelta(hours=draw(st.integers(0, 600)))
    calendar = ()
    if draw(st.integers(0, 5)) == 0:
        calendar = (interview("2026-11-20 10:00", "2026-11-20 11:00", PRIYA),)
    return Message(
        key=f"<m{number}@example.test>",
        account="main",
        subject=draw(st.sampled_from(SUBJECTS)),
        date=when,
        from_=sender,
        to=(draw(st.sampled_from([ALICE, PRIYA, CAREERS, BOB])),),
        cc=draw(st.sampled_from([(), (ALICE,), (SAM,)])),
        reply_to=draw(st.sampled_from([(), (GREENHOUSE,)])),
        body_text=draw(st.sampled_from(BODIES)),
        calendar=calendar,
        in_sent=sender is ALICE and draw(st.booleans()),
        auto_submitted=draw(st.sampled_from([None, None, "no", "auto-replied", "auto-generated"])),
        list_id=draw(st.sampled_from([None, None, None, "jobs.lists.example.test"])),
        precedence=draw(st.sampled_from([None, None, "bulk", "list"])),
    )


@st.composite
def threads(draw: st.DrawFn) -> Thread:
    count = draw(st.integers(1, 5))
    found = tuple(draw(messages(number)) for number in range(count))
    return Thread("t1", "main", found[0].subject, found)


OVERRIDES = st.sampled_from(
    [
        Overrides(),
        Overrides(muted=True),
        Overrides(stage=Stage.INTERVIEWED),
        Overrides(hr=(BOB.addr,)),
    ]
)


@settings(max_examples=300)
@given(threads())
def test_bulk_is_told_from_the_headers_as_reading_tells_it(thread: Thread) -> None:
    """`has_bulk` says yes exactly when a reading of the thread is bulk mail."""
    readings = read_thread(thread.messages, SELF)
    assert has_bulk(thread.messages, SELF) == any(r.kind is Kind.BULK for r in readings)


@settings(max_examples=300)
@given(threads())
def test_the_bound_is_never_below_the_score(thread: Thread) -> None:
    """A thread the score would track always gets past `could_be_tracked`."""
    readings = tuple(read_thread(thread.messages, SELF))
    interview_ = latest_interview(readings)
    score, _ = score_thread(readings, SELF, interview_)
    if score >= TRACKED_THRESHOLD:
        assert could_be_tracked(readings, SELF, interview_)


def _same_verdict(thread: Thread, overrides: Overrides) -> None:
    full = analyse(thread, SELF, overrides)
    quick = analyse_tracked(thread, SELF, overrides)
    if not full.classification.tracked:
        assert quick is None
        return
    assert quick is not None
    assert quick.classification == full.classification
    assert (quick.ask, quick.promise, quick.absences) == (full.ask, full.promise, full.absences)


@settings(max_examples=300)
@given(threads(), OVERRIDES)
def test_quick_analysis_keeps_tracked_threads_as_they_are(
    thread: Thread, overrides: Overrides
) -> None:
    """Tracked threads are analysed in full; the others are None."""
    _same_verdict(thread, overrides)


def test_quick_analysis_of_the_corpus() -> None:
    """Every corpus thread gets the same verdict from both analyses."""
    for _, thread, _ in load_corpus():
        for overrides in (Overrides(), Overrides(stage=Stage.APPLIED)):
            _same_verdict(thread, overrides)


def test_anchors_of_a_quoted_reply_are_those_of_its_own_words() -> None:
    """Only what the sender wrote counts, whether or not a quote was cut."""
    quoted = message("2026-11-02 10:00", SAM, body=BODIES[10])
    plain = message("2026-11-02 11:00", SAM, body=BODIES[2], subject="Re: Data Engineer role")
    for reading in read_thread([quoted, plain], SELF):
        assert reading.anchors == ANCHORS.found(reading.flat)
    first, second = read_thread([quoted, plain], SELF)
    assert "interview" not in first.anchors
    assert "interview" in second.anchors


def test_parts_and_subjects_are_searched_like_the_text() -> None:
    """A line is searched only if the message has the anchors; a reply's subject never."""
    new = message("2026-11-02 10:00", SAM, body=BODIES[1], subject="Offer letter")
    reply = message("2026-11-02 11:00", SAM, body="See you on Friday.", subject="Re: Offer letter")
    first, second = read_thread([new, reply], SELF)
    assert first.find_in_part(HR_TITLE, "talent acquisition partner") is not None
    assert second.find_in_part(HR_TITLE, "talent acquisition partner") is None
    assert first.find_in_subject(OFFER) is not None
    assert first.find_in_subject(SUBJECT_RECRUITING) is not None
    assert second.find_in_subject(OFFER) is None


def test_signature_line_is_the_first_with_the_title() -> None:
    """Scoring and roles share one look at the signature; no title gives None."""
    recruiter = message("2026-11-02 10:00", SAM, body="Thanks for applying." + RECRUITER_SIGNATURE)
    manager = message("2026-11-02 11:00", PRIYA, body="Thanks for applying." + MANAGER_SIGNATURE)
    first, second = read_thread([recruiter, manager], SELF)
    assert first.signature_line(HR_TITLE) == "talent acquisition partner"
    assert first.signature_line(HM_TITLE) is None
    assert second.signature_line(HR_TITLE) is None
    assert second.signature_line(HM_TITLE) == "head of data"


CALENDLY = Address("no-reply@calendly.example.test", "Calendly")
SUBJECT = "Data Engineer role"
COFFEE = replace(interview("2026-11-20 10:00", "2026-11-20 11:00", PRIYA), summary="Coffee")
#: Threads that just reach the threshold, each thanks to one signal that no
#: other signal could stand in for in the bound: a bound that missed it
#: would drop them.
JUST_TRACKED = {
    "ats": [message("2026-11-02 10:00", GREENHOUSE, body="See you.", subject="Hello")],
    "scheduler": [message("2026-11-02 10:00", CALENDLY, body="See you.", subject=SUBJECT)],
    "hr_title": [
        message("2026-11-02 10:00", CAREERS, body="See you.\n\nSam\nHeadhunter", subject="Hi")
    ],
    "hr_address and subject": [message("2026-11-02 10:00", CAREERS, body="See you.")],
    "vocabulary": [
        message(
            "2026-11-02 10:00",
            SAM,
            body="Here is the job description; the hiring process is short. Bring your cv.",
            subject="Hello",
        )
    ],
    "application received": [message("2026-11-02 10:00", SAM, body="Accusé de réception.")],
    "rejection": [message("2026-11-02 10:00", SAM, body="We regret to inform you.")],
    "offer": [message("2026-11-02 10:00", SAM, body="Here is the offer letter.")],
    "interview invitation": [message("2026-11-02 10:00", SAM, body="Can we book a slot?")],
    "interviewed": [
        message("2026-11-02 10:00", SAM, body="It was a pleasure meeting you.", calendar=(COFFEE,))
    ],
    "agency": [message("2026-11-02 10:00", SAM, body="On behalf of my client, hello.")],
    "own application": [mine("2026-11-02 10:00", (SAM,), "Me gustaría postular.")],
    "own thanks": [
        mine("2026-11-02 10:00", (SAM,), "Enjoyed our conversation.", calendar=(COFFEE,))
    ],
    "withdrawal": [
        mine("2026-11-02 10:00", (SAM,), "I am no longer interested.", calendar=(COFFEE,))
    ],
    "calendar": [
        message(
            "2026-11-02 10:00",
            SAM,
            body="See you.",
            calendar=(interview("2026-11-20 10:00", "2026-11-20 11:00", PRIYA),),
        )
    ],
    "personal wording counted once": [
        message(
            "2026-11-02 10:00",
            GREENHOUSE,
            body="Good luck with the move!",
            calendar=(interview("2026-11-20 10:00", "2026-11-20 11:00", PRIYA),),
        )
    ],
    "title spares a friend's address": [
        message("2026-11-02 10:00", BOB, body="See you.\n\nBob\nHeadhunter")
    ],
}


@pytest.mark.parametrize("name", sorted(JUST_TRACKED))
def test_the_bound_counts_every_signal(name: str) -> None:
    """Each signal of the score has its counterpart in the bound."""
    readings = tuple(read_thread(JUST_TRACKED[name], SELF))
    interview_ = latest_interview(readings)
    score, evidence = score_thread(readings, SELF, interview_)
    assert score >= TRACKED_THRESHOLD, evidence
    assert could_be_tracked(readings, SELF, interview_)
