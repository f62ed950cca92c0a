"""One-person-one-plan: the case workers' list and each plan's page (goals, actions, reviews, hand-over, closing);
marking an action done replaces the actions with htmx, or posts and comes back without it. The person's own plan
on their account."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar import Request, Response, get, post
from litestar.params import FromPath, FromQuery
from litestar.plugins.htmx import HTMXRequest
from litestar.response import Template

from portal.routes._common import Account, Db, Staff, page, read_form, see_other
from portal.routes.errors import FormFailure, shows_form_again
from portal.services import fields, plans
from portal.services import registration as registrations
from portal.services.fields import options

WORDS: dict[str, Any] = {
    "show_words": plans.SHOW_LABELS,
    "outcomes": options(plans.OUTCOME_LABELS),
    "outcome_words": plans.OUTCOME_LABELS,
}


@get("/plans", name="staff_plans")
async def plan_list(db: Db, staff: Staff, show: FromQuery[str] = "mine", page_number: FromQuery[int] = 1) -> Template:
    found = await plans.plan_list(db, staff, show=show[:10], page=page_number)
    return page("plans/list.html", scope=staff, found=found, base_query=f"show={found.show}", **WORDS)


async def _plan_page(
    db: Db, staff: Staff, plan_id: str, *, status_code: int = 200, values: dict[str, Any] | None = None,
    errors: dict[str, object] | None = None, failed: str = "", done: str = "", conflict: bool = False,
) -> Template:  # fmt: skip
    plan = await plans.plan_of(db, staff, fields.record_id(plan_id))
    return page("plans/plan.html", status_code, scope=staff, plan=plan, values=values or {}, errors=errors or {},
                failed=failed, done=done, conflict=conflict, **WORDS)  # fmt: skip


@get("/plans/{plan_id:str}", name="staff_plan")
async def plan_page(db: Db, staff: Staff, plan_id: FromPath[str], done: FromQuery[str] = "") -> Template:
    return await _plan_page(db, staff, plan_id, done=done[:20])


def _again(form_name: str) -> Any:
    async def render(failure: FormFailure, db: Db, staff: Staff, plan_id: str, **_: Any) -> Template:
        return await _plan_page(db, staff, plan_id, status_code=failure.status_code, values=failure.values,
                                errors=failure.errors, failed=form_name,
                                conflict=failure.conflict is not None)  # fmt: skip

    return render


@dataclass(frozen=True)
class GoalsForm:
    goals: str = ""
    version: str = ""


@post("/plans/{plan_id:str}/goals")
@shows_form_again(_again("goals"))
async def set_goals(request: Request[Any, Any, Any], db: Db, staff: Staff, plan_id: FromPath[str]) -> Response[Any]:
    form = await read_form(request, GoalsForm)
    await plans.set_goals(
        db, staff, fields.record_id(plan_id), goals=form.goals, version=fields.db_int(form.version) or 0
    )
    return see_other(f"/staff/plans/{fields.record_id(plan_id)}", done="goals")


@dataclass(frozen=True)
class ActionForm:
    text: str = ""
    due_on: str = ""


@post("/plans/{plan_id:str}/actions")
@shows_form_again(_again("action"))
async def add_action(request: Request[Any, Any, Any], db: Db, staff: Staff, plan_id: FromPath[str]) -> Response[Any]:
    form = await read_form(request, ActionForm)
    await plans.add_action(db, staff, fields.record_id(plan_id), text=form.text, due_on=form.due_on)
    return see_other(f"/staff/plans/{fields.record_id(plan_id)}", done="action")


@post("/plans/{plan_id:str}/actions/{action_id:str}/done")
async def complete_action(
    request: HTMXRequest, db: Db, staff: Staff, plan_id: FromPath[str], action_id: FromPath[str]
) -> Response[Any] | Template:
    await plans.complete_action(db, staff, fields.record_id(plan_id), fields.record_id(action_id))
    if request.htmx:  # the actions alone, as the page includes them
        return page("plans/_actions.html", scope=staff, plan=await plans.plan_of(db, staff, fields.record_id(plan_id)),
                    values={}, errors={}, failed="", **WORDS)  # fmt: skip
    return see_other(f"/staff/plans/{fields.record_id(plan_id)}", done="done")


@dataclass(frozen=True)
class ReviewForm:
    note: str = ""


@post("/plans/{plan_id:str}/reviews")
@shows_form_again(_again("review"))
async def add_review(request: Request[Any, Any, Any], db: Db, staff: Staff, plan_id: FromPath[str]) -> Response[Any]:
    form = await read_form(request, ReviewForm)
    await plans.add_review(db, staff, fields.record_id(plan_id), note=form.note)
    return see_other(f"/staff/plans/{fields.record_id(plan_id)}", done="review")


@dataclass(frozen=True)
class CaseWorkerForm:
    case_worker: str = ""
    version: str = ""


@post("/plans/{plan_id:str}/case-worker")
@shows_form_again(_again("case_worker"))
async def reassign(request: Request[Any, Any, Any], db: Db, staff: Staff, plan_id: FromPath[str]) -> Response[Any]:
    form = await read_form(request, CaseWorkerForm)
    await plans.reassign(db, staff, fields.record_id(plan_id), case_worker=form.case_worker,
                         version=fields.db_int(form.version) or 0)  # fmt: skip
    return see_other(f"/staff/plans/{fields.record_id(plan_id)}", done="case_worker")


@dataclass(frozen=True)
class CloseForm:
    outcome: str = ""
    outcome_note: str = ""
    version: str = ""


@post("/plans/{plan_id:str}/close")
@shows_form_again(_again("close"))
async def close(request: Request[Any, Any, Any], db: Db, staff: Staff, plan_id: FromPath[str]) -> Response[Any]:
    form = await read_form(request, CloseForm)
    await plans.close(db, staff, fields.record_id(plan_id), outcome=form.outcome, note=form.outcome_note,
                      version=fields.db_int(form.version) or 0)  # fmt: skip
    return see_other(f"/staff/plans/{fields.record_id(plan_id)}", done="closed")


STAFF_HANDLERS = [plan_list, plan_page, set_goals, add_action, complete_action, add_review, reassign, close]


@get("/account/plan", name="my_plan")
async def my_plan(db: Db, account: Account) -> Template:
    registration = await registrations.latest_of(db, account.id)
    plan = await plans.of_person(db, registration.person_id) if registration else None
    return page("plans/mine.html", account=account, plan=plan, **WORDS)


RESIDENT_HANDLERS = [my_plan]
