"""The county's tracking list: who is due a contact this month, a first contact, or is late; a contact is
recorded from the list in one step. With htmx the person's row is replaced in place; without, the form posts
and the list comes back."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from litestar import Response, get, post
from litestar.params import FromPath, FromQuery
from litestar.plugins.htmx import HTMXRequest
from litestar.response import Template

from portal.routes._common import Db, Deps, Staff, page, read_form, see_other
from portal.routes.errors import FormFailure, shows_form_again
from portal.services import fields, keyset, tracking
from portal.services.errors import NotAllowed
from portal.services.fields import options

WORDS: dict[str, Any] = {
    "show_words": tracking.SHOW_LABELS,
    "why_words": tracking.WHY_LABELS,
    "channels": options(tracking.CHANNEL_LABELS),
    "reached_choices": options(tracking.REACHED_LABELS),
    "learned_choices": options(tracking.LEARNED_LABELS),
    "learned_words": tracking.LEARNED_LABELS,
    "category_words": tracking.CATEGORY_LABELS,
    "more_words": tracking.MORE_SERVICE_LABELS,
}


@dataclass(frozen=True)
class ContactForm:
    channel: str = ""
    reached: str = ""
    learned: str = ""
    note: str = ""
    show: str = ""
    # The page the form was on, to come back to it (keyset.At).
    after: str = ""
    before: str = ""
    last: str = ""


async def _list_page(
    db: Db, staff: Staff, show: str = "due", at: keyset.At = keyset.START, *, status_code: int = 200, failed: str = "",
    values: dict[str, Any] | None = None, errors: dict[str, object] | None = None,
    recorded: tracking.Recorded | None = None, done: str = "", ran: dict[str, int] | None = None,
) -> Template:  # fmt: skip
    result = await tracking.tracking_list(db, staff, show=show, at=at)
    return page(
        "tracking/list.html", status_code, scope=staff, result=result, at=at, failed=failed, values=values or {},
        errors=errors or {}, recorded=recorded, done=done, ran=ran, base_query=urlencode({"show": result.show}),
        **WORDS,
    )  # fmt: skip


@get("/tracking", name="staff_tracking")
async def tracking_list(
    db: Db, staff: Staff, show: FromQuery[str] = "due", after: FromQuery[str] = "", before: FromQuery[str] = "",
    last: FromQuery[str] = "", done: FromQuery[str] = "", compared: FromQuery[str] = "", proposed: FromQuery[str] = "",
) -> Template:  # fmt: skip
    ran = None
    if compared:  # back from a comparison run: what it did
        ran = {"recorded": fields.db_int(compared) or 0, "proposed": fields.db_int(proposed) or 0}
    return await _list_page(db, staff, show, keyset.At(after, before, last), done=done[:20], ran=ran)


async def _row(request: HTMXRequest, db: Db, staff: Staff, number: str, **context: Any) -> Template:
    row = await tracking.row_of(db, staff, number)
    return page("tracking/_row.html", context.pop("status_code", 200), scope=staff, row=row, **context, **WORDS)


async def _contact_again(failure: FormFailure, request: HTMXRequest, db: Db, staff: Staff, number: str,
                         **_: Any) -> Template:  # fmt: skip
    if request.htmx:  # the row again, with its errors beside the fields
        return await _row(request, db, staff, number, values=failure.values, errors=failure.errors, recorded=None,
                          failed=number)  # fmt: skip
    values = failure.values
    at = keyset.At(*(str(values.get(name, ""))[: keyset.CURSOR_MAX] for name in ("after", "before", "last")))
    return await _list_page(
        db, staff, str(values.get("show", "due")), at, status_code=failure.status_code, failed=number, values=values,
        errors=failure.errors,
    )  # fmt: skip


@post("/tracking/{number:str}")
@shows_form_again(_contact_again)
async def record_contact(request: HTMXRequest, db: Db, staff: Staff, number: FromPath[str]) -> Response[Any]:
    form = await read_form(request, ContactForm)
    recorded = await tracking.record_contact(db, staff, number, channel=form.channel, reached=form.reached,
                                             learned=form.learned, note=form.note)  # fmt: skip
    if request.htmx:
        return await _row(request, db, staff, number, values={}, errors={}, recorded=recorded, failed="")
    # Back to the view and page the form came from (only values the list knows: they go into a header; a cursor
    # longer than any the portal writes is dropped, and a bad one is the first page).
    show = form.show if form.show in tracking.SHOW_LABELS else "due"
    place = {name: value for name in ("after", "before", "last")
             if (value := getattr(form, name)) and len(value) <= keyset.CURSOR_MAX and value.isascii()}  # fmt: skip
    return see_other("/staff/tracking", show=show, **place, done=number[:20])


@post("/tracking/compare")
async def compare(db: Db, services: Deps, staff: Staff) -> Response[Any]:
    """The county's monthly data comparison, at the press of a button (county staff who act)."""
    if not staff.can_act or staff.area_code is None:
        raise NotAllowed()
    report = await tracking.compare_due(db, services.cipher, services.social_insurance, staff.actor,
                                        county=staff.area_code)  # fmt: skip
    return see_other("/staff/tracking", compared=str(report.recorded), proposed=str(report.proposed))


STAFF_HANDLERS = [tracking_list, compare, record_contact]
