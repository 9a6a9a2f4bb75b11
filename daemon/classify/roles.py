"""Who is who on the hiring side: HR, the hiring manager, or neither.

Each observation adds to a person's HR or hiring-manager score and keeps
its wording; the larger score wins. Explicit words (a title, an
introduction) outweigh circumstances (attending the interview, being
thanked), which outweigh mere activity in the thread. Arranging the
interview (organising the invitation, asking for availability) counts once
however often it happens: coordinators do it, but so does a hiring manager
sending her own invitation, so attending or being thanked outweighs it.

A recruiter writing through an applicant-tracking system or a no-reply
address, with their own address as Reply-To, is the author of that message.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from daemon.classify.reading import Kind, Reading, written_by
from daemon.classify.senders import hr_local_part, is_freemail, is_noreply, organisation
from daemon.classify.text import (
    clause_after,
    clause_before,
    first_name,
    normalize,
    original_line,
)
from daemon.classify.vocabulary import (
    AGENCY,
    ASK_AVAILABILITY,
    GREETING,
    HM_INTRO,
    HM_TITLE,
    HR_INTRO,
    HR_TITLE,
    INTERVIEW_INVITE,
    SELF_APPLICATION,
    SELF_THANKS_INTERVIEW,
)
from daemon.classify.wording import short_date, who
from daemon.domain import Address, CalendarEvent, Evidence, Overrides, Participant, Role

if TYPE_CHECKING:
    from collections.abc import Sequence

    from daemon.domain import Message

TITLE_WEIGHT = 3.0
AGENCY_WEIGHT = 3.5
INTRO_WEIGHT = 2.5
ROLE_ADDRESS_WEIGHT = 2.0
ATTENDEE_WEIGHT = 1.5
THANKED_WEIGHT = 1.5
SCHEDULING_WEIGHT = 1.0
ACTIVITY_WEIGHT = 0.5
#: Being thanked or attending alone makes a hiring manager; activity alone does not.
MIN_MANAGER_SCORE = 1.5
OVERRIDE_WEIGHT = 100.0
_MIN_FIRST_NAME = 3
_ROLE_ORDER = {Role.HIRING_MANAGER: 0, Role.HR: 1, Role.OTHER: 2, Role.NOREPLY: 3, Role.SELF: 4}


@dataclass(slots=True)
class _Person:
    address: Address
    first_seen: int
    last_sent: int = -1
    hr: float = 0.0
    hm: float = 0.0
    hr_evidence: list[Evidence] = field(default_factory=list)
    hm_evidence: list[Evidence] = field(default_factory=list)
    #: Roles someone was already introduced as: the first introduction is enough.
    introduced: set[Role] = field(default_factory=set)
    arranged: bool = False

    def introduce(self, role: Role, detail: str, key: str) -> None:
        if role not in self.introduced:
            self.introduced.add(role)
            self.add(role, INTRO_WEIGHT, detail, key)

    def arrange(self, detail: str, key: str | None) -> None:
        if not self.arranged:
            self.arranged = True
            self.add(Role.HR, SCHEDULING_WEIGHT, detail, key)

    def add(self, role: Role, weight: float, detail: str, key: str | None) -> None:
        evidence = Evidence(str(role), detail, weight, key)
        if role is Role.HR:
            if all(e.detail != detail for e in self.hr_evidence):
                self.hr += weight
                self.hr_evidence.append(evidence)
        elif all(e.detail != detail for e in self.hm_evidence):
            self.hm += weight
            self.hm_evidence.append(evidence)


class _Roster:
    """Everyone named in the thread, with the evidence gathered about them."""

    def __init__(self, selves: frozenset[str]) -> None:
        self.selves = selves
        self.people: dict[str, _Person] = {}

    def see(self, address: Address, position: int, *, sent: bool = False) -> _Person:
        person = self.people.get(address.addr)
        if person is None:
            person = _Person(address, position)
            self.people[address.addr] = person
        elif address.name and (sent or not person.address.name):
            person.address = address
        if sent:
            person.last_sent = position
        return person

    def hiring_side(self, addr: str) -> _Person | None:
        if addr in self.selves or is_noreply(addr):
            return None
        return self.people.get(addr)


def _author(reading: Reading, selves: frozenset[str]) -> Address | None:
    """Who on the other side wrote a message, or None for the user's and automated mail.

    A person's message sent through an ATS or a no-reply address is read as
    written by its Reply-To person: that is the recruiter using the tool.
    """
    return written_by(reading.message, selves) if reading.kind is Kind.HUMAN else None


def _collect(
    roster: _Roster,
    readings: Sequence[Reading],
    authors: Sequence[Address | None],
    interview: CalendarEvent | None,
) -> None:
    for position, (reading, author) in enumerate(zip(readings, authors, strict=True)):
        if reading.kind in (Kind.BULK, Kind.AUTO_REPLY):
            continue
        message = reading.message
        if message.from_ is not None:
            roster.see(message.from_, position, sent=reading.kind is not Kind.AUTOMATED)
        if author is not None:
            roster.see(author, position, sent=True)
        for address in (*message.to, *message.cc):
            roster.see(address, position)
    if interview is not None:
        for invited in (interview.organizer, *interview.attendees):
            if invited is not None:
                roster.see(invited, len(readings))


def _signature_titles(person: _Person, reading: Reading) -> None:
    # The first line with either title is the first with one of them; scoring
    # the thread has already looked for the recruiting one.
    hr_line, hm_line = reading.signature_line(HR_TITLE), reading.signature_line(HM_TITLE)
    message = reading.message
    for line in reading.signature:
        if line not in (hr_line, hm_line):
            continue
        title = original_line(message.body_text, line)
        role = Role.HR if line == hr_line else Role.HIRING_MANAGER
        person.add(role, TITLE_WEIGHT, f"the signature '{title}'", message.key)
        return


def _is_named_person(addr: str, name: str) -> bool:
    """Whether a display name is a person's: "Acme Jobs" <jobs@acme...> names the company."""
    if not name or hr_local_part(addr) is not None:
        return False
    return first_name(name).lower() != organisation(addr).split(".", 1)[0]


def _mention_terms(roster: _Roster) -> list[tuple[_Person, str]]:
    """Full names and unambiguous first names of the hiring side's people, lower-cased."""
    people = [
        p
        for a, p in roster.people.items()
        if roster.hiring_side(a) and _is_named_person(a, p.address.name)
    ]
    firsts = [first_name(p.address.name).lower() for p in people]
    terms = []
    for person, first in zip(people, firsts, strict=True):
        full = normalize(person.address.name)
        if " " in full:
            terms.append((person, full))
        if len(first) >= _MIN_FIRST_NAME and firsts.count(first) == 1 and first != full:
            terms.append((person, first))
    return terms


def _mentions(text: str, term: str) -> list[int]:
    found, start = [], text.find(term)
    while start != -1:
        end = start + len(term)
        before_ok = start == 0 or not text[start - 1].isalnum()
        after_ok = end == len(text) or not text[end].isalnum()
        if before_ok and after_ok:
            found.append(start)
        start = text.find(term, end)
    return found


def _introductions(terms: list[tuple[_Person, str]], reading: Reading, whose: str) -> None:
    if not (HR_INTRO.anchored_in(reading.anchors) or HM_INTRO.anchored_in(reading.anchors)):
        return
    text = reading.own
    message = reading.message
    where = f"the introduction in {whose} message of {short_date(message.date)}"
    for person, term in terms:
        for start in _mentions(text, term):
            before = clause_before(text, start)
            if GREETING.search(before) is not None:
                continue
            # Anchors hold no space, so those in `around` are the message's.
            around = before + " " + clause_after(text, start + len(term))
            if reading.find_in_part(HR_INTRO, around) is not None:
                person.introduce(Role.HR, where, message.key)
            elif reading.find_in_part(HM_INTRO, around) is not None:
                person.introduce(Role.HIRING_MANAGER, where, message.key)


def _from_messages(
    roster: _Roster, readings: Sequence[Reading], authors: Sequence[Address | None]
) -> None:
    terms = _mention_terms(roster)
    for reading, author in zip(readings, authors, strict=True):
        if reading.kind is Kind.SELF:
            if terms:
                _introductions(terms, reading, "your")
            _from_own_message(roster, reading)
            continue
        if author is None:
            continue
        if terms:
            _introductions(terms, reading, f"{who(author)}'s")
        person = roster.hiring_side(author.addr)
        if person is None:
            continue
        message = reading.message
        _signature_titles(person, reading)
        agency = reading.find(AGENCY)
        if agency is not None:
            detail = f"the agency wording '{agency.group()}'"
            person.add(Role.HR, AGENCY_WEIGHT, detail, message.key)
        if reading.find(ASK_AVAILABILITY) or reading.find(INTERVIEW_INVITE):
            person.arrange(f"the scheduling on {short_date(message.date)}", message.key)


def _from_own_message(roster: _Roster, reading: Reading) -> None:
    message = reading.message
    if reading.find(SELF_THANKS_INTERVIEW) is None:
        return
    for address in message.to:
        person = roster.hiring_side(address.addr)
        if person is not None:
            detail = f"the thank-you on {short_date(message.date)}"
            person.add(Role.HIRING_MANAGER, THANKED_WEIGHT, detail, message.key)


def _from_invitation(roster: _Roster, interview: CalendarEvent, hiring_orgs: set[str]) -> None:
    when = short_date(interview.start)
    organizer = interview.organizer.addr if interview.organizer is not None else None
    if organizer is not None and (person := roster.hiring_side(organizer)) is not None:
        person.arrange(f"organising the interview of {when}", None)
    for attendee in interview.attendees:
        person = roster.hiring_side(attendee.addr)
        if person is None or attendee.addr == organizer:
            continue
        if organisation(attendee.addr) in hiring_orgs and not is_freemail(attendee.addr):
            detail = f"the interview invitation of {when}"
            person.add(Role.HIRING_MANAGER, ATTENDEE_WEIGHT, detail, None)


def _from_addresses(roster: _Roster, readings: Sequence[Reading]) -> None:
    applied_to = {
        address.addr
        for reading in readings
        if reading.kind is Kind.SELF and reading.find(SELF_APPLICATION)
        for address in reading.message.to
    }
    for addr, person in roster.people.items():
        if roster.hiring_side(addr) is None:
            continue
        token = hr_local_part(addr)
        if token is not None:
            person.add(Role.HR, ROLE_ADDRESS_WEIGHT, f"the address {token}@", None)
        if person.hr_evidence or person.hm_evidence:
            continue
        if person.last_sent >= 0:
            person.add(Role.HR, ACTIVITY_WEIGHT, "their messages about the application", None)
        elif addr in applied_to:
            person.add(Role.HR, ACTIVITY_WEIGHT, "your application sent to them", None)


def _role(person: _Person, overrides: Overrides) -> Role:
    addr = person.address.addr
    if addr in overrides.hr:
        return Role.HR
    if addr == overrides.manager:
        return Role.HIRING_MANAGER
    if person.hm > person.hr and person.hm >= MIN_MANAGER_SCORE:
        return Role.OTHER if overrides.manager else Role.HIRING_MANAGER
    if person.hr >= ACTIVITY_WEIGHT:
        return Role.HR
    return Role.OTHER


def _participant(person: _Person, role: Role) -> Participant:
    if role is Role.HR:
        return Participant(person.address, role, tuple(person.hr_evidence))
    if role is Role.HIRING_MANAGER:
        return Participant(person.address, role, tuple(person.hm_evidence))
    return Participant(person.address, role)


def _apply_overrides(roster: _Roster, overrides: Overrides, position: int) -> None:
    corrected = [(a, Role.HR) for a in overrides.hr]
    if overrides.manager:
        corrected.append((overrides.manager, Role.HIRING_MANAGER))
    for addr, role in corrected:
        person = roster.see(Address(addr.strip().lower()), position)
        person.add(role, OVERRIDE_WEIGHT, "your correction", None)


def _hiring_organisations(authors: Sequence[Address | None]) -> set[str]:
    """Employers (and agencies) that wrote in the thread."""
    return {
        organisation(author.addr)
        for author in authors
        if author is not None and not is_freemail(author.addr)
    }


def assign_roles(
    readings: Sequence[Reading],
    selves: frozenset[str],
    interview: CalendarEvent | None,
    overrides: Overrides,
) -> tuple[Participant, ...]:
    roster = _Roster(selves)
    authors = [_author(reading, selves) for reading in readings]
    _collect(roster, readings, authors, interview)
    _from_messages(roster, readings, authors)
    if interview is not None:
        orgs = _hiring_organisations(authors)
        if interview.organizer is not None:
            orgs.add(organisation(interview.organizer.addr))
        _from_invitation(roster, interview, orgs)
    _from_addresses(roster, readings)
    _apply_overrides(roster, overrides, len(readings) + 1)
    ranked: list[tuple[int, int, Participant]] = []
    for addr, person in roster.people.items():
        if addr in selves:
            role = Role.SELF
        elif is_noreply(addr) and addr != overrides.manager and addr not in overrides.hr:
            role = Role.NOREPLY
        else:
            role = _role(person, overrides)
        ranked.append((_ROLE_ORDER[role], person.first_seen, _participant(person, role)))
    ranked.sort(key=lambda item: (item[0], item[1]))
    return tuple(participant for _, _, participant in ranked)


def latest_from(readings: Sequence[Reading], addr: str) -> Message | None:
    """The newest message `addr` wrote, for its Reply-To."""
    for reading in reversed(readings):
        if reading.sender == addr and reading.kind is not Kind.AUTO_REPLY:
            return reading.message
    return None
