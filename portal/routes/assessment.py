"""The county assessment: the city's dashboard (every county on every indicator, ranked, charts with their tables),
a county's trend by month (county staff: their own county only), each table as CSV or XLSX; and the circulars
(通报) drafted from it, kept version by version, printed, and published to the counties' staff."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlencode

from litestar import Request, Response, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from portal.routes._common import Db, Staff, form_dict, page, see_other
from portal.routes.errors import FormFailure, shows_form_again
from portal.rules import charts
from portal.services import areas, assessment, circulars, fields
from portal.services.errors import NotAllowed

WORDS: dict[str, Any] = {
    "indicators": assessment.INDICATORS,
    "ranked": assessment.RANKED,
    "status_words": circulars.STATUS_LABELS,
    "formats": assessment.FORMATS,
    "number": charts.number,
}


def _period(year: str, through: str) -> assessment.Period:
    return assessment.check_period(year[:10], through[:10])


def _query(period: assessment.Period, **more: str) -> str:
    return urlencode({"year": str(period.year), "through": str(period.through), **more})


@get("/assessment", name="staff_assessment")
async def dashboard(
    db: Db, staff: Staff, year: FromQuery[str] = "", through: FromQuery[str] = ""
) -> Template | Redirect:
    """City staff: the dashboard. County staff: their own county's page."""
    period = _period(year, through)
    if not staff.is_city:
        return Redirect(f"/staff/assessment/{staff.area_code}?{_query(period)}", status_code=303)
    board = await assessment.dashboard(db, staff, period, await areas.names(db))
    return page("assessment/dashboard.html", scope=staff, board=board, query=_query(period), **WORDS)


@get("/assessment/export", name="staff_assessment_export")
async def dashboard_export(
    db: Db, staff: Staff, table: FromQuery[str] = "overall", file: FromQuery[str] = "csv", year: FromQuery[str] = "",
    through: FromQuery[str] = "",
) -> Response[bytes]:  # fmt: skip
    if not staff.is_city:
        raise NotAllowed()
    made = await assessment.export_dashboard(db, staff, _period(year, through), table[:30], file[:10],
                                             await areas.names(db))  # fmt: skip
    return _download(made)


@get("/assessment/{county:str}", name="staff_assessment_county")
async def county(
    db: Db, staff: Staff, county: FromPath[str], year: FromQuery[str] = "", through: FromQuery[str] = ""
) -> Template:
    period = _period(year, through)
    found = await assessment.county_page(db, staff, county[:16], period, await areas.names(db))
    return page("assessment/county.html", scope=staff, found=found, query=_query(period), **WORDS)


@get("/assessment/{county:str}/export", name="staff_assessment_county_export")
async def county_export(
    db: Db, staff: Staff, county: FromPath[str], table: FromQuery[str] = "", file: FromQuery[str] = "csv",
    year: FromQuery[str] = "", through: FromQuery[str] = "",
) -> Response[bytes]:  # fmt: skip
    made = await assessment.export_county(db, staff, county[:16], _period(year, through), table[:30], file[:10],
                                          await areas.names(db))  # fmt: skip
    return _download(made)


def _download(made: assessment.Export) -> Response[bytes]:
    return Response(made.content, media_type=made.media_type, headers={
        "Content-Disposition": f"attachment; filename*=UTF-8''{quote(made.filename)}", "Cache-Control": "no-store",
    })  # fmt: skip


# ---- circulars ------------------------------------------------------------------------------------------------------


def _form(data: dict[str, Any]) -> tuple[str, str, dict[str, str], int | None]:
    targets = {i.code: str(data.get(f"target_{i.code}", ""))[:40] for i in assessment.RANKED}
    version = fields.db_int(str(data.get("version", ""))[:20])
    return str(data.get("title", "")), str(data.get("body", "")), targets, version


@get("/circulars", name="staff_circulars")
async def circular_list(db: Db, staff: Staff, page_number: FromQuery[int] = 1, done: FromQuery[str] = "") -> Template:
    found = await circulars.list_circulars(db, staff, page=page_number)
    return page("assessment/circulars.html", scope=staff, found=found, base_query="", done=done[:20], **WORDS)


async def _new_page(
    db: Db, staff: Staff, period: assessment.Period, *, status_code: int = 200, values: dict[str, Any] | None = None,
    errors: dict[str, object] | None = None,
) -> Template:  # fmt: skip
    if not staff.is_admin:
        raise NotAllowed()
    board = await assessment.dashboard(db, staff, period, await areas.names(db))
    defaults = {"title": circulars.default_title(period),
                **{f"target_{code}": value for code, value in circulars.default_targets(board).items()}}  # fmt: skip
    return page("assessment/circular_form.html", status_code, scope=staff, board=board, period=period,
                values=values if values is not None else defaults, errors=errors or {}, circular=None,
                query=_query(period), **WORDS)  # fmt: skip


@get("/circulars/new", name="staff_circular_new")
async def circular_new(db: Db, staff: Staff, year: FromQuery[str] = "", through: FromQuery[str] = "") -> Template:
    return await _new_page(db, staff, _period(year, through))


async def _create_again(failure: FormFailure, db: Db, staff: Staff, **_: Any) -> Template:
    values = failure.values
    period = _period(str(values.get("year", ""))[:10], str(values.get("through", ""))[:10])
    return await _new_page(db, staff, period, status_code=failure.status_code, values=values, errors=failure.errors)


@post("/circulars", name="staff_circular_create")
@shows_form_again(_create_again)
async def circular_create(request: Request[Any, Any, Any], db: Db, staff: Staff) -> Response[Any]:
    data = await form_dict(request)
    period = _period(str(data.get("year", "")), str(data.get("through", "")))
    title, body, targets, _version = _form(data)
    made = await circulars.create(db, staff, period, title=title, body=body, targets=targets,
                                  names=await areas.names(db))  # fmt: skip
    return see_other(f"/staff/circulars/{made.id}", done="saved")


async def _document_page(
    db: Db, staff: Staff, circular_id: str, number: int | None = None, *, status_code: int = 200,
    values: dict[str, Any] | None = None, errors: dict[str, object] | None = None, done: str = "",
    conflict: bool = False,
) -> Template:  # fmt: skip
    doc = await circulars.document(db, staff, fields.record_id(circular_id), number)
    form_values = values if values is not None else {
        "title": doc.version.title, "body": doc.version.body, "version": str(doc.circular.version),
        **{f"target_{code}": charts.number(value) for code, value in doc.version.targets.items()},
    }  # fmt: skip
    return page("assessment/circular.html", status_code, scope=staff, doc=doc, values=form_values,
                errors=errors or {}, done=done, conflict=conflict, by_code=assessment.BY_CODE, **WORDS)  # fmt: skip


@get("/circulars/{circular_id:str}", name="staff_circular")
async def circular_page(
    db: Db, staff: Staff, circular_id: FromPath[str], version: FromQuery[str] = "", done: FromQuery[str] = ""
) -> Template:
    number = fields.db_int(version[:10]) if version else None
    return await _document_page(db, staff, circular_id, number, done=done[:20])


async def _save_again(failure: FormFailure, db: Db, staff: Staff, circular_id: str, **_: Any) -> Template:
    return await _document_page(db, staff, circular_id, status_code=failure.status_code,
                                values=None if failure.conflict is not None else failure.values,
                                errors=failure.errors, conflict=failure.conflict is not None)  # fmt: skip


@post("/circulars/{circular_id:str}", name="staff_circular_save")
@shows_form_again(_save_again)
async def circular_save(
    request: Request[Any, Any, Any], db: Db, staff: Staff, circular_id: FromPath[str]
) -> Response[Any]:
    title, body, targets, version = _form(await form_dict(request))
    await circulars.save(db, staff, fields.record_id(circular_id), version, title=title, body=body, targets=targets,
                         names=await areas.names(db))  # fmt: skip
    return see_other(f"/staff/circulars/{fields.record_id(circular_id)}", done="saved")


@post("/circulars/{circular_id:str}/publish", name="staff_circular_publish")
@shows_form_again(_save_again)
async def circular_publish(
    request: Request[Any, Any, Any], db: Db, staff: Staff, circular_id: FromPath[str]
) -> Response[Any]:
    data = await form_dict(request)
    await circulars.publish(db, staff, fields.record_id(circular_id), fields.db_int(str(data.get("version", ""))[:20]))
    return see_other(f"/staff/circulars/{fields.record_id(circular_id)}", done="published")


STAFF_HANDLERS = [
    dashboard, dashboard_export, county, county_export, circular_list, circular_new, circular_create, circular_page,
    circular_save, circular_publish,
]  # fmt: skip
