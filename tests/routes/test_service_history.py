"""The resident's service history and the 12333 minimum over HTTP: what the agency recorded (as the agency), the
requests with their answers, the applications; and the staff's list of people behind and the case page's view."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import httpx
from sqlalchemy import select, update

from portal.models import Registration
from tests.conftest import post_form
from tests.residents import sign_up
from tests.staffing import registered_over_http, sign_in_staff


def _staff(app, address: str) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=(address, 50000))
    return httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8000")


async def test_the_history_shows_services_requests_and_applications_as_from_the_agency(
    app, client, services, db, named_staff
) -> None:
    number = await registered_over_http(client, services, db, "13800000111")
    sent = await post_form(client, "/account/service-requests", {"kind": "job", "text": "想找仓库工作"},
                           page="/account/service-requests")  # fmt: skip
    request = sent.headers["location"].split("/")[-1].split("?")[0]
    await post_form(client, "/policies/P06/apply", {"missing_papers": "none"}, page="/policies/P06/apply")
    async with _staff(app, "127.0.0.2") as clerk:
        await sign_in_staff(clerk, "xiashan_clerk")
        recorded = await post_form(
            clerk, f"/staff/cases/{number}/service-records",
            {"service_day": (date.today() - timedelta(days=1)).isoformat(), "service_kind": "guidance",
             "service_channel": "visit", "service_result": "reached", "service_note": "面谈求职方向，建议考电工证"},
            page=f"/staff/cases/{number}",
        )  # fmt: skip
        assert recorded.status_code == 303
        await post_form(clerk, f"/staff/service-requests/{request}/answer",
                        {"answer": "推荐：霞山物流园仓管员", "close": "no", "record_as": "job_recommendation"},
                        page=f"/staff/service-requests/{request}")  # fmt: skip
        case = await clerk.get(f"/staff/cases/{number}")
        assert "“12333”年度最低服务" in case.text
        assert "岗位推荐：已推荐1次，共3次" in case.text
        assert f'href="/staff/service-requests/{request}"' in case.text

    history = await client.get("/account/service-history")
    assert history.status_code == 200
    assert history.headers["cache-control"] == "no-store"
    text = history.text
    assert "面谈求职方向，建议考电工证" in text
    assert "霞山区公共就业服务中心" in text
    assert "霞山经办" not in text  # the agency, never the staff member
    assert "职业指导：已提供1次，共3次" in text
    assert "岗位推荐：已推荐1次，共3次" in text
    assert "答复：推荐：霞山物流园仓管员" in text
    assert f'href="/account/service-requests/{request}"' in text
    assert "职业技能培训补贴" in text  # the policy application


async def test_before_registration_the_history_explains_the_yearly_minimum(client, services) -> None:
    await sign_up(client, services, "13800000112")
    history = await client.get("/account/service-history")
    assert history.status_code == 200
    assert "至少开展2次政策对接" in history.text


async def test_staff_see_who_is_behind_the_pace_in_their_county(app, client, services, db, named_staff) -> None:
    number = await registered_over_http(client, services, db, "13800000113")
    five_months_ago = datetime.now(UTC) - timedelta(days=155)
    await db.execute(update(Registration).where(Registration.number == number).values(decided_at=five_months_ago))
    await db.commit()
    async with _staff(app, "127.0.0.2") as clerk:
        await sign_in_staff(clerk, "xiashan_clerk")
        page = await clerk.get("/staff/service-minimum")
        assert page.status_code == 200
        assert number in page.text
        assert "岗位推荐：已推荐0次，共3次" in page.text
    async with _staff(app, "127.0.0.3") as other:
        await sign_in_staff(other, "chikan_clerk")
        assert number not in (await other.get("/staff/service-minimum")).text
    assert await db.scalar(select(Registration.id).where(Registration.number == number)) is not None
