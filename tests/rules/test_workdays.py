"""Tests for the working-day calendar, deadlines and working days left."""

from datetime import date, timedelta

import chinese_calendar
import pytest

from portal.rules.workdays import (
    Deadline,
    is_workday,
    workdays_after,
    working_days_between,
)


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


# 国务院办公厅关于2026年部分节假日安排的通知 (working-days.md).
HOLIDAYS_2026 = [
    *_days(date(2026, 1, 1), date(2026, 1, 3)),
    *_days(date(2026, 2, 15), date(2026, 2, 23)),
    *_days(date(2026, 4, 4), date(2026, 4, 6)),
    *_days(date(2026, 5, 1), date(2026, 5, 5)),
    *_days(date(2026, 6, 19), date(2026, 6, 21)),
    *_days(date(2026, 9, 25), date(2026, 9, 27)),
    *_days(date(2026, 10, 1), date(2026, 10, 7)),
]
ADJUSTED_WORKDAYS_2026 = [
    date(2026, 1, 4),
    date(2026, 2, 14),
    date(2026, 2, 28),
    date(2026, 5, 9),
    date(2026, 9, 20),
    date(2026, 10, 10),
]


def test_chinese_calendar_does_not_know_2027_yet() -> None:
    # The fallback tests below rely on this; when the package learns 2027, move them on a year.
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_workday(date(2027, 1, 4))


@pytest.mark.parametrize("day", HOLIDAYS_2026, ids=str)
def test_2026_holidays_are_days_off(day: date) -> None:
    assert is_workday(day) == (False, False)


@pytest.mark.parametrize("day", ADJUSTED_WORKDAYS_2026, ids=str)
def test_2026_adjusted_weekend_days_are_workdays(day: date) -> None:
    assert day.weekday() >= 5
    assert is_workday(day) == (True, False)


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 3, 2), (True, False)),  # ordinary Monday
        (date(2026, 3, 7), (False, False)),  # ordinary Saturday
        (
            date(2027, 1, 1),
            (True, True),
        ),  # 元旦 2027, unknown: Friday counts, provisionally
        (date(2027, 1, 2), (False, True)),
    ],
)
def test_is_workday_reports_whether_the_answer_is_provisional(day: date, expected: tuple[bool, bool]) -> None:
    assert is_workday(day) == expected


@pytest.mark.parametrize(
    ("accepted", "days", "expected"),
    [
        # working-days.md example: Monday to Wednesday of the following week.
        (date(2026, 11, 23), 7, date(2026, 12, 2)),
        # 元旦: 01-01 to 01-03 off, Sunday 01-04 worked.
        (date(2025, 12, 31), 7, date(2026, 1, 12)),
        # 春节: Saturday 02-14 worked, 02-15 to 02-23 off, Saturday 02-28 worked.
        (date(2026, 2, 13), 7, date(2026, 3, 2)),
        # 清明节: 04-04 to 04-06 off.
        (date(2026, 4, 2), 7, date(2026, 4, 14)),
        # 劳动节: 05-01 to 05-05 off, Saturday 05-09 worked.
        (date(2026, 4, 30), 7, date(2026, 5, 13)),
        # 端午节: 06-19 to 06-21 off.
        (date(2026, 6, 18), 7, date(2026, 6, 30)),
        # 中秋节: Sunday 09-20 worked (for 国庆), 09-25 to 09-27 off.
        (date(2026, 9, 18), 7, date(2026, 9, 29)),
        # 国庆节: 10-01 to 10-07 off, Saturday 10-10 worked.
        (date(2026, 9, 30), 7, date(2026, 10, 15)),
        # Short national deadlines (3 and 5 working days) across 国庆.
        (date(2026, 9, 30), 3, date(2026, 10, 10)),
        (date(2026, 9, 29), 5, date(2026, 10, 12)),
        (date(2026, 3, 2), 1, date(2026, 3, 3)),
        # Accepted on a holiday: counting starts the next working day.
        (date(2026, 10, 3), 1, date(2026, 10, 8)),
    ],
)
def test_deadline_counts_working_days_after_acceptance(accepted: date, days: int, expected: date) -> None:
    assert workdays_after(accepted, days) == Deadline(expected, provisional=False)


def test_deadline_into_an_unpublished_year_is_provisional_and_counts_monday_to_friday() -> None:
    # 12-29, 12-30, 12-31, then 2027 Fri 01-01, Mon 01-04, Tue 01-05, Wed 01-06.
    assert workdays_after(date(2026, 12, 28), 7) == Deadline(date(2027, 1, 6), provisional=True)


def test_deadline_inside_a_known_year_at_year_end_is_not_provisional() -> None:
    assert workdays_after(date(2026, 12, 28), 3) == Deadline(date(2026, 12, 31), provisional=False)


def test_override_turns_a_day_off() -> None:
    overrides = {date(2026, 11, 25): False}
    assert workdays_after(date(2026, 11, 23), 7, overrides) == Deadline(date(2026, 12, 3), provisional=False)
    assert is_workday(date(2026, 11, 25), overrides) == (False, False)


def test_override_makes_a_weekend_day_a_workday() -> None:
    overrides = {date(2026, 11, 28): True}
    assert workdays_after(date(2026, 11, 23), 7, overrides) == Deadline(date(2026, 12, 1), provisional=False)


def test_overrides_make_an_unpublished_year_known() -> None:
    # Staff enter 2027 元旦 (01-01 off) and every day the deadline examines in 2027.
    overrides = {
        date(2027, 1, 1): False,
        date(2027, 1, 2): False,
        date(2027, 1, 3): False,
        date(2027, 1, 4): True,
        date(2027, 1, 5): True,
        date(2027, 1, 6): True,
        date(2027, 1, 7): True,
    }
    assert is_workday(date(2027, 1, 1), overrides) == (False, False)
    assert workdays_after(date(2026, 12, 28), 7, overrides) == Deadline(date(2027, 1, 7), provisional=False)


def test_override_for_one_unpublished_day_leaves_the_others_provisional() -> None:
    overrides = {date(2027, 1, 1): False}
    assert workdays_after(date(2026, 12, 28), 7, overrides) == Deadline(date(2027, 1, 7), provisional=True)


@pytest.mark.parametrize("days", [0, -1])
def test_deadline_needs_at_least_one_working_day(days: int) -> None:
    with pytest.raises(ValueError):
        workdays_after(date(2026, 11, 23), days)


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (date(2026, 11, 23), date(2026, 12, 2), 7),
        (date(2026, 11, 23), date(2026, 11, 23), 0),
        (date(2026, 12, 2), date(2026, 11, 23), 0),
        (date(2026, 11, 27), date(2026, 11, 29), 0),  # Friday to Sunday
        (date(2026, 9, 30), date(2026, 10, 15), 7),
        (date(2026, 2, 13), date(2026, 3, 2), 7),
        (date(2026, 12, 28), date(2027, 1, 6), 7),
    ],
)
def test_working_days_between_counts_days_after_start_up_to_end(start: date, end: date, expected: int) -> None:
    assert working_days_between(start, end) == expected


def test_working_days_between_honours_overrides() -> None:
    overrides = {date(2026, 11, 25): False, date(2026, 11, 28): True}
    assert working_days_between(date(2026, 11, 23), date(2026, 12, 2), overrides) == 7
