"""Anchors found in one pass, and lexicon searches that reuse them."""

from __future__ import annotations

import itertools
import re._constants as sre
import re._parser as sre_parse

import pytest
from hypothesis import given
from hypothesis import strategies as st

from daemon.classify import vocabulary as v
from daemon.classify.lexicon import Anchors, Lexicon, lexicon
from daemon.classify.text import normalize, own_text

GREETINGS = lexicon("hello bonjour", r"hello there", r"bonjour (?:à tous|alice)")
TEXTS = st.text(alphabet="abcdeghilnoprstu àé\n\udc80", max_size=60)


def test_found_lists_every_anchor_once_overlaps_included() -> None:
    """Overlapping and nested anchors are all found, whatever their order."""
    anchors = Anchors(["appl", "application", "cat", "ion", "zz"])
    assert anchors.found("your application, and another application") == {
        "appl",
        "application",
        "cat",
        "ion",
    }
    assert anchors.found("") == frozenset()


@given(TEXTS)
def test_found_is_the_anchors_in_the_text(text: str) -> None:
    """One pass finds what `in` finds, lone surrogates included."""
    words = ["ab", "bon", "jour", "é", "l\n", "\udc80a", "tu"]
    assert Anchors(words).found(text) == {word for word in words if word in text}


@given(TEXTS, st.sampled_from(["", " hello there", " bonjour alice", " hello"]))
def test_search_with_found_anchors_is_a_plain_search(text: str, phrase: str) -> None:
    """Handing over the anchors found changes nothing but the work done."""
    text += phrase
    found = Anchors(GREETINGS.anchors).found(text)
    assert GREETINGS.anchored_in(found) == any(anchor in text for anchor in GREETINGS.anchors)
    expected, actual = GREETINGS.search(text), GREETINGS.search(text, found)
    assert (actual and actual.span()) == (expected and expected.span())
    assert [m.span() for m in GREETINGS.finditer(text, found)] == [
        m.span() for m in GREETINGS.finditer(text)
    ]


def test_no_anchor_holds_white_space() -> None:
    """Readings rely on it: joining lines or clauses with a space adds no anchor."""
    lexicons = [value for value in vars(v).values() if isinstance(value, Lexicon)]
    anchors = {*v.CORE_STEMS, *(anchor for value in lexicons for anchor in value.anchors)}
    assert not [anchor for anchor in anchors if any(char.isspace() for char in anchor)]


def test_own_text_is_the_same_with_or_without_the_anchors() -> None:
    """The quote header is found either way; an uncut body is the body itself."""
    quoted = normalize("Thanks!\n\nOn Mon, 2 Nov 2026, Sam wrote:\n> Hi Alice\n")
    plain = normalize("Thanks, see you on Monday.")
    for body in (quoted, plain):
        assert own_text(body, v.ANCHORS.found(body)) == own_text(body)
    assert own_text(quoted) == "thanks!\n\n"
    assert own_text(plain, v.ANCHORS.found(plain)) is plain


# --- every phrase holds an anchor ------------------------------------------------------------

_MAX_STRINGS = 500
_MAX_REPEAT = 3


def _strings(items):
    """Every string a sequence of parsed items matches, when there are few; else None."""
    found = {""}
    for op, argument in items:
        node = _node_strings(op, argument)
        if node is None:
            return None
        found = {head + tail for head in found for tail in node}
        if len(found) > _MAX_STRINGS:
            return None
    return found


def _node_strings(op, argument):  # noqa: PLR0911
    if op is sre.LITERAL:
        return {chr(argument)}
    if op in {sre.AT, sre.ASSERT, sre.ASSERT_NOT}:
        return {""}
    if op is sre.SUBPATTERN:
        return _strings(argument[-1])
    if op is sre.BRANCH:
        branches = [_strings(branch) for branch in argument[1]]
        return None if None in branches else set().union(*branches)
    if op is sre.IN:
        if any(kind is not sre.LITERAL for kind, _ in argument):
            return None
        return {chr(code) for _, code in argument}
    if op is sre.MAX_REPEAT and argument[1] <= _MAX_REPEAT:
        inner = _strings(argument[2])
        if inner is None:
            return None
        return {
            "".join(parts)
            for count in range(argument[0], argument[1] + 1)
            for parts in itertools.product(inner, repeat=count)
        }
    return None


def _covered(items, anchors) -> bool:
    """Every match of the items holds an anchor, as a run of them or a required part shows."""
    runs: list[list] = [[]]
    for op, argument in items:
        if _node_strings(op, argument) is None:
            runs.append([])
        else:
            runs[-1].append((op, argument))
        if op is sre.BRANCH and all(_covered(branch, anchors) for branch in argument[1]):
            return True
        if op is sre.SUBPATTERN and _covered(argument[-1], anchors):
            return True
        # A repeat holds at least its first `min` copies, up to three of them.
        required = list(argument[2]) * min(argument[0], _MAX_REPEAT) if op is sre.MAX_REPEAT else []
        if required and _covered(required, anchors):
            return True
    for run in runs:
        strings = _strings(run)
        if strings and all(any(anchor in string for anchor in anchors) for string in strings):
            return True
    return False


def _lexicons() -> list[str]:
    return sorted(name for name, value in vars(v).items() if isinstance(value, Lexicon))


@pytest.mark.parametrize("name", _lexicons())
def test_every_phrase_holds_an_anchor(name: str) -> None:
    """What a lexicon matches always holds an anchor, so the anchors may gate it."""
    lexicon_ = getattr(v, name)
    assert _covered(sre_parse.parse(lexicon_.pattern), lexicon_.anchors)
