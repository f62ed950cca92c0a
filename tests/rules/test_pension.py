"""Tests for statutory pension age and the date it is reached."""

from datetime import date

import pytest

from portal.rules.pension import PensionAge, PensionCategory, pension_age, pension_date

M60, F55, F50 = PensionCategory.M60, PensionCategory.F55, PensionCategory.F50

# Every worked example of retirement-age.md: category, birth month, delay, age, pension month.
WORKED_EXAMPLES = [
    (M60, (1964, 12), 0, "60y0m", "2024-12"),
    (M60, (1965, 1), 1, "60y1m", "2025-02"),
    (M60, (1965, 5), 2, "60y2m", "2025-07"),
    (M60, (1966, 12), 6, "60y6m", "2027-06"),
    (M60, (1970, 1), 16, "61y4m", "2031-05"),
    (M60, (1976, 8), 35, "62y11m", "2039-07"),
    (M60, (1976, 12), 36, "63y0m", "2039-12"),
    (F50, (1975, 1), 1, "50y1m", "2025-02"),
    (F50, (1975, 3), 2, "50y2m", "2025-05"),
    (F50, (1980, 1), 31, "52y7m", "2032-08"),
    (F50, (1984, 11), 60, "55y0m", "2039-11"),
    (F55, (1970, 1), 1, "55y1m", "2025-02"),
    (F55, (1970, 5), 2, "55y2m", "2025-07"),
    (F55, (1981, 12), 36, "58y0m", "2039-12"),
]

ORIGINAL_AGE = {M60: 60, F55: 55, F50: 50}


@pytest.mark.parametrize(
    ("category", "birth", "delay", "age", "month"),
    WORKED_EXAMPLES,
    ids=[f"{c}-{y}-{m:02d}" for c, (y, m), *_ in WORKED_EXAMPLES],
)
def test_worked_examples_match_the_published_tables(
    category: PensionCategory,
    birth: tuple[int, int],
    delay: int,
    age: str,
    month: str,
) -> None:
    result = pension_age(*birth, category)
    assert result.age_months == ORIGINAL_AGE[category] * 12 + delay
    assert result.age_label == age
    assert result.pension_month_label == month


@pytest.mark.parametrize(
    ("category", "birth", "age", "month"),
    [
        (M60, (1950, 6), "60y0m", "2010-06"),
        (F55, (1969, 12), "55y0m", "2024-12"),
        (F50, (1974, 12), "50y0m", "2024-12"),
    ],
)
def test_births_before_the_first_delayed_month_keep_the_original_age(
    category: PensionCategory, birth: tuple[int, int], age: str, month: str
) -> None:
    result = pension_age(*birth, category)
    assert (result.age_label, result.pension_month_label) == (age, month)


@pytest.mark.parametrize(
    ("category", "birth", "age", "month"),
    [
        (M60, (1976, 9), "63y0m", "2039-09"),
        (M60, (1977, 1), "63y0m", "2040-01"),
        (M60, (1990, 1), "63y0m", "2053-01"),
        (F55, (1981, 9), "58y0m", "2039-09"),
        (F55, (1995, 7), "58y0m", "2053-07"),
        (F50, (1984, 12), "55y0m", "2039-12"),
        (F50, (2000, 3), "55y0m", "2055-03"),
    ],
)
def test_delay_stops_at_the_cap(category: PensionCategory, birth: tuple[int, int], age: str, month: str) -> None:
    result = pension_age(*birth, category)
    assert (result.age_label, result.pension_month_label) == (age, month)


@pytest.mark.parametrize(
    ("category", "birth", "age"),
    [
        (M60, (1976, 5), "62y11m"),
        (F55, (1981, 8), "57y11m"),
        (F50, (1984, 10), "54y11m"),
        (F50, (1984, 8), "54y10m"),
    ],
)
def test_last_months_before_the_cap_are_one_short(category: PensionCategory, birth: tuple[int, int], age: str) -> None:
    assert pension_age(*birth, category).age_label == age


def test_pension_age_is_a_plain_value() -> None:
    assert pension_age(1965, 1, M60) == PensionAge(age_months=721, pension_month=(2025, 2))


def test_category_may_be_given_as_its_string_value() -> None:
    assert pension_age(1975, 1, "F50").age_label == "50y1m"


@pytest.mark.parametrize("month", [0, 13, -1])
def test_impossible_birth_month_is_rejected(month: int) -> None:
    with pytest.raises(ValueError):
        pension_age(1970, month, M60)


@pytest.mark.parametrize(
    ("birth", "category", "expected"),
    [
        (date(1965, 1, 15), M60, date(2025, 2, 15)),
        (date(1964, 12, 31), M60, date(2024, 12, 31)),
        (date(1966, 12, 31), M60, date(2027, 6, 30)),  # June has 30 days
        (date(1965, 1, 31), M60, date(2025, 2, 28)),  # February, common year
        (date(1965, 1, 29), M60, date(2025, 2, 28)),
        (date(1967, 6, 30), M60, date(2028, 2, 29)),  # February, leap year
        (date(1975, 3, 31), F50, date(2025, 5, 31)),
        (date(1970, 5, 31), F55, date(2025, 7, 31)),
        (date(1980, 1, 31), F50, date(2032, 8, 31)),
        (date(1981, 12, 1), F55, date(2039, 12, 1)),
    ],
)
def test_pension_date_keeps_the_birthday_or_the_last_day_of_a_shorter_month(
    birth: date, category: PensionCategory, expected: date
) -> None:
    assert pension_date(birth, category) == expected


def test_leap_day_birth_reaches_pension_age_on_the_last_day_of_february() -> None:
    assert pension_date(date(1964, 2, 29), M60) == date(2024, 2, 29)
    assert pension_date(date(1968, 2, 29), F55) == date(2023, 2, 28)
