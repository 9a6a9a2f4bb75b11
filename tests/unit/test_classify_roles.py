from __future__ import annotations

from daemon.classify.analysis import classify
from daemon.classify.reading import Kind, read_thread
from daemon.classify.wording import describe_participant
from daemon.domain import Address, Classification, Message, Participant, Role, Thread
from daemon.policy import decide
from tests.corpus.factory import (
    ALICE,
    APPLICATION,
    CAREERS,
    PRIYA,
    RECRUITER_SIGNATURE,
    RULES,
    SAM,
    at,
    interview,
    message,
    mine,
    thread,
)

SELF = frozenset({ALICE.addr})
NOW = at("2026-11-30 10:00")
ATS_SAM = Address("no-reply@greenhouse-mail.example.test", "Sam Lee")
RECRUITER_NOTE = (
    "Hi Alice,\n\nThanks for applying to Acme! I'm the recruiter for the Data Engineer role and "
    "I'd love to set up a call. What times work for you this week?\n\nBest,\nSam Lee\n"
    "Technical Recruiter, Acme"
)


def roles(classification: Classification) -> dict[str, Role]:
    return {p.address.addr: p.role for p in classification.participants}


def participant(classification: Classification, addr: str) -> Participant:
    (found,) = [p for p in classification.participants if p.address.addr == addr]
    return found


def addrs(addresses: tuple[Address, ...]) -> list[str]:
    return [a.addr for a in addresses]


def applied_thread(*later: Message) -> Thread:
    application = mine(
        "2026-11-02 09:00", (CAREERS,), APPLICATION, subject="Application: Data Engineer"
    )
    return thread(application, *later)


# --- a recruiter writing through an ATS or a no-reply address --------------------------------


def ats_thread(reply_to: tuple[Address, ...] = (SAM,), answered: Address = SAM) -> Thread:
    note = message("2026-11-02 10:00", ATS_SAM, body=RECRUITER_NOTE, reply_to=reply_to)
    answer = mine("2026-11-02 12:00", (answered,), "Hi Sam,\n\nWednesday afternoon works for me.")
    return thread(note, answer)


def test_reply_to_person_is_the_author_of_an_ats_message() -> None:
    """The recruiter behind an ATS message is HR from its signature; the ATS stays no-reply."""
    c = classify(ats_thread(), SELF)
    assert roles(c)[SAM.addr] is Role.HR
    assert roles(c)[ATS_SAM.addr] is Role.NOREPLY
    sam = describe_participant(participant(c, SAM.addr))
    assert sam.startswith("HR: Sam Lee, from the signature 'Technical Recruiter, Acme'")


def test_reply_to_without_a_name_takes_the_sender_name() -> None:
    """A bare Reply-To is named after the ATS message's display name."""
    bare = Address(SAM.addr)
    c = classify(ats_thread(reply_to=(bare,), answered=bare), SELF)
    assert participant(c, SAM.addr).address.name == "Sam Lee"


def test_follow_up_to_an_ats_recruiter_goes_to_their_reply_to() -> None:
    """The follow-up reaches the recruiter, never the no-reply address."""
    d = decide(ats_thread(), RULES, NOW)
    assert d.due
    assert addrs(d.to) == [SAM.addr]
    assert ATS_SAM.addr not in addrs(d.cc)


def test_ats_recruiter_goes_in_cc_when_writing_to_the_manager() -> None:
    """After an interview, the manager is in To and the ATS recruiter in Cc."""
    invite = message(
        "2026-11-04 10:00",
        ATS_SAM,
        body="Hi Alice,\n\nPlease find the interview invitation attached.\n\nBest,\nSam Lee\n"
        "Technical Recruiter, Acme",
        reply_to=(SAM,),
        calendar=(interview("2026-11-12 09:00", "2026-11-12 10:00", PRIYA, organizer=ATS_SAM),),
    )
    thanks = mine(
        "2026-11-12 14:00",
        (PRIYA,),
        "Dear Priya,\n\nThank you for the interview today.\n\nAlice",
    )
    d = decide(thread(*ats_thread().messages, invite, thanks), RULES, NOW)
    assert d.due
    assert addrs(d.to) == [PRIYA.addr]
    assert addrs(d.cc) == [SAM.addr]


def test_noreply_or_self_reply_to_makes_no_author() -> None:
    """A Reply-To that nobody reads, or the user's own, names no recruiter."""
    c = classify(ats_thread(reply_to=(Address("noreply@acme.example.test"), ALICE)), SELF)
    assert not c.with_role(Role.HR)
    assert not c.with_role(Role.HIRING_MANAGER)


def ats_answer(**fields: object) -> Thread:
    """Sam answers Alice's nudge through the ATS on Wednesday 25 Nov."""
    nudge = mine("2026-11-12 09:00", (SAM,), "Hi Sam,\n\nI wanted to follow up. Any news?")
    answer = message(
        "2026-11-25 09:00",
        ATS_SAM,
        body="Hi Alice,\n\nThanks for checking in! The hiring manager is still reviewing "
        "profiles.\n\nBest,\nSam Lee\nTechnical Recruiter, Acme",
        subject="Re: Application: Data Engineer",
        reply_to=(SAM,),
        **fields,
    )
    return applied_thread(nudge, answer)


def test_a_recruiter_answering_through_an_ats_is_her_answer() -> None:
    """Her message is a person's, from her Reply-To: the follow-up clock starts again."""
    conversation = ats_answer()
    readings = read_thread(conversation.messages, SELF)
    assert [(r.kind, r.sender) for r in readings][-1] == (Kind.HUMAN, SAM.addr)
    d = decide(conversation, RULES, NOW)
    assert not d.due
    assert d.due_at is not None
    assert d.due_at.date().isoformat() == "2026-12-02"
    assert roles(d.classification)[SAM.addr] is Role.HR


def test_an_ats_message_marked_auto_submitted_stays_automated() -> None:
    """Auto-generated acknowledgements with a recruiter's Reply-To are not her answer."""
    conversation = ats_answer(auto_submitted="auto-generated")
    assert read_thread(conversation.messages, SELF)[-1].kind is Kind.AUTOMATED
    assert decide(conversation, RULES, NOW).due


# --- names that are not people's -------------------------------------------------------------


def test_role_address_name_is_not_introduced() -> None:
    """ "an interview with Acme's data team" does not introduce "Acme Jobs" <jobs@...>."""
    jobs = Address("jobs@acme.example.test", "Acme Jobs")
    application = mine(
        "2026-11-02 09:00", (jobs,), APPLICATION, subject="Application: Data Engineer"
    )
    ack = message(
        "2026-11-03 09:00",
        SAM,
        body="Hi Alice,\n\nThanks for your application! The next step is an interview with "
        "Acme's data team, I'll send details soon.\n\nSam Lee\nRecruiter",
        subject="Re: Application: Data Engineer",
    )
    c = classify(thread(application, ack), SELF)
    assert roles(c)[jobs.addr] is Role.HR
    assert "introduction" not in describe_participant(participant(c, jobs.addr))
    d = decide(thread(application, ack), RULES, NOW)
    assert addrs(d.to) == [SAM.addr]


def test_company_name_at_a_personal_address_is_not_introduced() -> None:
    """A display name starting with the company's name is not a person to mention."""
    team = Address("hello@acme.example.test", "Acme Hiring Team")
    application = mine(
        "2026-11-02 09:00", (team,), APPLICATION, subject="Application: Data Engineer"
    )
    ack = message(
        "2026-11-03 09:00",
        SAM,
        cc=(team,),
        body="Hi Alice,\n\nThanks for your application! You will meet with Acme's data team "
        "next week." + RECRUITER_SIGNATURE,
        subject="Re: Application: Data Engineer",
    )
    c = classify(thread(application, ack), SELF)
    assert roles(c)[team.addr] is Role.HR
    assert all("introduction" not in e.detail for e in participant(c, team.addr).evidence)


# --- arranging the interview against attending it --------------------------------------------


def manager_invitation(*attendees: Address) -> Thread:
    """Sam (recruiter) hands over; Priya sends her own invitation; Alice thanks her."""
    handover = message(
        "2026-11-02 10:00",
        SAM,
        body="Hi Alice,\n\nThanks for your application. Priya will reach out to schedule a call."
        "\n\nBest,\nSam Lee\nTalent Acquisition",
    )
    ok = mine("2026-11-02 12:00", (SAM,), "Hi Sam,\n\nThank you!\n\nAlice")
    invite = message(
        "2026-11-04 10:00",
        PRIYA,
        body="Hi Alice,\n\nLet's schedule an interview for Tuesday, invitation attached.\n\nPriya",
        subject="Invitation: Interview: Alice Moreau",
        calendar=(interview("2026-11-10 13:00", "2026-11-10 14:00", *attendees, organizer=PRIYA),),
    )
    thanks = mine(
        "2026-11-10 16:00",
        (PRIYA,),
        "Dear Priya,\n\nThank you for the interview today.\n\nBest regards,\nAlice",
    )
    return thread(handover, ok, invite, thanks)


def test_manager_sending_her_own_invitation_stays_the_manager() -> None:
    """Being thanked for the interview outweighs organising it and asking to schedule it."""
    c = classify(manager_invitation(PRIYA), SELF)
    assert roles(c)[PRIYA.addr] is Role.HIRING_MANAGER
    assert roles(c)[SAM.addr] is Role.HR
    d = decide(manager_invitation(PRIYA), RULES, NOW)
    assert addrs(d.to) == [PRIYA.addr]
    assert addrs(d.cc) == [SAM.addr]


def test_coordinator_organising_the_invitation_stays_hr() -> None:
    """Whoever organises and schedules an interview they are not thanked for is HR."""
    rita = Address("rita.lane@acme.example.test", "Rita Lane")
    invite = message(
        "2026-11-04 10:00",
        rita,
        body="Hi Alice,\n\nI'd like to schedule an interview with Priya, invitation attached.",
        calendar=(interview("2026-11-10 13:00", "2026-11-10 14:00", rita, PRIYA, organizer=rita),),
    )
    thanks = mine("2026-11-10 16:00", (PRIYA,), "Dear Priya,\n\nThank you for the interview.")
    c = classify(applied_thread(invite, thanks), SELF)
    assert roles(c)[rita.addr] is Role.HR
    assert roles(c)[PRIYA.addr] is Role.HIRING_MANAGER
