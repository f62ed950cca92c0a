"""Instant response (§4.3, the 12333 channel): a registered person files a service request online (or staff
record one taken by phone on 12333); it goes to their registration agency with a target for the first answer;
the agency answers, the person may reply, and overdue requests are flagged."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import ColumnElement, case, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from portal.adapters.sms import SmsGateway
from portal.clock import local_date, local_today
from portal.i18n import _l
from portal.models import (
    MessageKind,
    Person,
    Registration,
    RequestChannel,
    RequestKind,
    RequestMessage,
    RequestStatus,
    ServiceChannel,
    ServiceKind,
    ServiceRequest,
    ServiceResult,
)
from portal.models.base import utcnow
from portal.services import areas, audit, cases, fields, inbox, paging, service_records
from portal.services import registration as registrations
from portal.services.calendar import deadline_after
from portal.services.errors import InputError, NotAllowed, NotFound, OutOfScope
from portal.services.ratelimit import Limiter, Rule
from portal.services.staff import Scope

TEXT_MAX = 1000
PAGE_SIZE = 25
DAY = 24 * 3600

KIND_LABELS: dict[str, object] = {
    RequestKind.POLICY: _l("Policy advice"),
    RequestKind.GUIDANCE: _l("Career guidance"),
    RequestKind.JOB: _l("Job recommendations"),
    RequestKind.TRAINING: _l("Skills training"),
    RequestKind.BUSINESS: _l("Help to start a business"),
    RequestKind.UI_BENEFIT: _l("Unemployment insurance benefit"),
    RequestKind.OTHER: _l("Something else"),
}
CHANNEL_LABELS: dict[str, object] = {
    RequestChannel.ONLINE: _l("Online"),
    RequestChannel.PHONE_12333: _l("By phone on 12333"),
}
STATUS_LABELS: dict[str, object] = {
    RequestStatus.WAITING: _l("Waiting for an answer"),
    RequestStatus.ANSWERED: _l("Answered"),
    RequestStatus.CLOSED: _l("Closed"),
}

CLOSE_LABELS: dict[str, object] = {
    "no": _l("No: the person may write back"),
    "yes": _l("Yes: close the request"),
}

# An answer may count as a service given (§4.3's yearly minimum is counted from service records): the kind a
# request of each kind is most likely answered with is offered first.
RECORD_AS_LABELS: dict[str, object] = {
    "": _l("No, only an answer"),
    **{k: v for k, v in service_records.KIND_LABELS.items() if k != ServiceKind.TRACKING},
}
RECORD_AS_FOR: dict[RequestKind, str] = {
    RequestKind.POLICY: ServiceKind.POLICY,
    RequestKind.GUIDANCE: ServiceKind.GUIDANCE,
    RequestKind.JOB: ServiceKind.JOB_RECOMMENDATION,
    RequestKind.TRAINING: ServiceKind.TRAINING,
}
RECORD_AS_INVALID = _l("Select whether this answer counts as a service")

KIND_REQUIRED = _l("Select what you need")
TEXT_REQUIRED = _l("Write what you need, in a few words")
REGISTERED_FIRST = _l("Service requests are for people registered as unemployed.")
TOO_MANY = _l("You have sent many requests today: wait until tomorrow, or call 12333.")
ANSWER_REQUIRED = _l("Write the answer")
CLOSED = _l("This request is closed: send a new one if you need more.")
REGISTRATION_REQUIRED = _l("Enter the number of a registration of your area, like ZJ20261130123456")


def _check(kind: str, text: str) -> dict[str, object]:
    errors: dict[str, object] = {}
    if kind not in KIND_LABELS:
        errors["kind"] = KIND_REQUIRED
    if not text.strip():
        errors["text"] = TEXT_REQUIRED
    fields.check_lengths(errors, {"text": (text.strip(), TEXT_MAX)})
    return errors


async def _new(
    session: AsyncSession, registration: Registration, kind: str, text: str, channel: RequestChannel,
    answer_days: int, now: datetime, recorded_by: int | None = None,
) -> ServiceRequest:  # fmt: skip
    due = await deadline_after(session, local_date(now), answer_days)
    request = ServiceRequest(
        number=await _new_number(session, local_date(now)), registration_id=registration.id,
        account_id=registration.account_id, county_code=registration.county_code, kind=RequestKind(kind),
        channel=channel, status=RequestStatus.WAITING, due=due.deadline, due_provisional=due.provisional,
        recorded_by=recorded_by, created_at=now, updated_at=now,
    )  # fmt: skip
    session.add(request)
    await session.flush()
    session.add(RequestMessage(request_id=request.id, author="resident", body=text.strip(), created_at=now))
    await session.flush()
    return request


async def _new_number(session: AsyncSession, today: date) -> str:
    while True:  # random, so numbers say nothing about how many others asked
        number = f"ZQ{today:%Y%m%d}{secrets.randbelow(1_000_000):06d}"
        if await session.scalar(select(ServiceRequest.id).where(ServiceRequest.number == number)) is None:
            return number


# ---- the resident -------------------------------------------------------------------------------------------------


async def may_file(session: AsyncSession, account_id: int) -> bool:
    registration = await registrations.latest_of(session, account_id)
    return registration is not None and registration.is_registered


async def file(
    session: AsyncSession, limiter: Limiter, *, per_day: int, answer_days: int, account_id: int, kind: str, text: str,
    now: datetime | None = None,
) -> ServiceRequest:  # fmt: skip
    """A request filed online by a registered resident; counted against the day's allowance first."""
    now = now or utcnow()
    registration = await registrations.latest_of(session, account_id)
    if registration is None or not registration.is_registered:
        raise InputError({"kind": REGISTERED_FIRST})
    errors = _check(kind, text)
    if errors:
        raise InputError(errors)
    if not await limiter.hit(Rule("service-request", per_day, DAY), str(account_id)):
        raise InputError({"text": TOO_MANY}, status_code=429)
    return await _new(session, registration, kind, text, RequestChannel.ONLINE, answer_days, now)


@dataclass(frozen=True)
class Thread:
    request: ServiceRequest
    messages: list[RequestMessage]
    overdue: bool
    agency: str  # who answers, as the person sees it: the agency, never a staff member's name


async def _thread(session: AsyncSession, request: ServiceRequest) -> Thread:
    area = await areas.get_area(session, request.county_code)
    return Thread(
        request, await _messages(session, request.id), _overdue(request, local_today()),
        area.agency if area else request.county_code,
    )  # fmt: skip


async def _messages(session: AsyncSession, request_id: int) -> list[RequestMessage]:
    return list(
        await session.scalars(
            select(RequestMessage).where(RequestMessage.request_id == request_id).order_by(RequestMessage.id)
        )
    )


def _overdue(request: ServiceRequest, today: date) -> bool:
    return request.first_answered_at is None and request.status is RequestStatus.WAITING and request.due < today


@dataclass(frozen=True)
class MinePage:
    requests: list[ServiceRequest]
    page: int
    pages: int


async def of_account(session: AsyncSession, account_id: int, page: int = 1) -> MinePage:
    """The account's requests, the newest first (those recorded from a 12333 call too)."""
    mine = ServiceRequest.account_id == account_id
    total = await session.scalar(select(func.count()).select_from(ServiceRequest).where(mine)) or 0
    win = paging.window(total, page, PAGE_SIZE)
    requests = await session.scalars(
        select(ServiceRequest)
        .where(mine)
        .order_by(ServiceRequest.created_at.desc(), ServiceRequest.id.desc())
        .limit(win.limit)
        .offset(win.offset)
    )
    return MinePage(list(requests), win.page, win.pages)


async def of_registration(session: AsyncSession, registration_id: int, limit: int = 20) -> list[ServiceRequest]:
    """The newest first: the case page's part of the person's ledger."""
    return list(
        await session.scalars(
            select(ServiceRequest)
            .where(ServiceRequest.registration_id == registration_id)
            .order_by(ServiceRequest.created_at.desc(), ServiceRequest.id.desc())
            .limit(limit)
        )
    )


async def thread_of_account(session: AsyncSession, account_id: int, number: str) -> Thread:
    request = await session.scalar(
        select(ServiceRequest)
        .where(ServiceRequest.number == number, ServiceRequest.account_id == account_id)
        .execution_options(populate_existing=True)
    )
    if request is None:
        raise NotFound()
    return await _thread(session, request)


async def reply(session: AsyncSession, account_id: int, number: str, text: str) -> None:
    """The resident writes back: the request waits for the agency again."""
    thread = await thread_of_account(session, account_id, number)
    errors: dict[str, object] = {"text": TEXT_REQUIRED} if not text.strip() else {}
    fields.check_lengths(errors, {"text": (text.strip(), TEXT_MAX)})
    if errors:
        raise InputError(errors)
    # Not once it is closed, even if it was closed a moment ago by the agency.
    reopened = await session.scalar(
        update(ServiceRequest)
        .where(ServiceRequest.id == thread.request.id, ServiceRequest.status != RequestStatus.CLOSED)
        .values(status=RequestStatus.WAITING, updated_at=utcnow())
        .returning(ServiceRequest.id)
        .execution_options(synchronize_session=False)
    )
    if reopened is None:
        raise InputError({"text": CLOSED})
    session.add(RequestMessage(request_id=thread.request.id, author="resident", body=text.strip()))
    await session.flush()


# ---- the agency -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class QueueRow:
    number: str
    name: str
    kind: RequestKind
    channel: RequestChannel
    status: RequestStatus
    due: date
    overdue: bool


@dataclass(frozen=True)
class QueuePage:
    rows: list[QueueRow]
    total: int
    page: int
    pages: int
    overdue: int


async def queue(session: AsyncSession, scope: Scope, *, page: int = 1, today: date | None = None) -> QueuePage:
    """Requests waiting for the agency in the staff member's scope, the longest due first."""
    today = today or local_today()
    conditions: list[ColumnElement[bool]] = [ServiceRequest.status == RequestStatus.WAITING]
    if not scope.is_city:
        conditions.append(ServiceRequest.county_code == scope.area_code)
    counts = (
        await session.execute(
            select(func.count(), func.sum(case((ServiceRequest.due < today, 1), else_=0))).where(*conditions)
        )
    ).one()
    total, overdue = counts[0] or 0, counts[1] or 0
    win = paging.window(total, page, PAGE_SIZE)
    rows = (
        await session.execute(
            select(ServiceRequest, Person.name)
            .join(Registration, Registration.id == ServiceRequest.registration_id)
            .join(Person, Person.id == Registration.person_id)
            .where(*conditions)
            .order_by(ServiceRequest.due, ServiceRequest.id)
            .limit(win.limit)
            .offset(win.offset)
        )
    ).all()
    await audit.record(
        session, scope.actor, "service_requests.view", "service_requests", scope.area_code or "city",
        {"page": win.page},
    )  # fmt: skip
    return QueuePage(
        [QueueRow(r.number, name, r.kind, r.channel, r.status, r.due, r.due < today) for r, name in rows],
        total, win.page, win.pages, overdue,
    )  # fmt: skip


async def _find(session: AsyncSession, scope: Scope, number: str) -> ServiceRequest:
    request = await session.scalar(
        select(ServiceRequest).where(ServiceRequest.number == number).execution_options(populate_existing=True)
    )
    if request is None:
        raise NotFound()
    if not scope.covers(request.county_code):
        raise OutOfScope(scope.actor, "service_request", number)
    return request


@dataclass(frozen=True)
class StaffThread:
    thread: Thread
    name: str
    registration_number: str
    may_answer: bool


async def staff_thread(session: AsyncSession, scope: Scope, number: str) -> StaffThread:
    request = await _find(session, scope, number)
    registration = await session.get(Registration, request.registration_id)
    assert registration is not None  # a foreign key
    person = await session.get(Person, registration.person_id)
    assert person is not None
    await audit.record(session, scope.actor, "service_request.view", "service_request", number)
    return StaffThread(
        await _thread(session, request), person.name,
        registration.number, may_answer=scope.can_act and request.status is not RequestStatus.CLOSED,
    )  # fmt: skip


async def answer(
    session: AsyncSession, sms: SmsGateway, scope: Scope, number: str, text: str, *, close: bool = False,
    record_as: str = "",
) -> ServiceRequest:  # fmt: skip
    """The agency's answer, told to the person by SMS and in their inbox; the first answer's time is kept once.
    With `record_as`, the answer is also a service given (a service record of that kind, reached online)."""
    if not scope.can_act:
        raise NotAllowed()
    request = await _find(session, scope, number)
    errors: dict[str, object] = {"answer": ANSWER_REQUIRED} if not text.strip() else {}
    fields.check_lengths(errors, {"answer": (text.strip(), TEXT_MAX)})
    if record_as not in RECORD_AS_LABELS:
        errors["record_as"] = RECORD_AS_INVALID
    if errors:
        raise InputError(errors)
    now = utcnow()
    status = RequestStatus.CLOSED if close else RequestStatus.ANSWERED
    await session.execute(
        update(ServiceRequest)
        .where(ServiceRequest.id == request.id)
        .values(
            status=status, updated_at=now,
            # Kept from the first answer, whoever answers later or at the same moment.
            first_answered_at=func.coalesce(ServiceRequest.first_answered_at, now),
        )
        .execution_options(synchronize_session=False)
    )  # fmt: skip
    session.add(RequestMessage(request_id=request.id, author="staff", staff_id=scope.staff_id, body=text.strip()))
    await session.flush()
    await session.refresh(request)
    registration = await session.get(Registration, request.registration_id)
    assert registration is not None
    if record_as and registration.is_registered:
        await service_records.add(
            session, registration.id, local_date(now), ServiceKind(record_as), ServiceChannel.ONLINE,
            ServiceResult.REACHED, text.strip(), scope.staff_id,
        )  # fmt: skip
    await audit.record(
        session, scope.actor, "service_request.answer", "service_request", number,
        {"close": close, "recorded_as": record_as or None},
    )  # fmt: skip
    await inbox.tell(session, sms, registration, MessageKind.REQUEST_ANSWERED, {"number": number})
    return request


async def record_call(
    session: AsyncSession, scope: Scope, *, registration_number: str, kind: str, text: str, answer_days: int,
    now: datetime | None = None,
) -> ServiceRequest:  # fmt: skip
    """A request a person made by phone on 12333, recorded for them by staff of their area."""
    if not scope.can_act:
        raise NotAllowed()
    errors = _check(kind, text)
    if errors:
        raise InputError(errors)
    try:
        registration = await cases.find(session, scope, registration_number.strip())
    except OutOfScope as exc:  # another county's: said like a wrong number, and audited as the attempt it is
        await audit.record(session, exc.actor, "case.out_of_scope", exc.target_type, exc.target_id)
        raise InputError({"registration_number": REGISTRATION_REQUIRED}) from None
    except NotFound:
        raise InputError({"registration_number": REGISTRATION_REQUIRED}) from None
    if not registration.is_registered:
        raise InputError({"registration_number": REGISTERED_FIRST})
    request = await _new(
        session, registration, kind, text, RequestChannel.PHONE_12333, answer_days, now or utcnow(),
        recorded_by=scope.staff_id,
    )  # fmt: skip
    await audit.record(
        session, scope.actor, "service_request.record", "service_request", request.number,
        {"kind": kind, "registration": registration.number},
    )  # fmt: skip
    return request
