"""Whether a thread is part of the user's own hiring process: scored evidence.

Hard rules come first (bulk mail, the user not a direct participant); then
signals for and against add up, and the thread is tracked at
`TRACKED_THRESHOLD`. No single keyword reaches the threshold on its own.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from daemon.classify.reading import Kind, Reading, bulk_marker
from daemon.classify.senders import (
    ats_brand,
    hr_local_part,
    is_freemail,
    organisation,
    scheduler_brand,
)
from daemon.classify.text import original_line
from daemon.classify.vocabulary import (
    AGENCY,
    APPLICATION_RECEIVED,
    BODY_RECRUITING,
    CORE_STEMS,
    HR_TITLE,
    INTERVIEW_INVITE,
    JOB_ALERT,
    OFFER,
    OTHER_INTERVIEWED,
    PERSONAL,
    REJECTION,
    SELF_APPLICATION,
    SELF_THANKS_INTERVIEW,
    SUBJECT_RECRUITING,
    WITHDRAWAL,
)
from daemon.classify.wording import short_date
from daemon.domain import Evidence

if TYPE_CHECKING:
    import re
    from collections.abc import Sequence

    from daemon.classify.lexicon import Lexicon
    from daemon.domain import CalendarEvent

TRACKED_THRESHOLD = 3.0
_ATS = 3.0
_SCHEDULER = 2.0
_HR_TITLE = 2.5
_SUBJECT = 1.5
_VOCABULARY = 1.0
_BODY_CAP = 3
_JOB_ALERT = -4.0
_PERSONAL = -3.0
_PERSONAL_CAP = 2
_INTERVIEW_WORDS = (
    "interview",
    "entretien",
    "gespräch",
    "entrevista",
    "screen",
    "call with",
    "échange",
    "kennenlernen",
)

#: (lexicon, weight, label) read in the other side's messages.
_OTHER_PHRASES: tuple[tuple[Lexicon, float, str], ...] = (
    (APPLICATION_RECEIVED, 2.0, "application acknowledged"),
    (REJECTION, 2.0, "rejection wording"),
    (OFFER, 2.0, "offer wording"),
    (INTERVIEW_INVITE, 1.5, "interview scheduling"),
    (OTHER_INTERVIEWED, 1.0, "interview follow-up"),
    (AGENCY, 2.0, "agency recruiter wording"),
)
_SELF_PHRASES: tuple[tuple[Lexicon, float, str], ...] = (
    (SELF_APPLICATION, 2.0, "your application"),
    (SELF_THANKS_INTERVIEW, 1.0, "your thank-you for an interview"),
    (WITHDRAWAL, 1.0, "your withdrawal"),
)


def might_be_recruiting(readings: Sequence[Reading], selves: frozenset[str]) -> bool:
    """Whether anything at all hints at recruiting; most mail is ruled out here."""
    for reading in readings:
        if reading.kind is Kind.AUTO_REPLY:
            continue
        message = reading.message
        if message.calendar:
            return True
        for address in (message.from_, message.sender, *message.reply_to, *message.to, *message.cc):
            if address is None or address.addr in selves:
                continue
            addr = address.addr
            if ats_brand(addr) or scheduler_brand(addr) or hr_local_part(addr):
                return True
        if not CORE_STEMS.isdisjoint(reading.subject_anchors):
            return True
        if not CORE_STEMS.isdisjoint(reading.body_anchors):
            return True
    return False


def hard_exclusion(readings: Sequence[Reading], selves: frozenset[str]) -> Evidence | None:
    """The reason a thread can never be tracked, whatever it says."""
    for reading in readings:
        if reading.kind is Kind.BULK:
            marker = bulk_marker(reading.message) or "bulk mail"
            return Evidence("bulk", marker, -100.0, reading.message.key)
    for reading in readings:
        if reading.kind is Kind.AUTO_REPLY:
            continue
        message = reading.message
        if reading.kind is Kind.SELF or any(a.addr in selves for a in (*message.to, *message.cc)):
            return None
    return Evidence("not_participant", "you are not a direct participant", -100.0)


class _Score:
    def __init__(self) -> None:
        self.evidence: list[Evidence] = []
        self.labels: set[str] = set()

    def add(self, signal: str, detail: str, weight: float, key: str | None = None) -> None:
        self.evidence.append(Evidence(signal, detail, weight, key))

    def once(self, signal: str, detail: str, weight: float, key: str | None = None) -> None:
        if signal not in self.labels:
            self.labels.add(signal)
            self.add(signal, detail, weight, key)

    @property
    def total(self) -> float:
        return sum(e.weight for e in self.evidence)


def _senders(score: _Score, readings: Sequence[Reading]) -> None:
    for reading in readings:
        message = reading.message
        if reading.kind not in (Kind.HUMAN, Kind.AUTOMATED):
            continue
        for address in (message.from_, message.sender, *message.reply_to):
            if address is None:
                continue
            brand = ats_brand(address.addr)
            if brand is not None:
                score.once("ats", f"sent through {brand} ({address.addr})", _ATS, message.key)
            brand = scheduler_brand(address.addr)
            if brand is not None:
                score.once("scheduler", f"scheduled with {brand}", _SCHEDULER, message.key)
        if reading.kind is Kind.HUMAN and (line := reading.signature_line(HR_TITLE)) is not None:
            title = original_line(message.body_text, line)
            score.once("hr_title", f"recruiting title '{title}'", _HR_TITLE, message.key)


def _role_addresses(score: _Score, readings: Sequence[Reading], selves: frozenset[str]) -> None:
    for reading in readings:
        if reading.kind not in (Kind.SELF, Kind.HUMAN):
            continue
        for address in reading.message.participants:
            if address.addr not in selves and hr_local_part(address.addr):
                score.once("hr_address", f"recruiting address {address.addr}", 2.0)
                return


def _phrases(score: _Score, readings: Sequence[Reading]) -> None:
    body_hits: set[str] = set()
    personal_hits = 0
    for reading in readings:
        if reading.kind is Kind.AUTO_REPLY:
            continue
        message = reading.message
        when = short_date(message.date)
        if hit := reading.find_in_subject(SUBJECT_RECRUITING):
            score.once("subject", f"'{hit.group()}' in the subject", _SUBJECT, message.key)
        for match in _new_vocabulary(reading, body_hits):
            body_hits.add(match.group())
            score.add("vocabulary", f"'{match.group()}' on {when}", _VOCABULARY, message.key)
        phrases = _SELF_PHRASES if reading.kind is Kind.SELF else _OTHER_PHRASES
        for lexicon, weight, label in phrases:
            if hit := reading.find(lexicon):
                score.once(label, f"{label}: '{hit.group()}' on {when}", weight, message.key)
        if reading.kind is not Kind.SELF and (hit := reading.find(JOB_ALERT)):
            detail = f"job alert or newsletter: '{hit.group()}'"
            score.once("job_alert", detail, _JOB_ALERT, message.key)
        if personal_hits < _PERSONAL_CAP and (hit := reading.find(PERSONAL)):
            personal_hits += 1
            score.add("personal", f"personal wording: '{hit.group()}'", _PERSONAL, message.key)


def _new_vocabulary(reading: Reading, counted: set[str]) -> list[re.Match[str]]:
    """Recruiting words of `reading` not in `counted`, while fewer than `_BODY_CAP` are."""
    room = _BODY_CAP - len(counted)
    found: list[re.Match[str]] = []
    if room <= 0:
        return found
    seen = set(counted)
    for match in BODY_RECRUITING.finditer(reading.flat, reading.anchors):
        if match.group() not in seen:
            seen.add(match.group())
            found.append(match)
            if len(found) == room:
                break
    return found


def _calendar(score: _Score, interview: CalendarEvent | None) -> None:
    if interview is None:
        return
    summary = interview.summary.lower()
    when = short_date(interview.start)
    if any(word in summary for word in _INTERVIEW_WORDS):
        score.add("calendar", f"interview invitation '{interview.summary}' on {when}", 2.5)
    else:
        score.add("calendar", f"calendar invitation on {when}", 0.5)


def _circle(score: _Score, readings: Sequence[Reading], selves: frozenset[str]) -> None:
    """Penalise threads whose other side is only friends or colleagues."""
    others = {r.sender for r in readings if r.kind is Kind.HUMAN}
    if not others or "ats" in score.labels or "hr_title" in score.labels:
        return
    if all(is_freemail(addr) for addr in others):
        score.add("personal_addresses", "only personal addresses on the other side", -2.5)
        return
    own_orgs = {organisation(addr) for addr in selves if not is_freemail(addr)}
    if own_orgs and all(organisation(addr) in own_orgs for addr in others):
        score.add("colleagues", "only colleagues from your own organisation", -3.0)


def _forwarded(score: _Score, readings: Sequence[Reading]) -> None:
    first = next((r for r in readings if r.kind is not Kind.AUTO_REPLY), None)
    if first is not None and first.kind is Kind.HUMAN and first.subject.startswith(("fwd:", "fw:")):
        score.add("forwarded", "starts with mail forwarded to you", -1.0, first.message.key)


def could_be_tracked(
    readings: Sequence[Reading], selves: frozenset[str], interview: CalendarEvent | None
) -> bool:
    """Whether `score_thread` may reach `TRACKED_THRESHOLD`; False is certain.

    Planning asks this to rule most mail out before weighing it. A phrase
    counts at full weight wherever one of its lexicon's anchors is in the
    message (all found in one pass), so few patterns run; the other signals
    are read as `score_thread` reads them. Every signal there needs its
    counterpart here, at no less than its weight.
    """
    bound = _Score()
    for reading in readings:
        if reading.kind is not Kind.AUTO_REPLY:
            _may_say(bound, reading)
    _role_addresses(bound, readings, selves)
    _calendar(bound, interview)
    _circle(bound, readings, selves)
    _forwarded(bound, readings)
    if bound.total < TRACKED_THRESHOLD:
        return False
    # Only a search tells whether the negative phrases are there.
    return bound.total + _negative_phrases(readings) >= TRACKED_THRESHOLD


def _may_say(bound: _Score, reading: Reading) -> None:
    """Each positive signal that one message's addresses and anchors leave possible."""
    found = reading.anchors
    if reading.kind in (Kind.HUMAN, Kind.AUTOMATED):
        message = reading.message
        for address in (message.from_, message.sender, *message.reply_to):
            if address is not None and ats_brand(address.addr) is not None:
                bound.once("ats", "", _ATS)
            if address is not None and scheduler_brand(address.addr) is not None:
                bound.once("scheduler", "", _SCHEDULER)
    # Exact, to let `_circle` count a personal or colleague's thread down.
    if reading.kind is Kind.HUMAN and reading.signature_line(HR_TITLE) is not None:
        bound.once("hr_title", "", _HR_TITLE)
    if reading.find_in_subject(SUBJECT_RECRUITING):
        bound.once("subject", "", _SUBJECT)
    if BODY_RECRUITING.anchored_in(found):
        bound.once("vocabulary", "", _BODY_CAP * _VOCABULARY)
    for lexicon, weight, label in _SELF_PHRASES if reading.kind is Kind.SELF else _OTHER_PHRASES:
        if lexicon.anchored_in(found):
            bound.once(label, "", weight)


def _negative_phrases(readings: Sequence[Reading]) -> float:
    """What job-alert and personal wording take off the score, as `_phrases` counts it."""
    job_alert, personal = 0.0, 0
    for reading in readings:
        if reading.kind is Kind.AUTO_REPLY:
            continue
        if reading.kind is not Kind.SELF and reading.find(JOB_ALERT):
            job_alert = _JOB_ALERT
        if reading.find(PERSONAL):
            personal += 1
    return job_alert + min(personal, _PERSONAL_CAP) * _PERSONAL


def score_thread(
    readings: Sequence[Reading],
    selves: frozenset[str],
    interview: CalendarEvent | None,
) -> tuple[float, tuple[Evidence, ...]]:
    score = _Score()
    _senders(score, readings)
    _role_addresses(score, readings, selves)
    _phrases(score, readings)
    _calendar(score, interview)
    _circle(score, readings, selves)
    _forwarded(score, readings)
    return score.total, tuple(score.evidence)
