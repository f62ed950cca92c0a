"""One-person-one-plan: opened once when a person is certified, with the deciding reviewer as case worker; goals,
actions with due dates (overdue ones first in the case worker's list), reviews, hand-over and closing."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from portal.models import AuditEntry, Certification, Plan, PlanStatus
from portal.services import certifications, plans, staff_accounts
from portal.services.errors import Conflict, InputError, NotAllowed, NotFound
from portal.services.staff import Scope, scope_of
from tests.conftest import make_id
from tests.staffing import STAFF_PASSWORD, registered_case

TODAY = date(2026, 11, 30)


async def _staff(db, username: str, role: str, area: str | None = "440802") -> Scope:
    user = await staff_accounts.create(db, staff_accounts.audit.SYSTEM, username=username, full_name=username,
                                       password=STAFF_PASSWORD, role=role, area_code=area)  # fmt: skip
    await db.commit()
    return scope_of(user)


async def _certified(db, services, reviewer: Scope, phone: str = "13300000301") -> Plan:
    registration = await registered_case(
        db, services, reviewer, phone=phone, id_number=make_id(date(1970, 1, 1), "M", sequence=int(phone[-2:]))
    )
    applied = await certifications.apply(db, registration.account_id, category="older", evidence="commitment",
                                         evidence_text="", commitment_name="张三", today=TODAY)  # fmt: skip
    await certifications.decide(db, services.sms, reviewer, applied.number, version=1, outcome="certify", reasons="",
                                today=TODAY)  # fmt: skip
    await db.commit()
    return await db.scalar(select(Plan).where(Plan.registration_id == registration.id))


async def _version(db, plan_id: int) -> int:
    return await db.scalar(select(Plan.version).where(Plan.id == plan_id))


async def test_certifying_opens_one_plan_with_the_deciding_reviewer_as_case_worker(db, services, scopes) -> None:
    plan = await _certified(db, services, scopes["reviewer"])
    assert plan is not None
    assert (plan.case_worker_id, plan.status, plan.opened_on) == (scopes["reviewer"].staff_id, PlanStatus.OPEN, TODAY)
    cert_id = await db.scalar(select(Certification.id))
    again = await plans.open_for(db, cert_id, plan.registration_id, plan.person_id, "440802",
                                 scopes["reviewer"].staff_id, TODAY)  # fmt: skip
    assert again is False
    assert await db.scalar(select(func.count()).select_from(Plan)) == 1


async def test_overdue_actions_put_the_plan_first_and_show_in_the_case_workers_worklist(db, services, scopes) -> None:
    reviewer = scopes["reviewer"]
    calm = await _certified(db, services, reviewer, "13300000301")
    late = await _certified(db, services, reviewer, "13300000302")
    await plans.add_action(db, reviewer, calm.id, text="参加招聘会", due_on="2026-12-20", today=TODAY)
    await plans.add_action(db, reviewer, late.id, text="提交简历", due_on="2026-12-01", today=TODAY)
    await db.commit()
    later = TODAY + timedelta(days=5)
    listed = await plans.plan_list(db, reviewer, show="mine", today=later)
    assert [(r.id, r.overdue_actions, r.open_actions) for r in listed.rows] == [(late.id, 1, 1), (calm.id, 0, 1)]
    assert [r.id for r in (await plans.plan_list(db, reviewer, show="overdue", today=later)).rows] == [late.id]
    [overdue] = await plans.overdue_actions(db, reviewer.staff_id, later)
    assert (overdue.plan_id, overdue.text, overdue.due_on) == (late.id, "提交简历", date(2026, 12, 1))
    other = await _staff(db, "chikan.clerk", "clerk")
    assert (await plans.plan_list(db, other, show="mine", today=later)).rows == []
    assert len((await plans.plan_list(db, other, show="county", today=later)).rows) == 2


async def test_an_action_is_done_once_and_its_due_day_cannot_be_past(db, services, scopes) -> None:
    reviewer = scopes["reviewer"]
    plan = await _certified(db, services, reviewer)
    with pytest.raises(InputError) as raised:
        await plans.add_action(db, reviewer, plan.id, text=" ", due_on="2026-11-29", today=TODAY)
    assert set(raised.value.errors) == {"text", "due_on"}
    await plans.add_action(db, reviewer, plan.id, text="参加电工培训", due_on="2026-12-10", today=TODAY)
    await db.commit()
    view = await plans.plan_of(db, reviewer, plan.id, today=TODAY)
    [action] = view.actions
    await asyncio.gather(*(_complete(services, reviewer, plan.id, action.id) for _ in range(3)))
    done = await db.scalars(select(AuditEntry).where(AuditEntry.action == "plan.action_done"))
    assert len(done.all()) == 1
    with pytest.raises(NotFound):
        await plans.complete_action(db, reviewer, plan.id, action.id + 999)


async def _complete(services, scope: Scope, plan_id: int, action_id: int) -> None:
    async with services.sessionmaker() as session:
        await plans.complete_action(session, scope, plan_id, action_id, today=TODAY)
        await session.commit()


async def test_goals_reviews_hand_over_and_closing_move_from_the_version_seen(db, services, scopes) -> None:
    reviewer = scopes["reviewer"]
    plan = await _certified(db, services, reviewer)
    goals = "三个月内找到保安或保洁工作"
    await plans.set_goals(db, reviewer, plan.id, goals=goals, version=await _version(db, plan.id))
    await db.commit()
    with pytest.raises(Conflict):  # a page from before the goals were saved
        await plans.set_goals(db, reviewer, plan.id, goals="旧页面", version=1)
    await plans.add_review(db, reviewer, plan.id, note="已参加两次招聘会", today=TODAY)
    clerk = await _staff(db, "chikan.clerk", "clerk")
    xiashan = await _staff(db, "xiashan.clerk", "clerk", "440803")
    with pytest.raises(InputError):  # another county's clerk cannot take a 赤坎 plan
        await plans.reassign(
            db, reviewer, plan.id, case_worker=str(xiashan.staff_id), version=await _version(db, plan.id)
        )
    await plans.reassign(db, reviewer, plan.id, case_worker=str(clerk.staff_id), version=await _version(db, plan.id))
    await db.commit()
    with pytest.raises(InputError) as unsaid:
        await plans.close(db, clerk, plan.id, outcome="other", note="", version=await _version(db, plan.id))
    assert set(unsaid.value.errors) == {"outcome_note"}
    version = await _version(db, plan.id)
    await plans.close(db, clerk, plan.id, outcome="employed", note="湛江某物流公司", version=version, today=TODAY)
    await db.commit()
    view = await plans.plan_of(db, clerk, plan.id)
    assert (view.status, view.case_worker, view.goals, len(view.reviews)) == (
        PlanStatus.CLOSED, "chikan.clerk", goals, 1,
    )  # fmt: skip
    with pytest.raises(Conflict):  # closed: nothing more is added
        await plans.add_review(db, clerk, plan.id, note="x")
    actions = (await db.scalars(select(AuditEntry.action).where(AuditEntry.target_type == "plan")
                                .order_by(AuditEntry.id))).all()  # fmt: skip
    assert actions == ["plan.goals", "plan.review", "plan.reassign", "plan.close"]


async def test_city_staff_read_plans_but_do_not_act_and_another_county_does_not_see_them(db, services, scopes) -> None:
    plan = await _certified(db, services, scopes["reviewer"])
    assert (await plans.plan_of(db, scopes["admin"], plan.id)).id == plan.id
    with pytest.raises(NotAllowed):
        await plans.add_review(db, scopes["admin"], plan.id, note="x")
    xiashan = await _staff(db, "xiashan.reviewer", "reviewer", "440803")
    with pytest.raises(NotFound):
        await plans.plan_of(db, xiashan, plan.id)


async def test_the_person_sees_their_plan_with_the_agency_contact(db, services, scopes) -> None:
    plan = await _certified(db, services, scopes["reviewer"])
    mine = await plans.of_person(db, plan.person_id)
    assert mine is not None
    assert mine.case_worker == "赤坎审核"
    assert mine.contact.phone
    assert mine.case_workers == []  # the hand-over choices are staff's only
