from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from daemon.business_days import (
    add_business_days,
    business_calendar,
    is_business_day,
    next_business_day,
)
from daemon.domain import BusinessCalendar

PARIS = ZoneInfo("Europe/Paris")
PLAIN = BusinessCalendar(PARIS)


def paris(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=PARIS)


def test_five_business_days_skip_the_weekend() -> None:
    """Thursday plus five business days is the next Thursday, same local time."""
    assert add_business_days(paris("2026-11-12 10:00"), 5, PLAIN) == paris("2026-11-19 10:00")


def test_holidays_are_skipped() -> None:
    """A public holiday inside the window pushes the due date by a day."""
    cal = BusinessCalendar(PARIS, frozenset({date(2026, 11, 11)}))
    assert add_business_days(paris("2026-11-09 10:00"), 3, cal) == paris("2026-11-13 10:00")


def test_weekend_start_counts_from_next_business_morning() -> None:
    """A Saturday message leaves whole business days: +1 is Tuesday 00:00."""
    due = add_business_days(paris("2026-11-14 18:00"), 1, PLAIN)
    assert due == datetime.combine(date(2026, 11, 17), time(0), tzinfo=PARIS)


def test_counts_in_the_calendar_timezone() -> None:
    """Friday 23:30 UTC is already Saturday in Paris, so counting starts on Monday."""
    start = datetime(2026, 11, 13, 23, 30, tzinfo=UTC)
    due = add_business_days(start, 1, PLAIN)
    assert due == datetime.combine(date(2026, 11, 17), time(0), tzinfo=PARIS)


def test_zero_days_on_a_business_day_is_identity() -> None:
    """Adding nothing on a working day changes nothing."""
    start = paris("2026-11-12 10:00")
    assert add_business_days(start, 0, PLAIN) == start


def test_dst_change_keeps_local_time() -> None:
    """Across the October clock change the local hour stays the same."""
    due = add_business_days(paris("2026-10-23 10:00"), 2, PLAIN)
    assert due == paris("2026-10-27 10:00")
    assert due.utcoffset() == timedelta(hours=1)


def test_business_calendar_reads_public_holidays() -> None:
    """The builder adds the country's holidays and the extra dates."""
    cal = business_calendar("Europe/Berlin", "DE", "BY", [date(2026, 12, 24)], range(2026, 2027))
    assert date(2026, 10, 3) in cal.holidays  # German Unity Day
    assert date(2026, 1, 6) in cal.holidays  # Epiphany, in Bavaria only
    assert date(2026, 12, 24) in cal.holidays
    assert str(cal.timezone) == "Europe/Berlin"


def test_business_calendar_without_country_has_only_extra_dates() -> None:
    """No country configured means no public holidays, only the listed dates."""
    cal = business_calendar("UTC", None, None, [date(2026, 5, 1)], range(2026, 2027))
    assert cal.holidays == frozenset({date(2026, 5, 1)})


def test_next_business_day_is_strictly_later() -> None:
    """Friday's next business day is Monday."""
    assert next_business_day(date(2026, 11, 13), PLAIN) == date(2026, 11, 16)
    assert not is_business_day(date(2026, 11, 14), PLAIN)


# Hypothesis takes naive bounds and attaches the time zone itself.
moments = st.datetimes(
    min_value=datetime(2025, 1, 1),  # noqa: DTZ001
    max_value=datetime(2028, 1, 1),  # noqa: DTZ001
    timezones=st.just(UTC),
)
holidays = st.frozensets(st.dates(date(2025, 1, 1), date(2028, 6, 1)), max_size=30)


@given(moments, st.integers(0, 30), holidays)
def test_result_is_a_business_day_after_the_start(
    start: datetime, days: int, hol: frozenset[date]
) -> None:
    """The due moment never precedes the start and, when days > 0, falls on a business day."""
    cal = BusinessCalendar(PARIS, hol)
    due = add_business_days(start, days, cal)
    assert due >= start
    if days > 0:
        assert is_business_day(due.astimezone(PARIS).date(), cal)


@given(moments, st.integers(0, 15), st.integers(0, 15))
def test_adding_is_additive(start: datetime, first: int, second: int) -> None:
    """Adding a then b business days equals adding a + b, once on a business day."""
    step = add_business_days(start, 0, PLAIN)
    once = add_business_days(step, first + second, PLAIN)
    twice = add_business_days(add_business_days(step, first, PLAIN), second, PLAIN)
    assert once == twice


@given(moments, st.integers(1, 20))
def test_more_days_never_earlier(start: datetime, days: int) -> None:
    """Waiting longer never makes a follow-up due sooner."""
    assert add_business_days(start, days, PLAIN) > add_business_days(start, days - 1, PLAIN)
