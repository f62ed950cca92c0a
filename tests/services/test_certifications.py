"""Certification of employment difficulty: applying with proof or a commitment, the county's decision within 10
working days, a refusal's 30-day re-check decided by a different reviewer, and the certified status the policy
rules and the tracking list read."""

from __future__ import annotations

import asyncio
from datetime import date

import pytest
from sqlalchemy import func, select

from portal.models import AuditEntry, Certification, CertificationStatus, InboxMessage, Registration
from portal.services import certifications, policies, staff_accounts, tracking
from portal.services.errors import Conflict, InputError, NotAllowed, NotFound
from portal.services.staff import Scope, scope_of
from tests.staffing import STAFF_PASSWORD, registered_case

TODAY = date(2026, 11, 30)  # a Monday


async def _staff(db, username: str, role: str, area: str | None = "440802") -> Scope:
    user = await staff_accounts.create(db, staff_accounts.audit.SYSTEM, username=username, full_name=username,
                                       password=STAFF_PASSWORD, role=role, area_code=area)  # fmt: skip
    await db.commit()
    return scope_of(user)


async def _registered(db, services, reviewer: Scope) -> Registration:
    return await registered_case(db, services, reviewer, name="张三")


async def _apply(db, registration: Registration, **changes) -> certifications.Applied:
    values = {"category": "disabled", "evidence": "proof", "evidence_text": "残疾人证 44080219", "commitment_name": ""}
    applied = await certifications.apply(db, registration.account_id, **(values | changes), today=TODAY)
    await db.commit()
    return applied


async def test_the_provinces_twelve_categories_are_loaded_as_reference_data(db) -> None:
    listed = await certifications.categories(db)
    assert [c.code for c in listed][:2] == ["older", "disabled"]
    assert len(listed) == 12


async def test_an_application_is_due_in_ten_working_days_and_a_double_submit_finds_the_first(
    db, services, scopes
) -> None:
    registration = await _registered(db, services, scopes["reviewer"])
    first = await _apply(db, registration)
    again = await _apply(db, registration, category="older")
    assert again == certifications.Applied(first.number, already=True)
    cert = await db.scalar(select(Certification).where(Certification.number == first.number))
    assert cert.status is CertificationStatus.SUBMITTED
    assert cert.deadline == date(2026, 12, 14)  # ten working days after Monday 30 November


async def test_applications_sent_at_once_leave_one(db, services, scopes) -> None:
    registration = await _registered(db, services, scopes["reviewer"])

    async def one() -> str:
        async with services.sessionmaker() as session:
            applied = await certifications.apply(session, registration.account_id, category="older",
                                                 evidence="commitment", evidence_text="", commitment_name="张三",
                                                 today=TODAY)  # fmt: skip
            await session.commit()
            return applied.number

    numbers = await asyncio.gather(*(one() for _ in range(4)))
    assert len(set(numbers)) == 1
    assert await db.scalar(select(func.count()).select_from(Certification)) == 1


async def test_an_application_needs_an_active_category_and_proof_or_a_commitment_in_ones_own_name(
    db, services, scopes
) -> None:
    registration = await _registered(db, services, scopes["reviewer"])
    with pytest.raises(InputError) as raised:
        await _apply(db, registration, category="nope", evidence="")
    assert set(raised.value.errors) == {"category", "evidence"}
    with pytest.raises(InputError) as unsigned:
        await _apply(db, registration, evidence="commitment", commitment_name="李四")
    assert set(unsigned.value.errors) == {"commitment_name"}
    with pytest.raises(InputError) as no_proof:
        await _apply(db, registration, evidence_text=" ")
    assert set(no_proof.value.errors) == {"evidence_text"}


async def test_certifying_gives_the_status_with_a_yearly_review_which_the_rules_and_tracking_read(
    db, services, scopes
) -> None:
    registration = await _registered(db, services, scopes["reviewer"])
    applied = await _apply(db, registration)
    version = await db.scalar(select(Certification.version).where(Certification.number == applied.number))
    status = await certifications.decide(db, services.sms, scopes["reviewer"], applied.number, version=version,
                                         outcome="certify", reasons="", today=TODAY)  # fmt: skip
    await db.commit()
    assert status is CertificationStatus.CERTIFIED
    shown = await certifications.status_of(db, registration.person_id)
    assert shown is not None
    assert (shown.category, shown.certified_on, shown.review_on) == ("disabled", TODAY, date(2027, 11, 30))
    await db.refresh(registration, ["person", "difficulty_rows", "service_wanted_rows"])
    profile = await policies.profile_of(db, services.cipher, services.social_insurance, registration,
                                        policies.answers_of(registration))  # fmt: skip
    assert profile.difficulty_certified
    assert "P11" in profile.policies_taken
    held = await db.scalar(select(tracking.certified()).where(Registration.id == registration.id))
    assert held
    told = await db.scalar(select(InboxMessage.kind).where(InboxMessage.account_id == registration.account_id)
                           .order_by(InboxMessage.id.desc()).limit(1))  # fmt: skip
    assert told == "certified"
    assert await db.scalar(select(AuditEntry.action).where(AuditEntry.action == "certification.decide"))


async def test_a_refusal_needs_reasons_and_opens_thirty_days_for_a_recheck_by_another_reviewer(
    db, services, scopes
) -> None:
    first_reviewer = scopes["reviewer"]
    registration = await _registered(db, services, first_reviewer)
    applied = await _apply(db, registration)

    async def version() -> int:
        return await db.scalar(select(Certification.version).where(Certification.number == applied.number))

    with pytest.raises(InputError) as no_reasons:
        await certifications.decide(db, services.sms, first_reviewer, applied.number, version=await version(),
                                    outcome="refuse", reasons=" ", today=TODAY)  # fmt: skip
    assert set(no_reasons.value.errors) == {"reasons"}
    await certifications.decide(db, services.sms, first_reviewer, applied.number, version=await version(),
                                outcome="refuse", reasons="残疾人证号无法核实", today=TODAY)  # fmt: skip
    await db.commit()
    cert = await db.scalar(select(Certification).where(Certification.number == applied.number))
    assert (cert.status, cert.recheck_until) == (CertificationStatus.REFUSED, date(2026, 12, 30))

    with pytest.raises(Conflict):  # the window has closed
        await certifications.ask_recheck(db, registration.account_id, applied.number, "证件已补办",
                                         today=date(2026, 12, 31))  # fmt: skip
    await certifications.ask_recheck(db, registration.account_id, applied.number, "补办", today=date(2026, 12, 30))
    await db.commit()
    with pytest.raises(Conflict):  # asked once already
        await certifications.ask_recheck(db, registration.account_id, applied.number, "再次", today=date(2026, 12, 30))
    with pytest.raises(NotFound):  # not this account's
        await certifications.ask_recheck(db, registration.account_id + 999, applied.number, "x", today=TODAY)

    with pytest.raises(NotAllowed):  # the first reviewer may not decide the re-check
        await certifications.decide(db, services.sms, first_reviewer, applied.number, version=await version(),
                                    outcome="certify", reasons="", today=date(2026, 12, 31))  # fmt: skip
    second_reviewer = await _staff(db, "chikan.reviewer2", "reviewer")
    status = await certifications.decide(db, services.sms, second_reviewer, applied.number, version=await version(),
                                         outcome="certify", reasons="复核通过", today=date(2026, 12, 31))  # fmt: skip
    await db.commit()
    assert status is CertificationStatus.CERTIFIED
    await db.refresh(cert)
    assert (cert.recheck_decided_by, cert.decided_by) == (second_reviewer.staff_id, first_reviewer.staff_id)


async def test_two_reviewers_deciding_at_once_leave_one_decision_and_a_conflict(db, services, scopes) -> None:
    registration = await _registered(db, services, scopes["reviewer"])
    applied = await _apply(db, registration)
    other = await _staff(db, "chikan.reviewer2", "reviewer")
    version = await db.scalar(select(Certification.version).where(Certification.number == applied.number))

    async def decide(scope: Scope, outcome: str) -> str:
        async with services.sessionmaker() as session:
            try:
                await certifications.decide(session, services.sms, scope, applied.number, version=version,
                                            outcome=outcome, reasons="理由", today=TODAY)  # fmt: skip
                await session.commit()
            except Conflict:
                return "conflict"
            return "decided"

    results = await asyncio.gather(decide(scopes["reviewer"], "certify"), decide(other, "refuse"))
    assert sorted(results) == ["conflict", "decided"]


async def test_a_clerk_may_not_decide_and_another_county_does_not_see_it(db, services, scopes) -> None:
    registration = await _registered(db, services, scopes["reviewer"])
    applied = await _apply(db, registration)
    clerk = await _staff(db, "chikan.clerk", "clerk")
    with pytest.raises(NotAllowed):
        await certifications.decide(db, services.sms, clerk, applied.number, version=1, outcome="certify", reasons="")
    xiashan = await _staff(db, "xiashan.reviewer", "reviewer", "440803")
    with pytest.raises(NotFound):
        await certifications.case_of(db, xiashan, applied.number)
    assert (await certifications.queue(db, xiashan)).total == 0
    assert (await certifications.queue(db, scopes["admin"])).total == 1


async def test_the_city_edits_retires_and_adds_categories(db, scopes) -> None:
    admin = scopes["admin"]
    await certifications.edit_category(db, admin, "other", name_zh="其他人员", name_en="Others", active=False)
    await certifications.add_category(db, admin, code="flood_victims", name_zh="受灾失业人员", name_en="Flood victims")
    await db.commit()
    offered = {c.code for c in await certifications.categories(db)}
    assert "other" not in offered
    assert "flood_victims" in offered
    with pytest.raises(InputError) as taken:
        await certifications.add_category(db, admin, code="older", name_zh="x", name_en="x")
    assert set(taken.value.errors) == {"code"}
    with pytest.raises(InputError) as bad:
        await certifications.add_category(db, admin, code="Bad Code!", name_zh="", name_en="x")
    assert set(bad.value.errors) == {"code", "name_zh"}
    with pytest.raises(NotAllowed):
        await certifications.edit_category(db, scopes["reviewer"], "older", name_zh="x", name_en="x", active=True)
    # Put the reference table back for the next test (it is kept between tests).
    await certifications.edit_category(db, admin, "other", name_zh=certifications.CATEGORY_SEED["other"][0],
                                       name_en=certifications.CATEGORY_SEED["other"][1], active=True)  # fmt: skip
    await db.execute(certifications.DifficultyCategory.__table__.delete().where(
        certifications.DifficultyCategory.code == "flood_victims"))  # fmt: skip
    await db.commit()


@pytest.mark.parametrize(
    ("certified_on", "review_on"),
    [(date(2026, 11, 30), date(2027, 11, 30)), (date(2028, 2, 29), date(2029, 2, 28)),
     (date(2027, 3, 1), date(2028, 3, 1))],
)  # fmt: skip
def test_the_yearly_review_falls_on_the_anniversary_or_the_28th_for_29_february(
    certified_on: date, review_on: date
) -> None:
    assert certifications.review_day(certified_on) == review_on
