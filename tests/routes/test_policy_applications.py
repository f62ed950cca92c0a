"""Policy applications over HTTP: the resident applies from the policy's page and follows it; a reviewer of the
county decides from the queue; the resident sees the grant."""

from __future__ import annotations

import re
from datetime import date, timedelta

from sqlalchemy import select

from portal.models import Grant, PolicyApplication
from tests.conftest import post_form
from tests.residents import sign_up
from tests.staffing import registered_over_http, sign_in_staff


async def test_a_resident_applies_and_a_reviewer_approves(app, client, services, db, named_staff) -> None:
    import httpx

    await registered_over_http(client, services, db, "13800000091")
    page = await client.get("/policies/P06/apply")
    assert page.status_code == 200
    assert "就业创业扶持政策申请告知承诺书" in page.text
    refused = await post_form(client, "/policies/P06/apply", {}, page="/policies/P06/apply")
    assert refused.status_code == 200
    assert 'href="#missing_papers"' in refused.text
    applied = await post_form(client, "/policies/P06/apply", {"missing_papers": "none"}, page="/policies/P06/apply")
    assert applied.status_code == 303
    location = applied.headers["location"]
    assert re.fullmatch(r"/account/policy-applications/ZP\d{14}\?done=1", location)
    number = location.split("/")[-1].split("?")[0]
    mine = await client.get(location)
    assert "申请已受理" in mine.text
    again = await post_form(client, "/policies/P06/apply", {"missing_papers": "none"}, page="/policies/P06")
    assert again.headers["location"] == f"/account/policy-applications/{number}"  # the one already made

    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50004))
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8000") as reviewer:
        await sign_in_staff(reviewer, "xiashan_reviewer")
        assert number in (await reviewer.get("/staff/policy-applications")).text
        case = await reviewer.get(f"/staff/policy-applications/{number}")
        assert "您表示有参加技能培训的意愿。" in case.text
        form = {"version": "1", "outcome": "approve", "amount": "1500", "period_from": date.today().isoformat(),
                "period_to": (date.today() + timedelta(days=90)).isoformat()}  # fmt: skip
        decided = await post_form(reviewer, f"/staff/policy-applications/{number}/decide", form,
                                  page=f"/staff/policy-applications/{number}")  # fmt: skip
        assert decided.headers["location"] == f"/staff/policy-applications/{number}?done=decided"
        stale = await post_form(reviewer, f"/staff/policy-applications/{number}/decide", form,
                                page=f"/staff/policy-applications/{number}")  # fmt: skip
        assert stale.status_code == 409
    assert (await db.scalar(select(Grant))).policy_code == "P06"
    seen = await client.get(f"/account/policy-applications/{number}")
    assert "已核准" in seen.text
    assert "1500.00元" in seen.text
    inbox = await client.get("/account/inbox")
    assert f'href="/account/policy-applications/{number}"' in inbox.text


async def test_another_countys_reviewer_finds_no_such_application(app, client, services, db, named_staff) -> None:
    await registered_over_http(client, services, db, "13800000092")
    await post_form(client, "/policies/P06/apply", {"missing_papers": "none"}, page="/policies/P06/apply")
    number = await db.scalar(select(PolicyApplication.number))
    client.cookies.clear()
    await sign_in_staff(client, "chikan_reviewer")
    assert (await client.get(f"/staff/policy-applications/{number}")).status_code == 404
    assert number not in (await client.get("/staff/policy-applications")).text


async def test_another_residents_application_is_not_found(client, services, db, named_staff) -> None:
    await registered_over_http(client, services, db, "13800000093")
    await post_form(client, "/policies/P06/apply", {"missing_papers": "none"}, page="/policies/P06/apply")
    number = await db.scalar(select(PolicyApplication.number))
    client.cookies.clear()
    await sign_up(client, services, "13800000094")
    assert (await client.get(f"/account/policy-applications/{number}")).status_code == 404


async def test_the_checklist_shows_where_an_application_stands_instead_of_whether_it_fits(
    client, services, db, named_staff
) -> None:
    await registered_over_http(client, services, db, "13800000095")
    await post_form(client, "/policies/P06/apply", {"missing_papers": "none"}, page="/policies/P06/apply")
    number = await db.scalar(select(PolicyApplication.number))
    mine = await client.get("/account/policies")
    p06 = mine.text.split('id="fit-P06"', 1)[1].split("</section>", 1)[0]
    assert f'href="/account/policy-applications/{number}"' in p06
    assert "符合条件" not in p06
    assert f'href="/account/policy-applications/{number}"' in (await client.get("/policies/P06")).text
