from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from daemon.classify.dates import parse_ooo_return_date, promised_deadline
from daemon.classify.text import normalize

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


def test_ambiguous_english_numeric_date_takes_the_later_reading() -> None:
    """03/12 could be 3 Dec or 12 Mar; the later reading never writes too early."""
    assert parse_ooo_return_date("Back on 03/12.", SENT, "en") == date(2027, 3, 12)


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
    assert promised_deadline(normalize(text), SENT, "en") == deadline


def test_promise_without_time_frame_has_no_deadline() -> None:
    """ "We'll get back to you" alone sets no deadline."""
    assert promised_deadline(normalize("We'll get back to you soon."), SENT, "en") is None


@given(st.text(max_size=300), st.sampled_from(["en", "fr", "de", "es", "other"]))
def test_never_raises_and_never_goes_back_in_time(text: str, language: str) -> None:
    """Any text at all gives None or a day on or after the day the reply was sent."""
    back = parse_ooo_return_date(text, SENT, language)
    assert back is None or back >= SENT.date()
