"""Which of the supported languages a text is written in, by stopword counts."""

from __future__ import annotations

import re

SUPPORTED = ("en", "fr", "de", "es")
OTHER = "other"

_WORD = re.compile(r"[a-zà-öø-ÿß']+")
#: Frequent words that are rare in the other three languages; words shared
#: by two of them ("de", "la", "die"...) would only blur the vote.


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_STOPWORDS: dict[str, frozenset[str]] = {
    "en": _words(
        "the and you your for with this that have are will would our we thank thanks "
        "please from about could be it is to of"
    ),
    "fr": _words(
        "le les des une vous votre nous notre pour avec est sur dans pas bonjour merci "
        "cordialement je suis au aux qui ce cette"
    ),
    "de": _words(
        "der die das und ich sie ihre ihnen wir uns nicht mit für ist ein eine einen "
        "zu auf bei vielen dank grüße hallo gerne noch"
    ),
    "es": _words(
        "el los las una para con por del tu su usted nosotros gracias hola saludos "
        "está muy como pero"
    ),
}
_LANGUAGE_OF = {word: language for language, words in _STOPWORDS.items() for word in words}
_MIN_VOTES = 2


def detect_language(text: str) -> str:
    """ "en", "fr", "de", "es", or "other" when the vote is too thin or tied."""
    counts = dict.fromkeys(SUPPORTED, 0)
    language_of = _LANGUAGE_OF.get
    for word in _WORD.findall(text.lower()):
        language = language_of(word)
        if language is not None:
            counts[language] += 1
    ranked = sorted(counts.items(), key=lambda item: item[1], reverse=True)
    (best, votes), (_, runner_up) = ranked[0], ranked[1]
    if votes < _MIN_VOTES or votes == runner_up:
        return OTHER
    return best
