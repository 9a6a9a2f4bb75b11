"""Auto-replies, list mail and the user's own thank-you: what counts as conversation."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from daemon.classify.analysis import analyse, analyse_tracked
from daemon.classify.reading import Kind, has_bulk, read_thread
from daemon.domain import Address, Message, Overrides, Stage, Thread
from daemon.policy import decide
from tests.corpus.factory import (
    ALICE,
    APPLICATION,
    BOB,
    CAREERS,
    RECRUITER_SIGNATURE,
    RULES,
    SAM,
    at,
    message,
    mine,
    thread,
)

SELF = frozenset({ALICE.addr})
HANA = Address("hana.sato@soylent.example.test", "Hana Sato")
ASHBY = Address("no-reply@ashbyhq.example.test", "Acme Recruiting")
NEWS = Address("news@jobs.example.test", "Jobs Weekly")
SUBJECT = "Application: Data Engineer"
NOW = at("2026-11-30 09:00")


def kinds(*messages: Message) -> list[Kind]:
    return [reading.kind for reading in read_thread(messages, SELF)]


def applied(*later: Message) -> Thread:
    """Alice applied to Acme on Monday 2 Nov."""
    return thread(mine("2026-11-02 09:00", (CAREERS,), APPLICATION, subject=SUBJECT), *later)


def tracked(conversation: Thread) -> bool:
    """The full analysis and planning's quick path agree, and say whether it is tracked."""
    full = analyse(conversation, SELF, Overrides())
    quick = analyse_tracked(conversation, SELF, Overrides())
    assert (quick is not None) == full.classification.tracked
    return full.classification.tracked


@pytest.mark.parametrize(
    "subject",
    [
        "Out of Office: Application: Data Engineer",
        "Automatic reply: Application: Data Engineer",
        "[External] Automatic reply: Application: Data Engineer",
        "Abwesenheitsnotiz: Bewerbung",
        "Réponse automatique : Candidature",
        "Respuesta automática: Candidatura",
        "OOO: Application: Data Engineer",
    ],
)
def test_a_subject_labelled_with_an_away_marker_is_an_auto_reply(subject: str) -> None:
    """Responders that set no header still label the subject, whatever the body says."""
    away = message("2026-11-02 10:00", SAM, body="Back on Monday.", subject=subject)
    assert kinds(away) == [Kind.AUTO_REPLY]


@pytest.mark.parametrize(
    "subject", ["Fuera de la oficina", "OOO until Monday", "Out of office until 7 December"]
)
def test_a_subject_opening_with_an_away_marker_needs_away_words(subject: str) -> None:
    """Without a label, the body must say the sender is away."""
    away = message("2026-11-02 10:00", SAM, body="I am out of the office.", subject=subject)
    not_away = message("2026-11-02 10:00", SAM, body="Back on Monday.", subject=subject)
    assert kinds(away) == [Kind.AUTO_REPLY]
    assert kinds(not_away) == [Kind.HUMAN]


def test_a_rejection_under_a_title_opening_with_an_away_word_is_read() -> None:
    """ "Absence Management Specialist - your application" is the job, not an absence."""
    rejection = message(
        "2026-11-17 09:00",
        SAM,
        body="Hi Alice,\n\nUnfortunately we have decided to move forward with other candidates."
        + RECRUITER_SIGNATURE,
        subject="Absence Management Specialist - your application",
    )
    assert kinds(rejection) == [Kind.HUMAN]
    decision = decide(applied(rejection), RULES, NOW)
    assert not decision.due
    assert decision.classification.stage is Stage.REJECTED


def test_a_request_under_an_ooo_subject_waits_on_the_user() -> None:
    """ "OOO next week - before I go" from a recruiter who asks for documents is her ask."""
    ask = message(
        "2026-11-18 09:00",
        SAM,
        body="Hi Alice,\n\nI'm OOO next week, so before I go: could you send me your portfolio "
        "and references?" + RECRUITER_SIGNATURE,
        subject="OOO next week - before I go",
    )
    assert kinds(ask) == [Kind.HUMAN]
    assert decide(applied(ask), RULES, NOW).waiting_on_you


@pytest.mark.parametrize(
    "request_",
    [
        "could you send me your portfolio and two references?",
        "which of the two teams would you prefer to meet?",
    ],
)
def test_a_person_going_away_who_asks_writes_in_person(request_: str) -> None:
    """Away words under "Out of office next week - ..." do not hide her request."""
    ask = message(
        "2026-11-18 09:00",
        SAM,
        body=f"Hi Alice,\n\nI'm out of the office next week, so before I go: {request_}"
        + RECRUITER_SIGNATURE,
        subject="Out of office next week - your application",
    )
    assert kinds(ask) == [Kind.HUMAN]
    assert kinds(SOURCED, mine("2026-11-03 12:00", (SAM,), "Yes."), ask) == [
        Kind.HUMAN,
        Kind.SELF,
        Kind.HUMAN,
    ]


@pytest.mark.parametrize(
    ("subject", "body"),
    [
        (
            "Out of Office AutoReply: Re: Application: Data Engineer",
            (
                "I am out of the office until 14 December with limited access to email. "
                "I will get back to you when I return."
            ),
        ),
        (
            "Absente jusqu'au 14 décembre",
            "Je suis absente du bureau jusqu'au 14 décembre. Je reviendrai vers vous à mon retour.",
        ),
    ],
)
def test_an_away_reply_promising_an_answer_on_return_is_an_auto_reply(
    subject: str, body: str
) -> None:
    """Responders promise to answer on return: that is no person writing."""
    away = message("2026-11-24 10:05", SAM, body=body, subject=subject)
    assert kinds(away) == [Kind.AUTO_REPLY]


@pytest.mark.parametrize(
    "subject",
    [
        "Application: Absence Management Specialist",
        "Re: Out of Office: Application: Data Engineer",
        "AW: Abwesenheitsnotiz: Bewerbung",
        "TR: Réponse automatique : Candidature",
    ],
)
def test_a_marker_inside_the_subject_or_after_a_reply_prefix_is_not(subject: str) -> None:
    """A job title, or a person answering an auto-reply, is conversation."""
    answer = message("2026-11-02 10:00", SAM, body="Thanks for applying.", subject=subject)
    assert kinds(answer) == [Kind.HUMAN]


def test_the_users_own_mail_is_never_read_as_an_away_message() -> None:
    """Alice's "Re: Out of Office" follow-up is hers, whatever the subject says."""
    own = mine("2026-11-11 10:00", (SAM,), "I wanted to follow up.", subject="Out of Office: Hi")
    assert kinds(own) == [Kind.SELF]


def test_a_rejection_under_an_out_of_office_subject_is_read() -> None:
    """The recruiter's reply under "Re: Out of Office: ..." is an answer, here a rejection."""
    subject = "Out of Office: Re: " + SUBJECT
    conversation = applied(
        message(
            "2026-11-02 09:01",
            SAM,
            body="I am out of the office.",
            subject=subject,
            auto_submitted="auto-replied",
        ),
        mine(
            "2026-11-11 10:00", (SAM,), "Hi Sam, I wanted to follow up.", subject="Re: " + subject
        ),
        message(
            "2026-11-12 10:00",
            SAM,
            body="Unfortunately we have decided to move forward with other candidates."
            + RECRUITER_SIGNATURE,
            subject="Re: " + subject,
        ),
    )
    decision = decide(conversation, RULES, NOW)
    assert not decision.due
    assert decision.classification.stage is Stage.REJECTED


AWAY = (
    "Thank you for your message. I am away until 30 November 2026. "
    "Please send urgent requests to talent@soylent.example.test."
)


@pytest.mark.parametrize("submitted", ["auto-generated", "auto-notified"])
def test_an_automated_away_message_is_an_auto_reply(submitted: str) -> None:
    """Its return date counts and its "please send..." is never an ask."""
    conversation = thread(
        mine("2026-11-02 09:00", (HANA,), APPLICATION, subject=SUBJECT),
        message(
            "2026-11-02 09:01",
            HANA,
            body=AWAY,
            subject="Re: " + SUBJECT,
            auto_submitted=submitted,
        ),
    )
    analysis = analyse(conversation, SELF, Overrides())
    assert [r.kind for r in analysis.readings] == [Kind.SELF, Kind.AUTO_REPLY]
    assert analysis.ask is None
    assert [absence.back_on for absence in analysis.absences] == [date(2026, 12, 1)]
    decision = decide(conversation, RULES, NOW)
    assert not decision.waiting_on_you
    assert not decision.due


@pytest.mark.parametrize(
    ("words", "stage"),
    [
        ("Unfortunately we have decided to move forward with other candidates.", Stage.REJECTED),
        ("We would like to invite you to an interview next week.", Stage.INTERVIEWING),
    ],
)
def test_an_automated_message_with_news_and_away_words_is_read(words: str, stage: Stage) -> None:
    """An ATS rejection that mentions the team's holiday closure stays a rejection."""
    news = message(
        "2026-11-24 09:00",
        ASHBY,
        body=f"Dear Alice,\n\n{words}\n\nPlease note that our recruiting team is out of the "
        "office from 21 December to 4 January.",
        subject="Your application to Acme",
        auto_submitted="auto-generated",
    )
    assert kinds(news) == [Kind.AUTOMATED]
    assert decide(applied(news), RULES, NOW).classification.stage is stage


def test_an_ats_notification_still_asks() -> None:
    """Auto-generated mail without away wording stays an ATS notification that can ask."""
    assessment = message(
        "2026-11-03 10:00",
        ASHBY,
        body="As a next step in our interview process, please complete the online assessment "
        "using the link below within 7 days.",
        subject="Next step: online assessment for Data Engineer",
        auto_submitted="auto-generated",
    )
    assert kinds(assessment) == [Kind.AUTOMATED]
    assert decide(applied(assessment), RULES, NOW).waiting_on_you


SOURCED = message(
    "2026-11-03 09:00",
    SAM,
    body="Hi Alice,\n\nThanks for your application! Could we schedule an interview with our "
    "hiring manager?" + RECRUITER_SIGNATURE,
    subject="Re: " + SUBJECT,
    list_unsubscribe=True,
    key="<sourced@acme.example.test>",
)


def answering(reply: Message, answered: Message) -> Message:
    """`reply` with In-Reply-To set to `answered`."""
    return replace(reply, in_reply_to=answered.key)


def test_a_recruiter_answering_through_a_sourcing_tool_is_conversation() -> None:
    """A List-Unsubscribe on an answer to the user's application does not make it list mail."""
    application = mine("2026-11-02 09:00", (CAREERS,), APPLICATION, subject=SUBJECT)
    conversation = thread(
        application,
        answering(SOURCED, application),
        mine("2026-11-03 12:00", (SAM,), "Hi Sam,\n\nYes, Tuesday works.\n\nAlice"),
    )
    assert [r.kind for r in read_thread(conversation.messages, SELF)] == [
        Kind.SELF,
        Kind.HUMAN,
        Kind.SELF,
    ]
    assert not has_bulk(conversation.messages, SELF)
    assert tracked(conversation)


def test_a_rejection_through_a_sourcing_tool_is_read() -> None:
    """Reading such an answer means its rejection ends the thread."""
    application = mine("2026-11-02 09:00", (CAREERS,), APPLICATION, subject=SUBJECT)
    rejection = message(
        "2026-11-05 09:00",
        SAM,
        body="Unfortunately we have decided to move forward with other candidates.",
        subject="Re: " + SUBJECT,
        list_unsubscribe=True,
    )
    conversation = thread(application, answering(rejection, application))
    assert decide(conversation, RULES, NOW).classification.stage is Stage.REJECTED


VACATION = "I am on vacation until 11 December and will answer your message when I am back."


@pytest.mark.parametrize("precedence", ["bulk", "junk"])
def test_a_vacation_responder_marked_bulk_is_an_auto_reply(precedence: str) -> None:
    """Precedence: bulk with away words is an auto-reply, never the recruiter's answer."""
    nudge = mine("2026-11-24 10:00", (SAM,), "Hi Sam, I wanted to follow up.", subject=SUBJECT)
    away = message(
        "2026-11-24 10:01", SAM, body=VACATION, subject="Re: " + SUBJECT, precedence=precedence
    )
    conversation = applied(nudge, answering(away, nudge))
    analysis = analyse(conversation, SELF, Overrides())
    assert [r.kind for r in analysis.readings] == [Kind.SELF, Kind.SELF, Kind.AUTO_REPLY]
    assert [absence.back_on for absence in analysis.absences] == [date(2026, 12, 12)]
    assert tracked(conversation)


def precedence_bulk_answer(body: str, *, list_unsubscribe: bool = False) -> Thread:
    """Alice nudged Sam on 24 Nov; the answer came back marked Precedence: bulk."""
    nudge = mine("2026-11-24 10:00", (SAM,), "Hi Sam, I wanted to follow up.", subject=SUBJECT)
    received = message(
        "2026-11-24 10:01",
        SAM,
        body=body,
        subject="Re: " + SUBJECT,
        precedence="bulk",
        list_unsubscribe=list_unsubscribe,
    )
    return applied(nudge, answering(received, nudge))


@pytest.mark.parametrize(
    ("words", "back_on"),
    [
        ("Thank you for your message, we will read it shortly.", None),
        ("I am travelling until 7 December with limited email access.", date(2026, 12, 8)),
        ("Je serai absente jusqu'au 7 décembre inclus.", date(2026, 12, 8)),
        ("Ich bin bis einschließlich 7. Dezember nicht im Haus.", date(2026, 12, 8)),
        ("Estaré de vacaciones hasta el 7 de diciembre.", date(2026, 12, 8)),
    ],
)
def test_an_answer_marked_only_precedence_bulk_is_an_auto_reply(
    words: str, back_on: date | None
) -> None:
    """Whatever a responder says, it neither answers the user nor makes the thread bulk."""
    conversation = precedence_bulk_answer(words)
    analysis = analyse(conversation, SELF, Overrides())
    assert [r.kind for r in analysis.readings] == [Kind.SELF, Kind.SELF, Kind.AUTO_REPLY]
    assert [absence.back_on for absence in analysis.absences] == ([back_on] if back_on else [])
    assert not has_bulk(conversation.messages, SELF)
    assert tracked(conversation)


def test_news_marked_only_precedence_bulk_is_read() -> None:
    """A rejection sent with Precedence: bulk ends the thread like any other."""
    conversation = precedence_bulk_answer(
        "Unfortunately we have decided to move forward with other candidates."
    )
    assert kinds(*conversation.messages)[-1] is Kind.HUMAN
    decision = decide(conversation, RULES, NOW)
    assert not decision.due
    assert decision.classification.stage is Stage.REJECTED


def test_an_answer_marked_precedence_bulk_and_list_unsubscribe_keeps_the_thread_out() -> None:
    """Only List-Unsubscribe alone is a sourcing tool's; with Precedence: bulk it is bulk mail."""
    conversation = precedence_bulk_answer(
        "Thank you for your message, we will read it shortly.", list_unsubscribe=True
    )
    assert kinds(*conversation.messages)[-1] is Kind.BULK
    assert has_bulk(conversation.messages, SELF)
    assert not tracked(conversation)


def test_an_outreach_followed_by_the_recruiter_in_person_is_weighed() -> None:
    """Bulk mail the other side followed up in person is part of the conversation."""
    conversation = thread(
        SOURCED,
        mine("2026-11-03 12:00", (SAM,), "Hi Sam,\n\nYes, Tuesday works for the interview."),
        message(
            "2026-11-04 09:00",
            SAM,
            body="Great, I'll send an invitation for the interview." + RECRUITER_SIGNATURE,
            subject="Re: " + SUBJECT,
        ),
    )
    assert Kind.BULK not in kinds(*conversation.messages)
    assert not has_bulk(conversation.messages, SELF)
    assert tracked(conversation)


def test_a_recruiter_answering_her_own_outreach_through_a_sourcing_tool_is_tracked() -> None:
    """Her outreach and her answer to the user both carry List-Unsubscribe."""
    outreach = replace(SOURCED, subject=SUBJECT)
    reply = mine("2026-11-03 12:00", (SAM,), "Hi Sam,\n\nYes, please find my CV attached.")
    answer = message(
        "2026-11-04 09:00",
        SAM,
        body="Thanks! I will get back to you next week." + RECRUITER_SIGNATURE,
        subject="Re: " + SUBJECT,
        list_unsubscribe=True,
    )
    conversation = thread(outreach, answering(reply, outreach), answering(answer, reply))
    assert kinds(*conversation.messages) == [Kind.HUMAN, Kind.SELF, Kind.HUMAN]
    assert not has_bulk(conversation.messages, SELF)
    assert tracked(conversation)


def test_an_away_message_after_an_outreach_does_not_make_it_conversation() -> None:
    """A responder under "Out of office until ..." is nobody writing in person."""
    conversation = thread(
        SOURCED,
        mine("2026-11-03 12:00", (SAM,), "Hi Sam,\n\nYes, Tuesday works for the interview."),
        message(
            "2026-11-03 12:01",
            SAM,
            body="I am out of the office with limited access to e-mail.",
            subject="Out of office until 7 December",
        ),
    )
    assert kinds(*conversation.messages) == [Kind.BULK, Kind.SELF, Kind.AUTO_REPLY]
    assert has_bulk(conversation.messages, SELF)
    assert not tracked(conversation)


def test_bulk_mail_after_the_last_human_word_keeps_the_thread_out() -> None:
    """A bulk rejection whose body sync never fetched must not be read as silence."""
    conversation = applied(
        message("2026-11-03 09:00", SAM, body="Thanks for applying." + RECRUITER_SIGNATURE),
        message("2026-11-05 09:00", ASHBY, body="", subject="Your application", precedence="bulk"),
    )
    assert Kind.BULK in kinds(*conversation.messages)
    assert has_bulk(conversation.messages, SELF)
    assert not tracked(conversation)


NEWSLETTER = message(
    "2026-11-02 09:00",
    NEWS,
    body="New jobs for you: Data Engineer at Acme. Unsubscribe",
    subject="Jobs for you: Data Engineer",
    list_unsubscribe=True,
    key="<issue@jobs.example.test>",
)


def test_a_newsletter_the_user_replied_to_stays_out() -> None:
    """Replying to a job newsletter, even with an application, does not track it."""
    reply = mine("2026-11-02 12:00", (NEWS,), APPLICATION, subject="Re: Jobs for you")
    conversation = thread(NEWSLETTER, answering(reply, NEWSLETTER))
    assert has_bulk(conversation.messages, SELF)
    assert not tracked(conversation)


def test_mailing_list_answers_stay_list_mail() -> None:
    """An answer through a mailing list is list mail, even to the user's own post."""
    post = mine("2026-11-02 09:00", (NEWS,), APPLICATION, subject=SUBJECT)
    answer = message(
        "2026-11-02 10:00", SAM, body="Send me your CV.", list_id="jobs.lists.example.test"
    )
    conversation = thread(post, answering(answer, post))
    assert has_bulk(conversation.messages, SELF)
    assert not tracked(conversation)


THANKS = "Dear Hana,\n\nThank you for the interview for the UX Researcher role yesterday.\n\nAlice"


def test_a_thank_you_alone_is_not_tracked() -> None:
    """A thank-you with nothing else is not enough, even to a company address.

    Broken threading often splits a thank-you written as a new message from
    its conversation (corpus 03, 31 and 42 on Dovecot): tracking it alone
    would queue a second follow-up for the same interview.
    """
    conversation = thread(
        mine("2026-11-15 09:00", (HANA,), THANKS, subject="Thank you"),
        message(
            "2026-11-15 09:01",
            HANA,
            body="I am out of the office with limited access to e-mail.",
            subject="Automatic reply: Thank you",
            auto_submitted="auto-replied",
        ),
    )
    assert not tracked(conversation)


@pytest.mark.parametrize(
    "to",
    [(BOB,), (Address("marc.dupont@example.test", "Marc Dupont"),)],
    ids=["friend", "colleague"],
)
def test_a_thank_you_to_friends_or_colleagues_is_not_tracked(to: tuple[Address, ...]) -> None:
    """Personal mail about an interview stays personal."""
    conversation = thread(
        message(
            "2026-11-14 09:00",
            to[0],
            body="Good luck with your interview tomorrow, fingers crossed!",
            subject="Tomorrow",
        ),
        mine("2026-11-15 09:00", to, "Thanks for the interview tips!", subject="Re: Tomorrow"),
        mine(
            "2026-11-15 10:00", to, "Thank you for the interview practice.", subject="Re: Tomorrow"
        ),
    )
    assert not tracked(conversation)
