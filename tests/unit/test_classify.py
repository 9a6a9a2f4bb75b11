from __future__ import annotations

from dataclasses import replace

import pytest

from daemon.classify.analysis import classify
from daemon.classify.wording import describe_participant
from daemon.domain import Address, Classification, Message, Overrides, Role, Stage, Thread
from tests.corpus.factory import (
    ALICE,
    APPLICATION,
    BOB,
    CAREERS,
    GREENHOUSE,
    MANAGER_SIGNATURE,
    PRIYA,
    RECRUITER_SIGNATURE,
    SAM,
    interview,
    message,
    mine,
    thread,
)

SELF = frozenset({ALICE.addr})


def roles(classification: Classification) -> dict[str, Role]:
    return {p.address.addr: p.role for p in classification.participants}


def applied_thread(*later: Message) -> Thread:
    return thread(
        mine("2026-11-02 09:00", (CAREERS,), APPLICATION, subject="Application: Data Engineer"),
        *later,
    )


# --- tracked or not -------------------------------------------------------------------------


def test_direct_application_is_tracked_as_applied() -> None:
    """An application e-mailed to careers@ is tracked, applied, with careers@ as HR."""
    c = classify(applied_thread(), SELF)
    assert c.tracked
    assert c.stage is Stage.APPLIED
    assert roles(c)[CAREERS.addr] is Role.HR
    assert any("careers@" in e.detail for e in c.evidence)


def test_ats_confirmation_is_tracked_and_its_sender_is_noreply() -> None:
    """A Greenhouse confirmation tracks the thread, and its address is never a contact."""
    ack = message(
        "2026-11-02 09:05",
        GREENHOUSE,
        body="Hi Alice,\n\nThank you for applying to Acme! We have received your application "
        "for the Data Engineer role and will review it shortly.",
        subject="Thank you for applying to Acme",
    )
    c = classify(thread(ack), SELF)
    assert c.tracked
    assert c.stage is Stage.APPLIED
    assert roles(c)[GREENHOUSE.addr] is Role.NOREPLY
    assert any("Greenhouse" in e.detail for e in c.evidence)


@pytest.mark.parametrize(
    "fields",
    [
        {"list_id": "jobs.lists.example.test"},
        {"list_unsubscribe": True},
        {"precedence": "bulk"},
    ],
)
def test_list_and_bulk_mail_is_never_tracked(fields: dict[str, object]) -> None:
    """A recruiting-sounding newsletter or list post is not the user's process."""
    post = message(
        "2026-11-03 08:00",
        Address("digest@lists.example.test", "Data Jobs Digest"),
        body="Your application tips: how to ace the interview process with a hiring manager.",
        subject="Interview tips for your application",
        **fields,
    )
    c = classify(thread(post), SELF)
    assert not c.tracked
    assert c.evidence[0].signal == "bulk"


def test_job_alert_without_list_headers_is_not_tracked() -> None:
    """Job alerts are recognised by their wording too."""
    alert = message(
        "2026-11-03 08:00",
        Address("alerts@jobs.example.test", "JobBoard"),
        body="New jobs for you: Data Engineer at Acme, Senior Data Engineer at Globex. "
        "Apply now! Manage your preferences.",
        subject="12 new Data Engineer positions",
    )
    assert not classify(thread(alert), SELF).tracked


def test_personal_mail_mentioning_an_interview_is_not_tracked() -> None:
    """A friend wishing luck for an interview is not a recruiting thread."""
    friend = message(
        "2026-11-10 19:00",
        BOB,
        body="Hey Alice,\n\nGood luck with your interview at Acme tomorrow! Fingers crossed.\n"
        "Drinks on Friday?\n\nBob",
        subject="Your interview tomorrow",
    )
    reply = mine("2026-11-10 20:00", (BOB,), "Thanks Bob! I'm nervous about the interview.")
    c = classify(thread(friend, reply), SELF)
    assert not c.tracked
    assert c.evidence[0].weight < 0


def test_user_must_be_a_direct_participant() -> None:
    """Recruiting mail the user was not addressed on (a Bcc) is not tracked."""
    other = message(
        "2026-11-03 08:00",
        SAM,
        to=(Address("carol@example.test"),),
        body="Thank you for your application, we would like to invite you to an interview."
        + RECRUITER_SIGNATURE,
        subject="Your application",
    )
    c = classify(thread(other), SELF)
    assert not c.tracked
    assert c.evidence[0].signal == "not_participant"


def test_colleagues_discussing_candidates_are_not_tracked() -> None:
    """Internal mail about interviewing someone else is the user's job, not their search."""
    colleague = Address("mark@example.test", "Mark Stone")
    note = message(
        "2026-11-03 08:00",
        colleague,
        body="Hi Alice, could you join the interview with the candidate for the analyst "
        "position on Thursday?",
        subject="Interview panel",
    )
    assert not classify(thread(note), SELF).tracked


def test_out_of_office_marked_bulk_does_not_untrack_a_thread() -> None:
    """Vacation replies say Precedence: bulk; they must not make the thread bulk mail."""
    ooo = message(
        "2026-11-02 09:01",
        CAREERS,
        body="I am out of the office until Monday.",
        subject="Out of Office: Application: Data Engineer",
        auto_submitted="auto-replied",
        precedence="bulk",
    )
    assert classify(applied_thread(ooo), SELF).tracked


# --- stage ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "rejection",
    [
        (
            "After careful consideration, we have decided to move forward with candidates whose "
            "experience more closely matches our needs."
        ),
        (
            "Nous sommes au regret de vous informer que nous ne pouvons pas donner une suite "
            "favorable à votre candidature."
        ),
        (
            "Leider müssen wir Ihnen mitteilen, dass wir uns für eine andere Kandidatin "
            "entschieden haben."
        ),
        "Lamentablemente hemos decidido no continuar con tu candidatura.",
    ],
)
def test_polite_rejections_in_four_languages(rejection: str) -> None:
    """Politely phrased rejections end the process in every language."""
    answer = message("2026-11-10 10:00", SAM, body=rejection + RECRUITER_SIGNATURE)
    c = classify(applied_thread(answer), SELF)
    assert c.stage is Stage.REJECTED
    assert "rejection" in c.stage_evidence[-1].detail


def test_quoted_rejection_in_own_reply_is_not_a_new_event() -> None:
    """Quoted text is ignored: the user's reply quoting an offer does not re-offer."""
    offer = message(
        "2026-11-10 10:00",
        SAM,
        body="We are delighted to extend you an offer for the role!" + RECRUITER_SIGNATURE,
    )
    reply = mine(
        "2026-11-11 10:00",
        (SAM,),
        "I would like to withdraw my application, I have accepted another offer.\n\n"
        "On Tue, 10 Nov 2026, Sam Lee wrote:\n> We are delighted to extend you an offer!",
    )
    c = classify(applied_thread(offer, reply), SELF)
    assert c.stage is Stage.WITHDRAWN


def test_scheduling_after_an_offer_keeps_the_offer() -> None:
    """Final stages stick: a call about the offer does not reopen interviewing."""
    offer = message(
        "2026-11-10 10:00",
        SAM,
        body="Please find attached your offer letter." + RECRUITER_SIGNATURE,
    )
    call = message(
        "2026-11-11 10:00",
        SAM,
        body="Could we schedule a call to go through the package?" + RECRUITER_SIGNATURE,
    )
    c = classify(applied_thread(offer, call), SELF)
    assert c.stage is Stage.OFFER


def test_calendar_invitation_means_interviewing_then_interviewed() -> None:
    """An invitation makes the stage interviewing; mail after the interview makes it interviewed."""
    invite = message(
        "2026-11-04 10:00",
        SAM,
        body="Please find the invitation attached." + RECRUITER_SIGNATURE,
        calendar=(interview("2026-11-12 09:00", "2026-11-12 10:00", PRIYA),),
    )
    c = classify(applied_thread(invite), SELF)
    assert c.stage is Stage.INTERVIEWING
    assert c.interview is not None
    after = mine("2026-11-13 09:00", (SAM,), "Hi Sam, just checking in.")
    assert classify(applied_thread(invite, after), SELF).stage is Stage.INTERVIEWED


def test_cancelled_invitation_is_no_interview() -> None:
    """A cancelled event removes the interview it announced."""
    event = interview("2026-11-12 09:00", "2026-11-12 10:00", PRIYA)
    invite = message(
        "2026-11-04 10:00", SAM, body="Invitation." + RECRUITER_SIGNATURE, calendar=(event,)
    )
    cancel = message(
        "2026-11-05 10:00",
        SAM,
        body="Cancelled, sorry." + RECRUITER_SIGNATURE,
        calendar=(replace(event, method="CANCEL", cancelled=True),),
    )
    c = classify(applied_thread(invite, cancel), SELF)
    assert c.interview is None


def test_stage_override_wins() -> None:
    """The user's stage correction replaces what the mail says."""
    c = classify(applied_thread(), SELF, Overrides(stage=Stage.CLOSED))
    assert c.stage is Stage.CLOSED
    assert c.stage_evidence[-1].detail == "closed: your correction"


# --- roles ----------------------------------------------------------------------------------


def invited_thread() -> Thread:
    ask = message(
        "2026-11-04 10:00",
        SAM,
        cc=(PRIYA,),
        body="Hi Alice,\n\nThank you for your application. I'm copying Priya Raman, our Head of "
        "Data, who is the hiring manager for this role.\n\nCould you share your availability?"
        + RECRUITER_SIGNATURE,
        subject="Re: Application: Data Engineer",
    )
    answer = mine("2026-11-04 12:00", (SAM,), "Tuesday at 10:00 works for me.", cc=(PRIYA,))
    thanks = mine(
        "2026-11-12 14:00",
        (PRIYA,),
        "Dear Priya,\n\nThank you for taking the time to speak with me today.\n\nAlice",
    )
    return applied_thread(ask, answer, thanks)


def test_recruiter_and_manager_are_told_apart() -> None:
    """The recruiter's title makes HR; the introduction and the thank-you make the manager."""
    c = classify(invited_thread(), SELF)
    assert roles(c)[SAM.addr] is Role.HR
    assert roles(c)[PRIYA.addr] is Role.HIRING_MANAGER
    (manager,) = c.with_role(Role.HIRING_MANAGER)
    text = describe_participant(manager)
    assert text.startswith("hiring manager: Priya Raman, from ")
    assert "introduction in Sam Lee's message of 4 Nov" in text
    assert "the thank-you on 12 Nov" in text
    (sam,) = [p for p in c.participants if p.address.addr == SAM.addr]
    assert "the signature 'Talent Acquisition Partner'" in describe_participant(sam)


def test_signature_title_makes_a_manager() -> None:
    """ "Head of Data" under the sender's name makes them the hiring manager."""
    note = message(
        "2026-11-05 10:00",
        PRIYA,
        body="Hi Alice,\n\nI'd be happy to tell you more about the team." + MANAGER_SIGNATURE,
    )
    c = classify(applied_thread(note), SELF)
    assert roles(c)[PRIYA.addr] is Role.HIRING_MANAGER


def test_company_attendees_of_the_invitation_are_managers() -> None:
    """Company people invited to the interview (not its organiser) are hiring managers."""
    julia = Address("julia.weber@acme.example.test", "Julia Weber")
    invite = message(
        "2026-11-04 10:00",
        SAM,
        body="Please find the invitation attached." + RECRUITER_SIGNATURE,
        calendar=(interview("2026-11-12 09:00", "2026-11-12 10:00", julia),),
    )
    c = classify(applied_thread(invite), SELF)
    assert roles(c)[julia.addr] is Role.HIRING_MANAGER
    assert roles(c)[SAM.addr] is Role.HR


def test_agency_recruiter_is_hr() -> None:
    """A recruiter writing for a client is HR even with a manager-sounding title."""
    agent = Address("tom.becker@talentbridge.example.test", "Tom Becker")
    pitch = message(
        "2026-11-04 10:00",
        agent,
        body="Hi Alice,\n\nI'm reaching out on behalf of my client, a fintech in Berlin, about a "
        "Data Engineer position. Would you be available for a call?\n\nBest,\nTom Becker\n"
        "Account Manager",
        subject="Data Engineer role - fintech client",
    )
    reply = mine("2026-11-04 12:00", (agent,), "Hi Tom, yes, I'd like to apply for the role.")
    c = classify(thread(pitch, reply), SELF)
    assert c.tracked
    assert roles(c)[agent.addr] is Role.HR


def test_noreply_and_self_are_never_hr_or_manager() -> None:
    """No-reply senders and the user's own addresses get their own roles."""
    ack = message(
        "2026-11-02 09:05",
        GREENHOUSE,
        body="Thank you for applying! We have received your application.",
    )
    c = classify(applied_thread(ack), SELF)
    assert roles(c)[GREENHOUSE.addr] is Role.NOREPLY
    assert roles(c)[ALICE.addr] is Role.SELF


def test_sent_folder_reveals_aliases() -> None:
    """A message in Sent from another address marks that address as the user's too."""
    alias = Address("alice.moreau@mail.example.test", "Alice Moreau")
    sent = message("2026-11-02 09:00", alias, to=(CAREERS,), body=APPLICATION, in_sent=True)
    c = classify(thread(sent), SELF)
    assert roles(c)[alias.addr] is Role.SELF


def test_manager_and_hr_overrides_win() -> None:
    """Corrections by hand replace the computed roles, even for unseen addresses."""
    c = classify(
        invited_thread(),
        SELF,
        Overrides(manager="Julia.Weber@acme.example.test", hr=(PRIYA.addr,)),
    )
    found = roles(c)
    assert found["julia.weber@acme.example.test"] is Role.HIRING_MANAGER
    assert found[PRIYA.addr] is Role.HR
    assert len(c.with_role(Role.HIRING_MANAGER)) == 1


def test_language_follows_the_other_side() -> None:
    """The thread's language is the hiring side's."""
    note = message(
        "2026-11-05 10:00",
        SAM,
        body="Bonjour Alice,\n\nMerci pour votre candidature, nous revenons vers vous très vite."
        "\n\nCordialement,\nSam Lee\nChargé de recrutement",
    )
    assert classify(applied_thread(note), SELF).language == "fr"


def test_empty_thread_is_not_tracked() -> None:
    """A thread without messages is simply not tracked."""
    assert not classify(thread(), SELF).tracked


def test_self_addresses_are_case_insensitive() -> None:
    """Configured addresses in capitals still recognise the user."""
    c = classify(applied_thread(), frozenset({"Alice@Example.TEST"}))
    assert c.tracked
