"""The service ledger (服务台账): the county's contacts and services, filtered and sorted (with htmx the list is
replaced in place; without, the filter button reloads the page); one person's record table to print; CSV and
XLSX exports streamed as they are read."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from litestar import get
from litestar.params import FromPath, FromQuery
from litestar.plugins.htmx import HTMXRequest
from litestar.response import Stream, Template

from portal.routes._common import Db, Deps, Staff, page
from portal.services import areas, keyset, ledger, registration_form, service_records
from portal.services.errors import InputError
from portal.services.fields import options

WORDS: dict[str, Any] = {
    "kinds": options(service_records.KIND_LABELS),
    "channels": options(service_records.CHANNEL_LABELS),
    "results": options(service_records.RESULT_LABELS),
    "flags": options(ledger.FLAG_LABELS),
    "sorts": options(ledger.SORT_LABELS),
    "orders": options(ledger.ORDER_LABELS),
    "kind_words": service_records.KIND_LABELS,
    "channel_words": service_records.CHANNEL_LABELS,
    "result_words": service_records.RESULT_LABELS,
    "sort_words": ledger.SORT_LABELS,
    "education_words": registration_form.EDUCATION_LABELS,
}


def _filters(
    kind: str, channel: str, result: str, date_from: str, date_to: str, staff: str, flag: str, number: str, sort: str,
    order: str,
) -> ledger.Filters:  # fmt: skip
    # Each value is cut to a length no option reaches, so a huge query string never reaches the database.
    return ledger.Filters(kind[:40], channel[:40], result[:40], date_from[:20], date_to[:20], staff[:20], flag[:40],
                          number[:21], sort[:20], order[:4])  # fmt: skip


@get("/ledger", name="staff_ledger")
async def ledger_page(
    request: HTMXRequest, db: Db, services: Deps, staff: Staff, kind: FromQuery[str] = "", channel: FromQuery[str] = "",
    result: FromQuery[str] = "", date_from: FromQuery[str] = "", date_to: FromQuery[str] = "",
    staff_member: FromQuery[str] = "", flag: FromQuery[str] = "", number: FromQuery[str] = "",
    sort: FromQuery[str] = "day", order: FromQuery[str] = "desc", after: FromQuery[str] = "",
    before: FromQuery[str] = "", last: FromQuery[str] = "",
) -> Template:  # fmt: skip
    filters = _filters(kind, channel, result, date_from, date_to, staff_member, flag, number, sort, order)
    context: dict[str, Any] = {
        "scope": staff, "areas": await areas.names(db), "staff_choices": await ledger.staff_choices(db, staff), **WORDS,
    }  # fmt: skip
    try:
        found = await ledger.ledger(db, services.cipher, staff, filters, at=keyset.At(after, before, last))
    except InputError as exc:  # the filters again, each error beside its field, and no list
        return page("ledger/list.html", 400, found=None, filters=filters, errors=exc.errors, **context)
    template = "ledger/_list.html" if request.htmx and request.htmx.target == "ledger-list" else "ledger/list.html"
    return page(template, found=found, filters=found.filters, errors={}, **context)


@get("/ledger/export", name="staff_ledger_export")
async def ledger_export(
    db: Db, services: Deps, staff: Staff, file: FromQuery[str] = "csv", kind: FromQuery[str] = "",
    channel: FromQuery[str] = "", result: FromQuery[str] = "", date_from: FromQuery[str] = "",
    date_to: FromQuery[str] = "", staff_member: FromQuery[str] = "", flag: FromQuery[str] = "",
    number: FromQuery[str] = "",
) -> Stream:  # fmt: skip
    """The audit entry is committed with the request; the rows are read and sent afterwards, a batch at a time."""
    filters = _filters(kind, channel, result, date_from, date_to, staff_member, flag, number, "day", "asc")
    made = await ledger.export(db, services.sessionmaker, services.cipher, staff, filters, file[:10],
                               areas=await areas.names(db))  # fmt: skip
    return Stream(
        made.chunks, media_type=made.media_type,
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(made.filename)}"},
    )  # fmt: skip


@get("/ledger/{number:str}/record-table", name="staff_ledger_record_table")
async def record_table(db: Db, services: Deps, staff: Staff, number: FromPath[str]) -> Template:
    table = await ledger.record_table(db, services.cipher, staff, number[:21])
    return page("ledger/record_table.html", scope=staff, table=table, areas=await areas.names(db), **WORDS)


STAFF_HANDLERS = [ledger_page, ledger_export, record_table]
