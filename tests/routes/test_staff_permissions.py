"""Every staff route against every kind of user: two counties' clerks and reviewers, the city
roles, a resident and an anonymous visitor."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.models import StaffUser
from portal.services import service_requests
from portal.services.staff import scope_of
from tests.conftest import post_form
from tests.residents import sign_up
from tests.staffing import create_named_staff, make_case, registered_case, sign_in_staff

USERS = [
    "chikan_clerk", "chikan_reviewer", "xiashan_clerk", "xiashan_reviewer", "city_admin", "city_viewer",
    "resident", "anonymous",
]  # fmt: skip

# Expected status per user for pages (GET) and actions (POST) on a 赤坎 case.
# 303 for the resident and the anonymous visitor means "sent to the staff sign-in page".
GET_PAGES = {
    "/staff": dict.fromkeys(USERS[:6], 200) | {"resident": 303, "anonymous": 303},
    "/staff/cases/{number}": {
        "chikan_clerk": 200, "chikan_reviewer": 200, "xiashan_clerk": 404, "xiashan_reviewer": 404,
        "city_admin": 200, "city_viewer": 200, "resident": 303, "anonymous": 303,
    },
    "/staff/proposals": dict.fromkeys(USERS[:6], 200) | {"resident": 303, "anonymous": 303},
    "/staff/audit": dict.fromkeys(USERS[:6], 403) | {"city_admin": 200, "resident": 303, "anonymous": 303},
    "/staff/users": dict.fromkeys(USERS[:6], 403) | {"city_admin": 200, "resident": 303, "anonymous": 303},
    "/staff/account": dict.fromkeys(USERS[:6], 200) | {"resident": 303, "anonymous": 303},
    "/staff/policy-applications": dict.fromkeys(USERS[:6], 200) | {"resident": 303, "anonymous": 303},
    "/staff/service-requests": dict.fromkeys(USERS[:6], 200) | {"resident": 303, "anonymous": 303},
    "/staff/service-minimum": dict.fromkeys(USERS[:6], 200) | {"resident": 303, "anonymous": 303},
    "/staff/service-items": dict.fromkeys(USERS[:6], 403) | {"city_admin": 200, "resident": 303, "anonymous": 303},
    "/staff/service-items/S01": dict.fromkeys(USERS[:6], 403) | {"city_admin": 200, "resident": 303, "anonymous": 303},
    "/staff/policies": dict.fromkeys(USERS[:6], 403) | {"city_admin": 200, "resident": 303, "anonymous": 303},
    "/staff/policies/P13": dict.fromkeys(USERS[:6], 403) | {"city_admin": 200, "resident": 303, "anonymous": 303},
}  # fmt: skip
POST_ACTIONS = {
    "compare": {
        "chikan_clerk": 303, "chikan_reviewer": 303, "xiashan_clerk": 404, "xiashan_reviewer": 404,
        "city_admin": 403, "city_viewer": 403, "resident": 303, "anonymous": 303,
    },
    "decide": {
        "chikan_clerk": 403, "chikan_reviewer": 303, "xiashan_clerk": 403, "xiashan_reviewer": 404,
        "city_admin": 403, "city_viewer": 403, "resident": 303, "anonymous": 303,
    },
    "transfer": {
        "chikan_clerk": 303, "chikan_reviewer": 303, "xiashan_clerk": 404, "xiashan_reviewer": 404,
        "city_admin": 303, "city_viewer": 403, "resident": 303, "anonymous": 303,
    },
    "investigate": {
        "chikan_clerk": 303, "chikan_reviewer": 303, "xiashan_clerk": 404, "xiashan_reviewer": 404,
        "city_admin": 403, "city_viewer": 403, "resident": 303, "anonymous": 303,
    },
    # The case is awaiting a decision, so those allowed to end a registration get 409 (not registered).
    "end": {
        "chikan_clerk": 409, "chikan_reviewer": 409, "xiashan_clerk": 404, "xiashan_reviewer": 404,
        "city_admin": 403, "city_viewer": 403, "resident": 303, "anonymous": 303,
    },
    "reverse": dict.fromkeys(USERS[:6], 403) | {"city_admin": 409, "resident": 303, "anonymous": 303},
    # Service records are for registered people: the case is awaiting a decision, so 409 for those allowed.
    "service-records": {
        "chikan_clerk": 409, "chikan_reviewer": 409, "xiashan_clerk": 404, "xiashan_reviewer": 404,
        "city_admin": 403, "city_viewer": 403, "resident": 303, "anonymous": 303,
    },
}  # fmt: skip
FORMS = {
    "compare": {},
    "decide": {"version": "1", "seen_event": "999", "outcome": "register"},
    "transfer": {"version": "1", "seen_event": "999", "to_area": "440881", "transfer_note": "moved"},
    "investigate": {"investigation_outcome": "match", "investigation_note": "visited"},
    "end": {"version": "1", "seen_event": "999", "end_reason": "1", "end_date": "2026-11-20", "end_note": "hired"},
    "reverse": {"version": "1", "seen_event": "999", "why": "mistake"},
    "service-records": {"service_day": "2026-11-20", "service_kind": "tracking", "service_channel": "phone",
                        "service_result": "reached"},
}  # fmt: skip
OTHER_POSTS = {
    "/staff/users": dict.fromkeys(USERS[:6], 403) | {"city_admin": 303, "resident": 303, "anonymous": 303},
    "/staff/users/xiashan.clerk/deactivate": dict.fromkeys(USERS[:6], 403)
    | {"city_admin": 303, "resident": 303, "anonymous": 303},
    "/staff/users/xiashan.clerk/reactivate": dict.fromkeys(USERS[:6], 403)
    | {"city_admin": 303, "resident": 303, "anonymous": 303},
    "/staff/users/xiashan.clerk/password": dict.fromkeys(USERS[:6], 403)
    | {"city_admin": 303, "resident": 303, "anonymous": 303},
    # The form below is not a policy: for the administrator, it comes back with its errors.
    "/staff/policies/P13": dict.fromkeys(USERS[:6], 403) | {"city_admin": 200, "resident": 303, "anonymous": 303},
    "/staff/policy-applications/ZP20260101000000/decide": dict.fromkeys(USERS[:6], 403)
    | {"chikan_reviewer": 404, "xiashan_reviewer": 404, "resident": 303, "anonymous": 303},
    # Not a whole service item: for the administrator, the form comes back with its errors.
    "/staff/service-items": dict.fromkeys(USERS[:6], 403) | {"city_admin": 200, "resident": 303, "anonymous": 303},
    "/staff/service-items/S01": dict.fromkeys(USERS[:6], 403) | {"city_admin": 200, "resident": 303, "anonymous": 303},
    # Unfilled, the 12333 form comes back with its errors for those who may record a call.
    "/staff/service-requests": dict.fromkeys(USERS[:4], 200)
    | {"city_admin": 403, "city_viewer": 403, "resident": 303, "anonymous": 303},
    "/staff/proposals/999/confirm": dict.fromkeys(USERS[:6], 404)
    | {"city_admin": 403, "city_viewer": 403, "resident": 303, "anonymous": 303},
    "/staff/proposals/999/dismiss": dict.fromkeys(USERS[:6], 404)
    | {"city_admin": 403, "city_viewer": 403, "resident": 303, "anonymous": 303},
}  # fmt: skip


async def _as(client, services, db, who: str) -> None:
    if who == "resident":
        await sign_up(client, services, "13200000001")
    elif who != "anonymous":
        await sign_in_staff(client, who)


@pytest.mark.parametrize("who", USERS)
@pytest.mark.parametrize("path", list(GET_PAGES))
async def test_staff_pages(client, services, db, who: str, path: str) -> None:
    await create_named_staff(db)
    case = await make_case(db, services, county="440802")
    await _as(client, services, db, who)
    response = await client.get(path.format(number=case.number), follow_redirects=False)
    assert response.status_code == GET_PAGES[path][who]
    if response.status_code == 303:
        assert response.headers["location"] == "/staff/login"


@pytest.mark.parametrize("who", USERS)
@pytest.mark.parametrize("action", list(POST_ACTIONS))
async def test_staff_actions(client, services, db, who: str, action: str) -> None:
    await create_named_staff(db)
    case = await make_case(db, services, county="440802")
    await _as(client, services, db, who)
    # The CSRF token comes from a page every visitor can open.
    response = await post_form(client, f"/staff/cases/{case.number}/{action}", FORMS[action], page="/staff/login")
    assert response.status_code == POST_ACTIONS[action][who], response.text[:500]


@pytest.mark.parametrize("who", USERS)
@pytest.mark.parametrize("path", list(OTHER_POSTS))
async def test_other_staff_posts(client, services, db, who: str, path: str) -> None:
    await create_named_staff(db)
    await _as(client, services, db, who)
    form = {"username": "new.clerk", "full_name": "新经办", "password": "a fine long password", "role": "clerk",
            "area_code": "440804", "note": "no", "end_date": "2026-11-20"}  # fmt: skip
    response = await post_form(client, path, form, page="/staff/login")
    assert response.status_code == OTHER_POSTS[path][who], response.text[:500]


# A 赤坎 person's service request: its page, and answering it.
REQUEST_PAGES = {
    "/staff/service-requests/{number}": {
        "chikan_clerk": 200, "chikan_reviewer": 200, "xiashan_clerk": 404, "xiashan_reviewer": 404,
        "city_admin": 200, "city_viewer": 200, "resident": 303, "anonymous": 303,
    },
    "/staff/service-requests/{number}/answer": {
        "chikan_clerk": 303, "chikan_reviewer": 303, "xiashan_clerk": 404, "xiashan_reviewer": 404,
        "city_admin": 403, "city_viewer": 403, "resident": 303, "anonymous": 303,
    },
}  # fmt: skip


@pytest.mark.parametrize("who", USERS)
@pytest.mark.parametrize("path", list(REQUEST_PAGES))
async def test_service_request_pages(client, services, db, who: str, path: str) -> None:
    await create_named_staff(db)
    reviewer = scope_of(await db.scalar(select(StaffUser).where(StaffUser.username == "chikan.reviewer")))
    registration = await registered_case(db, services, reviewer)
    request = await service_requests.file(
        db, services.limiter, per_day=10, answer_days=1, account_id=registration.account_id, kind="job", text="找工作"
    )
    await db.commit()
    await _as(client, services, db, who)
    url = path.format(number=request.number)
    if url.endswith("/answer"):
        response = await post_form(client, url, {"answer": "已推荐岗位"}, page="/staff/login")
    else:
        response = await client.get(url, follow_redirects=False)
    assert response.status_code == REQUEST_PAGES[path][who], response.text[:500]
