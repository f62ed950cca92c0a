"""Certification of employment difficulty (就业困难人员认定, §3.1.2; 粤人社规〔2023〕11号): the resident applies for a
category with their evidence or a written commitment; a county reviewer decides within 10 working days; a
refusal gives written reasons and 30 days to ask for a re-check, which a different reviewer decides. The
certified status (start, category, yearly review) is what the policy rules and the tracking list read."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, cast

from sqlalchemy import ColumnElement, CursorResult, and_, exists, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from portal.adapters.sms import SmsGateway
from portal.clock import local_date, local_today
from portal.i18n import _l, localised
from portal.models import (
    Certification,
    CertificationStatus,
    DifficultyCategory,
    MessageKind,
    Person,
    Registration,
    RegistrationStatus,
    StaffUser,
)
from portal.models.base import utcnow
from portal.models.certifications import OPEN_CERTIFICATION
from portal.rules.policies import DIFFICULTY_CATEGORIES
from portal.services import audit, fields, inbox, paging, plans
from portal.services import registration as registrations
from portal.services.calendar import deadline_after, working_days_left
from portal.services.errors import Conflict, InputError, NotAllowed, NotFound
from portal.services.staff import Scope

DECISION_WORKING_DAYS = 10  # 粤人社规〔2023〕11号: the county decides within 10 working days
RECHECK_DAYS = 30  # a refusal may be re-checked if asked within 30 days
REVIEW_YEARS = 1  # the certified status is reviewed once a year (the province's dynamic management)
PAGE_SIZE = 25
TEXT_MAX = 1000

# The province's categories (reference/guangdong-difficulty.md), as first loaded; the city edits them after.
CATEGORY_SEED: dict[str, tuple[str, str]] = {
    "older": ("大龄失业人员（女40周岁以上、男50周岁以上）", "Older unemployed (women 40, men 50 and over)"),
    "disabled": ("持有残疾人证的残疾人员", "Disabled, with a disability certificate"),
    "dibao": ("享受最低生活保障的人员", "In a household on the minimum living guarantee"),
    "zero_employment": ("城镇零就业家庭成员", "Member of an urban household with nobody in work"),
    "rural_poor": ("农村原建档立卡贫困家庭中未转移就业的劳动力", "Rural household formerly registered as poor"),
    "landless": ("被征地农民", "Lost farm land to expropriation"),
    "long_unemployed": ("连续失业1年以上的人员", "Unemployed for a year or more in a row"),
    "rehab_drugs": ("戒毒康复人员", "In rehabilitation from drug use"),
    "released": ("刑满释放人员", "Released from prison"),
    "mental_recovery": ("精神障碍康复人员", "Recovering from a mental disorder"),
    "veteran": ("登记失业6个月以上的退役军人", "Veteran registered unemployed for 6 months or more"),
    "other": ("省规定的其他人员", "Another category set by the province"),
}
assert tuple(CATEGORY_SEED) == DIFFICULTY_CATEGORIES

STATUS_LABELS: dict[str, object] = {
    CertificationStatus.SUBMITTED: _l("Awaiting a decision"),
    CertificationStatus.CERTIFIED: _l("Certified"),
    CertificationStatus.REFUSED: _l("Refused"),
    CertificationStatus.RECHECK: _l("Re-check asked for"),
    CertificationStatus.REFUSED_ON_RECHECK: _l("Refused on re-check"),
    CertificationStatus.ENDED: _l("Certification ended"),
}
EVIDENCE_LABELS: dict[str, object] = {
    "proof": _l("I have the proof (a certificate, a card or a letter) and will show it to the agency"),
    "commitment": _l("I cannot show proof now: I promise in writing that what I say is true"),
}
OUTCOME_LABELS: dict[str, object] = {"certify": _l("Certify"), "refuse": _l("Refuse, with written reasons")}

CATEGORY_REQUIRED = _l("Select the category that applies to you")
EVIDENCE_REQUIRED = _l("Say whether you can show proof")
EVIDENCE_TEXT_REQUIRED = _l("Say what proof you hold")
COMMITMENT_NAME_MISMATCH = _l("Sign with your full name as registered")
OUTCOME_REQUIRED = _l("Select certify or refuse")
REASONS_REQUIRED = _l("Write the reasons for the refusal: the person reads them")
RECHECK_REASON_REQUIRED = _l("Say why the decision should be looked at again")
NAME_REQUIRED = _l("Enter the category's name in both languages")
CODE_INVALID = _l("Use 2 to 20 lower-case letters, digits or underscores")
CODE_TAKEN = _l("That code is taken")


def review_day(certified_on: date) -> date:
    """A year on, the same day; from 29 February, the 28th (民法典 第二百零二条: the month's last day)."""
    try:
        return certified_on.replace(year=certified_on.year + REVIEW_YEARS)
    except ValueError:
        return certified_on.replace(year=certified_on.year + REVIEW_YEARS, day=28)


# ---- categories -------------------------------------------------------------------------------------------------


async def load_categories(session: AsyncSession) -> int:
    """The province's categories, added where missing (reference data: an edit made since is kept)."""
    have = set(await session.scalars(select(DifficultyCategory.code)))
    missing = [
        DifficultyCategory(code=code, position=n, name_zh=zh, name_en=en)
        for n, (code, (zh, en)) in enumerate(CATEGORY_SEED.items(), start=1)
        if code not in have
    ]
    session.add_all(missing)
    await session.flush()
    return len(missing)


@dataclass(frozen=True)
class Category:
    code: str
    name: str
    active: bool
    name_zh: str
    name_en: str


async def categories(session: AsyncSession, *, active_only: bool = True) -> list[Category]:
    query = select(DifficultyCategory).order_by(DifficultyCategory.position, DifficultyCategory.code)
    if active_only:
        query = query.where(DifficultyCategory.active.is_(True))
    return [
        Category(c.code, localised(c.name_zh, c.name_en), c.active, c.name_zh, c.name_en)
        for c in await session.scalars(query)
    ]


async def edit_category(
    session: AsyncSession, admin: Scope, code: str, *, name_zh: str, name_en: str, active: bool
) -> None:
    if not admin.is_admin:
        raise NotAllowed()
    errors: dict[str, object] = {}
    if not name_zh.strip() or not name_en.strip():
        errors["name_zh" if not name_zh.strip() else "name_en"] = NAME_REQUIRED
    fields.check_lengths(errors, {"name_zh": (name_zh.strip(), 200), "name_en": (name_en.strip(), 200)})
    if errors:
        raise InputError(errors)
    row = await session.get(DifficultyCategory, code)
    if row is None:
        raise NotFound()
    before = {"name_zh": row.name_zh, "name_en": row.name_en, "active": row.active}
    row.name_zh, row.name_en, row.active = name_zh.strip(), name_en.strip(), active
    await session.flush()
    await audit.record(session, admin.actor, "certification.category_edit", "difficulty_category", code,
                       {"before": before, "after": {"name_zh": row.name_zh, "name_en": row.name_en,
                                                    "active": active}})  # fmt: skip


async def add_category(session: AsyncSession, admin: Scope, *, code: str, name_zh: str, name_en: str) -> None:
    """A category the province adds; its code is unique (the primary key decides a double submit)."""
    if not admin.is_admin:
        raise NotAllowed()
    code = code.strip()
    errors: dict[str, object] = {}
    if not (2 <= len(code) <= 20 and all(ch.islower() or ch.isdigit() or ch == "_" for ch in code) and
            code.isascii()):  # fmt: skip
        errors["code"] = CODE_INVALID
    if not name_zh.strip() or not name_en.strip():
        errors["name_zh" if not name_zh.strip() else "name_en"] = NAME_REQUIRED
    fields.check_lengths(errors, {"name_zh": (name_zh.strip(), 200), "name_en": (name_en.strip(), 200)})
    if errors:
        raise InputError(errors)
    position = (await session.scalar(select(func.max(DifficultyCategory.position))) or 0) + 1
    try:
        async with session.begin_nested():
            session.add(DifficultyCategory(code=code, position=position, name_zh=name_zh.strip(),
                                           name_en=name_en.strip()))  # fmt: skip
    except IntegrityError:
        raise InputError({"code": CODE_TAKEN}) from None
    await audit.record(session, admin.actor, "certification.category_add", "difficulty_category", code,
                       {"name_zh": name_zh.strip(), "name_en": name_en.strip()})  # fmt: skip


# ---- the certified status, as the rules read it ------------------------------------------------------------------


def certified_person() -> ColumnElement[bool]:
    """For queries joined to Registration: the person holds the certified status."""
    return exists().where(
        Certification.person_id == Registration.person_id, Certification.status == CertificationStatus.CERTIFIED
    )


@dataclass(frozen=True)
class Status:
    category: str
    category_name: str
    certified_on: date
    review_on: date


async def status_of(session: AsyncSession, person_id: int) -> Status | None:
    row = (
        await session.execute(
            select(Certification, DifficultyCategory)
            .join(DifficultyCategory, DifficultyCategory.code == Certification.category)
            .where(Certification.person_id == person_id, Certification.status == CertificationStatus.CERTIFIED)
        )
    ).first()
    if row is None:
        return None
    cert, category = row
    assert cert.certified_on is not None
    assert cert.review_on is not None
    return Status(cert.category, localised(category.name_zh, category.name_en), cert.certified_on, cert.review_on)


# ---- the resident applies ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class View:
    """One certification as either side sees it."""

    number: str
    status: CertificationStatus
    category: str
    category_name: str
    evidence: str
    commitment_name: str | None
    accepted_on: date
    deadline: date
    deadline_provisional: bool
    working_days_left: int
    decided_on: date | None
    reasons: str
    recheck_until: date | None
    recheck_reason: str
    recheck_reasons: str
    certified_on: date | None
    review_on: date | None
    version: int
    name: str = ""
    registration_number: str = ""
    county_code: str = ""
    decided_by: int | None = None
    decided_by_name: str = ""

    @property
    def awaiting(self) -> bool:
        return self.status in OPEN_CERTIFICATION

    def may_recheck(self, today: date) -> bool:
        return (self.status is CertificationStatus.REFUSED and self.recheck_until is not None
                and today <= self.recheck_until)  # fmt: skip


async def _view(session: AsyncSession, cert: Certification, today: date) -> View:
    category = await session.get(DifficultyCategory, cert.category)
    assert category is not None
    person = await session.get(Person, cert.person_id)
    registration = await session.get(Registration, cert.registration_id)
    decider = await session.get(StaffUser, cert.decided_by) if cert.decided_by else None
    assert person is not None
    assert registration is not None
    return View(
        cert.number, cert.status, cert.category, localised(category.name_zh, category.name_en), cert.evidence,
        cert.commitment_name, local_date(cert.accepted_at), cert.deadline, cert.deadline_provisional,
        await working_days_left(session, today, cert.deadline) if cert.status in OPEN_CERTIFICATION else 0,
        local_date(cert.decided_at) if cert.decided_at else None, cert.reasons, cert.recheck_until,
        cert.recheck_reason, cert.recheck_reasons, cert.certified_on, cert.review_on, cert.version, person.name,
        registration.number, cert.county_code, cert.decided_by, decider.full_name if decider else "",
    )  # fmt: skip


@dataclass(frozen=True)
class Mine:
    """The resident's page: their registration (needed to apply), their certifications, newest first."""

    registration: Registration | None
    certifications: list[View]

    @property
    def open(self) -> View | None:
        return next((c for c in self.certifications if c.awaiting), None)

    @property
    def certified(self) -> View | None:
        return next((c for c in self.certifications if c.status is CertificationStatus.CERTIFIED), None)


async def of_account(session: AsyncSession, account_id: int, today: date | None = None) -> Mine:
    today = today or local_today()
    registration = await registrations.latest_of(session, account_id)
    if registration is None:
        return Mine(None, [])
    rows = await session.scalars(
        select(Certification).where(Certification.person_id == registration.person_id)
        .order_by(Certification.accepted_at.desc(), Certification.id.desc()).limit(20)
    )  # fmt: skip
    return Mine(registration, [await _view(session, cert, today) for cert in rows])


async def _new_number(session: AsyncSession, today: date) -> str:
    # Random rather than sequential, so numbers say nothing about how many others applied.
    while True:
        number = f"ZC{today:%Y%m%d}{secrets.randbelow(1_000_000):06d}"
        if await session.scalar(select(Certification.id).where(Certification.number == number)) is None:
            return number


async def _open_number(session: AsyncSession, person_id: int) -> str | None:
    return await session.scalar(
        select(Certification.number).where(
            Certification.person_id == person_id, Certification.status.in_(OPEN_CERTIFICATION)
        )
    )


@dataclass(frozen=True)
class Applied:
    number: str
    already: bool  # an open application was there already (a double submit)


async def apply(
    session: AsyncSession, account_id: int, *, category: str, evidence: str, evidence_text: str,
    commitment_name: str, today: date | None = None,
) -> Applied:  # fmt: skip
    """An application for one category, with proof to show or a written commitment in the person's own name.
    Only a registered person applies (the categories are of registered unemployed people); one open application
    at a time, decided by the partial unique index, so a double submit finds the first."""
    today = today or local_today()
    registration = await registrations.latest_of(session, account_id)
    if registration is None or registration.status is not RegistrationStatus.REGISTERED:
        raise NotAllowed()
    active = {c.code for c in await categories(session)}
    errors: dict[str, object] = {}
    if category not in active:
        errors["category"] = CATEGORY_REQUIRED
    if evidence not in EVIDENCE_LABELS:
        errors["evidence"] = EVIDENCE_REQUIRED
    elif evidence == "proof" and not evidence_text.strip():
        errors["evidence_text"] = EVIDENCE_TEXT_REQUIRED
    elif evidence == "commitment" and commitment_name.strip() != registration.person.name:
        errors["commitment_name"] = COMMITMENT_NAME_MISMATCH
    fields.check_lengths(errors, {"evidence_text": (evidence_text.strip(), TEXT_MAX),
                                  "commitment_name": (commitment_name.strip(), 60)})  # fmt: skip
    if errors:
        raise InputError(errors)
    existing = await _open_number(session, registration.person_id)
    if existing:
        return Applied(existing, already=True)
    due = await deadline_after(session, today, DECISION_WORKING_DAYS)
    cert = Certification(
        number=await _new_number(session, today), registration_id=registration.id,
        person_id=registration.person_id, account_id=account_id, county_code=registration.county_code,
        category=category, status=CertificationStatus.SUBMITTED,
        evidence=evidence_text.strip() if evidence == "proof" else "",
        commitment_name=commitment_name.strip() if evidence == "commitment" else None,
        deadline=due.deadline, deadline_provisional=due.provisional,
    )  # fmt: skip
    try:
        async with session.begin_nested():
            session.add(cert)
    except IntegrityError:  # the same person's other submit won the race: show theirs
        number = await _open_number(session, registration.person_id)
        if number is None:
            raise
        return Applied(number, already=True)
    return Applied(cert.number, already=False)


async def ask_recheck(
    session: AsyncSession, account_id: int, number: str, reason: str, today: date | None = None
) -> None:
    """A re-check of a refusal, asked for within 30 days of it; decided within 10 working days by a reviewer who
    did not make the first decision. One conditional UPDATE: a second request, or one after the window, moves
    nothing."""
    today = today or local_today()
    errors: dict[str, object] = {}
    if not reason.strip():
        errors["reason"] = RECHECK_REASON_REQUIRED
    fields.check_lengths(errors, {"reason": (reason.strip(), TEXT_MAX)})
    if errors:
        raise InputError(errors)
    due = await deadline_after(session, today, DECISION_WORKING_DAYS)
    moved = await session.execute(
        update(Certification)
        .where(Certification.number == number, Certification.account_id == account_id,
               Certification.status == CertificationStatus.REFUSED, Certification.recheck_until >= today)
        .values(status=CertificationStatus.RECHECK, recheck_reason=reason.strip(), recheck_requested_at=utcnow(),
                deadline=due.deadline, deadline_provisional=due.provisional, version=Certification.version + 1)
        .execution_options(synchronize_session=False)
    )  # fmt: skip
    if not cast(CursorResult[Any], moved).rowcount:
        exists_for_account = await session.scalar(
            select(Certification.id).where(Certification.number == number, Certification.account_id == account_id)
        )
        if exists_for_account is None:
            raise NotFound()
        raise Conflict()


# ---- the county decides ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class QueueRow:
    number: str
    name: str
    category_name: str
    status: CertificationStatus
    deadline: date
    overdue: bool
    first_decided_by_me: bool  # a re-check this reviewer may not decide


@dataclass(frozen=True)
class QueuePage:
    rows: list[QueueRow]
    page: int
    pages: int
    total: int


async def queue(session: AsyncSession, scope: Scope, *, page: int = 1, today: date | None = None) -> QueuePage:
    """Applications and re-checks awaiting a decision in the staff member's scope, the nearest deadline first."""
    today = today or local_today()
    where: list[ColumnElement[bool]] = [Certification.status.in_(OPEN_CERTIFICATION)]
    if not scope.is_city:
        where.append(Certification.county_code == scope.area_code)
    total = await session.scalar(select(func.count()).select_from(Certification).where(*where)) or 0
    win = paging.window(total, page, PAGE_SIZE)
    rows = await session.execute(
        select(Certification, Person.name, DifficultyCategory.name_zh, DifficultyCategory.name_en)
        .join(Person, Person.id == Certification.person_id)
        .join(DifficultyCategory, DifficultyCategory.code == Certification.category)
        .where(*where).order_by(Certification.deadline, Certification.id).limit(win.limit).offset(win.offset)
    )  # fmt: skip
    return QueuePage(
        [QueueRow(c.number, name, localised(zh, en), c.status, c.deadline, c.deadline < today,
                  c.status is CertificationStatus.RECHECK and c.decided_by == scope.staff_id)
         for c, name, zh, en in rows.all()],
        win.page, win.pages, total,
    )  # fmt: skip


async def _find(session: AsyncSession, scope: Scope, number: str) -> Certification:
    # Populate afresh: a conditional UPDATE earlier in this session may have moved it past what it holds.
    cert = await session.scalar(
        select(Certification).where(Certification.number == number).execution_options(populate_existing=True)
    )
    if cert is None or not scope.covers(cert.county_code):
        raise NotFound()
    return cert


async def case_of(session: AsyncSession, scope: Scope, number: str, today: date | None = None) -> View:
    cert = await _find(session, scope, number)
    return await _view(session, cert, today or local_today())


async def decide(
    session: AsyncSession, sms: SmsGateway, scope: Scope, number: str, *, version: int, outcome: str, reasons: str,
    today: date | None = None,
) -> CertificationStatus:  # fmt: skip
    """A reviewer's decision on an application, or on a re-check by a reviewer other than the first one. The
    UPDATE moves the certification only from the state and version the reviewer saw (and, on a re-check, only if
    the first decision was someone else's): a second decision, or one on a stale page, is a 409."""
    cert = await _find(session, scope, number)  # another county's is not found, whatever the role
    if not scope.can_decide:
        raise NotAllowed()
    today = today or local_today()
    errors: dict[str, object] = {}
    if outcome not in OUTCOME_LABELS:
        errors["outcome"] = OUTCOME_REQUIRED
    elif outcome == "refuse" and not reasons.strip():
        errors["reasons"] = REASONS_REQUIRED
    fields.check_lengths(errors, {"reasons": (reasons.strip(), TEXT_MAX)})
    if errors:
        raise InputError(errors)
    recheck = cert.status is CertificationStatus.RECHECK
    cert_id, category, registration_id = cert.id, cert.category, cert.registration_id
    if recheck and cert.decided_by == scope.staff_id:
        raise NotAllowed()  # the re-check is someone else's to decide
    now = utcnow()
    certify = outcome == "certify"
    values: dict[str, Any] = {"version": Certification.version + 1}
    if certify:
        values |= {"status": CertificationStatus.CERTIFIED, "certified_on": today,
                   "review_on": review_day(today)}  # fmt: skip
    elif recheck:
        values["status"] = CertificationStatus.REFUSED_ON_RECHECK
    else:
        values |= {"status": CertificationStatus.REFUSED, "recheck_until": today + timedelta(days=RECHECK_DAYS)}
    if recheck:
        values |= {"recheck_decided_at": now, "recheck_decided_by": scope.staff_id,
                   "recheck_reasons": reasons.strip()}  # fmt: skip
    else:
        values |= {"decided_at": now, "decided_by": scope.staff_id, "reasons": reasons.strip()}
    condition = [Certification.id == cert.id, Certification.version == version, Certification.status == cert.status]
    if recheck:
        condition.append(Certification.decided_by != scope.staff_id)
    try:
        async with session.begin_nested():
            moved = await session.execute(
                update(Certification).where(*condition).values(**values).execution_options(synchronize_session=False)
            )
    except IntegrityError:  # certified already under another application (the one-certified-status index)
        raise Conflict() from None
    if not cast(CursorResult[Any], moved).rowcount:
        raise Conflict()
    session.expire(cert)  # moved by the UPDATE above: read afresh by whoever looks next in this session
    status = values["status"]
    await audit.record(session, scope.actor, "certification.recheck" if recheck else "certification.decide",
                       "certification", number, {"outcome": outcome, "status": status.value,
                                                 "category": category})  # fmt: skip
    registration = await session.get(Registration, registration_id)
    assert registration is not None
    if certify:  # a one-person-one-plan plan, with the deciding reviewer as its first named case worker
        await plans.open_for(session, cert_id, registration_id, registration.person_id, registration.county_code,
                             scope.staff_id, today)  # fmt: skip
    kind = MessageKind.CERTIFIED if certify else MessageKind.CERTIFICATION_REFUSED
    await inbox.tell(session, sms, registration, kind, {"number": number})
    return cast(CertificationStatus, status)


async def due_for_review(session: AsyncSession, scope: Scope, today: date, within_days: int = 30) -> int:
    """How many certified people in the scope come up for their yearly review within a month."""
    where: list[ColumnElement[bool]] = [
        Certification.status == CertificationStatus.CERTIFIED,
        Certification.review_on <= today + timedelta(within_days),
    ]
    if not scope.is_city:
        where.append(Certification.county_code == scope.area_code)
    return await session.scalar(select(func.count()).select_from(Certification).where(and_(*where))) or 0
