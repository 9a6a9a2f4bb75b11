"""Turning a due follow-up into a complete, reviewable RFC 5322 message.

Everything here is pure given a `Templates` object: the clock, the
Message-ID and the recipients all come in through `ComposeRequest`. Besides
the domain it uses only `daemon.subjects`, itself pure, so that replies and
threading agree on what a subject's topic is.

Names and subjects come from strangers. Python's email package decodes
RFC 2047 encoded words while it parses a header value and (before 3.11.10)
folds decoded line breaks back out verbatim, so a display name such as
``=?utf-8?b?DQpCY2M6IHhAZXZpbC50ZXN0?=`` would become a ``Bcc:`` line. So
header text is cleaned until decoding no longer changes it, followup encodes
and folds the headers it writes itself, and each composed message is
re-parsed and checked before it is returned.
"""

from __future__ import annotations

import base64
import binascii
import re
import textwrap
import traceback
from dataclasses import asdict, dataclass
from datetime import date
from email import policy
from email.errors import MessageError
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import format_datetime
from typing import TYPE_CHECKING

import jinja2

from daemon.classify.senders import is_noreply
from daemon.domain import Address, FollowupKind
from daemon.subjects import normalize_subject

if TYPE_CHECKING:
    from collections.abc import Iterable
    from datetime import datetime
    from pathlib import Path

    from daemon.domain import CalendarEvent, Decision, Message, Thread

SUPPORTED_LANGUAGES = ("en", "fr", "de", "es")
DEFAULT_LANGUAGE = "en"

#: Long threads would otherwise grow References without bound; the root and
#: the most recent ids are what threading algorithms actually use.
MAX_REFERENCES = 20

#: Headers followup builds are emitted exactly as built: before 3.11.10 the
#: email package's folder loses or adds spaces in encoded text and can turn a
#: decoded line break into a header of its own.
_POLICY = policy.SMTP.clone(refold_source="none")
_MAX_HEADER_LINE = 78
_MAX_PLAIN_WORD = 70
#: 45 bytes make 60 base64 characters: the encoded word stays within 75.
_MAX_ENCODED_BYTES = 45
_ATEXT_OR_SPACE = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~ -]+")

#: Lines longer than this are re-wrapped so the body stays 7-bit and readable.
_WRAP_WIDTH = 76
_MAX_7BIT_LINE = 78
_SMTP_MAX_LINE = 998

_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_DOT_ATOM = rf"{_ATEXT}(?:\.{_ATEXT})*"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_ADDR_SPEC = re.compile(rf"{_DOT_ATOM}@{_LABEL}(?:\.{_LABEL})*")
_OWN_MSG_ID = re.compile(rf"<{_DOT_ATOM}@{_DOT_ATOM}>")
#: Ids of other people's messages are copied, so only printable ASCII
#: without brackets or spaces is accepted; anything else is left out.
_FOREIGN_MSG_ID = re.compile(r"<[!-;=?-~]+@[!-;=?-~]+>")
_MAX_MSG_ID = 250
_SYNTHETIC_KEY_SUFFIX = "@followup.invalid>"
_THREAD_INDEX = re.compile(r"[A-Za-z0-9+/]+={0,2}")
_THREAD_INDEX_HEADER_BYTES = 22
#: What Python's header parser raises on hostile input instead of a defect,
#: e.g. for a display name that decodes to a line break.
_UNREADABLE_HEADER = (ValueError, IndexError, AttributeError, MessageError)

#: Line breaks and tabs become spaces; other C0/C1 controls and the
#: characters that reorder or hide displayed text are dropped.
_UNSAFE = {
    **dict.fromkeys(range(0x20), None),
    **dict.fromkeys(range(0x7F, 0xA0), None),
    **dict.fromkeys((0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x85, 0x2028, 0x2029), " "),
    **dict.fromkeys((*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200E, 0x200F), None),
    **dict.fromkeys((0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF), None),
}
_UNSAFE_IN_BODY = {k: v for k, v in _UNSAFE.items() if k not in (0x09, 0x0A)}
_MAX_DECODE_ROUNDS = 4
_ENCODED_WORD = re.compile(r"=\?[^?\s]*\?[bBqQ]\?[^?\s]*\?=")

_TITLES = frozenset(
    {
        "mr",
        "mrs",
        "ms",
        "miss",
        "mx",
        "dr",
        "prof",
        "herr",
        "frau",
        "m",
        "mme",
        "mlle",
        "sr",
        "sra",
        "srta",
        "dra",
        "don",
        "doña",
    }
)
#: Words that mark a team or a mailbox rather than a person to greet by name.
_NOT_A_PERSON = frozenset(
    {
        "team",
        "recruiting",
        "recruitment",
        "recruiter",
        "recruiters",
        "careers",
        "career",
        "talent",
        "hr",
        "jobs",
        "job",
        "hiring",
        "people",
        "noreply",
        "no-reply",
        "support",
        "info",
        "admin",
        "office",
        "rh",
        "recrutement",
        "emplois",
        "personal",
        "personalabteilung",
        "bewerbung",
        "bewerbungen",
        "karriere",
        "rrhh",
        "empleo",
        "talento",
    }
)

_MONTHS = {
    "en": "January February March April May June July August September October November December",
    "fr": "janvier février mars avril mai juin juillet août septembre octobre novembre décembre",
    "de": "Januar Februar März April Mai Juni Juli August September Oktober November Dezember",
    "es": "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre "
    "diciembre",
}
_WEEKDAYS = {
    "en": "Monday Tuesday Wednesday Thursday Friday Saturday Sunday",
    "fr": "lundi mardi mercredi jeudi vendredi samedi dimanche",
    "de": "Montag Dienstag Mittwoch Donnerstag Freitag Samstag Sonntag",
    "es": "lunes martes miércoles jueves viernes sábado domingo",
}


class ComposeError(ValueError):
    """A follow-up cannot be built or accepted; `problems` lists every reason."""

    def __init__(self, *problems: str) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


class TemplateError(ComposeError):
    """A template is missing, malformed, or fails to render."""


@dataclass(frozen=True)
class Identity:
    address: str
    display_name: str
    signature: str = ""


@dataclass(frozen=True)
class ComposeRequest:
    thread: Thread
    decision: Decision
    identity: Identity
    now: datetime
    message_id: str


@dataclass(frozen=True)
class Composed:
    message: EmailMessage
    language: str
    language_fallback: bool
    body: str


@dataclass(frozen=True)
class ParsedOutgoing:
    """What an (edited) outgoing message says, once validated."""

    from_: Address
    to: tuple[Address, ...]
    cc: tuple[Address, ...]
    subject: str
    message_id: str
    in_reply_to: str | None
    body: str


@dataclass(frozen=True)
class TemplateContext:
    """The variables every template receives; documented in templates/README.md.

    Unknown values are empty strings so templates can test them with ``if``.
    """

    kind: str
    language: str
    followup_number: int
    first_name: str
    recipient_name: str
    role: str
    role_is_subject: bool
    company: str
    interview_date: str
    interviewer: str
    interviewer_is_recipient: bool
    sender_name: str


def sample_contexts(language: str) -> tuple[TemplateContext, ...]:
    """Contexts that exercise every branch of a template: all known, all unknown."""
    day = localized_date(date(2026, 3, 3), language)
    return (
        TemplateContext(
            kind="after_interview",
            language=language,
            followup_number=1,
            first_name="Priya",
            recipient_name="Priya Raman",
            role="Senior Backend Engineer",
            role_is_subject=False,
            company="Example Corporation",
            interview_date=day,
            interviewer="Alexandra Johnson-Whitfield",
            interviewer_is_recipient=False,
            sender_name="Jordan Example-Candidate",
        ),
        TemplateContext(
            kind="after_application",
            language=language,
            followup_number=2,
            first_name="",
            recipient_name="",
            role="Your application to Example Corporation",
            role_is_subject=True,
            company="",
            interview_date="",
            interviewer="",
            interviewer_is_recipient=False,
            sender_name="Jordan",
        ),
        TemplateContext(
            kind="after_interview",
            language=language,
            followup_number=1,
            first_name="Priya",
            recipient_name="Priya Raman",
            role="Data Analyst",
            role_is_subject=False,
            company="Example",
            interview_date=day,
            interviewer="Priya Raman",
            interviewer_is_recipient=True,
            sender_name="Jordan",
        ),
    )


def template_name(language: str, kind: FollowupKind) -> str:
    return f"{language}/{kind.value}.txt.j2"


class Templates:
    """The follow-up templates: the packaged defaults, each overridable.

    A file in `templates_dir` with the same relative name as a default
    (``fr/after_interview.txt.j2``) replaces it.
    """

    def __init__(self, templates_dir: Path | None = None) -> None:
        loaders: list[jinja2.BaseLoader] = []
        self._user_loader: jinja2.FileSystemLoader | None = None
        if templates_dir is not None:
            if not templates_dir.is_dir():
                raise TemplateError(f"templates directory {templates_dir} is not a directory")
            self._user_loader = jinja2.FileSystemLoader(templates_dir)
            loaders.append(self._user_loader)
        loaders.append(jinja2.PackageLoader("daemon", "templates"))
        self._templates_dir = templates_dir
        # Plain-text mail: HTML escaping would corrupt names such as "O'Brien".
        self._env = jinja2.Environment(
            loader=jinja2.ChoiceLoader(loaders),
            undefined=jinja2.StrictUndefined,
            autoescape=False,  # noqa: S701
            trim_blocks=True,
            keep_trailing_newline=True,
        )

    def render(self, name: str, context: TemplateContext) -> str:
        """Render one template; every failure becomes a `TemplateError`."""
        try:
            template = self._env.get_template(name)
        except jinja2.TemplateNotFound:
            raise TemplateError(f"template {name}: not found") from None
        except jinja2.TemplateSyntaxError as exc:
            raise TemplateError(f"template {name}, line {exc.lineno}: {exc.message}") from None
        try:
            return template.render(asdict(context))
        except (
            jinja2.TemplateError,
            TypeError,
            ValueError,
            ArithmeticError,
            AttributeError,
            LookupError,
        ) as exc:
            where = _template_line(exc, template.filename)
            raise TemplateError(f"template {name}{where}: {exc}") from None

    def check(self) -> None:
        """Render every template with sample data; report all problems at once."""
        problems: list[str] = []
        expected = set()
        for language in SUPPORTED_LANGUAGES:
            for kind in FollowupKind:
                name = template_name(language, kind)
                expected.add(name)
                problems.extend(self._check_one(name, language))
        if self._user_loader is not None:
            problems.extend(
                f"template {name} in {self._templates_dir}: not a known template name;"
                " expected <language>/<kind>.txt.j2 with language one of"
                f" {', '.join(SUPPORTED_LANGUAGES)} and kind one of"
                f" {', '.join(kind.value for kind in FollowupKind)}"
                for name in self._user_loader.list_templates()
                if name.endswith(".j2") and name not in expected
            )
        if problems:
            raise TemplateError(*problems)

    def _check_one(self, name: str, language: str) -> list[str]:
        for sample in sample_contexts(language):
            try:
                body = self.render(name, sample)
            except TemplateError as exc:
                return list(exc.problems)
            if not body.strip():
                return [f"template {name}: renders an empty body"]
        return []


def _template_line(exc: BaseException, filename: str | None) -> str:
    # Jinja rewrites tracebacks so that template frames carry template lines.
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename == filename]
    return f", line {frames[-1].lineno}" if frames else ""


def is_addr_spec(value: str) -> bool:
    """A plain ``local@domain`` that is safe in a header and an SMTP command.

    Stricter than RFC 5321 on purpose: no quoted local parts, no address
    literals, no non-ASCII, and no ``=?`` (which Python's header parser would
    try to decode as an encoded word).
    """
    local, _, domain = value.rpartition("@")
    return (
        len(value) <= 254  # noqa: PLR2004 - RFC 5321 path limit
        and len(local) <= 64  # noqa: PLR2004 - RFC 5321 local-part limit
        and "=?" not in value
        and _ADDR_SPEC.fullmatch(value) is not None
        and all(len(label) <= 63 for label in domain.split("."))  # noqa: PLR2004
    )


def choose_language(tag: str) -> tuple[str, bool]:
    """The template language for a detected language tag, and whether it fell back."""
    primary = tag.strip().lower().replace("_", "-").partition("-")[0]
    if primary in SUPPORTED_LANGUAGES:
        return primary, False
    return DEFAULT_LANGUAGE, True


def reply_subject(subject: str) -> str:
    """``Re: `` plus the topic, without stacked reply or forward markers."""
    topic = _topic(subject)
    return f"Re: {topic}" if topic else "Re:"


def _topic(subject: str) -> str:
    # Markers may hide inside encoded words, so decode before stripping them.
    return header_text(normalize_subject(header_text(subject)))


def _role_topic(thread: Thread) -> str:
    """What the process is about, from the oldest subject a person chose; "" if none.

    A calendar invitation's subject ("Invitation: Interview Alice / Priya")
    names an event, and replies keep it; an auto-reply's or a no-reply
    notification's ("Thank you for applying to Acme") names no role.
    """
    events = {_topic(m.subject) for m in thread.messages if m.calendar}
    for message in sorted(thread.messages, key=lambda m: m.date):
        if message.auto_submitted_flag or (message.from_ and is_noreply(message.from_.addr)):
            continue
        topic = _topic(message.subject)
        if topic and topic not in events:
            return topic
    return ""


def header_text(text: str) -> str:
    """`text` as a single line that reads the same after a header round trip."""
    cleaned = _clean(text)
    for _ in range(_MAX_DECODE_ROUNDS):
        decoded = _clean(str(policy.default.header_factory("subject", cleaned)))
        if decoded == cleaned:
            break
        cleaned = decoded
    # An encoded word still there is a bogus or nested one, or glued to its
    # neighbours. A parser that splits words differently (Python's address
    # parser adds spaces between encoded words) could still decode it.
    return _ENCODED_WORD.sub(lambda word: "= ?" + word.group()[2:], cleaned)


def _clean(text: str) -> str:
    # Lone surrogates (from undecodable bytes) cannot be encoded in a header.
    text = text.encode("utf-8", "replace").decode("utf-8")
    return " ".join(text.translate(_UNSAFE).split())


def first_name(address: Address, company: str = "") -> str:
    """The name to greet someone by, or "" when the name is not a person's."""
    name = header_text(address.name).strip("\"' ")
    if not name or "@" in name:
        return ""
    if "," in name:
        surname, _, given = name.partition(",")
        name = given.strip() or surname
    words = [w for w in name.split() if w.rstrip(".").lower() not in _TITLES]
    lowered = {w.lower().strip(".,()[]") for w in words}
    if not words or lowered & _NOT_A_PERSON:
        return ""
    if company and " ".join(words).lower().startswith(company.lower()):
        return ""
    first = words[0]
    if not first[0].isalpha():
        return ""
    if first.isupper() or first.islower():
        return first.capitalize()
    return first


def localized_date(day: date, language: str) -> str:
    """A day as it reads in a sentence: "Tuesday, March 3", "mardi 3 mars", "3. März"."""
    weekday = _WEEKDAYS[language].split()[day.weekday()]
    month = _MONTHS[language].split()[day.month - 1]
    if language == "fr":
        number = "1er" if day.day == 1 else str(day.day)
        return f"{weekday} {number} {month}"
    if language == "de":
        # A weekday would need an apposition comma after the date in German.
        return f"{day.day}. {month}"
    if language == "es":
        return f"{weekday} {day.day} de {month}"
    return f"{weekday}, {month} {day.day}"


def compose(req: ComposeRequest, templates: Templates) -> Composed:
    """Render and assemble the follow-up for a due decision."""
    decision = req.decision
    problems = []
    if decision.kind is None:
        problems.append("the decision names no follow-up kind (is it due?)")
    if not decision.to:
        problems.append("the decision has no To recipient")
    if not req.thread.messages:
        problems.append(f"thread {req.thread.id} has no messages to reply to")
    if req.now.tzinfo is None or req.now.utcoffset() is None:
        problems.append("`now` must be timezone-aware")
    if problems:
        raise ComposeError(*problems)
    assert decision.kind is not None  # narrowed by the checks above

    language, fallback = choose_language(decision.classification.language)
    context = _context(req, language)
    rendered = templates.render(template_name(language, decision.kind), context)
    body = _finish_body(rendered, req.identity.signature)
    message = _build_message(req, body)
    return Composed(message=message, language=language, language_fallback=fallback, body=body)


def _context(req: ComposeRequest, language: str) -> TemplateContext:
    decision = req.decision
    classification = decision.classification
    company = header_text(classification.company or "")
    recipient = decision.to[0]
    position = header_text(classification.position or "")
    role = position or _role_topic(req.thread)
    interviewer = _interviewer(classification.interview, req)
    interview_date = ""
    interview = classification.interview
    if interview is not None and not interview.cancelled and interview.start <= req.now:
        interview_date = localized_date(interview.start.date(), language)
    assert decision.kind is not None  # checked by compose()
    return TemplateContext(
        kind=decision.kind.value,
        language=language,
        followup_number=decision.followup_number,
        first_name=first_name(recipient, company),
        recipient_name=header_text(recipient.name),
        role=role,
        role_is_subject=bool(role) and not position,
        company=company,
        interview_date=interview_date,
        interviewer=header_text(interviewer.name) if interviewer else "",
        interviewer_is_recipient=interviewer is not None and interviewer.addr == recipient.addr,
        sender_name=header_text(req.identity.display_name),
    )


def _interviewer(interview: CalendarEvent | None, req: ComposeRequest) -> Address | None:
    """Who the user met: the recipient when they attended, else a named attendee."""
    if interview is None or interview.cancelled:
        return None
    me = req.identity.address.lower()
    cc = {a.addr for a in req.decision.cc}
    people = [
        a
        for a in (*interview.attendees, interview.organizer)
        if a is not None and a.addr.lower() != me
    ]
    recipient = req.decision.to[0]
    for person in people:
        if person.addr.lower() == recipient.addr:
            return Address(recipient.addr, person.name or recipient.name)
    named = [p for p in people if header_text(p.name) and p.addr.lower() not in cc]
    return named[0] if named else None


def _finish_body(rendered: str, signature: str) -> str:
    lines = _body_lines(rendered)
    signature_lines = _body_lines(signature)
    if signature_lines and signature_lines[0].rstrip() == "--":
        signature_lines = signature_lines[1:]
    wrapped = [
        wrapped_line
        for line in lines
        for wrapped_line in (
            textwrap.wrap(
                line,
                width=_WRAP_WIDTH,
                break_long_words=False,
                break_on_hyphens=False,
            )
            if len(line) > _WRAP_WIDTH
            else [line]
        )
    ]
    if signature_lines:
        wrapped += ["", "-- ", *signature_lines]
    return "\n".join(wrapped) + "\n"


def _body_lines(text: str) -> list[str]:
    """Lines without controls or trailing blanks, runs of blank lines collapsed."""
    unified = text.replace("\r\n", "\n").replace("\r", "\n").translate(_UNSAFE_IN_BODY)
    lines: list[str] = []
    for raw in unified.split("\n"):
        line = raw.replace("\t", "    ").rstrip()
        if line or (lines and lines[-1]):
            lines.append(line)
    while lines and not lines[-1]:
        lines.pop()
    return lines


def _build_message(req: ComposeRequest, body: str) -> EmailMessage:
    decision = req.decision
    latest = req.thread.messages[-1]
    if not _OWN_MSG_ID.fullmatch(req.message_id) or "=?" in req.message_id:
        raise ComposeError(f"Message-ID {req.message_id!r} is not of the form <id@domain>")
    message = EmailMessage(policy=_POLICY)
    _set(message, "From", _mailbox_tokens(req.identity.address, req.identity.display_name, "From"))
    _set(message, "To", _address_list_tokens(decision.to, "To"))
    if decision.cc:
        _set(message, "Cc", _address_list_tokens(decision.cc, "Cc"))
    topic = _topic(req.thread.subject)
    _set(message, "Subject", ["Re:", *_text_tokens(topic)] if topic else ["Re:"])
    message["Date"] = format_datetime(req.now)
    message["Message-ID"] = req.message_id
    if _is_real_msg_id(latest.key):
        message["In-Reply-To"] = latest.key
    references = _references(latest)
    if references:
        _set(message, "References", references)
    thread_topic, thread_index = _outlook_thread(req.thread)
    if thread_topic:
        _set(message, "Thread-Topic", _text_tokens(thread_topic))
    if thread_index:
        message["Thread-Index"] = thread_index
    cte = "7bit" if body.isascii() and _fits_7bit(body) else "quoted-printable"
    message.set_content(body, subtype="plain", charset="utf-8", cte=cte)
    _verify(message, req, body)
    return message


def _set(message: EmailMessage, name: str, tokens: list[str]) -> None:
    """Add a header folded from `tokens`, none of which holds a line break."""
    lines: list[str] = []
    line = ""
    budget = _MAX_HEADER_LINE - len(name) - 2
    for token in tokens:
        if line and len(line) + 1 + len(token) > budget:
            lines.append(line)
            line, budget = " " + token, _MAX_HEADER_LINE
        else:
            line = f"{line} {token}" if line else token
    lines.append(line)
    message.set_raw(name, "\n".join(lines))


def _text_tokens(text: str) -> list[str]:
    """Header text as plain words where that is unambiguous, else as encoded words."""
    return text.split(" ") if _is_plain(text) else _encoded_words(text)


def _is_plain(text: str) -> bool:
    return (
        text.isascii()
        and text.isprintable()
        and "=?" not in text
        and all(len(word) <= _MAX_PLAIN_WORD for word in text.split(" "))
    )


def _encoded_words(text: str) -> list[str]:
    """RFC 2047 words of at most 75 characters, split after a space where possible."""
    chunks: list[str] = []
    chunk = ""
    for char in text:
        if chunk and len((chunk + char).encode()) > _MAX_ENCODED_BYTES:
            space = chunk.rfind(" ")
            cut = space + 1 if space > 0 else len(chunk)
            chunks.append(chunk[:cut])
            chunk = chunk[cut:]
        chunk += char
    chunks.append(chunk)
    return [f"=?utf-8?b?{base64.b64encode(c.encode()).decode()}?=" for c in chunks if c]


def _mailbox_tokens(addr: str, name: str, field: str) -> list[str]:
    if not is_addr_spec(addr):
        raise ComposeError(f"{field}: {addr!r} is not a valid e-mail address")
    display = header_text(name)
    if not display:
        return [addr]
    if _is_plain(display) and _ATEXT_OR_SPACE.fullmatch(display):
        words = display.split(" ")
    elif _is_plain(display) and len(display) <= _MAX_PLAIN_WORD:
        words = ['"' + display.replace("\\", "\\\\").replace('"', '\\"') + '"']
    else:
        words = _encoded_words(display)
    return [*words, f"<{addr}>"]


def _address_list_tokens(addresses: tuple[Address, ...], field: str) -> list[str]:
    tokens: list[str] = []
    for address in addresses:
        if tokens:
            tokens[-1] += ","
        tokens.extend(_mailbox_tokens(address.addr, address.name, field))
    return tokens


def _is_real_msg_id(key: str) -> bool:
    return (
        len(key) <= _MAX_MSG_ID
        and "=?" not in key
        and _FOREIGN_MSG_ID.fullmatch(key) is not None
        and not key.endswith(_SYNTHETIC_KEY_SUFFIX)
    )


def _references(latest: Message) -> list[str]:
    chain = list(dict.fromkeys(r for r in (*latest.references, latest.key) if _is_real_msg_id(r)))
    if len(chain) > MAX_REFERENCES:
        chain = [chain[0], *chain[-(MAX_REFERENCES - 1) :]]
    return chain


def _outlook_thread(thread: Thread) -> tuple[str, str]:
    """Outlook's conversation headers from the latest message carrying them."""
    topic = next((m.thread_topic for m in reversed(thread.messages) if m.thread_topic), None)
    index = next((m.thread_index for m in reversed(thread.messages) if m.thread_index), None)
    return _safe_topic(topic), _safe_thread_index(index)


def _safe_topic(topic: str | None) -> str:
    if topic is None or any(c in topic for c in "\r\n\0"):
        return ""
    return header_text(topic)


def _safe_thread_index(index: str | None) -> str:
    if index is None or not _THREAD_INDEX.fullmatch(index) or len(index) > _MAX_MSG_ID:
        return ""
    try:
        decoded = base64.b64decode(index, validate=True)
    except binascii.Error:
        return ""
    return index if len(decoded) >= _THREAD_INDEX_HEADER_BYTES else ""


def _fits_7bit(body: str) -> bool:
    return all(len(line) <= _MAX_7BIT_LINE for line in body.split("\n"))


def _verify(message: EmailMessage, req: ComposeRequest, body: str) -> None:
    """Re-parse the serialised message: no header or recipient may have appeared."""
    parsed = BytesParser(policy=policy.default).parsebytes(message.as_bytes())
    expected = [name.lower() for name in message]
    found = [name.lower() for name in parsed]
    problems = []
    if sorted(found) != sorted(expected):
        problems.append(f"headers changed on serialisation: {found} != {expected}")
    for field, wanted in (("to", req.decision.to), ("cc", req.decision.cc)):
        got = _addr_specs(parsed.get_all(field, []))
        if got != [a.addr for a in wanted]:
            problems.append(f"{field} recipients changed on serialisation: {got}")
    if any("\n" in str(v) or "\r" in str(v) for v in parsed.values()):
        problems.append("a header value contains a line break")
    content = parsed.get_content()
    if not isinstance(content, str) or content.replace("\r\n", "\n") != body:
        problems.append("the body changed on serialisation")
    if problems:
        raise ComposeError("internal safety check failed", *problems)


def _addr_specs(headers: Iterable[object]) -> list[str]:
    return [
        address.addr_spec.lower()
        for header in headers
        for address in getattr(header, "addresses", ())
    ]


def validate_outgoing(raw: bytes) -> ParsedOutgoing:
    """Check an (edited) outgoing message; list every problem in one `ComposeError`."""
    problems = [
        f"line {number} is longer than {_SMTP_MAX_LINE} characters"
        for number, line in enumerate(raw.splitlines(), start=1)
        if len(line) > _SMTP_MAX_LINE
    ]
    message = BytesParser(policy=policy.default).parsebytes(raw)
    names = [name.lower() for name in message]
    problems.extend(_header_count_problems(names))
    senders = _addresses(message, "From", problems)
    if len(senders) != 1 and names.count("from") <= 1:
        problems.append("From must name exactly one sender")
    to = _addresses(message, "To", problems)
    if not to:
        problems.append("To must name at least one recipient")
    cc = _addresses(message, "Cc", problems)
    subject = _text(message, "Subject", problems)
    if "\r" in subject or "\n" in subject:
        problems.append("the Subject contains a line break")
    message_id = _text(message, "Message-ID", problems).strip()
    if not message_id:
        problems.append("the Message-ID header is missing")
    elif not _FOREIGN_MSG_ID.fullmatch(message_id):
        problems.append(f"Message-ID {message_id!r} is not of the form <id@domain>")
    in_reply_to = _text(message, "In-Reply-To", problems).strip() or None
    body = _plain_body(message, problems)
    if problems:
        raise ComposeError(*problems)
    return ParsedOutgoing(
        from_=senders[0],
        to=to,
        cc=cc,
        subject=subject,
        message_id=message_id,
        in_reply_to=in_reply_to,
        body=body,
    )


def _text(message: EmailMessage, field: str, problems: list[str]) -> str:
    try:
        return str(message.get(field, ""))
    except _UNREADABLE_HEADER as exc:
        problems.append(f"the {field} header cannot be read: {exc}")
        return ""


def _header_count_problems(names: list[str]) -> list[str]:
    problems = [
        f"remove the {bcc.title()} header: followup never sends blind copies"
        for bcc in ("bcc", "resent-bcc")
        if bcc in names
    ]
    problems.extend(
        f"there are {names.count(single)} {single.title()} headers; keep one"
        for single in ("from", "to", "cc", "subject", "message-id", "in-reply-to")
        if names.count(single) > 1
    )
    return problems


def _addresses(message: EmailMessage, field: str, problems: list[str]) -> tuple[Address, ...]:
    found: list[Address] = []
    try:
        headers = message.get_all(field, [])
    except _UNREADABLE_HEADER as exc:
        problems.append(f"the {field} header cannot be read: {exc}")
        return ()
    for header in headers:
        for address in getattr(header, "addresses", ()):
            spec = address.addr_spec
            if not is_addr_spec(spec):
                problems.append(f"{field}: {spec!r} is not a valid e-mail address")
                continue
            found.append(Address(spec.lower(), header_text(address.display_name)))
    return tuple(found)


def _plain_body(message: EmailMessage, problems: list[str]) -> str:
    part = message.get_body(preferencelist=("plain",))
    if part is None:
        problems.append("the message has no text/plain body")
        return ""
    try:
        content = part.get_content()
    except (LookupError, ValueError) as exc:
        problems.append(f"the body cannot be decoded: {exc}")
        return ""
    if not isinstance(content, str) or not content.strip():
        problems.append("the body is empty")
        return ""
    return content.replace("\r\n", "\n")
