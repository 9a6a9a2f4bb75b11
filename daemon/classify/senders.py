"""What an address says about who is behind it, before reading any text."""

from __future__ import annotations

import re
from functools import lru_cache

from daemon.classify.vocabulary import (
    ATS_BRANDS,
    FREEMAIL_LABELS,
    HR_LOCAL_TOKENS,
    NOREPLY_LOCAL,
    RESOURCE_LOCAL,
    SCHEDULER_BRANDS,
)

#: Second-level labels under which companies register (acme.co.uk).
_REGISTRABLE_LABELS = 2
_SECOND_LEVEL = frozenset({"co", "com", "ac", "org", "net", "gov", "edu", "gob"})
_LABEL_SPLIT = re.compile(r"[.\-_+]")
#: A bare addr-spec safe to put in a header: no spaces, quotes, commas or
#: control characters, exactly one @, a dotted domain.
_DELIVERABLE = re.compile(
    r"[A-Za-z0-9!#$%&'*/=?^_`{|}~.+-]{1,64}@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+"
)


@lru_cache(maxsize=65536)
def ats_brand(addr: str) -> str | None:
    """The applicant-tracking system an address belongs to, by its domain."""
    domain = addr.rpartition("@")[2]
    for label in _LABEL_SPLIT.split(domain):
        brand = ATS_BRANDS.get(label)
        if brand is not None:
            return brand
    return None


@lru_cache(maxsize=65536)
def scheduler_brand(addr: str) -> str | None:
    domain = addr.rpartition("@")[2]
    for label in _LABEL_SPLIT.split(domain):
        brand = SCHEDULER_BRANDS.get(label)
        if brand is not None:
            return brand
    return None


@lru_cache(maxsize=65536)
def is_noreply(addr: str) -> bool:
    """Nobody reads it: no-reply, notification, bounce, ATS or scheduler addresses."""
    local = addr.rpartition("@")[0]
    return (
        NOREPLY_LOCAL.search(local) is not None
        or RESOURCE_LOCAL.search(local) is not None
        or ats_brand(addr) is not None
        or scheduler_brand(addr) is not None
        or addr.rpartition("@")[2].startswith(("bounce", "bounces."))
    )


@lru_cache(maxsize=65536)
def is_freemail(addr: str) -> bool:
    return addr.rpartition("@")[2].split(".", 1)[0] in FREEMAIL_LABELS


@lru_cache(maxsize=65536)
def hr_local_part(addr: str) -> str | None:
    """The recruiting word of a role address such as careers@ or talent-team@."""
    local = addr.rpartition("@")[0]
    for token in _LABEL_SPLIT.split(local):
        if token in HR_LOCAL_TOKENS:
            return token
    return None


def is_deliverable(addr: str) -> bool:
    """`addr` can go into a To or Cc header without adding anything else."""
    return _DELIVERABLE.fullmatch(addr) is not None


def organisation(addr: str) -> str:
    """The registrable part of a domain, to tell one employer from another."""
    labels = addr.rpartition("@")[2].split(".")
    if labels[-1] == "test" or (len(labels) > _REGISTRABLE_LABELS and labels[-2] in _SECOND_LEVEL):
        return ".".join(labels[-3:])
    return ".".join(labels[-2:])
