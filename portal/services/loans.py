"""Entrepreneurship services (§3.2 (3), issue 10 point 10): the county's registered people who want to start a
business, with entrepreneurship training, opening guidance and financing services recorded as service records;
and the business-start guarantee loan (创业担保贷款, policy P04): the resident applies, the rule engine reads P04's
conditions at submission, and the agency moves the application through the lender's decision, step by step."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from portal import i18n
from portal.adapters.sms import SmsGateway
from portal.adapters.social_insurance import SocialInsurance
from portal.clock import local_date, local_today
from portal.crypto import Cipher
from portal.i18n import _l, localised
from portal.models import (
    OPEN_LOAN_STATUSES,
    BusinessType,
    LoanApplication,
    LoanStatus,
    LoanStep,
    MessageKind,
    Person,
    Registration,
    RegistrationStatus,
    ServiceChannel,
    ServiceKind,
    ServiceResult,
)
from portal.models.base import utcnow
from portal.rules.policies import Outcome, evaluate
from portal.services import audit, cases, fields, inbox, paging, policies, service_records
from portal.services import registration as registrations
from portal.services.answers import of as answers_of
from portal.services.errors import Conflict, InputError, NotAllowed, NotFound, OutOfScope
from portal.services.staff import Scope

PAGE_SIZE = 25
LOAN_POLICY = "P04"
# Sample figures (to be confirmed by the bureau): Guangdong lends an individual founder up to CNY 300,000, for up to
# three years (粤人社规〔2020〕… sample: the policy list marks P04 as sample content).
AMOUNT_MAX = 300_000
TERM_MAX = 36
NAME_MAX, PURPOSE_MAX, LENDER_MAX, REASON_MAX = 100, 500, 100, 500

BUSINESS_TYPE_LABELS: dict[str, object] = {
    BusinessType.INDIVIDUAL: _l("Individual business (个体工商户)"),
    BusinessType.SMALL_COMPANY: _l("Small company"),
    BusinessType.ONLINE_SHOP: _l("Online shop"),
    BusinessType.FARM: _l("Family farm or farmers' cooperative"),
    BusinessType.OTHER: _l("Other"),
}
STATUS_LABELS: dict[str, object] = {
    LoanStatus.SUBMITTED: _l("Submitted: the agency checks it"),
    LoanStatus.CHECKED: _l("Checked by the agency"),
    LoanStatus.REFUSED: _l("Not supported by the agency"),
    LoanStatus.SENT: _l("With the lender"),
    LoanStatus.APPROVED: _l("Approved by the lender"),
    LoanStatus.DECLINED: _l("Declined by the lender"),
    LoanStatus.DISBURSED: _l("Paid out"),
}
YES_NO: dict[str, object] = {"yes": _l("Yes"), "no": _l("No")}
SHOW_LABELS: dict[str, object] = {"open": _l("In progress"), "all": _l("All")}


@dataclass(frozen=True)
class Move:
    """A step staff take: from which statuses, to which."""

    label: object
    from_statuses: tuple[LoanStatus, ...]
    to: LoanStatus


MOVES: dict[str, Move] = {
    "check": Move(_l("Conditions and papers checked"), (LoanStatus.SUBMITTED,), LoanStatus.CHECKED),
    "refuse": Move(_l("Cannot be supported"), (LoanStatus.SUBMITTED, LoanStatus.CHECKED), LoanStatus.REFUSED),
    "send": Move(_l("Sent to the lender"), (LoanStatus.CHECKED,), LoanStatus.SENT),
    "approve": Move(_l("The lender approved it"), (LoanStatus.SENT,), LoanStatus.APPROVED),
    "decline": Move(_l("The lender declined it"), (LoanStatus.SENT,), LoanStatus.DECLINED),
    "disburse": Move(_l("The loan was paid out"), (LoanStatus.APPROVED,), LoanStatus.DISBURSED),
}

NO_REGISTRATION = _l("Apply to register as unemployed first: the loan goes with a registration.")
BUSINESS_NAME_REQUIRED = _l("Enter the name of the business (or the name you plan to use)")
BUSINESS_TYPE_REQUIRED = _l("Select the kind of business")
AMOUNT_INVALID = _l("Enter the amount in whole yuan, from 1 to 300,000 (the sample limit for one person)")
PURPOSE_REQUIRED = _l("Say what the loan is for")
TERM_INVALID = _l("Enter the term in whole months, from 1 to 36")
REGISTERED_REQUIRED = _l("Select whether the business is registered")
REGISTERED_ON_INVALID = _l("Enter the day the business was registered: a real date, not in the future")
ACTION_REQUIRED = _l("Select the step")
LENDER_REQUIRED = _l("Enter the lender")
APPROVED_AMOUNT_INVALID = _l("Enter the amount approved in whole yuan, not more than was asked")
DAY_INVALID = _l("Enter the day: a real date, not in the future")
REASON_REQUIRED = _l("Say why, for the applicant")


# ---- the resident -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LoanForm:
    business_name: str = ""
    business_type: str = ""
    amount: str = ""
    purpose: str = ""
    term_months: str = ""
    business_registered: str = ""
    business_registered_on: str = ""


@dataclass(frozen=True)
class ApplyPage:
    registered: bool  # an open registration to apply with
    outcome: Outcome | None  # P04's conditions read now
    open_number: str | None
    applications: list[LoanApplication]


async def _outcome(
    session: AsyncSession, cipher: Cipher, social_insurance: SocialInsurance, registration: Registration, today: date
) -> Outcome:
    policy = await policies.get(session, LOAN_POLICY)
    profile = await policies.profile_of(session, cipher, social_insurance, registration, answers_of(registration))
    return evaluate(LOAN_POLICY, policy.conditions, profile, today)


async def _of_account(session: AsyncSession, account_id: int) -> list[LoanApplication]:
    return list(
        await session.scalars(
            select(LoanApplication)
            .where(LoanApplication.account_id == account_id)
            .order_by(LoanApplication.submitted_at.desc(), LoanApplication.id.desc())
            .limit(PAGE_SIZE)
        )
    )


async def apply_page(
    session: AsyncSession, cipher: Cipher, social_insurance: SocialInsurance, account_id: int
) -> ApplyPage:
    registration = await registrations.latest_of(session, account_id)
    applications = await _of_account(session, account_id)
    open_number = next((a.number for a in applications if a.status in OPEN_LOAN_STATUSES), None)
    if registration is None or not registration.is_open:
        return ApplyPage(False, None, open_number, applications)
    outcome = await _outcome(session, cipher, social_insurance, registration, local_today())
    return ApplyPage(True, outcome, open_number, applications)


@dataclass(frozen=True)
class Applied:
    number: str
    already: bool  # an open application was there already (a double submit)


def _check_form(form: LoanForm, today: date) -> dict[str, Any]:
    errors: dict[str, object] = {}
    name, purpose = " ".join(form.business_name.split()), form.purpose.strip()
    if not name:
        errors["business_name"] = BUSINESS_NAME_REQUIRED
    if form.business_type not in BUSINESS_TYPE_LABELS:
        errors["business_type"] = BUSINESS_TYPE_REQUIRED
    amount = fields.db_int(form.amount.replace(",", "").replace("，", "")) if form.amount.strip() else None
    if amount is None or not 1 <= amount <= AMOUNT_MAX:
        errors["amount"] = AMOUNT_INVALID
    if not purpose:
        errors["purpose"] = PURPOSE_REQUIRED
    term = fields.db_int(form.term_months) if form.term_months.strip() else None
    if term is None or not 1 <= term <= TERM_MAX:
        errors["term_months"] = TERM_INVALID
    registered_on = None
    if form.business_registered not in YES_NO:
        errors["business_registered"] = REGISTERED_REQUIRED
    elif form.business_registered == "yes":
        registered_on = fields.past_date(form.business_registered_on, today)
        if registered_on is None:
            errors["business_registered_on"] = REGISTERED_ON_INVALID
    fields.check_lengths(errors, {"business_name": (name, NAME_MAX), "purpose": (purpose, PURPOSE_MAX)})
    if errors:
        raise InputError(errors)
    return {
        "business_name": name, "business_type": BusinessType(form.business_type), "amount_asked": amount,
        "purpose": purpose, "term_months": term, "business_registered": form.business_registered == "yes",
        "business_registered_on": registered_on,
    }  # fmt: skip


def _trace(outcome_in: Mapping[str, Outcome]) -> list[dict[str, Any]]:
    """Each check's words in both languages, so either side reads the trace in their own."""
    zh, en = outcome_in["zh_CN"], outcome_in["en"]
    return [
        {"check": a.name, "met": a.met, "zh": a.words, "en": b.words}
        for a, b in zip(zh.checks, en.checks, strict=True)
        if a.words
    ]


async def _open_number(session: AsyncSession, person_id: int) -> str | None:
    return await session.scalar(
        select(LoanApplication.number).where(
            LoanApplication.person_id == person_id, LoanApplication.status.in_(OPEN_LOAN_STATUSES)
        )
    )


async def apply(
    session: AsyncSession, cipher: Cipher, social_insurance: SocialInsurance, account_id: int, form: LoanForm,
    now: datetime | None = None,
) -> Applied:  # fmt: skip
    """Collect the application and read P04's conditions with the rule engine, keeping the trace (met and
    missing) with it; the agency's check decides. One open application per person: the partial unique index
    decides a double submit, which finds the first."""
    now = now or utcnow()
    today = local_date(now)
    registration = await registrations.latest_of(session, account_id)
    if registration is None or not registration.is_open:
        raise InputError({"eligibility": NO_REGISTRATION})
    if (number := await _open_number(session, registration.person_id)) is not None:
        return Applied(number, already=True)
    values = _check_form(form, today)
    outcomes = {}
    for locale in i18n.LOCALES:
        token = i18n.current_locale.set(locale)
        try:
            outcomes[locale] = await _outcome(session, cipher, social_insurance, registration, today)
        finally:
            i18n.current_locale.reset(token)
    application = LoanApplication(
        number=await _new_number(session, today), person_id=registration.person_id, registration_id=registration.id,
        account_id=account_id, county_code=registration.county_code, status=LoanStatus.SUBMITTED,
        conditions_met=outcomes["zh_CN"].eligible, trace=_trace(outcomes), submitted_at=now, **values,
    )  # fmt: skip
    try:
        async with session.begin_nested():
            session.add(application)
            await session.flush()
    except IntegrityError:
        number = await _open_number(session, registration.person_id)
        if number is None:  # pragma: no cover - the winner cannot vanish inside this transaction
            raise
        return Applied(number, already=True)
    session.add(LoanStep(application_id=application.id, status=LoanStatus.SUBMITTED, at=now))
    await session.flush()
    return Applied(application.number, already=False)


async def _new_number(session: AsyncSession, today: date) -> str:
    # Random rather than sequential, so numbers say nothing about how many others applied.
    while True:
        number = f"ZL{today:%Y%m%d}{secrets.randbelow(1_000_000):06d}"
        if await session.scalar(select(LoanApplication.id).where(LoanApplication.number == number)) is None:
            return number


@dataclass(frozen=True)
class LoanView:
    application: LoanApplication
    steps: list[LoanStep]
    name: str
    registration_number: str
    moves: list[str]  # the steps the viewer may take now


async def _steps(session: AsyncSession, application_id: int) -> list[LoanStep]:
    return list(
        await session.scalars(select(LoanStep).where(LoanStep.application_id == application_id).order_by(LoanStep.id))
    )


async def one_of_account(session: AsyncSession, account_id: int, number: str) -> LoanView:
    application = await session.scalar(
        select(LoanApplication).where(LoanApplication.account_id == account_id, LoanApplication.number == number)
    )
    if application is None:
        raise NotFound()
    return LoanView(application, await _steps(session, application.id), "", "", [])


def trace_words(entry: Mapping[str, Any]) -> str:
    return localised(str(entry.get("zh", "")), str(entry.get("en", "")))


# ---- the agency ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LoanRow:
    number: str
    name: str
    status: LoanStatus
    amount_asked: int
    submitted_at: datetime
    conditions_met: bool


@dataclass(frozen=True)
class LoanPage:
    rows: list[LoanRow]
    show: str
    total: int
    page: int
    pages: int


async def queue(session: AsyncSession, scope: Scope, *, show: str = "open", page: int = 1) -> LoanPage:
    """The county's applications (city staff: the city's), the oldest in progress first."""
    show = show if show in SHOW_LABELS else "open"
    conditions: list[ColumnElement[bool]] = []
    if show == "open":
        conditions.append(LoanApplication.status.in_(OPEN_LOAN_STATUSES))
    if not scope.is_city:
        conditions.append(LoanApplication.county_code == scope.area_code)
    total = await session.scalar(select(func.count()).select_from(LoanApplication).where(*conditions)) or 0
    win = paging.window(total, page, PAGE_SIZE)
    rows = await session.execute(
        select(LoanApplication, Person.name)
        .join(Person, Person.id == LoanApplication.person_id)
        .where(*conditions)
        .order_by(LoanApplication.submitted_at, LoanApplication.id)
        .limit(win.limit)
        .offset(win.offset)
    )
    await audit.record(session, scope.actor, "loans.view", "loan_applications", scope.area_code or "city",
                       {"page": win.page, "show": show})  # fmt: skip
    return LoanPage(
        [LoanRow(a.number, name, a.status, a.amount_asked, a.submitted_at, a.conditions_met) for a, name in rows.all()],
        show, total, win.page, win.pages,
    )  # fmt: skip


async def _find(session: AsyncSession, scope: Scope, number: str) -> LoanApplication:
    application = await session.scalar(
        select(LoanApplication).where(LoanApplication.number == number[:20]).execution_options(populate_existing=True)
    )
    if application is None:
        raise NotFound()
    if not scope.covers(application.county_code):
        raise OutOfScope(scope.actor, "loan_application", number[:20])
    return application


async def case_of(session: AsyncSession, scope: Scope, number: str) -> LoanView:
    application = await _find(session, scope, number)
    row = (
        await session.execute(
            select(Person.name, Registration.number)
            .join(Registration, Registration.person_id == Person.id)
            .where(Registration.id == application.registration_id)
        )
    ).one()
    await audit.record(session, scope.actor, "loan.view", "loan_application", application.number)
    moves = [name for name, move in MOVES.items() if application.status in move.from_statuses] if scope.can_act else []
    return LoanView(application, await _steps(session, application.id), row[0], row[1], moves)


@dataclass(frozen=True)
class StepForm:
    seen_status: str = ""  # the status the page showed: a step over a stale page answers 409
    action: str = ""
    lender: str = ""
    amount: str = ""
    day: str = ""
    reason: str = ""
    note: str = ""


async def take_step(
    session: AsyncSession, sms: SmsGateway, scope: Scope, number: str, form: StepForm, today: date | None = None
) -> LoanApplication:
    """Move an application one step, with a conditional UPDATE on the status the page showed: two staff taking a
    step at once, or a page left open, find it moved (409). Audited; the applicant is told."""
    if not scope.can_act:
        raise NotAllowed()
    today = today or local_today()
    application = await _find(session, scope, number)
    move = MOVES.get(form.action)
    errors: dict[str, object] = {}
    values: dict[str, Any] = {}
    lender, reason, note = " ".join(form.lender.split()), form.reason.strip(), form.note.strip()
    if move is None:
        errors["action"] = ACTION_REQUIRED
    elif form.action == "send":
        if not lender:
            errors["lender"] = LENDER_REQUIRED
        values["lender"] = lender
    elif form.action == "approve":
        amount = fields.db_int(form.amount.replace(",", "")) if form.amount.strip() else None
        if amount is None or not 1 <= amount <= application.amount_asked:
            errors["amount"] = APPROVED_AMOUNT_INVALID
        day = fields.past_date(form.day, today)
        if day is None:
            errors["day"] = DAY_INVALID
        values |= {"amount_approved": amount, "approved_on": day}
    elif form.action == "disburse":
        day = fields.past_date(form.day, today)
        if day is None:
            errors["day"] = DAY_INVALID
        values["disbursed_on"] = day
    elif form.action in ("refuse", "decline"):
        if not reason:
            errors["reason"] = REASON_REQUIRED
        values["reason"] = reason
    fields.check_lengths(errors, {"lender": (lender, LENDER_MAX), "reason": (reason, REASON_MAX),
                                  "note": (note, REASON_MAX)})  # fmt: skip
    if errors:
        raise InputError(errors)
    assert move is not None
    if form.seen_status not in {s.value for s in move.from_statuses}:
        raise Conflict()  # the page offered a step the application was not in a state for
    moved = await session.scalar(
        update(LoanApplication)
        .where(LoanApplication.id == application.id, LoanApplication.status == LoanStatus(form.seen_status))
        .values(status=move.to, updated_at=utcnow(), **values)
        .returning(LoanApplication.id)
        .execution_options(synchronize_session=False)
    )
    if moved is None:
        raise Conflict()
    words = {"send": lender, "refuse": reason, "decline": reason}.get(form.action, "")
    session.add(LoanStep(application_id=application.id, status=move.to, staff_id=scope.staff_id,
                         note="；".join(part for part in (words, note) if part)))  # fmt: skip
    await session.flush()
    await audit.record(
        session, scope.actor, "loan.step", "loan_application", application.number,
        {"status": [form.seen_status, move.to.value], **{k: v for k, v in values.items() if k != "reason"},
         "reason": reason or None},
    )  # fmt: skip
    registration = await session.get(Registration, application.registration_id)
    assert registration is not None
    if application.account_id is not None:
        await inbox.tell(session, sms, registration, MessageKind.LOAN_UPDATED, {"number": application.number})
    return await _find(session, scope, number)


# ---- entrepreneurship services --------------------------------------------------------------------------------------

# What is offered, and the kind of service record it is: entrepreneurship training is a free-training notice,
# opening guidance a guidance session and financing a policy connection, so that the 12333 minimum counts them
# where the notice does.
SERVICES: dict[str, tuple[object, ServiceKind, str]] = {
    "training": (_l("Entrepreneurship training"), ServiceKind.TRAINING, "创业培训"),
    "opening": (_l("Opening guidance"), ServiceKind.GUIDANCE, "开业指导"),
    "financing": (_l("Financing service (guarantee loan)"), ServiceKind.POLICY, "融资服务"),
}
SERVICE_LABELS: dict[str, object] = {name: label for name, (label, _kind, _zh) in SERVICES.items()}
CHANNEL_LABELS: dict[str, object] = {
    k: v for k, v in service_records.CHANNEL_LABELS.items() if k != ServiceChannel.DATA
}
RESULT_LABELS = service_records.RESULT_LABELS
SERVICE_REQUIRED = _l("Select the service offered")
CHANNEL_REQUIRED = _l("Select the channel")
RESULT_REQUIRED = _l("Select the result")


@dataclass(frozen=True)
class EntrepreneurRow:
    number: str
    name: str
    registered_on: date | None
    loan_number: str | None
    loan_status: LoanStatus | None


@dataclass(frozen=True)
class EntrepreneurPage:
    rows: list[EntrepreneurRow]
    total: int
    page: int
    pages: int


async def entrepreneurs(session: AsyncSession, scope: Scope, *, page: int = 1) -> EntrepreneurPage:
    """The county's registered people who want to start a business (city staff: the city's), the longest
    registered first, with any loan application in progress."""
    conditions: list[ColumnElement[bool]] = [
        Registration.status == RegistrationStatus.REGISTERED,
        Registration.wants_business.is_(True),
    ]
    if not scope.is_city:
        conditions.append(Registration.county_code == scope.area_code)
    total = await session.scalar(select(func.count()).select_from(Registration).where(*conditions)) or 0
    win = paging.window(total, page, PAGE_SIZE)
    rows = await session.execute(
        select(Registration.number, Person.name, Registration.decided_at, LoanApplication.number,
               LoanApplication.status)
        .join(Person, Person.id == Registration.person_id)
        .outerjoin(LoanApplication, and_(LoanApplication.person_id == Registration.person_id,
                                         LoanApplication.status.in_(OPEN_LOAN_STATUSES)))
        .where(*conditions)
        .order_by(Registration.decided_at, Registration.id)
        .limit(win.limit)
        .offset(win.offset)
    )  # fmt: skip
    await audit.record(session, scope.actor, "entrepreneurs.view", "entrepreneurs", scope.area_code or "city",
                       {"page": win.page})  # fmt: skip
    return EntrepreneurPage(
        [EntrepreneurRow(number, name, local_date(decided) if decided else None, loan, status)
         for number, name, decided, loan, status in rows.all()],
        total, win.page, win.pages,
    )  # fmt: skip


async def offer(
    session: AsyncSession, scope: Scope, number: str, *, service: str, channel: str, result: str, note: str,
    today: date | None = None,
) -> str:  # fmt: skip
    """An entrepreneurship service offered to a registered person, today, in one step: a service record of its
    kind (counted for the 12333 minimum), audited. The service's name."""
    if not scope.can_act:
        raise NotAllowed()
    today = today or local_today()
    errors: dict[str, object] = {}
    if service not in SERVICES:
        errors["service"] = SERVICE_REQUIRED
    if channel not in CHANNEL_LABELS:
        errors["channel"] = CHANNEL_REQUIRED
    if result not in RESULT_LABELS:
        errors["result"] = RESULT_REQUIRED
    fields.check_lengths(errors, {"note": (note.strip(), fields.NOTE_MAX)})
    if errors:
        raise InputError(errors)
    registration = await cases.find(session, scope, number)
    if registration.status is not RegistrationStatus.REGISTERED:
        raise Conflict()
    _label, kind, words = SERVICES[service]
    text = "：".join(part for part in (f"创业服务·{words}", note.strip()) if part)
    await service_records.add(session, registration.id, today, kind, ServiceChannel(channel), ServiceResult(result),
                              text, scope.staff_id)  # fmt: skip
    await audit.record(session, scope.actor, "entrepreneurship.offer", "registration", registration.number,
                       {"service": service, "channel": channel, "result": result})  # fmt: skip
    return service
