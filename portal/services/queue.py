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
from portal.services import audit, keyset
from portal.services.calendar import overrides_between
from portal.services.staff import Scope

PAGE_SIZE = 25
# The queue reads its statuses in sorted order, deferred first.
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
    page: keyset.Page
    filters: Filters = field(default_factory=Filters)


async def awaiting(
    session: AsyncSession, scope: Scope, filters: Filters, *, at: keyset.At = keyset.START, today: date | None = None
) -> QueuePage:
    """Applications awaiting a decision in the user's scope: deferred first, then by deadline; a page of them by
    keyset, with the exact total (an index-only count: the cases awaiting a decision are a few days' intake)."""
    today = today or local_today()
    statuses = [RegistrationStatus(filters.status)] if filters.status in STATUS_FILTERS else sorted(AWAITING_STATUSES)
    conditions: list[ColumnElement[bool]] = []
    if not scope.is_city:
        conditions.append(Registration.county_code == scope.area_code)
    elif filters.county:
        conditions.append(Registration.county_code == filters.county)
    if filters.due == "overdue":
        conditions.append(Registration.deadline < today)
    elif filters.due == "week":
        conditions.append(Registration.deadline <= today + timedelta(days=7))
    total = await session.scalar(
        select(func.count()).select_from(Registration).where(Registration.status.in_(statuses), *conditions)
    )
    query = (
        select(Registration, Person.name, _identity_claimed)
        .join(Person, Person.id == Registration.person_id)
        .where(*conditions)
    )
    # One stretch per status, deferred first: each is read along the queue index (county, status, deadline, id)
    # with the status fixed (an IN on it would leave PostgreSQL sorting the whole queue), so a page seeks straight
    # to its deadline.
    listing = keyset.Listing(
        f"queue.{statuses[0] if len(statuses) == 1 else 'all'}",
        [keyset.Segment(query.where(Registration.status == s), (Registration.deadline, Registration.id))
         for s in statuses],
    )  # fmt: skip
    found = await keyset.read(session, listing, at, PAGE_SIZE)
    await audit.record(
        session, scope.actor, "queue.view", "queue", scope.area_code or "city",
        {**filters.as_query(), "page": found.mode.value},
    )  # fmt: skip
    rows = found.rows
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
    return QueuePage(items, total or 0, found, filters)
