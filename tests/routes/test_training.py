"""Training programmes over HTTP: staff add, change, tell and record completion; a resident enrols; errors come
back beside the fields; and who may see and do each."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from portal.models import (
    EnrolmentStatus,
    Registration,
    ServiceMinimumCount,
    StaffUser,
    TrainingEnrolment,
    TrainingProgramme,
)
from portal.services import training
from portal.services.staff import scope_of
from tests.conftest import post_form
from tests.routes.test_staff_permissions import USERS, _as
from tests.staffing import create_named_staff, registered_case, registered_over_http, sign_in_staff

TODAY = date.today()
FORM = {
    "provider": "湛江市某职业培训学校", "course": "电工（初级）", "details": "赤坎区，周一至周五上午",
    "starts_on": (TODAY + timedelta(days=14)).isoformat(), "ends_on": (TODAY + timedelta(days=44)).isoformat(),
    "enrol_by": (TODAY + timedelta(days=10)).isoformat(), "seats": "20", "subsidy_policy": "P06",
}  # fmt: skip


async def _scope(db, username: str):
    return scope_of(await db.scalar(select(StaffUser).where(StaffUser.username == username)))


async def _programme(db, username: str = "chikan.reviewer", **changes: str) -> TrainingProgramme:
    programme = await training.create(db, await _scope(db, username), training.ProgrammeForm(**(FORM | changes)))
    await db.commit()
    return programme


async def _chikan_with_an_enrolment(db, services) -> tuple[TrainingProgramme, Registration, int]:
    await create_named_staff(db)
    person = await registered_case(db, services, await _scope(db, "chikan.reviewer"))
    programme = await _programme(db)
    await training.enrol(db, person.account_id, programme.id)
    await db.commit()
    enrolment_id = await db.scalar(select(TrainingEnrolment.id))
    return programme, person, enrolment_id


# ---- who may do what -------------------------------------------------------------------------------------------------

CHIKAN, XIASHAN = ["chikan_clerk", "chikan_reviewer"], ["xiashan_clerk", "xiashan_reviewer"]
OUTSIDERS = {"resident": 303, "anonymous": 303}
STAFF_PAGES = {
    "/staff/training": dict.fromkeys(USERS[:6], 200) | OUTSIDERS,
    "/staff/training/new": dict.fromkeys(USERS[:6], 200) | {"city_viewer": 403} | OUTSIDERS,
    "/staff/training/{id}": dict.fromkeys(CHIKAN, 200) | dict.fromkeys(XIASHAN, 404)
    | {"city_admin": 200, "city_viewer": 200} | OUTSIDERS,
    "/staff/training/{id}/edit": dict.fromkeys(CHIKAN, 200) | dict.fromkeys(XIASHAN, 404)
    | {"city_admin": 200, "city_viewer": 403} | OUTSIDERS,
}  # fmt: skip
MANAGE = dict.fromkeys(CHIKAN, 303) | dict.fromkeys(XIASHAN, 404) | {"city_admin": 303, "city_viewer": 403} | OUTSIDERS
STAFF_ACTIONS = {
    "/staff/training/new": dict.fromkeys(USERS[:6], 303) | {"city_viewer": 403} | OUTSIDERS,
    "/staff/training/{id}/edit": MANAGE,
    "/staff/training/{id}/tell": MANAGE,
    "/staff/training/{id}/enrolments/{enrolment}": MANAGE,
}
# A staff member or a visitor is sent to sign in as a resident; a resident without a registration is told why not.
RESIDENT_PAGES = {"/account/training": dict.fromkeys(USERS, 303) | {"resident": 200}}
RESIDENT_ACTIONS = {"/account/training/{id}/enrol": dict.fromkeys(USERS, 303) | {"resident": 200}}


@pytest.mark.parametrize("who", USERS)
async def test_who_may_see_and_manage_a_countys_programmes(client, services, db, who: str) -> None:
    programme, _person, enrolment_id = await _chikan_with_an_enrolment(db, services)
    await _as(client, services, db, who)
    for path, expected in (STAFF_PAGES | RESIDENT_PAGES).items():
        response = await client.get(path.format(id=programme.id), follow_redirects=False)
        assert response.status_code == expected[who], (path, response.text[:300])
    forms = {
        "/staff/training/new": FORM | {"county": "440802"},
        "/staff/training/{id}/edit": FORM | {"version": "1"},
        "/staff/training/{id}/tell": {},
        "/staff/training/{id}/enrolments/{enrolment}": {"outcome": "completed"},
    }
    for path, expected in STAFF_ACTIONS.items():
        url = path.format(id=programme.id, enrolment=enrolment_id)
        response = await post_form(client, url, forms[path], page="/staff/login")
        assert response.status_code == expected[who], (path, response.text[:300])
    for path, expected in RESIDENT_ACTIONS.items():
        response = await post_form(client, path.format(id=programme.id), {}, page="/account/login")
        assert response.status_code == expected[who], (path, response.text[:300])


# ---- staff actions -------------------------------------------------------------------------------------------------


async def test_a_clerk_adds_a_programme_and_a_bad_form_comes_back_with_its_errors(client, services, db) -> None:
    await create_named_staff(db)
    await sign_in_staff(client, "chikan_clerk")
    bad = await post_form(client, "/staff/training/new", FORM | {"seats": "lots", "course": ""})
    assert bad.status_code == 200
    assert 'href="#seats"' in bad.text
    assert 'href="#course"' in bad.text
    assert "湛江市某职业培训学校" in bad.text  # what was typed is kept
    made = await post_form(client, "/staff/training/new", FORM)
    assert made.status_code == 303
    page = await client.get(made.headers["location"])
    assert "电工（初级）" in page.text
    assert await db.scalar(select(TrainingProgramme.county_code)) == "440802"


async def test_a_programme_is_changed_and_a_stale_form_shows_the_programme_as_it_is(client, services, db) -> None:
    await create_named_staff(db)
    programme = await _programme(db)
    await sign_in_staff(client, "chikan_reviewer")
    url = f"/staff/training/{programme.id}/edit"
    changed = await post_form(client, url, FORM | {"version": "1", "course": "电工（中级）"})
    assert changed.status_code == 303
    stale = await post_form(client, url, FORM | {"version": "1", "course": "焊工"})
    assert stale.status_code == 409
    assert "电工（中级）" in stale.text


async def test_telling_from_the_page_counts_a_training_notice_for_the_12333_minimum(client, services, db) -> None:
    await create_named_staff(db)
    person = await registered_case(db, services, await _scope(db, "chikan.reviewer"))
    programme = await _programme(db)
    await sign_in_staff(client, "chikan_clerk")
    page = await client.get(f"/staff/training/{programme.id}")
    assert "/tell" in page.text
    told = await post_form(client, f"/staff/training/{programme.id}/tell", {}, page=f"/staff/training/{programme.id}")
    assert told.status_code == 303
    assert told.headers["location"].endswith("told=1")
    assert await db.scalar(select(ServiceMinimumCount.training).where(
        ServiceMinimumCount.registration_id == person.id)) == 1  # fmt: skip
    again = await client.get(told.headers["location"])
    assert "/tell" not in again.text  # nobody left to tell


async def test_completion_is_recorded_from_the_programme_page(client, services, db) -> None:
    programme, _person, enrolment_id = await _chikan_with_an_enrolment(db, services)
    await sign_in_staff(client, "chikan_clerk")
    url = f"/staff/training/{programme.id}/enrolments/{enrolment_id}"
    missing = await post_form(client, url, {}, page=f"/staff/training/{programme.id}")
    assert missing.status_code == 200
    assert f'href="#outcome-{enrolment_id}"' in missing.text
    done = await post_form(client, url, {"outcome": "certificate"}, page=f"/staff/training/{programme.id}")
    assert done.status_code == 303
    enrolment = await db.scalar(select(TrainingEnrolment))
    assert (enrolment.status, enrolment.certificate) == (EnrolmentStatus.COMPLETED, True)
    twice = await post_form(client, url, {"outcome": "not_completed"}, page=f"/staff/training/{programme.id}")
    assert twice.status_code == 409


# ---- the resident --------------------------------------------------------------------------------------------------


async def test_a_registered_resident_sees_their_countys_course_and_enrols_once(client, services, db) -> None:
    await create_named_staff(db)
    await registered_over_http(client, services, db, "13700000301")  # 霞山
    programme = await _programme(db, "xiashan.clerk", seats="1")
    other_county = await _programme(db, "chikan.clerk", course="焊工")
    page = await client.get("/account/training")
    assert page.status_code == 200
    assert "电工（初级）" in page.text
    assert "焊工" not in page.text
    assert page.headers["cache-control"] == "no-store"
    response = await post_form(client, f"/account/training/{programme.id}/enrol", {}, page="/account/training")
    assert response.status_code == 303
    assert response.headers["location"] == "/account/training?done=enrolled"
    again = await post_form(client, f"/account/training/{programme.id}/enrol", {}, page="/account/training")
    assert again.headers["location"] == "/account/training?done=already"
    assert await db.scalar(select(func.count()).select_from(TrainingEnrolment)) == 1
    elsewhere = await post_form(client, f"/account/training/{other_county.id}/enrol", {}, page="/account/training")
    assert elsewhere.status_code == 404
    for bad in ("abc", "99999999999999999999999"):
        response = await post_form(client, f"/account/training/{bad}/enrol", {}, page="/account/training")
        assert response.status_code == 404


async def test_a_full_course_answers_with_its_own_message(client, services, db) -> None:
    await create_named_staff(db)
    await registered_over_http(client, services, db, "13700000302")
    programme = await _programme(db, "xiashan.clerk", seats="1")
    await db.execute(TrainingProgramme.__table__.update().values(seats_taken=1))
    await db.commit()
    page = await client.get("/account/training")
    assert re.search(r"/account/training/\d+/enrol", page.text) is None  # full: no button
    response = await post_form(client, f"/account/training/{programme.id}/enrol", {}, page="/account/training")
    assert response.status_code == 409
    assert f'href="#programme-{programme.id}"' in response.text
