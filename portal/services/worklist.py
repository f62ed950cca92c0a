"""The outreach worklist (服务找人, §4): for a case worker, the registered people of their county who need them now,
ordered by need, each row saying why: overdue actions in the plans they hold, recommendations whose follow-up is
due, first contacts late, a month without contact, first contacts coming due, falling behind the 12333 minimum, a
year or more unemployed without certification, and this month's contact still to make.

Each reason is read by its own query along an index, the most urgent first, and stops at the number shown; the
rows are merged by person (one row, all its reasons) in Python. Counts stop at COUNT_CAP, so a county of 100,000
people costs the same as one of 1,000."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from portal.clock import LOCAL_TZ, local_today
from portal.i18n import _l
from portal.models import (
    Person,
    Plan,
    PlanAction,
    PlanStatus,
    Recommendation,
    Registration,
    RegistrationStatus,
)
from portal.rules import difficulty
from portal.rules.policies import months_before
from portal.services import audit, service_minimum, tracking
from portal.services.staff import Scope
from portal.services.vacancies import OPEN_RESULTS

SHOWN = 25
SHOWN_MAX = 200
COUNT_CAP = 1000

# The reasons, the most pressing first: a row is ordered by its most pressing reason, then by how long it waited.
REASON_LABELS: dict[str, object] = {
    "plan_overdue": _l("Overdue action in your plan"),
    "follow_up": _l("Recommendation to follow up"),
    "first_late": _l("First contact late"),
    "overdue": _l("No contact last month"),
    "first_due": _l("First contact due"),
    "behind_minimum": _l("Behind the 12333 minimum"),
    "long_unemployed": _l("Unemployed a year or more, not certified"),
    "due": _l("Contact due this month"),
}
RANK = {reason: n for n, reason in enumerate(REASON_LABELS)}


@dataclass(frozen=True)
class Reason:
    code: str
    since: date  # when it became due (the action's or follow-up's due day, the last contact, the registration)


@dataclass
class Row:
    registration_id: int
    number: str = ""
    name: str = ""
    reasons: list[Reason] = field(default_factory=list)
    plan_id: int | None = None

    @property
    def rank(self) -> tuple[int, date, int]:
        first = min(self.reasons, key=lambda r: (RANK[r.code], r.since))
        return RANK[first.code], first.since, self.registration_id


@dataclass(frozen=True)
class Worklist:
    rows: list[Row]
    counts: dict[str, int]  # per reason, at most COUNT_CAP
    shown: int
    more: bool  # some reason had more people than shown
    count_cap: int = COUNT_CAP


def _standing(scope: Scope) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = [Registration.status == RegistrationStatus.REGISTERED]
    if not scope.is_city:
        where.append(Registration.county_code == scope.area_code)
    return where


def _sources(scope: Scope, today: date) -> dict[str, Any]:  # reason: a Select of (registration id, since)
    """For each reason of the county's people (the plan's is the case worker's own), a query of (registration id,
    since) in the order of need."""
    this_month = today.replace(day=1)
    last_month = (this_month - timedelta(days=1)).replace(day=1)
    a_year = months_before(today, difficulty.LONG_UNEMPLOYED_MONTHS) + timedelta(days=1)
    standing = _standing(scope)
    county = [] if scope.is_city else [Recommendation.county_code == scope.area_code]
    return {
        "plan_overdue": (
            select(Plan.registration_id, func.min(PlanAction.due_on).label("since"))
            .join(PlanAction, PlanAction.plan_id == Plan.id)
            .where(Plan.case_worker_id == scope.staff_id, Plan.status == PlanStatus.OPEN,
                   PlanAction.done_on.is_(None), PlanAction.due_on < today)
            .group_by(Plan.registration_id).order_by("since", Plan.registration_id)
        ),
        "follow_up": (
            select(Recommendation.registration_id, func.min(Recommendation.follow_up_due).label("since"))
            .where(*county, Recommendation.result.in_(OPEN_RESULTS), Recommendation.follow_up_due <= today)
            .group_by(Recommendation.registration_id).order_by("since", Recommendation.registration_id)
        ),
        "first_late": (
            select(Registration.id, Registration.first_contact_due)
            .where(*standing, Registration.last_contact_on.is_(None), Registration.first_contact_due < today)
            .order_by(Registration.first_contact_due, Registration.id)
        ),
        "overdue": (
            select(Registration.id, Registration.last_contact_on)
            .where(*standing, Registration.last_contact_on < last_month)
            .order_by(Registration.last_contact_on, Registration.id)
        ),
        "first_due": (
            select(Registration.id, Registration.first_contact_due)
            .where(*standing, Registration.last_contact_on.is_(None), Registration.first_contact_due >= today)
            .order_by(Registration.first_contact_due, Registration.id)
        ),
        "long_unemployed": (
            select(Registration.id, Registration.decided_at)
            .where(*standing, Registration.decided_at < datetime.combine(a_year, time(), tzinfo=LOCAL_TZ),
                   ~tracking.certified())
            .order_by(Registration.decided_at, Registration.id)
        ),
        "due": (
            select(Registration.id, Registration.last_contact_on)
            .where(*standing, Registration.last_contact_on >= last_month, Registration.last_contact_on < this_month)
            .order_by(Registration.last_contact_on, Registration.id)
        ),
    }  # fmt: skip


def _day(value: Any, today: date) -> date:
    if isinstance(value, datetime):
        return value.astimezone(LOCAL_TZ).date()
    return value if isinstance(value, date) else today


async def _capped_count(session: AsyncSession, query: Any) -> int:
    return await session.scalar(select(func.count()).select_from(query.order_by(None).limit(COUNT_CAP).subquery())) or 0


async def worklist(session: AsyncSession, scope: Scope, *, shown: int = SHOWN, today: date | None = None) -> Worklist:
    """The people who need the case worker now, `shown` of them (the most pressing), each with all its reasons."""
    today = today or local_today()
    shown = min(max(shown, SHOWN), SHOWN_MAX)
    rows: dict[int, Row] = {}
    counts: dict[str, int] = {}
    more = False

    def add(reason: str, found: list[tuple[int, Any]]) -> None:
        for registration_id, since in found:
            rows.setdefault(registration_id, Row(registration_id)).reasons.append(Reason(reason, _day(since, today)))

    sources: dict[str, Callable[[], Awaitable[list[tuple[int, Any]]]]] = {}
    queries = _sources(scope, today)
    for reason, query in queries.items():

        async def read(query: Any = query) -> list[tuple[int, Any]]:
            return [(registration_id, since) for registration_id, since in (await session.execute(query.limit(shown)))]

        sources[reason] = read

    async def behind() -> list[tuple[int, Any]]:
        return list(await service_minimum.behind_first(session, scope, today, shown))

    sources["behind_minimum"] = behind
    for reason in REASON_LABELS:
        found = await sources[reason]()
        add(reason, found)
        if reason == "behind_minimum":
            counts[reason] = (
                len(found)
                if len(found) < shown
                else len(await service_minimum.behind_first(session, scope, today, COUNT_CAP))
            )
        else:
            counts[reason] = len(found) if len(found) < shown else await _capped_count(session, queries[reason])
        more = more or counts[reason] > shown
    chosen = sorted(rows.values(), key=lambda row: row.rank)[:shown]
    await _describe(session, chosen, scope)
    for row in chosen:
        row.reasons.sort(key=lambda r: RANK[r.code])
    await audit.record(session, scope.actor, "worklist.view", "worklist", scope.area_code or "city",
                       {"shown": len(chosen)})  # fmt: skip
    return Worklist(chosen, counts, shown, more)


async def _describe(session: AsyncSession, chosen: list[Row], scope: Scope) -> None:
    """Each chosen row's number and name, and the case worker's plan for it, in two queries."""
    ids = [row.registration_id for row in chosen]
    if not ids:
        return
    found = await session.execute(
        select(Registration.id, Registration.number, Person.name)
        .join(Person, Person.id == Registration.person_id)
        .where(Registration.id.in_(ids))
    )
    named = {registration_id: (number, name) for registration_id, number, name in found.all()}
    held = await session.execute(
        select(Plan.registration_id, Plan.id).where(
            Plan.registration_id.in_(ids), Plan.case_worker_id == scope.staff_id, Plan.status == PlanStatus.OPEN
        )
    )
    plans = dict(held.all())
    for row in chosen:
        row.number, row.name = named.get(row.registration_id, ("", ""))
        row.plan_id = plans.get(row.registration_id)
