"""The fixture corpus as `Thread` objects, read the way sync reads a mailbox.

Each directory is one thread of raw RFC 822 files. A message's header block
goes through `wants_body` exactly as during sync: its text and calendar
parts are only read when the pre-filter asks for them. Messages from the
user's address count as found in the Sent folder.
"""

from __future__ import annotations

import tomllib
from dataclasses import replace
from pathlib import Path
from typing import Any

from daemon.classify.prefilter import wants_body
from daemon.domain import Message, Thread
from daemon.mail.parse import extract_parts, parse_message
from daemon.ports import FetchedMessage

CORPUS = Path(__file__).parent
SELF_ADDRESS = "alice@example.test"
ACCOUNT = "main"


def header_block(raw: bytes) -> bytes:
    """Everything up to the first empty line, as an IMAP server returns it."""
    for separator in (b"\r\n\r\n", b"\n\n"):
        head, found, _ = raw.partition(separator)
        if found:
            return head + separator
    return raw


def load_message_file(path: Path) -> Message:
    raw = path.read_bytes()
    header = header_block(raw)
    text, calendars = extract_parts(raw) if wants_body(header) else (None, ())
    fetched = FetchedMessage(id=path.stem, header=header, text=text, calendars=calendars)
    message = parse_message(fetched, ACCOUNT, in_sent=False)
    mine = message.from_ is not None and message.from_.addr == SELF_ADDRESS
    return replace(message, in_sent=mine)


def load_thread(directory: Path) -> Thread:
    messages = sorted(
        (load_message_file(path) for path in sorted(directory.glob("*.eml"))),
        key=lambda m: (m.date, m.key),
    )
    subject = messages[0].subject if messages else ""
    return Thread(id=directory.name, account=ACCOUNT, subject=subject, messages=tuple(messages))


def load_corpus() -> list[tuple[str, Thread, dict[str, Any]]]:
    """(name, thread, expectations) for every corpus thread, in name order."""
    with (CORPUS / "expected.toml").open("rb") as handle:
        expected = tomllib.load(handle)
    directories = sorted(p for p in CORPUS.iterdir() if p.is_dir() and p.name[:2].isdigit())
    return [(d.name, load_thread(d), expected[d.name]) for d in directories]
