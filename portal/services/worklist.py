"""The outreach worklist (服务找人, §4): for a case worker, the registered people of their county who need them now,
ordered by need, each row saying why: overdue actions in the plans they hold, recommendations whose follow-up is
due, first contacts late, a month without contact, first contacts coming due, falling behind the 12333 minimum, a
year or more unemployed without certification, and this month's contact still to make.

A person is listed once, under their most pressing reason: the list is the reasons one after another, each holding
the people it is the most pressing reason of, in the order it became due. Each is a keyset stretch read along its
index, so any page, the last one too, costs a page of index reads; all of a row's reasons are then read for the page
in one query. Counts stop at COUNT_CAP, so a county of 100,000 people costs the same as one of 1,000."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, func, select
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
    ServiceMinimumCount,
)
from portal.rules import difficulty
from portal.rules.policies import months_before
from portal.services import audit, keyset, service_minimum, tracking
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


@dataclass(frozen=True)
class Worklist:
    rows: list[Row]
    counts: dict[str, int]  # per reason, at most COUNT_CAP
    shown: int  # rows a page
    page: keyset.Page
    count_cap: int = COUNT_CAP


class _Reasons:
    """Each reason as a condition on a registration (correlated), with the day it became due; and the stretches."""

    def __init__(self, scope: Scope, today: date) -> None:
        self.scope = scope
        self.today = today
        # member()'s conditions, with the column each was built on (kept, so that its id is not reused).
        self._members: dict[tuple[str, int, bool], tuple[Any, ColumnElement[bool]]] = {}
        this_month = today.replace(day=1)
        last_month = (this_month - timedelta(days=1)).replace(day=1)
        a_year = months_before(today, difficulty.LONG_UNEMPLOYED_MONTHS) + timedelta(days=1)
        self.standing: list[ColumnElement[bool]] = [Registration.status == RegistrationStatus.REGISTERED]
        if not scope.is_city:
            self.standing.append(Registration.county_code == scope.area_code)
        never = Registration.last_contact_on.is_(None)
        contact, due, decided = Registration.last_contact_on, Registration.first_contact_due, Registration.decided_at
        long_ago = and_(decided.is_not(None), decided < datetime.combine(a_year, time(), tzinfo=LOCAL_TZ))
        # Unemployed a year or more and not certified, for the later stretches' "not this reason" (see
        # tracking.certified_by_row).
        self.long_unemployed_by_row = and_(long_ago, ~tracking.certified_by_row())
        # The reasons of a standing registration: (condition, since, the sort key's column). Each condition is true
        # or false, never NULL (a NULL column is tested first), as the later stretches exclude them with NOT.
        self.own: dict[str, tuple[ColumnElement[bool], Any]] = {
            "first_late": (and_(never, due.is_not(None), due < today), due),
            "overdue": (and_(contact.is_not(None), contact < last_month), contact),
            "first_due": (and_(never, due.is_not(None), due >= today), due),
            "behind_minimum": (and_(decided.is_not(None), service_minimum._behind(scope, today)), decided),
            "long_unemployed": (and_(long_ago, tracking.not_certified()), decided),
            "due": (and_(contact.is_not(None), contact >= last_month, contact < this_month), contact),
        }  # fmt: skip

    def _plan_actions(self, registration_id: Any) -> Any:
        """The case worker's own open plans' overdue actions, of a registration."""
        return (
            select(func.min(PlanAction.due_on))
            .join(Plan, Plan.id == PlanAction.plan_id)
            .where(Plan.registration_id == registration_id, Plan.case_worker_id == self.scope.staff_id,
                   Plan.status == PlanStatus.OPEN, PlanAction.done_on.is_(None), PlanAction.due_on < self.today)
        )  # fmt: skip

    def _follow_ups(self, registration_id: Any) -> Any:
        county = [] if self.scope.is_city else [Recommendation.county_code == self.scope.area_code]
        return select(func.min(Recommendation.follow_up_due)).where(
            Recommendation.registration_id == registration_id, *county, Recommendation.result.in_(OPEN_RESULTS),
            Recommendation.follow_up_due <= self.today,
        )  # fmt: skip

    def member(self, reason: str, registration_id: Any, *, by_row: bool = False) -> ColumnElement[bool]:
        """The registration has the reason (for the plan's and follow-up's, any registration id expression; for the
        others, a query on Registration outer-joined to the 12333 counts). `by_row`: for a condition negated or
        inside a CASE, read a row at a time. Built once per request and column: each stretch excludes every earlier
        reason, and building those conditions again for each was a third of the page's time."""
        key = (reason, id(registration_id), by_row)
        if key not in self._members:
            self._members[key] = (registration_id, self._member(reason, registration_id, by_row))
        return self._members[key][1]

    def _member(self, reason: str, registration_id: Any, by_row: bool) -> ColumnElement[bool]:
        if reason == "long_unemployed" and by_row:
            return and_(*self.standing, self.long_unemployed_by_row)
        if reason == "plan_overdue":
            plans: Select[Any] = self._plan_actions(registration_id).with_only_columns(PlanAction.id)
            return plans.exists()
        if reason == "follow_up":
            follow_ups: Select[Any] = self._follow_ups(registration_id).with_only_columns(Recommendation.id)
            return follow_ups.exists()
        return and_(*self.standing, self.own[reason][0])

    def stretches(self) -> list[keyset.Segment]:
        """One stretch per reason, in rank order, each holding the people it is the most pressing reason of."""
        found: list[keyset.Segment] = []
        for n, reason in enumerate(REASON_LABELS):
            earlier = list(REASON_LABELS)[:n]
            if reason in ("plan_overdue", "follow_up"):
                source = self._plan_source if reason == "plan_overdue" else self._follow_up_source
                query = select(source.c.id).where(*(~self.member(code, source.c.id, by_row=True) for code in earlier))
                found.append(keyset.Segment(query, (source.c.since, source.c.id)))
                continue
            condition, since = self.own[reason]
            query = (
                _with_counts(select(Registration.id))
                .where(*self.standing, condition)
                .where(*(~self.member(code, Registration.id, by_row=True) for code in earlier))
            )
            found.append(keyset.Segment(query, (since, Registration.id)))
        return found

    @functools.cached_property
    def _plan_source(self) -> Any:
        return (
            select(Plan.registration_id.label("id"), func.min(PlanAction.due_on).label("since"))
            .join(PlanAction, PlanAction.plan_id == Plan.id)
            .where(Plan.case_worker_id == self.scope.staff_id, Plan.status == PlanStatus.OPEN,
                   PlanAction.done_on.is_(None), PlanAction.due_on < self.today)
            .group_by(Plan.registration_id)
            .subquery("plan_overdue")
        )  # fmt: skip

    @functools.cached_property
    def _follow_up_source(self) -> Any:
        county = [] if self.scope.is_city else [Recommendation.county_code == self.scope.area_code]
        return (
            select(Recommendation.registration_id.label("id"), func.min(Recommendation.follow_up_due).label("since"))
            .where(*county, Recommendation.result.in_(OPEN_RESULTS), Recommendation.follow_up_due <= self.today)
            .group_by(Recommendation.registration_id)
            .subquery("follow_up")
        )

    def counted(self, reason: str) -> Any:
        """The reason's people, for a count (all of them, not only those it is the most pressing reason of)."""
        if reason == "plan_overdue":
            return select(self._plan_source.c.id)
        if reason == "follow_up":
            return select(self._follow_up_source.c.id)
        return _with_counts(select(Registration.id)).where(self.member(reason, Registration.id))

    def since_of(self, ids: list[int]) -> Any:
        """The registrations `ids` with their number, name and the case worker's open plan, and every reason, in one
        query: for each reason, since when (NULL: not one)."""
        plan = (
            select(Plan.id)
            .where(Plan.registration_id == Registration.id, Plan.case_worker_id == self.scope.staff_id,
                   Plan.status == PlanStatus.OPEN)
            .limit(1)
            .scalar_subquery()
        )  # fmt: skip
        columns = [
            self._plan_actions(Registration.id).scalar_subquery(),
            self._follow_ups(Registration.id).scalar_subquery(),
            *(case((self.member(reason, Registration.id, by_row=True), self.own[reason][1])) for reason in self.own),
        ]
        return (
            _with_counts(select(Registration.id, Registration.number, Person.name, plan, *columns))
            .join(Person, Person.id == Registration.person_id)
            .where(Registration.id.in_(ids))
        )


def _with_counts(query: Any) -> Any:
    counts = ServiceMinimumCount.__table__
    return query.outerjoin(counts, counts.c.registration_id == Registration.id)


def _day(value: Any, today: date) -> date:
    if isinstance(value, datetime):
        return value.astimezone(LOCAL_TZ).date()
    return value if isinstance(value, date) else today


async def worklist(
    session: AsyncSession, scope: Scope, *, shown: int = SHOWN, at: keyset.At = keyset.START,
    today: date | None = None,
) -> Worklist:  # fmt: skip
    """A page of the people who need the case worker now (`shown` of them, the most pressing first), each with all
    its reasons; and how many people each reason has."""
    today = today or local_today()
    shown = min(max(shown, SHOWN), SHOWN_MAX)
    reasons = _Reasons(scope, today)
    # Every reason's count in one statement (each a scalar subquery the database plans on its own): seven round
    # trips were a fifth of the page's time at city scale.
    codes = list(REASON_LABELS)
    counted = (
        await session.execute(
            select(*(keyset.capped_count(reasons.counted(code), COUNT_CAP).scalar_subquery() for code in codes))
        )
    ).one()
    counts = dict(zip(codes, (int(n or 0) for n in counted), strict=True))
    found = await keyset.read(session, keyset.Listing("worklist", reasons.stretches()), at, shown)
    chosen = [Row(registration_id) for (registration_id,) in found.rows]
    await _describe(session, chosen, reasons)
    await audit.record(session, scope.actor, "worklist.view", "worklist", scope.area_code or "city",
                       {"shown": len(chosen), "page": found.mode.value})  # fmt: skip
    return Worklist(chosen, counts, shown, found)


async def _describe(session: AsyncSession, chosen: list[Row], reasons: _Reasons) -> None:
    """Each chosen row's reasons, number and name, and the case worker's plan for it, in one query."""
    ids = [row.registration_id for row in chosen]
    if not ids:
        return
    codes = ["plan_overdue", "follow_up", *reasons.own]  # the reason columns of since_of
    found = {row[0]: row[1:] for row in (await session.execute(reasons.since_of(ids))).all()}
    for row in chosen:
        number, name, plan_id, *days = found.get(row.registration_id, ("", "", None, *([None] * len(codes))))
        row.number, row.name, row.plan_id = number, name, plan_id
        row.reasons = sorted(
            (Reason(code, _day(day, reasons.today)) for code, day in zip(codes, days, strict=True) if day is not None),
            key=lambda r: RANK[r.code],
        )
