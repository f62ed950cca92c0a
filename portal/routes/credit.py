"""Credit cases: the person reads the facts, states their side and sees the decision, listing and recovery; the
county's staff open cases, decide them, record repayments and repair listings; city staff export the listings."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar import Request, Response, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Template

from portal.routes._common import Account, Db, Deps, Staff, page, read_form, see_other
from portal.routes.errors import FormFailure, shows_form_again
from portal.services import areas, credit, fields
from portal.services.errors import NotAllowed
from portal.services.fields import options

SOURCES = options(credit.SOURCE_LABELS, leave_out=("objection",))
WORDS: dict[str, Any] = {
    "source_words": credit.SOURCE_LABELS,
    "status_words": credit.STATUS_LABELS,
    "end_words": credit.END_LABELS,
    "appeal": credit.APPEAL,
}


# ---- the person ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StatementForm:
    number: str = ""
    statement: str = ""


async def _mine_page(db: Db, account: Account, *, status_code: int = 200, values: dict[str, Any] | None = None,
                     errors: dict[str, object] | None = None, done: str = "") -> Template:  # fmt: skip
    return page("credit/mine.html", status_code, account=account, mine=await credit.of_account(db, account.id),
                values=values or {}, errors=errors or {}, done=done, **WORDS)  # fmt: skip


@get("/account/credit", name="my_credit")
async def mine(db: Db, account: Account, done: FromQuery[str] = "") -> Template:
    return await _mine_page(db, account, done=done)


async def _statement_again(failure: FormFailure, db: Db, account: Account, **_: Any) -> Template:
    return await _mine_page(db, account, status_code=failure.status_code, values=failure.values,
                            errors=failure.errors)  # fmt: skip


@post("/account/credit")
@shows_form_again(_statement_again)
async def state_side(request: Request[Any, Any, Any], db: Db, account: Account) -> Response[Any]:
    form = await read_form(request, StatementForm)
    await credit.state_side(db, account.id, form.number, form.statement)
    return see_other("/account/credit", done="stated")


# ---- the county's staff -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OpenForm:
    registration_number: str = ""
    source: str = ""
    facts: str = ""


async def _list_page(
    db: Db, staff: Staff, page_number: int = 1, *, status_code: int = 200, values: dict[str, Any] | None = None,
    errors: dict[str, object] | None = None,
) -> Template:  # fmt: skip
    return page("credit/staff_list.html", status_code, scope=staff,
                found=await credit.staff_list(db, staff, page=page_number), sources=SOURCES,
                area_names=await areas.names(db), values=values or {}, errors=errors or {},
                **WORDS)  # fmt: skip


@get("/credit", name="staff_credit")
async def staff_list(db: Db, staff: Staff, page_number: FromQuery[int] = 1) -> Template:
    return await _list_page(db, staff, page_number)


async def _open_again(failure: FormFailure, db: Db, staff: Staff, **_: Any) -> Template:
    return await _list_page(db, staff, status_code=failure.status_code, values=failure.values, errors=failure.errors)


@post("/credit")
@shows_form_again(_open_again)
async def open_case(request: Request[Any, Any, Any], db: Db, services: Deps, staff: Staff) -> Response[Any]:
    form = await read_form(request, OpenForm)
    case = await credit.open_by_staff(db, services.sms, staff, registration_number=form.registration_number,
                                      source=form.source, facts=form.facts,
                                      statement_days=services.settings.credit_statement_days)  # fmt: skip
    return see_other(f"/staff/credit/{case.number}", done="opened")


async def _case_page(
    db: Db, staff: Staff, number: str, *, status_code: int = 200, values: dict[str, Any] | None = None,
    errors: dict[str, object] | None = None, done: str = "", conflict: bool = False,
) -> Template:  # fmt: skip
    shown = await credit.staff_case(db, staff, number)
    return page("credit/staff_case.html", status_code, scope=staff, shown=shown, case=shown.case,
                area_names=await areas.names(db), values=values or {}, errors=errors or {}, done=done,
                conflict=conflict, **WORDS)  # fmt: skip


@get("/credit/{number:str}", name="staff_credit_case")
async def staff_case(db: Db, staff: Staff, number: FromPath[str], done: FromQuery[str] = "") -> Template:
    return await _case_page(db, staff, number, done=done)


async def _act_again(failure: FormFailure, db: Db, staff: Staff, number: str, **_: Any) -> Template:
    return await _case_page(db, staff, number, status_code=failure.status_code, values=failure.values,
                            errors=failure.errors, conflict=failure.conflict is not None)  # fmt: skip


@dataclass(frozen=True)
class DecideForm:
    version: str = ""
    stop: str = ""
    recover: str = ""
    list_until: str = ""
    reasons: str = ""


@dataclass(frozen=True)
class RepaymentForm:
    amount: str = ""
    paid_on: str = ""


@dataclass(frozen=True)
class RepairForm:
    note: str = ""


@post("/credit/{number:str}/decide")
@shows_form_again(_act_again)
async def decide(request: Request[Any, Any, Any], db: Db, services: Deps, staff: Staff,
                 number: FromPath[str]) -> Response[Any]:  # fmt: skip
    form = await read_form(request, DecideForm)
    version = fields.db_int(form.version) or 0
    await credit.decide(db, services.sms, staff, number, version, credit.CreditDecision(
        stop=form.stop == "yes", recover=form.recover, list_until=form.list_until, reasons=form.reasons))  # fmt: skip
    return see_other(f"/staff/credit/{number}", done="decided")


@post("/credit/{number:str}/repayments")
@shows_form_again(_act_again)
async def repayment(request: Request[Any, Any, Any], db: Db, staff: Staff, number: FromPath[str]) -> Response[Any]:
    form = await read_form(request, RepaymentForm)
    await credit.record_repayment(db, staff, number, form.amount, form.paid_on)
    return see_other(f"/staff/credit/{number}", done="repaid")


@post("/credit/{number:str}/repair")
@shows_form_again(_act_again)
async def repair(request: Request[Any, Any, Any], db: Db, services: Deps, staff: Staff,
                 number: FromPath[str]) -> Response[Any]:  # fmt: skip
    form = await read_form(request, RepairForm)
    await credit.repair(db, services.sms, staff, number, form.note)
    return see_other(f"/staff/credit/{number}", done="repaired")


@get("/credit-export", name="staff_credit_export")
async def export(db: Db, services: Deps, staff: Staff, since: FromQuery[str] = "",
                 as_json: FromQuery[str] = "") -> Response[Any]:  # fmt: skip
    """The listings for the credit-information sharing platform: city staff only."""
    if not staff.is_city:
        raise NotAllowed()
    day = fields.parse_date(since)
    if day is None:
        return page("credit/export.html", scope=staff, since=since, errors={"since": credit.SINCE_REQUIRED}
                    if since else {})  # fmt: skip
    fmt = "json" if as_json == "yes" else "csv"
    result = await credit.export(db, services.cipher, staff.actor, day, fmt)
    name = f"credit-listings-{day:%Y%m%d}.{fmt}"
    return Response(result.content, media_type="text/csv; charset=utf-8" if fmt == "csv" else "application/json",
                    headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store",
                             "X-Checksum-SHA256": result.sha256})  # fmt: skip


RESIDENT_HANDLERS = [mine, state_side]
STAFF_HANDLERS = [staff_list, open_case, staff_case, decide, repayment, repair, export]
