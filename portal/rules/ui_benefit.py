"""Unemployment insurance benefit (P08, 失业保险金): who is entitled, for how many months, how much a month, and
from which day to which day; plain functions, no database.

The law read here:
- 失业保险条例 第十四条: entitled are people insured for a year or more (所在单位和本人已按照规定履行缴费义务满1年),
  whose job ended without their choosing it (非因本人意愿中断就业), registered as unemployed and looking for work.
- 失业保险条例 第十七条: insured 1 year and less than 5 gives at most 12 months; 5 and less than 10, 18; 10 or
  more, 24. The portal grants the longest period the years insured allow.
- 社会保险法 第五十条: the period is counted from the day the unemployment registration is made (自办理失业登记之日
  起计算): the day the portal accepted the application, not the day the agency decided it.
- Guangdong pays 90% of the local minimum wage a month (广东省失业保险条例), the minimum wage in force on the
  period's first day.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

MIN_INSURED_MONTHS = 12
RATE = Decimal("0.9")
CENT = Decimal("0.01")

# Why a claim is not (yet) a benefit: each condition that does not hold, in the order they are checked.
NOT_INSURED_LONG_ENOUGH = "insured_months"
NOT_INVOLUNTARY = "involuntary_job_loss"
IN_WORK = "in_work"
NO_MINIMUM_WAGE = "minimum_wage"


def entitlement_months(insured_months: int) -> int:
    """The longest benefit period for the months insured (第十七条); 0 under a year."""
    if insured_months < MIN_INSURED_MONTHS:
        return 0
    if insured_months < 60:
        return 12
    if insured_months < 120:
        return 18
    return 24


def monthly_amount(minimum_wage: Decimal) -> Decimal:
    return (minimum_wage * RATE).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class UiBenefit:
    eligible: bool
    months: int
    monthly_amount: Decimal


def ui_benefit(insured_months: int, minimum_wage: Decimal) -> UiBenefit:
    """The months and the monthly amount from the months insured alone (the policy checklist's figures)."""
    months = entitlement_months(insured_months)
    amount = monthly_amount(minimum_wage) if months else Decimal("0.00")
    return UiBenefit(eligible=months > 0, months=months, monthly_amount=amount)


def wage_in_force(figures: Iterable[tuple[date, Decimal]], on: date) -> Decimal | None:
    """The minimum wage in force on a day: the figure with the latest `valid_from` on or before it."""
    in_force = [(valid_from, amount) for valid_from, amount in figures if valid_from <= on]
    return max(in_force)[1] if in_force else None


def period_end(start: date, months: int) -> date:
    """The last day of a period of `months` months from `start` (both days counted): the day before the same day
    number `months` months later; when that month has no such day (a period from 31 January, or from 29 February
    into a common year), the period ends on that month's last day, so that each month of it is whole and the next
    period would begin on the 1st."""
    if months < 1:
        raise ValueError("a period has at least one month")
    index = start.year * 12 + start.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    if start.day > last:
        return date(year, month + 1, last)
    return date(year, month + 1, start.day) - timedelta(days=1)


@dataclass(frozen=True)
class Claim:
    """A benefit claim worked out: whether it is due and, when it is, for how long, how much and when."""

    eligible: bool
    insured_months: int
    months: int
    monthly_amount: Decimal
    start: date
    end: date | None
    unmet: tuple[str, ...] = ()

    @property
    def total(self) -> Decimal:
        return self.monthly_amount * self.months


def claim(*, insured_months: int, involuntary: bool, in_work: bool, start: date, minimum_wage: Decimal | None) -> Claim:
    """The claim of someone registering on `start`: entitled when insured for a year or more, their job ended
    without their choosing it and they are not in work; the amount needs the minimum wage in force on `start`."""
    unmet = []
    if insured_months < MIN_INSURED_MONTHS:
        unmet.append(NOT_INSURED_LONG_ENOUGH)
    if not involuntary:
        unmet.append(NOT_INVOLUNTARY)
    if in_work:
        unmet.append(IN_WORK)
    if minimum_wage is None:
        unmet.append(NO_MINIMUM_WAGE)
    if unmet or minimum_wage is None:
        return Claim(False, insured_months, 0, Decimal("0.00"), start, None, tuple(unmet))
    months = entitlement_months(insured_months)
    return Claim(True, insured_months, months, monthly_amount(minimum_wage), start, period_end(start, months))
