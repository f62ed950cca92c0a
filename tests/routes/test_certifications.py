"""Certification over HTTP: the resident applies (errors beside the fields), a reviewer refuses, the resident
asks for a re-check that another reviewer decides; the city edits the categories; who may do what."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest
from sqlalchemy import select

from portal.models import Certification, StaffUser
from portal.services import certifications
from portal.services.staff import scope_of
from tests.conftest import post_form
from tests.routes.test_staff_permissions import USERS, _as
from tests.staffing import create_named_staff, registered_case, registered_over_http, sign_in_staff

APPLY = {"category": "disabled", "evidence": "proof", "evidence_text": "残疾人证号 44080319900101"}


@asynccontextmanager
async def _staff_client(app, who: str, port: int) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", port))
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8000") as client:
        await sign_in_staff(client, who)
        yield client


async def test_a_resident_applies_is_refused_and_another_reviewer_certifies_on_recheck(
    app, client, services, db, named_staff
) -> None:
    await registered_over_http(client, services, db, "13800000191")
    form = await client.get("/account/certification")
    assert form.status_code == 200
    assert "持有残疾人证的残疾人员" in form.text
    missing = await post_form(client, "/account/certification", {"category": "disabled"}, page="/account/certification")
    assert missing.status_code == 200  # the form again, as every form of the portal answers a mistake
    assert 'href="#evidence"' in missing.text
    assert "checked" in missing.text  # the category chosen comes back
    applied = await post_form(client, "/account/certification", APPLY, page="/account/certification")
    assert applied.headers["location"] == "/account/certification?done=applied"
    mine = await client.get(applied.headers["location"])
    number = re.search(r"ZC\d{14}", mine.text).group(0)
    assert "个工作日" in mine.text  # the clock, shown to the person

    async with _staff_client(app, "xiashan_reviewer", 50011) as first:
        assert number in (await first.get("/staff/certifications")).text
        refused = await post_form(first, f"/staff/certifications/{number}",
                                  {"outcome": "refuse", "reasons": "证件信息与残联数据不符", "version": "1"},
                                  page=f"/staff/certifications/{number}")  # fmt: skip
        assert refused.status_code == 303
        stale = await post_form(first, f"/staff/certifications/{number}",
                                {"outcome": "certify", "reasons": "", "version": "1"},
                                page=f"/staff/certifications/{number}")  # fmt: skip
        assert stale.status_code == 409

    told = await client.get("/account/certification")
    assert "证件信息与残联数据不符" in told.text
    asked = await post_form(client, f"/account/certification/{number}/recheck", {"reason": "已补办新证"},
                            page="/account/certification")  # fmt: skip
    assert asked.headers["location"] == "/account/certification?done=recheck"

    async with _staff_client(app, "xiashan_reviewer", 50012) as first:
        own = await post_form(first, f"/staff/certifications/{number}",
                              {"outcome": "certify", "reasons": "", "version": "3"},
                              page=f"/staff/certifications/{number}")  # fmt: skip
        assert own.status_code == 403
    await db.execute(StaffUser.__table__.update().where(StaffUser.username == "xiashan.clerk").values(role="reviewer"))
    await db.commit()
    async with _staff_client(app, "xiashan_clerk", 50013) as second:  # now a second reviewer of 霞山
        certified = await post_form(second, f"/staff/certifications/{number}",
                                    {"outcome": "certify", "reasons": "复核通过", "version": "3"},
                                    page=f"/staff/certifications/{number}")  # fmt: skip
        assert certified.status_code == 303
    done = await client.get("/account/certification")
    assert "您已被认定" in done.text or "You are certified" in done.text


async def test_the_p11_policy_form_sends_the_resident_to_the_certification_page(
    client, services, db, named_staff
) -> None:
    await registered_over_http(client, services, db, "13800000192")
    response = await client.get("/policies/P11/apply", follow_redirects=False)
    assert response.headers["location"] == "/account/certification"


async def test_the_city_administrator_edits_a_category_and_errors_come_back_beside_the_field(
    client, services, db, named_staff
) -> None:
    await sign_in_staff(client, "city_admin")
    page = await client.get("/staff/difficulty-categories")
    assert 'id="active-older"' in page.text
    bad = await post_form(client, "/staff/difficulty-categories", {"code": "X!", "name_zh": "", "name_en": "x"},
                          page="/staff/difficulty-categories")  # fmt: skip
    assert bad.status_code == 200
    assert 'href="#code"' in bad.text
    saved = await post_form(client, "/staff/difficulty-categories/veteran",
                            {"name_zh": "退役军人（登记失业6个月以上）", "name_en": "Veterans", "active": "yes"},
                            page="/staff/difficulty-categories")  # fmt: skip
    assert saved.status_code == 303
    assert "退役军人（登记失业6个月以上）" in (await client.get("/staff/difficulty-categories")).text
    seed_zh, seed_en = certifications.CATEGORY_SEED["veteran"]
    await post_form(client, "/staff/difficulty-categories/veteran",
                    {"name_zh": seed_zh, "name_en": seed_en, "active": "yes"},
                    page="/staff/difficulty-categories")  # fmt: skip


QUEUE = dict.fromkeys(USERS[:6], 200) | {"resident": 303, "anonymous": 303}
CASE = {
    "chikan_clerk": 200, "chikan_reviewer": 200, "xiashan_clerk": 404, "xiashan_reviewer": 404,
    "city_admin": 200, "city_viewer": 200, "resident": 303, "anonymous": 303,
}  # fmt: skip
DECIDE = {
    "chikan_clerk": 403, "chikan_reviewer": 303, "xiashan_clerk": 404, "xiashan_reviewer": 404,
    "city_admin": 403, "city_viewer": 403, "resident": 303, "anonymous": 303,
}  # fmt: skip
CATEGORIES = dict.fromkeys(USERS[:6], 403) | {"city_admin": 200, "resident": 303, "anonymous": 303}
EDIT = dict.fromkeys(USERS[:6], 403) | {"city_admin": 303, "resident": 303, "anonymous": 303}


@pytest.mark.parametrize("who", USERS)
async def test_who_may_see_and_decide_certifications_and_edit_categories(client, services, db, who: str) -> None:
    await create_named_staff(db)
    reviewer = scope_of(await db.scalar(select(StaffUser).where(StaffUser.username == "chikan.reviewer")))
    registration = await registered_case(db, services, reviewer)
    applied = await certifications.apply(db, registration.account_id, category="older", evidence="commitment",
                                         evidence_text="", commitment_name="张三")  # fmt: skip
    await db.commit()
    await _as(client, services, db, who)
    assert (await client.get("/staff/certifications", follow_redirects=False)).status_code == QUEUE[who]
    path = f"/staff/certifications/{applied.number}"
    assert (await client.get(path, follow_redirects=False)).status_code == CASE[who]
    decided = await post_form(client, path, {"outcome": "certify", "reasons": "", "version": "1"}, page="/staff/login")
    assert decided.status_code == DECIDE[who], decided.text[:300]
    listed = await client.get("/staff/difficulty-categories", follow_redirects=False)
    assert listed.status_code == CATEGORIES[who]
    edited = await post_form(client, "/staff/difficulty-categories/older",
                             {"name_zh": certifications.CATEGORY_SEED["older"][0],
                              "name_en": certifications.CATEGORY_SEED["older"][1], "active": "yes"},
                             page="/staff/login")  # fmt: skip
    assert edited.status_code == EDIT[who]
    assert await db.scalar(select(Certification.id).where(Certification.number == applied.number))


RESIDENT_PAGES = {"resident": 200, "anonymous": 303}


@pytest.mark.parametrize("who", ["resident", "anonymous"])
async def test_the_residents_page_needs_a_signed_in_resident(client, services, db, who: str) -> None:
    await _as(client, services, db, who)
    response = await client.get("/account/certification", follow_redirects=False)
    assert response.status_code == RESIDENT_PAGES[who]
    if who == "resident":  # signed up, not registered: told to register first, no form
        assert 'action="/account/certification"' not in response.text
