"""Service requests: the resident files one and follows its conversation; the agency answers from its queue,
and records requests taken by phone on 12333."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar import Request, Response, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Template

from portal.routes._common import Account, Db, Deps, Staff, page, read_form, see_other
from portal.routes.errors import FormFailure, shows_form_again
from portal.services import service_requests
from portal.services.fields import options

KINDS = options(service_requests.KIND_LABELS)
CLOSE_CHOICES = options(service_requests.CLOSE_LABELS)
RECORD_AS = options(service_requests.RECORD_AS_LABELS)
WORDS = {
    "kind_words": service_requests.KIND_LABELS,
    "channel_words": service_requests.CHANNEL_LABELS,
    "status_words": service_requests.STATUS_LABELS,
}


@dataclass(frozen=True)
class RequestForm:
    kind: str = ""
    text: str = ""


@dataclass(frozen=True)
class ReplyForm:
    text: str = ""


@dataclass(frozen=True)
class AnswerForm:
    answer: str = ""
    close: str = ""
    record_as: str = ""


@dataclass(frozen=True)
class CallForm:
    registration_number: str = ""
    kind: str = ""
    text: str = ""


# ---- the resident -------------------------------------------------------------------------------------------------


async def _requests_page(
    db: Db, services: Deps, account: Account, page_number: int = 1, *, status_code: int = 200,
    values: dict[str, Any] | None = None, errors: dict[str, object] | None = None,
) -> Template:  # fmt: skip
    return page(
        "service_requests/mine.html", status_code, account=account,
        mine=await service_requests.of_account(db, account.id, page_number), kinds=KINDS, values=values or {},
        errors=errors or {}, answer_days=services.settings.request_answer_days,
        registered=await service_requests.may_file(db, account.id), **WORDS,
    )  # fmt: skip


@get("/account/service-requests", name="my_service_requests")
async def my_requests(db: Db, services: Deps, account: Account, page_number: FromQuery[int] = 1) -> Template:
    return await _requests_page(db, services, account, page_number)


async def _file_again(failure: FormFailure, db: Db, services: Deps, account: Account, **_: Any) -> Template:
    return await _requests_page(db, services, account, status_code=failure.status_code, values=failure.values,
                                errors=failure.errors)  # fmt: skip


@post("/account/service-requests")
@shows_form_again(_file_again)
async def file_request(request: Request[Any, Any, Any], db: Db, services: Deps, account: Account) -> Response[Any]:
    form = await read_form(request, RequestForm)
    settings = services.settings
    filed = await service_requests.file(
        db, services.limiter, per_day=settings.requests_per_day, answer_days=settings.request_answer_days,
        account_id=account.id, kind=form.kind, text=form.text,
    )  # fmt: skip
    return see_other(f"/account/service-requests/{filed.number}", done="sent")


async def _thread_page(
    db: Db, account: Account, number: str, *, status_code: int = 200, values: dict[str, Any] | None = None,
    errors: dict[str, object] | None = None, done: str = "",
) -> Template:  # fmt: skip
    thread = await service_requests.thread_of_account(db, account.id, number)
    return page(
        "service_requests/thread.html", status_code, account=account, thread=thread, values=values or {},
        errors=errors or {}, done=done, **WORDS,
    )  # fmt: skip


@get("/account/service-requests/{number:str}", name="my_service_request")
async def my_request(db: Db, account: Account, number: FromPath[str], done: FromQuery[str] = "") -> Template:
    return await _thread_page(db, account, number, done=done)


async def _reply_again(failure: FormFailure, db: Db, account: Account, number: str, **_: Any) -> Template:
    return await _thread_page(db, account, number, status_code=failure.status_code, values=failure.values,
                              errors=failure.errors)  # fmt: skip


@post("/account/service-requests/{number:str}/reply")
@shows_form_again(_reply_again)
async def reply(request: Request[Any, Any, Any], db: Db, account: Account, number: FromPath[str]) -> Response[Any]:
    form = await read_form(request, ReplyForm)
    await service_requests.reply(db, account.id, number, form.text)
    return see_other(f"/account/service-requests/{number}", done="replied")


# ---- the agency -----------------------------------------------------------------------------------------------------


async def _queue_page(
    db: Db, staff: Staff, page_number: int = 1, *, status_code: int = 200, values: dict[str, Any] | None = None,
    errors: dict[str, object] | None = None, done: str = "",
) -> Template:  # fmt: skip
    result = await service_requests.queue(db, staff, page=page_number)
    return page(
        "service_requests/staff_queue.html", status_code, scope=staff, result=result, kinds=KINDS,
        values=values or {}, errors=errors or {}, done=done, **WORDS,
    )  # fmt: skip


@get("/service-requests", name="staff_service_requests")
async def staff_queue(db: Db, staff: Staff, page_number: FromQuery[int] = 1, done: FromQuery[str] = "") -> Template:
    return await _queue_page(db, staff, page_number, done=done)


async def _call_again(failure: FormFailure, db: Db, staff: Staff, **_: Any) -> Template:
    return await _queue_page(db, staff, status_code=failure.status_code, values=failure.values, errors=failure.errors)


@post("/service-requests")
@shows_form_again(_call_again)
async def record_call(request: Request[Any, Any, Any], db: Db, services: Deps, staff: Staff) -> Response[Any]:
    form = await read_form(request, CallForm)
    recorded = await service_requests.record_call(
        db, staff, registration_number=form.registration_number, kind=form.kind, text=form.text,
        answer_days=services.settings.request_answer_days,
    )  # fmt: skip
    return see_other(f"/staff/service-requests/{recorded.number}", done="recorded")


async def _staff_thread_page(
    db: Db, staff: Staff, number: str, *, status_code: int = 200, values: dict[str, Any] | None = None,
    errors: dict[str, object] | None = None, done: str = "",
) -> Template:  # fmt: skip
    shown = await service_requests.staff_thread(db, staff, number)
    return page(
        "service_requests/staff_thread.html", status_code, scope=staff, shown=shown, thread=shown.thread,
        close_choices=CLOSE_CHOICES, record_as=RECORD_AS,
        suggested=service_requests.RECORD_AS_FOR.get(shown.thread.request.kind, ""),
        values=values or {}, errors=errors or {}, done=done, **WORDS,
    )  # fmt: skip


@get("/service-requests/{number:str}", name="staff_service_request")
async def staff_thread(db: Db, staff: Staff, number: FromPath[str], done: FromQuery[str] = "") -> Template:
    return await _staff_thread_page(db, staff, number, done=done)


async def _answer_again(failure: FormFailure, db: Db, staff: Staff, number: str, **_: Any) -> Template:
    return await _staff_thread_page(db, staff, number, status_code=failure.status_code, values=failure.values,
                                    errors=failure.errors)  # fmt: skip


@post("/service-requests/{number:str}/answer")
@shows_form_again(_answer_again)
async def answer(
    request: Request[Any, Any, Any], db: Db, services: Deps, staff: Staff, number: FromPath[str]
) -> Response[Any]:
    form = await read_form(request, AnswerForm)
    await service_requests.answer(db, services.sms, staff, number, form.answer, close=form.close == "yes",
                                  record_as=form.record_as)  # fmt: skip
    return see_other(f"/staff/service-requests/{number}", done="answered")


RESIDENT_HANDLERS = [my_requests, file_request, my_request, reply]
STAFF_HANDLERS = [staff_queue, record_call, staff_thread, answer]
