"""Unemployment insurance benefit (P08) handled with the registration (§3.2(4)): offered on the check-your-answers
page to people the social-insurance record and their answers show entitled, claimed (or declined) with the
application, and decided with it: a registration approved grants the benefit as an approved P08 application with
its grant; a registration rejected rejects the claim.

The benefit's period starts on the day the registration was made (社会保险法 第五十条), which is the day the
portal accepted it; the figures shown before the decision are provisional, worked out again when it is made.

A registration has one benefit: claimed with it, or (when declined or not claimed) applied for once through the
generic policy form; never both, never twice. It stops when the registration ends (失业保险条例 第十五条)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy import ColumnElement, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from portal.adapters.social_insurance import SocialInsurance
from portal.clock import local_date, local_today
from portal.i18n import _, _l, format_date
from portal.models import (
    JOB_LOSS_CATEGORIES,
    Grant,
    LocalFigure,
    Notice,
    NoticeEntry,
    NoticeStatus,
    PaymentStatus,
    Policy,
    PolicyApplication,
    PolicyApplicationStatus,
    PolicyVersion,
    Registration,
    RegistrationStatus,
    UiBenefitClaim,
    UiClaimStatus,
    UnemploymentCategory,
)
from portal.models.base import utcnow
from portal.rules import ui_benefit as rules
from portal.services import audit, credit
from portal.services.fields import Choice, options
from portal.services.staff import Scope

POLICY_CODE = "P08"
MINIMUM_WAGE = "minimum_wage"  # the local figure's key
# 非因本人意愿中断就业 (失业保险金申领发放办法 第四条): a contract that ended, a dismissal, an employer that closed;
# not a resignation, nor one's own business closing. The same reading as the policy checklist's.
INVOLUNTARY = JOB_LOSS_CATEGORIES - {UnemploymentCategory.RESIGNED, UnemploymentCategory.BUSINESS_CLOSED}

CLAIM = "yes"
DECLINE = "no"
CHOICES: dict[str, object] = {
    CLAIM: _l("Yes, claim it with this application"),
    DECLINE: _l("No, not now"),
}
CHOICE_REQUIRED = _l("Select whether you claim unemployment insurance benefit with this application")
STATUS_LABELS: dict[str, object] = {
    UiClaimStatus.CLAIMED: _l("Claimed, decided with the registration"),
    UiClaimStatus.DECLINED: _l("Not claimed"),
    UiClaimStatus.GRANTED: _l("Granted with the registration"),
    UiClaimStatus.REJECTED: _l("Not granted"),
}
REGISTRATION_REJECTED = "registration_rejected"
NOT_ELIGIBLE = "not_eligible"
CREDIT_LISTED = "credit_listed"
ALREADY_GRANTED = "already_granted"
REJECTION_REASONS: dict[str, object] = {
    REGISTRATION_REJECTED: _l("The registration was not approved, so the benefit cannot be paid."),
    NOT_ELIGIBLE: _l("When the registration was decided, the conditions of the benefit were not met."),
    CREDIT_LISTED: _l("The person is on the credit-sharing list: no new support is granted while listed."),
    ALREADY_GRANTED: _l("The benefit was already granted on another application of this registration."),
}
# The agency's decision of a P08 application, when the benefit is the registration's already.
HELD_ALREADY = _l("The benefit is already claimed or granted with this person's registration: it is not granted twice.")
# Payment states in which nothing has been stopped yet: an ending that leaves none of the period stops these.
_NOT_STOPPED = [s.value for s in PaymentStatus if s is not PaymentStatus.STOPPED]


def unmet_words(claim: rules.Claim) -> list[str]:
    """Why a claim is not due, in the reader's language."""
    words = {
        rules.NOT_INSURED_LONG_ENOUGH: _(
            "The social insurance record shows %(months)s months of unemployment insurance; %(needed)s are needed.",
            months=claim.insured_months, needed=rules.MIN_INSURED_MONTHS,
        ),
        rules.NOT_INVOLUNTARY: _("Your last job must have ended without your choosing it (not by resigning)."),
        rules.IN_WORK: _("The social insurance record shows you in work."),
        rules.NO_MINIMUM_WAGE: _("The local minimum wage for this day is not on record yet: ask your agency."),
    }  # fmt: skip
    return [words[code] for code in claim.unmet]


def yuan(amount: Decimal) -> str:
    return f"{amount:,.2f}"


def summary(monthly_amount: Decimal, months: int, start: date, end: date) -> str:
    """The benefit in one line: 每月1,665.00元，共12个月，2026年11月30日至2027年11月29日."""
    return _(
        "CNY %(amount)s a month for %(months)s months, %(start)s to %(end)s", amount=yuan(monthly_amount),
        months=months, start=format_date(start), end=format_date(end),
    )  # fmt: skip


# ---- working it out --------------------------------------------------------------------------------------


async def minimum_wage_on(session: AsyncSession, day: date) -> Decimal | None:
    figures = (
        await session.execute(select(LocalFigure.valid_from, LocalFigure.amount).where(LocalFigure.key == MINIMUM_WAGE))
    ).all()
    return rules.wage_in_force([(valid_from, amount) for valid_from, amount in figures], day)


async def offer(
    session: AsyncSession, social_insurance: SocialInsurance, draft: Mapping[str, Any], start: date
) -> rules.Claim | None:
    """The claim the person in a draft would make by applying on `start`; None before the ID number is known."""
    id_number = draft.get("id_number")
    if not id_number:
        return None
    record = await social_insurance.employment(id_number)
    return rules.claim(
        insured_months=record.insured_months, involuntary=draft.get("unemployment_category") in INVOLUNTARY,
        in_work=record.active, start=start, minimum_wage=await minimum_wage_on(session, start),
    )  # fmt: skip


@dataclass(frozen=True)
class OfferPage:
    """What the check-your-answers page says about the benefit: the provisional claim and the choice to make it,
    or why it is not due."""

    claim: rules.Claim
    amount: str  # the monthly amount as written, 1,665.00
    summary: str  # empty when not due
    unmet: list[str]
    choices: list[Choice]


async def offer_page(
    session: AsyncSession, social_insurance: SocialInsurance, draft: Mapping[str, Any], start: date
) -> OfferPage | None:
    claim = await offer(session, social_insurance, draft, start)
    if claim is None:
        return None
    words = summary(claim.monthly_amount, claim.months, claim.start, claim.end) if claim.end else ""
    return OfferPage(claim, yuan(claim.monthly_amount), words, unmet_words(claim), options(CHOICES))


async def make_with(session: AsyncSession, registration: Registration, claim: rules.Claim, *, claimed: bool) -> None:
    """Keep the claim made (or declined) with a registration just submitted, in the same transaction: the
    registration's own one-open-per-person index already turns a double submit away before this runs."""
    if not claim.eligible or claim.end is None:
        return
    session.add(
        UiBenefitClaim(
            registration_id=registration.id, status=UiClaimStatus.CLAIMED if claimed else UiClaimStatus.DECLINED,
            insured_months=claim.insured_months, months=claim.months, monthly_amount=claim.monthly_amount,
            period_from=claim.start, period_to=claim.end,
        )
    )  # fmt: skip
    await session.flush()


# ---- reading a claim --------------------------------------------------------------------------------------


async def of_registration(session: AsyncSession, registration_id: int) -> UiBenefitClaim | None:
    return await session.scalar(select(UiBenefitClaim).where(UiBenefitClaim.registration_id == registration_id))


@dataclass(frozen=True)
class ClaimView:
    """A claim as the person and the agency read it, in the reader's language."""

    claim: UiBenefitClaim
    status: str
    summary: str
    reason: str  # why it was not granted
    application_number: str | None  # the approved P08 application that carries the grant
    # Why the grant pays less than was granted, when the registration's ending cut it short or stopped it.
    stopped: str = ""

    @property
    def provisional(self) -> bool:
        """The figures are not final: claimed and waiting for the decision, or offered and declined."""
        return self.claim.status in (UiClaimStatus.CLAIMED, UiClaimStatus.DECLINED)

    @property
    def tag(self) -> str:
        """The status tag's colour (portal.css), by what the status means for the person."""
        return _TAGS[self.claim.status]


_TAGS = {
    UiClaimStatus.CLAIMED: "waiting", UiClaimStatus.DECLINED: "closed", UiClaimStatus.GRANTED: "registered",
    UiClaimStatus.REJECTED: "rejected",
}  # fmt: skip


async def view_of(session: AsyncSession, registration_id: int) -> ClaimView | None:
    found = (
        await session.execute(
            select(UiBenefitClaim, PolicyApplication.number, Grant.period_to, Grant.payment_status)
            .outerjoin(PolicyApplication, PolicyApplication.id == UiBenefitClaim.application_id)
            .outerjoin(Grant, Grant.application_id == UiBenefitClaim.application_id)
            .where(UiBenefitClaim.registration_id == registration_id)
        )
    ).first()
    if found is None:
        return None
    claim, number, paid_to, payment = found
    stopped = ""
    if payment == PaymentStatus.STOPPED.value:
        stopped = _("Stopped: nothing more is paid.")
    elif paid_to is not None and paid_to < claim.period_to:
        stopped = _(
            "Stopped when the registration ended: paid until %(date)s (Unemployment Insurance Regulations, "
            "article 15).", date=format_date(paid_to),
        )  # fmt: skip
    return ClaimView(
        claim, str(STATUS_LABELS[claim.status]),
        summary(claim.monthly_amount, claim.months, claim.period_from, claim.period_to),
        str(REJECTION_REASONS.get(claim.rejection_reason or "", "")), number, stopped,
    )  # fmt: skip


# ---- deciding it with the registration -------------------------------------------------------------------


async def decide_with(session: AsyncSession, scope: Scope, registration: Registration) -> UiBenefitClaim | None:
    """Decide the registration's claim as the registration was just decided. Once only: the claim moves from
    `claimed` by one conditional UPDATE, and only the request that moved it writes the grant (whose application
    is unique too), so a repeated decision never grants twice."""
    row = await of_registration(session, registration.id)
    if row is None or row.status is not UiClaimStatus.CLAIMED:
        return row
    start = local_date(registration.accepted_at)
    worked_out = rules.claim(
        insured_months=row.insured_months, involuntary=registration.unemployment_category in INVOLUNTARY,
        in_work=False, start=start, minimum_wage=await minimum_wage_on(session, start),
    )  # fmt: skip
    reason = None
    if registration.status is not RegistrationStatus.REGISTERED:
        reason = REGISTRATION_REJECTED
    elif not worked_out.eligible or worked_out.end is None:
        reason = NOT_ELIGIBLE
    elif (await credit.listed_until(session, registration.person_id, local_today()))[0]:
        reason = CREDIT_LISTED  # §5.3: no new support while listed
    elif await session.scalar(select(_granted(registration.id))):
        # Only an application made through the generic form before the claim shut it out can be granted here.
        reason = ALREADY_GRANTED
    figures: dict[str, Any] = {}
    if reason is None:
        assert worked_out.end is not None
        figures = {"months": worked_out.months, "monthly_amount": worked_out.monthly_amount,
                   "period_from": worked_out.start, "period_to": worked_out.end}  # fmt: skip
    status = UiClaimStatus.GRANTED if reason is None else UiClaimStatus.REJECTED
    moved = await session.scalar(
        update(UiBenefitClaim)
        .where(UiBenefitClaim.id == row.id, UiBenefitClaim.status == UiClaimStatus.CLAIMED)
        .values(status=status, rejection_reason=reason, decided_at=utcnow(), updated_at=utcnow(), **figures)
        .returning(UiBenefitClaim.id)
        .execution_options(synchronize_session=False)
    )
    if moved is None:  # decided by another request in the meantime
        await session.refresh(row)
        return row
    if reason is None:
        row_application = await _grant(session, scope, registration, worked_out)
        await session.execute(
            update(UiBenefitClaim)
            .where(UiBenefitClaim.id == row.id)
            .values(application_id=row_application.id)
            .execution_options(synchronize_session=False)
        )
    await session.refresh(row)
    await audit.record(
        session, scope.actor, "ui_benefit.decide", "registration", registration.number,
        {"status": [UiClaimStatus.CLAIMED.value, status.value], "reason": reason,
         "months": row.months if reason is None else None,
         "monthly_amount": str(row.monthly_amount) if reason is None else None},
    )  # fmt: skip
    return row


async def _grant(
    session: AsyncSession, scope: Scope, registration: Registration, claim: rules.Claim
) -> PolicyApplication:
    """The benefit granted as an approved P08 application with its grant: public notices, the credit checks and
    the policy checklist (receiving the benefit while the period runs) read grants."""
    # Imported here: policy_applications imports the registration service, which imports this one.
    from portal.services.policy_applications import _new_number

    assert claim.end is not None
    version_id = await session.scalar(
        select(PolicyVersion.id)
        .join(Policy, Policy.code == PolicyVersion.policy_code)
        .where(Policy.code == POLICY_CODE, PolicyVersion.version == Policy.current_version)
    )
    if version_id is None:  # pragma: no cover - the reference data holds every policy of the checklist
        raise LookupError(f"policy {POLICY_CODE} is not loaded")
    now = utcnow()
    today = local_date(now)
    application = PolicyApplication(
        number=await _new_number(session, today), policy_code=POLICY_CODE, policy_version_id=version_id,
        registration_id=registration.id, account_id=registration.account_id, county_code=registration.county_code,
        status=PolicyApplicationStatus.APPROVED, answers={}, accepted_at=registration.accepted_at, deadline=today,
        decided_at=now, decided_by=scope.staff_id,
    )  # fmt: skip
    session.add(application)
    await session.flush()
    session.add(
        Grant(
            application_id=application.id, person_id=registration.person_id, policy_code=POLICY_CODE,
            county_code=registration.county_code, amount=claim.monthly_amount, period_from=claim.start,
            period_to=claim.end, granted_on=today,
        )
    )  # fmt: skip
    await session.flush()
    return application


# ---- one benefit per registration -------------------------------------------------------------------------


def _granted(registration_id: int, *, besides: int | None = None) -> ColumnElement[bool]:
    """A P08 grant of the registration exists (other than that of application `besides`)."""
    query = (
        select(Grant.id)
        .join(PolicyApplication, PolicyApplication.id == Grant.application_id)
        .where(PolicyApplication.registration_id == registration_id, Grant.policy_code == POLICY_CODE)
    )
    if besides is not None:
        query = query.where(Grant.application_id != besides)
    return query.exists()


def _claimed_with(registration_id: int) -> ColumnElement[bool]:
    """The benefit was claimed with the registration (waiting for its decision, or granted with it). A claim is
    written with its registration, in the same transaction, and `claimed` only ever becomes `granted` or
    `rejected`: so this holds from the first moment anyone can apply through the generic form, or never, and
    stops holding only when the claim is rejected, which grants nothing."""
    return (
        select(UiBenefitClaim.id)
        .where(UiBenefitClaim.registration_id == registration_id,
               UiBenefitClaim.status.in_([UiClaimStatus.CLAIMED, UiClaimStatus.GRANTED]))
        .exists()
    )  # fmt: skip


@dataclass(frozen=True)
class Held:
    """The registration's benefit is already claimed with it or granted: the generic form sends people here."""

    registration_number: str
    application_number: str | None  # the approved P08 application that carries the grant, once granted

    @property
    def words(self) -> object:
        """Why the generic form takes no application, and where the benefit is."""
        return _l(
            "You claimed unemployment insurance benefit with your registration %(number)s: it is decided with "
            "it. See it on your registration's page.", number=self.registration_number,
        )  # fmt: skip


async def held(session: AsyncSession, registration: Registration, *, besides: int | None = None) -> Held | None:
    """What already holds the registration's one benefit, if anything: the claim made with it (claimed or
    granted) or a P08 grant (other than that of application `besides`)."""
    if not await session.scalar(select(_claimed_with(registration.id) | _granted(registration.id, besides=besides))):
        return None
    number = await session.scalar(
        select(PolicyApplication.number)
        .join(Grant, Grant.application_id == PolicyApplication.id)
        .where(PolicyApplication.registration_id == registration.id, Grant.policy_code == POLICY_CODE)
        .order_by(PolicyApplication.id)
        .limit(1)
    )
    return Held(registration.number, number)


async def grant_once(session: AsyncSession, grant: Grant, registration_id: int) -> bool:
    """Write a P08 grant approved through the generic form unless the registration's benefit is held already:
    checked and written in one statement (INSERT … SELECT … WHERE NOT EXISTS). No other grant can be written
    for the registration in between: its claim, when `claimed`, shut the generic form out from the start (see
    `_claimed_with`), and two of its P08 applications are never awaiting a decision at once (the partial unique
    index uq_policy_applications_open), so the one decided later reads the earlier one's grant."""
    table = cast(sa.Table, Grant.__table__)  # a declarative class's __table__ is typed as any FromClause
    values = {
        "application_id": grant.application_id, "person_id": grant.person_id, "policy_code": POLICY_CODE,
        "county_code": grant.county_code, "amount": grant.amount, "period_from": grant.period_from,
        "period_to": grant.period_to, "granted_on": grant.granted_on, "created_at": utcnow(),
    }  # fmt: skip
    row = select(*(sa.literal(value, table.c[name].type) for name, value in values.items())).where(
        ~_claimed_with(registration_id), ~_granted(registration_id, besides=grant.application_id)
    )
    written = await session.scalar(sa.insert(table).from_select(list(values), row).returning(table.c.id))
    return written is not None


# ---- stopped when the registration ends -------------------------------------------------------------------


def last_day(end_date: date) -> date:
    """The benefit's last day when the registration ends on `end_date`: the day before. The end date is the day
    the new situation began (the first day of work, of the pension, of service …), when the person was no longer
    unemployed; a period counts both its days, as rules.ui_benefit.period_end does."""
    return end_date - timedelta(days=1)


def _p08_of(registration_id: int) -> ColumnElement[bool]:
    return (Grant.policy_code == POLICY_CODE) & Grant.application_id.in_(
        select(PolicyApplication.id).where(PolicyApplication.registration_id == registration_id)
    )


async def _draft_entries_to(session: AsyncSession, grant_ids: list[int], period_to: date) -> None:
    """A notice not yet published shows the period as the grant now has it; a published one stays as published
    (payment reads the grant)."""
    await session.execute(
        update(NoticeEntry)
        .where(NoticeEntry.grant_id.in_(grant_ids),
               NoticeEntry.notice_id.in_(select(Notice.id).where(Notice.status == NoticeStatus.DRAFT)))
        .values(period_to=period_to)
        .execution_options(synchronize_session=False)
    )  # fmt: skip


async def stop_with_ending(
    session: AsyncSession, scope: Scope, registration: Registration, end_date: date
) -> list[dict[str, Any]]:
    """Stop the registration's benefit as it ends (失业保险条例 第十五条: on re-employment, military service,
    emigration, a pension, imprisonment …; and every ending takes away the registration that 第十四条 requires):
    a P08 grant running past `last_day(end_date)` ends that day, and one that would only have begun after it is
    stopped. Each change is one conditional UPDATE; the ending itself already holds the registration's version,
    so nothing else ends it at the same time. Returns what was changed, [before, after], for a reversal."""
    last = last_day(end_date)
    before = {
        grant_id: (period_to, payment)
        for grant_id, period_to, payment in (
            await session.execute(
                select(Grant.id, Grant.period_to, Grant.payment_status)
                .where(_p08_of(registration.id), Grant.period_to > last)
            )
        ).all()
    }  # fmt: skip
    if not before:
        return []
    shortened = list(
        await session.scalars(
            update(Grant)
            .where(Grant.id.in_(list(before)), Grant.period_from <= last, Grant.period_to > last)
            .values(period_to=last)
            .returning(Grant.id)
            .execution_options(synchronize_session=False)
        )
    )
    stopped = list(
        await session.scalars(
            update(Grant)
            .where(Grant.id.in_(list(before)), Grant.period_from > last, Grant.payment_status.in_(_NOT_STOPPED))
            .values(payment_status=PaymentStatus.STOPPED.value)
            .returning(Grant.id)
            .execution_options(synchronize_session=False)
        )
    )
    if shortened:
        await _draft_entries_to(session, shortened, last)
    changes = [
        *({"grant": g, "period_to": [before[g][0].isoformat(), last.isoformat()]} for g in sorted(shortened)),
        *({"grant": g, "payment_status": [before[g][1], PaymentStatus.STOPPED.value]} for g in sorted(stopped)),
    ]
    if changes:
        await audit.record(session, scope.actor, "ui_benefit.stop", "registration", registration.number,
                           {"end_date": end_date.isoformat(), "grants": changes})  # fmt: skip
    return changes


async def restore_with_reversal(
    session: AsyncSession, scope: Scope, registration: Registration, changes: list[dict[str, Any]]
) -> None:
    """Undo what a mistaken ending did to the benefit (`changes` as `stop_with_ending` returned them): each grant
    gets its period or payment state back, by a conditional UPDATE that only moves it if it is still as the ending
    left it."""
    restored: list[dict[str, Any]] = []
    for change in changes:
        values: dict[str, Any]
        if "period_to" in change:
            was, cut = (date.fromisoformat(day) for day in change["period_to"])
            condition, values = Grant.period_to == cut, {"period_to": was}
        elif "payment_status" in change:
            was_status, stopped = change["payment_status"]
            condition, values = Grant.payment_status == stopped, {"payment_status": was_status}
        else:  # pragma: no cover - written by stop_with_ending only
            continue
        moved = await session.scalar(
            update(Grant)
            .where(Grant.id == change["grant"], _p08_of(registration.id), condition)
            .values(**values)
            .returning(Grant.id)
            .execution_options(synchronize_session=False)
        )
        if moved is None:  # changed since (a credit decision, a later ending …): left as it is now
            continue
        if "period_to" in change:
            await _draft_entries_to(session, [moved], values["period_to"])
        # [before, after] of this change: the ending's, the other way round.
        restored.append({key: value[::-1] if key != "grant" else value for key, value in change.items()})
    if restored:
        await audit.record(session, scope.actor, "ui_benefit.restore", "registration", registration.number,
                           {"grants": restored})  # fmt: skip
