"""A registered person's answers to the form (Attachment 2), typed: the one view of them that services read.

Most answers are typed columns of the registration (and two child tables for the circumstances and the
services wanted), so that statistics, policies and tracking can filter and count by them; addresses, skills
and papers stay in the registration's `answers` document. `columns_from` turns the form's draft into both."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from portal.crypto import Cipher
from portal.models import (
    Difficulty,
    Education,
    InsuredBefore,
    Person,
    Registration,
    RegistrationDifficulty,
    RegistrationServiceWanted,
    ServiceWanted,
    UnemploymentCategory,
)
from portal.rules.masking import mask_id
from portal.services.fields import parse_date
from portal.services.registration_form import OUTSIDE

# Keys of the draft that become typed columns (or are not kept at all) rather than staying in `answers`.
TYPED_KEYS = frozenset(
    {
        "ethnicity", "education", "phone", "residence_type", "county", "unemployment_category",
        "employment_ended_on", "occupation_intention", "training_intention", "entrepreneurship_intention",
        "had_unemployment_insurance", "difficulties", "services_wanted", "pension_category",
    }
)  # fmt: skip
NOT_KEPT = frozenset({"id_number", "name", "sex", "birth_date", "signed_name", "agree", "_done"})


@dataclass(frozen=True)
class Answers:
    ethnicity: str
    education: Education
    phone: str
    hukou_local: bool
    hukou_province: str  # only for a hukou outside Zhanjiang
    hukou_address: str
    residence_address: str
    residence_urban: bool
    unemployment_category: UnemploymentCategory
    last_employer: str
    employment_ended_on: date | None
    skills: str
    certificates: str
    occupation_intention: str  # the job-search intention: what work they look for
    wants_training: bool
    wants_business: bool
    insured_before: InsuredBefore
    difficulties: frozenset[Difficulty]
    services_wanted: frozenset[ServiceWanted]
    missing_papers: tuple[str, ...]


def of(registration: Registration) -> Answers:
    """The typed answers of a registration loaded with its difficulty and service rows."""
    kept = registration.answers or {}
    return Answers(
        ethnicity=registration.ethnicity,
        education=registration.education,
        phone=registration.phone,
        hukou_local=registration.hukou_local,
        hukou_province=kept.get("hukou_province", ""),
        hukou_address=kept.get("hukou_address", ""),
        residence_address=kept.get("residence_address", ""),
        residence_urban=registration.residence_urban,
        unemployment_category=registration.unemployment_category,
        last_employer=kept.get("last_employer", ""),
        employment_ended_on=registration.employment_ended_on,
        skills=kept.get("skills", ""),
        certificates=kept.get("certificates", ""),
        occupation_intention=registration.occupation_intention,
        wants_training=registration.wants_training,
        wants_business=registration.wants_business,
        insured_before=registration.insured_before,
        difficulties=frozenset(row.difficulty for row in registration.difficulty_rows),
        services_wanted=frozenset(row.service for row in registration.service_wanted_rows),
        missing_papers=tuple(kept.get("missing_papers") or ()),
    )


def columns_from(draft: Mapping[str, Any]) -> dict[str, Any]:
    """The registration's typed columns, child rows and `answers` document from a finished draft."""
    return {
        "ethnicity": draft["ethnicity"],
        "education": Education(draft["education"]),
        "phone": draft["phone"],
        "county_code": draft["county"],
        "hukou_local": draft["hukou_area"] != OUTSIDE,
        "residence_urban": draft["residence_type"] == "urban",
        "unemployment_category": UnemploymentCategory(draft["unemployment_category"]),
        "employment_ended_on": parse_date(draft.get("employment_ended_on")),
        "occupation_intention": draft.get("occupation_intention") or "",
        "wants_training": draft["training_intention"] == "yes",
        "wants_business": draft["entrepreneurship_intention"] == "yes",
        "insured_before": InsuredBefore(draft["had_unemployment_insurance"]),
        "difficulty_rows": [RegistrationDifficulty(difficulty=Difficulty(d)) for d in draft.get("difficulties") or ()],
        "service_wanted_rows": [
            RegistrationServiceWanted(service=ServiceWanted(s)) for s in draft.get("services_wanted") or ()
        ],
        "answers": {k: v for k, v in draft.items() if k not in TYPED_KEYS | NOT_KEPT},
    }


def id_number_masked(cipher: Cipher, person: Person) -> str:
    """The ID number as staff and the person see it on screen: its ends only."""
    return mask_id(cipher.decrypt(person.id_cipher, "id").decode())
