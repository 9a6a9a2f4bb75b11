"""Reading a message body: its own words, without the quoted conversation."""

from __future__ import annotations

from typing import TYPE_CHECKING

from daemon.classify.vocabulary import QUOTE_HEADER, SIGN_OFF

if TYPE_CHECKING:
    from collections.abc import Set as AbstractSet

_FOLD = str.maketrans({"\u2019": "'", "\u2018": "'", "\u00a0": " ", "\u202f": " ", "\r": ""})
_FOLDED = ("\u2019", "\u2018", "\u00a0", "\u202f", "\r")
#: Signature lines are short; a long line is prose even if it names a title.
MAX_SIGNATURE_LINE = 80
_SIGNATURE_LINES = 6


def normalize(text: str) -> str:
    """Lower-case and fold typographic apostrophes and spaces, once per text."""
    lowered = text.lower()
    for char in _FOLDED:
        if char in lowered:
            return lowered.translate(_FOLD)
    return lowered


def own_text(normalized: str, found: AbstractSet[str] | None = None) -> str:
    """The part of a normalized body its sender wrote: no quotes, no history.

    `found` holds the anchors in `normalized` when they are known (see
    `daemon.classify.lexicon.Anchors`). The body itself is returned when
    nothing is cut.
    """
    match = QUOTE_HEADER.search(normalized, found)
    if match is not None:
        normalized = normalized[: match.start()]
    if ">" not in normalized:
        return normalized
    return "\n".join(line for line in normalized.split("\n") if not line.startswith(">"))


def signature_lines(own: str) -> list[str]:
    """Lines that can hold the sender's title: after the sign-off, else the last few."""
    lines = [line.strip() for line in own.split("\n")]
    lines = [line for line in lines if line]
    for index in range(len(lines) - 1, max(-1, len(lines) - 12), -1):
        if SIGN_OFF.match(lines[index]):
            return [
                line
                for line in lines[index + 1 : index + 1 + _SIGNATURE_LINES]
                if len(line) <= MAX_SIGNATURE_LINE
            ]
    return [line for line in lines[-4:] if len(line) <= MAX_SIGNATURE_LINE]


def first_name(display_name: str) -> str:
    """The given name to greet or mention someone by; empty when unknown."""
    name = display_name.strip()
    if "," in name:
        # "Raman, Priya" is the directory form of "Priya Raman".
        name = name.split(",", 1)[1].strip()
    parts = name.split()
    return parts[0] if parts else ""


def clause_after(text: str, end: int, limit: int = 60) -> str:
    """Text that follows a mention up to the end of its clause.

    A comma right after the name opens an apposition ("Priya, our Head of
    Data, ...") that runs to the next comma; any other comma ends the clause.
    """
    window = text[end : end + limit]
    for stop in (".", ";", "\n", "!", "?", " and ", " et ", " und ", " y "):
        cut = window.find(stop)
        if cut != -1:
            window = window[:cut]
    if window.startswith(","):
        return window[1:].split(",", 1)[0]
    return window.split(",", 1)[0]


def clause_before(text: str, start: int, limit: int = 40) -> str:
    """Text that precedes a mention back to the start of its clause."""
    # A comma right before the name ends an apposition ("our Engineering
    # Manager, Tom Hardy"), so it belongs to the clause.
    window = text[max(0, start - limit) : start].rstrip(", ")
    for stop in (".", ";", "\n", "!", "?", ",", " and ", " et ", " und ", " y "):
        cut = window.rfind(stop)
        if cut != -1:
            window = window[cut + len(stop) :]
    return window


def original_line(body: str, normalized_line: str) -> str:
    """A line as its sender wrote it, for showing; lower-cased when not found."""
    # Signatures close the message, so the search starts from the end.
    for line in reversed(body.splitlines()):
        if normalize(line.strip()) == normalized_line:
            return line.strip()
    return normalized_line
