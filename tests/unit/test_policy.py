from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from daemon.domain import (
    Address,
    BusinessCalendar,
    Decision,
    FollowupKind,
    Message,
    Overrides,
    Role,
    Stage,
    Thread,
)
from daemon.planner import plan
from daemon.policy import decide
from tests.corpus.factory import (
    ALICE,
    APPLICATION,
    BOB,
    CAREERS,
    GREENHOUSE,
    MANAGER_SIGNATURE,
    PARIS,
    PRIYA,
    RECRUITER_SIGNATURE,
    RULES,
    SAM,
    at,
    extended,
    interview,
    message,
    mine,
    thread,
)


def applied(*later: Message) -> Thread:
    """Applied by mail on Monday 2 Nov 09:00 UTC."""
    return thread(
        mine("2026-11-02 09:00", (CAREERS,), APPLICATION, subject="Application: Data Engineer"),
        *later,
    )


def interviewed(*later: Message) -> Thread:
    """Sam (recruiter) set up an interview with Priya (manager) on 12 Nov; Alice thanked Priya."""
    invite = message(
        "2026-11-04 10:00",
        SAM,
        cc=(PRIYA,),
        body="Hi Alice,\n\nThank you for your application! You will meet Priya Raman, our Head of "
        "Data and the hiring manager. Invitation attached." + RECRUITER_SIGNATURE,
        calendar=(interview("2026-11-12 09:00", "2026-11-12 10:00", PRIYA),),
    )
    ok = mine("2026-11-04 12:00", (SAM,), "Hi Sam, thank you, that works for me.\n\nAlice")
    thanks = mine(
        "2026-11-12 14:00",
        (PRIYA,),
        "Dear Priya,\n\nThank you for taking the time to speak with me today.\n\nAlice",
        cc=(SAM,),
    )
    return applied(invite, ok, thanks, *later)


def addrs(addresses: tuple[Address, ...]) -> list[str]:
    return [a.addr for a in addresses]


# --- the silence window ---------------------------------------------------------------------


def test_application_follow_up_is_due_after_five_business_days() -> None:
    """Five business days after the application, a follow-up to careers@ is due."""
    before = decide(applied(), RULES, at("2026-11-06 10:00"))
    assert not before.due
    assert before.reason.startswith("not due until 2026-11-09 (5 business days after your message")
    after = decide(applied(), RULES, at("2026-11-09 10:00"))
    assert after.due
    assert after.reason == "due since 2026-11-09 (5 business days after your message of 2 Nov)"
    assert after.kind is FollowupKind.AFTER_APPLICATION
    assert after.followup_number == 1
    assert addrs(after.to) == [CAREERS.addr]
    assert after.cc == ()


def test_public_holidays_extend_the_window() -> None:
    """11 Nov is a holiday in the configured calendar, so the window ends a day later."""
    late = applied()
    shifted = Thread(
        late.id,
        late.account,
        late.subject,
        tuple(replace(m, date=at("2026-11-06 09:00")) for m in late.messages),
    )
    assert decide(shifted, RULES, at("2026-11-13 09:00")).due_at == at("2026-11-16 09:00")
    no_holidays = replace(RULES, calendar=BusinessCalendar(PARIS))
    assert decide(shifted, no_holidays, at("2026-11-13 09:00")).due


def test_silence_per_stage() -> None:
    """A per-stage silence window replaces the default one."""
    rules = replace(RULES, silence_by_stage=((Stage.APPLIED, 10),))
    assert not decide(applied(), rules, at("2026-11-13 10:00")).due


def test_after_interview_goes_to_manager_with_hr_in_cc() -> None:
    """After an interview the manager is in To and the active recruiter in Cc."""
    d = decide(interviewed(), RULES, at("2026-11-19 15:00"))
    assert d.due
    assert d.kind is FollowupKind.AFTER_INTERVIEW
    assert d.classification.stage is Stage.INTERVIEWED
    assert addrs(d.to) == [PRIYA.addr]
    assert addrs(d.cc) == [SAM.addr]
    assert d.to[0].name == "Priya Raman"


def test_a_reply_from_the_other_side_restarts_the_clock() -> None:
    """A human answer is newer than the user's message: the window counts from it."""
    answer = message(
        "2026-11-06 10:00",
        SAM,
        body="Thanks Alice, I have passed your CV on." + RECRUITER_SIGNATURE,
    )
    d = decide(applied(answer), RULES, at("2026-11-09 10:00"))
    assert not d.due
    assert d.reason == (
        "not due until 2026-11-16 (5 business days after Sam Lee's message of 6 Nov)"
    )


# --- interviews -----------------------------------------------------------------------------


def test_future_interview_means_nothing_is_due() -> None:
    """While the interview is ahead nothing is due, whatever the silence."""
    invite = message(
        "2026-11-04 10:00",
        SAM,
        body="Invitation attached." + RECRUITER_SIGNATURE,
        calendar=(interview("2026-12-02 09:00", "2026-12-02 10:00", PRIYA),),
    )
    ok = mine("2026-11-04 12:00", (SAM,), "Thank you, confirmed.")
    d = decide(applied(invite, ok), RULES, at("2026-11-20 10:00"))
    assert not d.due
    assert d.reason == "interview on 2 Dec is still ahead"
    assert d.due_at == at("2026-12-09 10:00")


def test_interview_ahead_shows_the_due_date_it_will_have_after_the_interview() -> None:
    """The due date shown before the interview uses the window of the interviewed stage."""
    rules = replace(RULES, silence_by_stage=((Stage.INTERVIEWING, 10), (Stage.INTERVIEWED, 2)))
    invite = message(
        "2026-11-04 10:00",
        SAM,
        body="Invitation attached." + RECRUITER_SIGNATURE,
        calendar=(interview("2026-12-02 09:00", "2026-12-02 10:00", PRIYA),),
    )
    ok = mine("2026-11-04 12:00", (SAM,), "Thank you, confirmed.")
    ahead = decide(applied(invite, ok), rules, at("2026-11-20 10:00"))
    over = decide(applied(invite, ok), rules, at("2026-12-03 10:00"))
    assert ahead.reason == "interview on 2 Dec is still ahead"
    assert ahead.due_at == over.due_at == at("2026-12-04 10:00")


def test_clock_starts_at_the_end_of_the_interview() -> None:
    """Without mail after the interview, the window counts from the interview's end."""
    invite = message(
        "2026-11-04 10:00",
        SAM,
        body="Invitation attached." + RECRUITER_SIGNATURE,
        calendar=(interview("2026-11-12 09:00", "2026-11-12 10:00", PRIYA),),
    )
    ok = mine("2026-11-04 12:00", (SAM,), "Thank you, confirmed.")
    d = decide(applied(invite, ok), RULES, at("2026-11-19 10:00"))
    assert d.due
    assert "5 business days after the interview on 12 Nov" in d.reason
    assert d.kind is FollowupKind.AFTER_INTERVIEW
    assert addrs(d.to) == [PRIYA.addr]


# --- no follow-up ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "what"),
    [
        ("Could you send me your availability for next week?", "your availability"),
        ("Pourriez-vous nous transmettre votre pièce d'identité ?", "documents or a form"),
        ("Wann hätten Sie Zeit für ein Gespräch?", "your availability"),
        ("¿Podrías enviarnos tu DNI?", "documents or a form"),
        ("Do you have a notice period at your current employer?", "an answer to a question"),
    ],
)
def test_waiting_on_you_when_asked_for_something(body: str, what: str) -> None:
    """When the other side asked for something, the user owes the next message."""
    ask = message("2026-11-04 10:00", SAM, body="Hi Alice,\n\n" + body + RECRUITER_SIGNATURE)
    d = decide(applied(ask), RULES, at("2026-11-30 10:00"))
    assert not d.due
    assert d.waiting_on_you
    assert d.reason == f"waiting on you: Sam asked for {what} on 4 Nov"


def test_answered_ask_is_no_longer_waiting() -> None:
    """Once the user replied to the ask, the silence window applies again."""
    ask = message("2026-11-04 10:00", SAM, body="What times work for you?" + RECRUITER_SIGNATURE)
    reply = mine("2026-11-04 12:00", (SAM,), "Tuesday at 10:00 works.")
    d = decide(applied(ask, reply), RULES, at("2026-11-12 13:00"))
    assert d.due
    assert not d.waiting_on_you
    assert addrs(d.to) == [SAM.addr]


@pytest.mark.parametrize(
    "body",
    [
        "After careful consideration we have decided to move forward with other candidates.",
        "Nous avons le plaisir de vous faire une proposition d'embauche.",
    ],
)
def test_final_stages_get_no_follow_up(body: str) -> None:
    """After a rejection or an offer, no follow-up, whatever the silence."""
    answer = message("2026-11-04 10:00", SAM, body=body + RECRUITER_SIGNATURE)
    d = decide(applied(answer), RULES, at("2026-12-30 10:00"))
    assert not d.due
    assert d.reason in {"stage is rejected", "stage is offer"}


def test_withdrawal_gets_no_follow_up() -> None:
    """The user withdrew: nothing more to send."""
    bye = mine("2026-11-05 10:00", (CAREERS,), "I would like to withdraw my application.")
    assert decide(applied(bye), RULES, at("2026-12-30 10:00")).reason == "stage is withdrawn"


def test_muted_threads_get_no_follow_up() -> None:
    """Muting wins over everything else."""
    d = decide(applied(), RULES, at("2026-12-30 10:00"), Overrides(muted=True))
    assert (d.due, d.reason) == (False, "muted")


def test_max_follow_ups() -> None:
    """After the original and two follow-ups, no third follow-up is queued."""
    first = mine("2026-11-09 10:00", (CAREERS,), "Following up on my application.")
    second = mine("2026-11-16 10:00", (CAREERS,), "Following up again.")
    d = decide(applied(first), RULES, at("2026-11-20 10:00"))
    assert d.due
    assert d.kind is FollowupKind.SECOND_FOLLOWUP
    assert d.followup_number == 2
    d = decide(applied(first, second), RULES, at("2026-12-30 10:00"))
    assert (d.due, d.reason) == (False, "max follow-ups (2) already sent")


def promised(when: str = "2026-11-05 10:00") -> Message:
    return message(
        when,
        SAM,
        body="Hi Alice,\n\nThanks for your application. We'll get back to you next week."
        + RECRUITER_SIGNATURE,
    )


def reviewed(when: str = "2026-11-05 10:00") -> Message:
    """Sam's answer that asks for nothing and promises nothing."""
    return message(
        when,
        SAM,
        body="Hi Alice,\n\nThanks, we are reviewing applications." + RECRUITER_SIGNATURE,
    )


def nudge(when: str, words: str = "I wanted to follow up.") -> Message:
    """A follow-up Alice wrote to Sam herself."""
    return mine(when, (SAM,), f"Hi Sam,\n\n{words}\n\nAlice")


def test_a_follow_up_after_a_promise_counts() -> None:
    """After a promise nothing is left to answer: a nudge once the window passed is follow-up 1."""
    first = nudge("2026-11-17 10:00")
    d = decide(applied(promised(), first), RULES, at("2026-11-25 10:00"))
    assert d.due
    assert (d.kind, d.followup_number) == (FollowupKind.SECOND_FOLLOWUP, 2)
    second = nudge("2026-11-25 10:00", "Following up once more.")
    d = decide(applied(promised(), first, second), RULES, at("2026-12-30 10:00"))
    assert (d.due, d.reason) == (False, "max follow-ups (2) already sent")


def test_a_thank_you_for_a_promise_is_not_a_follow_up() -> None:
    """A reply written within the window after a promise is an original message.

    The promise still holds after it: the follow-up is the one after a promise.
    """
    thanks = mine("2026-11-05 12:00", (SAM,), "Thank you Sam, I look forward to hearing from you.")
    d = decide(applied(promised(), thanks), RULES, at("2026-11-30 10:00"))
    assert d.due
    assert (d.kind, d.followup_number) == (FollowupKind.AFTER_PROMISE, 1)


def test_a_follow_up_followup_sent_is_never_the_original() -> None:
    """An answer written within the window is the original, unless followup sent it."""
    reviewing = reviewed()
    answer = mine("2026-11-09 10:00", (SAM,), "Hi Sam,\n\nThank you for the update.\n\nAlice")
    later = at("2026-11-30 10:00")
    d = decide(applied(reviewing, answer), RULES, later)
    assert (d.kind, d.followup_number) == (FollowupKind.AFTER_APPLICATION, 1)
    sent = replace(RULES, sent_followups=frozenset({answer.key}))
    d = decide(applied(reviewing, answer), sent, later)
    assert (d.due, d.kind, d.followup_number) == (True, FollowupKind.SECOND_FOLLOWUP, 2)


def test_nudges_written_by_hand_after_a_plain_answer_count() -> None:
    """After 'we are reviewing', two nudges written once the window passed reach the maximum."""
    reviewing = reviewed()
    first = nudge("2026-11-17 10:00")
    d = decide(applied(reviewing, first), RULES, at("2026-11-30 10:00"))
    assert (d.due, d.kind, d.followup_number) == (True, FollowupKind.SECOND_FOLLOWUP, 2)
    again = nudge("2026-11-25 10:00", "Following up once more.")
    d = decide(applied(reviewing, first, again), RULES, at("2026-12-30 10:00"))
    assert (d.due, d.reason) == (False, "max follow-ups (2) already sent")


def test_a_late_answer_to_a_request_with_a_promise_is_not_a_follow_up() -> None:
    """Sending what was asked for answers the message, however late its promise made it."""
    asked = message(
        "2026-11-03 09:00",
        SAM,
        body="Hi Alice,\n\nThanks for your application. Could you send us your portfolio? "
        "We'll get back to you once the team has reviewed it." + RECRUITER_SIGNATURE,
    )
    portfolio = mine(
        "2026-11-12 09:00",
        (SAM,),
        "Hi Sam,\n\nSorry for the delay, here is my portfolio.\n\nAlice",
    )
    d = decide(applied(asked, portfolio), RULES, at("2026-11-30 10:00"))
    assert d.due
    assert (d.kind, d.followup_number) == (FollowupKind.AFTER_PROMISE, 1)


def arranged_by_mail(*later: Message) -> Thread:
    """Sam arranges an interview without a calendar invitation; Alice says when she is free."""
    invite = message(
        "2026-11-04 10:00",
        SAM,
        body="Hi Alice,\n\nThank you for your application! We would like to schedule an "
        "interview with Priya Raman, our Head of Data." + RECRUITER_SIGNATURE,
    )
    free = mine("2026-11-04 12:00", (SAM,), "Hi Sam,\n\nI am free any afternoon.\n\nAlice")
    return applied(invite, free, *later)


def test_a_thank_you_for_an_interview_known_only_from_the_mail_is_the_original() -> None:
    """With no invitation to date the interview, the thank-you note still ends it."""
    thanks = mine(
        "2026-11-12 14:00",
        (PRIYA,),
        "Dear Priya,\n\nThank you for the interview this morning.\n\nAlice",
        cc=(SAM,),
    )
    d = decide(arranged_by_mail(thanks), RULES, at("2026-11-30 10:00"))
    assert d.due
    assert (d.kind, d.followup_number) == (FollowupKind.AFTER_INTERVIEW, 1)
    closing = mine(
        "2026-11-20 10:00",
        (PRIYA,),
        "Dear Priya,\n\nI wanted to follow up. Thank you for your time.\n\nAlice",
    )
    d = decide(arranged_by_mail(thanks, closing), RULES, at("2026-11-30 10:00"))
    assert (d.kind, d.followup_number) == (FollowupKind.SECOND_FOLLOWUP, 2)


def test_a_late_answer_to_an_outreach_is_not_a_follow_up() -> None:
    """The other side started the conversation: the user's late first reply answers it."""
    outreach = message(
        "2026-11-02 10:00",
        SAM,
        body="Hi Alice,\n\nI came across your profile and think you would be a great fit for "
        "our Data Engineer role." + RECRUITER_SIGNATURE,
        subject="Data Engineer role at Acme",
    )
    answer = mine(
        "2026-11-16 10:00",
        (SAM,),
        "Hi Sam,\n\nThank you, I am interested in the role. My CV is attached.\n\nAlice",
        subject="Re: Data Engineer role at Acme",
    )
    follow_up = mine(
        "2026-11-24 10:00",
        (SAM,),
        "Hi Sam,\n\nI wanted to follow up on my message.\n\nAlice",
        subject="Re: Data Engineer role at Acme",
    )
    d = decide(thread(outreach, answer, follow_up), RULES, at("2026-12-03 10:00"))
    assert (d.due, d.kind, d.followup_number) == (True, FollowupKind.SECOND_FOLLOWUP, 2)


def test_nudges_after_an_acknowledgement_of_a_web_application_count() -> None:
    """The thread opens with 'thanks for applying': her late first message is a nudge."""
    ack = message(
        "2026-11-02 10:00",
        SAM,
        body="Hi Alice,\n\nThanks for applying through our careers site. We have received your "
        "application." + RECRUITER_SIGNATURE,
        subject="Your application: Data Engineer",
    )
    first = nudge("2026-11-12 10:00")
    again = nudge("2026-11-20 10:00", "Following up once more.")
    d = decide(thread(ack, first, again), RULES, at("2026-12-30 10:00"))
    assert (d.due, d.reason) == (False, "max follow-ups (2) already sent")


def test_thanks_for_taking_the_time_to_speak_is_a_thank_you_note() -> None:
    """'Thank you for taking the time to speak with me' names the meeting."""
    thanks = mine(
        "2026-11-12 14:00",
        (PRIYA,),
        "Dear Priya,\n\nThank you for taking the time to speak with me today.\n\nAlice",
    )
    d = decide(arranged_by_mail(thanks), RULES, at("2026-11-30 10:00"))
    assert (d.kind, d.followup_number) == (FollowupKind.AFTER_INTERVIEW, 1)


def test_thanking_for_the_time_is_no_thank_you_note_without_an_interview() -> None:
    """A nudge closing 'thank you for your time' after an application stays a follow-up."""
    closing = mine(
        "2026-11-09 10:00",
        (CAREERS,),
        "Hello,\n\nI wanted to follow up on my application. Thank you for your time.\n\nAlice",
    )
    d = decide(applied(closing), RULES, at("2026-11-20 10:00"))
    assert (d.kind, d.followup_number) == (FollowupKind.SECOND_FOLLOWUP, 2)


def test_a_follow_up_followup_sent_is_never_the_thank_you_note() -> None:
    """The second follow-up's 'thank you for your time' does not end an interview."""
    closing = mine(
        "2026-11-20 10:00",
        (PRIYA,),
        "Dear Priya,\n\nI wanted to follow up once more. Thank you for your time.\n\nAlice",
    )
    sent = replace(RULES, sent_followups=frozenset({closing.key}))
    d = decide(arranged_by_mail(closing), sent, at("2026-11-30 10:00"))
    assert (d.kind, d.followup_number) == (FollowupKind.SECOND_FOLLOWUP, 2)


def test_only_noreply_senders_is_unreachable() -> None:
    """An application through an ATS with no human contact has nobody to write to."""
    form = mine(
        "2026-11-02 09:00",
        (GREENHOUSE,),
        "I am writing to apply for the Data Engineer position; my CV is attached.",
        subject="Application: Data Engineer",
    )
    ack = message(
        "2026-11-02 09:05",
        GREENHOUSE,
        body="Thank you for applying! We have received your application.",
        subject="Thank you for applying to Acme",
    )
    d = decide(thread(form, ack), RULES, at("2026-11-30 10:00"))
    assert not d.due
    assert d.reason == "no reachable human recipient (only no-reply senders)"


def test_user_who_never_wrote_gets_no_follow_up() -> None:
    """Cold outreach the user never answered is not followed up."""
    pitch = message(
        "2026-11-02 09:00",
        SAM,
        body="Hi Alice, thank you for your application to Acme; we'll get back to you soon."
        + RECRUITER_SIGNATURE,
        subject="Your application to Acme",
    )
    d = decide(thread(pitch), RULES, at("2026-11-30 10:00"))
    assert (d.due, d.reason) == (False, "you have not written in this thread")


def test_untracked_threads_say_why() -> None:
    """decide() on a personal thread explains that it is not a recruiting thread."""
    note = message("2026-11-02 09:00", BOB, body="Dinner on Friday?", subject="Friday")
    d = decide(thread(note), RULES, at("2026-11-30 10:00"))
    assert not d.due
    assert d.reason.startswith("not a recruiting thread (")


# --- auto-replies and promises --------------------------------------------------------------


def test_auto_reply_does_not_restart_the_clock() -> None:
    """An out-of-office without a date changes nothing."""
    ooo = message(
        "2026-11-02 09:01",
        CAREERS,
        body="Thanks for your message, we are out of the office with limited access to e-mail.",
        subject="Automatic reply: Application: Data Engineer",
        auto_submitted="auto-replied",
    )
    base = applied()
    now = at("2026-11-09 10:00")
    assert decide(extended(base, ooo), RULES, now) == decide(base, RULES, now)


def test_out_of_office_return_date_postpones() -> None:
    """The follow-up waits until one business day after the recipient is back."""
    ooo = message(
        "2026-11-02 09:01",
        CAREERS,
        body="Je suis absente du bureau, de retour le lundi 16 novembre.",
        subject="Réponse automatique : Application: Data Engineer",
        x_autoreply=True,
    )
    d = decide(applied(ooo), RULES, at("2026-11-16 10:00"))
    assert not d.due
    assert d.due_at is not None
    assert d.due_at.date() == date(2026, 11, 17)
    assert "1 business day after Acme Careers is back on 16 Nov" in d.reason


def test_promise_with_time_frame_sets_the_clock() -> None:
    """ "We'll get back to you next week" waits past next week before a follow-up."""
    promise = message(
        "2026-11-05 10:00",
        SAM,
        body="Hi Alice,\n\nThanks for your application. We'll get back to you next week."
        + RECRUITER_SIGNATURE,
    )
    d = decide(applied(promise), RULES, at("2026-11-12 11:00"))
    assert not d.due
    assert d.due_at is not None
    assert d.due_at.date() == date(2026, 11, 17)
    d = decide(applied(promise), RULES, at("2026-11-17 09:00"))
    assert d.due
    assert d.kind is FollowupKind.AFTER_PROMISE
    assert "the time promised in Sam Lee's 'we'll get back to you' of 5 Nov" in d.reason


@pytest.mark.parametrize(
    "words",
    ["Nous reviendrons vers vous.", "Wir melden uns.", "Nos pondremos en contacto contigo."],
)
def test_promises_in_other_languages(words: str) -> None:
    """HR promises in French, German and Spanish make an after-promise follow-up."""
    promise = message("2026-11-05 10:00", SAM, body=words + RECRUITER_SIGNATURE)
    d = decide(applied(promise), RULES, at("2026-11-30 09:00"))
    assert d.due
    assert d.kind is FollowupKind.AFTER_PROMISE


# --- recipients -----------------------------------------------------------------------------


def test_reply_to_is_honoured() -> None:
    """The manager's Reply-To replaces their From address."""
    assistant = Address("priya.office@acme.example.test", "Priya's office")
    note = message(
        "2026-11-05 10:00",
        PRIYA,
        body="Hi Alice, happy to chat." + MANAGER_SIGNATURE,
        reply_to=(assistant,),
    )
    reply = mine("2026-11-05 12:00", (PRIYA,), "Thank you Priya, I look forward to it.")
    d = decide(applied(note, reply), RULES, at("2026-11-30 10:00"))
    assert addrs(d.to) == [assistant.addr]


def test_noreply_or_self_reply_to_is_ignored() -> None:
    """A Reply-To that points at a no-reply address or at the user is not used."""
    note = message(
        "2026-11-05 10:00",
        PRIYA,
        body="Hi Alice, happy to chat." + MANAGER_SIGNATURE,
        reply_to=(Address("noreply@acme.example.test"), ALICE),
    )
    reply = mine("2026-11-05 12:00", (PRIYA,), "Thank you Priya, I look forward to it.")
    d = decide(applied(note, reply), RULES, at("2026-11-30 10:00"))
    assert addrs(d.to) == [PRIYA.addr]


def test_display_names_never_carry_line_breaks() -> None:
    """A name with CR/LF reaches the decision flattened, and adds no recipient."""
    evil = Address("priya.raman@acme.example.test", "Priya\r\nBcc: eve@evil.example.test")
    note = message("2026-11-05 10:00", evil, body="Hi Alice, happy to chat." + MANAGER_SIGNATURE)
    reply = mine("2026-11-05 12:00", (evil,), "Thank you Priya, I look forward to it.")
    d = decide(applied(note, reply), RULES, at("2026-11-30 10:00"))
    everyone = (*d.to, *d.cc)
    assert all("\r" not in a.name and "\n" not in a.name for a in everyone)
    assert "eve@evil.example.test" not in addrs(everyone)


def test_undeliverable_addresses_are_dropped() -> None:
    """An address that could smuggle a header or a second recipient is never used."""
    bogus = Address("priya@acme.example.test, eve@evil.example.test", "Priya")
    note = message("2026-11-05 10:00", bogus, body="Hi Alice." + MANAGER_SIGNATURE)
    reply = mine("2026-11-05 12:00", (bogus,), "Thank you Priya.")
    d = decide(applied(note, reply), RULES, at("2026-11-30 10:00"))
    assert bogus.addr not in addrs((*d.to, *d.cc))


def test_manager_override_goes_in_to() -> None:
    """A manager set by hand is the To recipient; HR moves to Cc."""
    reply = mine("2026-11-05 12:00", (SAM,), "Thank you Sam.")
    note = message("2026-11-05 10:00", SAM, body="Noted, thanks." + RECRUITER_SIGNATURE)
    corrected = Overrides(manager="julia.weber@acme.example.test")
    d = decide(applied(note, reply), RULES, at("2026-11-30 10:00"), corrected)
    assert addrs(d.to) == ["julia.weber@acme.example.test"]
    assert SAM.addr in addrs(d.cc)
    assert any(p.role is Role.HIRING_MANAGER for p in d.classification.participants)


# --- plan -----------------------------------------------------------------------------------


def test_plan_lists_tracked_threads_only() -> None:
    """plan() decides every tracked thread and skips the rest."""
    personal = thread(
        message("2026-11-02 09:00", BOB, body="Dinner?", subject="Hi"), thread_id="t2"
    )
    decisions = plan([applied(), personal], RULES, at("2026-11-09 10:00"))
    assert [d.thread_id for d in decisions] == ["t1"]
    assert decisions[0].due


def test_plan_applies_overrides_by_thread() -> None:
    """Overrides are looked up by thread id."""
    decisions = plan([applied()], RULES, at("2026-11-09 10:00"), {"t1": Overrides(muted=True)})
    assert decisions[0].reason == "muted"


def test_interview_date_read_from_the_text() -> None:
    """Without an invitation, a date in the scheduling mail holds the follow-up until after it."""
    invite = message(
        "2026-11-20 10:00",
        SAM,
        body="Hi Alice,\n\nI'd like to invite you to an interview on Tuesday 8 December at 10:00."
        + RECRUITER_SIGNATURE,
    )
    confirm = mine("2026-11-20 12:00", (SAM,), "Thank you, I confirm the interview on 8 December.")
    d = decide(applied(invite, confirm), RULES, at("2026-12-01 10:00"))
    assert (d.due, d.reason) == (False, "interview on 8 Dec is still ahead")
    d = decide(applied(invite, confirm), RULES, at("2026-12-17 10:00"))
    assert d.due
    assert d.kind is FollowupKind.AFTER_INTERVIEW
    assert d.classification.stage is Stage.INTERVIEWED


# --- promises and absences that outlive the user's replies --------------------------------


def sam_replies(
    words: str, now: str, *, when: str = "2026-11-24 10:00", greeting: str = "Hi Alice"
) -> Decision:
    """The decision at `now` after Alice applied and Sam replied `words` at `when`."""
    reply = message(when, SAM, body=f"{greeting},\n\n{words}{RECRUITER_SIGNATURE}")
    return decide(applied(reply), RULES, at(now))


BY_11_DECEMBER = "Hi Alice,\n\nWe'll get back to you by Friday 11 December." + RECRUITER_SIGNATURE
THANKS = "Hi Sam,\n\nThank you, I look forward to hearing from you.\n\nAlice"


def test_a_dated_promise_holds_after_the_users_thanks() -> None:
    """Thanking Sam for "by Friday 11 December" leaves the promised date standing."""
    promise = message("2026-11-24 10:00", SAM, body=BY_11_DECEMBER)
    thanks = mine("2026-11-24 12:00", (SAM,), THANKS)
    d = decide(applied(promise, thanks), RULES, at("2026-12-02 10:00"))
    assert not d.due
    assert d.reason.startswith("not due until 2026-12-15 (2 business days after 11 Dec")


def test_a_later_vague_promise_does_not_shorten_a_dated_one() -> None:
    """Priya's "we'll be in touch" after Sam's dated promise keeps Sam's date."""
    promise = message("2026-11-24 10:00", SAM, body=BY_11_DECEMBER)
    vague = message(
        "2026-11-25 09:00", PRIYA, body="Hi Alice,\n\nWe'll be in touch." + MANAGER_SIGNATURE
    )
    d = decide(applied(promise, vague), RULES, at("2026-12-03 10:00"))
    assert d.reason.startswith("not due until 2026-12-15")


def test_an_applicant_tracking_system_promise_counts() -> None:
    """ "We will get back to you within 3 weeks" from an ATS holds the follow-up."""
    ack = message(
        "2026-11-02 09:05",
        GREENHOUSE,
        body="Dear Alice,\n\nThank you for applying. Our team will review your application and "
        "get back to you within 3 weeks.\n\nAcme Talent Team",
    )
    d = decide(applied(ack), RULES, at("2026-11-10 10:00"))
    assert d.reason.startswith("not due until 2026-11-25")


def test_an_absence_outlives_the_users_next_message() -> None:
    """Writing again to someone away does not bring them back: the return date holds."""
    away = message(
        "2026-11-24 10:01",
        SAM,
        body="I am on annual leave until 11 December.",
        subject="Automatic reply: Data Engineer role",
        auto_submitted="auto-replied",
    )
    forgot = mine("2026-11-24 10:30", (SAM,), "Hi Sam,\n\nI forgot my portfolio, here it is.")
    d = decide(applied(away, forgot), RULES, at("2026-12-02 10:00"))
    assert d.reason.startswith("not due until 2026-12-15 (1 business day after Sam Lee is back")


def test_an_answer_in_person_ends_the_wait_for_an_absence() -> None:
    """After Priya answers in person, Sam's earlier out-of-office no longer holds the thread."""
    away = message(
        "2026-11-03 10:01",
        SAM,
        body="I am on annual leave until 11 December.",
        subject="Automatic reply: Data Engineer role",
        auto_submitted="auto-replied",
    )
    priya = message(
        "2026-11-04 09:00",
        PRIYA,
        body="Hi Alice,\n\nThanks, I have your CV and will share it." + MANAGER_SIGNATURE,
    )
    d = decide(applied(away, priya), RULES, at("2026-11-12 10:00"))
    assert d.due


@pytest.mark.parametrize(
    "words",
    [
        "You can expect to hear from us by 11 December.",
        "We are still interviewing and expect to make a final decision by 11 December.",
        "We aim to get back to all candidates by 11 December.",
        "Wir werden uns bis zum 11. Dezember bei Ihnen melden.",
        "Eine Antwort erhalten Sie bis zum 11. Dezember.",
        "Wir geben Ihnen bis 11.12. Bescheid.",
        "Vous recevrez une réponse avant le 11 décembre.",
        "Recibirás una respuesta antes del 11 de diciembre.",
    ],
)
def test_promises_in_more_words(words: str) -> None:
    """Each wording promises an answer by 11 December, in four languages."""
    d = sam_replies(words, "2026-12-02 10:00")
    assert d.reason.startswith("not due until 2026-12-15"), d.reason


def test_only_the_shortlisted_hear_back_is_no_promise() -> None:
    """ "Wir melden uns nur bei Kandidaten in der engeren Auswahl" promises Alice nothing."""
    words = "Wir melden uns nur bei Kandidaten, die in die engere Auswahl kommen."
    d = sam_replies(words, "2026-11-30 10:00", when="2026-11-03 10:00", greeting="Hallo Alice")
    assert (d.due, d.kind) == (True, FollowupKind.AFTER_APPLICATION)


BY_18_DECEMBER = "Hi Alice,\n\nWe'll get back to you by Friday 18 December." + RECRUITER_SIGNATURE


def test_an_automated_notice_does_not_erase_a_promise() -> None:
    """A notification after Alice's thanks leaves Sam's promised date standing."""
    promise = message("2026-11-24 10:00", SAM, body=BY_11_DECEMBER)
    thanks = mine("2026-11-24 12:00", (SAM,), THANKS)
    notice = message(
        "2026-11-25 08:00",
        GREENHOUSE,
        body="Your documents have been added to your candidate profile.",
    )
    d = decide(applied(promise, thanks, notice), RULES, at("2026-12-02 10:00"))
    assert d.reason.startswith("not due until 2026-12-15")


def test_of_two_dated_promises_the_later_holds() -> None:
    """A side note "by tomorrow" after "by 18 December" does not bring the follow-up forward."""
    first = message("2026-11-24 10:00", SAM, body=BY_18_DECEMBER)
    side_note = message(
        "2026-11-24 15:00",
        SAM,
        body="Hi Alice,\n\nPS: I'll let you know tomorrow whether the role can be remote."
        + RECRUITER_SIGNATURE,
    )
    d = decide(applied(first, side_note), RULES, at("2026-12-02 10:00"))
    assert d.reason.startswith("not due until 2026-12-22")


def test_a_persons_promise_beats_a_template() -> None:
    """Sam's "by Friday 13 November" counts, not the ATS's "within 6 weeks"."""
    ack = message(
        "2026-11-02 09:05",
        GREENHOUSE,
        body="Thank you for applying. We will get back to you within 6 weeks.",
    )
    note = message(
        "2026-11-03 10:00",
        SAM,
        body="Hi Alice,\n\nI'll get back to you by Friday 13 November." + RECRUITER_SIGNATURE,
    )
    d = decide(applied(ack, note), RULES, at("2026-11-18 10:00"))
    assert d.reason.startswith("due since 2026-11-17")
    assert d.kind is FollowupKind.AFTER_PROMISE


def test_a_template_promise_sets_a_date_but_thanks_nobody() -> None:
    """An ATS's promise holds the follow-up; the draft is not "after your promise"."""
    ack = message(
        "2026-11-02 09:05",
        GREENHOUSE,
        body="Thank you for applying. We will get back to you within 3 weeks.",
    )
    d = decide(applied(ack), RULES, at("2026-11-30 10:00"))
    assert d.due
    assert d.kind is FollowupKind.AFTER_APPLICATION


def test_a_request_does_not_end_a_promise() -> None:
    """Sending Priya the portfolio she asked for leaves Sam's promised date standing."""
    promise = message("2026-11-24 10:00", SAM, body=BY_18_DECEMBER)
    request = message(
        "2026-11-25 09:00",
        PRIYA,
        body="Hi Alice,\n\nCould you send me your portfolio?" + MANAGER_SIGNATURE,
    )
    portfolio = mine("2026-11-25 11:00", (PRIYA,), "Hi Priya,\n\nHere it is.\n\nAlice")
    d = decide(applied(promise, request, portfolio), RULES, at("2026-12-03 10:00"))
    assert d.reason.startswith("not due until 2026-12-22")


def test_an_invitation_ends_an_earlier_promise() -> None:
    """Once Sam sends an interview invitation, his earlier date no longer holds."""
    promise = message("2026-11-10 10:00", SAM, body=BY_18_DECEMBER)
    invite = message(
        "2026-11-11 10:00",
        SAM,
        body="Hi Alice,\n\nPlease find the invitation for your interview with Priya."
        + RECRUITER_SIGNATURE,
        calendar=(interview("2026-11-20 09:00", "2026-11-20 10:00", PRIYA),),
    )
    thanks = mine(
        "2026-11-20 12:00", (PRIYA,), "Dear Priya,\n\nThank you for the interview today.\n\nAlice"
    )
    d = decide(applied(promise, invite, thanks), RULES, at("2026-11-30 10:00"))
    assert d.due
    assert d.kind is FollowupKind.AFTER_INTERVIEW


def test_waiting_for_the_users_answer_is_no_promise() -> None:
    """ "We hope to have an answer from you by 11 December" promises nothing."""
    words = "We hope to have an answer from you by Friday 11 December on the offer."
    d = sam_replies(words, "2026-12-02 10:00")
    assert d.kind is not FollowupKind.AFTER_PROMISE


@pytest.mark.parametrize(
    "words",
    [
        "We will get back to you only if you are shortlisted.",
        "Nous reviendrons vers vous uniquement si votre candidature est retenue.",
        "Wir melden uns ausschließlich bei Kandidaten, die in die engere Auswahl kommen.",
        "Solo nos pondremos en contacto con los candidatos seleccionados.",
    ],
)
def test_a_promise_for_some_candidates_only_is_none(words: str) -> None:
    """ "Only if you are shortlisted" promises Alice nothing, in four languages."""
    d = sam_replies(words, "2026-11-30 10:00", when="2026-11-03 10:00")
    assert (d.due, d.kind) == (True, FollowupKind.AFTER_APPLICATION)


@pytest.mark.parametrize(
    "words",
    [
        "We'll get back to you by next Friday.",
        "Wir melden uns bis nächsten Freitag.",
        "Nous reviendrons vers vous d'ici vendredi prochain.",
    ],
)
def test_next_friday_is_next_weeks(words: str) -> None:
    """ "By next Friday", written on a Tuesday, waits for the Friday of the week after."""
    d = sam_replies(words, "2026-12-02 10:00")
    assert d.reason.startswith("not due until 2026-12-08"), d.reason


def test_whether_you_are_shortlisted_is_still_a_promise() -> None:
    """ "We will let you know by 11 December whether you have been shortlisted" promises a date."""
    words = "We will let you know by 11 December whether you have been shortlisted."
    d = sam_replies(words, "2026-12-02 10:00")
    assert d.reason.startswith("not due until 2026-12-15")


def test_a_templates_date_outlasts_a_persons_vague_promise() -> None:
    """The ATS's "within 6 weeks" still holds after Sam's undated "we'll be in touch"."""
    ack = message(
        "2026-11-02 09:05",
        GREENHOUSE,
        body="Thank you for applying. We will get back to you within 6 weeks.",
    )
    note = message(
        "2026-11-03 10:00", SAM, body="Hi Alice,\n\nWe'll be in touch." + RECRUITER_SIGNATURE
    )
    d = decide(applied(ack, note), RULES, at("2026-11-18 10:00"))
    assert d.reason.startswith("not due until 2026-12-16")


def test_a_promise_not_only_for_some_holds() -> None:
    """ "Nicht nur bei einer Zusage" promises everyone an answer by 11 December."""
    words = "Wir melden uns bis zum 11.12. bei Ihnen, nicht nur bei einer Zusage."
    d = sam_replies(words, "2026-12-02 10:00", greeting="Hallo Alice")
    assert d.reason.startswith("not due until 2026-12-15")


def test_a_german_silent_rejection_is_a_rejection() -> None:
    """ "Betrachten Sie Ihre Bewerbung bitte als abgelehnt" ends the thread."""
    words = (
        "Sollten Sie innerhalb von vier Wochen nichts von uns hören, betrachten Sie Ihre "
        "Bewerbung bitte als abgelehnt."
    )
    d = sam_replies(words, "2026-12-30 10:00", when="2026-11-03 10:00", greeting="Hallo Alice")
    assert d.reason == "stage is rejected"


def test_whether_you_are_successful_is_a_promise_to_everyone() -> None:
    """ "To let you know if you are successful": that "if" is "whether", the date holds."""
    words = "We'll be in touch by 11 December to let you know if you are successful."
    d = sam_replies(words, "2026-12-02 10:00")
    assert d.reason.startswith("not due until 2026-12-15")


@pytest.mark.parametrize(
    "words",
    [
        "We've decided to go with another candidate.",
        "We have now filled the position.",
        "Nous sommes au regret de ne pouvoir donner une suite favorable à votre candidature.",
        "Le poste a été pourvu.",
        "Nous ne donnerons pas suite à votre candidature.",
        "Die Stelle wurde inzwischen besetzt.",
        "No vamos a seguir adelante con tu candidatura.",
        "Lamentablemente hemos decidido continuar con otros candidatos.",
    ],
)
def test_everyday_rejections(words: str) -> None:
    """Plain rejections in four languages end the thread: no follow-up after them."""
    d = sam_replies(words, "2026-11-30 10:00", when="2026-11-03 10:00")
    assert d.reason == "stage is rejected"


def test_a_promise_outlives_a_short_exchange() -> None:
    """ "Is the role hybrid?" "Yes." leaves "by 11 December" standing."""
    promise = message("2026-11-24 10:00", SAM, body=BY_11_DECEMBER)
    question = mine("2026-11-24 12:00", (SAM,), "Hi Sam,\n\nIs the role hybrid?\n\nAlice")
    answer = message("2026-11-24 15:00", SAM, body="Hi Alice,\n\nYes." + RECRUITER_SIGNATURE)
    d = decide(applied(promise, question, answer), RULES, at("2026-12-02 10:00"))
    assert d.reason.startswith("not due until 2026-12-15")


def test_a_template_after_a_persons_promise_still_counts() -> None:
    """Sam's expired "by 20 November" does not hide the ATS's later "within 3 weeks"."""
    note = message(
        "2026-11-03 10:00",
        SAM,
        body="Hi Alice,\n\nI'll get back to you by Friday 20 November." + RECRUITER_SIGNATURE,
    )
    ack = message(
        "2026-11-19 09:05",
        GREENHOUSE,
        body="Thank you for completing the assessment. We will get back to you within 3 weeks.",
    )
    d = decide(applied(note, ack), RULES, at("2026-11-25 10:00"))
    assert d.reason.startswith("not due until 2026-12-14")


@pytest.mark.parametrize(
    "words",
    [
        "We have now filled the position of team lead, who you will meet next week.",
        "Le poste a été pourvu en interne l'an dernier, et nous recrutons à nouveau.",
        "Lamentablemente todavía estamos entrevistando a otros candidatos.",
        "Sans retour de votre part, nous ne donnerons pas suite.",
    ],
)
def test_words_near_a_rejection_are_not_one(words: str) -> None:
    """A position filled elsewhere, a delay, a conditional: the application goes on."""
    d = sam_replies(words, "2026-11-30 10:00", when="2026-11-03 10:00")
    assert d.reason != "stage is rejected"
