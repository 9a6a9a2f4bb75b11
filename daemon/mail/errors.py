"""Errors the mailbox adapters raise beyond the usual I/O ones."""

from __future__ import annotations


class InsecureConnectionError(ValueError):
    """Plaintext was asked for towards a host that is not this machine."""


class FolderGoneError(LookupError):
    """The folder does not exist (any more), e.g. it was deleted during a sync."""

    def __init__(self, folder: str) -> None:
        super().__init__(f"folder {folder!r} does not exist")
        self.folder = folder
