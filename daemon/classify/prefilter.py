"""Whether a message's body is worth downloading, from its raw header block.

Sync calls this for every new message, so it reads bytes with one regular
expression and never decodes. It only says no to list and bulk mail that
classification never reads. An automated message is always fetched: it may
be an ATS asking for something, or an auto-reply whose body carries a return
date, even when marked bulk as vacation responders often are. So is a
bulk-marked answer outside mailing lists: recruiters' sourcing tools send
them, and so do vacation responders that only say Precedence: bulk, whose
words tell them apart.
"""

from __future__ import annotations

import re

from daemon.classify.vocabulary import OOO_SUBJECT

#: Every subject the classifier may read as an out-of-office, wherever the
#: marker stands, or encoded so that it cannot be told here.
_OOO_SUBJECT = rb"subject[ \t]*:[^\n]*?(?:" + OOO_SUBJECT.pattern.encode() + rb"|=\?)"

_FIELDS = re.compile(
    rb"^(?:(?P<list>list-id)"
    rb"|(?P<bulk>list-unsubscribe|precedence[ \t]*:[ \t]*(?:bulk|list|junk))"
    rb"|(?P<automated>auto-submitted[ \t]*:[ \t]*(?!no\b)\S|x-autoreply|x-autorespond|"
    + _OOO_SUBJECT
    + rb")|(?P<answer>in-reply-to)[ \t]*:)",
    re.MULTILINE,
)


def wants_body(header: bytes) -> bool:
    """False only for list and bulk mail that is neither automated nor an answer."""
    found = {match.lastgroup for match in _FIELDS.finditer(header.lower())}
    if "automated" in found:
        return True
    if "list" in found:
        return False
    return "bulk" not in found or "answer" in found
