"""One pass over a thread's messages: who sent each one, and what kind it is."""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from daemon.classify.senders import is_noreply
from daemon.classify.text import normalize, own_text, signature_lines
from daemon.classify.vocabulary import ANCHORS, OOO_BODY, OOO_SUBJECT

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from daemon.classify.lexicon import Lexicon
    from daemon.domain import Message

_BULK_PRECEDENCE = frozenset({"bulk", "list", "junk"})
_REPLY_OR_FORWARD = re.compile(
    r"^\s*(?:\[[^\]]{0,60}\]\s*)*(?:re|aw|antw|sv|vs|rv|res|r|wg|fw|fwd|tr|enc|i)\s*(?:\[\d+\])?\s*:"
)
#: An out-of-office marker opening a subject, after tags such as "[External]".
_OOO_OPENING = re.compile(r"\s*(?:\[[^\]]{0,60}\]\s*)*" + OOO_SUBJECT.pattern)


class Kind(enum.Enum):
    """How a message counts: only SELF and HUMAN messages are conversation."""

    SELF = "self"
    HUMAN = "human"
    AUTOMATED = "automated"
    AUTO_REPLY = "auto_reply"
    BULK = "bulk"


@dataclass(slots=True)
class Reading:
    """A message with its kind and its normalized text, each part read at most once.

    `body` is the whole normalized body (empty for bulk mail); the sender's
    own words are only separated from the quoted history when asked for,
    since most mail is ruled out before that. The `*anchors` sets hold the
    stems and lexicon anchors found in a text (see `ANCHORS`).
    """

    message: Message
    kind: Kind
    sender: str
    subject: str
    body: str
    subject_anchors: frozenset[str]
    _body_anchors: frozenset[str] | None = None
    _own: str | None = None
    _flat: str | None = None
    _anchors: frozenset[str] | None = None
    _signature: list[str] | None = None
    _subject_is_new: bool | None = None
    _found: dict[Lexicon, re.Match[str] | None] = field(default_factory=dict)
    _in_subject: dict[Lexicon, re.Match[str] | None] = field(default_factory=dict)
    _in_signature: dict[Lexicon, str | None] = field(default_factory=dict)

    @property
    def body_anchors(self) -> frozenset[str]:
        """The anchors in the whole `body`, quotes included."""
        if self._body_anchors is None:
            self._body_anchors = ANCHORS.found(self.body)
        return self._body_anchors

    @property
    def own(self) -> str:
        """What the sender wrote, without quotes and forwarded history."""
        if self._own is None:
            self._own = own_text(self.body, self.body_anchors)
        return self._own

    @property
    def flat(self) -> str:
        """`own` on one line: phrases wrap across line breaks in plain-text mail."""
        if self._flat is None:
            self._flat = self.own.replace("\n", " ")
        return self._flat

    @property
    def anchors(self) -> frozenset[str]:
        """The anchors in `flat`, where the lexicons are searched."""
        if self._anchors is None:
            # Anchors hold no white space, so `flat` has those of `own`, and
            # `own` is most often the body itself, whose anchors are known.
            whole = self.own is self.body
            self._anchors = self.body_anchors if whole else ANCHORS.found(self.flat)
        return self._anchors

    @property
    def signature(self) -> list[str]:
        """The lines of `own` that can hold the sender's title."""
        if self._signature is None:
            self._signature = signature_lines(self.own)
        return self._signature

    def find(self, lexicon: Lexicon) -> re.Match[str] | None:
        """`lexicon` in the message's own words; each lexicon is searched once."""
        if not lexicon.anchored_in(self.anchors):
            return None
        if lexicon not in self._found:
            self._found[lexicon] = lexicon.compiled.search(self.flat)
        return self._found[lexicon]

    def find_in_part(self, lexicon: Lexicon, part: str) -> re.Match[str] | None:
        """`lexicon` in `part` of `own`, such as a line or a clause around a name.

        `part` must not hold a line break, so that its anchors are among
        the message's: a message without any of them is not searched again.
        """
        return lexicon.search(part) if lexicon.anchored_in(self.anchors) else None

    def signature_line(self, lexicon: Lexicon) -> str | None:
        """The first line of `signature` holding `lexicon`; each lexicon is looked for once."""
        if lexicon not in self._in_signature:
            lines = (line for line in self.signature if self.find_in_part(lexicon, line))
            self._in_signature[lexicon] = next(lines, None)
        return self._in_signature[lexicon]

    def find_in_subject(self, lexicon: Lexicon) -> re.Match[str] | None:
        """`lexicon` in the subject, when this message gave it (see `subject_is_new`)."""
        if not lexicon.anchored_in(self.subject_anchors) or not self.subject_is_new:
            return None
        if lexicon not in self._in_subject:
            self._in_subject[lexicon] = lexicon.compiled.search(self.subject)
        return self._in_subject[lexicon]

    @property
    def subject_is_new(self) -> bool:
        """The subject was written for this message, not carried over by a reply."""
        if self._subject_is_new is None:
            self._subject_is_new = _REPLY_OR_FORWARD.match(self.subject) is None
        return self._subject_is_new


def thread_selves(messages: Iterable[Message], self_addresses: frozenset[str]) -> frozenset[str]:
    """The account's addresses plus any alias the Sent folder shows it using."""
    sent_from = {m.from_.addr for m in messages if m.in_sent and m.from_ is not None}
    return self_addresses | sent_from if sent_from else self_addresses


def is_auto_reply(message: Message) -> bool:
    """Declared an auto-reply by its header fields: RFC 3834 auto-replied, or X-Autoreply."""
    submitted = message.auto_submitted
    return message.x_autoreply or (submitted is not None and submitted.startswith("auto-replied"))


def is_out_of_office_subject(subject: str) -> bool:
    """A new subject that opens with an out-of-office marker, as "Automatic reply: ...".

    A marker further in is the topic ("Absence Management Specialist"), and
    "Re: Out of office" is somebody answering an auto-reply.
    """
    return _REPLY_OR_FORWARD.match(subject) is None and _OOO_OPENING.match(subject) is not None


def bulk_marker(message: Message) -> str | None:
    """Why a message is list or bulk mail, or None."""
    if message.list_id:
        return f"mailing list (List-Id {message.list_id})"
    if message.precedence in _BULK_PRECEDENCE:
        return f"bulk mail (Precedence: {message.precedence})"
    if message.list_unsubscribe:
        return "bulk mail (List-Unsubscribe)"
    return None


def kind_of(message: Message, subject: str, selves: frozenset[str]) -> Kind:
    """The kind its header fields and normalized `subject` give a message on its own.

    `read_thread` may then read list or bulk mail as conversation, and an
    automated message whose words are an out-of-office as an auto-reply.
    """
    if is_auto_reply(message):
        return Kind.AUTO_REPLY
    sender = message.from_
    if message.in_sent or (sender is not None and sender.addr in selves):
        return Kind.SELF
    if is_out_of_office_subject(subject):
        return Kind.AUTO_REPLY
    if message.auto_submitted not in (None, "no"):
        return Kind.AUTOMATED
    if bulk_marker(message) is not None:
        return Kind.BULK
    return _person_or_machine(message)


def _person_or_machine(message: Message) -> Kind:
    sender = message.from_
    if sender is None or is_noreply(sender.addr):
        return Kind.AUTOMATED
    return Kind.HUMAN


def _in_context(ordered: Sequence[Message], kinds: list[Kind]) -> list[Kind]:
    """`kinds` with list and bulk mail read as conversation unless the thread is bulk.

    Sourcing tools mark a recruiter's mail as bulk, so bulk mail makes a
    thread list mail only while no one on the other side has written in
    person after it. A bulk-marked answer to one of the user's messages,
    outside a mailing list, is such a recruiter's; sync fetches its body
    (see `prefilter`).
    """
    if Kind.BULK not in kinds:
        return kinds
    own = {m.key for m, kind in zip(ordered, kinds, strict=True) if kind is Kind.SELF}
    standing = False
    for message, kind in zip(ordered, kinds, strict=True):
        if kind is Kind.HUMAN:
            standing = False
        elif kind is Kind.BULK and (message.list_id or message.in_reply_to not in own):
            standing = True
    if standing:
        return kinds
    return [
        _person_or_machine(message) if kind is Kind.BULK else kind
        for message, kind in zip(ordered, kinds, strict=True)
    ]


def _kinds(messages: Iterable[Message], selves: frozenset[str]) -> list[tuple[Message, str, Kind]]:
    """Messages oldest first (ties broken by key, so sync order never matters).

    Each comes with its normalized subject and its kind in the thread.
    """
    ordered = sorted(messages, key=lambda m: (m.date, m.key))
    subjects = [normalize(message.subject) for message in ordered]
    kinds = [kind_of(m, subject, selves) for m, subject in zip(ordered, subjects, strict=True)]
    return list(zip(ordered, subjects, _in_context(ordered, kinds), strict=True))


def has_bulk(messages: Iterable[Message], selves: frozenset[str]) -> bool:
    """Whether `read_thread` would find list or bulk mail, known before any body is read."""
    messages = list(messages)
    if all(bulk_marker(message) is None for message in messages):
        return False
    return any(kind is Kind.BULK for _, _, kind in _kinds(messages, selves))


def read_thread(messages: Iterable[Message], selves: frozenset[str]) -> list[Reading]:
    """Messages oldest first (ties broken by key, so sync order never matters)."""
    readings = []
    for message, subject, kind in _kinds(messages, selves):
        body = "" if kind is Kind.BULK else normalize(message.body_text)
        sender = message.from_.addr if message.from_ is not None else ""
        reading = Reading(message, kind, sender, subject, body, ANCHORS.found(subject))
        # Away messages sent as auto-generated are auto-replies all the same.
        automated = kind is Kind.AUTOMATED and message.auto_submitted not in (None, "no")
        if automated and reading.find(OOO_BODY):
            reading.kind = Kind.AUTO_REPLY
        readings.append(reading)
    return readings
