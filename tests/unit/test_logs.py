"""Logging: secrets never reach the output; journal lines carry a syslog priority."""

from __future__ import annotations

import io
import json
import logging
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import pytest
import structlog
from pydantic import SecretStr
from structlog.testing import capture_logs

from daemon.logs import REDACTED, configure_logging, redact_secrets

if TYPE_CHECKING:
    from collections.abc import Iterator

SECRET = "hunter2-Zq9"
NOW = datetime(2026, 11, 18, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    structlog.reset_defaults()
    root.handlers, root.level = handlers, level


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_redaction_processor_blanks_every_kind_of_secret() -> None:
    """Secret-named fields, SecretStr values, nested secrets and URL passwords are blanked."""
    log = structlog.get_logger("test")
    with capture_logs(processors=[redact_secrets]) as events:
        log.warning(
            "login",
            password=SECRET,
            smtp_password=SECRET,
            oauth2_token=SECRET,
            password_command=["echo", SECRET],
            value=SecretStr(SECRET),
            nested={"imap": {"password": SECRET}, "host": "imap.example.test"},
            store=f"postgresql://alice:{SECRET}@db.example.test/followup",
            urls=[f"imaps://alice:{SECRET}@imap.example.test"],
            user="alice@example.test",
        )
    (event,) = events
    assert SECRET not in repr(event)
    assert event["password"] == REDACTED
    assert event["password_command"] == REDACTED
    assert event["value"] == REDACTED
    assert event["nested"] == {"imap": {"password": REDACTED}, "host": "imap.example.test"}
    assert event["store"] == f"postgresql://alice:{REDACTED}@db.example.test/followup"
    assert event["user"] == "alice@example.test"


def test_journal_lines_are_json_with_a_priority_prefix() -> None:
    """Under systemd each line is `<N>` plus JSON, N being the syslog priority."""
    out = io.StringIO()
    configure_logging(lambda: NOW, "info", "auto", stream=out, environ={"INVOCATION_ID": "x"})
    log = structlog.get_logger("test")
    log.info("synced", account="main")
    log.warning("watcher down", account="main")
    log.error("reload refused", problems=["daemon.cycle_minutes: too small"])
    lines = out.getvalue().splitlines()
    assert [line[:3] for line in lines] == ["<6>", "<4>", "<3>"]
    first = json.loads(lines[0][3:])
    assert first == {
        "account": "main",
        "event": "synced",
        "level": "info",
        "timestamp": "2026-11-18T09:00:00.000+00:00",
    }


def test_a_terminal_gets_readable_lines() -> None:
    """On a terminal the output is console text, not JSON."""
    out = Terminal()
    configure_logging(lambda: NOW, "info", "auto", stream=out, environ={})
    structlog.get_logger("test").info("draft queued", draft_id=3, thread_id="t1")
    text = out.getvalue()
    assert "draft queued" in text
    assert "draft_id" in text
    assert not text.lstrip().startswith(("{", "<"))


def test_tracebacks_and_library_records_are_redacted_too() -> None:
    """A password in an exception or a stdlib `logging` record never reaches the output."""
    out = io.StringIO()
    configure_logging(lambda: NOW, "info", "json", stream=out, environ={"JOURNAL_STREAM": "1:2"})
    error = ConnectionError(f"cannot reach postgresql://alice:{SECRET}@db.example.test/x")
    structlog.get_logger("test").error("store unavailable", thread_id="t1", exc_info=error)
    logging.getLogger("apscheduler.scheduler").warning(
        "job failed for imaps://bob:%s@imap.example.test", SECRET
    )
    logging.getLogger("imapclient").debug("< LOGIN bob %s", SECRET)
    text = out.getvalue()
    assert SECRET not in text
    lines = text.splitlines()
    assert lines[0].startswith("<3>")
    assert "ConnectionError" in json.loads(lines[0][3:])["exception"]
    assert lines[-1].startswith("<4>")
    assert json.loads(lines[-1][3:])["logger"] == "apscheduler.scheduler"
