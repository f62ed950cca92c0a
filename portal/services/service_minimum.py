"""The "12333" yearly minimum (§4.3), counted from the service records: a registered person's first year as it
stands, and the county's list of people the agency is behind with."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import ColumnElement, and_, case, func, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from portal.clock import local_date, local_midnight, local_today
from portal.i18n import ngettext
from portal.models import (
    Person,
    Registration,
    RegistrationStatus,
    ServiceKind,
    ServiceMinimumCount,
    ServiceRecord,
    ServiceResult,
)
from portal.rules import service_minimum as rules
from portal.rules.policies import months_before
from portal.rules.service_minimum import Progress, Year
from portal.services import audit, paging
from portal.services.staff import Scope

PAGE_SIZE = 25
# A service offered counts, taken or refused; a call that reached no one gave nothing.
COUNTED = (ServiceResult.REACHED, ServiceResult.REFUSED_WITH_REASON, ServiceResult.REFUSED_WITHOUT_REASON)
KINDS = [ServiceKind(kind) for kind in rules.TARGETS]
_ONE_DAY = timedelta(days=1)

_WORDS: dict[str, Callable[[Progress], str]] = {
    ServiceKind.POLICY: lambda p: ngettext(
        "%(done)s of %(num)s policy connection", "%(done)s of %(num)s policy connections", p.target, done=p.done
    ),
    ServiceKind.GUIDANCE: lambda p: ngettext(
        "%(done)s of %(num)s career-guidance session", "%(done)s of %(num)s career-guidance sessions", p.target,
        done=p.done,
    ),
    ServiceKind.JOB_RECOMMENDATION: lambda p: ngettext(
        "%(done)s of %(num)s job recommendation", "%(done)s of %(num)s job recommendations", p.target, done=p.done
    ),
    ServiceKind.TRAINING: lambda p: ngettext(
        "%(done)s of %(num)s free-training notice", "%(done)s of %(num)s free-training notices", p.target,
        done=p.done,
    ),
}  # fmt: skip


def words(progress: Progress) -> str:
    """ "2 of 3 job recommendations", in the reader's language."""
    return _WORDS[progress.kind](progress)


def registered_on(registration: Registration) -> date | None:
    """The day the registration was decided, while it stands."""
    if registration.status is not RegistrationStatus.REGISTERED or registration.decided_at is None:
        return None
    return local_date(registration.decided_at)


def _counted() -> list[ColumnElement[bool]]:
    return [ServiceRecord.kind.in_(KINDS), ServiceRecord.result.in_(COUNTED)]


async def tally(session: AsyncSession, registration_id: int, kind: ServiceKind, result: ServiceResult) -> None:
    """Count a service record the minimum counts, in one statement (INSERT … ON CONFLICT DO UPDATE): records
    written at the same moment each add one."""
    if kind not in KINDS or result not in COUNTED:
        return
    dialect = (await session.connection()).dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    column = ServiceMinimumCount.__table__.c[kind.value]
    await session.execute(
        insert(ServiceMinimumCount)
        .values({"registration_id": registration_id, kind.value: 1})
        .on_conflict_do_update(index_elements=["registration_id"], set_={kind.value: column + 1})
    )


async def year_of(session: AsyncSession, registration: Registration, today: date | None = None) -> Year | None:
    """The first year of a standing registration, with the services given in it; None when not registered."""
    starts = registered_on(registration)
    if starts is None:
        return None
    ends = rules.year_end(starts)
    # Every service of the registration before the year's end: one recorded with an earlier day was still given
    # on this registration (and the county list counts the same way).
    rows = await session.execute(
        select(ServiceRecord.kind, func.count())
        .where(ServiceRecord.registration_id == registration.id, *_counted(), ServiceRecord.day < ends)
        .group_by(ServiceRecord.kind)
    )
    counts = {str(kind): n for kind, n in rows.all()}
    return rules.year_of(starts, counts, today or local_today())


# ---- the county's list ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BehindRow:
    number: str
    name: str
    registered_on: date
    year: Year


@dataclass(frozen=True)
class BehindPage:
    rows: list[BehindRow]
    total: int
    page: int
    pages: int


def _decided_by_end_of(day: date) -> ColumnElement[bool]:
    """Registration.decided_at fell on `day` (local) or before."""
    return Registration.decided_at < local_midnight(day + _ONE_DAY)


def _expected(target: int, today: date) -> ColumnElement[int]:
    """The count due by today, in SQL: a registration decided by the end of months_before(today, m) has had m
    whole months."""
    levels = [
        (_decided_by_end_of(months_before(today, rules.months_for(target, level))), level)
        for level in range(target, 0, -1)
    ]
    return case(*levels, else_=0)


def _behind(scope: Scope, today: date) -> ColumnElement[bool]:
    """In the first year of registration, with fewer services of a kind than the year's pace asks by now; for
    queries outer-joined to the counts."""
    standing: list[ColumnElement[bool]] = [
        Registration.status == RegistrationStatus.REGISTERED,
        ~_decided_by_end_of(months_before(today, rules.YEAR_MONTHS)),  # the first year not over
    ]
    if not scope.is_city:
        standing.append(Registration.county_code == scope.area_code)
    counts = ServiceMinimumCount.__table__
    done = {kind: func.coalesce(counts.c[kind.value], 0) for kind in KINDS}
    return and_(*standing, or_(*(done[kind] < _expected(rules.TARGETS[kind], today) for kind in KINDS)))


async def behind_first(session: AsyncSession, scope: Scope, today: date, limit: int) -> list[tuple[int, date]]:
    """The first `limit` people behind pace, the longest registered first: (registration id, day registered), for the
    outreach worklist; the index on the decision day lets the query stop once it has them."""
    counts = ServiceMinimumCount.__table__
    rows = await session.execute(
        select(Registration.id, Registration.decided_at)
        .outerjoin(counts, counts.c.registration_id == Registration.id)
        .where(_behind(scope, today))
        .order_by(Registration.decided_at, Registration.id)
        .limit(limit)
    )
    return [(registration_id, local_date(decided_at) if decided_at else today)
            for registration_id, decided_at in rows.all()]  # fmt: skip


async def behind(session: AsyncSession, scope: Scope, *, page: int = 1, today: date | None = None) -> BehindPage:
    """People in their first year of registration who have had fewer services of a kind than the year's pace
    asks by now, the longest registered first."""
    today = today or local_today()
    counts = ServiceMinimumCount.__table__
    done = {kind: func.coalesce(counts.c[kind.value], 0) for kind in KINDS}
    conditions = _behind(scope, today)
    base = select(Registration.id).outerjoin(counts, counts.c.registration_id == Registration.id).where(conditions)
    total = await session.scalar(select(func.count()).select_from(base.subquery())) or 0
    win = paging.window(total, page, PAGE_SIZE)
    rows = await session.execute(
        select(Registration.number, Person.name, Registration.decided_at, *done.values())
        .join(Person, Person.id == Registration.person_id)
        .outerjoin(counts, counts.c.registration_id == Registration.id)
        .where(conditions)
        .order_by(Registration.decided_at, Registration.id)
        .limit(win.limit)
        .offset(win.offset)
    )
    await audit.record(
        session, scope.actor, "service_minimum.view", "service_minimum", scope.area_code or "city", {"page": win.page}
    )
    shown = []
    for number, name, decided_at, *given in rows.all():
        starts = local_date(decided_at)
        year = rules.year_of(starts, {kind.value: n for kind, n in zip(KINDS, given, strict=True)}, today)
        shown.append(BehindRow(number, name, starts, year))
    return BehindPage(shown, total, win.page, win.pages)
