"""Finding the Sent and Drafts folders when the server does not flag them."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterable

    from daemon.ports import FolderInfo

#: RFC 6154 special-use attributes, in their canonical spelling.
SPECIAL_USES = frozenset(
    {"\\All", "\\Archive", "\\Drafts", "\\Flagged", "\\Junk", "\\Sent", "\\Trash"}
)
_CANONICAL = {use.lower(): use for use in SPECIAL_USES}

#: Names clients commonly give these folders, most usual first.
USUAL_NAMES: dict[str, tuple[str, ...]] = {
    "\\Sent": (
        "Sent",
        "Sent Items",
        "Sent Messages",
        "Sent Mail",
        "[Gmail]/Sent Mail",
        "[Google Mail]/Sent Mail",
        "Gesendet",
        "Gesendete Elemente",
        "Gesendete Objekte",
        "Envoyés",
        "Éléments envoyés",
        "Messages envoyés",
        "Enviados",
        "Elementos enviados",
        "Posta inviata",
        "Inviata",
        "Verzonden",
        "Verzonden items",
        "Skickat",
        "Wysłane",
    ),
    "\\Drafts": (
        "Drafts",
        "Draft",
        "[Gmail]/Drafts",
        "[Google Mail]/Drafts",
        "Entwürfe",
        "Brouillons",
        "Borradores",
        "Bozze",
        "Concepten",
        "Utkast",
        "Kopie robocze",
    ),
    "\\Trash": ("Trash", "Deleted Items", "Deleted Messages", "Papierkorb", "Corbeille"),
    "\\Junk": ("Junk", "Spam", "Junk E-mail", "Junk Email"),
    "\\Archive": ("Archive", "Archives", "Archiv"),
}


def canonical_use(flag: str) -> str | None:
    """The RFC 6154 spelling of a folder attribute, or None if it is no special use."""
    return _CANONICAL.get(flag.lower())


def pick_special(folders: Iterable[FolderInfo], use: str, separators: str = "/.") -> str | None:
    """The folder flagged `use`, else the first one with a usual name for it.

    A usual name also matches as the last level of a hierarchy
    ("INBOX.Sent"), since some servers keep every folder under INBOX.
    """
    listed = list(folders)
    wanted = canonical_use(use) or use
    for folder in listed:
        if wanted in folder.special_use:
            return folder.name
    by_name = {folder.name.casefold(): folder.name for folder in listed}
    by_leaf: dict[str, str] = {}
    for folder in listed:
        leaf = folder.name
        for separator in separators:
            leaf = leaf.rpartition(separator)[2]
        by_leaf.setdefault(leaf.casefold(), folder.name)
    for name in USUAL_NAMES.get(wanted, ()):
        found = by_name.get(name.casefold()) or by_leaf.get(name.casefold())
        if found is not None:
            return found
    return None
