from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from daemon.classify.dates import find_dates, parse_ooo_return_date, promised_deadline
from daemon.classify.text import normalize
from daemon.classify.vocabulary import PROMISE

#: A Thursday.
SENT = datetime(2026, 11, 12, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "language", "back"),
    [
        ("I am out of the office and will be back on 12 March.", "en", date(2027, 3, 12)),
        ("I'm away, back in the office on Monday, November 23rd.", "en", date(2026, 11, 23)),
        ("Je suis absente, de retour le 3 décembre.", "fr", date(2026, 12, 3)),
        ("Je serai de retour le lundi 30 novembre.", "fr", date(2026, 11, 30)),
        ("Ich bin ab dem 5.12. wieder erreichbar.", "de", date(2026, 12, 5)),
        ("Ich bin ab 30.11.2026 wieder im Büro.", "de", date(2026, 11, 30)),
        ("Estaré de vuelta el 4 de diciembre.", "es", date(2026, 12, 4)),
        ("Returning on 2026-11-30.", "en", date(2026, 11, 30)),
    ],
)
def test_reads_return_dates(text: str, language: str, back: date) -> None:
    """ "Back on" wording gives the first day back, in every language."""
    assert parse_ooo_return_date(text, SENT, language) == back


@pytest.mark.parametrize(
    ("text", "language", "back"),
    [
        ("I am out of office until Monday.", "en", date(2026, 11, 17)),
        ("Je suis absente jusqu'au 20 novembre inclus.", "fr", date(2026, 11, 21)),
        ("Ich bin bis zum 20.11. im Urlaub.", "de", date(2026, 11, 21)),
        ("Estoy de vacaciones hasta el 20 de noviembre.", "es", date(2026, 11, 21)),
        ("Absente du 12 au 20 novembre.", "fr", date(2026, 11, 21)),
    ],
)
def test_until_is_read_as_inclusive(text: str, language: str, back: date) -> None:
    """ "Until X" means away on X too: the sender is back the day after."""
    assert parse_ooo_return_date(text, SENT, language) == back


@pytest.mark.parametrize(
    ("text", "back"),
    [
        ("Back on 03/12.", date(2026, 12, 3)),
        ("I will be back on 7/12.", date(2026, 12, 7)),
        ("Out of office until 3/12.", date(2026, 12, 4)),
        ("Back on 11/13.", date(2026, 11, 13)),
    ],
)
def test_ambiguous_english_numeric_date_takes_the_nearest_reading_ahead(
    text: str, back: date
) -> None:
    """03/12 is 3 Dec or 12 Mar: the first reading not before the message, not months away."""
    assert parse_ooo_return_date(text, SENT, "en") == back


@pytest.mark.parametrize(
    ("text", "language", "back"),
    [
        ("I am on parental leave and will be back on 1 June.", "en", date(2027, 6, 1)),
        ("I'm currently on parental leave until 30 April 2027.", "en", date(2027, 5, 1)),
        ("Je suis en congé maternité jusqu'au 30 avril.", "fr", date(2027, 5, 1)),
        ("Returning on 2027-09-01.", "en", date(2027, 9, 1)),
    ],
)
def test_return_dates_within_a_year_are_believed(text: str, language: str, back: date) -> None:
    """Long leave is real: writing while the recruiter is away is the failure to avoid."""
    assert parse_ooo_return_date(text, SENT, language) == back


@pytest.mark.parametrize(
    "text", ["Returning on 2027-12-01.", "I am on sabbatical until 1 June 2028."]
)
def test_return_dates_beyond_a_year_are_not_believed(text: str) -> None:
    """A return date more than a year away is likelier a misreading than an absence."""
    assert parse_ooo_return_date(text, SENT, "en") is None


def test_an_until_date_needs_its_own_words() -> None:
    """ "To" reads a return date only right before it, not "send timesheets to payroll by"."""
    text = "Out of office until 22 November. Please send timesheets to payroll by 15 December."
    assert parse_ooo_return_date(text, SENT, "en") == date(2026, 11, 23)


@pytest.mark.parametrize(
    "text",
    [
        "I'm at a conference until Friday 20 November. After that I'm on leave until 4 December.",
        "Ich bin bis zum 20.11. auf Dienstreise. Anschließend bin ich bis zum 4.12. im Urlaub.",
        "Estoy de viaje hasta el 20/11. Luego estaré de vacaciones hasta el día 4 de diciembre.",
    ],
)
def test_the_last_of_two_absences_counts(text: str) -> None:
    """Away twice, the sender is back after the second absence."""
    assert parse_ooo_return_date(text, SENT, "en") == date(2026, 12, 5)


@pytest.mark.parametrize(
    "text",
    [
        "I am out of the office until 10 October.",
        "Je suis absente jusqu'au 13 octobre inclus.",
        "Ich bin bis zum 13.10. nicht im Büro.",
    ],
)
def test_a_forgotten_out_of_office_holds_nothing(text: str) -> None:
    """A return date weeks before the reply is an old auto-reply, not next year's."""
    assert parse_ooo_return_date(text, SENT, "en") is None


@pytest.mark.parametrize(
    "text",
    [
        "Congés : 23 juin",
        "I'm at a conference. Join us at the Acme Summit, 15 June 2027",
    ],
)
def test_a_date_without_return_words_is_believed_only_near(text: str) -> None:
    """With no "back" or "until", a far date is likelier an event's than the return."""
    assert parse_ooo_return_date(text, SENT, "en") is None


def test_an_until_date_must_follow_its_word() -> None:
    """ "To" reads a date right after it ("to 4 December"), not one further on."""
    text = "Out of office until 22 November, please send timesheets to payroll by 15 December."
    assert parse_ooo_return_date(text, SENT, "en") == date(2026, 11, 23)


@pytest.mark.parametrize(
    ("text", "language", "back"),
    [
        ("I'm out of the office, back on Monday the 7th.", "en", date(2026, 12, 7)),
        ("I'm on leave until Friday, the 4th of December.", "en", date(2026, 12, 5)),
        ("Je suis absente et de retour le lundi 7.", "fr", date(2026, 12, 7)),
        ("Ich bin ab Montag, den 7. Dezember wieder im Büro.", "de", date(2026, 12, 7)),
        ("Ich bin bis Freitag, den 4. Dezember, nicht im Büro.", "de", date(2026, 12, 5)),
        ("Estoy de vacaciones hasta el viernes 4.", "es", date(2026, 12, 5)),
        ("Estoy fuera de la oficina, vuelvo el lunes 7.", "es", date(2026, 12, 7)),
    ],
)
def test_reads_the_date_after_its_weekday_in_out_of_office(
    text: str, language: str, back: date
) -> None:
    """ "Monday the 7th" is the 7th, not the next Monday."""
    assert parse_ooo_return_date(text, SENT, language) == back


@pytest.mark.parametrize(
    ("text", "back"),
    [
        ("I'm out of office until the 7th.", date(2026, 12, 8)),
        ("I'm away this week and next, back on the 7th.", date(2026, 12, 7)),
        ("Back on the 20th.", date(2026, 11, 20)),
    ],
)
def test_an_ordinal_alone_is_the_next_such_day_in_out_of_office(text: str, back: date) -> None:
    """ "Until the 7th" is the next 7th of a month not before the reply."""
    assert parse_ooo_return_date(text, SENT, "en") == back


def test_without_dates_there_is_no_return_date() -> None:
    """An out-of-office without a date yields nothing."""
    assert parse_ooo_return_date("I am out of the office with limited access.", SENT, "en") is None


def test_past_dates_are_ignored() -> None:
    """A date before the reply was sent is not a return date."""
    text = "I have been away since 2026-11-02 and will reply when I can."
    assert parse_ooo_return_date(text, SENT, "en") is None


def test_unanchored_date_is_taken_as_last_day_away() -> None:
    """A lone future date reads as the end of the absence."""
    assert parse_ooo_return_date("Congés : 23 novembre", SENT, "fr") == date(2026, 11, 24)


@pytest.mark.parametrize(
    ("text", "deadline"),
    [
        ("We'll get back to you next week.", date(2026, 11, 20)),
        ("We will be in touch early next week.", date(2026, 11, 17)),
        ("I'll let you know by Friday.", date(2026, 11, 13)),
        ("You'll hear from us by the end of the week.", date(2026, 11, 13)),
        ("We'll get back to you within two weeks.", date(2026, 11, 26)),
        ("Nous reviendrons vers vous la semaine prochaine.", date(2026, 11, 20)),
        ("Wir melden uns bis Ende des Monats.", date(2026, 11, 30)),
        ("Wir melden uns in den nächsten Tagen.", date(2026, 11, 15)),
        ("Nos pondremos en contacto contigo la semana que viene.", date(2026, 11, 20)),
        ("We'll get back to you by 18 November.", date(2026, 11, 18)),
    ],
)
def test_reads_promised_deadlines(text: str, deadline: date) -> None:
    """Time frames in promises become a deadline date."""
    assert _deadline(text) == deadline


def test_promise_without_time_frame_has_no_deadline() -> None:
    """ "We'll get back to you" alone sets no deadline."""
    assert _deadline("We'll get back to you soon.") is None


@pytest.mark.parametrize(
    ("text", "deadline"),
    [
        ("We'll get back to you regarding the next steps by Friday.", date(2026, 11, 13)),
        ("Wir melden uns bis zum 20. November bei Ihnen.", date(2026, 11, 20)),
        (
            "Wir melden uns bis 20.11. bei Ihnen. Die Stelle ist bis 31.03.2027 befristet.",
            date(2026, 11, 20),
        ),
    ],
)
def test_reads_the_time_frame_right_after_the_promise(text: str, deadline: date) -> None:
    """The time frame that follows the promise in its sentence is the deadline."""
    assert _deadline(text) == deadline


@pytest.mark.parametrize(
    ("text", "deadline"),
    [
        ("We will get back to you by Friday, 4 Dec.", date(2026, 12, 4)),
        ("We will get back to you by Friday 4 December.", date(2026, 12, 4)),
        ("We will get back to you by Dec 10.", date(2026, 12, 10)),
        ("We will get back to you by Dec. 10.", date(2026, 12, 10)),
        ("We will get back to you by December 10th.", date(2026, 12, 10)),
    ],
)
def test_reads_a_weekday_with_its_date_and_a_month_before_its_day(
    text: str, deadline: date
) -> None:
    """The date after a weekday wins over the weekday; "Dec 10" reads like "10 Dec"."""
    assert _deadline(text) == deadline


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("We'll get back to you soon, i.e. by 20 November.", "en"),
        ("We'll get back to you soon, e.g. by 20 November.", "en"),
        ("We'll get back to you in approx. 8 days.", "en"),
        ("Wir melden uns in ca. 8 Tagen.", "de"),
        ("Wir melden uns bald, z.B. bis zum 20. November.", "de"),
        ("Nous reviendrons vers vous bientôt, p. ex. d'ici le 20 novembre.", "fr"),
        ("Nous reviendrons vers vous sous env. 8 jours.", "fr"),
        ("Te contactaremos en aprox. 8 días.", "es"),
        ("We'll get back to you soon. Mr. Smith will decide by 20 November.", "en"),
        ("We'll be in touch. Dr. Patel, our CTO, will give feedback by 20 November.", "en"),
        ("Nous reviendrons vers vous. M. Martin prendra sa décision d'ici le 20 novembre.", "fr"),
        ("Wir melden uns. Prof. Weber trifft die Entscheidung bis zum 20. November.", "de"),
        ("Te contactaremos. La Sra. Ruiz tomará una decisión antes del 20 de noviembre.", "es"),
    ],
)
def test_abbreviations_do_not_end_the_promise_sentence(text: str, language: str) -> None:
    """The full stop of "i.e.", "env.", "z.B." or "Dr." is not the end of a sentence."""
    assert _deadline(text, language) == date(2026, 11, 20)


@pytest.mark.parametrize(
    ("text", "language", "deadline"),
    [
        (
            "We'll be in touch soon. We expect to make a decision by 18 November.",
            "en",
            date(2026, 11, 18),
        ),
        (
            "Nous reviendrons vers vous. Vous aurez notre décision d'ici le 18 novembre.",
            "fr",
            date(2026, 11, 18),
        ),
        (
            "Wir melden uns. Eine Entscheidung erwarten wir bis zum 18. November.",
            "de",
            date(2026, 11, 18),
        ),
        (
            "Te contactaremos. Esperamos tener una respuesta antes del 18 de noviembre.",
            "es",
            date(2026, 11, 18),
        ),
        ("We'll be in touch. You will hear back from us by 18 November.", "en", date(2026, 11, 18)),
        (
            "We'll be in touch! We expect to decide by the end of next week.",
            "en",
            date(2026, 11, 20),
        ),
        (
            "Nous reviendrons vers vous. Une décision sera prise d'ici le 18 novembre.",
            "fr",
            date(2026, 11, 18),
        ),
        ("Wir melden uns. Rückmeldung erhalten Sie bis 18.11.", "de", date(2026, 11, 18)),
        (
            "We'll be in touch. Decisions are expected to be made by 18 November.",
            "en",
            date(2026, 11, 18),
        ),
        (
            "Nous reviendrons vers vous. La décision finale sera communiquée d'ici le 18 novembre.",
            "fr",
            date(2026, 11, 18),
        ),
        (
            "Wir melden uns. Eine Entscheidung wird voraussichtlich bis zum 18. November fallen.",
            "de",
            date(2026, 11, 18),
        ),
        (
            "Te contactaremos. La decisión final se tomará antes del 18 de noviembre.",
            "es",
            date(2026, 11, 18),
        ),
        (
            "Te contactaremos. Tendrás noticias nuestras el 18 de noviembre.",
            "es",
            date(2026, 11, 18),
        ),
        (
            "We'll be in touch. We will make a decision and inform you by 18 November.",
            "en",
            date(2026, 11, 18),
        ),
        (
            "Wir melden uns. Eine Entscheidung nach den Vorstellungsgesprächen gibt es bis 18.11.",
            "de",
            date(2026, 11, 18),
        ),
        (
            "We'll be in touch. You will get an answer from the hiring team by 18 November.",
            "en",
            date(2026, 11, 18),
        ),
        (
            "Te contactaremos. Tendrás una respuesta por nuestra parte antes del 18 de noviembre.",
            "es",
            date(2026, 11, 18),
        ),
        (
            "We'll be in touch. You will hear from us at the latest by 18 November.",
            "en",
            date(2026, 11, 18),
        ),
    ],
)
def test_reads_the_decision_date_in_the_sentence_after_the_promise(
    text: str, language: str, deadline: date
) -> None:
    """A next sentence about their decision or answer says by when they will write."""
    assert _deadline(text, language) == deadline


@pytest.mark.parametrize(
    ("text", "language"),
    [
        (
            "Te contactaremos en breve. La incorporación está prevista para el 1 de marzo.",
            "es",
        ),
        ("Wir melden uns bei Ihnen. Die Stelle ist bis 31.03.2027 befristet.", "de"),
        ("We'll get back to you soon. Please reply before 1 March.", "en"),
        ("Nous reviendrons vers vous. Le poste est à pourvoir d'ici le 1er mars.", "fr"),
        ("Before 1 March, we'll get back to you.", "en"),
        ("Te contactaremos. El contrato empieza el 1 de marzo.", "es"),
        ("Wir melden uns. Die Stelle ist bis 31.03.2027 befristet.", "de"),
        (
            (
                "We'll be in touch soon. The role starts on 1 March. "
                "We expect to make a decision by 18 November."
            ),
            "en",
        ),
        (
            (
                "We'll be in touch soon. "
                "We hope to fill the role by 1 March, once the team has decided on the budget."
            ),
            "en",
        ),
        (
            (
                "We'll be in touch soon. "
                "Updates to the job description will be published by 1 February."
            ),
            "en",
        ),
        (
            (
                "We'll get back to you soon. The successful candidate will need to answer "
                "our security questionnaire before 1 March."
            ),
            "en",
        ),
        (
            (
                "Nous reviendrons vers vous. Le poste, dont la décision budgétaire a été prise, "
                "est à pourvoir avant le 1er mars."
            ),
            "fr",
        ),
        (
            "Wir melden uns bei Ihnen. Nach der Entscheidung beginnt die Stelle bis zum 1. März.",
            "de",
        ),
        (
            (
                "Te contactaremos. Tras la decisión del comité, la incorporación será antes del "
                "1 de marzo."
            ),
            "es",
        ),
        (
            "We'll get back to you. We will share an update on the team reorganisation by 1 March.",
            "en",
        ),
        ("We'll be in touch. Please send your answers to the case study by 1 March.", "en"),
    ],
)
def test_dates_outside_the_promise_are_not_deadlines(text: str, language: str) -> None:
    """A start date, a contract end or a date far from "decision" is not when they write."""
    assert _deadline(text, language) is None


@pytest.mark.parametrize(
    ("text", "language", "deadline"),
    [
        ("We will get back to you by Friday the 11th.", "en", date(2026, 12, 11)),
        ("We will get back to you by Friday, the 11th of December.", "en", date(2026, 12, 11)),
        ("Nous reviendrons vers vous d'ici vendredi 11.", "fr", date(2026, 12, 11)),
        ("Wir melden uns bis Freitag, den 11. Dezember, bei Ihnen.", "de", date(2026, 12, 11)),
        ("Wir melden uns bis Mittwoch, den 9.12., bei Ihnen.", "de", date(2026, 12, 9)),
        ("Te contactaremos antes del viernes 11.", "es", date(2026, 12, 11)),
    ],
)
def test_reads_the_date_after_its_weekday(text: str, language: str, deadline: date) -> None:
    """ "Friday the 11th" or "vendredi 11" is the 11th, not the next Friday."""
    assert _deadline(text, language) == deadline


@pytest.mark.parametrize(
    ("text", "deadline"),
    [
        ("We'll get back to you by the 7th.", date(2026, 12, 7)),
        ("We'll get back to you by the 20th.", date(2026, 11, 20)),
        ("I'll be in touch by the 11th at the latest.", date(2026, 12, 11)),
    ],
)
def test_an_ordinal_alone_is_the_next_such_day(text: str, deadline: date) -> None:
    """ "By the 7th" is the next 7th of a month not before the message."""
    assert _deadline(text) == deadline


@pytest.mark.parametrize(
    "text",
    [
        "We'll get back to you after 2 rounds of interviews.",
        "We'll get back to you by the 2nd round.",
        "We'll get back to you in 3 hours.",
    ],
)
def test_bare_numbers_are_not_dates(text: str) -> None:
    """A number that is not after a weekday nor an ordinal where a date goes is no day."""
    assert _deadline(text) is None


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("the call is on monday 9 am", date(2026, 11, 16)),
        ("rendez-vous lundi 10h", date(2026, 11, 16)),
        ("we have 2 rounds in 3 days", None),
    ],
)
def test_a_number_after_a_weekday_is_a_day_only_when_it_is_not_a_time(
    text: str, day: date | None
) -> None:
    """ "Monday 9 am" is a Monday at nine; a number without its weekday is no date."""
    found = find_dates(text, SENT.date(), "en")
    assert [f.day for f in found] == ([day] if day else [])


@pytest.mark.parametrize(
    ("text", "language", "deadline"),
    [
        ("We'll get back to you on 11 December.", "en", date(2026, 12, 11)),
        ("We'll get back to you with a decision on Friday 11 December.", "en", date(2026, 12, 11)),
        ("Nous reviendrons vers vous le vendredi 11 décembre.", "fr", date(2026, 12, 11)),
        ("Wir melden uns am 11. Dezember bei Ihnen.", "de", date(2026, 12, 11)),
        ("Wir melden uns am Freitag, 11.12., bei Ihnen.", "de", date(2026, 12, 11)),
        ("Te contactaremos el 11/12.", "es", date(2026, 12, 11)),
    ],
)
def test_reads_the_day_named_right_after_the_promise(
    text: str, language: str, deadline: date
) -> None:
    """ "We'll get back to you on 11 December" sets 11 December."""
    assert _deadline(text, language) == deadline


@pytest.mark.parametrize(
    ("text", "language"),
    [
        (
            "We'll get back to you to arrange the final interview, which will be on 15 January.",
            "en",
        ),
        (
            "Te contactaremos para organizar la entrevista final, que será el 15 de enero.",
            "es",
        ),
        (
            "Nous reviendrons vers vous rapidement, avant le démarrage du poste le 4 janvier.",
            "fr",
        ),
    ],
)
def test_a_day_named_further_on_is_not_the_deadline(text: str, language: str) -> None:
    """An "on" day after a comma or far from the promise is another event's."""
    assert _deadline(text, language) is None


@pytest.mark.parametrize(
    ("text", "language", "deadline"),
    [
        ("We'll get back to you no later than December 7th.", "en", date(2026, 12, 7)),
        ("Nous reviendrons vers vous au plus tard le 7 décembre.", "fr", date(2026, 12, 7)),
        ("Nous reviendrons vers vous le 7 décembre au plus tard.", "fr", date(2026, 12, 7)),
        ("Nous vous répondrons au plus tard le 7/12.", "fr", date(2026, 12, 7)),
        ("Wir melden uns spätestens am 11. Dezember bei Ihnen.", "de", date(2026, 12, 11)),
        ("Wir melden uns bis spätestens 11.12. bei Ihnen.", "de", date(2026, 12, 11)),
        ("Te contactaremos como muy tarde el 11 de diciembre.", "es", date(2026, 12, 11)),
        (
            "Te escribiremos en cuanto tengamos novedades, a más tardar el 11 de diciembre.",
            "es",
            date(2026, 12, 11),
        ),
    ],
)
def test_reads_at_the_latest_wordings(text: str, language: str, deadline: date) -> None:
    """ "No later than", "au plus tard", "spätestens", "a más tardar" set the deadline."""
    assert _deadline(text, language) == deadline


@pytest.mark.parametrize(
    ("text", "deadline"),
    [
        ("We'll get back to you by Mon., Dec. 7.", date(2026, 12, 7)),
        ("We'll get back to you by Mon, Dec 7.", date(2026, 12, 7)),
        ("We'll get back to you by Fri 4 Dec.", date(2026, 12, 4)),
        ("We'll get back to you by Fri, Dec 4.", date(2026, 12, 4)),
        ("We'll get back to you by 5pm on Friday 11 December.", date(2026, 12, 11)),
    ],
)
def test_reads_short_weekdays_and_a_time_before_the_date(text: str, deadline: date) -> None:
    """ "Mon., Dec. 7" and "5pm on Friday 11 December" are read as their date."""
    assert _deadline(text) == deadline


@pytest.mark.parametrize(
    ("text", "language", "deadline"),
    [
        ("We will get back to you within the next two weeks.", "en", date(2026, 11, 26)),
        ("We will get back to you in the next 10 days.", "en", date(2026, 11, 22)),
        ("Wir melden uns in den nächsten zwei Wochen bei Ihnen.", "de", date(2026, 11, 26)),
        ("Nous reviendrons vers vous dans les deux prochaines semaines.", "fr", date(2026, 11, 26)),
        ("Te contactaremos en las próximas dos semanas.", "es", date(2026, 11, 26)),
        ("Te contactaremos en un plazo de 15 días.", "es", date(2026, 11, 27)),
        ("Nous reviendrons vers vous sous quinzaine.", "fr", date(2026, 11, 26)),
        ("We'll get back to you in a fortnight.", "en", date(2026, 11, 26)),
    ],
)
def test_reads_within_the_next_time_frames(text: str, language: str, deadline: date) -> None:
    """ "Within the next two weeks", "sous quinzaine" and "a fortnight" count from the message."""
    assert _deadline(text, language) == deadline


@pytest.mark.parametrize(
    ("text", "language", "deadline"),
    [
        ("We'll get back to you in 1-2 weeks.", "en", date(2026, 11, 26)),
        ("We'll get back to you in two to three weeks.", "en", date(2026, 12, 3)),
        ("We'll get back to you in a week or two.", "en", date(2026, 11, 26)),
        ("We'll get back to you within a few days to two weeks.", "en", date(2026, 11, 26)),
        ("Wir melden uns in 2-3 Wochen.", "de", date(2026, 12, 3)),
        ("Te contactaremos en 2 a 3 semanas.", "es", date(2026, 12, 3)),
    ],
)
def test_a_range_is_read_by_its_upper_end(text: str, language: str, deadline: date) -> None:
    """ "In 1-2 weeks" is two weeks: before then they have not broken their word."""
    assert _deadline(text, language) == deadline


@pytest.mark.parametrize(
    ("text", "language", "deadline"),
    [
        ("We'll get back to you by Wednesday next week.", "en", date(2026, 11, 18)),
        (
            "Nous reviendrons vers vous d'ici mercredi de la semaine prochaine.",
            "fr",
            date(2026, 11, 18),
        ),
        ("Wir melden uns bis Mittwoch nächster Woche bei Ihnen.", "de", date(2026, 11, 18)),
        (
            "Te contactaremos el miércoles de la semana que viene.",
            "es",
            date(2026, 11, 18),
        ),
        (
            "Nous reviendrons vers vous d'ici la fin de la semaine prochaine.",
            "fr",
            date(2026, 11, 20),
        ),
        ("We'll get back to you by the end of next week.", "en", date(2026, 11, 20)),
        ("We'll get back to you the week after next.", "en", date(2026, 11, 27)),
        ("We'll get back to you by the end of the week after next.", "en", date(2026, 11, 27)),
    ],
)
def test_reads_weekdays_and_ends_of_the_weeks_ahead(
    text: str, language: str, deadline: date
) -> None:
    """ "Wednesday next week" is next week's, and "the week after next" ends a week later."""
    assert _deadline(text, language) == deadline


@pytest.mark.parametrize(
    ("text", "deadline"),
    [
        (
            "We'll get back to you in the next few days, at the latest by Friday 4 December.",
            date(2026, 12, 4),
        ),
        ("We'll get back to you by Friday, or within two weeks at the latest.", date(2026, 11, 26)),
    ],
)
def test_takes_the_latest_time_frame_of_the_promise(text: str, deadline: date) -> None:
    """With several time frames, the follow-up waits for the last one they gave."""
    assert _deadline(text) == deadline


def _deadline(text: str, language: str = "en") -> date | None:
    normalized = normalize(text)
    promise = PROMISE.search(normalized)
    assert promise is not None
    return promised_deadline(normalized, promise, SENT, language)


@given(st.text(max_size=300), st.sampled_from(["en", "fr", "de", "es", "other"]))
def test_never_raises_and_never_goes_back_in_time(text: str, language: str) -> None:
    """Any text at all gives None or a day on or after the day the reply was sent."""
    back = parse_ooo_return_date(text, SENT, language)
    assert back is None or back >= SENT.date()


def test_a_decision_date_before_the_promise_in_its_sentence() -> None:
    """ "Decisions will be made by 11 December and I'll get back to you then" reads 11 Dec."""
    text = "decisions will be made by 11 december and i'll get back to you then."
    promise = PROMISE.search(text)
    assert promise is not None
    assert promised_deadline(text, promise, SENT, "en") == date(2026, 12, 11)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("we'll get back to you in early january.", date(2027, 1, 10)),
        ("nous reviendrons vers vous début janvier.", date(2027, 1, 10)),
        ("wir melden uns anfang januar bei ihnen.", date(2027, 1, 10)),
        ("nous reviendrons vers vous mi-décembre.", date(2026, 12, 20)),
        ("te contactaremos a mediados de diciembre.", date(2026, 12, 20)),
        ("we'll get back to you by the end of december.", date(2026, 12, 31)),
        ("we'll let you know in january.", date(2027, 1, 31)),
        ("we will be in touch after the holidays.", date(2027, 1, 10)),
        ("nous reviendrons vers vous après les fêtes.", date(2027, 1, 10)),
        ("wir melden uns nach den feiertagen.", date(2027, 1, 10)),
        ("te contactaremos después de las fiestas.", date(2027, 1, 10)),
        ("we'll get back to you before christmas.", date(2026, 12, 24)),
        ("wir melden uns bis kw 50.", date(2026, 12, 11)),
        # A month later in the sentence, past a comma, is about something else.
        ("we'll get back to you next week, the role starts in march.", date(2026, 11, 20)),
    ],
)
def test_months_seasons_and_calendar_weeks(text: str, expected: date) -> None:
    """A promise may name a part of a month, the holidays or a calendar week."""
    promise = PROMISE.search(text)
    assert promise is not None
    assert promised_deadline(text, promise, SENT, "en") == expected


def test_after_the_holidays_means_the_new_year_only_in_winter() -> None:
    """In June, "after the holidays" names no date that can be read."""
    text = "we will be in touch after the holidays."
    promise = PROMISE.search(text)
    assert promise is not None
    assert promised_deadline(text, promise, datetime(2026, 6, 2, tzinfo=UTC), "en") is None


PROMISE_SENT = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)


def deadline_of(text: str) -> date | None:
    """The deadline of the first promise in normalized `text`, written on 24 November."""
    promise = PROMISE.search(text)
    assert promise is not None
    return promised_deadline(text, promise, PROMISE_SENT, "en")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Another matter's date later in the sentence is not the deadline.
        (
            "we'll get back to you next week; the successful candidate would start by 4 january.",
            date(2026, 12, 4),
        ),
        ("i'll get back to you by friday with a start date before 1 march.", date(2026, 11, 27)),
        (
            "wir melden uns nächste woche, der eintritt wäre bis spätestens 1. märz.",
            date(2026, 12, 4),
        ),
        ("ich melde mich morgen, das büro ist bis zum 4. januar geschlossen.", date(2026, 11, 25)),
        (
            "nous reviendrons vers vous vite, la prise de poste étant prévue d'ici le 4 janvier.",
            None,
        ),
        ("we'll be in touch soon - in march we moved offices so things are slow.", None),
        ("decisions take a bit longer in december, but we'll get back to you.", None),
        # A count after a weekday, a range's end without its unit.
        (
            "we'll get back to you by monday, 12 candidates are still in the process.",
            date(2026, 11, 30),
        ),
        ("nos pondremos en contacto contigo en 2 semanas a 10 candidatos.", date(2026, 12, 8)),
        # "At the latest" between commas.
        ("te contactaremos, a más tardar, el viernes 11 de diciembre.", date(2026, 12, 11)),
    ],
)
def test_the_promises_own_time_frame(text: str, expected: date | None) -> None:
    """Only the time frame that belongs to the promise, and a limit joined to it, count."""
    assert deadline_of(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # The topic of the answer may stand between the promise and its date.
        (
            "we'll get back to you with the test results by friday 11 december.",
            date(2026, 12, 11),
        ),
        ("wir melden uns zur stelle bis zum 11.12.", date(2026, 12, 11)),
        # A limit joined with "and", "but" or a bracket stretches the first time frame.
        (
            "we'll get back to you in the next few days, and at the latest by 11 december.",
            date(2026, 12, 11),
        ),
        ("we'll get back to you next week, but no later than 11 december.", date(2026, 12, 11)),
        ("we'll get back to you in a week or two with feedback.", date(2026, 12, 8)),
        # A day after its weekday, followed by words that are not a count.
        ("nous reviendrons vers vous d'ici vendredi 11 au plus tard.", date(2026, 12, 11)),
        ("te contactaremos el viernes 11 por la tarde.", date(2026, 12, 11)),
    ],
)
def test_the_promises_own_time_frame_with_more_words(text: str, expected: date) -> None:
    """Words about the answer, and limits joined to the time frame, keep its date."""
    assert deadline_of(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Je suis absente jusqu'au lundi 7 inclus.",
        "Estoy fuera hasta el lunes 7 incluido.",
        "I am out of the office until Monday 7 inclusive.",
    ],
)
def test_a_day_after_its_weekday_in_an_out_of_office(text: str) -> None:
    """ "Until Monday 7 inclusive" is back on Tuesday 8 December."""
    assert parse_ooo_return_date(text, PROMISE_SENT, "en") == date(2026, 12, 8)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "we'll get back to you after the meeting tomorrow, with a final answer by fri 11 dec.",
            date(2026, 12, 11),
        ),
        ("we'll get back to you next week, in any case before 11 dec.", date(2026, 12, 11)),
        ("we'll get back to you with the contract by fri 11 dec.", date(2026, 12, 11)),
        (
            "i'll get back to you when i'm back in the office, by tue 8 dec at the latest.",
            date(2026, 12, 8),
        ),
        ("wir melden uns wegen des vertrags bis zum 11.12.", date(2026, 12, 11)),
        (
            "we'll get back to you next week and in january the new team lead joins us.",
            date(2026, 12, 4),
        ),
        (
            "sam is on leave until 11 december. he'll get back to you when he's back.",
            date(2026, 12, 12),
        ),
        (
            "sam ist bis zum 11.12. im urlaub. nach seiner rückkehr meldet er sich bei ihnen.",
            date(2026, 12, 12),
        ),
    ],
)
def test_the_latest_time_frame_that_is_the_promises(text: str, expected: date) -> None:
    """The latest time frame counts unless another matter's; "when he's back" reads the return."""
    assert deadline_of(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Away from 23 November to the 7th of December.",
        "Estoy de vacaciones del 23 de noviembre al día 7 de diciembre.",
    ],
)
def test_a_short_until_word_before_its_date(text: str) -> None:
    """ "To the 7th", "al día 7": the date follows its word after an article."""
    assert parse_ooo_return_date(text, PROMISE_SENT, "en") == date(2026, 12, 8)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "we'll get back to you next week, and on friday 11 december at the latest.",
            date(2026, 12, 11),
        ),
        (
            "we'll get back to you next week with the contract, and at the latest by 11 dec.",
            date(2026, 12, 11),
        ),
        (
            "sam ist bis zum 11.12. im urlaub. er meldet sich nach seiner rückkehr.",
            date(2026, 12, 12),
        ),
        (
            "sam est absent jusqu'au 11 décembre. il reviendra vers vous à son retour.",
            date(2026, 12, 12),
        ),
        (
            "sam está fuera hasta el 11 de diciembre. te contactará a su regreso.",
            date(2026, 12, 12),
        ),
    ],
)
def test_limits_after_their_date_and_returns_in_four_languages(text: str, expected: date) -> None:
    """ "At the latest" after its date still limits; "à son retour" reads the return."""
    assert deadline_of(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "wir melden uns nächste woche mit dem vertrag, spätestens am freitag, 11. dezember.",
            date(2026, 12, 11),
        ),
        (
            "we'll get back to you next week; the new hire has to start at the latest by 1 march.",
            date(2026, 12, 4),
        ),
    ],
)
def test_an_at_the_latest_time_frame_limits_unless_another_matters(
    text: str, expected: date
) -> None:
    """ "Spätestens am" limits the promise, unless its clause is about a start date."""
    assert deadline_of(text) == expected
