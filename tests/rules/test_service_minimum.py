"""The 12333 yearly minimum as a pure rule: the pace of the year, its month arithmetic, and a year's standing."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from portal.rules.policies import months_before, months_between
from portal.rules.service_minimum import TARGETS, expected_by, months_for, year_end, year_of


def test_the_notice_asks_for_two_policy_connections_and_three_of_each_other_service() -> None:
    assert TARGETS == {"policy": 2, "guidance": 3, "job_recommendation": 3, "training": 3}


@pytest.mark.parametrize(
    ("target", "months", "expected"),
    [(3, 0, 0), (3, 3, 0), (3, 4, 1), (3, 7, 1), (3, 8, 2), (3, 11, 2), (3, 12, 3), (3, 30, 3),
     (2, 5, 0), (2, 6, 1), (2, 11, 1), (2, 12, 2)],
)  # fmt: skip
def test_a_twelfth_of_the_target_is_due_after_each_month_rounded_down(target, months, expected) -> None:
    assert expected_by(target, months) == expected


@pytest.mark.parametrize("target", [2, 3])
def test_months_for_is_the_first_month_a_level_is_due(target) -> None:
    for level in range(1, target + 1):
        months = months_for(target, level)
        assert expected_by(target, months) >= level
        assert expected_by(target, months - 1) < level


def test_months_before_is_the_latest_start_with_that_many_whole_months() -> None:
    # Every day of four years against months_between, around month ends and 29 February included.
    day = date(2027, 1, 1)
    while day < date(2031, 1, 1):
        for months in (1, 4, 6, 8, 12):
            latest = months_before(day, months)
            assert months_between(latest, day) >= months, (day, months)
            assert months_between(latest + timedelta(days=1), day) < months, (day, months)
        day += timedelta(days=1)


def test_a_year_from_29_february_ends_on_28_february() -> None:
    assert year_end(date(2028, 2, 29)) == date(2029, 2, 28)
    assert year_end(date(2026, 11, 30)) == date(2027, 11, 30)


def test_a_year_in_progress_is_behind_when_a_kind_is_under_its_pace() -> None:
    year = year_of(
        date(2026, 1, 15), {"policy": 1, "guidance": 1, "job_recommendation": 0, "training": 2}, date(2026, 5, 15)
    )
    assert not year.over
    by_kind = {p.kind: (p.done, p.expected, p.behind) for p in year.kinds}
    assert by_kind == {
        "policy": (1, 0, False), "guidance": (1, 1, False), "job_recommendation": (0, 1, True),
        "training": (2, 1, False),
    }  # fmt: skip
    assert year.behind
    assert not year.met


def test_the_day_before_a_month_is_whole_nothing_more_is_due() -> None:
    counts = dict.fromkeys(TARGETS, 0)
    assert not year_of(date(2026, 1, 15), counts, date(2026, 5, 14)).behind  # 3 whole months
    assert year_of(date(2026, 1, 15), counts, date(2026, 5, 15)).behind  # 4


def test_a_year_is_over_on_its_anniversary_and_met_when_every_target_is() -> None:
    done = {"policy": 2, "guidance": 3, "job_recommendation": 4, "training": 3}
    year = year_of(date(2025, 11, 30), done, date(2026, 11, 30))
    assert year.over
    assert year.met
    assert not year.behind
    short = year_of(date(2025, 11, 30), {**done, "policy": 1}, date(2026, 11, 30))
    assert short.behind
    assert not short.met
