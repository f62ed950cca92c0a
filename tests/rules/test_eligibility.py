"""Tests for the working-age window of unemployment registration."""

from datetime import date, timedelta

import pytest

from portal.rules.eligibility import AgeWindow, age_window, sixteenth_birthday
from portal.rules.idnumber import parse_id
from portal.rules.pension import PensionCategory

M60, F55, F50 = PensionCategory.M60, PensionCategory.F55, PensionCategory.F50
DAY = timedelta(days=1)


@pytest.mark.parametrize(
    ("birth", "expected"),
    [
        (date(1990, 1, 1), date(2006, 1, 1)),
        (date(2010, 7, 31), date(2026, 7, 31)),
        (date(2008, 2, 29), date(2024, 2, 29)),
        (date(2084, 2, 29), date(2100, 2, 28)),  # 2100 is not a leap year
        (date(1884, 2, 29), date(1900, 2, 28)),
    ],
)
def test_sixteenth_birthday(birth: date, expected: date) -> None:
    assert sixteenth_birthday(birth) == expected


@pytest.mark.parametrize(
    ("on", "eligible", "reasons"),
    [
        (date(2026, 7, 30), False, ["under_16"]),
        (date(2026, 7, 31), True, []),
        (date(2026, 8, 1), True, []),
    ],
)
def test_window_opens_on_the_sixteenth_birthday(on: date, eligible: bool, reasons: list[str]) -> None:
    window = age_window(date(2010, 7, 31), "F", on)
    assert (window.eligible, window.reasons) == (eligible, reasons)
    assert window.start == date(2026, 7, 31)


@pytest.mark.parametrize(
    ("birth", "sex", "category", "until"),
    [
        (date(1965, 1, 15), "M", None, date(2025, 2, 15)),
        (date(1966, 12, 31), "M", None, date(2027, 6, 30)),
        (date(1975, 3, 31), "F", F50, date(2025, 5, 31)),
        (date(1970, 5, 31), "F", F55, date(2025, 7, 31)),
        (date(1970, 5, 31), "F", None, date(2025, 7, 31)),
    ],
)
def test_window_closes_on_the_pension_date(
    birth: date, sex: str, category: PensionCategory | None, until: date
) -> None:
    before = age_window(birth, sex, until - DAY, category)
    on_the_day = age_window(birth, sex, until, category)
    assert (before.eligible, before.reasons, before.until) == (True, [], until)
    assert (on_the_day.eligible, on_the_day.reasons) == (False, ["pension_age_reached"])


def test_women_default_to_the_later_f55_age() -> None:
    birth, on = date(1980, 1, 10), date(2033, 1, 1)
    default = age_window(birth, "F", on)
    assert default == age_window(birth, "F", on, F55)
    assert default.until == date(2037, 8, 10)  # 55y + 7m
    assert age_window(birth, "F", on, F50).until == date(2032, 8, 10)  # 52y7m
    assert default.eligible is True
    assert age_window(birth, "F", on, F50).reasons == ["pension_age_reached"]


@pytest.mark.parametrize("category", [None, F50, F55, M60])
def test_men_are_always_m60(category: PensionCategory | None) -> None:
    window = age_window(date(1970, 1, 20), "M", date(2030, 1, 1), category)
    assert window.until == date(2031, 5, 20)


def test_m60_for_a_woman_is_rejected() -> None:
    with pytest.raises(ValueError):
        age_window(date(1980, 1, 1), "F", date(2026, 1, 1), M60)


def test_unknown_sex_is_rejected() -> None:
    with pytest.raises(ValueError):
        age_window(date(1980, 1, 1), "X", date(2026, 1, 1))  # type: ignore[arg-type]


ON = date(2026, 6, 1)


@pytest.mark.parametrize(
    ("number", "category", "expected"),
    [
        (
            "440802199001010016",
            None,
            AgeWindow(True, [], date(2006, 1, 1), date(2053, 1, 1)),
        ),
        (
            "440802199001010024",
            None,
            AgeWindow(True, [], date(2006, 1, 1), date(2048, 1, 1)),
        ),
        (
            "440802199001010024",
            F50,
            AgeWindow(True, [], date(2006, 1, 1), date(2045, 1, 1)),
        ),
        (
            "440881197512310033",
            None,
            AgeWindow(True, [], date(1991, 12, 31), date(2038, 9, 30)),
        ),
        (
            "440825198506150049",
            F50,
            AgeWindow(True, [], date(2001, 6, 15), date(2040, 6, 15)),
        ),
        (
            "440882197005010059",
            None,
            AgeWindow(True, [], date(1986, 5, 1), date(2031, 10, 1)),
        ),
        (
            "11010519491231002X",
            None,
            AgeWindow(False, ["pension_age_reached"], date(1965, 12, 31), date(2004, 12, 31)),
        ),
    ],
)
def test_synthetic_ids_give_the_expected_window(
    number: str, category: PensionCategory | None, expected: AgeWindow
) -> None:
    info = parse_id(number, today=ON)
    assert age_window(info.birth_date, info.sex, ON, category) == expected
