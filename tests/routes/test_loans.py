"""Business-start guarantee loans and entrepreneurship services over HTTP: a resident applies and follows the
application; staff take each step (a stale page answers 409) and record services offered; and who may see and do
each."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.models import LoanApplication, LoanStatus, Registration, ServiceRecord, StaffUser
from portal.services import loans
from portal.services.staff import scope_of
from tests.conftest import post_form
from tests.routes.test_staff_permissions import USERS, _as
from tests.staffing import create_named_staff, registered_case, registered_over_http, sign_in_staff

FORM = {"business_name": "小敏湛江特产网店", "business_type": "online_shop", "amount": "100000",
        "purpose": "进货和网店装修", "term_months": "24", "business_registered": "no"}  # fmt: skip


async def _chikan_application(db, services) -> tuple[Registration, str]:
    await create_named_staff(db)
    reviewer = scope_of(await db.scalar(select(StaffUser).where(StaffUser.username == "chikan.reviewer")))
    person = await registered_case(db, services, reviewer)
    await db.execute(Registration.__table__.update().values(wants_business=True))
    await db.commit()
    applied = await loans.apply(db, services.cipher, services.social_insurance, person.account_id,
                                loans.LoanForm(**FORM))  # fmt: skip
    await db.commit()
    return person, applied.number


# ---- who may do what -------------------------------------------------------------------------------------------------

CHIKAN, XIASHAN = ["chikan_clerk", "chikan_reviewer"], ["xiashan_clerk", "xiashan_reviewer"]
OUTSIDERS = {"resident": 303, "anonymous": 303}
PAGES = {
    "/staff/loans": dict.fromkeys(USERS[:6], 200) | OUTSIDERS,
    "/staff/loans?show=all&page_number=99": dict.fromkeys(USERS[:6], 200) | OUTSIDERS,
    "/staff/loans/{number}": dict.fromkeys(CHIKAN, 200) | dict.fromkeys(XIASHAN, 404)
    | {"city_admin": 200, "city_viewer": 200} | OUTSIDERS,
    "/staff/entrepreneurs": dict.fromkeys(USERS[:6], 200) | OUTSIDERS,
    # A staff member or a visitor is sent to sign in as a resident; the resident sees only their own.
    "/account/loans": dict.fromkeys(USERS, 303) | {"resident": 200},
    "/account/loans/{number}": dict.fromkeys(USERS, 303) | {"resident": 404},
}  # fmt: skip
ACT = dict.fromkeys(CHIKAN, 303) | dict.fromkeys(XIASHAN, 404) | {"city_admin": 403, "city_viewer": 403} | OUTSIDERS
ACTIONS = {
    "/staff/loans/{number}/step": ({"seen_status": "submitted", "action": "check"}, ACT, "/staff/login"),
    "/staff/entrepreneurs/{registration}": ({"service": "opening", "channel": "phone", "result": "reached"}, ACT,
                                            "/staff/login"),
    # A resident without a registration is told to register first (the form again, 200).
    "/account/loans": (FORM, dict.fromkeys(USERS, 303) | {"resident": 200}, "/account/login"),
}  # fmt: skip


@pytest.mark.parametrize("who", USERS)
async def test_who_may_see_and_move_loans_and_record_services(client, services, db, who: str) -> None:
    person, number = await _chikan_application(db, services)
    await _as(client, services, db, who)
    for path, expected in PAGES.items():
        response = await client.get(path.format(number=number), follow_redirects=False)
        assert response.status_code == expected[who], (path, response.text[:300])
    for path, (form, expected, token_page) in ACTIONS.items():
        url = path.format(number=number, registration=person.number)
        response = await post_form(client, url, form, page=token_page)
        assert response.status_code == expected[who], (path, response.text[:300])


# ---- the resident ---------------------------------------------------------------------------------------------------


async def test_a_resident_applies_sees_the_conditions_and_follows_each_step(client, services, db) -> None:
    await create_named_staff(db)
    await registered_over_http(client, services, db, "13700000401")  # 霞山, no business intention on record
    form_page = await client.get("/account/loans")
    assert 'action="/account/loans"' in form_page.text
    assert form_page.headers["cache-control"] == "no-store"
    bad = await post_form(client, "/account/loans", FORM | {"amount": "300001", "term_months": "0"})
    assert bad.status_code == 200
    assert 'href="#amount"' in bad.text
    assert 'href="#term_months"' in bad.text
    assert "小敏湛江特产网店" in bad.text
    applied = await post_form(client, "/account/loans", FORM)
    assert applied.status_code == 303
    number = applied.headers["location"].split("/")[-1].split("?")[0]
    application = await db.scalar(select(LoanApplication))
    assert not application.conditions_met
    assert [t["met"] for t in application.trace] == [True, False]
    shown = await client.get(applied.headers["location"])
    assert f"<strong>{application.trace[1]['zh']}</strong>" in shown.text  # what is missing, in the reader's words
    again = await post_form(client, "/account/loans", FORM, page="/account/login")
    assert again.headers["location"] == f"/account/loans/{number}"  # the open one, not a second

    await sign_in_staff(client, "xiashan_clerk")
    case_page = await client.get(f"/staff/loans/{number}")
    assert f"<strong>{application.trace[1]['zh']}</strong>" in case_page.text  # and to the agency
    moved = await post_form(client, f"/staff/loans/{number}/step", {"seen_status": "submitted", "action": "check"},
                            page=f"/staff/loans/{number}")  # fmt: skip
    assert moved.status_code == 303
    assert (await db.scalar(select(LoanApplication.status).execution_options(populate_existing=True))
            is LoanStatus.CHECKED)  # fmt: skip


# ---- the agency ---------------------------------------------------------------------------------------------------


async def test_each_step_from_the_page_and_a_stale_page_answers_409(client, services, db) -> None:
    _person, number = await _chikan_application(db, services)
    await sign_in_staff(client, "chikan_reviewer")
    url = f"/staff/loans/{number}/step"
    page = f"/staff/loans/{number}"
    steps = [
        {"seen_status": "submitted", "action": "check"},
        {"seen_status": "checked", "action": "send", "lender": "湛江农商银行赤坎支行"},
        {"seen_status": "sent", "action": "approve", "amount": "80000", "day": "2026-11-20"},
        {"seen_status": "approved", "action": "disburse", "day": "2026-11-25"},
    ]
    missing = await post_form(client, url, {"seen_status": "submitted"}, page=page)
    assert missing.status_code == 200
    assert 'href="#action"' in missing.text
    for form in steps:
        response = await post_form(client, url, form, page=page)
        assert response.status_code == 303, (form, response.text[:500])
    stale = await post_form(client, url, steps[0], page=page)
    assert stale.status_code == 409
    final = await client.get(page)
    assert "湛江农商银行赤坎支行" in final.text
    assert 'action="/staff/loans/' not in final.text  # paid out: no step left


async def test_a_service_offered_from_the_list_is_recorded_and_errors_stay_on_the_row(client, services, db) -> None:
    person, _number = await _chikan_application(db, services)
    await sign_in_staff(client, "chikan_clerk")
    listed = await client.get("/staff/entrepreneurs")
    assert person.number in listed.text
    bad = await post_form(client, f"/staff/entrepreneurs/{person.number}", {"channel": "visit", "note": "上门讲解"},
                          page="/staff/entrepreneurs")  # fmt: skip
    assert bad.status_code == 200
    assert f'href="#service-{person.number}"' in bad.text
    assert "上门讲解" in bad.text
    done = await post_form(client, f"/staff/entrepreneurs/{person.number}",
                           {"service": "financing", "channel": "visit", "result": "reached", "note": "上门讲解"},
                           page="/staff/entrepreneurs")  # fmt: skip
    assert done.status_code == 303
    assert await db.scalar(select(ServiceRecord.note)) == "创业服务·融资服务：上门讲解"
    assert person.number in (await client.get(done.headers["location"])).text
