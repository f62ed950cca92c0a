"""The categories of employment difficulty (就业困难人员, reference/guangdong-difficulty.md) the portal can
propose from its own data: 1, older unemployed (women 40 and over, men 50 and over), and 7, unemployed a
year or more in a row since the latest registration. "以上" includes the boundary: the birthday, and the
registration's anniversary (a 29 February on 28 February of a common year)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from portal.rules.policies import OLDER_MEN, OLDER_WOMEN, age_on, months_between

OLDER = 1
LONG_UNEMPLOYED = 7
LONG_UNEMPLOYED_MONTHS = 12


@dataclass(frozen=True)
class Proposal:
    categories: list[int]
    reasons: list[str]


def proposed(birth_date: date, sex: str, on: date, registered_on: date | None = None) -> Proposal:
    categories: list[int] = []
    reasons: list[str] = []
    age = age_on(birth_date, on)
    threshold = OLDER_WOMEN if sex == "F" else OLDER_MEN
    if age >= threshold:
        categories.append(OLDER)
        who = "a woman" if sex == "F" else "a man"
        reasons.append(f"category {OLDER}: {who} aged {age} on {on.isoformat()} ({threshold} or over)")
    if registered_on is not None and registered_on <= on:
        months = months_between(registered_on, on)
        if months >= LONG_UNEMPLOYED_MONTHS:
            categories.append(LONG_UNEMPLOYED)
            reasons.append(
                f"category {LONG_UNEMPLOYED}: registered unemployed since {registered_on.isoformat()}, "
                f"{months} months in a row ({LONG_UNEMPLOYED_MONTHS} or more)"
            )
    return Proposal(categories, reasons)


def more_service(birth_date: date, sex: str, on: date, low_education: bool) -> list[str]:
    """Why a person is marked for more service (§4.4: 对大龄、低技能失业人员加大服务力度): older (the ages of
    category 1) and low-skilled (junior secondary school or less)."""
    marks = []
    if age_on(birth_date, on) >= (OLDER_WOMEN if sex == "F" else OLDER_MEN):
        marks.append("older")
    if low_education:
        marks.append("low_skilled")
    return marks
