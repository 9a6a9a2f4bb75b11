"""How evidence and reasons name people and days, in plain English."""

from __future__ import annotations

from typing import TYPE_CHECKING

from daemon.domain import Role

if TYPE_CHECKING:
    from datetime import date, datetime

    from daemon.domain import Address, Participant

# Month names are spelled out here rather than with strftime("%b"), which
# follows the process locale.
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

ROLE_LABELS = {
    Role.SELF: "you",
    Role.HR: "HR",
    Role.HIRING_MANAGER: "hiring manager",
    Role.NOREPLY: "no-reply sender",
    Role.OTHER: "other participant",
}


def short_date(moment: datetime | date) -> str:
    """ "13 Nov": enough to find the message in a thread."""
    return f"{moment.day} {_MONTHS[moment.month - 1]}"


def who(address: Address) -> str:
    return address.name or address.addr


def describe_participant(participant: Participant) -> str:
    """One line such as "hiring manager: Priya Raman, from the signature 'Head of Data'"."""
    label = f"{ROLE_LABELS[participant.role]}: {who(participant.address)}"
    details = list(dict.fromkeys(e.detail for e in participant.evidence))
    if not details:
        return label
    return f"{label}, from {' and '.join(details)}"
