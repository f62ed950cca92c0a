"""Vacancies (§3.2 (1)): staff enter, import, edit and close them, see the county's people matched to each, and
recommend; the follow-ups due; the resident's recommended vacancies and their answer. With htmx the row acted
on is replaced in place; without, the form posts and the page comes back."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from litestar import Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.params import FromPath, FromQuery
from litestar.plugins.htmx import HTMXRequest
from litestar.response import Template

from portal.clock import local_today
from portal.input_guard import BadInput
from portal.routes._common import Account, Db, Deps, Staff, page, read_form, see_other
from portal.routes.errors import FormFailure, shows_form_again
from portal.services import areas, fields, vacancies
from portal.services.errors import NotAllowed
from portal.services.fields import options

WORDS: dict[str, Any] = {
    "show_words": vacancies.SHOW_LABELS,
    "status_words": vacancies.STATUS_LABELS,
    "result_words": vacancies.RESULT_LABELS,
    "follow_up_choices": options(vacancies.FOLLOW_UP_LABELS),
    "follow_up_show_words": vacancies.FOLLOW_UP_SHOW_LABELS,
    "interest_words": vacancies.INTEREST_LABELS,
    "interest_choices": options(vacancies.INTEREST_LABELS),
    "reason_words": vacancies.reason_words,
    "limits": {
        "employer": vacancies.EMPLOYER_MAX, "post": vacancies.POST_MAX, "requirements": vacancies.REQUIREMENTS_MAX,
        "skills": vacancies.SKILLS_MAX,
    },
}  # fmt: skip


@dataclass(frozen=True)
class EditForm(vacancies.VacancyForm):
    version: str = ""


@dataclass(frozen=True)
class RecommendForm:
    number: str = ""
    page_number: str = ""


@dataclass(frozen=True)
class FollowUpForm:
    result: str = ""
    note: str = ""
    show: str = ""
    page_number: str = ""


@dataclass(frozen=True)
class InterestForm:
    interest: str = ""


def _form_of(form: vacancies.VacancyForm) -> vacancies.VacancyForm:
    return vacancies.VacancyForm(**{f.name: getattr(form, f.name) for f in dataclasses.fields(vacancies.VacancyForm)})


# ---- the list, a new vacancy, an edit ------------------------------------------------------------------------------


@get("/vacancies", name="staff_vacancies")
async def vacancy_list(
    db: Db, staff: Staff, show: FromQuery[str] = "open", page_number: FromQuery[int] = 1, imported: FromQuery[str] = ""
) -> Template:
    result = await vacancies.listing(db, staff, show=show, page=page_number)
    return page(
        "vacancies/list.html", scope=staff, result=result, may_edit=vacancies.may_edit(staff),
        area_names=await areas.names(db), imported=fields.db_int(imported) or 0,
        base_query=urlencode({"show": result.show}), **WORDS,
    )  # fmt: skip


async def _form_page(
    db: Db, staff: Staff, *, vacancy: Any = None, status_code: int = 200, values: dict[str, Any] | None = None,
    errors: dict[str, object] | None = None, conflict: bool = False,
) -> Template:  # fmt: skip
    if not vacancies.may_edit(staff):
        raise NotAllowed()
    return page(
        "vacancies/form.html", status_code, scope=staff, vacancy=vacancy, values=values or {}, errors=errors or {},
        counties=[fields.Choice(code, name) for code, name in (await areas.names(db)).items()], conflict=conflict,
        **WORDS,
    )  # fmt: skip


@get("/vacancies/new", name="staff_vacancy_new")
async def new_vacancy(db: Db, staff: Staff) -> Template:
    return await _form_page(db, staff)


async def _new_again(failure: FormFailure, db: Db, staff: Staff, **_: Any) -> Template:
    return await _form_page(db, staff, status_code=failure.status_code, values=failure.values, errors=failure.errors)


@post("/vacancies", name="staff_vacancy_create")
@shows_form_again(_new_again)
async def create_vacancy(request: Request[Any, Any, Any], db: Db, staff: Staff) -> Response[Any]:
    form = await read_form(request, vacancies.VacancyForm)
    vacancy = await vacancies.create(db, staff, form)
    return see_other(f"/staff/vacancies/{vacancy.id}", done="created")


@get("/vacancies/{vacancy_id:int}/edit", name="staff_vacancy_edit")
async def edit_vacancy_page(db: Db, staff: Staff, vacancy_id: FromPath[int]) -> Template:
    return await _form_page(db, staff, vacancy=await vacancies.get(db, staff, vacancy_id))


async def _edit_again(failure: FormFailure, db: Db, staff: Staff, vacancy_id: int, **_: Any) -> Template:
    vacancy = await vacancies.get(db, staff, vacancy_id)
    if failure.conflict is not None:  # saved by someone else meanwhile: the form shows what is saved now
        return await _form_page(db, staff, vacancy=vacancy, status_code=409, conflict=True)
    return await _form_page(db, staff, vacancy=vacancy, status_code=failure.status_code, values=failure.values,
                            errors=failure.errors)  # fmt: skip


@post("/vacancies/{vacancy_id:int}/edit", name="staff_vacancy_save")
@shows_form_again(_edit_again)
async def edit_vacancy(
    request: Request[Any, Any, Any], db: Db, staff: Staff, vacancy_id: FromPath[int]
) -> Response[Any]:
    form = await read_form(request, EditForm)
    await vacancies.edit(db, staff, vacancy_id, _form_of(form), form.version)
    return see_other(f"/staff/vacancies/{vacancy_id}", done="saved")


@post("/vacancies/{vacancy_id:int}/close", name="staff_vacancy_close")
async def close_vacancy(db: Db, staff: Staff, vacancy_id: FromPath[int]) -> Response[Any]:
    await vacancies.close(db, staff, vacancy_id)
    return see_other(f"/staff/vacancies/{vacancy_id}", done="closed")


# ---- one vacancy: the people it matches, and recommending ----------------------------------------------------------


async def _vacancy_page(
    db: Db, staff: Staff, vacancy_id: int, page_number: int = 1, *, done: str = "", status_code: int = 200
) -> Template:
    vacancy, found = await vacancies.matches(db, staff, vacancy_id, page=page_number)
    return page(
        "vacancies/vacancy.html", status_code, scope=staff, vacancy=vacancy, found=found, done=done,
        offered=vacancies.is_offered(vacancy, local_today()), may_edit=vacancies.may_edit(staff),
        area_names=await areas.names(db), base_query="", **WORDS,
    )  # fmt: skip


@get("/vacancies/{vacancy_id:int}", name="staff_vacancy")
async def vacancy_page(
    db: Db, staff: Staff, vacancy_id: FromPath[int], page_number: FromQuery[int] = 1, done: FromQuery[str] = ""
) -> Template:
    return await _vacancy_page(db, staff, vacancy_id, page_number, done=done[:20])


async def _recommend_again(failure: FormFailure, db: Db, staff: Staff, vacancy_id: int, **_: Any) -> Template:
    # The vacancy closed, or the person's registration changed, since the page was drawn: the page as it is now.
    return await _vacancy_page(db, staff, vacancy_id, done="changed", status_code=failure.status_code)


@post("/vacancies/{vacancy_id:int}/recommend", name="staff_vacancy_recommend")
@shows_form_again(_recommend_again)
async def recommend(
    request: HTMXRequest, db: Db, services: Deps, staff: Staff, vacancy_id: FromPath[int]
) -> Response[Any]:
    form = await read_form(request, RecommendForm)
    made = await vacancies.recommend(db, services.sms, staff, vacancy_id, form.number.strip()[:20])
    if request.htmx:  # the person's row, now saying it is recommended
        vacancy, found = await vacancies.matches(db, staff, vacancy_id, page=fields.db_int(form.page_number) or 1)
        row = next((r for r in found.rows if r.number == form.number.strip()), None)
        if row is not None:
            return page("vacancies/_match.html", scope=staff, vacancy=vacancy, row=row, offered=True,
                        area_names=await areas.names(db), just_made=made.created, **WORDS)  # fmt: skip
    return see_other(f"/staff/vacancies/{vacancy_id}", page_number=str(fields.db_int(form.page_number) or 1),
                     done="recommended")  # fmt: skip


# ---- the CSV import ----------------------------------------------------------------------------------------------


def _import_page(staff: Staff, *, status_code: int = 200, errors: dict[str, object] | None = None,
                 report: vacancies.ImportReport | None = None) -> Template:  # fmt: skip
    if not vacancies.may_edit(staff):
        raise NotAllowed()
    return page("vacancies/import.html", status_code, scope=staff, errors=errors or {}, values={}, report=report,
                columns=vacancies.CSV_COLUMNS, **WORDS)  # fmt: skip


@get("/vacancies/import", name="staff_vacancy_import_form")
async def import_form(staff: Staff) -> Template:
    return _import_page(staff)


async def _import_again(failure: FormFailure, staff: Staff, **_: Any) -> Template:
    return _import_page(staff, status_code=failure.status_code, errors=failure.errors)


# A 1 MB file in a multipart body, with room for the form's other fields; anything bigger is refused (413) before
# it is read.
@post("/vacancies/import", name="staff_vacancy_import", request_max_body_size=vacancies.IMPORT_MAX_BYTES + 64_000)
@shows_form_again(_import_again)
async def import_vacancies(request: Request[Any, Any, Any], db: Db, staff: Staff) -> Response[Any]:
    if not vacancies.may_edit(staff):
        raise NotAllowed()
    form = await request.form()
    upload = form.get("file")
    data = None
    if isinstance(upload, UploadFile) and upload.filename:
        data = await upload.read(vacancies.IMPORT_MAX_BYTES + 1)
    elif isinstance(upload, str) and "\x00" in upload:
        raise BadInput()
    report = await vacancies.import_csv(db, staff, data)
    if report.problems:  # nothing imported: each wrong line, to put right in the file
        return _import_page(staff, report=report)
    return see_other("/staff/vacancies", imported=str(report.imported))


# ---- follow-ups -------------------------------------------------------------------------------------------------


async def _follow_ups_page(
    db: Db, staff: Staff, show: str = "due", page_number: int = 1, vacancy: int | None = None, *,
    status_code: int = 200, failed: int | None = None, values: dict[str, Any] | None = None,
    errors: dict[str, object] | None = None, done: str = "", conflict: bool = False,
) -> Template:  # fmt: skip
    result = await vacancies.follow_ups(db, staff, show=show, page=page_number, vacancy_id=vacancy)
    query = {"show": result.show} | ({"vacancy": str(vacancy)} if vacancy is not None else {})
    return page(
        "vacancies/follow_ups.html", status_code, scope=staff, result=result, failed=failed, values=values or {},
        errors=errors or {}, done=done, conflict=conflict, today=local_today(),
        area_names=await areas.names(db), base_query=urlencode(query), **WORDS,
    )  # fmt: skip


@get("/follow-ups", name="staff_follow_ups")
async def follow_ups(
    db: Db, staff: Staff, show: FromQuery[str] = "due", page_number: FromQuery[int] = 1,
    vacancy: FromQuery[int | None] = None, done: FromQuery[str] = "",
) -> Template:  # fmt: skip
    return await _follow_ups_page(db, staff, show, page_number, vacancy, done=done[:20])


async def _follow_up_again(failure: FormFailure, request: HTMXRequest, db: Db, staff: Staff, recommendation_id: int,
                           **_: Any) -> Template:  # fmt: skip
    conflict = failure.conflict is not None
    if request.htmx:
        row = await vacancies.follow_up_row(db, staff, recommendation_id)
        return page("vacancies/_follow_up.html", failure.status_code, scope=staff, row=row, failed=recommendation_id,
                    values=failure.values, errors=failure.errors, conflict=conflict, today=local_today(),
                    **WORDS)  # fmt: skip
    values = failure.values
    return await _follow_ups_page(
        db, staff, str(values.get("show", "due")), fields.db_int(str(values.get("page_number", ""))) or 1,
        status_code=failure.status_code, failed=recommendation_id, values=values, errors=failure.errors,
        conflict=conflict,
    )  # fmt: skip


@post("/recommendations/{recommendation_id:int}/follow-up", name="staff_follow_up")
@shows_form_again(_follow_up_again)
async def record_follow_up(
    request: HTMXRequest, db: Db, staff: Staff, recommendation_id: FromPath[int]
) -> Response[Any]:
    form = await read_form(request, FollowUpForm)
    followed = await vacancies.record_follow_up(db, staff, recommendation_id, result=form.result, note=form.note)
    if request.htmx:
        row = await vacancies.follow_up_row(db, staff, recommendation_id)
        return page("vacancies/_follow_up.html", scope=staff, row=row, failed=None, values={}, errors={},
                    followed=followed, conflict=False, today=local_today(), **WORDS)  # fmt: skip
    show = form.show if form.show in vacancies.FOLLOW_UP_SHOW_LABELS else "due"
    done = "proposed" if followed.proposed else "recorded"
    return see_other("/staff/follow-ups", show=show, page_number=str(fields.db_int(form.page_number) or 1), done=done)


# ---- the resident ------------------------------------------------------------------------------------------------


@get("/account/vacancies", name="resident_vacancies")
async def resident_vacancies(
    db: Db, account: Account, page_number: FromQuery[int] = 1, done: FromQuery[str] = ""
) -> Template:
    result = await vacancies.of_account(db, account.id, page=page_number)
    return page("vacancies/resident.html", account=account, result=result, area_names=await areas.names(db),
                done=done == "1", errors={}, base_query="", **WORDS)  # fmt: skip


async def _interest_again(failure: FormFailure, request: HTMXRequest, db: Db, account: Account,
                          recommendation_id: int, **_: Any) -> Template:  # fmt: skip
    row = await vacancies.resident_row(db, account.id, recommendation_id)
    if request.htmx:
        return page("vacancies/_recommendation.html", failure.status_code, account=account, row=row,
                    area_names=await areas.names(db), errors=failure.errors, **WORDS)  # fmt: skip
    result = await vacancies.of_account(db, account.id)
    return page("vacancies/resident.html", failure.status_code, account=account, result=result,
                area_names=await areas.names(db), done=False, errors=failure.errors, base_query="",
                **WORDS)  # fmt: skip


@post("/account/vacancies/{recommendation_id:int}/interest", name="resident_vacancy_interest")
@shows_form_again(_interest_again)
async def answer_interest(
    request: HTMXRequest, db: Db, account: Account, recommendation_id: FromPath[int]
) -> Response[Any]:
    form = await read_form(request, InterestForm)
    row = await vacancies.answer_interest(db, account.id, recommendation_id, form.interest)
    if request.htmx:
        return page("vacancies/_recommendation.html", account=account, row=row, area_names=await areas.names(db),
                    errors={}, answered=True, **WORDS)  # fmt: skip
    return see_other("/account/vacancies", done="1")


STAFF_HANDLERS = [
    vacancy_list, new_vacancy, create_vacancy, edit_vacancy_page, edit_vacancy, close_vacancy, vacancy_page,
    recommend, import_form, import_vacancies, follow_ups, record_follow_up,
]  # fmt: skip
RESIDENT_HANDLERS = [resident_vacancies, answer_interest]
