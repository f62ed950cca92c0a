"""Working-day calendar and deadlines, with staff overrides and a Mon-Fri fallback."""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

import chinese_calendar


@dataclass(frozen=True)
class Deadline:
    deadline: date
    provisional: bool


def is_workday(day: date, overrides: Mapping[date, bool] | None = None) -> tuple[bool, bool]:
    if overrides and day in overrides:
        return overrides[day], False
    try:
        return chinese_calendar.is_workday(day), False
    except NotImplementedError:
        # The State Council publishes next year's schedule each November; until the package
        # (or an override) knows it, count Monday to Friday and flag the result.
        return day.weekday() < 5, True


def workdays_after(start: date, days: int, overrides: Mapping[date, bool] | None = None) -> Deadline:
    if days < 1:
        raise ValueError(f"days must be at least 1, not {days}")
    day = start
    counted = 0
    provisional = False
    while counted < days:
        day += timedelta(days=1)
        working, unsure = is_workday(day, overrides)
        provisional = provisional or unsure
        counted += working
    return Deadline(deadline=day, provisional=provisional)


def working_days_between(start: date, end: date, overrides: Mapping[date, bool] | None = None) -> int:
    count = 0
    day = start + timedelta(days=1)
    while day <= end:
        count += is_workday(day, overrides)[0]
        day += timedelta(days=1)
    return count


def period_of(start: date, days: int, overrides: Mapping[date, bool] | None = None) -> Deadline:
    """The last day of a period of `days` working days that begins on `start` (counted when it is a working
    day): a notice published on a Monday for 5 working days runs to Friday; one published on a Saturday, to
    the next Friday."""
    return workdays_after(start - timedelta(days=1), days, overrides)
