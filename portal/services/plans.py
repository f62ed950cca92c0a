"""One-person-one-plan (一人一案, §3.1.2): a plan opens when a person is certified with employment difficulty, with
the deciding reviewer as its first named case worker (一对一, reassignable in the county); the case worker agrees
goals and actions with due dates with the person, reviews the plan, and closes it with an outcome. The person sees
their plan and their case worker's agency; overdue actions show in the case worker's list."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, cast

from sqlalchemy import ColumnElement, CursorResult, and_, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from portal.clock import local_today
from portal.i18n import _l, localised
from portal.models import (
    Person,
    Plan,
    PlanAction,
    PlanOutcome,
    PlanReview,
    PlanStatus,
    Registration,
    ServiceArea,
    StaffRole,
    StaffUser,
)
from portal.services import audit, fields, paging
from portal.services.errors import Conflict, InputError, NotAllowed, NotFound
from portal.services.staff import Scope

PAGE_SIZE = 25
ACTION_MAX = 500
NOTE_MAX = fields.NOTE_MAX
ACTIONS_SHOWN = 100
REVIEWS_SHOWN = 50

SHOW_LABELS: dict[str, object] = {
    "mine": _l("My plans"),
    "overdue": _l("With overdue actions"),
    "county": _l("All open plans"),
    "closed": _l("Closed plans"),
}
OUTCOME_LABELS: dict[str, object] = {
    PlanOutcome.EMPLOYED: _l("Employed"),
    PlanOutcome.PUBLIC_WELFARE_POST: _l("Placed in a public-welfare post"),
    PlanOutcome.OTHER: _l("Other (say what)"),
}
ACTION_REQUIRED = _l("Describe the action agreed")
DUE_INVALID = _l("Enter the day it is due: a real date, today or later, like 2026-12-20")
REVIEW_REQUIRED = _l("Write what the review found")
OUTCOME_REQUIRED = _l("Select how the plan ended")
OUTCOME_NOTE_REQUIRED = _l("Say what the other outcome was")
CASE_WORKER_INVALID = _l("Select a clerk or reviewer of the county")


# ---- opening (from the certification) ---------------------------------------------------------------------------


async def open_for(
    session: AsyncSession, certification_id: int, registration_id: int, person_id: int, county_code: str,
    case_worker_id: int, today: date,
) -> bool:  # fmt: skip
    """Open the person's plan with its first case worker; once per certification (its unique key decides a repeat,
    which opens nothing). Whether a plan was opened."""
    try:
        async with session.begin_nested():
            session.add(Plan(certification_id=certification_id, registration_id=registration_id, person_id=person_id,
                             county_code=county_code, case_worker_id=case_worker_id, status=PlanStatus.OPEN,
                             opened_on=today))  # fmt: skip
    except IntegrityError:
        return False
    return True


# ---- the lists -------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    id: int
    name: str
    registration_number: str
    case_worker: str
    status: PlanStatus
    open_actions: int
    overdue_actions: int
    next_due: date | None
    opened_on: date


@dataclass(frozen=True)
class PlanList:
    rows: list[Row]
    show: str
    page: int
    pages: int
    total: int


def _overdue(today: date) -> Any:
    return and_(PlanAction.done_on.is_(None), PlanAction.due_on < today)


async def plan_list(
    session: AsyncSession, scope: Scope, *, show: str = "mine", page: int = 1, today: date | None = None
) -> PlanList:
    """The case worker's own open plans (the default), the county's, those with overdue actions, or closed ones;
    counts of open and overdue actions by one grouped subquery, so a page is a fixed number of queries."""
    today = today or local_today()
    show = show if show in SHOW_LABELS else "mine"
    where: list[ColumnElement[bool]] = []
    if not scope.is_city:
        where.append(Plan.county_code == scope.area_code)
    where.append(Plan.status == (PlanStatus.CLOSED if show == "closed" else PlanStatus.OPEN))
    if show == "mine":
        where.append(Plan.case_worker_id == scope.staff_id)
    counts = (
        select(
            PlanAction.plan_id.label("plan_id"),
            func.count().filter(PlanAction.done_on.is_(None)).label("open_actions"),
            func.count().filter(_overdue(today)).label("overdue_actions"),
            func.min(PlanAction.due_on).filter(PlanAction.done_on.is_(None)).label("next_due"),
        )
        .group_by(PlanAction.plan_id)
        .subquery()
    )
    if show == "overdue":
        where.append(counts.c.overdue_actions > 0)
    base = (
        select(Plan, Person.name, Registration.number, StaffUser.full_name, counts.c.open_actions,
               counts.c.overdue_actions, counts.c.next_due)
        .join(Person, Person.id == Plan.person_id)
        .join(Registration, Registration.id == Plan.registration_id)
        .join(StaffUser, StaffUser.id == Plan.case_worker_id)
        .outerjoin(counts, counts.c.plan_id == Plan.id)
        .where(*where)
    )  # fmt: skip
    total = await session.scalar(select(func.count()).select_from(base.subquery())) or 0
    win = paging.window(total, page, PAGE_SIZE)
    rows = await session.execute(
        base.order_by(counts.c.overdue_actions.desc().nulls_last(), counts.c.next_due.asc().nulls_last(), Plan.id)
        .limit(win.limit).offset(win.offset)
    )  # fmt: skip
    return PlanList(
        [Row(plan.id, name, number, worker, plan.status, open_actions or 0, overdue or 0, next_due, plan.opened_on)
         for plan, name, number, worker, open_actions, overdue, next_due in rows.all()],
        show, win.page, win.pages, total,
    )  # fmt: skip


@dataclass(frozen=True)
class OverdueAction:
    plan_id: int
    registration_number: str
    name: str
    text: str
    due_on: date


async def overdue_actions(
    session: AsyncSession, case_worker_id: int, today: date, *, limit: int = 50
) -> list[OverdueAction]:
    """The case worker's overdue actions in their open plans, the oldest first (the outreach worklist)."""
    rows = await session.execute(
        select(PlanAction, Plan.id, Registration.number, Person.name)
        .join(Plan, Plan.id == PlanAction.plan_id)
        .join(Registration, Registration.id == Plan.registration_id)
        .join(Person, Person.id == Plan.person_id)
        .where(Plan.case_worker_id == case_worker_id, Plan.status == PlanStatus.OPEN, _overdue(today))
        .order_by(PlanAction.due_on, PlanAction.id)
        .limit(limit)
    )
    return [OverdueAction(plan_id, number, name, action.text, action.due_on)
            for action, plan_id, number, name in rows.all()]  # fmt: skip


# ---- one plan -------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Action:
    id: int
    text: str
    due_on: date
    done_on: date | None
    overdue: bool


@dataclass(frozen=True)
class Review:
    day: date
    note: str
    staff_name: str


@dataclass(frozen=True)
class Contact:
    """The case worker's agency, as the person sees it."""

    agency: str
    address: str
    phone: str
    hours: str


@dataclass(frozen=True)
class PlanView:
    id: int
    version: int
    status: PlanStatus
    name: str
    registration_number: str
    county_code: str
    case_worker_id: int
    case_worker: str
    goals: str
    opened_on: date
    closed_on: date | None
    outcome: PlanOutcome | None
    outcome_note: str
    actions: list[Action]
    reviews: list[Review]
    contact: Contact
    case_workers: list[fields.Choice]  # who the plan may be handed to (county staff only)

    @property
    def is_open(self) -> bool:
        return self.status is PlanStatus.OPEN


async def _find(session: AsyncSession, scope: Scope, plan_id: int) -> Plan:
    plan = await session.scalar(select(Plan).where(Plan.id == plan_id).execution_options(populate_existing=True))
    if plan is None or not scope.covers(plan.county_code):
        raise NotFound()
    return plan


async def _view(session: AsyncSession, plan: Plan, today: date, *, with_staff: bool) -> PlanView:
    name, number = (
        await session.execute(
            select(Person.name, Registration.number)
            .join(Registration, Registration.person_id == Person.id)
            .where(Registration.id == plan.registration_id)
        )
    ).one()
    worker = await session.get(StaffUser, plan.case_worker_id)
    area = await session.get(ServiceArea, plan.county_code)
    assert worker is not None
    assert area is not None
    actions = await session.scalars(
        select(PlanAction).where(PlanAction.plan_id == plan.id)
        .order_by(PlanAction.done_on.is_not(None), PlanAction.due_on, PlanAction.id).limit(ACTIONS_SHOWN)
    )  # fmt: skip
    reviews = await session.execute(
        select(PlanReview, StaffUser.full_name).join(StaffUser, StaffUser.id == PlanReview.staff_id)
        .where(PlanReview.plan_id == plan.id).order_by(PlanReview.day.desc(), PlanReview.id.desc()).limit(REVIEWS_SHOWN)
    )  # fmt: skip
    choices = await _case_worker_choices(session, plan.county_code) if with_staff else []
    return PlanView(
        plan.id, plan.version, plan.status, name, number, plan.county_code, plan.case_worker_id, worker.full_name,
        plan.goals, plan.opened_on, plan.closed_on, plan.outcome, plan.outcome_note,
        [Action(a.id, a.text, a.due_on, a.done_on, a.done_on is None and a.due_on < today) for a in actions],
        [Review(r.day, r.note, staff_name) for r, staff_name in reviews.all()],
        Contact(localised(area.agency_zh, area.agency_en), localised(area.address_zh, area.address_en), area.phone,
                localised(area.hours_zh, area.hours_en)),
        choices,
    )  # fmt: skip


async def _case_worker_choices(session: AsyncSession, county_code: str) -> list[fields.Choice]:
    rows = await session.execute(
        select(StaffUser.id, StaffUser.full_name)
        .where(StaffUser.area_code == county_code, StaffUser.role.in_((StaffRole.CLERK, StaffRole.REVIEWER)),
               StaffUser.active.is_(True))
        .order_by(StaffUser.full_name, StaffUser.id)
    )  # fmt: skip
    return [fields.Choice(str(staff_id), name) for staff_id, name in rows.all()]


async def plan_of(session: AsyncSession, scope: Scope, plan_id: int, today: date | None = None) -> PlanView:
    return await _view(session, await _find(session, scope, plan_id), today or local_today(), with_staff=True)


async def of_person(session: AsyncSession, person_id: int, today: date | None = None) -> PlanView | None:
    """The person's own plan (the open one, else the latest), for their account."""
    plan = await session.scalar(
        select(Plan).where(Plan.person_id == person_id)
        .order_by((Plan.status == PlanStatus.OPEN).desc(), Plan.opened_on.desc(), Plan.id.desc()).limit(1)
    )  # fmt: skip
    return None if plan is None else await _view(session, plan, today or local_today(), with_staff=False)


# ---- the case worker's actions ---------------------------------------------------------------------------------------


async def _acting_on_open(session: AsyncSession, scope: Scope, plan_id: int) -> Plan:
    plan = await _find(session, scope, plan_id)  # another county's is not found, whatever the role
    if not scope.can_act:
        raise NotAllowed()
    if plan.status is not PlanStatus.OPEN:
        raise Conflict()
    return plan


async def _bump(session: AsyncSession, plan: Plan, version: int, **values: Any) -> None:
    """Change the open plan from the version the page showed, or answer 409 (someone changed it meanwhile)."""
    moved = await session.execute(
        update(Plan)
        .where(Plan.id == plan.id, Plan.version == version, Plan.status == PlanStatus.OPEN)
        .values(version=Plan.version + 1, **values)
        .execution_options(synchronize_session=False)
    )
    if not cast(CursorResult[Any], moved).rowcount:
        raise Conflict()


async def set_goals(session: AsyncSession, scope: Scope, plan_id: int, *, goals: str, version: int) -> None:
    plan = await _acting_on_open(session, scope, plan_id)
    errors: dict[str, object] = {}
    fields.check_lengths(errors, {"goals": (goals.strip(), NOTE_MAX)})
    if errors:
        raise InputError(errors)
    await _bump(session, plan, version, goals=goals.strip())
    await audit.record(session, scope.actor, "plan.goals", "plan", plan_id, {"length": len(goals.strip())})


async def add_action(
    session: AsyncSession, scope: Scope, plan_id: int, *, text: str, due_on: str, today: date | None = None
) -> None:
    today = today or local_today()
    await _acting_on_open(session, scope, plan_id)
    errors: dict[str, object] = {}
    if not text.strip():
        errors["text"] = ACTION_REQUIRED
    fields.check_lengths(errors, {"text": (text.strip(), ACTION_MAX)})
    due = fields.parse_date(due_on)
    if due is None or due < today:
        errors["due_on"] = DUE_INVALID
    if errors:
        raise InputError(errors)
    assert due is not None
    action = PlanAction(plan_id=plan_id, text=text.strip(), due_on=due, staff_id=scope.staff_id)
    session.add(action)
    await session.flush()
    await audit.record(session, scope.actor, "plan.action_add", "plan", plan_id,
                       {"action": action.id, "due_on": due.isoformat()})  # fmt: skip


async def complete_action(
    session: AsyncSession, scope: Scope, plan_id: int, action_id: int, today: date | None = None
) -> None:
    """Done today; once (a second click finds it done and changes nothing)."""
    today = today or local_today()
    await _acting_on_open(session, scope, plan_id)
    moved = await session.execute(
        update(PlanAction)
        .where(PlanAction.id == action_id, PlanAction.plan_id == plan_id, PlanAction.done_on.is_(None))
        .values(done_on=today)
        .execution_options(synchronize_session=False)
    )
    if cast(CursorResult[Any], moved).rowcount:
        await audit.record(session, scope.actor, "plan.action_done", "plan", plan_id, {"action": action_id})
    elif await session.scalar(select(PlanAction.id).where(PlanAction.id == action_id,
                                                          PlanAction.plan_id == plan_id)) is None:  # fmt: skip
        raise NotFound()


async def add_review(
    session: AsyncSession, scope: Scope, plan_id: int, *, note: str, today: date | None = None
) -> None:
    await _acting_on_open(session, scope, plan_id)
    errors: dict[str, object] = {}
    if not note.strip():
        errors["note"] = REVIEW_REQUIRED
    fields.check_lengths(errors, {"note": (note.strip(), NOTE_MAX)})
    if errors:
        raise InputError(errors)
    session.add(PlanReview(plan_id=plan_id, day=today or local_today(), note=note.strip(), staff_id=scope.staff_id))
    await session.flush()
    await audit.record(session, scope.actor, "plan.review", "plan", plan_id)


async def reassign(session: AsyncSession, scope: Scope, plan_id: int, *, case_worker: str, version: int) -> None:
    """Hand the plan to another clerk or reviewer of the plan's county."""
    plan = await _acting_on_open(session, scope, plan_id)
    chosen = fields.db_int(case_worker)
    allowed = {int(c.value) for c in await _case_worker_choices(session, plan.county_code)}
    if chosen is None or chosen not in allowed:
        raise InputError({"case_worker": CASE_WORKER_INVALID})
    before = plan.case_worker_id
    await _bump(session, plan, version, case_worker_id=chosen)
    await audit.record(session, scope.actor, "plan.reassign", "plan", plan_id, {"from": before, "to": chosen})


async def close(
    session: AsyncSession, scope: Scope, plan_id: int, *, outcome: str, note: str, version: int,
    today: date | None = None,
) -> None:  # fmt: skip
    plan = await _acting_on_open(session, scope, plan_id)
    errors: dict[str, object] = {}
    if outcome not in OUTCOME_LABELS:
        errors["outcome"] = OUTCOME_REQUIRED
    elif outcome == PlanOutcome.OTHER and not note.strip():
        errors["outcome_note"] = OUTCOME_NOTE_REQUIRED
    fields.check_lengths(errors, {"outcome_note": (note.strip(), NOTE_MAX)})
    if errors:
        raise InputError(errors)
    await _bump(session, plan, version, status=PlanStatus.CLOSED, outcome=PlanOutcome(outcome),
                outcome_note=note.strip(), closed_on=today or local_today())  # fmt: skip
    await audit.record(session, scope.actor, "plan.close", "plan", plan_id, {"outcome": outcome})
