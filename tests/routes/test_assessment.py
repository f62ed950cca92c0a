"""The county assessment and the circulars over HTTP: who may open which page and do what (two counties' clerks
and reviewers, the city roles, a resident, an anonymous visitor), the dashboard's charts with their tables, the
exports, a circular drafted, saved again, refused when stale, published and printed; and bad input never a 500."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from portal.clock import local_today
from portal.models import AssessmentIndicator, AuditEntry, StaffUser
from portal.services import assessment, circulars
from portal.services.staff import scope_of
from tests.conftest import post_form
from tests.routes.test_bad_input import _staff_client, _walker
from tests.routes.test_staff_permissions import USERS, _as
from tests.staffing import create_named_staff, sign_in_staff

CITY = {"city_admin": 200, "city_viewer": 200}
OUT = {"resident": 303, "anonymous": 303}
COUNTY_STAFF = ["chikan_clerk", "chikan_reviewer", "xiashan_clerk", "xiashan_reviewer"]
CHIKAN_ONLY = {"chikan_clerk": 200, "chikan_reviewer": 200, "xiashan_clerk": 404, "xiashan_reviewer": 404}

PAGES = {
    "/staff/assessment": dict.fromkeys(COUNTY_STAFF, 303) | CITY | OUT,  # county staff: to their county's page
    "/staff/assessment/440802": CHIKAN_ONLY | CITY | OUT,
    "/staff/assessment/export?table=overall&file=csv": dict.fromkeys(COUNTY_STAFF, 403) | CITY | OUT,
    "/staff/assessment/440802/export?table=registrations&file=xlsx": CHIKAN_ONLY | CITY | OUT,
    "/staff/circulars": dict.fromkeys(COUNTY_STAFF, 200) | CITY | OUT,
    "/staff/circulars/new": dict.fromkeys([*COUNTY_STAFF, "city_viewer"], 403) | {"city_admin": 200} | OUT,
    "/staff/circulars/{draft}": dict.fromkeys(COUNTY_STAFF, 404) | CITY | OUT,
    "/staff/circulars/{published}": dict.fromkeys(COUNTY_STAFF, 200) | CITY | OUT,
}  # fmt: skip
ADMIN_ONLY = dict.fromkeys([*COUNTY_STAFF, "city_viewer"], 403) | {"city_admin": 303} | OUT
POSTS = {
    "/staff/circulars": ADMIN_ONLY,
    "/staff/circulars/{draft}": ADMIN_ONLY,
    "/staff/circulars/{draft}/publish": ADMIN_ONLY,
}


async def _circulars(db) -> dict[str, str]:
    """A draft and a published circular, written by the city administrator."""
    admin = scope_of(await db.scalar(select(StaffUser).where(StaffUser.username == "city.admin")))
    names = {"440802": "赤坎", "440803": "霞山"}
    period = assessment.Period(local_today().year, local_today().month)
    draft = await circulars.create(db, admin, period, title="草稿", body="", targets={}, names=names)
    published = await circulars.create(db, admin, period, title="已发布", body="", targets={}, names=names)
    await db.flush()
    ids = {"draft": str(draft.id), "published": str(published.id)}
    await circulars.publish(db, admin, published.id, 1)
    await db.commit()
    return ids


@pytest.mark.parametrize("who", USERS)
@pytest.mark.parametrize("path", list(PAGES))
async def test_assessment_pages(client, services, db, who: str, path: str) -> None:
    await create_named_staff(db)
    ids = await _circulars(db)
    await _as(client, services, db, who)
    response = await client.get(path.format(**ids), follow_redirects=False)
    assert response.status_code == PAGES[path][who], response.text[:300]
    if response.status_code == 303 and who in OUT:
        assert response.headers["location"] == "/staff/login"
    elif response.status_code == 303:
        assert response.headers["location"].startswith(
            f"/staff/assessment/{'440802' if 'chikan' in who else '440803'}?"
        )


@pytest.mark.parametrize("who", USERS)
@pytest.mark.parametrize("path", list(POSTS))
async def test_circular_actions(client, services, db, who: str, path: str) -> None:
    await create_named_staff(db)
    ids = await _circulars(db)
    await _as(client, services, db, who)
    today = local_today()
    form = {"title": "通报", "body": "正文", "version": "1", "year": str(today.year), "through": str(today.month)}
    response = await post_form(client, path.format(**ids), form, page="/staff/login")
    assert response.status_code == POSTS[path][who], response.text[:300]


async def test_the_dashboard_shows_each_indicator_as_a_chart_a_table_and_a_sentence(client, db, named_staff) -> None:
    month = f"{local_today():%Y-%m}"
    db.add_all([
        AssessmentIndicator(year_month=month, county_code="440802", indicator="tracking_coverage", numerator=9,
                            denominator=10),
        AssessmentIndicator(year_month=month, county_code="440803", indicator="tracking_coverage", numerator=5,
                            denominator=10),
    ])  # fmt: skip
    await db.commit()
    await sign_in_staff(client, "city_viewer")
    page = await client.get("/staff/assessment")
    assert page.status_code == 200
    assert page.headers["cache-control"] == "no-store"
    section = page.text.split('id="tracking_coverage"', 1)[1].split("</section>", 1)[0]
    assert 'role="img" aria-labelledby="chart-tracking_coverage-caption"' in section
    assert 'id="chart-tracking_coverage-caption"' in section
    assert re.search(r"<table[^>]*>\s*<caption>", section)
    assert "90%" in section
    assert "50%" in section
    assert "赤坎" in section
    assert "霞山" in section
    assert "/staff/circulars/new" not in page.text  # a viewer cannot draft
    county = await client.get("/staff/assessment/440802")
    assert county.status_code == 200
    assert 'class="chart chart-line"' in county.text
    exported = await client.get("/staff/assessment/export?table=tracking_coverage&file=csv")
    assert exported.headers["content-type"].startswith("text/csv")
    assert "attachment" in exported.headers["content-disposition"]
    assert exported.content.startswith("\ufeff".encode())
    audited = await db.scalar(select(AuditEntry).where(AuditEntry.action == "assessment.export"))
    assert audited is not None
    assert audited.changes["table"] == "tracking_coverage"


async def test_a_circular_is_drafted_saved_again_refused_when_stale_and_published(client, db, named_staff) -> None:
    await sign_in_staff(client, "city_admin")
    today = local_today()
    form = await client.get("/staff/circulars/new")
    assert form.status_code == 200
    assert 'name="target_tracking_coverage"' in form.text
    base = {"year": str(today.year), "through": str(today.month), "title": "通报", "body": "第一段\n第二段"}
    refused = await post_form(client, "/staff/circulars", {**base, "title": "", "target_days_median": "many"},
                              page="/staff/circulars/new")  # fmt: skip
    assert refused.status_code == 200
    assert 'href="#title"' in refused.text
    assert 'href="#target_days_median"' in refused.text
    assert "第一段" in refused.text  # what was typed comes back
    made = await post_form(client, "/staff/circulars", base, page="/staff/circulars/new")
    assert made.status_code == 303
    path = made.headers["location"].split("?")[0]
    saved = await post_form(client, path, {"title": "通报二", "body": "改", "version": "1"}, page=path)
    assert saved.status_code == 303
    stale = await post_form(client, path, {"title": "通报三", "body": "旧", "version": "1"}, page=path)
    assert stale.status_code == 409
    assert "通报二" in stale.text
    published = await post_form(client, f"{path}/publish", {"version": "2"}, page=path)
    assert published.status_code == 303
    document = await client.get(path)
    assert 'class="staff printable"' in document.text
    assert "Save as a new version" not in document.text
    assert "保存为新版本" not in document.text

    async with _staff_client(client._transport.app, "127.0.0.9") as county:
        await sign_in_staff(county, "xiashan_clerk")
        listed = await county.get("/staff/circulars")
        assert "通报二" in listed.text
        assert (await county.get(path)).status_code == 200


async def test_bad_input_on_the_assessment_pages_is_never_a_server_error(app, client, db, named_staff) -> None:
    problems: list[str] = []
    async with _staff_client(app, "127.0.0.3") as staff_client:
        await sign_in_staff(staff_client, "city_admin")
        walk = await _walker(staff_client, "/staff/circulars/new", problems)
        await walk.query("/staff/assessment", ["year", "through"])
        await walk.query("/staff/assessment/440802", ["year", "through"])
        await walk.query("/staff/assessment/export", ["table", "file", "year"])
        await walk.query("/staff/circulars", ["page_number"])
        await walk.query("/staff/circulars/1", ["version"])
        await walk.path("/staff/assessment/{county}", {"county": "440802"})
        await walk.path("/staff/assessment/{county}/export", {"county": "440802"})
        await walk.path("/staff/circulars/{circular_id}", {"circular_id": "1"})
        today = local_today()
        good = {"year": str(today.year), "through": str(today.month), "title": "通报", "body": "正文",
                "target_tracking_coverage": "80"}  # fmt: skip
        await walk.form("/staff/circulars", good)
        await walk.form("/staff/circulars/1", {"title": "通报", "body": "正文", "version": "1"})
        await walk.form("/staff/circulars/1/publish", {"version": "1"})
    assert problems == [], "\n".join(problems)
