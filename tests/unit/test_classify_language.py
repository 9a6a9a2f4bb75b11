from __future__ import annotations

import pytest

from daemon.classify.language import detect_language


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Thank you for your application, we will get back to you with the next steps.", "en"),
        ("Bonjour Alice, merci pour votre candidature, nous revenons vers vous.", "fr"),
        ("Hallo Alice, vielen Dank für Ihre Bewerbung, wir melden uns bei Ihnen.", "de"),
        ("Hola Alice, gracias por tu candidatura, te escribimos con los próximos pasos.", "es"),
    ],
)
def test_detects_the_four_languages(text: str, language: str) -> None:
    """A short recruiting sentence is enough to tell the language."""
    assert detect_language(text) == language


@pytest.mark.parametrize("text", ["", "OK", "Grazie mille, a presto!", "12:00 👍"])
def test_thin_or_foreign_text_is_other(text: str) -> None:
    """Too little evidence, or another language, gives "other"."""
    assert detect_language(text) == "other"
