"""One-person-one-plan over HTTP: the case worker adds an action (errors beside the fields), marks it done with
and without htmx, and the person reads the plan; who may see and act on a plan."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from portal.models import Plan, Registration, StaffUser
from portal.services import certifications
from portal.services.staff import scope_of
from tests.conftest import HTMX, post_form
from tests.routes.test_staff_permissions import USERS, _as
from tests.staffing import create_named_staff, registered_case, registered_over_http, sign_in_staff

DUE = (date.today() + timedelta(days=10)).isoformat()


async def _plan(db, services, registration) -> int:
    reviewer = scope_of(await db.scalar(select(StaffUser).where(StaffUser.username == "chikan.reviewer")))
    if registration is None:
        registration = await registered_case(db, services, reviewer)
    applied = await certifications.apply(db, registration.account_id, category="older", evidence="commitment",
                                         evidence_text="", commitment_name="张三")  # fmt: skip
    await certifications.decide(db, services.sms, reviewer, applied.number, version=1, outcome="certify", reasons="")
    await db.commit()
    return await db.scalar(select(Plan.id).where(Plan.registration_id == registration.id))


async def test_an_action_added_and_marked_done_with_and_without_htmx(client, services, db) -> None:
    await create_named_staff(db)
    plan_id = await _plan(db, services, None)
    await sign_in_staff(client, "chikan_reviewer")
    listed = await client.get("/staff/plans")
    assert f"/staff/plans/{plan_id}" in listed.text
    missing = await post_form(client, f"/staff/plans/{plan_id}/actions", {"text": "去面试", "due_on": "2020-01-01"},
                              page=f"/staff/plans/{plan_id}")  # fmt: skip
    assert 'href="#due_on"' in missing.text
    assert 'value="去面试"' in missing.text
    for text in ("参加招聘会", "提交简历"):
        added = await post_form(client, f"/staff/plans/{plan_id}/actions", {"text": text, "due_on": DUE},
                                page=f"/staff/plans/{plan_id}")  # fmt: skip
        assert added.status_code == 303
    page = await client.get(f"/staff/plans/{plan_id}")
    ids = [int(part.split("/")[0]) for part in page.text.split(f"/staff/plans/{plan_id}/actions/")[1:]]
    first, second = sorted(set(ids))
    swapped = await post_form(client, f"/staff/plans/{plan_id}/actions/{first}/done", {},
                              page=f"/staff/plans/{plan_id}", headers=HTMX)  # fmt: skip
    assert swapped.text.lstrip().startswith('<section id="plan-actions"')
    plain = await post_form(client, f"/staff/plans/{plan_id}/actions/{second}/done", {},
                            page=f"/staff/plans/{plan_id}")  # fmt: skip
    assert plain.headers["location"] == f"/staff/plans/{plan_id}?done=done"
    assert "/done" not in (await client.get(f"/staff/plans/{plan_id}")).text  # both done: nothing left to mark


async def test_the_person_reads_their_plan_and_their_agencys_contact(client, services, db, named_staff) -> None:
    await registered_over_http(client, services, db, "13800000391")
    empty = await client.get("/account/plan")
    assert "/account/certification" in empty.text
    assert await db.scalar(select(Plan.id)) is None
    registration = await db.scalar(select(Registration))
    xiashan = scope_of(await db.scalar(select(StaffUser).where(StaffUser.username == "xiashan.reviewer")))
    applied = await certifications.apply(db, registration.account_id, category="older", evidence="commitment",
                                         evidence_text="", commitment_name="张三")  # fmt: skip
    await certifications.decide(db, services.sms, xiashan, applied.number, version=1, outcome="certify", reasons="")
    await db.commit()
    mine = await client.get("/account/plan")
    assert "xiashan_reviewer" in mine.text  # the named case worker
    assert "tel:" in mine.text
    assert mine.headers["cache-control"] == "no-store"


PAGES = {
    "chikan_clerk": 200, "chikan_reviewer": 200, "xiashan_clerk": 404, "xiashan_reviewer": 404,
    "city_admin": 200, "city_viewer": 200, "resident": 303, "anonymous": 303,
}  # fmt: skip
ACT = {
    "chikan_clerk": 303, "chikan_reviewer": 303, "xiashan_clerk": 404, "xiashan_reviewer": 404,
    "city_admin": 403, "city_viewer": 403, "resident": 303, "anonymous": 303,
}  # fmt: skip
LIST = dict.fromkeys(USERS[:6], 200) | {"resident": 303, "anonymous": 303}


@pytest.mark.parametrize("who", USERS)
async def test_who_may_see_a_plan_and_act_on_it(client, services, db, who: str) -> None:
    await create_named_staff(db)
    plan_id = await _plan(db, services, None)
    await _as(client, services, db, who)
    assert (await client.get("/staff/plans", follow_redirects=False)).status_code == LIST[who]
    assert (await client.get(f"/staff/plans/{plan_id}", follow_redirects=False)).status_code == PAGES[who]
    for path, form in (
        ("reviews", {"note": "面谈"}), ("actions", {"text": "面试", "due_on": DUE}),
        ("goals", {"goals": "找到工作", "version": "1"}),
    ):  # fmt: skip
        response = await post_form(client, f"/staff/plans/{plan_id}/{path}", form, page="/staff/login")
        assert response.status_code == ACT[who], (path, response.text[:300])


@pytest.mark.parametrize("bad", ["0", "-1", "99999999999999999999999", "x"])
async def test_a_plan_number_that_is_not_one_is_not_found(client, services, db, bad: str) -> None:
    await create_named_staff(db)
    await sign_in_staff(client, "chikan_clerk")
    assert (await client.get(f"/staff/plans/{bad}")).status_code == 404
