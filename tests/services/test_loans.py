"""The business-start guarantee loan (P04) and entrepreneurship services: the application collected with the rule
engine's trace, one open application per person, each step of the agency and the lender by a conditional UPDATE on
the status (a stale step is a conflict), the applicant told; services offered to people who want a business counted
for the 12333 minimum."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select, update

from portal.models import (
    AuditEntry,
    InboxMessage,
    LoanApplication,
    LoanStatus,
    LoanStep,
    MessageKind,
    Registration,
    ServiceKind,
    ServiceMinimumCount,
    ServiceRecord,
)
from portal.services import loans
from portal.services.errors import Conflict, InputError, NotAllowed
from portal.services.staff import Scope
from tests.conftest import make_id
from tests.staffing import registered_case

FORM = loans.LoanForm(business_name="小敏湛江特产网店", business_type="online_shop", amount="100000",
                      purpose="进货和网店装修", term_months="24", business_registered="no")  # fmt: skip
TODAY = date.today()


async def _founder(db, services, reviewer: Scope, *, n: int = 1, wants_business: bool = True) -> Registration:
    registration = await registered_case(db, services, reviewer, phone=f"1330000030{n}",
                                         id_number=make_id(date(1995, 3, 3), "F", sequence=n))  # fmt: skip
    await db.execute(update(Registration).where(Registration.id == registration.id)
                     .values(wants_business=wants_business))  # fmt: skip
    await db.commit()
    return registration


async def _apply(db, services, account_id: int, form: loans.LoanForm = FORM) -> loans.Applied:
    applied = await loans.apply(db, services.cipher, services.social_insurance, account_id, form)
    await db.commit()
    return applied


async def _step(db, services, scope: Scope, number: str, seen: str, action: str, **extra: str) -> LoanApplication:
    moved = await loans.take_step(db, services.sms, scope, number,
                                  loans.StepForm(seen_status=seen, action=action, **extra))  # fmt: skip
    await db.commit()
    return moved


async def test_an_application_checks_its_fields(db, services, scopes) -> None:
    founder = await _founder(db, services, scopes["reviewer"])
    bad = loans.LoanForm(
        business_name="",
        business_type="bakery",
        amount="300001",
        purpose="",
        term_months="37",
        business_registered="yes",
        business_registered_on=(TODAY + timedelta(days=1)).isoformat(),
    )
    with pytest.raises(InputError) as raised:
        await loans.apply(db, services.cipher, services.social_insurance, founder.account_id, bad)
    assert set(raised.value.errors) == {"business_name", "business_type", "amount", "purpose", "term_months",
                                        "business_registered_on"}  # fmt: skip
    long = loans.LoanForm(**{**FORM.__dict__, "purpose": "很" * 501})
    with pytest.raises(InputError) as raised:
        await loans.apply(db, services.cipher, services.social_insurance, founder.account_id, long)
    assert set(raised.value.errors) == {"purpose"}


async def test_the_rule_engines_trace_is_kept_with_the_application_met_or_missing(db, services, scopes) -> None:
    founder = await _founder(db, services, scopes["reviewer"])
    applied = await _apply(db, services, founder.account_id)
    application = await db.scalar(select(LoanApplication).where(LoanApplication.number == applied.number))
    assert application.conditions_met
    assert [(t["check"], t["met"]) for t in application.trace] == [("registered", True), ("intention", True)]
    assert all(t["zh"] and t["en"] for t in application.trace)
    assert application.status is LoanStatus.SUBMITTED

    no_plan = await _founder(db, services, scopes["reviewer"], n=2, wants_business=False)
    applied = await _apply(db, services, no_plan.account_id)
    application = await db.scalar(select(LoanApplication).where(LoanApplication.number == applied.number))
    assert not application.conditions_met  # accepted all the same: the agency's check decides
    assert [(t["check"], t["met"]) for t in application.trace] == [("registered", True), ("intention", False)]


async def test_applying_several_times_at_once_makes_one_open_application(db, services, scopes) -> None:
    founder = await _founder(db, services, scopes["reviewer"])

    async def apply_once() -> loans.Applied:
        async with services.sessionmaker() as session:
            applied = await loans.apply(session, services.cipher, services.social_insurance, founder.account_id, FORM)
            await session.commit()
            return applied

    results = await asyncio.gather(*(apply_once() for _ in range(4)))
    assert len({r.number for r in results}) == 1
    assert sorted(r.already for r in results) == [False, True, True, True]
    assert await db.scalar(select(func.count()).select_from(LoanApplication)) == 1


async def test_the_agency_and_the_lender_move_it_step_by_step_and_the_applicant_is_told(db, services, scopes) -> None:
    founder = await _founder(db, services, scopes["reviewer"])
    number = (await _apply(db, services, founder.account_id)).number
    reviewer = scopes["reviewer"]
    with pytest.raises(NotAllowed):
        await loans.take_step(db, services.sms, scopes["admin"], number, loans.StepForm("submitted", "check"))
    await _step(db, services, reviewer, number, "submitted", "check")
    with pytest.raises(InputError) as raised:
        await loans.take_step(db, services.sms, reviewer, number, loans.StepForm("checked", "send"))
    assert set(raised.value.errors) == {"lender"}
    await _step(db, services, reviewer, number, "checked", "send", lender="湛江农商银行赤坎支行")
    with pytest.raises(InputError) as raised:
        await loans.take_step(db, services.sms, reviewer, number,
                              loans.StepForm("sent", "approve", amount="100001", day="2999-01-01"))  # fmt: skip
    assert set(raised.value.errors) == {"amount", "day"}
    await _step(db, services, reviewer, number, "sent", "approve", amount="80000", day=TODAY.isoformat())
    done = await _step(db, services, reviewer, number, "approved", "disburse", day=TODAY.isoformat())

    assert (done.status, done.lender, done.amount_approved, done.disbursed_on) == (
        LoanStatus.DISBURSED,
        "湛江农商银行赤坎支行",
        80000,
        TODAY,
    )
    steps = list(await db.scalars(select(LoanStep.status).order_by(LoanStep.id)))
    assert steps == [LoanStatus.SUBMITTED, LoanStatus.CHECKED, LoanStatus.SENT, LoanStatus.APPROVED,
                     LoanStatus.DISBURSED]  # fmt: skip
    told = await db.scalar(select(func.count()).select_from(InboxMessage)
                           .where(InboxMessage.kind == MessageKind.LOAN_UPDATED))  # fmt: skip
    assert told == 4
    audited = list(await db.scalars(select(AuditEntry.changes).where(AuditEntry.action == "loan.step")
                                    .order_by(AuditEntry.id)))  # fmt: skip
    assert [a["status"] for a in audited] == [["submitted", "checked"], ["checked", "sent"], ["sent", "approved"],
                                              ["approved", "disbursed"]]  # fmt: skip
    view = await loans.one_of_account(db, founder.account_id, number)
    assert [s.status for s in view.steps][-1] is LoanStatus.DISBURSED
    # Paid out: the application is no longer open, and the person may apply again.
    assert not (await _apply(db, services, founder.account_id)).already


async def test_a_stale_step_is_a_conflict_and_changes_nothing(db, services, scopes) -> None:
    founder = await _founder(db, services, scopes["reviewer"])
    number = (await _apply(db, services, founder.account_id)).number
    await _step(db, services, scopes["reviewer"], number, "submitted", "check")
    with pytest.raises(Conflict):  # a page still showing "submitted"
        await loans.take_step(db, services.sms, scopes["reviewer"], number,
                              loans.StepForm("submitted", "refuse", reason="材料不全"))  # fmt: skip
    with pytest.raises(Conflict):  # a step the status does not allow
        await loans.take_step(db, services.sms, scopes["reviewer"], number,
                              loans.StepForm("checked", "disburse", day=TODAY.isoformat()))  # fmt: skip
    await db.rollback()
    application = await db.scalar(select(LoanApplication).where(LoanApplication.number == number))
    assert application.status is LoanStatus.CHECKED


async def test_two_staff_taking_a_step_at_once_make_one_step(db, services, scopes) -> None:
    founder = await _founder(db, services, scopes["reviewer"])
    number = (await _apply(db, services, founder.account_id)).number

    async def step(form: loans.StepForm) -> str:
        async with services.sessionmaker() as session:
            try:
                await loans.take_step(session, services.sms, scopes["reviewer"], number, form)
                await session.commit()
                return "moved"
            except Conflict:
                return "conflict"

    outcomes = await asyncio.gather(step(loans.StepForm("submitted", "check")),
                                    step(loans.StepForm("submitted", "refuse", reason="不符合条件")))  # fmt: skip
    assert sorted(outcomes) == ["conflict", "moved"]
    assert await db.scalar(select(func.count()).select_from(LoanStep)) == 2


async def test_the_list_of_people_who_want_a_business_and_a_service_offered_counts(db, services, scopes) -> None:
    founder = await _founder(db, services, scopes["reviewer"])
    await _founder(db, services, scopes["reviewer"], n=2, wants_business=False)
    number = (await _apply(db, services, founder.account_id)).number
    listed = await loans.entrepreneurs(db, scopes["reviewer"])
    assert [(r.number, r.loan_number) for r in listed.rows] == [(founder.number, number)]
    with pytest.raises(InputError) as raised:
        await loans.offer(db, scopes["reviewer"], founder.number, service="loan", channel="fax", result="", note="")
    assert set(raised.value.errors) == {"service", "channel", "result"}
    with pytest.raises(NotAllowed):
        await loans.offer(db, scopes["admin"], founder.number, service="financing", channel="phone",
                          result="reached", note="")  # fmt: skip
    for service in ("training", "opening", "financing"):
        await loans.offer(db, scopes["reviewer"], founder.number, service=service, channel="visit",
                          result="reached", note="讲解创业担保贷款")  # fmt: skip
    await db.commit()
    counts = await db.scalar(select(ServiceMinimumCount).where(ServiceMinimumCount.registration_id == founder.id))
    assert (counts.training, counts.guidance, counts.policy) == (1, 1, 1)
    notes = set(await db.scalars(select(ServiceRecord.note).where(ServiceRecord.kind == ServiceKind.POLICY)))
    assert notes == {"创业服务·融资服务：讲解创业担保贷款"}
