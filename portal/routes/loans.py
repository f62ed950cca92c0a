"""Business-start guarantee loans and entrepreneurship services: the resident applies and follows the application;
the agency's list of applications, an application's page with its next step, and the county's people who want to
start a business with a one-step form to record a service offered."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from litestar import Request, Response, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Template

from portal.routes._common import Account, Db, Deps, Staff, page, read_form, see_other
from portal.routes.errors import FormFailure, shows_form_again
from portal.services import fields, loans
from portal.services.fields import options

WORDS: dict[str, Any] = {
    "status_words": loans.STATUS_LABELS,
    "business_type_words": loans.BUSINESS_TYPE_LABELS,
    "business_type_choices": options(loans.BUSINESS_TYPE_LABELS),
    "yes_no_choices": options(loans.YES_NO),
    "move_words": {name: move.label for name, move in loans.MOVES.items()},
    "trace_words": loans.trace_words,
    "amount_max": loans.AMOUNT_MAX,
    "term_max": loans.TERM_MAX,
}


# ---- the resident ---------------------------------------------------------------------------------------------------


async def _apply_page(
    db: Db, services: Deps, account: Account, *, status_code: int = 200, values: dict[str, Any] | None = None,
    errors: dict[str, object] | None = None,
) -> Template:  # fmt: skip
    shown = await loans.apply_page(db, services.cipher, services.social_insurance, account.id)
    return page("loans/mine.html", status_code, account=account, shown=shown, values=values or {},
                errors=errors or {}, **WORDS)  # fmt: skip


@get("/account/loans", name="my_loans")
async def my_loans(db: Db, services: Deps, account: Account) -> Template:
    return await _apply_page(db, services, account)


async def _apply_again(failure: FormFailure, db: Db, services: Deps, account: Account, **_: Any) -> Template:
    return await _apply_page(db, services, account, status_code=failure.status_code, values=failure.values,
                             errors=failure.errors)  # fmt: skip


@post("/account/loans")
@shows_form_again(_apply_again)
async def apply(request: Request[Any, Any, Any], db: Db, services: Deps, account: Account) -> Response[Any]:
    form = await read_form(request, loans.LoanForm)
    applied = await loans.apply(db, services.cipher, services.social_insurance, account.id, form)
    return see_other(f"/account/loans/{applied.number}", **({} if applied.already else {"done": "1"}))


@get("/account/loans/{number:str}", name="my_loan")
async def my_loan(db: Db, account: Account, number: FromPath[str], done: FromQuery[str] = "") -> Template:
    view = await loans.one_of_account(db, account.id, number[:20])
    return page("loans/application.html", account=account, view=view, done=bool(done), **WORDS)


# ---- the agency -----------------------------------------------------------------------------------------------------


@get("/loans", name="staff_loans")
async def loan_list(db: Db, staff: Staff, show: FromQuery[str] = "open", page_number: FromQuery[int] = 1) -> Template:
    result = await loans.queue(db, staff, show=show, page=page_number)
    return page("loans/list.html", scope=staff, result=result, pg=result, base_query=urlencode({"show": result.show}),
                show_words=loans.SHOW_LABELS, **WORDS)  # fmt: skip


async def _case_page(
    db: Db, staff: Staff, number: str, *, status_code: int = 200, values: dict[str, Any] | None = None,
    errors: dict[str, object] | None = None, conflict: bool = False, done: str = "",
) -> Template:  # fmt: skip
    view = await loans.case_of(db, staff, number)
    move_choices = [fields.Choice(name, loans.MOVES[name].label) for name in view.moves]
    return page("loans/staff_case.html", status_code, scope=staff, view=view, values=values or {},
                errors=errors or {}, conflict=conflict, done=done, move_choices=move_choices, **WORDS)  # fmt: skip


@get("/loans/{number:str}", name="staff_loan")
async def staff_loan(db: Db, staff: Staff, number: FromPath[str], done: FromQuery[str] = "") -> Template:
    return await _case_page(db, staff, number, done=done[:20])


async def _step_again(failure: FormFailure, db: Db, staff: Staff, number: str, **_: Any) -> Template:
    return await _case_page(db, staff, number, status_code=failure.status_code, values=failure.values,
                            errors=failure.errors, conflict=failure.conflict is not None)  # fmt: skip


@post("/loans/{number:str}/step")
@shows_form_again(_step_again)
async def take_step(
    request: Request[Any, Any, Any], db: Db, services: Deps, staff: Staff, number: FromPath[str]
) -> Response[Any]:
    form = await read_form(request, loans.StepForm)
    application = await loans.take_step(db, services.sms, staff, number, form)
    return see_other(f"/staff/loans/{application.number}", done="step")


# ---- entrepreneurship services --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OfferForm:
    service: str = ""
    channel: str = ""
    result: str = ""
    note: str = ""
    page_number: str = ""


OFFER_WORDS: dict[str, Any] = {
    "service_choices": options(loans.SERVICE_LABELS),
    "service_words": loans.SERVICE_LABELS,
    "channel_choices": options(loans.CHANNEL_LABELS),
    "result_choices": options(loans.RESULT_LABELS),
}


async def _people_page(
    db: Db, staff: Staff, page_number: int = 1, *, status_code: int = 200, failed: str = "", done: str = "",
    service: str = "", values: dict[str, Any] | None = None, errors: dict[str, object] | None = None,
) -> Template:  # fmt: skip
    result = await loans.entrepreneurs(db, staff, page=page_number)
    return page(
        "loans/entrepreneurs.html", status_code, scope=staff, result=result, pg=result, base_query="", failed=failed,
        done=done, service=service, values=values or {}, errors=errors or {}, **OFFER_WORDS, **WORDS,
    )  # fmt: skip


@get("/entrepreneurs", name="staff_entrepreneurs")
async def entrepreneur_list(
    db: Db, staff: Staff, page_number: FromQuery[int] = 1, done: FromQuery[str] = "", service: FromQuery[str] = ""
) -> Template:
    return await _people_page(db, staff, page_number, done=done[:20],
                              service=service if service in loans.SERVICES else "")  # fmt: skip


async def _offer_again(failure: FormFailure, db: Db, staff: Staff, number: str, **_: Any) -> Template:
    page_number = fields.db_int(str(failure.values.get("page_number", ""))) or 1
    return await _people_page(db, staff, page_number, status_code=failure.status_code, failed=number[:20],
                              values=failure.values, errors=failure.errors)  # fmt: skip


@post("/entrepreneurs/{number:str}")
@shows_form_again(_offer_again)
async def offer(request: Request[Any, Any, Any], db: Db, staff: Staff, number: FromPath[str]) -> Response[Any]:
    form = await read_form(request, OfferForm)
    service = await loans.offer(db, staff, number, service=form.service, channel=form.channel, result=form.result,
                                note=form.note)  # fmt: skip
    return see_other("/staff/entrepreneurs", page_number=str(fields.db_int(form.page_number) or 1),
                     done=number[:20], service=service)  # fmt: skip


STAFF_HANDLERS = [loan_list, staff_loan, take_step, entrepreneur_list, offer]
RESIDENT_HANDLERS = [my_loans, apply, my_loan]
