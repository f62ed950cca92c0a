"""Training programmes: the county's list, a programme's page (tell the people who want training, record
completion), the form to add or change one; and the resident's open programmes, where they enrol."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import fields as dataclass_fields
from typing import Any

from litestar import Request, Response, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Template

from portal.routes._common import Account, Db, Deps, Staff, page, read_form, see_other
from portal.routes.errors import FormFailure, shows_form_again
from portal.services import areas, fields, training
from portal.services.errors import NotAllowed
from portal.services.fields import options

WORDS: dict[str, Any] = {
    "subsidy_words": training.SUBSIDY_POLICIES,
    "subsidy_choices": options(training.SUBSIDY_POLICIES),
    "enrolment_words": training.ENROLMENT_LABELS,
    "completion_choices": options(training.COMPLETION_LABELS),
}


# ---- staff ----------------------------------------------------------------------------------------------------------


@get("/training", name="staff_training")
async def programme_list(db: Db, staff: Staff, page_number: FromQuery[int] = 1) -> Template:
    result = await training.programmes(db, staff, page=page_number)
    return page("training/list.html", scope=staff, result=result, base_query="", **WORDS)


async def _form_page(
    db: Db, staff: Staff, programme: Any = None, *, status_code: int = 200, values: dict[str, Any] | None = None,
    errors: dict[str, object] | None = None, conflict: bool = False,
) -> Template:  # fmt: skip
    counties = [fields.Choice(a.code, a.name) for a in await areas.list_areas(db)]
    if values is None and programme is not None:
        values = {f.name: str(getattr(programme, f.name, "") or "") for f in dataclass_fields(training.ProgrammeForm)}
        values |= {"county": programme.county_code, "version": str(programme.version)}
    return page(
        "training/form.html", status_code, scope=staff, programme=programme, values=values or {}, errors=errors or {},
        counties=counties, conflict=conflict, **WORDS,
    )  # fmt: skip


@get("/training/new", name="staff_training_new")
async def new_form(db: Db, staff: Staff) -> Template:
    if not (staff.is_admin or staff.can_act):
        raise NotAllowed()
    return await _form_page(db, staff)


async def _create_again(failure: FormFailure, db: Db, staff: Staff, **_: Any) -> Template:
    return await _form_page(db, staff, status_code=failure.status_code, values=failure.values, errors=failure.errors)


@post("/training/new")
@shows_form_again(_create_again)
async def create(request: Request[Any, Any, Any], db: Db, staff: Staff) -> Response[Any]:
    form = await read_form(request, training.ProgrammeForm)
    programme = await training.create(db, staff, form)
    return see_other(f"/staff/training/{programme.id}", done="saved")


async def _view(
    db: Db, staff: Staff, programme_id: str, page_number: int = 1, *, status_code: int = 200, done: str = "",
    told: int | None = None, values: dict[str, Any] | None = None, errors: dict[str, object] | None = None,
    conflict: bool = False,
) -> Template:  # fmt: skip
    view = await training.programme_view(db, staff, programme_id, page=page_number)
    return page(
        "training/programme.html", status_code, scope=staff, view=view, done=done, told=told, values=values or {},
        errors=errors or {}, conflict=conflict, pg=view, base_query="", **WORDS,
    )  # fmt: skip


@get("/training/{programme_id:str}", name="staff_training_programme")
async def programme_page(
    db: Db, staff: Staff, programme_id: FromPath[str], page_number: FromQuery[int] = 1, done: FromQuery[str] = "",
    told: FromQuery[str] = "",
) -> Template:  # fmt: skip
    shown = fields.db_int(told) if told else None
    return await _view(db, staff, programme_id, page_number, done=done[:20], told=shown)


async def _edit_page(
    db: Db, staff: Staff, programme_id: str, *, status_code: int = 200, values: dict[str, Any] | None = None,
    errors: dict[str, object] | None = None, conflict: bool = False,
) -> Template:  # fmt: skip
    programme = await training.find(db, staff, programme_id)
    if not training.may_manage(staff, programme.county_code):
        raise NotAllowed()
    return await _form_page(db, staff, programme, status_code=status_code, values=values, errors=errors,
                            conflict=conflict)  # fmt: skip


@get("/training/{programme_id:str}/edit", name="staff_training_edit")
async def edit_form(db: Db, staff: Staff, programme_id: FromPath[str]) -> Template:
    return await _edit_page(db, staff, programme_id)


async def _edit_again(failure: FormFailure, db: Db, staff: Staff, programme_id: str, **_: Any) -> Template:
    if failure.conflict is not None:  # the programme as it is now, with a word on why
        return await _edit_page(db, staff, programme_id, status_code=409, conflict=True)
    return await _edit_page(db, staff, programme_id, status_code=failure.status_code, values=failure.values,
                            errors=failure.errors)  # fmt: skip


@dataclass(frozen=True)
class EditForm(training.ProgrammeForm):
    version: str = ""


@post("/training/{programme_id:str}/edit")
@shows_form_again(_edit_again)
async def edit(request: Request[Any, Any, Any], db: Db, staff: Staff, programme_id: FromPath[str]) -> Response[Any]:
    form = await read_form(request, EditForm)
    version = fields.db_int(form.version) or 0
    programme_form = training.ProgrammeForm(**{f.name: getattr(form, f.name)
                                               for f in dataclass_fields(training.ProgrammeForm)})  # fmt: skip
    programme = await training.edit(db, staff, programme_id, version, programme_form)
    return see_other(f"/staff/training/{programme.id}", done="saved")


async def _programme_again(failure: FormFailure, db: Db, staff: Staff, programme_id: str, **_: Any) -> Template:
    return await _view(db, staff, programme_id, status_code=failure.status_code, values=failure.values,
                       errors=failure.errors, conflict=failure.conflict is not None)  # fmt: skip


@post("/training/{programme_id:str}/tell")
@shows_form_again(_programme_again)
async def tell(db: Db, services: Deps, staff: Staff, programme_id: FromPath[str]) -> Response[Any]:
    told = await training.tell(db, services.sms, staff, programme_id)
    return see_other(f"/staff/training/{programme_id[:20]}", told=str(told.told))


@dataclass(frozen=True)
class CompletionForm:
    outcome: str = ""


@post("/training/{programme_id:str}/enrolments/{enrolment_id:str}")
@shows_form_again(_programme_again)
async def complete(
    request: Request[Any, Any, Any], db: Db, staff: Staff, programme_id: FromPath[str], enrolment_id: FromPath[str]
) -> Response[Any]:
    form = await read_form(request, CompletionForm)
    await training.record_completion(db, staff, programme_id, enrolment_id, form.outcome)
    return see_other(f"/staff/training/{programme_id[:20]}", done="completion")


# ---- the resident ---------------------------------------------------------------------------------------------------


async def _resident_page(
    db: Db, account: Account, page_number: int = 1, *, status_code: int = 200, done: str = "",
    errors: dict[str, object] | None = None,
) -> Template:  # fmt: skip
    shown = await training.for_resident(db, account.id, page=page_number)
    return page("training/mine.html", status_code, account=account, shown=shown, pg=shown, base_query="", done=done,
                errors=errors or {}, **WORDS)  # fmt: skip


@get("/account/training", name="my_training")
async def my_training(db: Db, account: Account, page_number: FromQuery[int] = 1, done: FromQuery[str] = "") -> Template:
    return await _resident_page(db, account, page_number, done=done[:20])


async def _enrol_again(failure: FormFailure, db: Db, account: Account, **_: Any) -> Template:
    return await _resident_page(db, account, status_code=failure.status_code, errors=failure.errors)


@post("/account/training/{programme_id:str}/enrol")
@shows_form_again(_enrol_again)
async def enrol(db: Db, account: Account, programme_id: FromPath[str]) -> Response[Any]:
    enrolled = await training.enrol(db, account.id, programme_id)
    return see_other("/account/training", done="already" if enrolled.already else "enrolled")


STAFF_HANDLERS = [programme_list, new_form, create, programme_page, edit_form, edit, tell, complete]
RESIDENT_HANDLERS = [my_training, enrol]
