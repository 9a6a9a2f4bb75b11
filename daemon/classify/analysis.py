"""A thread read once: its classification plus the facts the policy needs."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from daemon.classify.dates import parse_ooo_return_date, promised_deadline
from daemon.classify.language import OTHER, SUPPORTED, detect_language
from daemon.classify.reading import (
    Kind,
    Reading,
    asks_a_question,
    has_bulk,
    read_thread,
    thread_selves,
)
from daemon.classify.roles import assign_roles
from daemon.classify.stage import as_of, detect_stage, interview_from_text, latest_interview
from daemon.classify.tracking import (
    TRACKED_THRESHOLD,
    could_be_tracked,
    hard_exclusion,
    might_be_recruiting,
    score_thread,
)
from daemon.classify.vocabulary import (
    ANOTHER_CLAUSE,
    ASK_AVAILABILITY,
    ASK_CONFIRMATION,
    ASK_DOCUMENTS,
    FOR_SOME_ONLY,
    MORE_COURTESY,
    OTHERWISE,
    PROMISE,
    QUESTIONS_WELCOME,
    REQUEST_VERB,
)
from daemon.classify.wording import short_date
from daemon.domain import Classification, Evidence, Overrides, Stage

if TYPE_CHECKING:
    from collections.abc import Sequence
    from datetime import date

    from daemon.domain import CalendarEvent, Message, Thread

_SAMPLE_CHARS = 800
#: How far around a promise its condition is read, within its sentence.
_CONDITION_REACH = 60


@dataclass(frozen=True, slots=True)
class Ask:
    """The other side asked the user for something the user has not sent."""

    what: str
    message: Message


@dataclass(frozen=True, slots=True)
class Promise:
    """The other side said they would come back; `deadline` when they said by when.

    `by_person` is false for an applicant-tracking system's template: its
    time counts, but nobody is to be thanked for it.
    """

    message: Message
    words: str
    deadline: date | None
    by_person: bool = True


@dataclass(frozen=True, slots=True)
class Absence:
    """An out-of-office reply and the first day its sender is back."""

    message: Message
    back_on: date


@dataclass(frozen=True, slots=True)
class Analysis:
    thread_id: str
    classification: Classification
    readings: tuple[Reading, ...]
    selves: frozenset[str]
    ask: Ask | None = None
    promise: Promise | None = None
    absences: tuple[Absence, ...] = ()

    def last_of(self, *kinds: Kind) -> Reading | None:
        for reading in reversed(self.readings):
            if reading.kind in kinds:
                return reading
        return None


def normalized_overrides(overrides: Overrides) -> Overrides:
    if not overrides.manager and not overrides.hr:
        return overrides
    return Overrides(
        manager=overrides.manager.strip().lower() if overrides.manager else None,
        hr=tuple(a.strip().lower() for a in overrides.hr),
        stage=overrides.stage,
        muted=overrides.muted,
    )


def _language(readings: Sequence[Reading]) -> str:
    """The other side's language; the user's own words when they are silent."""
    for kinds in ((Kind.HUMAN, Kind.AUTOMATED), (Kind.SELF,)):
        sample = " ".join(r.own[:_SAMPLE_CHARS] for r in readings if r.kind in kinds)
        language = detect_language(sample) if sample else OTHER
        if language != OTHER:
            return language
    hints = [r.message.language_hint for r in readings if r.message.language_hint in SUPPORTED]
    return hints[-1] if hints else OTHER


def asked_for(reading: Reading) -> str | None:
    """What a message asks the user for, in words for the reason line."""
    if reading.find(ASK_AVAILABILITY):
        return "your availability"
    if reading.find(ASK_DOCUMENTS):
        return "documents or a form"
    if reading.kind is not Kind.HUMAN:
        # Notification templates end in "Questions?" and "Let us know if...".
        return None
    if _asks_for_confirmation(reading):
        return "a confirmation"
    return "an answer to a question" if asks_a_question(reading.own) else None


#: The most characters between an ask and an invitation to ask questions that
#: still make one closing: "if you have any questions, please let me know".
_COURTESY_GAP = 12
_SENTENCE_MARK = re.compile(r"[.!?;:]")


def _asks_for_confirmation(reading: Reading) -> bool:
    """A request to confirm or to say, unless it only invites questions."""
    if reading.find(ASK_CONFIRMATION) is None:
        return False
    text, found = reading.flat, reading.anchors
    asks = [ask.span() for ask in ASK_CONFIRMATION.finditer(text, found)]
    closings = {
        closing
        for welcome in QUESTIONS_WELCOME.finditer(text, found)
        if (closing := _courtesy_closing(text, asks, welcome.span())) is not None
    }
    return len(closings) < len(asks)


def _courtesy_closing(
    text: str, asks: list[tuple[int, int]], welcome: tuple[int, int]
) -> tuple[int, int] | None:
    """The one ask that only invites questions with `welcome`, if any.

    A second ask beside the closing ("..., otherwise please confirm") stays
    a request, and so does the closing when its sentence goes on to another
    clause: "let me know if you have any questions, or if Tuesday works". A
    sentence that goes on with more courtesy ("or if you need anything
    else") does not.
    """
    joined = [ask for ask in asks if _one_clause(text, ask, welcome)]
    if not joined:
        return None
    # The ask nearest the welcome, overlapping it most, is the one it closes.
    closing = min(joined, key=lambda ask: max(ask[0], welcome[0]) - min(ask[1], welcome[1]))
    end = max(closing[1], welcome[1])
    sentence_end = _SENTENCE_MARK.search(text, end)
    rest = text[end : sentence_end.start() if sentence_end else len(text)]
    clause = ANOTHER_CLAUSE.search(rest)
    if clause is None:
        return closing
    more = rest[clause.end() :]
    if REQUEST_VERB.search(more):
        return None
    polite_promise = OTHERWISE.fullmatch(clause.group()) and PROMISE.search(more)
    return closing if MORE_COURTESY.search(more) or polite_promise else None


def _one_clause(text: str, first: tuple[int, int], second: tuple[int, int]) -> bool:
    """Whether two phrases of `text` overlap or touch within a sentence."""
    gap = text[min(first[1], second[1]) : max(first[0], second[0])]
    return len(gap) <= _COURTESY_GAP and not any(mark in gap for mark in ".!?")


def _pending(readings: Sequence[Reading], language: str) -> tuple[Ask | None, Promise | None]:
    """What the other side said last: an ask the user has not answered, and a promise.

    Answering settles an ask, but a promise holds after the user's replies
    ("thank you, I look forward to hearing from you"), her nudges and a
    short exchange on something else ("is the role hybrid?" "Yes."). It is
    read in everything the other side wrote since their last invitation,
    which began a new exchange: an applicant-tracking system's "we will get
    back to you within 3 weeks" counts when no person promised a date.
    """
    ask: Ask | None = None
    promises: list[Promise] = []
    answered = False
    for reading in reversed(readings):
        if reading.kind is Kind.SELF:
            answered = True
            continue
        if reading.kind not in (Kind.HUMAN, Kind.AUTOMATED):
            continue
        if not answered and ask is None and (what := asked_for(reading)) is not None:
            ask = Ask(what, reading.message)
        if reading.find(PROMISE) and (promise := _promise(reading, language)) is not None:
            promises.append(promise)
        if reading.kind is Kind.HUMAN and reading.message.calendar:
            break
    return ask, _latest_promise(promises)


def _latest_promise(promises: Sequence[Promise]) -> Promise | None:
    """The promise that gives them the most time, among those still standing.

    A date read too early has the follow-up written before they said they
    would answer, so of several dated promises the latest counts, and a
    promise without a date ("we'll be in touch") never shortens a dated
    one. A person's dated promise replaces the templates before it ("we
    will review your application within 6 weeks", then the recruiter's "by
    13 November"), not a template sent after it. `promises` run newest
    first; without any date, a person's newest counts.
    """
    standing: list[Promise] = []
    personal_dated = False
    for promise in promises:
        if promise.by_person or not personal_dated:
            standing.append(promise)
        personal_dated = personal_dated or (promise.by_person and promise.deadline is not None)
    dated = [p for p in standing if p.deadline is not None]
    if dated:
        return max(dated, key=lambda p: (p.deadline, p.by_person))
    personal = [p for p in standing if p.by_person]
    undated = personal or standing
    return undated[0] if undated else None


def _promise(reading: Reading, language: str) -> Promise | None:
    """The message's promise with the latest deadline, else its first.

    None when every promise is kept for some candidates only.
    """
    by_person = reading.kind is Kind.HUMAN
    text = reading.flat
    hits = [hit for hit in PROMISE.finditer(text, reading.anchors) if not _for_some(text, hit)]
    dated = [
        Promise(reading.message, hit.group(), deadline, by_person)
        for hit in hits
        if (deadline := promised_deadline(text, hit, reading.message.date, language))
    ]
    if dated:
        return max(dated, key=lambda p: p.deadline or reading.message.date.date())
    return Promise(reading.message, hits[0].group(), None, by_person) if hits else None


def _for_some(text: str, promise: re.Match[str]) -> bool:
    """Whether the promise's sentence keeps it for some candidates only."""
    before = text[max(0, promise.start() - _CONDITION_REACH) : promise.start()]
    after = text[promise.end() : promise.end() + _CONDITION_REACH]
    sentence = re.split(r"[.!?]", before)[-1] + promise.group() + re.split(r"[.!?]", after)[0]
    return FOR_SOME_ONLY.search(sentence) is not None


def _absences(readings: Sequence[Reading], language: str) -> tuple[Absence, ...]:
    """Out-of-office replies since the other side last wrote in person.

    The user writing again does not bring anyone back: a responder answers
    each sender once, so its first reply is the only word of the absence.
    Someone on the other side writing in person does: they are back, or
    they answer in the absent person's place.
    """
    found = []
    for reading in reversed(readings):
        if reading.kind is Kind.HUMAN:
            break
        if reading.kind is Kind.AUTO_REPLY:
            message = reading.message
            back_on = parse_ooo_return_date(message.body_text, message.date, language)
            if back_on is not None:
                found.append(Absence(message, back_on))
    return tuple(reversed(found))


def _untracked(
    thread_id: str,
    readings: tuple[Reading, ...],
    selves: frozenset[str],
    evidence: tuple[Evidence, ...],
    score: float,
) -> Analysis:
    """Untracked threads keep their evidence, the decisive item first."""
    classification = Classification(
        tracked=False,
        score=score,
        stage=Stage.CLOSED,
        language=OTHER,
        participants=(),
        evidence=evidence,
    )
    return Analysis(thread_id, classification, readings, selves)


def analyse(thread: Thread, self_addresses: frozenset[str], overrides: Overrides) -> Analysis:
    """The thread read once; an untracked thread keeps the evidence of why."""
    overrides = normalized_overrides(overrides)
    selves = thread_selves(thread.messages, self_addresses)
    readings = tuple(read_thread(thread.messages, selves))
    corrected = _corrected(overrides)
    if not readings:
        return _untracked(
            thread.id, readings, selves, (Evidence("empty", "no messages", -100.0),), 0.0
        )
    excluded = hard_exclusion(readings, selves)
    if excluded is not None and not corrected:
        return _untracked(thread.id, readings, selves, (excluded,), excluded.weight)
    if not corrected and not might_be_recruiting(readings, selves):
        nothing = Evidence("no_vocabulary", "nothing about recruiting", 0.0)
        return _untracked(thread.id, readings, selves, (nothing,), 0.0)
    interview = latest_interview(readings)
    return _scored(thread.id, readings, selves, overrides, interview=interview, excluded=excluded)


def analyse_tracked(
    thread: Thread, self_addresses: frozenset[str], overrides: Overrides
) -> Analysis | None:
    """`analyse` for a tracked thread; None for any other, told as cheaply as possible.

    Planning drops untracked threads, so why they are not tracked is never
    worked out here: `analyse` says it when someone asks.
    """
    overrides = normalized_overrides(overrides)
    if _corrected(overrides):
        return analyse(thread, self_addresses, overrides)
    selves = thread_selves(thread.messages, self_addresses)
    # Half of a mailbox is list mail: its header fields rule it out unread.
    if has_bulk(thread.messages, selves):
        return None
    readings = tuple(read_thread(thread.messages, selves))
    if (
        not readings
        or hard_exclusion(readings, selves) is not None
        or not might_be_recruiting(readings, selves)
    ):
        return None
    interview = latest_interview(readings)
    if not could_be_tracked(readings, selves, interview):
        return None
    analysis = _scored(thread.id, readings, selves, overrides, interview=interview, excluded=None)
    return analysis if analysis.classification.tracked else None


def _corrected(overrides: Overrides) -> bool:
    """The user corrected the thread's people or stage: it is tracked whatever it says."""
    return bool(overrides.manager or overrides.hr or overrides.stage)


def _scored(
    thread_id: str,
    readings: tuple[Reading, ...],
    selves: frozenset[str],
    overrides: Overrides,
    *,
    interview: CalendarEvent | None,
    excluded: Evidence | None,
) -> Analysis:
    """A thread that may be recruiting, after its evidence is weighed."""
    score, evidence = score_thread(readings, selves, interview)
    if excluded is not None:
        evidence = (excluded, *evidence)
    tracked = _corrected(overrides) or score >= TRACKED_THRESHOLD
    if not tracked:
        return _untracked(thread_id, readings, selves, _decisive_first(evidence, score), score)
    language = _language(readings)
    stage, stage_evidence, interview = _stage(readings, overrides, interview, language)
    classification = Classification(
        tracked=True,
        score=score,
        stage=stage,
        language=language,
        participants=assign_roles(readings, selves, interview, overrides),
        evidence=evidence,
        stage_evidence=stage_evidence,
        interview=interview,
    )
    if overrides.stage is None:
        replies = (r for r in reversed(readings) if r.kind is not Kind.AUTO_REPLY)
        last = next(replies, readings[-1])
        classification = as_of(classification, last.message.date)
    ask, promise = _pending(readings, language)
    absences = _absences(readings, language)
    return Analysis(thread_id, classification, readings, selves, ask, promise, absences)


def _stage(
    readings: Sequence[Reading],
    overrides: Overrides,
    interview: CalendarEvent | None,
    language: str,
) -> tuple[Stage, tuple[Evidence, ...], CalendarEvent | None]:
    """The stage with its evidence, and the interview, read from text if need be."""
    stage, evidence = detect_stage(readings)
    if stage is None:
        stage = Stage.APPLIED
        evidence = (Evidence("stage", "applied: no later step in the mail"),)
    if overrides.stage is not None:
        stage = overrides.stage
        evidence = (*evidence, Evidence("stage", f"{stage}: your correction"))
    if interview is None and stage is Stage.INTERVIEWING:
        interview = interview_from_text(readings, language)
        if interview is not None:
            read = f"interviewing: {interview.summary}, {short_date(interview.start)}"
            evidence = (*evidence, Evidence("stage", read))
    return stage, evidence, interview


def _decisive_first(evidence: tuple[Evidence, ...], score: float) -> tuple[Evidence, ...]:
    against = [e for e in evidence if e.weight < 0]
    if against:
        strongest = min(against, key=lambda e: e.weight)
        return (strongest, *(e for e in evidence if e is not strongest))
    weak = Evidence("score", f"too little recruiting evidence (score {score:.1f})", 0.0)
    return (weak, *evidence)


_NO_OVERRIDES = Overrides()


def classify(
    thread: Thread, self_addresses: frozenset[str], overrides: Overrides = _NO_OVERRIDES
) -> Classification:
    """Whether `thread` is the user's recruiting, its stage, who is who, and why."""
    selves = frozenset(a.strip().lower() for a in self_addresses)
    return analyse(thread, selves, overrides).classification
