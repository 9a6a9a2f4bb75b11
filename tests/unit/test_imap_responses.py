"""Reading FETCH responses as imaplib hands them over, and planning body fetches."""

from __future__ import annotations

import contextlib
import io
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from daemon.mail.imap_responses import (
    MAX_LITERAL,
    Head,
    Leaf,
    Plan,
    ResponseError,
    compress_uids,
    expand_uids,
    fetch_items,
    file_response,
    internaldate,
    parse_response,
    plan_from_header,
    plan_parts,
    read_flags,
    read_parts,
    read_responses,
)

HEADER = b"Subject: hi\r\nFrom: a@x.test\r\n\r\n"


def fetches(wire: bytes) -> list[list[object]]:
    """The FETCH responses in what a server sent, as the adapter reads them."""
    stream = io.BytesIO(wire + b"T1 OK done\r\n")
    done = read_responses(stream.readline, stream.read, b"T1")
    return [pieces for name, pieces in done.responses if name == "FETCH"]


def head_response(attributes: bytes, header: bytes = HEADER, tail: bytes = b")") -> list[object]:
    prefix = b"* 7 FETCH (" + attributes + b" BODY[HEADER.FIELDS (SUBJECT FROM)] {%d}" % len(header)
    (response,) = fetches(prefix + b"\r\n" + header + tail + b"\r\n")
    return response


class TestReadResponses:
    def test_pieces_are_imaplibs(self) -> None:
        """Lines lose CRLF and "* n FETCH"; literals follow the line announcing them."""
        wire = b"* 1 FETCH (UID 5 BODY[1] {3}\r\nabc BODY[2] {0}\r\n)\r\n* 2 FETCH (UID 6)\r\n"
        assert fetches(wire) == [
            [b"1 (UID 5 BODY[1] {3}", b"abc", b" BODY[2] {0}", b"", b")"],
            [b"2 (UID 6)"],
        ]

    def test_other_responses_and_the_completion(self) -> None:
        """Untagged responses keep their names; the tagged line gives status and text."""
        wire = (
            b"* VANISHED (EARLIER) 3:4\r\n* 9 EXISTS\r\n* OK [HIGHESTMODSEQ 7] x\r\n"
            b"T0 OK not mine\r\nT1 NO [SERVERBUG] broken\r\n"
        )
        stream = io.BytesIO(wire)
        with pytest.raises(ResponseError):
            # Another command's completion is no response to this one.
            read_responses(stream.readline, stream.read, b"T1")
        stream = io.BytesIO(wire.replace(b"T0 OK not mine\r\n", b""))
        done = read_responses(stream.readline, stream.read, b"T1")
        assert done.status == "NO"
        assert done.text == b"[SERVERBUG] broken"
        assert done.responses == [
            ("VANISHED", [b"(EARLIER) 3:4"]),
            ("EXISTS", [b"9"]),
            ("OK", [b"[HIGHESTMODSEQ 7] x"]),
        ]

    @pytest.mark.parametrize(
        "wire",
        [
            b"",
            b"* 1 FETCH (UID 5)",
            b"* 1 FETCH (UID 5 BODY[] {10}\r\nshort",
            b"+ go ahead\r\n",
            b"garbage\r\n",
        ],
    )
    def test_broken_input_raises_response_error(self, wire: bytes) -> None:
        """End of input, cut lines and literals and non-IMAP lines raise ResponseError."""
        stream = io.BytesIO(wire)
        with pytest.raises(ResponseError):
            read_responses(stream.readline, stream.read, b"T1")

    def test_an_oversized_literal_is_refused_unread(self) -> None:
        """The announced size is checked before anything is read or allocated."""
        wire = b"* 1 FETCH (UID 5 BODY[] {%d}\r\n" % (MAX_LITERAL + 1)
        stream = io.BytesIO(wire + b"x" * 100)
        asked: list[int] = []

        def read(size: int) -> bytes:
            asked.append(size)
            return stream.read(size)

        with pytest.raises(ResponseError, match="over the"):
            read_responses(stream.readline, read, b"T1")
        assert asked == []

    def test_a_literal_at_the_limit_is_read(self) -> None:
        wire = b"* 1 FETCH (UID 5 BODY[] {%d}\r\n" % MAX_LITERAL
        body = b"x" * MAX_LITERAL
        (response,) = fetches(wire + body + b")\r\n")
        assert len(response[1]) == MAX_LITERAL

    @given(st.binary(max_size=300))
    def test_arbitrary_input_raises_only_response_error(self, wire: bytes) -> None:
        """Whatever a server sends either reads or raises ResponseError."""
        stream = io.BytesIO(wire)
        with contextlib.suppress(ResponseError):
            read_responses(stream.readline, stream.read, b"T1")


class TestParseResponse:
    def test_reads_nested_lists_strings_literals_and_nil(self) -> None:
        """Atoms, quoted strings with escapes, NIL, literals and nesting all read back."""
        (pieces,) = fetches(b'* 1 FETCH (UID 5 X ("a\\"b" NIL) BODY[1]<0> {3}\r\nabc Y 2)\r\n')
        assert parse_response(pieces) == [
            b"1",
            [b"UID", b"5", b"X", [b'a"b', None], b"BODY[1]<0>", b"abc", b"Y", b"2"],
        ]

    def test_two_literals_in_one_response(self) -> None:
        """A response with two literals is one response, not two."""
        responses = fetches(
            b"* 1 FETCH (UID 5 BODY[1] {1}\r\nx BODY[2] {1}\r\ny)\r\n* 2 FETCH (UID 6)\r\n"
        )
        assert len(responses) == 2
        assert fetch_items(responses[0])[1][b"BODY[2]"] == b"y"

    def test_body_part_shortcut_agrees_with_the_parser(self) -> None:
        """A one-literal body-part response reads as the general parser reads it."""
        (pieces,) = fetches(b"* 1 FETCH (UID 5 body[1.2]<0> {3}\r\nabc)\r\n")
        assert parse_response(pieces) == [b"1", [b"UID", b"5", b"body[1.2]<0>", b"abc"]]
        assert fetch_items(pieces) == (5, {b"UID": b"5", b"BODY[1.2]<0>": b"abc"})

    @pytest.mark.parametrize("text", [b"1 (UID 5", b"1 UID 5)", b'1 (UID "open)'])
    def test_malformed_responses_raise_response_error(self, text: bytes) -> None:
        """Unbalanced or unterminated text raises ResponseError, nothing else."""
        with pytest.raises(ResponseError):
            fetch_items([text])

    def test_fetch_without_uid_is_an_error(self) -> None:
        """A FETCH response must carry its UID."""
        with pytest.raises(ResponseError):
            fetch_items([b"1 (FLAGS ())"])

    @given(st.binary(max_size=300))
    def test_arbitrary_text_raises_only_response_error(self, text: bytes) -> None:
        """Garbage either parses or raises ResponseError."""
        with contextlib.suppress(ResponseError):
            fetch_items([text])

    @given(
        st.recursive(
            st.one_of(
                st.none(),
                st.binary(min_size=1, max_size=20).filter(lambda b: b.isalnum()),
                st.binary(max_size=20).map(lambda b: ("q", b)),
                st.binary(max_size=20).map(lambda b: ("lit", b)),
            ),
            lambda children: st.lists(children, max_size=5),
            max_leaves=20,
        )
    )
    def test_round_trips_generated_s_expressions(self, value: object) -> None:
        """What a server could send reads back as the same structure."""
        wire = bytearray(b"* 1 FETCH ")
        text = bytearray()

        def emit(item: object) -> object:
            if item is None:
                text.extend(b"NIL ")
                return None
            if isinstance(item, list):
                text.extend(b"(")
                out = [emit(child) for child in item]
                text.extend(b") ")
                return out
            if isinstance(item, tuple) and item[0] == "q":
                escaped = item[1].replace(b"\\", b"\\\\").replace(b'"', b'\\"')
                if b"\r" in escaped or b"\n" in escaped:
                    escaped = escaped.replace(b"\r", b"").replace(b"\n", b"")
                text.extend(b'"' + escaped + b'" ')
                return escaped.replace(b'\\"', b'"').replace(b"\\\\", b"\\")
            if isinstance(item, tuple):
                text.extend(b"{%d}\r\n" % len(item[1]))
                wire.extend(text + item[1])
                text.clear()
                text.extend(b" ")
                return item[1]
            assert isinstance(item, bytes)
            if item.upper() == b"NIL":
                text.extend(b"NIL ")
                return None
            text.extend(item + b" ")
            return item

        expected = emit([value])
        (grouped,) = fetches(bytes(wire + text + b"\r\n"))
        assert parse_response(grouped) == [b"1", expected]


def read_head(pieces: list[object]) -> Head | None:
    """The head `file_response` files from one response, if any."""
    heads: dict[int, Head] = {}
    parts: dict[int, dict[bytes, object]] = {}
    assert file_response(pieces, heads, parts)
    assert len(heads) + len(parts) == 1
    return next(iter(heads.values()), None)


class TestFileResponse:
    def test_fast_path(self) -> None:
        """The usual header response yields uid, header, flags and date."""
        head = read_head(
            head_response(
                b'UID 42 FLAGS (\\Seen \\Recent $Label) INTERNALDATE "03-Mar-2026 10:00:00 +0100"'
            )
        )
        assert head is not None
        assert head.uid == 42
        assert head.header == HEADER
        assert head.flags == {"\\Seen", "$Label"}
        assert head.internaldate == datetime(2026, 3, 3, 9, 0, tzinfo=UTC)

    def test_items_after_the_literal_and_gmail_thread_id(self) -> None:
        """Items the server puts after the header still count; X-GM-THRID is injected."""
        head = read_head(head_response(b"X-GM-THRID 99 FLAGS ()", tail=b" UID 42)"))
        assert head is not None
        assert head.uid == 42
        assert head.header == b"X-GM-THRID: 99\r\n" + HEADER

    def test_general_parser_takes_unusual_shapes(self) -> None:
        """A header sent as a quoted string goes through the general parser."""
        head = read_head(
            [b'7 (UID 42 FLAGS () BODY[HEADER.FIELDS (SUBJECT)] "Subject: x\r\n\r\n")']
        )
        assert head is not None
        assert head.uid == 42
        assert head.header == b"Subject: x\r\n\r\n"

    def test_other_responses_add_parts_by_uid(self) -> None:
        """Body parts and unsolicited FLAGS are no header: their items join their UID's."""
        heads: dict[int, Head] = {}
        parts: dict[int, dict[bytes, object]] = {}
        (body,) = fetches(b"* 7 FETCH (UID 42 BODY[1]<0> {2}\r\nhi)\r\n")
        for pieces in (body, [b"7 (UID 42 FLAGS (\\Seen))"]):
            assert file_response(pieces, heads, parts)
        assert not heads
        assert parts == {42: {b"UID": b"42", b"BODY[1]<0>": b"hi", b"FLAGS": [b"\\Seen"]}}

    def test_a_header_that_is_nil_or_garbage_is_unreadable(self) -> None:
        """A response that cannot be read is reported, not filed."""
        heads: dict[int, Head] = {}
        parts: dict[int, dict[bytes, object]] = {}
        assert not file_response([b"7 (UID 42 BODY[HEADER.FIELDS (SUBJECT)] NIL)"], heads, parts)
        assert not file_response([b"7 (UID 42"], heads, parts)
        assert not heads
        assert not parts

    def test_read_flags(self) -> None:
        """FLAGS responses give uid and flags, dropping \\Recent."""
        assert read_flags([b"3 (UID 9 FLAGS (\\Seen \\Recent) MODSEQ (12))"]) == (
            9,
            frozenset({"\\Seen"}),
        )
        assert read_flags([b"3 (UID 9 MODSEQ (12))"]) is None


class TestInternaldate:
    @pytest.mark.parametrize(
        ("raw", "expected"),
        [
            (b"03-Mar-2026 10:00:00 +0100", datetime(2026, 3, 3, 9, 0, tzinfo=UTC)),
            (b" 3-Mar-2026 10:00:00 -0130", datetime(2026, 3, 3, 11, 30, tzinfo=UTC)),
            (b"31-Feb-2026 10:00:00 +0000", None),
            (b"03-Foo-2026 10:00:00 +0000", None),
            (b"garbage", None),
        ],
    )
    def test_reads_internaldate(self, raw: bytes, expected: datetime | None) -> None:
        """INTERNALDATE values become UTC; malformed ones None."""
        assert internaldate(raw) == expected


class TestUidSets:
    def test_compress_folds_runs(self) -> None:
        """Consecutive UIDs fold into ranges."""
        assert compress_uids([7, 1, 2, 3, 5, 6, 9]) == "1:3,5:7,9"

    @given(st.sets(st.integers(min_value=1, max_value=5000), max_size=200))
    def test_compress_and_expand_round_trip(self, uids: set[int]) -> None:
        """Expanding a compressed set gives the same UIDs."""
        assert set(expand_uids(compress_uids(uids).encode(), 5000)) == uids

    def test_expand_is_bounded_and_reads_vanished_lines(self) -> None:
        """A hostile range stops at the bound; VANISHED (EARLIER) lines read too."""
        assert expand_uids(b"1:4294967295", 3) == [1, 2, 3]
        assert expand_uids(b"(EARLIER) 4,2:3", 10) == [4, 2, 3]
        assert expand_uids(b"junk", 10) == []


def leaf(
    kind: str, sub: str, *, params: list[bytes] | None = None, encoding: str = "7bit"
) -> list[object]:
    fields: list[object] = [
        kind.encode(),
        sub.encode(),
        params,
        None,
        None,
        encoding.encode(),
        b"120",
    ]
    if kind == "text":
        fields.append(b"4")
    return fields


def attached(part: list[object], filename: bytes) -> list[object]:
    offset = 9 if part[0] == b"text" else 8
    return [*part, *([None] * (offset - len(part))), [b"attachment", [b"filename", filename]]]


class TestPlanParts:
    def test_single_part_is_section_one(self) -> None:
        """A non-multipart message's body is part 1, with its charset and encoding."""
        plan = plan_parts(leaf("text", "plain", params=[b"charset", b"utf-8"], encoding="base64"))
        assert plan == Plan(Leaf("1", "text/plain", "base64", "utf-8", 120), ())

    def test_nested_alternative_and_calendars(self) -> None:
        """Plain text inside mixed/alternative is 1.1; calendars are found anywhere."""
        structure = [
            [leaf("text", "plain"), leaf("text", "html"), leaf("text", "calendar"), b"alternative"],
            attached(leaf("application", "ics"), b"invite.ics"),
            attached(leaf("application", "octet-stream"), b"meeting.ICS"),
            attached(leaf("application", "pdf"), b"cv.pdf"),
            b"mixed",
        ]
        plan = plan_parts(structure)
        assert plan.text is not None
        assert plan.text.section == "1.1"
        assert [c.section for c in plan.calendars] == ["1.3", "2", "3"]
        assert plan.items() == (
            "BODY.PEEK[1.1]<0.12288>",
            "BODY.PEEK[1.3]",
            "BODY.PEEK[2]",
            "BODY.PEEK[3]",
        )

    def test_html_is_the_fallback_and_attachments_are_skipped(self) -> None:
        """Attached text is never the body; HTML stands in when there is no plain part."""
        structure = [attached(leaf("text", "plain"), b"notes.txt"), leaf("text", "html"), b"mixed"]
        plan = plan_parts(structure)
        assert plan.text == Leaf("2", "text/html", "7bit", None, 120)
        assert plan.items() == ("BODY.PEEK[2]<0.65536>",)

    def test_forwarded_messages_are_not_entered(self) -> None:
        """A message/rfc822 part's text belongs to someone else."""
        inner = [
            b"message",
            b"rfc822",
            None,
            None,
            None,
            b"7bit",
            b"500",
            None,
            leaf("text", "plain"),
        ]
        assert plan_parts([inner, leaf("image", "png"), b"mixed"]) == Plan(None, ())

    @given(st.recursive(st.none() | st.binary(max_size=8), lambda c: st.lists(c, max_size=6)))
    def test_never_raises_on_odd_structures(self, structure: object) -> None:
        """Any shape of structure gives a plan."""
        assert isinstance(plan_parts(structure), Plan)

    @pytest.mark.parametrize(
        ("header", "expected"),
        [
            (b"Subject: x\r\n", Plan(Leaf("1", "text/plain", "7bit", None, 0), ())),
            (
                (
                    b'Content-Type: text/HTML;\r\n charset="ISO-8859-1"\r\n'
                    b"Content-Transfer-Encoding: Quoted-Printable\r\n"
                ),
                Plan(Leaf("1", "text/html", "quoted-printable", "ISO-8859-1", 0), ()),
            ),
            (b"Content-Type: application/pdf\r\n", Plan(None, ())),
            (b"Content-Type: multipart/mixed; boundary=x\r\n", None),
            (b"Content-Type: text/calendar\r\n", None),
        ],
    )
    def test_plan_from_header(self, header: bytes, expected: Plan | None) -> None:
        """Single-part messages are planned from their header; others need BODYSTRUCTURE."""
        assert plan_from_header(header) == expected

    def test_read_parts_decodes_text_and_calendars(self) -> None:
        """Fetched sections are decoded by their leaf's encoding and charset."""
        plan = Plan(
            Leaf("1", "text/html", "quoted-printable", "utf-8", 0),
            (Leaf("2", "calendar", "base64", None, 0),),
        )
        items = {b"BODY[1]<0>": b"<p>caf=C3=A9</p>", b"BODY[2]": b"QkVHSU46VkNBTEVOREFS"}
        assert read_parts(plan, items) == ("café", (b"BEGIN:VCALENDAR",))
        assert read_parts(plan, {}) == (None, ())
