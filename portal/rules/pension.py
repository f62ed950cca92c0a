"""Statutory pension age after the 2025 gradual-delay reform, per birth month and category."""

import calendar
import enum
from dataclasses import dataclass
from datetime import date


class PensionCategory(enum.StrEnum):
    M60 = "M60"  # men
    F55 = "F55"  # women in managerial or technical posts (original age 55)
    F50 = "F50"  # women workers (original age 50)


@dataclass(frozen=True)
class _Rule:
    original_age: int
    first_delayed: tuple[int, int]
    step: int
    cap: int


# Article 1 of the State Council measures attached to the 2024-09-13 NPCSC decision.
_RULES = {
    PensionCategory.M60: _Rule(original_age=60, first_delayed=(1965, 1), step=4, cap=36),
    PensionCategory.F55: _Rule(original_age=55, first_delayed=(1970, 1), step=4, cap=36),
    PensionCategory.F50: _Rule(original_age=50, first_delayed=(1975, 1), step=2, cap=60),
}


@dataclass(frozen=True)
class PensionAge:
    age_months: int
    pension_month: tuple[int, int]

    @property
    def age_label(self) -> str:
        years, months = divmod(self.age_months, 12)
        return f"{years}y{months}m"

    @property
    def pension_month_label(self) -> str:
        year, month = self.pension_month
        return f"{year:04d}-{month:02d}"


def pension_age(birth_year: int, birth_month: int, category: PensionCategory) -> PensionAge:
    if not 1 <= birth_month <= 12:
        raise ValueError(f"birth_month must be 1..12, not {birth_month}")
    rule = _RULES[PensionCategory(category)]
    age_months = rule.original_age * 12 + _delay(birth_year, birth_month, rule)
    return PensionAge(
        age_months=age_months,
        pension_month=_add_months(birth_year, birth_month, age_months),
    )


def pension_date(birth_date: date, category: PensionCategory) -> date:
    year, month = pension_age(birth_date.year, birth_date.month, category).pension_month
    return clamp_day(year, month, birth_date.day)


def clamp_day(year: int, month: int, day: int) -> date:
    """The given day of the month, or the month's last day when the month is shorter."""
    return date(year, month, min(day, calendar.monthrange(year, month)[1]))


def _delay(birth_year: int, birth_month: int, rule: _Rule) -> int:
    first_year, first_month = rule.first_delayed
    k = (birth_year - first_year) * 12 + (birth_month - first_month)
    if k < 0:
        return 0
    return min(k // rule.step + 1, rule.cap)


def _add_months(year: int, month: int, months: int) -> tuple[int, int]:
    extra_years, month_index = divmod(month - 1 + months, 12)
    return year + extra_years, month_index + 1
