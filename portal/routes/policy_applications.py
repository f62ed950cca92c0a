"""Policy applications: the resident applies from a policy's page and follows the application; the registration
agency's reviewers decide from their queue."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar import Request, Response, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from portal import i18n
from portal.i18n import _l
from portal.routes._common import Account, Db, Deps, Staff, form_dict, page, read_form, see_other
from portal.routes.errors import FormFailure, shows_form_again
from portal.services import commitments, decisions, policy_applications
from portal.services.fields import Choice, options

YES_NO = options(policy_applications.YES_NO)
OUTCOMES = options(policy_applications.OUTCOMES)
REASONS = options(policy_applications.REJECTION_REASONS)
COMMITMENT_OUTCOMES = options(decisions.COMMITMENT_OUTCOMES)
NONE_MISSING = Choice(policy_applications.NONE_MISSING, _l("None: I can show all the proof"))
AGREE = [Choice("yes", _l("I make this commitment"))]


# ---- the resident ----------------------------------------------------------------------------------------------


async def _apply_page(
    db: Db, services: Deps, account: Account, code: str, *, status_code: int = 200,
    values: dict[str, Any] | None = None, errors: dict[str, object] | None = None,
) -> Template:  # fmt: skip
    shown = await policy_applications.apply_page(db, services.cipher, services.social_insurance, account.id, code)
    return page(
        "policy_applications/apply.html", status_code, account=account, form=shown, yes_no=YES_NO,
        commitment_text=commitments.text("policy", i18n.current_locale.get()), values=values or {},
        errors=errors or {}, paper_choices=[*options(shown.papers), NONE_MISSING], agree_choices=AGREE,
    )  # fmt: skip


@get("/policies/{code:str}/apply", name="policy_apply")
async def apply_form(db: Db, services: Deps, account: Account, code: FromPath[str]) -> Template | Redirect:
    if code in policy_applications.APPLIED_ELSEWHERE:
        return Redirect(policy_applications.APPLIED_ELSEWHERE[code])
    return await _apply_page(db, services, account, code)


async def _apply_again(failure: FormFailure, db: Db, services: Deps, account: Account, code: str, **_: Any) -> Template:
    return await _apply_page(
        db, services, account, code, status_code=failure.status_code, values=failure.values, errors=failure.errors
    )


@post("/policies/{code:str}/apply")
@shows_form_again(_apply_again)
async def apply(
    request: Request[Any, Any, Any], db: Db, services: Deps, account: Account, code: FromPath[str]
) -> Response[Any]:
    if code in policy_applications.APPLIED_ELSEWHERE:
        return see_other(policy_applications.APPLIED_ELSEWHERE[code])
    form = await form_dict(request, multi=["missing_papers"])
    applied = await policy_applications.apply(
        db, services.cipher, services.social_insurance, account.id, code, form, i18n.current_locale.get()
    )
    return see_other(f"/account/policy-applications/{applied.number}", **({} if applied.already else {"done": "1"}))


@get("/account/policy-applications/{number:str}", name="my_policy_application")
async def my_application(db: Db, account: Account, number: FromPath[str], done: FromQuery[str] = "") -> Template:
    row = await policy_applications.one_of_account(db, account.id, number)
    return page(
        "policy_applications/application.html", account=account, row=row, done=bool(done),
        status_labels=policy_applications.STATUS_LABELS, reasons=policy_applications.REJECTION_REASONS,
    )  # fmt: skip


# ---- the agency ---------------------------------------------------------------------------------------------------


@get("/policy-applications", name="staff_policy_applications")
async def staff_queue(db: Db, staff: Staff, page_number: FromQuery[int] = 1) -> Template:
    result = await policy_applications.queue(db, staff, page=page_number)
    return page(
        "policy_applications/staff_queue.html", scope=staff, result=result,
        status_labels=policy_applications.STATUS_LABELS,
    )  # fmt: skip


@dataclass(frozen=True)
class DecisionForm:
    version: str = ""
    outcome: str = ""
    amount: str = ""
    period_from: str = ""
    period_to: str = ""
    reason: str = ""
    note: str = ""
    commitment: str = ""


async def _case_page(
    db: Db, services: Deps, staff: Staff, number: str, *, status_code: int = 200, values: dict[str, Any] | None = None,
    errors: dict[str, object] | None = None, conflict: bool = False, done: str = "",
) -> Template:  # fmt: skip
    case = await policy_applications.case_of(db, services.cipher, services.social_insurance, staff, number)
    return page(
        "policy_applications/staff_case.html", status_code, scope=staff, case=case, values=values or {},
        errors=errors or {}, conflict=conflict, done=done, outcomes=OUTCOMES, reasons=REASONS,
        commitment_outcomes=COMMITMENT_OUTCOMES, status_labels=policy_applications.STATUS_LABELS,
        reason_labels=policy_applications.REJECTION_REASONS, yes_no=policy_applications.YES_NO,
    )  # fmt: skip


@get("/policy-applications/{number:str}", name="staff_policy_application")
async def staff_case(
    db: Db, services: Deps, staff: Staff, number: FromPath[str], done: FromQuery[str] = ""
) -> Template:
    return await _case_page(db, services, staff, number, done=done)


async def _decide_again(failure: FormFailure, db: Db, services: Deps, staff: Staff, number: str, **_: Any) -> Template:
    return await _case_page(
        db, services, staff, number, status_code=failure.status_code, values=failure.values, errors=failure.errors,
        conflict=failure.conflict is not None,
    )  # fmt: skip


@post("/policy-applications/{number:str}/decide")
@shows_form_again(_decide_again)
async def decide(
    request: Request[Any, Any, Any], db: Db, services: Deps, staff: Staff, number: FromPath[str]
) -> Response[Any]:
    form = await read_form(request, DecisionForm)
    version = int(form.version) if form.version.isdigit() and len(form.version) < 10 else -1
    await policy_applications.decide(
        db, services.sms, staff, number, version,
        policy_applications.Decision(
            outcome=form.outcome, amount=form.amount, period_from=form.period_from, period_to=form.period_to,
            reason=form.reason, note=form.note, commitment=form.commitment,
        ),
    )  # fmt: skip
    return see_other(f"/staff/policy-applications/{number}", done="decided")


RESIDENT_HANDLERS = [apply_form, apply, my_application]
STAFF_HANDLERS = [staff_queue, staff_case, decide]
