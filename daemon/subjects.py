"""Subject lines reduced to the topic they name, for threading and replies.

Mail clients prepend reply and forward markers in the user's language
("Re:", "AW:", "TR:", "SV:", "回复", ...), sometimes with counters ("Re[2]:")
and sometimes stacked. Security gateways add markers such as "[EXTERNAL]" to
mail arriving from outside, so the two sides of one conversation see
different subjects. Both are noise for deciding whether two messages discuss
the same thing.

Other bracketed tags ("[Acme Careers]", "[python-dev]", "[Req 4711]") are
kept: they are often the only part that tells two automated mails apart, and
both sides of a conversation see them. When such a tag stands in front of a
reply marker ("[list] Re: topic"), the marker is still removed, so the
result equals the original "[list] topic".
"""

from __future__ import annotations

import functools
import re
import unicodedata
from typing import NamedTuple

# Single letters ("R", "I") are Italian Outlook's reply and forward markers;
# they only count when followed by a colon, which ordinary subjects rarely are.
_MARKERS = (
    "re|fwd?|aw|wg|antw|doorst|tr|sv|vs|vb|vl|fs|rv|res|enc|odp|pd|rif|r|i"
    "|ynt|ilt|İlt|ats|pers|atb|yml|bls|trs|vá|továbbítás|отв|пересл|відп"
    "|απ|σχετ|πρθ|השב|הועבר|رد"
    "|回复|回覆|答复|答覆|转发|轉寄|轉發|返信|転送|회신|전달"
)
_REPLY_MARKER = re.compile(
    rf"(?:{_MARKERS})\s*(?:\[\d+\]|\(\d+\)|\^\d+)?\s*[:\uff1a]\s*",
    re.IGNORECASE,
)
_GATEWAY_TAG = re.compile(
    r"(?:\[|\*{1,3})\s*"
    r"(?:external|extern|externe|externo|esterno|ext|caution|warning"
    r"|spam|suspected\s+spam|possible\s+spam|suspicious)"
    r"\b[^\[\]*]*(?:\]|\*{1,3})\s*",
    re.IGNORECASE,
)
_OTHER_TAG = re.compile(r"\[[^\[\]]{1,60}\]\s*")


class _Parsed(NamedTuple):
    topic: str
    had_marker: bool


def _clean_whitespace(subject: str) -> str:
    # Control characters (CR, LF, NUL, ...) become spaces so that nothing
    # derived from a subject can ever carry a header break. Most subjects
    # are printable, and the per-character scan is the slow part of a sync.
    if not subject.isprintable():
        subject = "".join(" " if unicodedata.category(c) == "Cc" else c for c in subject)
    return " ".join(subject.split())


# Subjects repeat across a conversation and its folders; threading, listing
# and composing ask about the same few thousand strings again and again.
@functools.lru_cache(maxsize=16384)
def _parse(subject: str) -> _Parsed:
    rest = _clean_whitespace(subject)
    kept_tags: list[str] = []
    seen_tags: set[str] = set()
    had_marker = False
    while rest:
        if marker := _REPLY_MARKER.match(rest):
            had_marker = True
            rest = rest[marker.end() :]
        elif gateway := _GATEWAY_TAG.match(rest):
            rest = rest[gateway.end() :]
        elif tag := _OTHER_TAG.match(rest):
            text = tag.group().strip()
            if text.casefold() not in seen_tags:
                seen_tags.add(text.casefold())
                kept_tags.append(text)
            rest = rest[tag.end() :]
        else:
            break
    return _Parsed(" ".join([*kept_tags, rest]).strip(), had_marker)


def normalize_subject(subject: str) -> str:
    """The subject without reply/forward markers or gateway tags, spaces collapsed."""
    return _parse(subject).topic


def has_reply_prefix(subject: str) -> bool:
    """Whether the subject carries a reply or forward marker in front of its topic."""
    return _parse(subject).had_marker


def subject_key(subject: str) -> str:
    """The normalized subject in a form fit for equality tests across clients."""
    return unicodedata.normalize("NFKC", normalize_subject(subject)).casefold()


def reply_subject(subject: str) -> str:
    """The subject for a reply: exactly one "Re:" in front of the topic.

    An empty topic yields a bare "Re:", which is what common clients send
    when replying to a message without a subject.
    """
    topic = normalize_subject(subject)
    return f"Re: {topic}" if topic else "Re:"
