"""The notice, objection and credit routes against every kind of user: two counties' clerks and reviewers, the
city roles, a resident and an anonymous visitor; on a 赤坎 notice (a draft and a published one), an objection
to its entry and a credit case."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.clock import local_today
from portal.models import StaffUser
from portal.services import credit, notices, objections, policy_applications
from portal.services.staff import scope_of
from tests.conftest import make_id, post_form
from tests.routes.test_staff_permissions import USERS, _as
from tests.staffing import create_named_staff, registered_case

STAFF = USERS[:6]
SIGN_IN = {"resident": 303, "anonymous": 303}
CHIKAN_ONLY = {"chikan_clerk": 200, "chikan_reviewer": 200, "xiashan_clerk": 404, "xiashan_reviewer": 404,
               "city_admin": 200, "city_viewer": 200} | SIGN_IN  # fmt: skip

GET_PAGES = {
    "/staff/notices": dict.fromkeys(STAFF, 200) | SIGN_IN,
    "/staff/notices/new": dict.fromkeys(STAFF, 200) | SIGN_IN,
    "/staff/notices/{draft}": CHIKAN_ONLY,
    "/staff/objections": dict.fromkeys(STAFF, 200) | SIGN_IN,
    "/staff/objections/{objection}": CHIKAN_ONLY,
    "/staff/credit": dict.fromkeys(STAFF, 200) | SIGN_IN,
    "/staff/credit/{case}": CHIKAN_ONLY,
    "/staff/credit-export?since=2026-01-01": dict.fromkeys(STAFF[:4], 403)
    | {"city_admin": 200, "city_viewer": 200} | SIGN_IN,
    # Public pages: everyone.
    "/notices": dict.fromkeys(USERS, 200),
    "/notices/{published}": dict.fromkeys(USERS, 200),
    "/notices/{published}/1/objection": dict.fromkeys(USERS, 200),
    "/objections/track": dict.fromkeys(USERS, 200),
    # The person's own pages: a resident (of another account here), or off to sign in.
    "/account/objections": dict.fromkeys(USERS, 303) | {"resident": 200},
    "/account/credit": dict.fromkeys(USERS, 303) | {"resident": 200},
}  # fmt: skip
NOT_ALLOWED_ANYWHERE = {"city_admin": 403, "city_viewer": 403} | SIGN_IN
POSTS = {
    "/staff/notices/{draft}/publish": ({"version": "{draft_version}"}, {
        "chikan_clerk": 403, "chikan_reviewer": 303, "xiashan_clerk": 403, "xiashan_reviewer": 404,
    } | NOT_ALLOWED_ANYWHERE),
    "/staff/notices/{published}/take-down": ({"position": "1", "category": "error", "reason": "录入错误"}, {
        "chikan_clerk": 403, "chikan_reviewer": 303, "xiashan_clerk": 403, "xiashan_reviewer": 404,
    } | NOT_ALLOWED_ANYWHERE),
    "/staff/objections/{objection}/investigate": ({"note": "电话核实"}, {
        "chikan_clerk": 303, "chikan_reviewer": 303, "xiashan_clerk": 404, "xiashan_reviewer": 404,
    } | NOT_ALLOWED_ANYWHERE),
    "/staff/objections/{objection}/decide": ({"version": "1", "outcome": "not_upheld", "reply": "经核实不成立"}, {
        "chikan_clerk": 403, "chikan_reviewer": 303, "xiashan_clerk": 403, "xiashan_reviewer": 404,
    } | NOT_ALLOWED_ANYWHERE),
    "/staff/credit/{case}/repair": ({"note": "已修复"}, {
        "chikan_clerk": 403, "chikan_reviewer": 409, "xiashan_clerk": 403, "xiashan_reviewer": 404,
    } | NOT_ALLOWED_ANYWHERE),
}  # fmt: skip


async def _world(db, services) -> dict[str, str]:
    await create_named_staff(db)
    reviewer = scope_of(await db.scalar(select(StaffUser).where(StaffUser.username == "chikan.reviewer")))
    clerk = scope_of(await db.scalar(select(StaffUser).where(StaffUser.username == "chikan.clerk")))
    numbers = {}
    for sequence, phone in ((1, "13300000011"), (2, "13300000012")):
        registration = await registered_case(
            db,
            services,
            reviewer,
            phone=phone,
            id_number=make_id(local_today().replace(year=1990), "M", sequence=sequence),
        )
        applied = await policy_applications.apply(db, services.cipher, services.social_insurance,
                                                  registration.account_id, "P06", {"missing_papers": ["none"]},
                                                  "zh_CN")  # fmt: skip
        await db.commit()
        await policy_applications.decide(db, services.sms, reviewer, applied.number, 1, policy_applications.Decision(
            outcome="approve", amount="900", period_from="2026-12-01", period_to="2026-12-31"))  # fmt: skip
        await db.commit()
        draft = notices.Draft("P06", local_today() - timedelta(days=3), local_today(), 5)
        notice = await notices.compose(db, services.cipher, clerk, draft)
        await db.commit()
        numbers["draft" if sequence == 2 else "published"] = notice.number
        numbers["draft_version"] = str(notice.version)
        if sequence == 1:
            await notices.publish(db, reviewer, notice.number, notice.version)
            await db.commit()
            filed = await objections.file(
                db, services.sms, services.cipher, services.limiter, number=notice.number, position=1,
                form=objections.ObjectionForm(who="anonymous", ground="employed", facts="已就业"), attachment=None,
                address="192.0.2.50", per_hour=50, answer_days=10, attachment_dir=services.settings.attachment_dir,
            )  # fmt: skip
            numbers["objection"] = filed.number
            case = await credit.open_by_staff(db, services.sms, clerk, registration_number=registration.number,
                                              source="finding", facts="冒领", statement_days=5)  # fmt: skip
            numbers["case"] = case.number
            await db.commit()
    return numbers


@pytest.mark.parametrize("who", USERS)
@pytest.mark.parametrize("path", list(GET_PAGES))
async def test_notice_pages(client, services, db, who: str, path: str) -> None:
    numbers = await _world(db, services)
    await _as(client, services, db, who)
    response = await client.get(path.format(**numbers), follow_redirects=False)
    assert response.status_code == GET_PAGES[path][who], response.text[:300]


@pytest.mark.parametrize("who", USERS)
@pytest.mark.parametrize("path", list(POSTS))
async def test_notice_actions(client, services, db, who: str, path: str) -> None:
    numbers = await _world(db, services)
    await _as(client, services, db, who)
    form, expected = POSTS[path]
    form = {name: value.format(**numbers) for name, value in form.items()}
    response = await post_form(client, path.format(**numbers), form, page="/staff/login")
    assert response.status_code == expected[who], response.text[:300]
