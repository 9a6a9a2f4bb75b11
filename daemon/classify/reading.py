"""One pass over a thread's messages: who sent each one, and what kind it is."""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from daemon.classify.senders import is_deliverable, is_noreply
from daemon.classify.text import normalize, own_text, signature_lines
from daemon.classify.vocabulary import (
    ANCHORS,
    ASK_AVAILABILITY,
    ASK_CONFIRMATION,
    ASK_DOCUMENTS,
    CLOSED,
    INTERVIEW_INVITE,
    OFFER,
    OOO_BODY,
    OOO_SUBJECT,
    OTHER_INTERVIEWED,
    QUESTION,
    QUESTIONS_WELCOME,
    REJECTION,
    SMALL_TALK_QUESTION,
)
from daemon.domain import Address

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from daemon.classify.lexicon import Lexicon
    from daemon.domain import Message

_BULK_PRECEDENCE = frozenset({"bulk", "list", "junk"})
#: What vacation responders that set no Auto-Submitted mark their mail with.
_RESPONDER_PRECEDENCE = frozenset({"bulk", "junk"})
_REPLY_OR_FORWARD = re.compile(
    r"^\s*(?:\[[^\]]{0,60}\]\s*)*(?:re|aw|antw|sv|vs|rv|res|r|wg|fw|fwd|tr|enc|i)\s*(?:\[\d+\])?\s*:"
)
#: An out-of-office marker opening a subject, after tags such as "[External]".
_OOO_OPENING = re.compile(r"\s*(?:\[[^\]]{0,60}\]\s*)*" + OOO_SUBJECT.pattern)
#: Such a marker labelling the subject, as responders write it: "Automatic reply: ...".
_OOO_LABEL = re.compile(_OOO_OPENING.pattern + r"\s*:")
#: News that moves an application on, which no away wording beside it may hide.
_STAGE_NEWS = (REJECTION, CLOSED, OFFER, OTHER_INTERVIEWED, INTERVIEW_INVITE)
#: What a person going away may still ask of the user before leaving. A
#: promise is no sign: responders say "I will get back to you when I return".
_ASKS = (ASK_AVAILABILITY, ASK_DOCUMENTS, ASK_CONFIRMATION)


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
    """A new subject labelled with an out-of-office marker, as "Automatic reply: ...".

    Such a subject makes an auto-reply on its own. One that merely opens with
    a marker may be a person's ("OOO next week - before I go", "Absence
    Management Specialist - your application"): see `opens_with_away_marker`.
    """
    return _REPLY_OR_FORWARD.match(subject) is None and _OOO_LABEL.match(subject) is not None


def opens_with_away_marker(subject: str) -> bool:
    """A new subject that opens with an out-of-office marker, labelled or not.

    Its message is an auto-reply when its words say the sender is away. A
    marker further in is the topic, and "Re: Out of office" is somebody
    answering an auto-reply.
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
    automated message, or one under a subject opening with an away marker,
    whose words are an out-of-office as an auto-reply.
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
    return _person_or_machine(message, selves)


def written_by(message: Message, selves: frozenset[str]) -> Address | None:
    """Who on the other side wrote a message its header fields do not mark automatic.

    None for mail nobody on the other side wrote. A recruiter answering
    through an applicant-tracking system or a no-reply address, with her
    own address as Reply-To, writes in person: the Reply-To is the author.
    """
    sender = message.from_
    if sender is None or not is_noreply(sender.addr):
        return sender
    for reply_to in message.reply_to:
        addr = reply_to.addr
        if addr not in selves and not is_noreply(addr) and is_deliverable(addr):
            return Address(addr, reply_to.name or sender.name)
    return None


def _person_or_machine(message: Message, selves: frozenset[str]) -> Kind:
    """A message without automatic or bulk marks is a person's when someone wrote it."""
    return Kind.AUTOMATED if written_by(message, selves) is None else Kind.HUMAN


def _in_context(
    ordered: Sequence[Message], subjects: Sequence[str], kinds: list[Kind], selves: frozenset[str]
) -> list[Kind]:
    """`kinds` with list and bulk mail read as conversation unless the thread is bulk.

    Vacation responders mark their mail Precedence: bulk or junk (see
    `_as_responder`). Sourcing tools mark a recruiter's mail with
    List-Unsubscribe alone, so bulk mail makes a thread list mail only while
    no one on the other side has written in person after it, and such an
    answer to one of the user's messages is the recruiter's. Sync fetches
    the body of both (see `prefilter`).
    """
    if Kind.BULK not in kinds:
        return kinds
    own = {m.key for m, kind in zip(ordered, kinds, strict=True) if kind is Kind.SELF}
    kinds = [
        _as_responder(message, subject, own, selves) if kind is Kind.BULK else kind
        for message, subject, kind in zip(ordered, subjects, kinds, strict=True)
    ]
    standing = False
    for message, subject, kind in zip(ordered, subjects, kinds, strict=True):
        # An away subject may be a responder's that `read_thread` tells by its words.
        in_person = kind is Kind.HUMAN and not _away_under_subject(message, subject)
        if in_person or (kind is Kind.BULK and _sourcing_answer(message, own)):
            standing = False
        elif kind is Kind.BULK:
            standing = True
    if standing:
        return kinds
    return [
        _person_or_machine(message, selves) if kind is Kind.BULK else kind
        for message, kind in zip(ordered, kinds, strict=True)
    ]


def _sourcing_answer(message: Message, own: set[str]) -> bool:
    """An answer to the user marked bulk by List-Unsubscribe alone, as sourcing tools send."""
    unlisted = not message.list_id and message.precedence not in _BULK_PRECEDENCE
    return unlisted and message.in_reply_to in own


def _as_responder(message: Message, subject: str, own: set[str], selves: frozenset[str]) -> Kind:
    """The kind of bulk mail that a vacation responder may have sent.

    Mail marked Precedence: bulk or junk alone, outside lists, is an
    auto-reply when its words say its sender is away, and so is such an
    answer to the user's mail whatever its wording, unless it gives news of
    the application: then whoever sent it wrote that news.
    """
    if message.precedence not in _RESPONDER_PRECEDENCE:
        return Kind.BULK
    if message.list_id or message.list_unsubscribe or not message.body_text:
        return Kind.BULK
    body = normalize(message.body_text)
    reading = Reading(message, Kind.BULK, "", subject, body, ANCHORS.found(subject))
    if _says_only_away(reading):
        return Kind.AUTO_REPLY
    if message.in_reply_to not in own:
        return Kind.BULK
    return _person_or_machine(message, selves) if _gives_news(reading) else Kind.AUTO_REPLY


def _says_only_away(reading: Reading) -> bool:
    """Its words say the sender is away, and give no news of the application."""
    return reading.find(OOO_BODY) is not None and not _gives_news(reading)


def _gives_news(reading: Reading) -> bool:
    """Its words or its new subject move the application on."""
    return any(reading.find(news) or reading.find_in_subject(news) for news in _STAGE_NEWS)


def _kinds(messages: Iterable[Message], selves: frozenset[str]) -> list[tuple[Message, str, Kind]]:
    """Messages oldest first (ties broken by key, so sync order never matters).

    Each comes with its normalized subject and its kind in the thread.
    """
    ordered = sorted(messages, key=lambda m: (m.date, m.key))
    subjects = [normalize(message.subject) for message in ordered]
    kinds = [kind_of(m, subject, selves) for m, subject in zip(ordered, subjects, strict=True)]
    return list(zip(ordered, subjects, _in_context(ordered, subjects, kinds, selves), strict=True))


def has_bulk(messages: Iterable[Message], selves: frozenset[str]) -> bool:
    """Whether `read_thread` would find list or bulk mail.

    Header fields tell, except for mail marked only Precedence: bulk or
    junk: its body says whether a vacation responder sent it.
    """
    messages = list(messages)
    if all(bulk_marker(message) is None for message in messages):
        return False
    return any(kind is Kind.BULK for _, _, kind in _kinds(messages, selves))


def read_thread(messages: Iterable[Message], selves: frozenset[str]) -> list[Reading]:
    """Messages oldest first (ties broken by key, so sync order never matters)."""
    readings = []
    for message, subject, kind in _kinds(messages, selves):
        body = "" if kind is Kind.BULK else normalize(message.body_text)
        writer = written_by(message, selves) if kind is Kind.HUMAN else message.from_
        sender = writer.addr if writer is not None else ""
        reading = Reading(message, kind, sender, subject, body, ANCHORS.found(subject))
        if _away_in_words(reading):
            reading.kind = Kind.AUTO_REPLY
        readings.append(reading)
    return readings


def _away_in_words(reading: Reading) -> bool:
    """An auto-reply that its header fields and subject alone do not declare.

    Away messages sent as auto-generated are auto-replies all the same, and
    so are those under a subject such as "Out of office until Monday".
    """
    kind = reading.kind
    automated = kind is Kind.AUTOMATED and reading.message.auto_submitted not in (None, "no")
    away_subject = kind in (Kind.HUMAN, Kind.AUTOMATED) and opens_with_away_marker(reading.subject)
    if not (automated or away_subject) or not _says_only_away(reading):
        return False
    # "I'm out of the office next week, so before I go: could you send...":
    # a person going away who asks something is writing in person.
    return kind is not Kind.HUMAN or not _asks_something(reading)


def _away_under_subject(message: Message, subject: str) -> bool:
    """A person's message that `_away_in_words` makes an auto-reply by its subject and words."""
    if not opens_with_away_marker(subject):
        return False
    body = normalize(message.body_text)
    return _away_in_words(Reading(message, Kind.HUMAN, "", subject, body, ANCHORS.found(subject)))


def _asks_something(reading: Reading) -> bool:
    """Whether a message asks the user something."""
    if any(reading.find(lexicon) for lexicon in _ASKS):
        return True
    return asks_a_question(reading.own)


def asks_a_question(own: str) -> bool:
    """A real question in a message's own words: not small talk, not "any questions?"."""
    if "?" not in own:
        return False
    return any(
        SMALL_TALK_QUESTION.search(question.group()) is None
        and QUESTIONS_WELCOME.search(question.group()) is None
        for question in QUESTION.finditer(own)
    )
