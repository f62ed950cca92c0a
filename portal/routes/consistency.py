"""The consistency check with the statistical report: staff enter or upload a month's report figures (a template
to download), and the portal shows every difference from its own, with the people behind its side and an
explanation for each."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar import Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.params import FromPath, FromQuery
from litestar.response import Template

from portal.clock import local_today
from portal.input_guard import BadInput
from portal.routes._common import Db, Staff, page, read_form, see_other
from portal.routes.errors import FormFailure, shows_form_again
from portal.services import areas, consistency, fields, statistics
from portal.services.errors import NotFound
from portal.services.fields import Choice


async def _list_page(
    db: Db, staff: Staff, *, status_code: int = 200, values: dict[str, Any] | None = None,
    errors: dict[str, object] | None = None, page_number: int = 1,
) -> Template:  # fmt: skip
    names = await areas.names(db)
    months = await statistics.months_taken(db)
    return page(
        "consistency/list.html", status_code, scope=staff, found=await consistency.checks(db, staff, page=page_number),
        areas=names, months=months, may_check=consistency.may_check(staff),
        area_choices=[Choice(statistics.CITY, statistics.CITY_LABEL), *(Choice(c, n) for c, n in names.items())],
        form_figures=[statistics.BY_KEY[key] for key in consistency.FORM_FIGURES],
        default_month=months[1] if len(months) > 1 else f"{local_today():%Y-%m}",
        values=values or {}, errors=errors or {},
    )  # fmt: skip


@get("/consistency", name="staff_consistency")
async def checks(db: Db, staff: Staff, page_number: FromQuery[int] = 1) -> Template:
    return await _list_page(db, staff, page_number=page_number)


async def _check_again(failure: FormFailure, db: Db, staff: Staff, **_: Any) -> Template:
    return await _list_page(db, staff, status_code=failure.status_code, values=failure.values, errors=failure.errors)


@post("/consistency", name="staff_consistency_check",
      request_max_body_size=consistency.UPLOAD_MAX_BYTES + 64_000)  # fmt: skip
@shows_form_again(_check_again)
async def check(request: Request[Any, Any, Any], db: Db, staff: Staff) -> Response[Any]:
    form = await request.form()
    typed: dict[str, str] = {}
    data, filename = None, ""
    for name in form:
        value = form.get(name)
        if isinstance(value, UploadFile):
            if value.filename:
                data, filename = await value.read(consistency.UPLOAD_MAX_BYTES + 1), value.filename[:200]
        elif isinstance(value, str):
            if "\x00" in value:
                raise BadInput()
            typed[name] = value[:40]
    made = await consistency.check(db, staff, month=typed.get("month", ""), area=typed.get("area", ""), form=typed,
                                   data=data, filename=filename)  # fmt: skip
    return see_other(f"/staff/consistency/{made}")


@get("/consistency/template/{fmt:str}", name="staff_consistency_template")
async def template(staff: Staff, fmt: FromPath[str]) -> Response[bytes]:
    if fmt not in ("csv", "xlsx"):
        raise NotFound()
    media = "text/csv; charset=utf-8" if fmt == "csv" else (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")  # fmt: skip
    disposition = f"attachment; filename=statistical-report-template.{fmt}"
    return Response(consistency.template(fmt), media_type=media, headers={"Content-Disposition": disposition})


async def _result_page(
    db: Db, staff: Staff, check_id: str, *, status_code: int = 200, values: dict[str, Any] | None = None,
    errors: dict[str, object] | None = None, failed: str = "", done: str = "",
) -> Template:  # fmt: skip
    found = await consistency.result(db, staff, fields.record_id(check_id))
    return page("consistency/result.html", status_code, scope=staff, found=found, areas=await areas.names(db),
                may_check=consistency.may_check(staff), values=values or {}, errors=errors or {}, failed=failed,
                done=done, city=statistics.CITY)  # fmt: skip


@get("/consistency/{check_id:str}", name="staff_consistency_result")
async def result(db: Db, staff: Staff, check_id: FromPath[str], done: FromQuery[str] = "") -> Template:
    return await _result_page(db, staff, check_id, done=done[:40])


@dataclass(frozen=True)
class ExplainForm:
    figure: str = ""
    explanation: str = ""


async def _explain_again(failure: FormFailure, db: Db, staff: Staff, check_id: str, **_: Any) -> Template:
    # Each difference has its own explanation field: the summary's link goes to the one that failed.
    figure = str(failure.values.get("figure", ""))[:40]
    errors = {f"explanation-{figure.replace(':', '-')}": message for message in failure.errors.values()}
    return await _result_page(db, staff, check_id, status_code=failure.status_code, values=failure.values,
                              errors=errors, failed=figure)  # fmt: skip


@post("/consistency/{check_id:str}/explain", name="staff_consistency_explain")
@shows_form_again(_explain_again)
async def explain(request: Request[Any, Any, Any], db: Db, staff: Staff, check_id: FromPath[str]) -> Response[Any]:
    form = await read_form(request, ExplainForm)
    await consistency.explain(db, staff, fields.record_id(check_id), form.figure[:40], form.explanation)
    return see_other(f"/staff/consistency/{fields.record_id(check_id)}", done=form.figure[:40])


STAFF_HANDLERS = [checks, check, template, result, explain]
