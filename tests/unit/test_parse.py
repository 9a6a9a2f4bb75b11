"""From fetched bytes to `Message`: every field, every fallback, and no exception ever."""

from __future__ import annotations

import base64
import re
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from daemon.domain import Address
from daemon.mail.parse import (
    EPOCH,
    HEADER_FIELDS,
    MAX_TEXT,
    decode_part,
    extract_parts,
    html_to_text,
    parse_calendar,
    parse_message,
    read_header_fields,
)
from daemon.ports import FetchedMessage
from tests.unit.test_headers import is_safe

SYNTHETIC = re.compile(r"<[0-9a-f]{64}@followup\.invalid>")


def fetched(header: str | bytes, **fields: object) -> FetchedMessage:
    raw = header.encode() if isinstance(header, str) else header
    return FetchedMessage(id="1", header=raw, **fields)  # type: ignore[arg-type]


def parse(header: str | bytes, **fields: object) -> object:
    return parse_message(fetched(header, **fields), "work", in_sent=False)


FULL = (
    "Message-ID: <Abc.123@Corp.example.test>\r\n"
    "Date: Tue, 3 Mar 2026 10:00:00 +0100\r\n"
    'From: "Manager, Max" <Max@Corp.example.test>\r\n'
    "Sender: assistant@corp.example.test\r\n"
    "Reply-To: jobs@corp.example.test\r\n"
    "To: alice@example.test\r\n"
    "Cc: =?utf-8?q?HR_P=C3=B6rson?= <hr@corp.example.test>, bob@example.test\r\n"
    "Subject: =?utf-8?q?Interview_f=C3=BCr?=\r\n next\tweek\r\n"
    "In-Reply-To: <prev@x.test>\r\n"
    "References: <a@x.test> <b@x.test>\r\n <a@x.test> <prev@x.test>\r\n"
    "Auto-Submitted: Auto-Replied; owner=x\r\n"
    "X-Autoreply: yes\r\n"
    "Precedence: Bulk\r\n"
    "List-Id: Jobs list <Jobs.Corp.example.test>\r\n"
    "List-Unsubscribe: <mailto:unsub@corp.example.test>\r\n"
    "Thread-Topic: Interview\r\n"
    "Thread-Index: AdQx1234==\r\n"
    "X-GM-THRID: 1234567890\r\n"
    "Content-Language: de-DE, en\r\n"
    "\r\n"
)


class TestParseMessage:
    def test_reads_every_field(self) -> None:
        """Each header lands in its field, decoded and normalised."""
        message = parse_message(fetched(FULL, text="Hello"), "work", in_sent=True)
        assert message.key == "<Abc.123@Corp.example.test>"
        assert message.account == "work"
        assert message.in_sent
        assert message.subject == "Interview für next week"
        assert message.date == datetime(2026, 3, 3, 9, 0, tzinfo=UTC)
        assert message.from_ == Address("max@corp.example.test", "Manager, Max")
        assert message.sender == Address("assistant@corp.example.test")
        assert message.reply_to == (Address("jobs@corp.example.test"),)
        assert message.to == (Address("alice@example.test"),)
        assert message.cc == (
            Address("hr@corp.example.test", "HR Pörson"),
            Address("bob@example.test"),
        )
        assert message.in_reply_to == "<prev@x.test>"
        assert message.references == ("<a@x.test>", "<b@x.test>", "<prev@x.test>")
        assert message.auto_submitted == "auto-replied; owner=x"
        assert message.x_autoreply
        assert message.precedence == "bulk"
        assert message.list_id == "jobs.corp.example.test"
        assert message.list_unsubscribe
        assert message.thread_topic == "Interview"
        assert message.thread_index == "AdQx1234=="
        assert message.gm_thrid == "1234567890"
        assert message.language_hint == "de"
        assert message.body_text == "Hello"

    def test_minimal_message_has_quiet_defaults(self) -> None:
        """Absent headers give None, False or empty values."""
        message = parse_message(fetched("Subject: hi\r\n\r\n"), "work", in_sent=False)
        assert message.from_ is None
        assert message.to == ()
        assert message.in_reply_to is None
        assert message.references == ()
        assert message.auto_submitted is None
        assert not message.x_autoreply
        assert not message.list_unsubscribe
        assert message.language_hint is None
        assert message.body_text == ""
        assert message.calendar == ()

    def test_x_autorespond_counts_as_autoreply(self) -> None:
        """X-Autorespond is the other spelling of X-Autoreply."""
        assert parse_message(fetched("X-Autorespond: 1\r\n\r\n"), "w", in_sent=False).x_autoreply

    def test_first_occurrence_of_a_field_wins(self) -> None:
        """A duplicated header does not override the first one."""
        message = parse_message(
            fetched("Subject: first\r\nSubject: second\r\n\r\n"), "w", in_sent=False
        )
        assert message.subject == "first"

    def test_header_names_are_case_insensitive(self) -> None:
        """FROM and from are the same field."""
        message = parse_message(fetched("FROM: a@x.test\r\nsubject: s\r\n"), "w", in_sent=False)
        assert message.from_ == Address("a@x.test")
        assert message.subject == "s"

    def test_reading_stops_at_the_blank_line(self) -> None:
        """Lines after the header block are body, not fields."""
        fields = read_header_fields(b"Subject: a\r\n\r\nFrom: x@y.test\r\n")
        assert fields == {"subject": "a"}

    def test_bare_newlines_and_latin1_bytes(self) -> None:
        """LF-only headers and raw 8-bit bytes are read too."""
        message = parse_message(fetched(b"Subject: caf\xe9\nFrom: a@x.test\n"), "w", in_sent=False)
        assert message.subject == "café"
        assert message.from_ == Address("a@x.test")

    def test_missing_message_id_gives_stable_synthetic_key(self) -> None:
        """The same headers in two folders get the same synthetic key; others differ."""
        header = "Date: Tue, 3 Mar 2026 10:00:00 +0100\r\nFrom: a@x.test\r\nSubject: s\r\n"
        first = parse_message(fetched(header, flags=frozenset({"\\Seen"})), "w", in_sent=False)
        second = parse_message(fetched(header + "X-Other: 1\r\n"), "w", in_sent=True)
        other = parse_message(fetched(header.replace("s\r\n", "t\r\n")), "w", in_sent=False)
        assert SYNTHETIC.fullmatch(first.key)
        assert first.key == second.key
        assert other.key != first.key

    def test_unparseable_message_id_gives_synthetic_key(self) -> None:
        """A Message-ID without local@domain is replaced too."""
        assert SYNTHETIC.fullmatch(parse("Message-ID: garbage\r\n").key)  # type: ignore[attr-defined]

    def test_date_falls_back_to_internaldate_then_epoch(self) -> None:
        """No readable Date: INTERNALDATE (made UTC, naive read as UTC), else 1970."""
        plus2 = datetime(2026, 3, 3, 12, 0, tzinfo=timezone(timedelta(hours=2)))
        assert parse("Date: never\r\n", internaldate=plus2).date == datetime(  # type: ignore[attr-defined]
            2026, 3, 3, 10, 0, tzinfo=UTC
        )
        naive = datetime(2026, 3, 3, 12, 0)  # noqa: DTZ001 - what a careless adapter may hand over
        assert parse("", internaldate=naive).date == naive.replace(tzinfo=UTC)  # type: ignore[attr-defined]
        assert parse("").date == EPOCH  # type: ignore[attr-defined]

    def test_references_are_bounded_to_the_last_fifty(self) -> None:
        """A huge References header keeps its last 50 distinct ids, in order."""
        ids = " ".join(f"<r{n}@x.test>" for n in range(500))
        message = parse(f"References: {ids}\r\n")
        assert message.references == tuple(f"<r{n}@x.test>" for n in range(450, 500))  # type: ignore[attr-defined]

    def test_body_is_bounded(self) -> None:
        """Body text never exceeds MAX_TEXT characters."""
        assert len(parse("", text="x" * (MAX_TEXT * 3)).body_text) == MAX_TEXT  # type: ignore[attr-defined]

    @pytest.mark.parametrize(
        ("value", "expected"),
        [("en-US", "en"), ("FR", "fr"), (" de, en", "de"), ("eng", None), ("x-klingon", None)],
    )
    def test_language_hint_is_the_first_two_letter_tag(
        self, value: str, expected: str | None
    ) -> None:
        """Only a two-letter primary tag counts."""
        assert parse(f"Content-Language: {value}\r\n").language_hint == expected  # type: ignore[attr-defined]

    def test_huge_header_is_cheap_and_harmless(self) -> None:
        """A multi-megabyte header block is cut, not choked on."""
        header = "Subject: big\r\nX-Junk: " + "a" * 3_000_000 + "\r\nFrom: late@x.test\r\n"
        message = parse(header)
        assert message.subject == "big"  # type: ignore[attr-defined]
        assert message.from_ is None  # type: ignore[attr-defined]

    def test_calendar_parts_become_events(self) -> None:
        """Raw text/calendar parts are parsed into the message's events."""
        message = parse("", calendars=(INVITE,))
        assert [event.uid for event in message.calendar] == ["iv-1"]  # type: ignore[attr-defined]

    @settings(max_examples=200)
    @given(st.binary(max_size=2000))
    def test_never_raises_on_arbitrary_bytes(self, header: bytes) -> None:
        """Any header block parses, with an aware date and safe display text."""
        message = parse_message(fetched(header), "w", in_sent=False)
        assert message.date.tzinfo is not None
        assert is_safe(message.subject)
        for address in (*message.participants, *message.reply_to):
            assert is_safe(address.name)
            assert is_safe(address.addr)

    @settings(max_examples=200)
    @given(
        st.lists(
            st.tuples(
                st.sampled_from([*HEADER_FIELDS, "X-GM-THRID", "X-Other"]),
                st.text(max_size=120),
            ),
            max_size=12,
        )
    )
    def test_never_raises_on_arbitrary_field_values(self, fields: list[tuple[str, str]]) -> None:
        """Known fields with any text values parse into safe values."""
        header = "".join(f"{name}: {value}\r\n" for name, value in fields)
        message = parse_message(
            fetched(header.encode("utf-8", "surrogatepass")), "w", in_sent=False
        )
        assert message.date.tzinfo is not None
        assert is_safe(message.subject)
        assert message.thread_topic is None or is_safe(message.thread_topic)
        for address in (*message.participants, *message.reply_to):
            assert is_safe(address.name)


INVITE = (
    b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nMETHOD:REQUEST\r\nBEGIN:VEVENT\r\nUID:iv-1\r\n"
    b"SUMMARY:Interview\r\nDTSTART;TZID=Europe/Berlin:20260310T100000\r\nDURATION:PT45M\r\n"
    b'ORGANIZER;CN="Manager, Max":mailto:Max@Corp.example.test\r\n'
    b"ATTENDEE;CN=Alice:mailto:alice@example.test\r\nATTENDEE:MAILTO:hr@corp.example.test\r\n"
    b"END:VEVENT\r\nEND:VCALENDAR\r\n"
)


class TestParseCalendar:
    def test_reads_a_timed_invitation(self) -> None:
        """Start in UTC, end from DURATION, organizer and attendees with names."""
        (event,) = parse_calendar(INVITE)
        assert event.uid == "iv-1"
        assert event.summary == "Interview"
        assert event.start == datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
        assert event.end == event.start + timedelta(minutes=45)
        assert event.organizer == Address("max@corp.example.test", "Manager, Max")
        assert event.attendees == (
            Address("alice@example.test", "Alice"),
            Address("hr@corp.example.test", ""),
        )
        assert event.method == "REQUEST"
        assert not event.cancelled

    def test_floating_times_are_read_as_utc(self) -> None:
        """A time without zone is taken as UTC, never left naive."""
        ics = INVITE.replace(b"DTSTART;TZID=Europe/Berlin:", b"DTSTART:")
        (event,) = parse_calendar(ics)
        assert event.start == datetime(2026, 3, 10, 10, 0, tzinfo=UTC)

    def test_all_day_events_are_skipped(self) -> None:
        """A date-only event is no interview slot."""
        ics = INVITE.replace(b"DTSTART;TZID=Europe/Berlin:20260310T100000", b"DTSTART:20260310")
        assert parse_calendar(ics.replace(b"VALUE=", b"")) == ()

    def test_cancellations_are_flagged(self) -> None:
        """METHOD:CANCEL or STATUS:CANCELLED mark the event cancelled."""
        (by_method,) = parse_calendar(INVITE.replace(b"METHOD:REQUEST", b"METHOD:CANCEL"))
        assert by_method.cancelled
        assert by_method.method == "CANCEL"
        (by_status,) = parse_calendar(INVITE.replace(b"UID:iv-1", b"UID:iv-1\r\nSTATUS:CANCELLED"))
        assert by_status.cancelled

    def test_missing_end_and_duration_gives_an_instant(self) -> None:
        """Without DTEND or DURATION the event ends when it starts."""
        (event,) = parse_calendar(INVITE.replace(b"DURATION:PT45M\r\n", b""))
        assert event.end == event.start

    @pytest.mark.parametrize(
        "data",
        [
            b"",
            b"garbage",
            b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART:xyz\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
            b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\n",
        ],
    )
    def test_bad_calendars_give_no_events(self, data: bytes) -> None:
        """Unreadable iCalendar data is skipped, not raised."""
        assert parse_calendar(data) == ()

    @settings(max_examples=100)
    @given(st.binary(max_size=500))
    def test_never_raises(self, data: bytes) -> None:
        """Arbitrary bytes never raise."""
        assert isinstance(parse_calendar(data), tuple)


def message(content_type: str, body: str, extra: str = "") -> bytes:
    return (
        f"Message-ID: <m@x.test>\r\nSubject: s\r\nMIME-Version: 1.0\r\n"
        f"Content-Type: {content_type}\r\n{extra}\r\n{body}"
    ).encode()


class TestExtractParts:
    def test_single_plain_part(self) -> None:
        """A plain message's body is its text; no calendars."""
        text, calendars = extract_parts(message("text/plain; charset=utf-8", "Hi ü\r\nthere"))
        assert text == "Hi ü\nthere"
        assert calendars == ()

    def test_no_content_type_means_plain_text(self) -> None:
        """RFC 2045 default: text/plain."""
        assert extract_parts(b"Subject: s\r\n\r\nplain body")[0] == "plain body"

    def test_base64_latin1_part(self) -> None:
        """Transfer encoding and charset are both undone."""
        body = base64.b64encode("Grüße".encode("latin-1")).decode()
        raw = message(
            "text/plain; charset=iso-8859-1", body, "Content-Transfer-Encoding: base64\r\n"
        )
        assert extract_parts(raw)[0] == "Grüße"

    def test_html_only_is_read_as_text(self) -> None:
        """Without text/plain the HTML is stripped to text."""
        html = "<html><head><style>p{}</style></head><body><p>Hello&nbsp;<b>Alice</b></p></body>"
        text, _ = extract_parts(message("text/html", html))
        assert text == "Hello Alice"

    def test_alternative_prefers_plain_text(self) -> None:
        """In multipart/alternative the plain part wins over HTML."""
        body = (
            "--B\r\nContent-Type: text/html\r\n\r\n<p>html</p>\r\n"
            "--B\r\nContent-Type: text/plain\r\n\r\nplain\r\n--B--\r\n"
        )
        assert extract_parts(message('multipart/alternative; boundary="B"', body))[0] == "plain"

    def test_calendars_inline_and_attached(self) -> None:
        """text/calendar parts and .ics attachments are returned decoded, nothing else."""
        ics = INVITE.decode()
        pdf = base64.b64encode(b"%PDF-1.4 secret").decode()
        body = (
            "--O\r\nContent-Type: multipart/alternative; boundary=A\r\n\r\n"
            "--A\r\nContent-Type: text/plain\r\n\r\nJoin us\r\n"
            f"--A\r\nContent-Type: text/calendar; method=REQUEST\r\n\r\n{ics}--A--\r\n"
            "--O\r\nContent-Type: application/ics; name=invite.ics\r\n"
            "Content-Disposition: attachment; filename=invite.ics\r\n"
            "Content-Transfer-Encoding: base64\r\n\r\n"
            f"{base64.b64encode(INVITE).decode()}\r\n"
            "--O\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment\r\n"
            f"Content-Transfer-Encoding: base64\r\n\r\n{pdf}\r\n--O--\r\n"
        )
        text, calendars = extract_parts(message("multipart/mixed; boundary=O", body))
        assert text == "Join us"
        assert len(calendars) == 2
        assert all(parse_calendar(c)[0].uid == "iv-1" for c in calendars)
        assert not any(b"PDF" in c for c in calendars)

    def test_attached_text_is_not_the_body(self) -> None:
        """A text attachment or a forwarded message never stands in for the body."""
        body = (
            "--O\r\nContent-Type: text/html\r\n\r\n<p>mine</p>\r\n"
            "--O\r\nContent-Type: text/plain\r\nContent-Disposition: attachment\r\n\r\nfile\r\n"
            "--O\r\nContent-Type: message/rfc822\r\n\r\n"
            "Subject: fwd\r\nContent-Type: text/plain\r\n\r\nforwarded\r\n--O--\r\n"
        )
        assert extract_parts(message("multipart/mixed; boundary=O", body))[0] == "mine"

    def test_text_is_truncated(self) -> None:
        """The text is cut at max_text characters."""
        assert extract_parts(message("text/plain", "x" * 100), max_text=10)[0] == "x" * 10

    @settings(max_examples=100)
    @given(st.binary(max_size=3000))
    def test_never_raises(self, raw: bytes) -> None:
        """Arbitrary bytes never raise."""
        text, calendars = extract_parts(raw)
        assert text is None or len(text) <= MAX_TEXT
        assert isinstance(calendars, tuple)

    @settings(max_examples=100)
    @given(st.binary(max_size=2000))
    def test_never_raises_on_broken_multipart(self, body: bytes) -> None:
        """Garbage under a multipart header never raises."""
        extract_parts(b"Content-Type: multipart/mixed; boundary=X\r\n\r\n--X\r\n" + body)


class TestDecodePart:
    def test_truncated_base64_decodes_what_is_complete(self) -> None:
        """A partial fetch cut inside a base64 quantum loses only the cut bytes."""
        encoded = base64.b64encode(b"hello world")
        assert decode_part(encoded[:-3], "base64", "utf-8") == "hello wor"

    def test_truncated_utf8_is_replaced_at_the_end_only(self) -> None:
        """A multi-byte character cut in half does not turn the text into mojibake."""
        assert decode_part("café".encode()[:-1], "8bit", None) == "caf\ufffd"

    def test_legacy_bytes_without_charset_read_as_cp1252(self) -> None:
        """Undeclared 8-bit text that is not UTF-8 is read as Windows-1252."""
        assert decode_part(b"caf\xe9 \x93quoted\x94 end", "8bit", None) == "café “quoted” end"

    def test_unknown_charset_and_quoted_printable(self) -> None:
        """Quoted-printable decodes; an unknown charset falls back to UTF-8."""
        assert decode_part(b"caf=C3=A9=\r\n!", "quoted-printable", "x-bogus") == "café!"

    @given(st.binary(max_size=500), st.sampled_from(["base64", "quoted-printable", "7bit", ""]))
    def test_never_raises(self, payload: bytes, encoding: str) -> None:
        """Arbitrary payloads decode to some text without NUL characters."""
        assert "\x00" not in decode_part(payload, encoding, "utf-8")


def test_html_to_text_keeps_paragraphs() -> None:
    """Block ends become line breaks and entities are unescaped."""
    assert html_to_text("<p>One &amp; two</p><p>Three<br>Four</p>") == "One & two\nThree\nFour"
