from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from daemon.classify.prefilter import wants_body

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
