"""A phrase pattern guarded by cheap substring anchors.

Most messages contain none of a category's words, and a substring test runs
in C while a large alternation walks every position of the text; checking
the anchors first keeps a planning pass over 100,000 threads fast.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Lexicon:
    """Phrases of one meaning, in lower case, EN/FR/DE/ES mixed.

    Every phrase the pattern can match must contain one of `anchors`.
    """

    anchors: tuple[str, ...]
    pattern: str
    compiled: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "compiled", re.compile(self.pattern))

    def search(self, text: str) -> re.Match[str] | None:
        for anchor in self.anchors:
            if anchor in text:
                return self.compiled.search(text)
        return None

    def finditer(self, text: str) -> list[re.Match[str]]:
        for anchor in self.anchors:
            if anchor in text:
                return list(self.compiled.finditer(text))
        return []


def lexicon(anchors: str, *alternatives: str) -> Lexicon:
    """Build a word-bounded alternation; `anchors` is space-separated."""
    body = "|".join(f"(?:{alternative})" for alternative in alternatives)
    return Lexicon(tuple(anchors.split()), rf"(?<![\w])(?:{body})(?![\w])")
