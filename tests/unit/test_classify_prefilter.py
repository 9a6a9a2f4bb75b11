from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from daemon.classify.prefilter import wants_body
from daemon.classify.reading import opens_with_away_marker
from daemon.classify.text import normalize

PLAIN = (
    b"From: Priya Raman <priya.raman@acme.example.test>\r\n"
    b"To: alice@example.test\r\nSubject: Your interview\r\n"
)


def test_ordinary_mail_is_fetched() -> None:
    """A normal message is worth its body."""
    assert wants_body(PLAIN)


def test_list_mail_is_skipped() -> None:
    """Mailing-list and newsletter mail never needs its body."""
    assert not wants_body(PLAIN + b"List-Id: <jobs.lists.example.test>\r\n")
    assert not wants_body(b"List-Unsubscribe: <mailto:u@lists.example.test>\r\n" + PLAIN)
    assert not wants_body(PLAIN + b"Precedence: bulk\r\n")


def test_auto_replies_are_fetched_even_when_marked_bulk() -> None:
    """Vacation responders say Precedence: bulk, but their body holds the return date."""
    assert wants_body(PLAIN + b"Precedence: bulk\r\nAuto-Submitted: auto-replied\r\n")
    assert wants_body(PLAIN.replace(b"Your interview", b"Out of Office") + b"Precedence: junk\r\n")
    assert wants_body(PLAIN + b"Precedence: bulk\r\nX-Autoreply: yes\r\n")


@pytest.mark.parametrize(
    "subject",
    [
        "Fuera de la oficina",
        "Ausente",
        "OOO until Monday",
        "En cong\u00e9",
        "Nicht im B\u00fcro",
        "Auto-response: Application",
        "Automatische Antwort: Bewerbung",
        "Out of Office: Re: Interview",
    ],
)
def test_every_away_subject_of_the_classifier_is_fetched(subject: str) -> None:
    """Subjects that may make an out-of-office are those whose body sync downloads."""
    assert opens_with_away_marker(normalize(subject))
    header = PLAIN.replace(b"Your interview", subject.encode()) + b"Precedence: bulk\r\n"
    assert wants_body(header)


def test_automated_mail_is_fetched_even_when_marked_bulk() -> None:
    """Auto-generated mail is read (an ATS, or an away message), so its body is fetched."""
    assert wants_body(PLAIN + b"Auto-Submitted: auto-generated\r\nPrecedence: bulk\r\n")
    assert wants_body(PLAIN + b"List-Id: <x.example.test>\r\nAuto-Submitted: auto-notified\r\n")
    assert not wants_body(PLAIN + b"Auto-Submitted: no\r\nPrecedence: bulk\r\n")


def test_bulk_marked_answers_are_fetched_outside_mailing_lists() -> None:
    """Sourcing tools and vacation responders mark answers bulk; a mailing list's are list mail."""
    answer = PLAIN + b"In-Reply-To: <a1@example.test>\r\n"
    assert wants_body(answer + b"List-Unsubscribe: <https://u.example.test/1>\r\n")
    assert wants_body(answer + b"Precedence: bulk\r\n")
    assert not wants_body(answer + b"List-Id: <jobs.lists.example.test>\r\n")


def test_encoded_subject_is_given_the_benefit_of_the_doubt() -> None:
    """An encoded subject might be an out-of-office, so a bulk marker alone is not enough."""
    header = b"Subject: =?utf-8?q?R=C3=A9ponse_automatique?=\r\nPrecedence: bulk\r\n"
    assert wants_body(header)


def test_header_names_are_case_insensitive() -> None:
    """LIST-ID in capitals is still a list header."""
    assert not wants_body(PLAIN + b"LIST-ID: jobs\r\n")


def test_words_in_other_fields_do_not_count() -> None:
    """A subject mentioning a list-id is not a List-Id header."""
    assert wants_body(b"Subject: list-id: precedence: bulk\r\n")


@given(st.binary(max_size=500))
def test_total_on_any_bytes(header: bytes) -> None:
    """Garbage never raises."""
    assert isinstance(wants_body(header), bool)
