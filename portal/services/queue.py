"""The queue: applications awaiting a decision in the staff member's scope, deferred first, then by deadline."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from portal.clock import local_today
from portal.i18n import _l
from portal.models import AWAITING_STATUSES, EventKind, Person, Registration, RegistrationEvent, RegistrationStatus
from portal.rules.workdays import working_days_between
from portal.services import audit, paging
from portal.services.calendar import overrides_between
from portal.services.staff import Scope

PAGE_SIZE = 25
# The queue's ORDER BY status relies on this.
assert RegistrationStatus.DEFERRED.value < RegistrationStatus.SUBMITTED.value

STATUS_FILTERS: dict[str, object] = {
    RegistrationStatus.DEFERRED: _l("Accepted, papers to follow"),
    RegistrationStatus.SUBMITTED: _l("Awaiting decision"),
}
DUE_FILTERS: dict[str, object] = {"overdue": _l("Overdue"), "week": _l("Due within 7 days")}

_identity_claimed = (
    select(RegistrationEvent.id)
    .where(RegistrationEvent.registration_id == Registration.id, RegistrationEvent.kind == EventKind.IDENTITY_CLAIMED)
    .exists()
    .label("identity_claimed")
)


@dataclass(frozen=True)
class Filters:
    """What the queue is narrowed to; a value that is not one of the options counts as no filter."""

    status: str = ""
    county: str = ""
    due: str = ""

    def as_query(self) -> dict[str, str]:
        return {"status": self.status, "county": self.county, "due": self.due}


@dataclass(frozen=True)
class QueueItem:
    number: str
    name: str
    county_code: str
    status: RegistrationStatus
    deadline: date
    provisional: bool
    working_days_left: int
    overdue: bool
    identity_claimed: bool = False


@dataclass(frozen=True)
class QueuePage:
    items: list[QueueItem]
    total: int
    page: int
    pages: int
    filters: Filters = field(default_factory=Filters)


async def awaiting(
    session: AsyncSession, scope: Scope, filters: Filters, *, page: int = 1, today: date | None = None
) -> QueuePage:
    """Applications awaiting a decision in the user's scope: deferred first, then by deadline."""
    today = today or local_today()
    conditions: list[ColumnElement[bool]] = [Registration.status.in_(AWAITING_STATUSES)]
    if filters.status in STATUS_FILTERS:
        conditions.append(Registration.status == RegistrationStatus(filters.status))
    if not scope.is_city:
        conditions.append(Registration.county_code == scope.area_code)
    elif filters.county:
        conditions.append(Registration.county_code == filters.county)
    await audit.record(
        session, scope.actor, "queue.view", "queue", scope.area_code or "city", {**filters.as_query(), "page": page}
    )
    if filters.due == "overdue":
        conditions.append(Registration.deadline < today)
    elif filters.due == "week":
        conditions.append(Registration.deadline <= today + timedelta(days=7))
    total = await session.scalar(select(func.count()).select_from(Registration).where(*conditions)) or 0
    win = paging.window(total, page, PAGE_SIZE)
    rows = (
        await session.execute(
            select(Registration, Person.name, _identity_claimed)
            .join(Person, Person.id == Registration.person_id)
            .where(*conditions)
            # "deferred" sorts before "submitted": deferred cases first, and the queue indexes give
            # this order without sorting.
            .order_by(Registration.status, Registration.deadline, Registration.id)
            .limit(win.limit)
            .offset(win.offset)
        )
    ).all()
    latest = max((r.deadline for r, _, _ in rows), default=today)
    # One query for the calendar of the whole page, not one per row.
    overrides = await overrides_between(session, today, max(latest, today))
    items = [
        QueueItem(
            number=r.number,
            name=name,
            county_code=r.county_code,
            status=r.status,
            deadline=r.deadline,
            provisional=r.deadline_provisional,
            working_days_left=working_days_between(today, r.deadline, overrides),
            overdue=r.deadline < today,
            identity_claimed=claimed,
        )
        for r, name, claimed in rows
    ]
    return QueuePage(items, total, win.page, win.pages, filters)
