"""A phrase pattern guarded by cheap substring anchors.

Most messages contain none of a category's words, and a substring test runs
in C while a large alternation walks every position of the text; checking
the anchors first keeps a planning pass over 100,000 threads fast.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ahocorasick_rs import AhoCorasick, Implementation

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator
    from collections.abc import Set as AbstractSet


# Compared and hashed by identity: readings keep their matches by lexicon.
@dataclass(frozen=True, slots=True, eq=False)
class Lexicon:
    """Phrases of one meaning, in lower case, EN/FR/DE/ES mixed.

    Every phrase the pattern can match must contain one of `anchors`. The
    search methods take `found`, the anchors known to be in `text` (see
    `Anchors`), instead of looking for them again.
    """

    anchors: tuple[str, ...]
    pattern: str
    compiled: re.Pattern[str] = field(init=False, repr=False, compare=False)
    #: `anchors` again: two sets are compared without hashing every anchor.
    anchor_set: frozenset[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "compiled", re.compile(self.pattern))
        object.__setattr__(self, "anchor_set", frozenset(self.anchors))

    def search(self, text: str, found: AbstractSet[str] | None = None) -> re.Match[str] | None:
        return self.compiled.search(text) if self._anchored(text, found) else None

    def finditer(self, text: str, found: AbstractSet[str] | None = None) -> Iterator[re.Match[str]]:
        return self.compiled.finditer(text) if self._anchored(text, found) else iter(())

    def anchored_in(self, found: AbstractSet[str]) -> bool:
        """Whether a text holding the anchors `found` may match; False is certain."""
        return not found.isdisjoint(self.anchor_set)

    def _anchored(self, text: str, found: AbstractSet[str] | None) -> bool:
        if found is not None:
            return self.anchored_in(found)
        return any(map(text.__contains__, self.anchors))


class Anchors:
    """Which of many substrings occur in a text, found in one pass over it.

    A message is searched for some twenty lexicons of twenty anchors each;
    testing each anchor with `in` rescans the text hundreds of times, while
    an Aho-Corasick automaton reads it once.
    """

    def __init__(self, anchors: Iterable[str]) -> None:
        self._anchors = sorted(set(anchors))
        # A DFA takes longer to build, once, and then reads a text fastest.
        self._automaton = AhoCorasick(self._anchors, implementation=Implementation.DFA)

    def found(self, text: str) -> frozenset[str]:
        try:
            return frozenset(self._automaton.find_matches_as_strings(text, overlapping=True))
        except UnicodeEncodeError:
            # The automaton reads UTF-8, which a lone surrogate has no encoding in.
            return frozenset(anchor for anchor in self._anchors if anchor in text)


def lexicon(anchors: str, *alternatives: str) -> Lexicon:
    """Build a word-bounded alternation; `anchors` is space-separated."""
    body = "|".join(f"(?:{alternative})" for alternative in alternatives)
    return Lexicon(tuple(anchors.split()), rf"(?<![\w])(?:{body})(?![\w])")
