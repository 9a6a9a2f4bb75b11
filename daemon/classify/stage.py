"""Where an application stands, from the latest message that says so."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING

from daemon.classify.dates import find_dates
from daemon.classify.reading import Kind, Reading
from daemon.classify.vocabulary import (
    APPLICATION_RECEIVED,
    CLOSED,
    INTERVIEW_INVITE,
    OFFER,
    OTHER_INTERVIEWED,
    REJECTION,
    SELF_ACCEPTS_OFFER,
    SELF_APPLICATION,
    SELF_CONFIRMS_INTERVIEW,
    SELF_THANKS_INTERVIEW,
    WITHDRAWAL,
)
from daemon.classify.wording import short_date
from daemon.domain import CalendarEvent, Classification, Evidence, Stage

if TYPE_CHECKING:
    from collections.abc import Sequence

    from daemon.classify.lexicon import Lexicon

#: Once reached, only another final stage replaces these: a scheduling
#: message after an offer or a rejection must not reopen the thread.
FINAL_STAGES = frozenset({Stage.OFFER, Stage.REJECTED, Stage.WITHDRAWN, Stage.CLOSED})
_RANK = {Stage.APPLIED: 0, Stage.INTERVIEWING: 1, Stage.INTERVIEWED: 1}
_MENTION_HORIZON = timedelta(days=60)
_MENTION_LENGTH = timedelta(hours=36)

_SELF_SIGNALS: tuple[tuple[Lexicon, Stage, str], ...] = (
    (WITHDRAWAL, Stage.WITHDRAWN, "you withdrew"),
    (SELF_ACCEPTS_OFFER, Stage.CLOSED, "you accepted the offer"),
    (SELF_THANKS_INTERVIEW, Stage.INTERVIEWED, "you thanked them for the interview"),
    (SELF_CONFIRMS_INTERVIEW, Stage.INTERVIEWING, "you confirmed the interview"),
    (SELF_APPLICATION, Stage.APPLIED, "you applied"),
)
_OTHER_SIGNALS: tuple[tuple[Lexicon, Stage, str], ...] = (
    (REJECTION, Stage.REJECTED, "rejection"),
    (CLOSED, Stage.CLOSED, "the position was closed"),
    (OFFER, Stage.OFFER, "offer"),
    (OTHER_INTERVIEWED, Stage.INTERVIEWED, "they thanked you for the interview"),
    (INTERVIEW_INVITE, Stage.INTERVIEWING, "interview invitation"),
    (APPLICATION_RECEIVED, Stage.APPLIED, "application received"),
)


def _signal(reading: Reading) -> tuple[Stage, str, str] | None:
    """The strongest stage signal of one message: (stage, label, quoted words)."""
    if reading.kind is Kind.SELF:
        signals = _SELF_SIGNALS
    elif reading.kind in (Kind.HUMAN, Kind.AUTOMATED):
        signals = _OTHER_SIGNALS
    else:
        return None
    for lexicon, stage, label in signals:
        match = reading.find(lexicon) or reading.find_in_subject(lexicon)
        if match is not None:
            return stage, label, match.group()
    if reading.kind is not Kind.SELF and any(not e.cancelled for e in reading.message.calendar):
        return Stage.INTERVIEWING, "calendar invitation", ""
    return None


def _advances(current: Stage | None, new: Stage) -> bool:
    if current is None or new in FINAL_STAGES:
        return True
    if current in FINAL_STAGES:
        return False
    return _RANK[new] >= _RANK[current]


def detect_stage(readings: Sequence[Reading]) -> tuple[Stage | None, tuple[Evidence, ...]]:
    """The stage after the last message that moved it, with that step's evidence."""
    stage: Stage | None = None
    evidence: list[Evidence] = []
    for reading in readings:
        found = _signal(reading)
        if found is None or not _advances(stage, found[0]):
            continue
        stage, label, words = found
        message = reading.message
        quoted = f" ('{words}')" if words else ""
        evidence.append(
            Evidence(
                "stage",
                f"{stage}: {label} on {short_date(message.date)}{quoted}",
                message_key=message.key,
            )
        )
    return stage, tuple(evidence[-3:])


def as_of(classification: Classification, moment: datetime) -> Classification:
    """The stage once `moment` has come: a scheduled interview that ended is done."""
    interview = classification.interview
    if (
        classification.stage is Stage.INTERVIEWING
        and interview is not None
        and interview.end <= moment
    ):
        done = Evidence(
            "stage", f"interviewed: the interview on {short_date(interview.start)} ended"
        )
        return replace(
            classification,
            stage=Stage.INTERVIEWED,
            stage_evidence=(*classification.stage_evidence, done),
        )
    return classification


def latest_interview(readings: Sequence[Reading]) -> CalendarEvent | None:
    """The invitation that ends last, once updates and cancellations are applied."""
    by_uid: dict[str, CalendarEvent] = {}
    for position, reading in enumerate(readings):
        if reading.kind in (Kind.BULK, Kind.AUTO_REPLY):
            continue
        for event in reading.message.calendar:
            by_uid[event.uid or f"#{position}:{event.start.isoformat()}"] = event
    live = [event for event in by_uid.values() if not event.cancelled]
    return max(live, key=lambda e: (e.end, e.uid)) if live else None


def interview_from_text(readings: Sequence[Reading], language: str) -> CalendarEvent | None:
    """An interview known only from the mail ("see you on Tuesday 8 December").

    Dates in the scheduling messages of the last interview round, up to
    `_MENTION_HORIZON` ahead, stand for the interview when no invitation was
    attached. The latest such day counts, and it lasts until noon UTC the
    day after, so that it is over everywhere before any clock starts.
    """
    found: list[tuple[date, Reading]] = []
    for reading in readings:
        signal = _signal(reading)
        if signal is None or signal[0] is not Stage.INTERVIEWING:
            if signal is not None and signal[0] is not Stage.APPLIED:
                found = []
            continue
        sent = reading.message.date.date()
        horizon = sent + _MENTION_HORIZON
        found += [
            (f.day, reading)
            for f in find_dates(reading.flat, sent, language)
            if sent <= f.day <= horizon
        ]
    if not found:
        return None
    day, reading = max(found, key=lambda item: item[0])
    message = reading.message
    start = datetime.combine(day, time(0, 0), tzinfo=UTC)
    return CalendarEvent(
        uid=f"mail:{message.key}",
        start=start,
        end=start + _MENTION_LENGTH,
        summary=f"interview date read in the message of {short_date(message.date)}",
    )
