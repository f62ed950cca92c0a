"""The "12333" yearly minimum (§4.3 of the notice): within one year of registration the registration agency
gives each registered person at least 2 policy connections (政策对接), 3 career-guidance sessions (职业指导),
3 job recommendations (岗位信息) and 3 notices of free skills training (免费技能培训信息).

Progress is counted against the pace of the year: after m whole months, at least target × m ÷ 12 of each
(rounded down) are expected, so a person is "behind" well before the year ends rather than on its last day."""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from portal.rules.policies import months_between

# In the notice's order; the keys are service-record kinds.
TARGETS: dict[str, int] = {"policy": 2, "guidance": 3, "job_recommendation": 3, "training": 3}
YEAR_MONTHS = 12


@dataclass(frozen=True)
class Progress:
    kind: str
    target: int
    done: int
    expected: int  # by now, at the year's pace

    @property
    def behind(self) -> bool:
        return self.done < self.expected

    @property
    def met(self) -> bool:
        return self.done >= self.target


@dataclass(frozen=True)
class Year:
    """The first year of a registration and how each kind of service stands in it."""

    starts: date
    ends: date  # the first day after the year
    over: bool
    kinds: list[Progress]

    @property
    def behind(self) -> bool:
        return any(p.behind for p in self.kinds)

    @property
    def met(self) -> bool:
        return all(p.met for p in self.kinds)


def expected_by(target: int, months: int) -> int:
    """How many of `target` are due after `months` whole months of the year."""
    return target * min(months, YEAR_MONTHS) // YEAR_MONTHS


def months_for(target: int, level: int) -> int:
    """The whole months after which `level` of `target` are expected (the inverse of expected_by)."""
    return -(-YEAR_MONTHS * level // target)


def year_end(starts: date) -> date:
    """The anniversary of `starts`: a year from 29 February ends on 28 February (民法典 第二百零二条)."""
    last = calendar.monthrange(starts.year + 1, starts.month)[1]
    return date(starts.year + 1, starts.month, min(starts.day, last))


def year_of(registered_on: date, counts: Mapping[str, int], on: date) -> Year:
    """`counts` are the services given in the year, by kind."""
    ends = year_end(registered_on)
    over = on >= ends
    months = YEAR_MONTHS if over else months_between(registered_on, on)
    kinds = [
        Progress(kind, target, counts.get(kind, 0), expected_by(target, months)) for kind, target in TARGETS.items()
    ]
    return Year(registered_on, ends, over, kinds)
