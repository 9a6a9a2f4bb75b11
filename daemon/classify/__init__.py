"""Understanding recruiting threads: tracked or not, stage, roles, evidence.

Pure code: no I/O and no clock. `classify` describes a thread as of its
last message; `daemon.policy` adds `now` and decides what to do.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from daemon.classify.analysis import analyse
from daemon.classify.dates import parse_ooo_return_date
from daemon.classify.language import detect_language
from daemon.classify.prefilter import wants_body
from daemon.classify.wording import describe_participant
from daemon.domain import Overrides

if TYPE_CHECKING:
    from daemon.domain import Classification, Thread

__all__ = [
    "classify",
    "describe_participant",
    "detect_language",
    "parse_ooo_return_date",
    "wants_body",
]

_NO_OVERRIDES = Overrides()


def classify(
    thread: Thread, self_addresses: frozenset[str], overrides: Overrides = _NO_OVERRIDES
) -> Classification:
    """Whether `thread` is the user's recruiting, its stage, who is who, and why."""
    selves = frozenset(a.strip().lower() for a in self_addresses)
    return analyse(thread, selves, overrides).classification
