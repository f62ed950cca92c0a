"""Policy service (政策服务): a registered person applies for a support policy online, with the policy's own
questions and, where proof is missing, the same credit commitment and working-day clock as a registration;
the registration agency decides, with optimistic locking, and an approval becomes a benefit grant."""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.exc import StaleDataError

from portal.adapters.sms import SmsGateway
from portal.adapters.social_insurance import SocialInsurance
from portal.clock import local_date, local_today
from portal.crypto import Cipher
from portal.i18n import _l, format_date, join_words, localised
from portal.models import (
    AWAITING_APPLICATION,
    Commitment,
    CommitmentOutcome,
    CreditSource,
    Grant,
    MessageKind,
    Person,
    PolicyApplication,
    PolicyApplicationStatus,
    PolicyVersion,
    Registration,
)
from portal.models.base import utcnow
from portal.rules.policies import Outcome, evaluate
from portal.services import audit, commitments, credit, fields, inbox, paging, policies, ui_benefit
from portal.services import registration as registrations
from portal.services.answers import id_number_masked
from portal.services.answers import of as answers_of
from portal.services.calendar import deadline_after
from portal.services.errors import Conflict, InputError, NotAllowed, NotFound, OutOfScope
from portal.services.staff import Scope

DEFERRAL_WORKING_DAYS = registrations.DEFERRAL_WORKING_DAYS
DECISION_WORKING_DAYS = registrations.DECISION_WORKING_DAYS
PAGE_SIZE = 25
NONE_MISSING = "none"

STATUS_LABELS: dict[str, object] = {
    PolicyApplicationStatus.SUBMITTED: _l("Awaiting decision"),
    PolicyApplicationStatus.DEFERRED: _l("Accepted, proof to follow"),
    PolicyApplicationStatus.APPROVED: _l("Approved"),
    PolicyApplicationStatus.REJECTED: _l("Not approved"),
}
REJECTION_REASONS: dict[str, object] = {
    "not_eligible": _l("The conditions of the policy are not met"),
    "proof": _l("The missing proof was not provided and could not be checked"),
    "false_information": _l("The information given was not true"),
    "other": _l("Other reason (see the note)"),
}
OUTCOMES: dict[str, object] = {"approve": _l("Approve"), "reject": _l("Do not approve")}
YES_NO: dict[str, object] = {"yes": _l("Yes"), "no": _l("No")}

NO_REGISTRATION = _l("Apply to register as unemployed first: support policies go with a registration.")
PAPERS_REQUIRED = _l("Select the proof you cannot show now, or that you have it all")
NONE_WITH_OTHERS = _l("Select either the missing proof or that you have it all, not both")
SIGNED_NAME_REQUIRED = _l("Type your full name to sign the commitment")
AGREE_REQUIRED = _l("Tick the box to make the commitment")
DATE_ANSWER_INVALID = _l("Enter a real date, not in the future, like 2026-11-20")
NUMBER_ANSWER_INVALID = _l("Enter a whole number, like 3")
CHOICE_REQUIRED = _l("Select yes or no")
OUTCOME_REQUIRED = _l("Select a decision")
AMOUNT_INVALID = _l("Enter the amount granted in yuan, like 1000 or 1665.00")
PERIOD_INVALID = _l("Enter the period granted: two real dates, the end not before the start")
REJECTION_REASON_REQUIRED = _l("Select the reason for not approving")
APPLICANT_NOTE_REQUIRED = _l("Write a note to the applicant saying why")
COMMITMENT_REQUIRED = _l("Select whether the credit commitment was kept")
AMOUNT_MAX = Decimal("1000000")
NO_MONEY = "service"  # the kind of policy whose approval grants no amount
# Policies applied for through a workflow of their own (categories, a re-check), not the generic form.
APPLIED_ELSEWHERE = {"P11": "/account/certification", "P04": "/account/loans"}


# ---- the resident applies -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Question:
    name: str
    kind: str  # date, number, yes_no
    label: str


@dataclass(frozen=True)
class ApplyPage:
    """What the application form of a policy shows the signed-in resident."""

    policy: policies.PolicyView
    registration: Registration | None
    outcome: Outcome | None  # how the policy fits before the policy's own questions are answered
    questions: list[Question]
    papers: dict[str, str]  # code: words
    open_number: str | None  # an application for it that is still open


async def _version_row(session: AsyncSession, code: str) -> PolicyVersion:
    view = await policies.get(session, code)
    row = await session.get(PolicyVersion, view.version_id)
    assert row is not None  # the view was just read from it
    return row


def _questions(row: PolicyVersion) -> list[Question]:
    return [Question(q["name"], q["kind"], localised(q["label_zh"], q["label_en"])) for q in row.questions]


def _papers(row: PolicyVersion) -> dict[str, str]:
    return {p["code"]: localised(p["label_zh"], p["label_en"]) for p in row.papers}


async def _open_number(session: AsyncSession, registration_id: int, code: str) -> str | None:
    return await session.scalar(
        select(PolicyApplication.number).where(
            PolicyApplication.registration_id == registration_id,
            PolicyApplication.policy_code == code,
            PolicyApplication.status.in_(AWAITING_APPLICATION),
        )
    )


async def apply_page(
    session: AsyncSession, cipher: Cipher, social_insurance: SocialInsurance, account_id: int, code: str
) -> ApplyPage:
    row = await _version_row(session, code)
    view = policies.view(row)
    registration = await registrations.latest_of(session, account_id)
    if registration is None:
        return ApplyPage(view, None, None, _questions(row), _papers(row), None)
    profile = await policies.profile_of(session, cipher, social_insurance, registration, answers_of(registration))
    open_number = await _open_number(session, registration.id, code)
    if open_number is None and code == ui_benefit.POLICY_CODE:  # the one benefit, once granted, is shown instead
        held = await ui_benefit.held(session, registration)
        open_number = held.application_number if held else None
    return ApplyPage(
        view, registration, evaluate(code, view.conditions, profile, local_today()), _questions(row), _papers(row),
        open_number,
    )  # fmt: skip


def _answers(
    questions: Sequence[Question], form: Mapping[str, Any], today: date
) -> tuple[dict[str, Any], dict[str, object]]:
    """The policy's own questions, checked: values for the profile, and errors by field."""
    values: dict[str, Any] = {}
    errors: dict[str, object] = {}
    for question in questions:
        raw = str(form.get(question.name) or "").strip()
        if question.kind == "date":
            day = fields.past_date(raw, today)
            if day is None:
                errors[question.name] = DATE_ANSWER_INVALID
            else:
                values[question.name] = day.isoformat()
        elif question.kind == "number":
            number = fields.db_int(raw) if raw else None
            if number is None or not 0 <= number <= 10_000:
                errors[question.name] = NUMBER_ANSWER_INVALID
            else:
                values[question.name] = number
        elif raw in YES_NO:
            values[question.name] = raw == "yes"
        else:
            errors[question.name] = CHOICE_REQUIRED
    return values, errors


@dataclass(frozen=True)
class Applied:
    number: str
    already: bool  # an open application for the policy was there already (a double submit)


async def apply(
    session: AsyncSession, cipher: Cipher, social_insurance: SocialInsurance, account_id: int, code: str,
    form: Mapping[str, Any], language: str, now: datetime | None = None,
) -> Applied:  # fmt: skip
    """Accept an application at once: `deferred` with a commitment when proof is missing (§5.1), otherwise
    `submitted` with a decision target; refused, with what is missing, when the rules say it does not fit."""
    now = now or utcnow()
    today = local_date(now)
    row = await _version_row(session, code)
    registration = await registrations.latest_of(session, account_id)
    if registration is None or not registration.is_open:
        raise InputError({"eligibility": NO_REGISTRATION})
    if (number := await _open_number(session, registration.id, code)) is not None:
        return Applied(number, already=True)
    # The benefit goes with the registration (§3.2(4)): the generic form is for those who did not claim it there,
    # once. What `held` reads cannot change under it to let a second grant through (ui_benefit.grant_once).
    if code == ui_benefit.POLICY_CODE and (held := await ui_benefit.held(session, registration)) is not None:
        if held.application_number is not None:
            return Applied(held.application_number, already=True)
        raise InputError({"eligibility": held.words})
    values, errors = _answers(_questions(row), form, today)
    papers = _papers(row)
    missing = [str(p) for p in form.get("missing_papers") or [] if p]
    if papers:
        if not missing:
            errors["missing_papers"] = PAPERS_REQUIRED
        elif NONE_MISSING in missing and len(missing) > 1:
            errors["missing_papers"] = NONE_WITH_OTHERS
        elif any(p not in papers and p != NONE_MISSING for p in missing):
            errors["missing_papers"] = PAPERS_REQUIRED
    missing = [p for p in missing if p != NONE_MISSING]
    name = registration.person.name
    signed = " ".join(str(form.get("signed_name") or "").split())
    if missing:
        if not signed:
            errors["signed_name"] = SIGNED_NAME_REQUIRED
        elif signed.replace(" ", "") != name.replace(" ", ""):
            errors["signed_name"] = _l("Type your name exactly as registered: %(name)s", name=name)
        if form.get("agree") != "yes":
            errors["agree"] = AGREE_REQUIRED
    if errors:
        raise InputError(errors)
    profile = await policies.profile_of(session, cipher, social_insurance, registration, answers_of(registration))
    outcome = evaluate(code, row.conditions, policies.with_answers(profile, values), today)
    if not outcome.eligible:
        raise InputError({"eligibility": _l(
            "From your answers, this policy does not fit you yet: %(missing)s", missing=join_words(outcome.missing)
        )})  # fmt: skip
    deferred = bool(missing)
    due = await deadline_after(session, today, DEFERRAL_WORKING_DAYS if deferred else DECISION_WORKING_DAYS)
    application = PolicyApplication(
        number=await _new_number(session, today), policy_code=code, policy_version_id=row.id,
        registration_id=registration.id, account_id=account_id, county_code=registration.county_code,
        status=PolicyApplicationStatus.DEFERRED if deferred else PolicyApplicationStatus.SUBMITTED, answers=values,
        accepted_at=now, deadline=due.deadline, deadline_provisional=due.provisional,
    )  # fmt: skip
    try:
        async with session.begin_nested():  # the unique index on open applications decides a double submit
            session.add(application)
            await session.flush()
    except IntegrityError:
        number = await _open_number(session, registration.id, code)
        if number is None:  # pragma: no cover - the winner cannot vanish inside this transaction
            raise
        return Applied(number, already=True)
    if deferred:
        text = await commitments.text_row(session, "policy", language)
        session.add(
            Commitment(
                policy_application_id=application.id, text_id=text.id, text_sha256=text.sha256, signed_name=signed,
                signed_at=now, missing_items=missing,
            )
        )  # fmt: skip
        await session.flush()
    return Applied(application.number, already=False)


async def _new_number(session: AsyncSession, today: date) -> str:
    # Random rather than sequential, so numbers say nothing about how many others applied.
    while True:
        number = f"ZP{today:%Y%m%d}{secrets.randbelow(1_000_000):06d}"
        if await session.scalar(select(PolicyApplication.id).where(PolicyApplication.number == number)) is None:
            return number


# ---- reading applications -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ApplicationRow:
    application: PolicyApplication
    policy_title: str
    policy_version: int
    grant: Grant | None


async def _rows(session: AsyncSession, *conditions: ColumnElement[bool], limit: int = 50) -> list[ApplicationRow]:
    rows = (
        await session.execute(
            select(PolicyApplication, PolicyVersion, Grant)
            .join(PolicyVersion, PolicyVersion.id == PolicyApplication.policy_version_id)
            .outerjoin(Grant, Grant.application_id == PolicyApplication.id)
            .where(*conditions)
            .order_by(PolicyApplication.accepted_at.desc(), PolicyApplication.id.desc())
            .limit(limit)
        )
    ).all()
    return [ApplicationRow(a, localised(v.title_zh, v.title_en), v.version, g) for a, v, g in rows]


async def of_account(session: AsyncSession, account_id: int) -> list[ApplicationRow]:
    """The account's applications, the newest first."""
    return await _rows(session, PolicyApplication.account_id == account_id)


async def of_registration(session: AsyncSession, registration_id: int, limit: int = 20) -> list[ApplicationRow]:
    return await _rows(session, PolicyApplication.registration_id == registration_id, limit=limit)


def latest_by_policy(rows: Sequence[ApplicationRow]) -> dict[str, ApplicationRow]:
    """Each policy's newest application among `rows` (which come newest first)."""
    latest: dict[str, ApplicationRow] = {}
    for row in rows:
        latest.setdefault(row.application.policy_code, row)
    return latest


async def one_of_account(session: AsyncSession, account_id: int, number: str) -> ApplicationRow:
    found = await _rows(session, PolicyApplication.account_id == account_id, PolicyApplication.number == number)
    if not found:
        raise NotFound()
    return found[0]


# ---- the agency decides -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class QueueRow:
    number: str
    name: str
    policy_code: str
    policy_title: str
    status: PolicyApplicationStatus
    deadline: date
    overdue: bool


@dataclass(frozen=True)
class QueuePage:
    rows: list[QueueRow]
    total: int
    page: int
    pages: int


async def queue(session: AsyncSession, scope: Scope, *, page: int = 1) -> QueuePage:
    """Applications awaiting a decision in the staff member's scope: deferred first, then by deadline."""
    conditions: list[ColumnElement[bool]] = [PolicyApplication.status.in_(AWAITING_APPLICATION)]
    if not scope.is_city:
        conditions.append(PolicyApplication.county_code == scope.area_code)
    total = await session.scalar(select(func.count()).select_from(PolicyApplication).where(*conditions)) or 0
    win = paging.window(total, page, PAGE_SIZE)
    rows = (
        await session.execute(
            select(PolicyApplication, Person.name, PolicyVersion.title_zh, PolicyVersion.title_en)
            .join(Registration, Registration.id == PolicyApplication.registration_id)
            .join(Person, Person.id == Registration.person_id)
            .join(PolicyVersion, PolicyVersion.id == PolicyApplication.policy_version_id)
            .where(*conditions)
            # "deferred" sorts before "submitted", as in the registration queue.
            .order_by(PolicyApplication.status, PolicyApplication.deadline, PolicyApplication.id)
            .limit(win.limit)
            .offset(win.offset)
        )
    ).all()
    await audit.record(
        session, scope.actor, "policy_applications.view", "policy_applications", scope.area_code or "city",
        {"page": win.page},
    )  # fmt: skip
    today = local_today()
    return QueuePage(
        [QueueRow(a.number, name, a.policy_code, localised(zh, en), a.status, a.deadline, a.deadline < today)
         for a, name, zh, en in rows],
        total, win.page, win.pages,
    )  # fmt: skip


@dataclass(frozen=True)
class CaseOfApplication:
    """An application as the agency sees it: who, what, under which version, and how the rules read it now."""

    application: PolicyApplication
    registration: Registration
    version: PolicyVersion
    id_number_masked: str
    outcome: Outcome
    questions: list[Question]
    papers: dict[str, str]
    grant: Grant | None
    may_decide: bool


async def _find(session: AsyncSession, scope: Scope, number: str) -> PolicyApplication:
    application = await session.scalar(
        select(PolicyApplication)
        .where(PolicyApplication.number == number)
        .options(selectinload(PolicyApplication.commitment))
        .execution_options(populate_existing=True)
    )
    if application is None:
        raise NotFound()
    if not scope.covers(application.county_code):
        raise OutOfScope(scope.actor, "policy_application", number)
    return application


async def case_of(
    session: AsyncSession, cipher: Cipher, social_insurance: SocialInsurance, scope: Scope, number: str
) -> CaseOfApplication:
    application = await _find(session, scope, number)
    registration = await session.scalar(
        select(Registration)
        .where(Registration.id == application.registration_id)
        .options(
            selectinload(Registration.person),
            selectinload(Registration.difficulty_rows),
            selectinload(Registration.service_wanted_rows),
        )
    )
    version = await session.get(PolicyVersion, application.policy_version_id)
    assert registration is not None
    assert version is not None
    profile = await policies.profile_of(session, cipher, social_insurance, registration, answers_of(registration))
    outcome = evaluate(version.policy_code, version.conditions, policies.with_answers(profile, application.answers),
                       local_today())  # fmt: skip
    grant = await session.scalar(select(Grant).where(Grant.application_id == application.id))
    await audit.record(session, scope.actor, "policy_application.view", "policy_application", number)
    return CaseOfApplication(
        application, registration, version, id_number_masked(cipher, registration.person),
        outcome, _questions(version), _papers(version), grant,
        may_decide=scope.can_decide and application.is_awaiting,
    )  # fmt: skip


@dataclass(frozen=True)
class Decision:
    outcome: str
    amount: str = ""
    period_from: str = ""
    period_to: str = ""
    reason: str = ""
    note: str = ""
    commitment: str = ""


async def decide(
    session: AsyncSession,
    sms: SmsGateway,
    scope: Scope,
    number: str,
    version: int,
    decision: Decision,
    *,
    statement_days: int = credit.STATEMENT_DAYS,
) -> PolicyApplication:
    """Approve (with the amount and period: a benefit grant) or reject (with the reason), reviewers only; the
    form's version must still be the application's."""
    if not scope.can_decide:
        raise NotAllowed()
    application = await _find(session, scope, number)
    if application.version != version or application.status not in AWAITING_APPLICATION:
        raise Conflict()
    errors: dict[str, object] = {}
    amount = period_from = period_to = None
    if decision.outcome not in OUTCOMES:
        errors["outcome"] = OUTCOME_REQUIRED
    elif decision.outcome == "approve":
        version_kind = await session.scalar(
            select(PolicyVersion.kind).where(PolicyVersion.id == application.policy_version_id)
        )
        # A service or a certification (P11, P13) gives no money: its grant is the record that it was given.
        amount = (
            Decimal("0.00") if version_kind == NO_MONEY and not decision.amount.strip() else _amount(decision.amount)
        )
        if amount is None:
            errors["amount"] = AMOUNT_INVALID
        period_from, period_to = fields.parse_date(decision.period_from), fields.parse_date(decision.period_to)
        if period_from is None or period_to is None or period_to < period_from:
            errors["period_from"] = PERIOD_INVALID
    else:
        if decision.reason not in REJECTION_REASONS:
            errors["reason"] = REJECTION_REASON_REQUIRED
        if decision.reason == "other" and not decision.note.strip():
            errors["note"] = APPLICANT_NOTE_REQUIRED
    fields.check_lengths(errors, {"note": (decision.note.strip(), fields.NOTE_MAX)})
    if decision.outcome == "approve":  # §5.3: no new support while listed
        person_id = await session.scalar(
            select(Registration.person_id).where(Registration.id == application.registration_id)
        )
        listed, until = await credit.listed_until(session, person_id or 0, local_today())
        if listed:
            errors["outcome"] = _l(
                "The person is on the credit-sharing list until %(day)s: no new support can be granted.",
                day=format_date(until) if until else "—",
            )  # fmt: skip
        elif application.policy_code == ui_benefit.POLICY_CODE:
            registration_row = await session.get(Registration, application.registration_id)
            assert registration_row is not None
            if await ui_benefit.held(session, registration_row, besides=application.id) is not None:
                errors["outcome"] = ui_benefit.HELD_ALREADY
    if application.commitment is not None and decision.commitment not in (CommitmentOutcome.KEPT,
                                                                          CommitmentOutcome.BROKEN):  # fmt: skip
        errors["commitment"] = COMMITMENT_REQUIRED
    if errors:
        raise InputError(errors)
    approved = decision.outcome == "approve"
    application.status = PolicyApplicationStatus.APPROVED if approved else PolicyApplicationStatus.REJECTED
    application.decided_at = utcnow()
    application.decided_by = scope.staff_id
    application.rejection_reason = None if approved else decision.reason
    application.decision_note = decision.note.strip()
    if application.commitment is not None:
        application.commitment.outcome = CommitmentOutcome(decision.commitment)
    try:
        await session.flush()
    except StaleDataError:  # another reviewer's decision committed after this one was checked
        await session.rollback()
        raise Conflict() from None
    registration = await session.get(Registration, application.registration_id)
    assert registration is not None
    if approved:
        assert amount is not None
        assert period_from is not None
        assert period_to is not None
        grant = Grant(
            application_id=application.id, person_id=registration.person_id, policy_code=application.policy_code,
            county_code=application.county_code, amount=amount, period_from=period_from, period_to=period_to,
            granted_on=local_today(),
        )  # fmt: skip
        if application.policy_code != ui_benefit.POLICY_CODE:
            session.add(grant)
            await session.flush()
        elif not await ui_benefit.grant_once(session, grant, registration.id):
            await session.rollback()  # the benefit is held already: nothing of this approval is kept
            raise InputError({"outcome": ui_benefit.HELD_ALREADY})
    await audit.record(
        session, scope.actor, "policy_application.decide", "policy_application", number,
        {"status": [PolicyApplicationStatus.SUBMITTED.value if application.commitment is None
                    else PolicyApplicationStatus.DEFERRED.value, application.status.value],
         "policy": application.policy_code, "amount": str(amount) if amount is not None else None,
         "reason": application.rejection_reason, "commitment": decision.commitment or None},
    )  # fmt: skip
    await inbox.tell(
        session, sms, registration, MessageKind.POLICY_APPROVED if approved else MessageKind.POLICY_REJECTED,
        {"number": number, "policy": application.policy_code},
    )  # fmt: skip
    if decision.commitment == CommitmentOutcome.BROKEN:  # §5.3: a broken commitment is a credit matter
        await credit.open_case(session, sms, scope, registration, source=CreditSource.COMMITMENT,
                               facts=credit.BROKEN_COMMITMENT_FACTS, statement_days=statement_days)  # fmt: skip
    return application


def _amount(raw: str) -> Decimal | None:
    try:
        amount = Decimal(raw.strip().replace(",", ""))
    except InvalidOperation:
        return None
    if not amount.is_finite() or not Decimal("0") < amount <= AMOUNT_MAX:
        return None
    return amount.quantize(Decimal("0.01"))
