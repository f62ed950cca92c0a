"""Working-age window for unemployment registration: 16th birthday up to pension age."""

from dataclasses import dataclass
from datetime import date
from typing import Literal

from portal.rules.pension import PensionCategory, clamp_day, pension_date

MINIMUM_AGE = 16
UNDER_16 = "under_16"
PENSION_AGE_REACHED = "pension_age_reached"


@dataclass(frozen=True)
class AgeWindow:
    eligible: bool
    reasons: list[str]
    start: date
    until: date


def sixteenth_birthday(birth_date: date) -> date:
    return clamp_day(birth_date.year + MINIMUM_AGE, birth_date.month, birth_date.day)


def age_window(
    birth_date: date,
    sex: Literal["M", "F"],
    on: date,
    category: PensionCategory | None = None,
) -> AgeWindow:
    start = sixteenth_birthday(birth_date)
    until = pension_date(birth_date, _category(sex, category))
    reasons: list[str] = []
    if on < start:
        reasons.append(UNDER_16)
    elif on >= until:
        reasons.append(PENSION_AGE_REACHED)
    return AgeWindow(eligible=not reasons, reasons=reasons, start=start, until=until)


def _category(sex: str, category: PensionCategory | None) -> PensionCategory:
    if sex == "M":
        return PensionCategory.M60
    if sex != "F":
        raise ValueError(f"sex must be 'M' or 'F', not {sex!r}")
    if category is None:
        # The later age, so nobody is turned away for not knowing which post they held.
        return PensionCategory.F55
    if category == PensionCategory.M60:
        raise ValueError("M60 is the men's category; a woman is F50 or F55")
    return PensionCategory(category)
