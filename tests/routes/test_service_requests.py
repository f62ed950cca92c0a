"""Service requests over HTTP: a registered resident asks, the county's staff answer from their queue (or record a
12333 call), and the resident reads the answer, is told by text, and writes back."""

from __future__ import annotations

import httpx
from sqlalchemy import select

from portal.models import OutboxMessage, ServiceRecord, ServiceRequest
from tests.conftest import post_form
from tests.residents import sign_up
from tests.staffing import registered_over_http, sign_in_staff


def _staff(app, address: str) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=(address, 50000))
    return httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8000")


async def test_a_resident_asks_the_agency_answers_and_the_resident_reads_it(app, client, services, db, named_staff):
    await registered_over_http(client, services, db, "13800000101")
    page = await client.get("/account/service-requests")
    assert page.status_code == 200
    assert "1个工作日内答复" in page.text
    assert page.headers["cache-control"] == "no-store"
    sent = await post_form(client, "/account/service-requests", {"kind": "training", "text": "想学电工"},
                           page="/account/service-requests")  # fmt: skip
    assert sent.status_code == 303
    number = sent.headers["location"].split("/")[-1].split("?")[0]
    thread = await client.get(sent.headers["location"])
    assert "需求已发送" in thread.text
    assert "想学电工" in thread.text

    async with _staff(app, "127.0.0.2") as clerk:
        await sign_in_staff(clerk, "xiashan_clerk")
        queue = await clerk.get("/staff/service-requests")
        assert number in queue.text
        case = await clerk.get(f"/staff/service-requests/{number}")
        assert 'value="training" selected' in case.text  # the service it most likely is, offered first
        answered = await post_form(
            clerk, f"/staff/service-requests/{number}/answer",
            {"answer": "12月3日霞山有电工培训，可报名。", "close": "no", "record_as": "training"},
            page=f"/staff/service-requests/{number}",
        )  # fmt: skip
        assert answered.headers["location"] == f"/staff/service-requests/{number}?done=answered"
        assert number not in (await clerk.get("/staff/service-requests")).text  # no longer waiting

    seen = await client.get(f"/account/service-requests/{number}")
    assert "12月3日霞山有电工培训，可报名。" in seen.text
    assert "霞山区公共就业服务中心" in seen.text  # the agency answers, not a named clerk
    assert "霞山经办" not in seen.text
    assert f'href="/account/service-requests/{number}"' in (await client.get("/account/inbox")).text
    assert await db.scalar(select(OutboxMessage.id).where(OutboxMessage.body.contains(number))) is not None
    assert (await db.scalar(select(ServiceRecord))).note == "12月3日霞山有电工培训，可报名。"
    replied = await post_form(client, f"/account/service-requests/{number}/reply", {"text": "已报名，谢谢"},
                              page=f"/account/service-requests/{number}")  # fmt: skip
    assert replied.headers["location"] == f"/account/service-requests/{number}?done=replied"


async def test_an_empty_request_shows_its_errors_at_the_top_and_beside_the_fields(client, services, db, named_staff):
    await registered_over_http(client, services, db, "13800000102")
    refused = await post_form(client, "/account/service-requests", {"text": " " * 3},
                              page="/account/service-requests")  # fmt: skip
    assert refused.status_code == 200
    assert 'href="#kind"' in refused.text
    assert 'href="#text"' in refused.text
    assert 'id="kind-error"' in refused.text
    kept = await post_form(client, "/account/service-requests", {"kind": "job", "text": "字" * 1001},
                           page="/account/service-requests")  # fmt: skip
    assert "字" * 1001 in kept.text  # nothing typed is lost
    assert "不能超过1000个字符" in kept.text


async def test_an_unregistered_resident_is_told_requests_come_with_a_registration(client, services, db) -> None:
    await sign_up(client, services, "13800000103")
    page = await client.get("/account/service-requests")
    assert 'action="/account/service-requests"' not in page.text
    assert "登记失业后" in page.text
    refused = await post_form(client, "/account/service-requests", {"kind": "job", "text": "找工作"},
                              page="/account/service-requests")  # fmt: skip
    assert refused.status_code == 200
    assert await db.scalar(select(ServiceRequest.id)) is None


async def test_another_residents_request_is_not_found(client, services, db, named_staff) -> None:
    await registered_over_http(client, services, db, "13800000104")
    sent = await post_form(client, "/account/service-requests", {"kind": "job", "text": "找工作"},
                           page="/account/service-requests")  # fmt: skip
    number = sent.headers["location"].split("/")[-1].split("?")[0]
    client.cookies.clear()
    await sign_up(client, services, "13800000105")
    assert (await client.get(f"/account/service-requests/{number}")).status_code == 404
    refused = await post_form(client, f"/account/service-requests/{number}/reply", {"text": "hi"},
                              page="/account/service-requests")  # fmt: skip
    assert refused.status_code == 404


async def test_staff_record_a_12333_call_and_the_person_sees_it(app, client, services, db, named_staff) -> None:
    registration = await registered_over_http(client, services, db, "13800000106")
    async with _staff(app, "127.0.0.2") as clerk:
        await sign_in_staff(clerk, "xiashan_clerk")
        recorded = await post_form(
            clerk, "/staff/service-requests",
            {"registration_number": registration, "kind": "ui_benefit", "text": "来电咨询失业保险金"},
            page="/staff/service-requests",
        )  # fmt: skip
        assert recorded.status_code == 303
        number = recorded.headers["location"].split("/")[-1].split("?")[0]
        assert "电话（12333）" in (await clerk.get(recorded.headers["location"])).text
        wrong = await post_form(clerk, "/staff/service-requests",
                                {"registration_number": "ZJ00000000000000", "kind": "job", "text": "x"},
                                page="/staff/service-requests")  # fmt: skip
        assert 'href="#registration_number"' in wrong.text
    mine = await client.get("/account/service-requests")
    assert number in mine.text
