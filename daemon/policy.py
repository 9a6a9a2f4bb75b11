"""When a follow-up is due, to whom, and why: pure decisions at a given `now`.

`decide` applies the rules in a fixed order and stops at the first that
says no, so the reason shown is the most fundamental one. A decision is a
function of the thread's content, the rules and `now` only: the order in
which messages were synced never matters.

Promises with a time frame. "We'll get back to you next week" moves the due
date to `PROMISE_GRACE_BUSINESS_DAYS` business days after the promised
deadline (the Friday of next week) when that is later than the usual
silence window; a promise without a time frame leaves the window as it is.
Out-of-office replies with a readable return date move it to
`OOO_GRACE_BUSINESS_DAYS` after the sender is back. Both only ever
postpone.

Choices the issue leaves open, made for precision:
- a thread the user never wrote in (cold outreach, a web-form application
  acknowledged by an ATS) gets no follow-up;
- an interview that took place counts as the other side speaking, so the
  thank-you note after it is an original message, not a follow-up. With no
  calendar invitation to date it, the user's first thank-you for an
  interview arranged in the thread marks its end the same way;
- of the user's messages since the other side last spoke, the first is the
  original (the application, an answer, the thank-you note after an
  interview) and each further one a follow-up. A message that asks for
  nothing ("we are reviewing applications", "we'll get back to you") leaves
  nothing to answer, though: the first message after it is a follow-up too
  when it was written once the silence window had passed (when the tool
  itself would have nudged), and an original ("thank you, I look forward
  to hearing from you") only when written before. A message that asked for
  something ("could you send your portfolio?") is answered by the next
  message, however late. This departs from the issue's literal count so
  that nudges the user wrote by hand never let one more through. A
  follow-up followup itself sent (`Rules.sent_followups`) is never the
  original, nor the thank-you note;
- notifications from no-reply senders make the thread "waiting on you"
  only when they ask for availability or documents, since their templates
  end in questions;
- the follow-up is never earlier than the silence window, whatever a
  promise or an out-of-office says.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from daemon.business_days import add_business_days, start_of_day
from daemon.classify.analysis import Analysis, analyse, asked_for
from daemon.classify.reading import Kind, Reading
from daemon.classify.roles import latest_from
from daemon.classify.senders import is_deliverable, is_noreply
from daemon.classify.stage import as_of, detect_stage
from daemon.classify.text import first_name
from daemon.classify.vocabulary import APPLICATION_RECEIVED, SELF_THANKS_INTERVIEW
from daemon.classify.wording import describe_participant, short_date, who
from daemon.domain import (
    FOLLOWUP_STAGES,
    Address,
    Classification,
    Decision,
    Evidence,
    FollowupKind,
    Overrides,
    Participant,
    Role,
    Rules,
    Stage,
)

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import datetime

    from daemon.domain import Message, Thread

PROMISE_GRACE_BUSINESS_DAYS = 2
OOO_GRACE_BUSINESS_DAYS = 1

_NO_OVERRIDES = Overrides()
_CONTROL = dict.fromkeys([*range(32), 127], " ")
_FOR_THEIR_TIME = re.compile(r"\b(?:time|temps|tiempo)\b")
_TO_MEET = re.compile(
    r" (?:to (?:speak|meet|talk|chat)|(?:de|pour) (?:me )?(?:rencontrer|recevoir|échanger)"
    r"|para (?:hablar|reunirte|reunirse|conocerme))"
)
_ADDRESS_LIKE = frozenset('@<>"')


def decide(
    thread: Thread, rules: Rules, now: datetime, overrides: Overrides = _NO_OVERRIDES
) -> Decision:
    """The verdict on one thread at `now`, its classification included."""
    return decide_analysed(analyse(thread, own_addresses(rules), overrides), rules, now, overrides)


def own_addresses(rules: Rules) -> frozenset[str]:
    """The user's addresses as the classifier compares them."""
    return frozenset(a.strip().lower() for a in rules.self_addresses)


def still_holds(
    decision: Decision, analysis: Analysis, decided_at: datetime, now: datetime
) -> bool:
    """Whether `decision`, made at `decided_at`, is the one `decide_analysed` gives at `now`.

    Same thread, rules and corrections assumed. Time changes a decision at
    two moments only: when the thread's interview ends (the stage moves on
    and nothing is held for it any more) and when the due date passes.
    """
    interview = analysis.classification.interview
    if interview is not None and (interview.end <= decided_at) != (interview.end <= now):
        return False
    due_at = decision.due_at
    return due_at is None or (due_at <= decided_at) == (due_at <= now)


@dataclass(frozen=True, slots=True)
class _Case:
    """One thread being decided: what the rules below look at."""

    analysis: Analysis
    classification: Classification
    rules: Rules
    now: datetime
    overrides: Overrides

    def hold(self, reason: str, **fields: Any) -> Decision:
        """A decision that nothing is due, for `reason`."""
        return Decision(
            self.analysis.thread_id,
            due=False,
            reason=reason,
            classification=self.classification,
            **fields,
        )

    @property
    def silence(self) -> int:
        return self.rules.silence_for(self.classification.stage)


def decide_analysed(
    analysis: Analysis, rules: Rules, now: datetime, overrides: Overrides
) -> Decision:
    """`decide` for a thread already read: only this step depends on `now`."""
    classification = analysis.classification
    if not classification.tracked:
        why = classification.evidence[0].detail if classification.evidence else "no evidence"
        return Decision(
            analysis.thread_id,
            due=False,
            reason=f"not a recruiting thread ({why})",
            classification=classification,
        )
    if overrides.stage is None:
        classification = as_of(classification, now)
    case = _Case(analysis, classification, rules, now, overrides)
    for rule in _BLOCKERS:
        held = rule(case)
        if held is not None:
            return held
    # Rule 6 counts the follow-ups sent; the decision reuses the count.
    sent = _followups_sent(case)
    limit = rules.max_followups
    if sent >= limit:
        return case.hold(f"max follow-ups ({limit}) already sent")
    return _timed(case, sent)


def _muted(case: _Case) -> Decision | None:
    return case.hold("muted") if case.overrides.muted else None


def _final_stage(case: _Case) -> Decision | None:
    c = case.classification
    if c.stage in FOLLOWUP_STAGES:
        return None
    return case.hold(f"stage is {c.stage}", evidence=c.stage_evidence[-1:])


def _waiting_on_you(case: _Case) -> Decision | None:
    ask = case.analysis.ask
    if ask is None:
        return None
    asker = _first_name(ask.message)
    reason = f"waiting on you: {asker} asked for {ask.what} on {short_date(ask.message.date)}"
    evidence = (Evidence("ask", reason, message_key=ask.message.key),)
    return case.hold(reason, waiting_on_you=True, evidence=evidence)


def _interview_ahead(case: _Case) -> Decision | None:
    interview = case.classification.interview
    if interview is None or interview.end <= case.now:
        return None
    # The due date the thread will show once the interview is over.
    silence = case.rules.silence_for(Stage.INTERVIEWED)
    due_at = add_business_days(interview.end, silence, case.rules.calendar)
    return case.hold(f"interview on {short_date(interview.start)} is still ahead", due_at=due_at)


def _never_wrote(case: _Case) -> Decision | None:
    if case.analysis.last_of(Kind.SELF) is not None:
        return None
    return case.hold("you have not written in this thread")


#: The rules that hold a thread whatever the count and the clock, most
#: fundamental first; the first that holds decides. The follow-up count
#: (rule 6) comes next, in `decide_analysed`, which hands it on to `_timed`.
_BLOCKERS: tuple[Callable[[_Case], Decision | None], ...] = (
    _muted,
    _final_stage,
    _waiting_on_you,
    _interview_ahead,
    _never_wrote,
)


def _timed(case: _Case, sent: int) -> Decision:
    """Rule 7 (someone to write to), then the silence window decides."""
    analysis, classification = case.analysis, case.classification
    to, cc, evidence = _recipients(analysis, classification)
    if not to:
        return case.hold(f"no reachable human recipient ({_why_nobody(classification)})")
    due_at, because = _due_at(analysis, classification, case.rules, case.silence)
    due = case.now >= due_at
    when = due_at.date().isoformat()
    return Decision(
        analysis.thread_id,
        due=due,
        reason=f"due since {when} ({because})" if due else f"not due until {when} ({because})",
        classification=classification,
        due_at=due_at,
        kind=_kind(analysis, classification, sent),
        followup_number=sent + 1,
        to=to if due else (),
        cc=cc if due else (),
        evidence=(Evidence("clock", because), *evidence),
    )


def _first_name(message: Message) -> str:
    sender = message.from_
    if sender is None:
        return "they"
    return first_name(sender.name) or sender.addr


def _followups_sent(case: _Case) -> int:
    """User messages since the other side last spoke, minus the original one.

    An interview that took place counts as the other side speaking, and so
    does the user's first thank-you for an interview arranged in the thread:
    the thank-you note is an original message, not a follow-up. After a
    message that asked for nothing, a first message written once the silence
    window had passed was a follow-up, so no original is subtracted; nor when
    that first message is a follow-up followup itself sent.
    """
    readings = case.analysis.readings
    interview = case.classification.interview
    spoke_until = interview.end if interview is not None else None
    mine: list[int] = []  # positions of the user's messages since the other side spoke
    spoke: Reading | None = None
    for position in range(len(readings) - 1, -1, -1):
        reading = readings[position]
        if spoke_until is not None and reading.message.date <= spoke_until:
            break
        if reading.kind is Kind.HUMAN:
            spoke = reading
            break
        if reading.kind is Kind.SELF:
            mine.append(position)
    if not mine:
        return 0
    mine.reverse()
    for written, position in enumerate(mine):
        if _thanks_for_interview(case, position):
            return len(mine) - written - 1
    first = readings[mine[0]].message
    if first.key in case.rules.sent_followups or (
        spoke is not None and _nudged_after(case, spoke, first.date)
    ):
        return len(mine)
    return len(mine) - 1


def _thanks_for_interview(case: _Case, position: int) -> bool:
    """The user's message at `position` thanks for an interview arranged before it.

    A follow-up closing "thank you for your time" reads the same: only a
    thank-you written while an interview was arranged and not yet thanked
    for counts, and never one followup sent.
    """
    reading = case.analysis.readings[position]
    if not _thanks_for_a_meeting(reading):
        return False
    if reading.message.key in case.rules.sent_followups:
        return False
    stage, _ = detect_stage(case.analysis.readings[:position])
    return stage is Stage.INTERVIEWING


def _thanks_for_a_meeting(reading: Reading) -> bool:
    """Whether the user thanks for the meeting itself, not only for someone's time.

    "Thank you for your time" closes nudges too; "thank you for taking the
    time to speak with me" names the meeting.
    """
    for thanks in SELF_THANKS_INTERVIEW.finditer(reading.flat, reading.anchors):
        if _FOR_THEIR_TIME.search(thanks.group()) is None:
            return True
        if _TO_MEET.match(reading.flat, thanks.end()) is not None:
            return True
    return False


def _nudged_after(case: _Case, spoke: Reading, first_written: datetime) -> bool:
    """Whether the user's first message after `spoke` was a nudge rather than an answer.

    It was when `spoke` answered the user (she had written before it, or it
    acknowledges her application), asked for nothing (no answer was owed),
    and the message waited the silence window, as followup itself would
    have. A late answer to an outreach the other side started is an answer.
    """
    if asked_for(spoke) is not None:
        return False
    if not _wrote_before(case, spoke) and spoke.find(APPLICATION_RECEIVED) is None:
        return False
    window_end = add_business_days(spoke.message.date, case.silence, case.rules.calendar)
    return first_written >= window_end


def _wrote_before(case: _Case, spoke: Reading) -> bool:
    for reading in case.analysis.readings:
        if reading is spoke:
            return False
        if reading.kind is Kind.SELF:
            return True
    return False


def _kind(analysis: Analysis, classification: Classification, sent: int) -> FollowupKind:
    if sent >= 1:
        return FollowupKind.SECOND_FOLLOWUP
    if analysis.promise is not None and analysis.promise.by_person:
        return FollowupKind.AFTER_PROMISE
    if classification.stage is Stage.INTERVIEWED:
        return FollowupKind.AFTER_INTERVIEW
    return FollowupKind.AFTER_APPLICATION


def _due_at(
    analysis: Analysis, classification: Classification, rules: Rules, silence: int
) -> tuple[datetime, str]:
    """When the silence window ends, and which event set it."""
    cal = rules.calendar
    last = analysis.last_of(Kind.SELF, Kind.HUMAN)
    assert last is not None
    start = last.message.date
    if last.kind is Kind.SELF:
        label = f"your message of {short_date(start)}"
    else:
        label = f"{_sender_name(last.message)}'s message of {short_date(start)}"
    interview = classification.interview
    if interview is not None and interview.end > start:
        start, label = interview.end, f"the interview on {short_date(interview.start)}"
    unit = "business day" if silence == 1 else "business days"
    due_at, because = add_business_days(start, silence, cal), f"{silence} {unit} after {label}"
    promise = analysis.promise
    if promise is not None and promise.deadline is not None:
        after = add_business_days(
            start_of_day(promise.deadline, cal), PROMISE_GRACE_BUSINESS_DAYS, cal
        )
        if after > due_at:
            due_at = after
            promised = short_date(promise.deadline)
            because = (
                f"{PROMISE_GRACE_BUSINESS_DAYS} business days after {promised}, the time "
                f"promised in {_sender_name(promise.message)}'s '{promise.words}' "
                f"of {short_date(promise.message.date)}"
            )
    for absence in analysis.absences:
        after = add_business_days(start_of_day(absence.back_on, cal), OOO_GRACE_BUSINESS_DAYS, cal)
        if after > due_at:
            due_at = after
            because = (
                f"{OOO_GRACE_BUSINESS_DAYS} business day after {_sender_name(absence.message)} "
                f"is back on {short_date(absence.back_on)}"
            )
    return due_at, because


def _sender_name(message: Message) -> str:
    return who(message.from_) if message.from_ is not None else "an unknown sender"


def _clean(address: Address, name: str) -> Address:
    """A copy safe for headers: a display name never carries a line break.

    A name that looks like an address (a crafted encoded word can decode to
    'Holly" <eve@...>') is dropped: it is only ever used for greeting.
    """
    if any(char in name for char in _ADDRESS_LIKE):
        return Address(address.addr)
    return Address(address.addr, " ".join(name.translate(_CONTROL).split()))


class _Reach:
    """Where a participant's mail should go: their latest Reply-To, or them."""

    def __init__(self, analysis: Analysis) -> None:
        self.analysis = analysis
        self.selves = analysis.selves

    def usable(self, address: Address) -> bool:
        addr = address.addr
        return addr not in self.selves and not is_noreply(addr) and is_deliverable(addr)

    def addresses(self, participant: Participant) -> list[Address]:
        person = participant.address
        latest = latest_from(self.analysis.readings, person.addr)
        if latest is not None:
            routed = [a for a in latest.reply_to if self.usable(a)]
            if routed:
                return [_clean(a, a.name or person.name) for a in routed]
        return [_clean(person, person.name)] if self.usable(person) else []


def _last_sent(analysis: Analysis) -> dict[str, int]:
    return {
        reading.sender: position
        for position, reading in enumerate(analysis.readings)
        if reading.kind is Kind.HUMAN
    }


def _written_to(analysis: Analysis) -> set[str]:
    return {
        address.addr
        for reading in analysis.readings
        if reading.kind is Kind.SELF
        for address in (*reading.message.to, *reading.message.cc)
    }


def _recipients(
    analysis: Analysis, classification: Classification
) -> tuple[tuple[Address, ...], tuple[Address, ...], list[Evidence]]:
    """To the hiring manager with active HR in Cc, or to the HR contact alone."""
    last_sent = _last_sent(analysis)
    reach = _Reach(analysis)

    def rank(p: Participant) -> tuple[float, int]:
        return sum(e.weight for e in p.evidence), last_sent.get(p.address.addr, -1)

    managers = sorted(classification.with_role(Role.HIRING_MANAGER), key=rank, reverse=True)
    hr = classification.with_role(Role.HR)
    written_to = _written_to(analysis)
    active = [p for p in hr if p.address.addr in last_sent] or [
        p for p in hr if p.address.addr in written_to
    ]
    active = sorted(active or list(hr), key=lambda p: last_sent.get(p.address.addr, -1))
    for manager in managers:
        to = reach.addresses(manager)
        if to:
            cc = [a for p in active for a in reach.addresses(p)]
            chosen = [Evidence("to", describe_participant(manager))]
            chosen += [Evidence("cc", describe_participant(p)) for p in active]
            return _distinct(to, cc, chosen)
    for contact in reversed(active):
        to = reach.addresses(contact)
        if to:
            return _distinct(to, [], [Evidence("to", describe_participant(contact))])
    return (), (), []


def _distinct(
    to: list[Address], cc: list[Address], evidence: list[Evidence]
) -> tuple[tuple[Address, ...], tuple[Address, ...], list[Evidence]]:
    seen: set[str] = set()
    return _unique(to, seen), _unique(cc, seen), evidence


def _unique(addresses: list[Address], seen: set[str]) -> tuple[Address, ...]:
    kept = []
    for address in addresses:
        if address.addr not in seen:
            seen.add(address.addr)
            kept.append(address)
    return tuple(kept)


def _why_nobody(classification: Classification) -> str:
    others = [p for p in classification.participants if p.role is not Role.SELF]
    if others and all(p.role is Role.NOREPLY for p in others):
        return "only no-reply senders"
    return "no hiring manager or HR contact identified"
