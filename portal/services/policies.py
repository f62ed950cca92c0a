"""The support policy checklist (Attachment 4): the policies in force, in the reader's language; what the rules
know about a person (their profile, from the registration and its records); the resident's checklist, fitting
first with the reasons; the anonymous "what might I get?" check; and new versions written by a city
administrator."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import exists, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from portal.adapters.social_insurance import SocialInsurance
from portal.clock import local_date, local_today
from portal.crypto import Cipher
from portal.i18n import _l, localised
from portal.models import (
    JOB_LOSS_CATEGORIES,
    Certification,
    CertificationStatus,
    Difficulty,
    Grant,
    Policy,
    PolicyApplication,
    PolicyApplicationStatus,
    PolicyVersion,
    Registration,
    UnemploymentCategory,
)
from portal.rules.policies import Outcome, Profile, evaluate, problems_in
from portal.services import audit, credit, fields
from portal.services import registration as registrations
from portal.services.answers import Answers
from portal.services.answers import of as answers_of
from portal.services.errors import Conflict, InputError, NotAllowed, NotFound
from portal.services.staff import Scope

POLICIES_FILE = Path(__file__).parent.parent / "data" / "policies.json"

SITUATION_LABELS: dict[str, object] = {
    "job": _l("Looking for a job"),
    "training": _l("Training"),
    "business": _l("Starting a business"),
    "insurance": _l("Unemployment insurance"),
    "older": _l("Older workers"),
    "disabled": _l("People with a disability"),
    "difficulty": _l("Employment difficulty"),
    "graduate": _l("Graduating students"),
}
PER_LABELS: dict[str, object] = {
    "once": _l("once"),
    "year": _l("a year"),
    "month": _l("a month"),
    "hire": _l("per person hired"),
}
# Reported circumstances the rules read as categories of employment difficulty.
_CATEGORY_OF = {d: d.value for d in Difficulty}
# A job lost without choosing it (失业保险条例: 非因本人意愿中断就业): not resigning, not closing one's own business.
_INVOLUNTARY = JOB_LOSS_CATEGORIES - {UnemploymentCategory.RESIGNED, UnemploymentCategory.BUSINESS_CLOSED}


@dataclass(frozen=True)
class Amount:
    amount: Decimal
    per: object
    label: str
    basis: str
    valid_from: date


@dataclass(frozen=True)
class PolicyView:
    """A policy version in the reader's language."""

    code: str
    version: int
    version_id: int
    kind: str
    situations: list[str]
    title: str
    who: str
    gives: str
    how: str
    where: str
    legal_basis: str
    valid_from: date
    valid_to: date | None
    is_sample: bool
    amounts: list[Amount]
    conditions: list[dict[str, Any]] = field(repr=False)


def view(row: PolicyVersion) -> PolicyView:
    return PolicyView(
        code=row.policy_code, version=row.version, version_id=row.id, kind=row.kind, situations=list(row.situations),
        title=localised(row.title_zh, row.title_en), who=localised(row.who_zh, row.who_en),
        gives=localised(row.gives_zh, row.gives_en), how=localised(row.how_zh, row.how_en),
        where=localised(row.where_zh, row.where_en), legal_basis=row.legal_basis, valid_from=row.valid_from,
        valid_to=row.valid_to, is_sample=row.is_sample, conditions=list(row.conditions),
        amounts=[
            Amount(Decimal(a["amount"]), PER_LABELS.get(a["per"], a["per"]), localised(a["label_zh"], a["label_en"]),
                   a["basis"], date.fromisoformat(a["valid_from"]))
            for a in row.amounts
        ],
    )  # fmt: skip


def _current_versions(on: date | None) -> Any:
    query = (
        select(PolicyVersion)
        .join(Policy, (Policy.code == PolicyVersion.policy_code) & (Policy.current_version == PolicyVersion.version))
        .order_by(Policy.sort_order, Policy.code)
    )
    if on is not None:
        query = query.where(
            PolicyVersion.valid_from <= on, (PolicyVersion.valid_to.is_(None)) | (PolicyVersion.valid_to >= on)
        )
    return query


async def in_force(session: AsyncSession, *, situation: str = "", on: date | None = None) -> list[PolicyView]:
    """The policies in force on the day (today), optionally those listed under one situation."""
    rows = [view(row) for row in await session.scalars(_current_versions(on or local_today()))]
    if situation in SITUATION_LABELS:
        rows = [p for p in rows if situation in p.situations]
    return rows


async def current_versions(session: AsyncSession) -> list[PolicyView]:
    """Every policy's version in force, whatever its dates (for the administrators' list)."""
    return [view(row) for row in await session.scalars(_current_versions(None))]


async def titles(session: AsyncSession) -> dict[str, str]:
    """Each policy's current title in the reader's language, by code (for lists that name policies)."""
    return {p.code: p.title for p in await current_versions(session)}


async def get(session: AsyncSession, code: str) -> PolicyView:
    row = await session.scalar(_current_versions(None).where(PolicyVersion.policy_code == code))
    if row is None:
        raise NotFound()
    return view(row)


async def load_policies(session: AsyncSession, path: Path = POLICIES_FILE) -> int:
    """Add the policies of the data file that are missing, as version 1; never overwrite an administrator's."""
    data = json.loads(path.read_text(encoding="utf-8"))["policies"]  # noqa: ASYNC240 - read once at set-up
    existing = set(await session.scalars(select(Policy.code)))
    added = 0
    for order, item in enumerate(data):
        if item["code"] in existing:
            continue
        session.add(Policy(code=item["code"], sort_order=order, current_version=1))
        session.add(PolicyVersion(policy_code=item["code"], version=1, **_content(item)))
        added += 1
    await session.flush()
    return added


_CONTENT_KEYS = (
    "kind", "situations", "title_zh", "title_en", "who_zh", "who_en", "gives_zh", "gives_en", "how_zh", "how_en",
    "where_zh", "where_en", "legal_basis", "is_sample", "conditions", "amounts", "questions", "papers",
)  # fmt: skip


def _content(item: Mapping[str, Any]) -> dict[str, Any]:
    content = {key: item[key] for key in _CONTENT_KEYS}
    content["valid_from"] = date.fromisoformat(item["valid_from"])
    content["valid_to"] = date.fromisoformat(item["valid_to"]) if item.get("valid_to") else None
    return content


# ---- what the rules know about a person -------------------------------------------------------------------


async def profile_of(
    session: AsyncSession, cipher: Cipher, social_insurance: SocialInsurance, registration: Registration,
    answers: Answers,
) -> Profile:  # fmt: skip
    """The profile of a registered (or applying) person, from their registration, its typed answers, the
    social-insurance record and the credit list."""
    person = registration.person
    record = await social_insurance.employment(cipher.decrypt(person.id_cipher, "id").decode())
    intentions = {"job"}  # registering is asking for work (§1.1)
    if answers.wants_training:
        intentions.add("training")
    if answers.wants_business:
        intentions.add("business")
    today = local_today()
    listed, listed_until = await credit.listed_until(session, person.id, today)
    granted = {
        code: (period_from, period_to)
        for code, period_from, period_to in (
            await session.execute(
                select(Grant.policy_code, Grant.period_from, Grant.period_to).where(Grant.person_id == person.id)
            )
        ).all()
    }
    ui_period = granted.get("P08")
    # The certification of employment difficulty: a P11 grant (as first recorded) or the certified status.
    certified = "P11" in granted or bool(await session.scalar(select(exists().where(
        Certification.person_id == person.id, Certification.status == CertificationStatus.CERTIFIED))))  # fmt: skip
    # What approved applications answered (a business's founding date, its hires …): facts the agency accepted.
    accepted = await session.scalars(
        select(PolicyApplication.answers)
        .where(PolicyApplication.registration_id == registration.id,
               PolicyApplication.status == PolicyApplicationStatus.APPROVED)
        .order_by(PolicyApplication.decided_at)
    )  # fmt: skip
    profile = Profile(
        birth_date=person.birth_date,
        sex=person.sex,
        registration_state=registration.status.value,
        registered_on=local_date(registration.decided_at) if registration.decided_at else None,
        intentions=frozenset(intentions),
        months_insured=record.insured_months,
        involuntary_job_loss=answers.unemployment_category in _INVOLUNTARY,
        difficulty_categories=frozenset(_CATEGORY_OF[d] for d in answers.difficulties),
        credit_listed=listed,
        credit_listed_until=listed_until,
        # What was granted: P11 is the certification itself, P08 the benefit, while its period runs.
        policies_taken=frozenset(granted) | ({"P11"} if certified else set()),
        difficulty_certified=certified,
        receiving_ui_benefit=ui_period is not None and ui_period[0] <= today <= ui_period[1],
    )
    for answers_given in accepted:
        profile = with_answers(profile, answers_given)
    return profile


def with_answers(profile: Profile, answers: Mapping[str, Any]) -> Profile:
    """The profile with what an application answered (a business's founding date, hires …)."""
    changes = dict(answers)
    if "business_founded_on" in changes:
        changes["business_founded_on"] = date.fromisoformat(changes["business_founded_on"])
    return replace(profile, **changes)


@dataclass(frozen=True)
class Fit:
    """A policy and how it fits the person: the rule engine's outcome, with its words."""

    policy: PolicyView
    outcome: Outcome


def checklist(policies: Sequence[PolicyView], profile: Profile, on: date) -> list[Fit]:
    """Every policy evaluated for the person: those that fit first, each group in the checklist's order."""
    fits = [Fit(p, evaluate(p.code, p.conditions, profile, on)) for p in policies]
    return [f for f in fits if f.outcome.eligible] + [f for f in fits if not f.outcome.eligible]


@dataclass(frozen=True)
class ResidentChecklist:
    """The signed-in resident's checklist: nothing to evaluate until they have applied."""

    registration: Registration | None
    fits: list[Fit]


async def resident_checklist(
    session: AsyncSession, cipher: Cipher, social_insurance: SocialInsurance, account_id: int,
    on: date | None = None,
) -> ResidentChecklist:  # fmt: skip
    on = on or local_today()
    registration = await registrations.latest_of(session, account_id)
    if registration is None:
        return ResidentChecklist(None, [])
    profile = await profile_of(session, cipher, social_insurance, registration, answers_of(registration))
    return ResidentChecklist(registration, checklist(await in_force(session, on=on), profile, on))


# ---- "what might I get?": a few questions, nothing stored -----------------------------------------------

AGE_MAX = 120
INSURED_CHOICES: dict[str, object] = {
    "0": _l("Never, or less than a year"),
    "12": _l("1 to 5 years"),
    "60": _l("5 to 10 years"),
    "120": _l("10 years or more"),
}
REGISTERED_CHOICES: dict[str, object] = {
    "registered": _l("Yes"),
    "none": _l("Not yet"),
}
YES_NO: dict[str, object] = {"yes": _l("Yes"), "no": _l("No")}
SEX_LABELS: dict[str, object] = {"F": _l("Female"), "M": _l("Male")}
INTENTION_LABELS: dict[str, object] = {
    "training": _l("I want skills training"),
    "business": _l("I want to start a business"),
}
QUICK_AGE_INVALID = _l("Enter your age in whole years, for example 45")


@dataclass(frozen=True)
class QuickAnswers:
    """The anonymous check's answers, as typed (the form comes back with them)."""

    age: str = ""
    sex: str = ""
    registered: str = ""
    insured: str = ""
    job_lost_involuntarily: str = ""
    intentions: Sequence[str] = ()
    circumstances: Sequence[str] = ()
    founded_business: str = ""


def quick_profile(answers: QuickAnswers, on: date) -> Profile:
    """A profile from the anonymous check; InputError for an age that is not one."""
    age = fields.db_int(answers.age) if answers.age.strip() else None
    if age is None or not 0 < age <= AGE_MAX:
        raise InputError({"age": QUICK_AGE_INVALID})
    from portal.rules.pension import clamp_day

    registered = answers.registered == "registered"
    return Profile(
        birth_date=clamp_day(on.year - age, on.month, on.day),
        sex=answers.sex if answers.sex in ("M", "F") else None,
        registration_state="registered" if registered else "none",
        registered_on=None,  # not asked: the words then say no date
        intentions=frozenset({"job"} | {i for i in answers.intentions if i in ("training", "business")}),
        months_insured=int(answers.insured) if answers.insured in INSURED_CHOICES else 0,
        involuntary_job_loss=answers.job_lost_involuntarily == "yes",
        difficulty_categories=frozenset(c for c in answers.circumstances if c in _CATEGORY_OF.values()),
        business_founded_on=on if answers.founded_business == "yes" else None,
    )


# ---- editing: every change a new version ------------------------------------------------------------------

TEXT_FIELDS = (
    "title_zh", "title_en", "who_zh", "who_en", "gives_zh", "gives_en", "how_zh", "how_en", "where_zh", "where_en",
    "legal_basis",
)  # fmt: skip
TITLE_MAX, TEXT_MAX, BASIS_MAX = 120, 4000, 300
FIELD_REQUIRED = _l("This is required")
DATE_INVALID = _l("Enter a real date, like 2026-11-20")
VALID_TO_BEFORE = _l("The end must be on or after the start")
JSON_INVALID = _l("Write the conditions as JSON, a list of checks")
CHANGE_NOTE_REQUIRED = _l("Say what you changed and why")


@dataclass(frozen=True)
class PolicyEdit:
    """What an administrator sends: the texts, the dates, the sample mark, the conditions as JSON text."""

    texts: Mapping[str, str]
    valid_from: str
    valid_to: str
    is_sample: bool
    conditions: str
    change_note: str


async def edit(session: AsyncSession, admin: Scope, code: str, based_on: int, change: PolicyEdit) -> PolicyVersion:
    """A new version of the policy, written over the version the form showed (`based_on`); audited with
    what changed."""
    if not admin.is_admin:
        raise NotAllowed()
    current = await session.scalar(_current_versions(None).where(PolicyVersion.policy_code == code))
    if current is None:
        raise NotFound()
    errors: dict[str, object] = {}
    for name in TEXT_FIELDS:
        limit = TITLE_MAX if name.startswith("title") else BASIS_MAX if name == "legal_basis" else TEXT_MAX
        text = change.texts.get(name, "").strip()
        if not text:
            errors[name] = FIELD_REQUIRED
        elif (too_long := fields.too_long(text, limit)) is not None:
            errors[name] = too_long
    valid_from = fields.parse_date(change.valid_from)
    valid_to = fields.parse_date(change.valid_to) if change.valid_to.strip() else None
    if valid_from is None:
        errors["valid_from"] = DATE_INVALID
    if change.valid_to.strip() and valid_to is None:
        errors["valid_to"] = DATE_INVALID
    elif valid_from and valid_to and valid_to < valid_from:
        errors["valid_to"] = VALID_TO_BEFORE
    try:
        conditions = json.loads(change.conditions)
    except ValueError:
        conditions, errors["conditions"] = None, JSON_INVALID
    else:
        if problems := problems_in(conditions):
            errors["conditions"] = _l("The conditions are not valid: %(problem)s", problem=problems[0])
    if not change.change_note.strip():
        errors["change_note"] = CHANGE_NOTE_REQUIRED
    fields.check_lengths(errors, {"change_note": (change.change_note.strip(), fields.NOTE_MAX)})
    if errors:
        raise InputError(errors)
    assert valid_from is not None
    moved = await session.scalar(
        update(Policy)
        .where(Policy.code == code, Policy.current_version == based_on)
        .values(current_version=based_on + 1)
        .returning(Policy.current_version)
        .execution_options(synchronize_session=False)
    )
    if moved is None:
        raise Conflict()
    content = {name: change.texts[name].strip() for name in TEXT_FIELDS}
    new = PolicyVersion(
        policy_code=code, version=based_on + 1, kind=current.kind, situations=current.situations,
        amounts=current.amounts, questions=current.questions, papers=current.papers, valid_from=valid_from,
        valid_to=valid_to, is_sample=change.is_sample, conditions=conditions, created_by=admin.staff_id,
        change_note=change.change_note.strip(), **content,
    )  # fmt: skip
    session.add(new)
    await session.flush()
    changed = sorted(
        name for name in (*TEXT_FIELDS, "valid_from", "valid_to", "is_sample", "conditions")
        if getattr(new, name) != getattr(current, name)
    )  # fmt: skip
    await audit.record(
        session, admin.actor, "policy.edit", "policy", code,
        {"version": [current.version, new.version], "changed": changed, "note": new.change_note},
    )  # fmt: skip
    return new


async def versions(session: AsyncSession, code: str) -> list[PolicyVersion]:
    """Every version of a policy, the newest first (not found when there is no such policy)."""
    found = list(
        await session.scalars(
            select(PolicyVersion).where(PolicyVersion.policy_code == code).order_by(PolicyVersion.version.desc())
        )
    )
    if not found:
        raise NotFound()
    return found
