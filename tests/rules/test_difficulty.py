"""The difficulty categories proposed from the portal's data: 1 by age and sex, 7 by a year of registration,
with their boundaries ("以上" includes the birthday and the anniversary; 29 February)."""

from __future__ import annotations

from datetime import date

import pytest

from portal.rules.difficulty import proposed


@pytest.mark.parametrize(
    ("birth", "sex", "on", "older"),
    [
        (date(1986, 11, 30), "F", date(2026, 11, 30), True),  # a woman on her 40th birthday
        (date(1986, 12, 1), "F", date(2026, 11, 30), False),  # the day before it
        (date(1976, 11, 30), "M", date(2026, 11, 30), True),  # a man on his 50th birthday
        (date(1980, 1, 1), "M", date(2026, 11, 30), False),  # a man of 46
        (date(1984, 2, 29), "F", date(2024, 2, 28), False),  # born on 29 February: 40 on 29 February 2024
        (date(1984, 2, 29), "F", date(2024, 2, 29), True),
        (date(1985, 2, 28), "F", date(2025, 2, 28), True),
    ],
)
def test_category_1_counts_the_birthday_itself(birth, sex, on, older) -> None:
    assert (1 in proposed(birth, sex, on).categories) is older


@pytest.mark.parametrize(
    ("registered", "on", "long_unemployed"),
    [
        (date(2025, 11, 30), date(2026, 11, 30), True),  # the anniversary itself
        (date(2025, 11, 30), date(2026, 11, 29), False),
        (date(2024, 2, 29), date(2025, 2, 28), True),  # 29 February's anniversary in a common year
        (date(2024, 2, 29), date(2025, 2, 27), False),
    ],
)
def test_category_7_counts_a_year_from_the_latest_registration(registered, on, long_unemployed) -> None:
    assert (7 in proposed(date(1995, 5, 5), "M", on, registered).categories) is long_unemployed


def test_each_proposal_says_why() -> None:
    proposal = proposed(date(1970, 3, 1), "M", date(2026, 11, 30), date(2025, 6, 1))
    assert proposal.categories == [1, 7]
    assert "aged 56" in proposal.reasons[0]
    assert "17 months" in proposal.reasons[1]


@pytest.mark.parametrize(
    ("birth", "sex", "low_education", "marks"),
    [
        (date(1976, 11, 30), "M", False, ["older"]),  # 50 today
        (date(1986, 12, 1), "F", True, ["low_skilled"]),  # 39, junior secondary or less
        (date(1986, 11, 30), "F", True, ["older", "low_skilled"]),
        (date(1995, 1, 1), "M", False, []),
    ],
)
def test_older_and_low_skilled_people_are_marked_for_more_service(birth, sex, low_education, marks) -> None:
    from portal.rules.difficulty import more_service

    assert more_service(birth, sex, date(2026, 11, 30), low_education) == marks
