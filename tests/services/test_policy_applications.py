"""Policy applications: applying with the policy's questions and a commitment for missing proof, one open
application per policy, the agency's decision with optimistic locking, and the grant it makes."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from portal.models import (
    Commitment,
    CommitmentText,
    Grant,
    InboxMessage,
    OutboxMessage,
    PolicyApplication,
    PolicyApplicationStatus,
)
from portal.services import policies, policy_applications
from portal.services.answers import of as answers_of
from portal.services.errors import Conflict, InputError, NotAllowed
from portal.services.registration import latest_of
from tests.staffing import registered_case

HAVE_IT_ALL = {"missing_papers": ["none"]}
APPROVE = policy_applications.Decision(outcome="approve", amount="1500", period_from="2026-12-01",
                                       period_to="2026-12-31")  # fmt: skip


async def _apply(db, services, account_id: int, code: str, form: dict) -> policy_applications.Applied:
    applied = await policy_applications.apply(
        db, services.cipher, services.social_insurance, account_id, code, form, "zh_CN"
    )
    await db.commit()
    return applied


async def _application(db, number: str) -> PolicyApplication:
    return await db.scalar(select(PolicyApplication).where(PolicyApplication.number == number))


async def test_an_application_with_all_its_proof_is_submitted_with_a_decision_target(db, services, scopes) -> None:
    registration = await registered_case(db, services, scopes["reviewer"])  # wants training
    applied = await _apply(db, services, registration.account_id, "P06", HAVE_IT_ALL)
    application = await _application(db, applied.number)
    assert (application.status, application.county_code) == (PolicyApplicationStatus.SUBMITTED, "440802")
    assert application.deadline > date.today()
    version = (await policies.get(db, "P06")).version_id
    assert application.policy_version_id == version
    queue = await policy_applications.queue(db, scopes["reviewer"])
    assert [row.number for row in queue.rows] == [applied.number]


async def test_missing_proof_defers_it_with_the_policy_commitment_signed(db, services, scopes) -> None:
    account_id = (await registered_case(db, services, scopes["reviewer"], name="张三")).account_id
    with pytest.raises(InputError) as raised:
        await _apply(db, services, account_id, "P06", {"missing_papers": ["training_record"]})
    assert set(raised.value.errors) == {"signed_name", "agree"}
    await db.rollback()
    form = {"missing_papers": ["training_record"], "signed_name": "张三", "agree": "yes"}
    applied = await _apply(db, services, account_id, "P06", form)
    application = await _application(db, applied.number)
    assert application.status is PolicyApplicationStatus.DEFERRED
    commitment = await db.scalar(select(Commitment).where(Commitment.policy_application_id == application.id))
    assert (commitment.missing_items, commitment.registration_id) == (["training_record"], None)
    text = await db.get(CommitmentText, commitment.text_id)
    assert text.version == "policy_v1"
    assert "就业创业扶持政策申请告知承诺书" in text.body


async def test_a_policy_that_does_not_fit_is_refused_with_what_is_missing(db, services, scopes) -> None:
    registration = await registered_case(db, services, scopes["reviewer"])  # no insurance record
    with pytest.raises(InputError) as raised:
        await _apply(db, services, registration.account_id, "P08", HAVE_IT_ALL)
    assert "需参加失业保险满12个月；您目前为0个月。" in str(raised.value.errors["eligibility"])


async def test_the_policys_own_questions_are_checked_and_read_by_the_rules(db, services, scopes) -> None:
    account_id = (await registered_case(db, services, scopes["reviewer"])).account_id
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    with pytest.raises(InputError) as raised:
        await _apply(db, services, account_id, "P01",
                     {"business_founded_on": tomorrow, "employees_insured_months": "many", **HAVE_IT_ALL})  # fmt: skip
    assert set(raised.value.errors) == {"business_founded_on", "employees_insured_months"}
    await db.rollback()
    young = {"business_founded_on": (date.today() - timedelta(days=30)).isoformat(), "employees_insured_months": "3"}
    with pytest.raises(InputError) as too_young:
        await _apply(db, services, account_id, "P01", {**young, **HAVE_IT_ALL})
    assert "企业须登记注册满6个月" in str(too_young.value.errors["eligibility"])
    await db.rollback()
    old_enough = {**young, "business_founded_on": (date.today() - timedelta(days=200)).isoformat()}
    applied = await _apply(db, services, account_id, "P01", {**old_enough, **HAVE_IT_ALL})
    assert (await _application(db, applied.number)).answers == {
        "business_founded_on": old_enough["business_founded_on"], "employees_insured_months": 3
    }  # fmt: skip


async def test_applying_twice_at_once_makes_one_application(db, services, scopes) -> None:
    registration = await registered_case(db, services, scopes["reviewer"])

    async def apply_once() -> policy_applications.Applied:
        async with services.sessionmaker() as session:
            applied = await policy_applications.apply(
                session, services.cipher, services.social_insurance, registration.account_id, "P06", HAVE_IT_ALL,
                "zh_CN",
            )  # fmt: skip
            await session.commit()
            return applied

    results = await asyncio.gather(*(apply_once() for _ in range(6)))
    assert len({r.number for r in results}) == 1
    assert sorted(r.already for r in results) == [False, True, True, True, True, True]
    assert await db.scalar(select(func.count()).select_from(PolicyApplication)) == 1


async def test_an_approval_makes_a_grant_and_tells_the_resident(db, services, scopes) -> None:
    registration = await registered_case(db, services, scopes["reviewer"])
    person_id = registration.person_id
    applied = await _apply(db, services, registration.account_id, "P06", HAVE_IT_ALL)
    with pytest.raises(NotAllowed):
        await policy_applications.decide(db, services.sms, scopes["admin"], applied.number, 1, APPROVE)
    bad = policy_applications.Decision(outcome="approve", amount="-5", period_from="2026-12-31",
                                       period_to="2026-12-01")  # fmt: skip
    with pytest.raises(InputError) as raised:
        await policy_applications.decide(db, services.sms, scopes["reviewer"], applied.number, 1, bad)
    assert set(raised.value.errors) == {"amount", "period_from"}
    await db.rollback()
    await policy_applications.decide(db, services.sms, scopes["reviewer"], applied.number, 1, APPROVE)
    await db.commit()
    grant = await db.scalar(select(Grant))
    assert (grant.policy_code, str(grant.amount), grant.person_id) == ("P06", "1500.00", person_id)
    message = await db.scalar(select(InboxMessage).order_by(InboxMessage.id.desc()))
    assert message.params == {"number": applied.number, "policy": "P06"}
    text = await db.scalar(select(OutboxMessage.body).order_by(OutboxMessage.id.desc()))
    assert text == f"【湛江就业服务】您的扶持政策申请（{applied.number}）已核准，请登录查看金额和期限。"
    # A stale form (the version it was drawn from) finds the decision made.
    with pytest.raises(Conflict):
        await policy_applications.decide(db, services.sms, scopes["reviewer"], applied.number, 1, APPROVE)


async def test_two_reviewers_deciding_at_once_make_one_decision(db, services, scopes) -> None:
    registration = await registered_case(db, services, scopes["reviewer"])
    applied = await _apply(db, services, registration.account_id, "P06", HAVE_IT_ALL)

    async def decide(decision: policy_applications.Decision) -> str:
        async with services.sessionmaker() as session:
            try:
                await policy_applications.decide(session, services.sms, scopes["reviewer"], applied.number, 1,
                                                 decision)  # fmt: skip
                await session.commit()
                return "decided"
            except Conflict:
                return "conflict"

    reject = policy_applications.Decision(outcome="reject", reason="not_eligible")
    if services.settings.database_url.startswith("sqlite"):
        outcomes = [await decide(APPROVE), await decide(reject)]
    else:
        outcomes = await asyncio.gather(decide(APPROVE), decide(reject))
    assert sorted(outcomes) == ["conflict", "decided"]
    assert await db.scalar(select(func.count()).select_from(Grant)) <= 1


async def test_grants_feed_the_rules_certification_and_the_founder_exclusion(db, services, scopes) -> None:
    registration = await registered_case(db, services, scopes["reviewer"], difficulties=["disabled"])
    applied = await _apply(db, services, registration.account_id, "P11", {"missing_papers": ["none"]})
    await policy_applications.decide(db, services.sms, scopes["reviewer"], applied.number, 1, APPROVE)
    await db.commit()
    loaded = await latest_of(db, registration.account_id)
    profile = await policies.profile_of(db, services.cipher, services.social_insurance, loaded, answers_of(loaded))
    assert profile.difficulty_certified
    assert "P11" in profile.policies_taken


async def test_what_an_approved_application_answered_is_part_of_the_profile_after(db, services, scopes) -> None:
    registration = await registered_case(db, services, scopes["reviewer"])
    founded = (date.today() - timedelta(days=200)).isoformat()
    form = {"business_founded_on": founded, "employees_insured_months": "4", **HAVE_IT_ALL}
    applied = await _apply(db, services, registration.account_id, "P01", form)
    loaded = await latest_of(db, registration.account_id)
    before = await policies.profile_of(db, services.cipher, services.social_insurance, loaded, answers_of(loaded))
    assert before.business_founded_on is None  # only an application under way: not yet a fact
    grant = policy_applications.Decision(outcome="approve", amount="10000", period_from=founded, period_to=founded)
    await policy_applications.decide(db, services.sms, scopes["reviewer"], applied.number, 1, grant)
    await db.commit()
    after = await policies.profile_of(db, services.cipher, services.social_insurance, loaded, answers_of(loaded))
    assert (after.business_founded_on, after.employees_insured_months) == (date.fromisoformat(founded), 4)
    # P02 then reads the business the agency accepted: only the rented premises are missing.
    mine = await policies.resident_checklist(db, services.cipher, services.social_insurance, registration.account_id)
    p02 = next(fit for fit in mine.fits if fit.policy.code == "P02")
    assert len(p02.outcome.missing) == 1


async def test_a_service_or_certification_is_approved_without_an_amount_and_money_is_not(db, services, scopes) -> None:
    registration = await registered_case(db, services, scopes["reviewer"], difficulties=["disabled"])
    certification = await _apply(db, services, registration.account_id, "P11", HAVE_IT_ALL)
    training = await _apply(db, services, registration.account_id, "P06", HAVE_IT_ALL)
    no_amount = policy_applications.Decision(outcome="approve", period_from="2026-12-01", period_to="2027-11-30")
    with pytest.raises(InputError) as raised:
        await policy_applications.decide(db, services.sms, scopes["reviewer"], training.number, 1, no_amount)
    assert set(raised.value.errors) == {"amount"}
    await policy_applications.decide(db, services.sms, scopes["reviewer"], certification.number, 1, no_amount)
    await db.commit()
    grant = await db.scalar(select(Grant).where(Grant.policy_code == "P11"))
    assert grant.amount == 0
