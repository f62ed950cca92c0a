"""Data comparison sources: card holder base, labour-use filings, big-data platform, and their simulators."""

from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Protocol

from portal.models.verifications import VerificationOutcome
from portal.rules.idnumber import normalise_id

SIMULATOR_DATA = Path(__file__).parent.parent / "data" / "verification_sim.json"

# What the big-data platform is asked, most decisive first: when a person has several flags,
# the first one here is the reason given and the rest are listed under "other_reasons".
BIG_DATA_CHECKS = ("deceased", "pension", "business_owner", "student")


@dataclass(frozen=True)
class Finding:
    """One source's answer. `detail` is JSON-safe, English snake_case keys, and never the ID number."""

    outcome: VerificationOutcome
    detail: dict[str, Any]


class CardHolderBase(Protocol):
    """社会保障卡持卡人员基础信息库: compares identity."""

    name: str

    async def compare_identity(self, id_number: str, name: str) -> Finding:
        """MATCH when a card holder with that ID has that name; else MISMATCH (name_differs, no_card_holder)."""


class LabourFilings(Protocol):
    """劳动用工备案: compares unemployment with employers' filings."""

    name: str

    async def compare_unemployment(self, id_number: str) -> Finding:
        """MISMATCH (active_filing) when an employment filing without an end is on record; else MATCH."""


class BigDataPlatform(Protocol):
    """政务大数据平台: anything else that matters for registration."""

    name: str

    async def compare_other(self, id_number: str) -> Finding:
        """MISMATCH for a business owner, pensioner, deceased person or student; else MATCH."""


def _load(data_file: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(data_file.read_text(encoding="utf-8"))
    return data


def _same_name(a: str) -> str:
    # Full-width/half-width forms and stray spaces are typing noise, not a different name.
    return "".join(unicodedata.normalize("NFKC", a).split())


class CardHolderBaseSimulator:
    """A stand-in for the card holder base, answering from a data file of invented people.

    An ID in "card_holders" matches only with the name on record (MISMATCH name_differs otherwise);
    an ID in "no_card" has no card holder (MISMATCH no_card_holder). Any other ID is answered MATCH
    with {"simulated": true}: a simulator that refused everyone not in its file would make the demo
    unusable, and the flag lets staff and tests see that nothing real was compared.
    """

    name = "simulator"

    def __init__(self, data_file: Path = SIMULATOR_DATA) -> None:
        raw = _load(data_file)
        self._names = {normalise_id(p["id"]): p["name"] for p in raw["card_holders"]}
        self._no_card = frozenset(normalise_id(i) for i in raw["no_card"])
        both = self._no_card & self._names.keys()
        if both:
            raise ValueError(f"{len(both)} ID(s) are both card holders and in no_card")

    async def compare_identity(self, id_number: str, name: str) -> Finding:
        key = normalise_id(id_number)
        if key in self._no_card:
            return Finding(VerificationOutcome.MISMATCH, {"reason": "no_card_holder"})
        on_record = self._names.get(key)
        if on_record is None:
            return Finding(VerificationOutcome.MATCH, {"simulated": True})
        if _same_name(on_record) != _same_name(name):
            return Finding(
                VerificationOutcome.MISMATCH,
                {"reason": "name_differs", "name_on_record": on_record, "name_given": name},
            )
        return Finding(VerificationOutcome.MATCH, {"name_on_record": on_record})


@dataclass(frozen=True)
class _Filing:
    employer: str
    employer_en: str | None
    since: date
    ended: date | None


class LabourFilingsSimulator:
    """A stand-in for the labour-use filing system; anyone not in the data file has no filings (MATCH)."""

    name = "simulator"

    def __init__(self, data_file: Path = SIMULATOR_DATA) -> None:
        raw = _load(data_file)
        self._filings: dict[str, list[_Filing]] = {}
        for f in raw["labour_filings"]:
            self._filings.setdefault(normalise_id(f["id"]), []).append(
                _Filing(
                    employer=f["employer"],
                    employer_en=f.get("employer_en"),
                    since=date.fromisoformat(f["since"]),
                    ended=date.fromisoformat(f["ended"]) if f.get("ended") else None,
                )
            )

    async def compare_unemployment(self, id_number: str) -> Finding:
        filings = self._filings.get(normalise_id(id_number), [])
        active = [f for f in filings if f.ended is None]
        if active:
            latest = max(active, key=lambda f: f.since)
            return Finding(
                VerificationOutcome.MISMATCH,
                {
                    "reason": "active_filing",
                    "employer": latest.employer,
                    "employer_en": latest.employer_en,
                    "since": latest.since.isoformat(),
                },
            )
        return Finding(VerificationOutcome.MATCH, {"filings": len(filings)})


class BigDataPlatformSimulator:
    """A stand-in for the government big-data platform; anyone not in the data file is a MATCH."""

    name = "simulator"

    def __init__(self, data_file: Path = SIMULATOR_DATA) -> None:
        raw = _load(data_file)
        self._people: dict[str, dict[str, Any]] = {}
        for p in raw["big_data"]:
            unknown = set(p["flags"]) - set(BIG_DATA_CHECKS)
            if unknown:
                raise ValueError(f"unknown big-data flag(s) {sorted(unknown)}")
            if "business_owner" in p["flags"] and not p.get("business"):
                raise ValueError("a business_owner entry needs its business")
            self._people[normalise_id(p["id"])] = p

    async def compare_other(self, id_number: str) -> Finding:
        person = self._people.get(normalise_id(id_number))
        flags = [check for check in BIG_DATA_CHECKS if check in person["flags"]] if person else []
        if person is None or not flags:
            return Finding(VerificationOutcome.MATCH, {"checked": list(BIG_DATA_CHECKS)})
        detail: dict[str, Any] = {"reason": flags[0]}
        if len(flags) > 1:
            detail["other_reasons"] = flags[1:]
        if "business_owner" in flags:
            detail["business"] = person["business"]
            detail["business_en"] = person.get("business_en")
        return Finding(VerificationOutcome.MISMATCH, detail)


@dataclass(frozen=True)
class Sources:
    card_base: CardHolderBase
    labour_filings: LabourFilings
    big_data: BigDataPlatform


def make_sources(kind: str = "simulator") -> Sources:
    if kind == "simulator":
        return Sources(
            card_base=CardHolderBaseSimulator(),
            labour_filings=LabourFilingsSimulator(),
            big_data=BigDataPlatformSimulator(),
        )
    raise ValueError(f"unknown verification adapter {kind!r}")
