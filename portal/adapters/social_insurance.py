"""The provincial social-insurance system: the SocialInsurance interface and its simulator."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Protocol

SIMULATOR_DATA = Path(__file__).parent.parent / "data" / "social_insurance_sim.json"


@dataclass(frozen=True)
class EmploymentRecord:
    """What the social-insurance registration says about a person's current employment."""

    active: bool
    employer_zh: str | None = None
    employer_en: str | None = None
    since: date | None = None
    ended_on: date | None = None
    # Months of unemployment-insurance contributions on record (P07, P08).
    insured_months: int = 0


NO_RECORD = EmploymentRecord(active=False)


class SocialInsurance(Protocol):
    name: str

    async def employment(self, id_number: str) -> EmploymentRecord:
        """The person's employment as insured; NO_RECORD when the system knows nothing of them."""

    async def employment_many(self, id_numbers: Sequence[str]) -> dict[str, EmploymentRecord]:
        """Many people in one call (the monthly comparison's batches), by ID number; those unknown are left out."""


class SocialInsuranceSimulator:
    """A stand-in for the provincial system, answering from a data file of invented people."""

    name = "simulator"

    def __init__(self, data_file: Path = SIMULATOR_DATA) -> None:
        raw = json.loads(data_file.read_text(encoding="utf-8"))
        self._people = {p["id"]: p for p in raw["people"]}

    async def employment(self, id_number: str) -> EmploymentRecord:
        person = self._people.get(id_number)
        if person is None:
            return NO_RECORD
        return EmploymentRecord(
            active=person["employment"] == "active",
            employer_zh=person.get("employer"),
            employer_en=person.get("employer_en"),
            since=date.fromisoformat(person["since"]) if person.get("since") else None,
            ended_on=date.fromisoformat(person["ended"]) if person.get("ended") else None,
            insured_months=int(person.get("ui_months", 0)),
        )

    async def employment_many(self, id_numbers: Sequence[str]) -> dict[str, EmploymentRecord]:
        return {n: await self.employment(n) for n in id_numbers if n in self._people}


def make_social_insurance(kind: str) -> SocialInsurance:
    if kind == "simulator":
        return SocialInsuranceSimulator()
    raise ValueError(f"unknown social-insurance adapter {kind!r}")
