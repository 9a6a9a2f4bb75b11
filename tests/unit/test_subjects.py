"""Subject normalization: reply/forward markers, gateway tags, reply subjects."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from daemon.subjects import has_reply_prefix, normalize_subject, reply_subject, subject_key

MARKERS = [
    "Re:",
    "RE:",
    "re:",
    "Re[2]:",
    "Re(3):",
    "Re^2:",
    "RE :",
    "Fwd:",
    "FWD:",
    "Fw:",
    "FW:",
    "AW:",
    "WG:",
    "TR:",
    "SV:",
    "VS:",
    "RV:",
    "RES:",
    "ENC:",
    "Antw:",
    "Odp:",
    "Vs:",
    "R:",
    "I:",
    "YNT:",
    "ΑΠ:",
    "回复:",
    "回复\uff1a",
    "转发:",
    "答复\uff1a",
    "返信:",
]


@pytest.mark.parametrize("marker", MARKERS)
def test_each_marker_is_stripped(marker: str) -> None:
    """Every known reply or forward marker is removed and recognised as one."""
    subject = f"{marker} Interview next week"
    assert normalize_subject(subject) == "Interview next week"
    assert has_reply_prefix(subject)


def test_stacked_markers_without_spaces_are_all_stripped() -> None:
    """Mixed-language chains such as 'RE:AW: Fwd:' collapse to the topic."""
    assert normalize_subject("RE:AW: Fwd:  Re[4]:TR: Offer") == "Offer"


def test_original_case_and_inner_text_are_kept() -> None:
    """Only leading markers go: case and later 'Re:' inside the topic stay."""
    assert normalize_subject("Re: Senior ENGINEER role, Re: your mail") == (
        "Senior ENGINEER role, Re: your mail"
    )


def test_words_that_merely_start_like_markers_are_kept() -> None:
    """'Resume', 'Trial', 'Regarding:' and 'Info' are not markers."""
    for subject in ("Resume attached", "Trial day", "Regarding: the role", "Info: start date"):
        assert normalize_subject(subject) == subject
        assert not has_reply_prefix(subject)


def test_whitespace_and_control_characters_collapse_to_single_spaces() -> None:
    """Folded headers, tabs and stray CR/LF become single spaces."""
    assert normalize_subject("  Re:\r\n\tPhone\x00 screen \r\nBcc: x@example.test ") == (
        "Phone screen Bcc: x@example.test"
    )


@pytest.mark.parametrize(
    "tag", ["[EXTERNAL]", "[External Sender]", "[EXT]", "*EXTERNAL*", "[CAUTION: External]"]
)
def test_gateway_tags_are_stripped_anywhere_in_the_prefix(tag: str) -> None:
    """Security-gateway markers vanish before and after reply markers."""
    assert normalize_subject(f"{tag} RE: Interview") == "Interview"
    assert normalize_subject(f"RE: {tag} Interview") == "Interview"
    assert normalize_subject(f"{tag} Interview") == "Interview"


def test_other_bracket_tags_are_kept_but_markers_behind_them_go() -> None:
    """'[Acme] Re: x' equals '[Acme] x' and 'Re: [Acme] x': the tag is part of the topic."""
    assert normalize_subject("[Acme Careers] Application received") == (
        "[Acme Careers] Application received"
    )
    assert normalize_subject("[Acme Careers] Re: Application received") == (
        "[Acme Careers] Application received"
    )
    assert normalize_subject("Re: [Acme Careers] Re: Application received") == (
        "[Acme Careers] Application received"
    )
    assert not has_reply_prefix("[Acme Careers] Application received")


def test_subject_key_ignores_case_width_and_markers() -> None:
    """Keys match across clients that change case or use full-width forms."""
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in "Wednesday")
    assert subject_key(f"AW: INTERVIEW {full_width}") == subject_key("interview wednesday")


def test_reply_subject_adds_exactly_one_re() -> None:
    """A reply to 'RE: AW: x' is 'Re: x'; to an empty subject it is a bare 'Re:'."""
    assert reply_subject("RE: AW: Next steps") == "Re: Next steps"
    assert reply_subject("Next steps") == "Re: Next steps"
    assert reply_subject("") == "Re:"
    assert reply_subject("Re:") == "Re:"


subjects = st.lists(
    st.one_of(
        st.sampled_from([*MARKERS, "[EXTERNAL]", "[Acme]", " ", "\r\n", "\t"]),
        st.text(max_size=12),
    ),
    max_size=8,
).map("".join)


@given(subjects)
def test_normalize_subject_is_idempotent(subject: str) -> None:
    """Normalizing twice gives the same result as normalizing once."""
    once = normalize_subject(subject)
    assert normalize_subject(once) == once
    assert not has_reply_prefix(once)


@given(subjects)
def test_reply_subject_never_stacks_re(subject: str) -> None:
    """reply_subject never yields 'Re: Re:' and is stable when applied again."""
    reply = reply_subject(subject)
    assert not reply.startswith("Re: Re:")
    assert normalize_subject(reply) == normalize_subject(subject)
    assert reply_subject(reply) == reply


@given(subjects)
def test_results_never_contain_line_breaks(subject: str) -> None:
    """No CR, LF or other control character survives into a reply subject."""
    reply = reply_subject(subject)
    assert not any(ord(c) < 0x20 or 0x7F <= ord(c) < 0xA0 for c in reply)
    assert len(reply.splitlines()) <= 1
