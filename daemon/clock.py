"""The one place that reads the time.

Everything else receives `now` or a `Clock`, so tests freeze time and
`--now` previews the future without touching code paths.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(UTC)


def clock_from(start: datetime | None) -> Clock:
    """The real clock, or one that starts at `start` and then runs normally.

    Running on (rather than freezing) keeps a `--now` daemon's scheduler and
    timeouts meaningful.
    """
    if start is None:
        return system_clock
    origin = time.monotonic()
    aware = start if start.tzinfo is not None else start.replace(tzinfo=UTC)
    return lambda: aware + timedelta(seconds=time.monotonic() - origin)
