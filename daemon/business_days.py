"""Business-day arithmetic in the user's timezone, weekends and holidays aside.

This module is the only place that asks the `holidays` package anything:
the policy works on the plain `BusinessCalendar` that `business_calendar`
returns, so planning never depends on a library's notion of the current year.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import holidays

from daemon.domain import BusinessCalendar

if TYPE_CHECKING:
    from collections.abc import Iterable

_ONE_DAY = timedelta(days=1)
#: A calendar with no business day at all would make every loop endless.
_MAX_SCAN_DAYS = 3660
#: ISO 3166-1 alpha-2 or alpha-3, as `holidays.country_holidays` takes them.
_COUNTRY_CODE = re.compile(r"[A-Z]{2,3}")


def business_calendar(
    timezone: str,
    country: str | None,
    subdivision: str | None,
    extra_dates: Iterable[date],
    years: range,
) -> BusinessCalendar:
    """Build the calendar once per configuration; `years` bounds the holidays."""
    found: set[date] = set(extra_dates)
    if country:
        found.update(holidays.country_holidays(country, subdiv=subdivision, years=years).keys())
    return BusinessCalendar(timezone=ZoneInfo(timezone), holidays=frozenset(found))


def holiday_subdivisions(country: str) -> frozenset[str] | None:
    """The subdivision codes and names `holidays` accepts for `country`; None if no such country.

    The configuration checks its holiday keys with this, so a typo is a
    config error at start rather than a failure in the middle of planning.
    """
    # Only codes: any other name could resolve to one of the package's helpers.
    if _COUNTRY_CODE.fullmatch(country) is None:
        return None
    try:
        known = holidays.country_holidays(country, years=())
    except NotImplementedError:
        return None
    return frozenset((*known.subdivisions, *known.subdivisions_aliases))


def is_business_day(day: date, cal: BusinessCalendar) -> bool:
    return day.weekday() not in cal.weekend and day not in cal.holidays


def next_business_day(day: date, cal: BusinessCalendar) -> date:
    """The first business day strictly after `day`."""
    candidate = day + _ONE_DAY
    for _ in range(_MAX_SCAN_DAYS):
        if is_business_day(candidate, cal):
            return candidate
        candidate += _ONE_DAY
    raise ValueError("the business calendar has no business day")


def add_business_days(start: datetime, days: int, cal: BusinessCalendar) -> datetime:
    """`start` moved forward by `days` whole business days, in `cal`'s timezone.

    The local time of day is kept. A start outside business days (a Saturday
    message) first moves to the beginning of the next business day, so the
    result always leaves `days` complete business days of silence.
    """
    local = start.astimezone(cal.timezone)
    day, clock = local.date(), local.time()
    if not is_business_day(day, cal):
        day, clock = next_business_day(day, cal), time(0, 0)
    for _ in range(days):
        day = next_business_day(day, cal)
    return datetime.combine(day, clock, tzinfo=cal.timezone)


def start_of_day(day: date, cal: BusinessCalendar) -> datetime:
    return datetime.combine(day, time(0, 0), tzinfo=cal.timezone)
