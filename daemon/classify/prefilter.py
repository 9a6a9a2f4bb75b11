"""Whether a message's body is worth downloading, from its raw header block.

Sync calls this for every new message, so it reads bytes with one regular
expression and never decodes. It only says no to list and bulk mail, which
classification ignores whatever the body says; an auto-reply is always
fetched because its body may carry a return date, even when it is marked
bulk as vacation responders often do.
"""

from __future__ import annotations

import re

_FIELDS = re.compile(
    rb"^(?:(list-id|list-unsubscribe)|(precedence)[ \t]*:[ \t]*(?:bulk|list|junk)"
    rb"|(auto-submitted)[ \t]*:[ \t]*auto-replied|(x-autoreply|x-autorespond)"
    rb"|(subject)[ \t]*:[^\n]*?(?:out of (?:the )?office|automatic reply|auto-?reply|vacation"
    rb"|abwesen|automatische antwort|r\xc3\xa9ponse automatique|absen|respuesta autom|=\?))",
    re.MULTILINE,
)


#: Group numbers of `_FIELDS`: list headers, bulk precedence, then auto-reply signs.
_BULK_GROUPS = frozenset({1, 2})
_AUTO_REPLY_GROUPS = frozenset({3, 4, 5})


def wants_body(header: bytes) -> bool:
    """False only for list and bulk mail that is clearly not an auto-reply."""
    found = {match.lastindex for match in _FIELDS.finditer(header.lower())}
    return found.isdisjoint(_BULK_GROUPS) or not found.isdisjoint(_AUTO_REPLY_GROUPS)
