"""The vocabulary of followup: immutable values shared by every layer.

This module imports nothing from the project, so the pure core (classify,
policy, compose) and the adapters can all depend on it without cycles.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo


class Stage(enum.StrEnum):
    """Where the user's application stands, as far as the mail shows."""

    APPLIED = "applied"
    INTERVIEWING = "interviewing"
    INTERVIEWED = "interviewed"
    OFFER = "offer"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"
    CLOSED = "closed"


#: Stages in which a polite nudge can still help.
FOLLOWUP_STAGES = frozenset({Stage.APPLIED, Stage.INTERVIEWING, Stage.INTERVIEWED})


class Role(enum.StrEnum):
    SELF = "self"
    HR = "hr"
    HIRING_MANAGER = "hiring_manager"
    NOREPLY = "noreply"
    OTHER = "other"


class FollowupKind(enum.StrEnum):
    """Which template fits the situation."""

    AFTER_APPLICATION = "after_application"
    AFTER_INTERVIEW = "after_interview"
    SECOND_FOLLOWUP = "second_followup"
    AFTER_PROMISE = "after_promise"


class DraftState(enum.StrEnum):
    QUEUED = "queued"
    APPROVED = "approved"
    SENDING = "sending"
    SENT = "sent"
    REJECTED = "rejected"
    CANCELLED = "cancelled"
    FAILED = "failed"


#: States a draft never leaves.
FINAL_DRAFT_STATES = frozenset(
    {DraftState.SENT, DraftState.REJECTED, DraftState.CANCELLED, DraftState.FAILED}
)


@dataclass(frozen=True, slots=True)
class Address:
    """A parsed mailbox: `addr` is the bare, lower-cased addr-spec.

    `name` is the decoded display name with control characters removed; it is
    for showing and greeting only, never copied into a header verbatim.
    """

    addr: str
    name: str = ""

    @property
    def local_part(self) -> str:
        return self.addr.rpartition("@")[0]

    @property
    def domain(self) -> str:
        return self.addr.rpartition("@")[2]


@dataclass(frozen=True, slots=True)
class CalendarEvent:
    """An interview (or other meeting) taken from a text/calendar part."""

    uid: str
    start: datetime
    end: datetime
    summary: str = ""
    organizer: Address | None = None
    attendees: tuple[Address, ...] = ()
    method: str = ""
    cancelled: bool = False


@dataclass(frozen=True, slots=True)
class Message:
    """One message as synced, independent of the folders it sits in.

    `key` identifies the message across folders: its Message-ID in angle
    brackets, or a stable synthetic id (``<sha256...@followup.invalid>``) when
    the message has none. `date` is timezone-aware (UTC when in doubt).
    `in_sent` says the message was found in the account's Sent folder.
    """

    key: str
    account: str
    subject: str
    date: datetime
    from_: Address | None
    to: tuple[Address, ...] = ()
    cc: tuple[Address, ...] = ()
    reply_to: tuple[Address, ...] = ()
    sender: Address | None = None
    in_reply_to: str | None = None
    references: tuple[str, ...] = ()
    auto_submitted: str | None = None
    x_autoreply: bool = False
    precedence: str | None = None
    list_id: str | None = None
    list_unsubscribe: bool = False
    thread_topic: str | None = None
    thread_index: str | None = None
    gm_thrid: str | None = None
    language_hint: str | None = None
    body_text: str = ""
    calendar: tuple[CalendarEvent, ...] = ()
    in_sent: bool = False

    @property
    def auto_submitted_flag(self) -> bool:
        """Marked as machine-sent (RFC 3834 Auto-Submitted other than "no", X-Autoreply)."""
        return self.auto_submitted not in {None, "no"} or self.x_autoreply

    @property
    def participants(self) -> tuple[Address, ...]:
        found = (self.from_, *self.to, *self.cc)
        return tuple(a for a in found if a is not None)


@dataclass(frozen=True, slots=True)
class Thread:
    """A conversation: messages sorted by date, oldest first."""

    id: str
    account: str
    subject: str
    messages: tuple[Message, ...]

    @property
    def last_activity_at(self) -> datetime:
        return self.messages[-1].date


@dataclass(frozen=True, slots=True)
class Evidence:
    """One observation behind a decision, shown to the user as-is."""

    signal: str
    detail: str
    weight: float = 0.0
    message_key: str | None = None


@dataclass(frozen=True, slots=True)
class Participant:
    address: Address
    role: Role
    evidence: tuple[Evidence, ...] = ()


@dataclass(frozen=True, slots=True)
class Overrides:
    """What the user corrected by hand; always wins over classification."""

    manager: str | None = None
    hr: tuple[str, ...] = ()
    stage: Stage | None = None
    muted: bool = False


@dataclass(frozen=True, slots=True)
class Classification:
    tracked: bool
    score: float
    stage: Stage
    language: str
    participants: tuple[Participant, ...]
    evidence: tuple[Evidence, ...]
    stage_evidence: tuple[Evidence, ...] = ()
    interview: CalendarEvent | None = None
    position: str | None = None
    company: str | None = None

    def with_role(self, role: Role) -> tuple[Participant, ...]:
        return tuple(p for p in self.participants if p.role is role)


@dataclass(frozen=True, slots=True)
class BusinessCalendar:
    """Business-day rules: timezone, weekend and holiday dates."""

    timezone: ZoneInfo
    holidays: frozenset[date] = frozenset()
    weekend: frozenset[int] = frozenset({5, 6})


@dataclass(frozen=True, slots=True)
class SendWindow:
    start: time = time(9, 0)
    end: time = time(17, 0)
    weekdays: frozenset[int] = frozenset({0, 1, 2, 3, 4})


@dataclass(frozen=True, slots=True)
class Rules:
    """Everything the policy needs from the configuration, as plain values."""

    calendar: BusinessCalendar
    self_addresses: frozenset[str] = frozenset()
    silence_business_days: int = 5
    silence_by_stage: tuple[tuple[Stage, int], ...] = ()
    max_followups: int = 2
    #: Message-IDs of the follow-ups followup itself sent: each is a follow-up
    #: wherever it stands, never the original message of a silence.
    sent_followups: frozenset[str] = frozenset()

    def silence_for(self, stage: Stage) -> int:
        return dict(self.silence_by_stage).get(stage, self.silence_business_days)


@dataclass(frozen=True, slots=True)
class Decision:
    """The policy's verdict on one thread at one moment, with its reasons.

    `due_at` is when a follow-up becomes (or became) due; None when none ever
    will without new mail. `to`/`cc` are filled only when `due` is true.
    """

    thread_id: str
    due: bool
    reason: str
    classification: Classification
    due_at: datetime | None = None
    waiting_on_you: bool = False
    kind: FollowupKind | None = None
    followup_number: int = 0
    to: tuple[Address, ...] = ()
    cc: tuple[Address, ...] = ()
    evidence: tuple[Evidence, ...] = field(default=())


@dataclass(frozen=True, slots=True)
class Draft:
    """A follow-up waiting for approval, or the record of one.

    `raw` is the complete RFC 822 message exactly as it will be sent; the
    other fields are indexed copies for listing and safety checks.
    """

    id: int
    account: str
    thread_id: str
    state: DraftState
    kind: FollowupKind
    message_id: str
    subject: str
    to: tuple[Address, ...]
    cc: tuple[Address, ...]
    in_reply_to: str | None
    raw: bytes
    reason: str
    created_at: datetime
    language: str = "en"
    language_fallback: bool = False
    not_before: datetime | None = None
    error: str | None = None
    attempts: int = 0
