"""The resident's service history (§4.1, §4.3): what the agency recorded for them (as the agency, never a staff
member's name), their service requests with the latest answer, their policy applications, and how the "12333"
yearly minimum stands."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from portal.models import Registration, RequestMessage, ServiceRecord, ServiceRequest
from portal.rules.service_minimum import Year
from portal.services import areas, paging, policy_applications, service_minimum
from portal.services import registration as registrations
from portal.services.policy_applications import ApplicationRow

RECORDS_PER_PAGE = 20
REQUESTS_SHOWN = 10


@dataclass(frozen=True)
class RecordRow:
    record: ServiceRecord
    agency: str


@dataclass(frozen=True)
class RequestRow:
    request: ServiceRequest
    answer: str | None  # the agency's latest words


@dataclass(frozen=True)
class History:
    year: Year | None
    records: list[RecordRow]
    page: int
    pages: int
    requests: list[RequestRow]
    more_requests: bool
    applications: list[ApplicationRow]


async def of_account(session: AsyncSession, account_id: int, page: int = 1) -> History:
    registration = await registrations.latest_of(session, account_id)
    year = await service_minimum.year_of(session, registration) if registration is not None else None
    agencies = {area.code: area.agency for area in await areas.list_areas(session)}
    mine = Registration.account_id == account_id
    total = await session.scalar(
        select(func.count()).select_from(ServiceRecord).join(Registration).where(mine)
    )  # fmt: skip
    win = paging.window(total or 0, page, RECORDS_PER_PAGE)
    records = await session.execute(
        select(ServiceRecord, Registration.county_code)
        .join(Registration, Registration.id == ServiceRecord.registration_id)
        .where(mine)
        .order_by(ServiceRecord.day.desc(), ServiceRecord.id.desc())
        .limit(win.limit)
        .offset(win.offset)
    )
    requests = list(
        await session.scalars(
            select(ServiceRequest)
            .where(ServiceRequest.account_id == account_id)
            .order_by(ServiceRequest.created_at.desc(), ServiceRequest.id.desc())
            .limit(REQUESTS_SHOWN + 1)
        )
    )
    answers = await _latest_answers(session, [r.id for r in requests[:REQUESTS_SHOWN]])
    return History(
        year=year,
        records=[RecordRow(record, agencies.get(county, county)) for record, county in records.all()],
        page=win.page,
        pages=win.pages,
        requests=[RequestRow(r, answers.get(r.id)) for r in requests[:REQUESTS_SHOWN]],
        more_requests=len(requests) > REQUESTS_SHOWN,
        applications=await policy_applications.of_account(session, account_id),
    )


async def _latest_answers(session: AsyncSession, request_ids: list[int]) -> dict[int, str]:
    if not request_ids:
        return {}
    latest = (
        select(func.max(RequestMessage.id))
        .where(RequestMessage.request_id.in_(request_ids), RequestMessage.author == "staff")
        .group_by(RequestMessage.request_id)
    )
    rows = await session.execute(
        select(RequestMessage.request_id, RequestMessage.body).where(RequestMessage.id.in_(latest))
    )
    return {request_id: body for request_id, body in rows}
