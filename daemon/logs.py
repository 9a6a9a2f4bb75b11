"""structlog set-up: readable on a terminal, JSON lines for the journal.

Under systemd (JOURNAL_STREAM or INVOCATION_ID set) each JSON line starts
with a `<N>` syslog priority so journald files it at the right level.
"""

from __future__ import annotations

import logging
import os
import re
import sys
from typing import TYPE_CHECKING, TextIO

import structlog

if TYPE_CHECKING:
    from collections.abc import Mapping, MutableMapping

    from structlog.typing import EventDict, Processor, WrappedLogger

    from daemon.clock import Clock

REDACTED = "[redacted]"
_SECRET_KEY = re.compile(r"pass(word|wd)?|secret|token|credential|auth", re.IGNORECASE)
#: user:password@ in a URL, e.g. a PostgreSQL store URL quoted in an error.
_URL_PASSWORD = re.compile(r"(?<=://)([^/\s:@]*):[^/\s@]+@")
_PRIORITY = {"debug": 7, "info": 6, "warning": 4, "error": 3, "critical": 2, "exception": 3}


def _scrub(value: object) -> object:
    if type(value).__name__ in {"SecretStr", "SecretBytes"}:
        return REDACTED
    if isinstance(value, str):
        return _URL_PASSWORD.sub(rf"\1:{REDACTED}@", value)
    if isinstance(value, dict):
        return {k: REDACTED if _SECRET_KEY.search(str(k)) else _scrub(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_scrub(v) for v in value]
    return value


def redact_secrets(_logger: WrappedLogger, _name: str, event: EventDict) -> EventDict:
    """Blank every field whose name suggests a secret, any SecretStr, URL passwords.

    Adapters never pass secrets to the logger; this is the second line of
    defence in case a future change does. It runs after exceptions are
    formatted, so a traceback's text is scrubbed too.
    """
    for key, value in list(event.items()):
        event[key] = REDACTED if _SECRET_KEY.search(key) else _scrub(value)
    return event


def under_systemd(environ: Mapping[str, str]) -> bool:
    return bool(environ.get("JOURNAL_STREAM") or environ.get("INVOCATION_ID"))


class _JournalRenderer:
    """JSON with the journald priority prefix."""

    def __init__(self) -> None:
        self._json = structlog.processors.JSONRenderer(sort_keys=True)

    def __call__(self, logger: WrappedLogger, name: str, event: EventDict) -> str:
        level = str(event.get("level", "info"))
        body = self._json(logger, name, event)
        text = body.decode() if isinstance(body, bytes) else body
        return f"<{_PRIORITY.get(level, 6)}>{text}"


def _timestamper(clock: Clock) -> Processor:
    def stamp(_logger: WrappedLogger, _name: str, event: EventDict) -> EventDict:
        event["timestamp"] = clock().isoformat(timespec="milliseconds")
        return event

    return stamp


class _StdlibBridge(logging.Handler):
    """Hands `logging` records (APScheduler, imapclient) to structlog: same
    format, same priority prefix, same redaction as our own events."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            structlog.get_logger(record.name).log(
                record.levelno,
                record.getMessage(),
                logger=record.name,
                exc_info=record.exc_info or False,
            )
        except Exception:  # noqa: BLE001 - logging must never raise into the caller
            self.handleError(record)


def configure_logging(
    clock: Clock,
    level: str = "info",
    fmt: str = "auto",
    *,
    stream: TextIO | None = None,
    environ: MutableMapping[str, str] | None = None,
) -> None:
    environ = os.environ if environ is None else environ
    journal = under_systemd(environ)
    out = stream or (sys.stdout if journal else sys.stderr)
    if fmt == "auto":
        fmt = "json" if journal or not out.isatty() else "console"
    renderer: Processor
    if fmt == "json":
        renderer = (
            _JournalRenderer() if journal else structlog.processors.JSONRenderer(sort_keys=True)
        )
    else:
        renderer = structlog.dev.ConsoleRenderer(colors=out.isatty())
    processors: list[Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        _timestamper(clock),
        structlog.processors.format_exc_info,
        redact_secrets,
        renderer,
    ]
    structlog.configure(
        processors=processors,
        wrapper_class=structlog.make_filtering_bound_logger(
            logging.getLevelNamesMapping()[level.upper()]
        ),
        logger_factory=structlog.PrintLoggerFactory(out),
        cache_logger_on_first_use=False,
    )
    root = logging.getLogger()
    root.handlers = [h for h in root.handlers if not isinstance(h, _StdlibBridge)]
    root.addHandler(_StdlibBridge())
    # Libraries' info lines (a job added, a scheduler started) would only bury ours.
    root.setLevel(logging.WARNING)
