"""Service requests (§4.3): filed by a registered person within a day's allowance, due a working day later,
answered by the registration agency (and counted as a service when it is one), replied to, taken by phone on
12333, flagged when late, and kept to the agency's county."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta

import pytest
from sqlalchemy import select, update

from portal.models import (
    AuditEntry,
    InboxMessage,
    MessageKind,
    OutboxMessage,
    RequestChannel,
    RequestMessage,
    RequestStatus,
    ServiceKind,
    ServiceRecord,
    ServiceRequest,
)
from portal.services import audit, service_requests, staff_accounts
from portal.services.errors import InputError, NotAllowed, NotFound, OutOfScope
from portal.services.staff import scope_of
from tests.conftest import make_id
from tests.staffing import STAFF_PASSWORD, make_case, registered_case


async def _file(db, services, account_id: int, kind: str = "training", text: str = "下月赤坎有哪些培训？"):
    request = await service_requests.file(
        db, services.limiter, per_day=10, answer_days=1, account_id=account_id, kind=kind, text=text
    )
    await db.commit()
    return request


async def _xiashan_clerk(db):
    clerk = await staff_accounts.create(
        db, audit.SYSTEM, username="xiashan.clerk", full_name="霞山经办", password=STAFF_PASSWORD, role="clerk",
        area_code="440803",
    )  # fmt: skip
    await db.commit()
    return scope_of(clerk)


async def test_a_request_goes_to_the_registration_agencys_queue_due_a_working_day_later(db, services, scopes) -> None:
    registration = await registered_case(db, services, scopes["reviewer"])
    request = await _file(db, services, registration.account_id)
    assert (request.status, request.channel, request.county_code) == (
        RequestStatus.WAITING, RequestChannel.ONLINE, "440802"
    )  # fmt: skip
    assert request.due > request.created_at.date()
    assert request.number.startswith("ZQ")
    queue = await service_requests.queue(db, scopes["reviewer"])
    assert [(row.number, row.name, row.overdue) for row in queue.rows] == [(request.number, "张三", False)]
    thread = await service_requests.thread_of_account(db, registration.account_id, request.number)
    assert [m.body for m in thread.messages] == ["下月赤坎有哪些培训？"]
    assert "赤坎" in thread.agency


async def test_only_a_registered_person_may_file_and_each_field_is_checked(db, services, scopes) -> None:
    case = await make_case(db, services)  # submitted, not yet registered
    assert not await service_requests.may_file(db, case.account_id)
    with pytest.raises(InputError) as raised:
        await _file(db, services, case.account_id)
    assert raised.value.errors == {"kind": service_requests.REGISTERED_FIRST}
    registration = await registered_case(db, services, scopes["reviewer"], phone="13300000002", name="李四",
                                         id_number=make_id(date(1991, 2, 3), "F"))  # fmt: skip
    with pytest.raises(InputError) as raised:
        await _file(db, services, registration.account_id, kind="chat", text="  ")
    assert raised.value.errors == {"kind": service_requests.KIND_REQUIRED, "text": service_requests.TEXT_REQUIRED}
    with pytest.raises(InputError) as raised:
        await _file(db, services, registration.account_id, text="字" * 1001)
    assert str(raised.value.errors["text"]) == "不能超过1000个字符"
    assert await db.scalar(select(ServiceRequest.id)) is None


async def test_the_days_allowance_holds_when_requests_arrive_together(db, services, scopes) -> None:
    registration = await registered_case(db, services, scopes["reviewer"])

    async def file_once() -> int:
        async with services.sessionmaker() as session:
            try:
                await service_requests.file(
                    session, services.limiter, per_day=3, answer_days=1, account_id=registration.account_id,
                    kind="job", text="想找仓库管理的工作",
                )  # fmt: skip
                await session.commit()
                return 200
            except InputError as refused:
                return refused.status_code

    outcomes = await asyncio.gather(*(file_once() for _ in range(6)))
    assert sorted(outcomes) == [200, 200, 200, 429, 429, 429]
    assert len((await db.scalars(select(ServiceRequest.id))).all()) == 3


async def test_an_answer_tells_the_person_and_keeps_the_time_of_the_first_answer(db, services, scopes) -> None:
    registration = await registered_case(db, services, scopes["reviewer"])
    request = await _file(db, services, registration.account_id)
    await service_requests.answer(db, services.sms, scopes["reviewer"], request.number, "12月3日有电工培训。")
    await db.commit()
    first = (await db.scalar(select(ServiceRequest).execution_options(populate_existing=True))).first_answered_at
    assert first is not None
    await service_requests.answer(db, services.sms, scopes["reviewer"], request.number, "补充：可报名。", close=True)
    await db.commit()
    request = await db.scalar(select(ServiceRequest).execution_options(populate_existing=True))
    assert (request.status, request.first_answered_at) == (RequestStatus.CLOSED, first)
    told = (await db.scalars(select(InboxMessage.kind).where(InboxMessage.account_id == registration.account_id))).all()
    assert told.count(MessageKind.REQUEST_ANSWERED) == 2
    texts = (await db.scalars(select(OutboxMessage.body))).all()
    assert sum(f"您的服务需求（{request.number}）" in text for text in texts) == 2
    assert "12月3日" not in " ".join(texts)  # the answer itself is read signed in, not sent by text
    actions = (await db.scalars(select(AuditEntry.action).where(AuditEntry.target_id == request.number))).all()
    assert actions.count("service_request.answer") == 2


async def test_an_answer_counts_as_a_service_only_when_the_agency_says_so(db, services, scopes) -> None:
    registration = await registered_case(db, services, scopes["reviewer"])
    first = await _file(db, services, registration.account_id)
    await service_requests.answer(db, services.sms, scopes["reviewer"], first.number, "已收到。")
    second = await _file(db, services, registration.account_id)
    await service_requests.answer(db, services.sms, scopes["reviewer"], second.number, "推荐：12月3日电工培训班。",
                                  record_as="training")  # fmt: skip
    await db.commit()
    records = (await db.scalars(select(ServiceRecord))).all()
    assert [(r.kind, r.note, r.day) for r in records] == [
        (ServiceKind.TRAINING, "推荐：12月3日电工培训班。", records[0].created_at.date())
    ]
    assert service_requests.RECORD_AS_FOR[first.kind] == "training"
    with pytest.raises(InputError) as raised:
        await service_requests.answer(db, services.sms, scopes["reviewer"], first.number, "x", record_as="tracking")
    assert raised.value.errors == {"record_as": service_requests.RECORD_AS_INVALID}


async def test_a_reply_makes_it_wait_again_but_not_once_it_is_closed(db, services, scopes) -> None:
    registration = await registered_case(db, services, scopes["reviewer"])
    request = await _file(db, services, registration.account_id)
    await service_requests.answer(db, services.sms, scopes["reviewer"], request.number, "请说明工种。")
    await service_requests.reply(db, registration.account_id, request.number, "电工")
    await db.commit()
    thread = await service_requests.thread_of_account(db, registration.account_id, request.number)
    assert thread.request.status is RequestStatus.WAITING
    assert [m.author for m in thread.messages] == ["resident", "staff", "resident"]
    await service_requests.answer(db, services.sms, scopes["reviewer"], request.number, "已报名。", close=True)
    await db.commit()
    with pytest.raises(InputError) as raised:
        await service_requests.reply(db, registration.account_id, request.number, "谢谢")
    assert raised.value.errors == {"text": service_requests.CLOSED}
    with pytest.raises(NotFound):  # someone else's request is no request at all
        await service_requests.reply(db, registration.account_id + 1000, request.number, "hi")


async def test_a_late_request_is_flagged_in_the_queue_and_on_its_page(db, services, scopes) -> None:
    registration = await registered_case(db, services, scopes["reviewer"])
    late = await _file(db, services, registration.account_id)
    on_time = await _file(db, services, registration.account_id, kind="job")
    await db.execute(update(ServiceRequest).where(ServiceRequest.id == late.id).values(due=date.today() - timedelta(1)))
    await db.commit()
    queue = await service_requests.queue(db, scopes["reviewer"])
    assert [(row.number, row.overdue) for row in queue.rows] == [(late.number, True), (on_time.number, False)]
    assert (queue.total, queue.overdue) == (2, 1)
    assert (await service_requests.thread_of_account(db, registration.account_id, late.number)).overdue
    await service_requests.answer(db, services.sms, scopes["reviewer"], late.number, "已处理。")
    await db.commit()
    assert not (await service_requests.thread_of_account(db, registration.account_id, late.number)).overdue
    assert [row.number for row in (await service_requests.queue(db, scopes["reviewer"])).rows] == [on_time.number]


async def test_a_request_stays_within_its_county(db, services, scopes) -> None:
    registration = await registered_case(db, services, scopes["reviewer"])
    request = await _file(db, services, registration.account_id)
    xiashan = await _xiashan_clerk(db)
    assert (await service_requests.queue(db, xiashan)).rows == []
    with pytest.raises(OutOfScope):
        await service_requests.staff_thread(db, xiashan, request.number)
    with pytest.raises(OutOfScope):
        await service_requests.answer(db, services.sms, xiashan, request.number, "?")
    city = await service_requests.staff_thread(db, scopes["admin"], request.number)  # the city reads
    assert not city.may_answer
    with pytest.raises(NotAllowed):  # but answers are the county's
        await service_requests.answer(db, services.sms, scopes["admin"], request.number, "?")


async def test_staff_record_a_request_taken_on_12333_for_a_person_of_their_area(db, services, scopes) -> None:
    registration = await registered_case(db, services, scopes["reviewer"])
    recorded = await service_requests.record_call(
        db, scopes["reviewer"], registration_number=f" {registration.number} ", kind="ui_benefit",
        text="来电咨询失业保险金领取条件", answer_days=1,
    )  # fmt: skip
    await db.commit()
    assert (recorded.channel, recorded.recorded_by, recorded.account_id) == (
        RequestChannel.PHONE_12333, scopes["reviewer"].staff_id, registration.account_id
    )  # fmt: skip
    mine = await service_requests.of_account(db, registration.account_id)
    assert [r.number for r in mine.requests] == [recorded.number]  # the person sees it among their own
    assert await db.scalar(select(AuditEntry.action).where(AuditEntry.target_id == recorded.number)) == (
        "service_request.record"
    )
    xiashan = await _xiashan_clerk(db)
    with pytest.raises(InputError) as raised:
        await service_requests.record_call(db, xiashan, registration_number=registration.number, kind="job",
                                           text="x", answer_days=1)  # fmt: skip
    assert raised.value.errors == {"registration_number": service_requests.REGISTRATION_REQUIRED}
    await db.commit()
    attempts = select(AuditEntry).where(
        AuditEntry.action == "case.out_of_scope", AuditEntry.username == "xiashan.clerk"
    )
    assert (await db.scalar(attempts)).target_id == registration.number


async def test_two_answers_at_once_are_both_kept(db, services, scopes) -> None:
    registration = await registered_case(db, services, scopes["reviewer"])
    request = await _file(db, services, registration.account_id)

    async def answer(text: str) -> None:
        async with services.sessionmaker() as session:
            await service_requests.answer(session, services.sms, scopes["reviewer"], request.number, text)
            await session.commit()

    if services.settings.database_url.startswith("sqlite"):
        await answer("第一个答复")
        await answer("第二个答复")
    else:
        await asyncio.gather(answer("第一个答复"), answer("第二个答复"))
    bodies = (await db.scalars(select(RequestMessage.body).where(RequestMessage.author == "staff"))).all()
    assert sorted(bodies) == ["第一个答复", "第二个答复"]
    assert (await db.scalar(select(ServiceRequest))).first_answered_at is not None
