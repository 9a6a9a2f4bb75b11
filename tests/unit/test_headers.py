"""Header decoding: RFC 2047 words, address lists, message-ids and dates, on hostile input."""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime
from email.header import Header

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from daemon.domain import Address
from daemon.mail.headers import (
    MAX_ADDRESSES,
    decode_text,
    decode_words,
    normalize_message_id,
    parse_addresses,
    parse_date,
    sanitize,
)

UNSAFE_CATEGORIES = {"Cc", "Zl", "Zp"}
BIDI_CONTROLS = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f")


def is_safe(text: str) -> bool:
    return not any(
        unicodedata.category(char) in UNSAFE_CATEGORIES or char in BIDI_CONTROLS for char in text
    )


def quoted(name: str) -> str:
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


def encoded(name: str) -> str:
    return " ".join(Header(name, "utf-8").encode().split())


class TestDecodeWords:
    def test_decodes_q_and_b_words(self) -> None:
        """Both encodings decode, with underscores as spaces in Q."""
        assert decode_words("=?utf-8?q?Caf=C3=A9_au_lait?=") == "Café au lait"
        assert decode_words("=?UTF-8?B?SsO2cmc=?=") == "Jörg"

    def test_joins_adjacent_words_and_drops_the_space_between(self) -> None:
        """A character split across two words is put back together (RFC 2047, 6.2)."""
        assert decode_words("=?utf-8?b?w6R3?= =?utf-8?b?w7Y=?=") == "äwö"
        assert decode_words("=?utf-8?q?=C3?= =?utf-8?q?=A9?=") == "é"

    def test_keeps_text_around_words(self) -> None:
        """Plain text between encoded words stays, with its spaces."""
        assert decode_words("Re: =?utf-8?q?Entretien?= demain") == "Re: Entretien demain"

    def test_unknown_charset_falls_back_to_utf8(self) -> None:
        """An unknown or non-text charset decodes as UTF-8 instead of failing."""
        assert decode_words("=?x-unknown?q?abc?=") == "abc"
        assert decode_words("=?rot13?q?abc?=") == "abc"
        assert decode_words("=?zlib?b?YWJj?=") == "abc"

    def test_broken_word_stays_as_written(self) -> None:
        """Base64 that cannot be decoded leaves the word untouched."""
        assert decode_words("=?utf-8?b?A?=") == "=?utf-8?b?A?="

    def test_rfc2231_language_suffix_is_ignored(self) -> None:
        """A charset*language tag still decodes."""
        assert decode_words("=?utf-8*fr?q?Bonjour?=") == "Bonjour"

    @given(st.text())
    def test_never_raises(self, value: str) -> None:
        """Any text decodes to some text."""
        assert isinstance(decode_words(value), str)

    @given(st.text())
    def test_decoded_text_is_one_safe_line(self, value: str) -> None:
        """decode_text never returns control, line-break or bidi characters."""
        assert is_safe(decode_text(value))

    @given(st.text().map(encoded))
    def test_decoded_text_of_encoded_controls_is_safe(self, value: str) -> None:
        """Control characters hidden inside encoded words are removed too."""
        assert is_safe(decode_text(value))


class TestSanitize:
    def test_removes_controls_and_collapses_whitespace(self) -> None:
        """CR/LF/tab become spaces, NUL and bidi overrides vanish, runs collapse."""
        assert sanitize(" a\r\n\tb\x00c\u202ed  ") == "a bcd"


class TestParseAddresses:
    def test_reads_the_usual_forms(self) -> None:
        """Bare, angle, quoted and commented mailboxes, lower-cased."""
        value = 'Foo <A@B.test>, "Bar, Baz" <c@d.test>, e@f.test (Comment), plain@g.test'
        assert parse_addresses(value) == (
            Address("a@b.test", "Foo"),
            Address("c@d.test", "Bar, Baz"),
            Address("e@f.test", "Comment"),
            Address("plain@g.test", ""),
        )

    def test_groups_contribute_their_members_only(self) -> None:
        """A group name is no address; its members are; an empty group adds nothing."""
        assert [a.addr for a in parse_addresses("Team: a@x.test, b@y.test;, c@z.test")] == [
            "a@x.test",
            "b@y.test",
            "c@z.test",
        ]
        assert parse_addresses("undisclosed-recipients:;") == ()

    def test_decodes_names(self) -> None:
        """Encoded display names are decoded, quoted or not."""
        assert parse_addresses("=?iso-8859-1?q?J=F6rg_M=FCller?= <jm@x.test>") == (
            Address("jm@x.test", "Jörg Müller"),
        )
        assert parse_addresses('"=?utf-8?q?Ren=C3=A9e?=" <r@x.test>') == (
            Address("r@x.test", "Renée"),
        )

    def test_address_looking_name_is_just_a_name(self) -> None:
        """An unquoted name that looks like an address does not become a recipient."""
        assert parse_addresses("alice@example.test <bob@evil.test>") == (
            Address("bob@evil.test", "alice@example.test"),
        )

    def test_encoded_word_with_raw_commas_stays_one_name(self) -> None:
        """Commas and @ inside an encoded word never split the list."""
        found = parse_addresses("=?utf-8?q?x@evil.test,_y@evil.test?= <real@example.test>")
        assert found == (Address("real@example.test", "x@evil.test, y@evil.test"),)

    def test_drops_entries_without_a_valid_addr_spec(self) -> None:
        """Garbage, half addresses and bare names are dropped."""
        assert parse_addresses("John Doe, @x.test, y@, <>, a@@b, x@y..z, ok@x.test") == (
            Address("ok@x.test", ""),
        )

    def test_source_route_is_stripped(self) -> None:
        """An obsolete route before the mailbox is ignored."""
        assert parse_addresses("<@relay.test:user@x.test>") == (Address("user@x.test", ""),)

    def test_bounded_number_of_addresses(self) -> None:
        """A header with thousands of addresses yields at most MAX_ADDRESSES."""
        value = ", ".join(f"u{n}@x.test" for n in range(MAX_ADDRESSES * 3))
        assert len(parse_addresses(value)) == MAX_ADDRESSES

    def test_fast_path_agrees_with_the_tokenizer(self) -> None:
        """Simple lists read the same with and without the shortcut."""
        simple = "Foo <a@x.test>, b@y.test, Bar Baz <c@z.test>"
        tricky = simple + ", (comment) d@w.test"
        assert parse_addresses(tricky)[:3] == parse_addresses(simple)

    @given(st.text(max_size=300))
    def test_never_raises_and_output_is_safe(self, value: str) -> None:
        """Any header value gives lower-case, control-free addresses and names."""
        for address in parse_addresses(value):
            assert "@" in address.addr
            assert address.addr == address.addr.lower()
            assert is_safe(address.addr)
            assert is_safe(address.name)

    @settings(max_examples=300)
    @given(
        st.text(max_size=80),
        st.sampled_from([quoted, encoded, lambda n: encoded(n).replace("?q?", "?Q?")]),
    )
    def test_one_crafted_display_name_gives_exactly_one_address(
        self, name: str, encode: object
    ) -> None:
        """Whatever a display name contains or decodes to, it stays one recipient."""
        header = f"{encode(name)} <target@example.test>"  # type: ignore[operator]
        found = parse_addresses(header)
        assert len(found) == 1
        assert found[0].addr == "target@example.test"
        assert is_safe(found[0].name)

    @pytest.mark.parametrize(
        "name",
        [
            "x@evil.test, y@evil.test",
            "Boss\r\nBcc: spy@evil.test",
            "<spy@evil.test>",
            'a" <spy@evil.test>, "b',
            "\u202eevil",
        ],
    )
    def test_known_injection_names_give_one_address(self, name: str) -> None:
        """Known tricks in encoded or quoted names never add a recipient."""
        for header in (f"{encoded(name)} <t@x.test>", f"{quoted(name)} <t@x.test>"):
            assert [a.addr for a in parse_addresses(header)] == ["t@x.test"]


class TestMessageIds:
    @pytest.mark.parametrize(
        ("raw", "expected"),
        [
            ("<Abc@Def.test>", "<Abc@Def.test>"),
            ("  <abc@def>  (a comment)", "<abc@def>"),
            ("(c) <a(b)c@d>", "<ac@d>"),
            ("< abc@def >", "<abc@def>"),
            ("abc@def", "<abc@def>"),
            ("<first@x> <second@y>", "<first@x>"),
            ("garbage", None),
            ("", None),
            (None, None),
            ("<no-at-sign>", None),
        ],
    )
    def test_normalizes(self, raw: str | None, expected: str | None) -> None:
        """Comments and blanks go, case stays, the first id wins."""
        assert normalize_message_id(raw) == expected

    @given(st.text())
    def test_normalization_is_idempotent(self, raw: str) -> None:
        """Normalising a normalised id changes nothing."""
        once = normalize_message_id(raw)
        if once is not None:
            assert normalize_message_id(once) == once
            assert once.startswith("<")
            assert once.endswith(">")
            assert is_safe(once)
            assert " " not in once


class TestParseDate:
    @pytest.mark.parametrize(
        ("raw", "expected"),
        [
            ("Tue, 3 Mar 2026 10:00:00 +0100", datetime(2026, 3, 3, 9, 0, tzinfo=UTC)),
            ("3 Mar 2026 10:00 -0500", datetime(2026, 3, 3, 15, 0, tzinfo=UTC)),
            ("Tue, 3 Mar 2026 10:00:00 -0000", datetime(2026, 3, 3, 10, 0, tzinfo=UTC)),
            ("Tue, 03 Mar 26 10:00:00 GMT", datetime(2026, 3, 3, 10, 0, tzinfo=UTC)),
            ("Tue, 3 Mar 2026 10:00:00 +0100 (CET)", datetime(2026, 3, 3, 9, 0, tzinfo=UTC)),
            ("Tue, 3 Mar 2026 10:00:00", datetime(2026, 3, 3, 10, 0, tzinfo=UTC)),
        ],
    )
    def test_reads_dates_as_utc(self, raw: str, expected: datetime) -> None:
        """Dates in the usual layouts come out in UTC; an unknown zone counts as UTC."""
        assert parse_date(raw) == expected

    @pytest.mark.parametrize(
        "raw", ["", "yesterday", "Tue, 31 Feb 2026 10:00:00 +0100", "1 Foo 2026 10:00 +0000"]
    )
    def test_unreadable_dates_are_none(self, raw: str) -> None:
        """Impossible or unreadable dates give None rather than an exception."""
        assert parse_date(raw) is None

    @given(st.text(max_size=100))
    def test_never_raises_and_never_naive(self, raw: str) -> None:
        """Any value gives None or an aware UTC datetime."""
        found = parse_date(raw)
        assert found is None or found.tzinfo is UTC
