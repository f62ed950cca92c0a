"""The unemployment insurance benefit's rule: months from the months insured, 90% of the minimum wage in force on
the first day, the period's last day, and why a claim is not due; and `portal rules ui-benefit`."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest

from portal.cli import main
from portal.rules.ui_benefit import (
    IN_WORK,
    NO_MINIMUM_WAGE,
    NOT_INSURED_LONG_ENOUGH,
    NOT_INVOLUNTARY,
    claim,
    entitlement_months,
    monthly_amount,
    period_end,
    ui_benefit,
    wage_in_force,
)

WAGE = Decimal("1850.00")


def _claim(**changes: object):
    values: dict[str, object] = {
        "insured_months": 29, "involuntary": True, "in_work": False, "start": date(2026, 11, 30),
        "minimum_wage": WAGE,
    }  # fmt: skip
    return claim(**(values | changes))  # type: ignore[arg-type]


# ---- months of entitlement ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("insured", "months"),
    [(0, 0), (11, 0), (12, 12), (59, 12), (60, 18), (119, 18), (120, 24), (480, 24)],
)
def test_the_months_follow_the_years_insured_at_each_boundary(insured: int, months: int) -> None:
    assert entitlement_months(insured) == months
    assert _claim(insured_months=insured).months == months


def test_the_old_function_keeps_working_from_the_policies_module() -> None:
    from portal.rules.policies import ui_benefit as from_policies

    assert from_policies is ui_benefit
    assert ui_benefit(60, WAGE).months == 18
    assert ui_benefit(11, WAGE).monthly_amount == Decimal("0.00")


# ---- the monthly amount --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("wage", "amount"),
    [("1850.00", "1665.00"), ("1900.00", "1710.00"), ("1720.05", "1548.05"), ("1720.06", "1548.05"),
     ("1720.15", "1548.14")],
)  # fmt: skip
def test_the_amount_is_90_percent_of_the_minimum_wage_rounded_half_up_to_the_cent(wage: str, amount: str) -> None:
    # 1720.05 × 0.9 = 1548.045 → 1548.05 (half up, not to even); 1720.06 × 0.9 = 1548.054 → 1548.05.
    assert monthly_amount(Decimal(wage)) == Decimal(amount)


FIGURES = [(date(2025, 3, 1), Decimal("1850.00")), (date(2027, 1, 1), Decimal("1900.00"))]


@pytest.mark.parametrize(
    ("day", "wage"),
    [(date(2025, 2, 28), None), (date(2025, 3, 1), "1850.00"), (date(2026, 12, 31), "1850.00"),
     (date(2027, 1, 1), "1900.00")],
)  # fmt: skip
def test_the_minimum_wage_is_the_one_in_force_on_the_day(day: date, wage: str | None) -> None:
    assert wage_in_force(reversed(FIGURES), day) == (Decimal(wage) if wage else None)


def test_a_claim_starting_the_day_a_new_minimum_wage_applies_is_paid_at_the_new_rate() -> None:
    assert _claim(start=date(2026, 12, 31), minimum_wage=wage_in_force(FIGURES, date(2026, 12, 31))).monthly_amount == (
        Decimal("1665.00")
    )
    assert _claim(start=date(2027, 1, 1), minimum_wage=wage_in_force(FIGURES, date(2027, 1, 1))).monthly_amount == (
        Decimal("1710.00")
    )


# ---- the period ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "months", "end"),
    [
        (date(2026, 11, 30), 12, date(2027, 11, 29)),  # the example
        (date(2026, 1, 1), 12, date(2026, 12, 31)),
        (date(2026, 3, 15), 18, date(2027, 9, 14)),
        (date(2026, 1, 15), 24, date(2028, 1, 14)),
        (date(2027, 1, 31), 1, date(2027, 2, 28)),  # 31 January + 1 month: February has no 31st
        (date(2028, 1, 31), 1, date(2028, 2, 29)),  # … in a leap year, to its 29th
        (date(2027, 1, 30), 1, date(2027, 2, 28)),
        (date(2027, 1, 29), 1, date(2027, 2, 28)),  # no 29 February 2027: the month's last day
        (date(2028, 1, 29), 1, date(2028, 2, 28)),  # 29 February 2028 exists: the day before it
        (date(2027, 1, 28), 1, date(2027, 2, 27)),
        (date(2028, 2, 29), 12, date(2029, 2, 28)),  # from a leap day into a common year
        (date(2028, 2, 29), 24, date(2030, 2, 28)),
        (date(2027, 2, 28), 12, date(2028, 2, 27)),  # a common year's last February day into a leap year
        (date(2027, 3, 31), 1, date(2027, 4, 30)),
        (date(2026, 12, 1), 1, date(2026, 12, 31)),
        (date(2026, 12, 31), 12, date(2027, 12, 30)),
    ],
)
def test_the_period_ends_the_day_before_the_same_day_months_later_or_on_a_short_months_last_day(
    start: date, months: int, end: date
) -> None:
    assert period_end(start, months) == end


@pytest.mark.parametrize("months", [1, 12, 18, 24])
def test_every_start_day_of_a_leap_year_and_a_common_one_gives_whole_months(months: int) -> None:
    day = date(2027, 1, 1)
    while day.year < 2029:
        after = date.fromordinal(period_end(day, months).toordinal() + 1)  # where a following period would start
        index = day.year * 12 + day.month - 1 + months
        same_day_later = (index // 12, index % 12 + 1)
        if after.day == day.day:
            assert (after.year, after.month) == same_day_later
        else:  # that month is too short for the day: the period covers it to its end
            assert after.day == 1
            assert (after.year * 12 + after.month - 1) == index + 1
        day = date.fromordinal(day.toordinal() + 1)


def test_a_period_has_at_least_a_month() -> None:
    with pytest.raises(ValueError, match="at least one month"):
        period_end(date(2026, 1, 1), 0)


# ---- eligibility ---------------------------------------------------------------------------------------------


def test_someone_insured_for_a_year_who_lost_their_job_and_is_not_in_work_is_entitled() -> None:
    benefit = _claim(insured_months=12)
    assert benefit.eligible
    assert benefit.unmet == ()
    assert (benefit.months, benefit.monthly_amount, benefit.start, benefit.end) == (
        12, Decimal("1665.00"), date(2026, 11, 30), date(2027, 11, 29),
    )  # fmt: skip
    assert benefit.total == Decimal("19980.00")


@pytest.mark.parametrize(
    ("changes", "unmet"),
    [
        ({"insured_months": 11}, (NOT_INSURED_LONG_ENOUGH,)),
        ({"involuntary": False}, (NOT_INVOLUNTARY,)),
        ({"in_work": True}, (IN_WORK,)),
        ({"minimum_wage": None}, (NO_MINIMUM_WAGE,)),
        ({"insured_months": 0, "involuntary": False, "in_work": True},
         (NOT_INSURED_LONG_ENOUGH, NOT_INVOLUNTARY, IN_WORK)),
    ],
)  # fmt: skip
def test_a_claim_that_is_not_due_says_every_condition_it_misses(changes: dict[str, object], unmet: tuple) -> None:
    benefit = _claim(**changes)
    assert not benefit.eligible
    assert benefit.unmet == unmet
    assert (benefit.months, benefit.monthly_amount, benefit.end) == (0, Decimal("0.00"), None)


# ---- on the command line ---------------------------------------------------------------------------------------


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict[str, object]]:
    code = main(["rules", "ui-benefit", *args])
    return code, json.loads(capsys.readouterr().out)


@pytest.mark.parametrize(
    ("insured", "eligible", "months", "amount", "end"),
    [("11", False, 0, "0.00", None), ("12", True, 12, "1665.00", "2027-11-29"),
     ("60", True, 18, "1665.00", "2028-05-29"), ("120", True, 24, "1665.00", "2028-11-29")],
)  # fmt: skip
def test_the_rules_command_prints_the_claim_from_a_start_day(capsys, insured, eligible, months, amount, end) -> None:
    assert _run(capsys, "--insured-months", insured, "--start", "2026-11-30") == (
        0, {"eligible": eligible, "months": months, "monthly_amount": amount, "start": "2026-11-30", "end": end},
    )  # fmt: skip


def test_the_rules_command_says_when_no_minimum_wage_is_known_on_the_start_day(capsys) -> None:
    assert _run(capsys, "--insured-months", "24", "--start", "2025-02-28") == (
        2, {"error": "no minimum wage is known on 2025-02-28"},
    )  # fmt: skip


def test_the_rules_command_keeps_its_earlier_form_with_on(capsys) -> None:
    assert _run(capsys, "--insured-months", "60", "--on", "2026-11-30") == (
        0, {"eligible": True, "months": 18, "monthly_amount": "1665.00"},
    )  # fmt: skip


def test_the_rules_command_refuses_both_a_day_to_read_figures_on_and_a_start(capsys) -> None:
    with pytest.raises(SystemExit):
        main(["rules", "ui-benefit", "--insured-months", "12", "--on", "2026-11-30", "--start", "2026-11-30"])
