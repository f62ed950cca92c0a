"""Certification of employment difficulty: the resident applies and asks for a re-check; the county's reviewers
decide (a re-check by someone else); the city keeps the list of categories."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar import Request, Response, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Template

from portal.clock import local_today
from portal.routes._common import Account, Db, Deps, Staff, page, read_form, see_other
from portal.routes.errors import FormFailure, shows_form_again
from portal.services import areas, certifications, fields
from portal.services.fields import Choice, options

WORDS: dict[str, Any] = {
    "status_words": certifications.STATUS_LABELS,
    "evidence_choices": options(certifications.EVIDENCE_LABELS),
    "outcomes": options(certifications.OUTCOME_LABELS),
    "decision_days": certifications.DECISION_WORKING_DAYS,
    "recheck_days": certifications.RECHECK_DAYS,
}


# ---- the resident -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ApplyForm:
    category: str = ""
    evidence: str = ""
    evidence_text: str = ""
    commitment_name: str = ""


@dataclass(frozen=True)
class RecheckForm:
    reason: str = ""


async def _mine_page(
    db: Db, account: Account, *, status_code: int = 200, values: dict[str, Any] | None = None,
    errors: dict[str, object] | None = None, done: str = "", failed: str = "",
) -> Template:  # fmt: skip
    mine = await certifications.of_account(db, account.id)
    choices = [Choice(c.code, c.name) for c in await certifications.categories(db)]
    return page("certifications/mine.html", status_code, account=account, mine=mine, categories=choices,
                today=local_today(), values=values or {}, errors=errors or {}, done=done, failed=failed,
                **WORDS)  # fmt: skip


@get("/account/certification", name="my_certification")
async def mine(db: Db, account: Account, done: FromQuery[str] = "") -> Template:
    return await _mine_page(db, account, done=done[:20])


async def _apply_again(failure: FormFailure, db: Db, account: Account, **_: Any) -> Template:
    return await _mine_page(db, account, status_code=failure.status_code, values=failure.values,
                            errors=failure.errors, failed="apply")  # fmt: skip


@post("/account/certification")
@shows_form_again(_apply_again)
async def apply(request: Request[Any, Any, Any], db: Db, account: Account) -> Response[Any]:
    form = await read_form(request, ApplyForm)
    applied = await certifications.apply(db, account.id, category=form.category, evidence=form.evidence,
                                         evidence_text=form.evidence_text,
                                         commitment_name=form.commitment_name)  # fmt: skip
    return see_other("/account/certification", done="already" if applied.already else "applied")


async def _recheck_again(failure: FormFailure, db: Db, account: Account, **_: Any) -> Template:
    return await _mine_page(db, account, status_code=failure.status_code, values=failure.values,
                            errors=failure.errors, failed="recheck")  # fmt: skip


@post("/account/certification/{number:str}/recheck")
@shows_form_again(_recheck_again)
async def ask_recheck(
    request: Request[Any, Any, Any], db: Db, account: Account, number: FromPath[str]
) -> Response[Any]:
    form = await read_form(request, RecheckForm)
    await certifications.ask_recheck(db, account.id, number[:21], form.reason)
    return see_other("/account/certification", done="recheck")


RESIDENT_HANDLERS = [mine, apply, ask_recheck]


# ---- the county's reviewers ---------------------------------------------------------------------------------------


@get("/certifications", name="staff_certifications")
async def queue(db: Db, staff: Staff, page_number: FromQuery[int] = 1) -> Template:
    found = await certifications.queue(db, staff, page=page_number)
    return page("certifications/queue.html", scope=staff, found=found,
                reviews_due=await certifications.due_for_review(db, staff, local_today()), **WORDS)  # fmt: skip


async def _case_page(
    db: Db, staff: Staff, number: str, *, status_code: int = 200, values: dict[str, Any] | None = None,
    errors: dict[str, object] | None = None, done: str = "", conflict: bool = False,
) -> Template:  # fmt: skip
    case = await certifications.case_of(db, staff, number[:21])
    return page("certifications/case.html", status_code, scope=staff, case=case, area_names=await areas.names(db),
                values=values or {}, errors=errors or {}, done=done, conflict=conflict, **WORDS)  # fmt: skip


@get("/certifications/{number:str}", name="staff_certification")
async def case(db: Db, staff: Staff, number: FromPath[str], done: FromQuery[str] = "") -> Template:
    return await _case_page(db, staff, number, done=done[:20])


@dataclass(frozen=True)
class DecideForm:
    outcome: str = ""
    reasons: str = ""
    version: str = ""


async def _decide_again(failure: FormFailure, db: Db, staff: Staff, number: str, **_: Any) -> Template:
    return await _case_page(db, staff, number, status_code=failure.status_code, values=failure.values,
                            errors=failure.errors, conflict=failure.conflict is not None)  # fmt: skip


@post("/certifications/{number:str}")
@shows_form_again(_decide_again)
async def decide(
    request: Request[Any, Any, Any], db: Db, services: Deps, staff: Staff, number: FromPath[str]
) -> Response[Any]:
    form = await read_form(request, DecideForm)
    await certifications.decide(db, services.sms, staff, number[:21], version=fields.db_int(form.version) or 0,
                                outcome=form.outcome, reasons=form.reasons)  # fmt: skip
    return see_other(f"/staff/certifications/{number[:21]}", done="decided")


STAFF_HANDLERS = [queue, case, decide]


# ---- the city's list of categories ---------------------------------------------------------------------------------


async def _categories_page(
    db: Db, staff: Staff, *, status_code: int = 200, values: dict[str, Any] | None = None,
    errors: dict[str, object] | None = None, failed: str = "", done: str = "",
) -> Template:  # fmt: skip
    return page("certifications/categories.html", status_code, scope=staff,
                categories=await certifications.categories(db, active_only=False), values=values or {},
                errors=errors or {}, failed=failed, done=done)  # fmt: skip


@get("/difficulty-categories", name="staff_difficulty_categories")
async def categories(db: Db, staff: Staff, done: FromQuery[str] = "") -> Template:
    return await _categories_page(db, staff, done=done[:20])


@dataclass(frozen=True)
class CategoryForm:
    name_zh: str = ""
    name_en: str = ""
    active: str = ""


async def _category_again(failure: FormFailure, db: Db, staff: Staff, code: str = "new", **_: Any) -> Template:
    return await _categories_page(db, staff, status_code=failure.status_code, values=failure.values,
                                  errors=failure.errors, failed=code[:20])  # fmt: skip


@post("/difficulty-categories/{code:str}")
@shows_form_again(_category_again)
async def edit_category(request: Request[Any, Any, Any], db: Db, staff: Staff, code: FromPath[str]) -> Response[Any]:
    form = await read_form(request, CategoryForm)
    await certifications.edit_category(db, staff, code[:20], name_zh=form.name_zh, name_en=form.name_en,
                                       active=form.active == "yes")  # fmt: skip
    return see_other("/staff/difficulty-categories", done=code[:20])


@dataclass(frozen=True)
class NewCategoryForm:
    code: str = ""
    name_zh: str = ""
    name_en: str = ""


@post("/difficulty-categories")
@shows_form_again(_category_again)
async def add_category(request: Request[Any, Any, Any], db: Db, staff: Staff) -> Response[Any]:
    form = await read_form(request, NewCategoryForm)
    await certifications.add_category(db, staff, code=form.code, name_zh=form.name_zh, name_en=form.name_en)
    return see_other("/staff/difficulty-categories", done="added")


ADMIN_HANDLERS = [categories, edit_category, add_category]
