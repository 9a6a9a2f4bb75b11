"""Finding Sent and Drafts by special-use flag or by the names clients use."""

from __future__ import annotations

from daemon.mail.folders import canonical_use, pick_special
from daemon.ports import FolderInfo


def folders(*names: str, **flagged: str) -> list[FolderInfo]:
    listed = [FolderInfo(name) for name in names]
    listed += [FolderInfo(name, frozenset({use})) for use, name in flagged.items()]
    return listed


def test_special_use_flag_wins_over_names() -> None:
    """A folder flagged \\Sent is chosen even when another is called Sent."""
    listed = [FolderInfo("Sent"), FolderInfo("Outbox copies", frozenset({"\\Sent"}))]
    assert pick_special(listed, "\\Sent") == "Outbox copies"


def test_usual_names_in_several_languages() -> None:
    """Localised and Gmail names are recognised, case-insensitively."""
    assert pick_special(folders("INBOX", "Gesendete Elemente"), "\\Sent") == "Gesendete Elemente"
    assert pick_special(folders("INBOX", "[Gmail]/Drafts"), "\\Drafts") == "[Gmail]/Drafts"
    assert pick_special(folders("INBOX", "brouillons"), "\\drafts") == "brouillons"
    assert pick_special(folders("INBOX", "Envoyés"), "\\Sent") == "Envoyés"


def test_names_under_inbox_match_by_last_level() -> None:
    """Servers that nest everything under INBOX still have their Sent found."""
    assert pick_special(folders("INBOX", "INBOX.Sent Items"), "\\Sent") == "INBOX.Sent Items"


def test_nothing_suitable_gives_none() -> None:
    """Without a flag or a usual name there is no answer."""
    assert pick_special(folders("INBOX", "Archive 2020"), "\\Sent") is None
    assert pick_special(folders("INBOX"), "\\Unknown") is None


def test_canonical_use() -> None:
    """Attributes are spelled as RFC 6154 does; others are no special use."""
    assert canonical_use("\\SENT") == "\\Sent"
    assert canonical_use("\\HasNoChildren") is None
