"""The staff queue of applications awaiting a decision. With htmx, changing a filter updates the list in place
(the same partial the page includes); without JavaScript the filter button reloads the page."""

from __future__ import annotations

from typing import Any

from litestar import get
from litestar.params import FromQuery
from litestar.plugins.htmx import HTMXRequest
from litestar.response import Template

from portal.routes._common import Db, Staff, page
from portal.services import areas, keyset, queue
from portal.services.fields import Choice, options

STATUS_OPTIONS = options(queue.STATUS_FILTERS)
DUE_OPTIONS = options(queue.DUE_FILTERS)


@get("/", name="staff_queue")
async def queue_page(
    request: HTMXRequest, db: Db, staff: Staff, status: FromQuery[str] = "", county: FromQuery[str] = "",
    due: FromQuery[str] = "", after: FromQuery[str] = "", before: FromQuery[str] = "", last: FromQuery[str] = "",
) -> Template:  # fmt: skip
    result = await queue.awaiting(db, staff, queue.Filters(status, county, due), at=keyset.At(after, before, last))
    names = await areas.names(db)
    context: dict[str, Any] = {
        "scope": staff, "queue": result, "areas": names, "status_options": STATUS_OPTIONS,
        "due_options": DUE_OPTIONS, "county_options": [Choice(code, name) for code, name in names.items()],
    }  # fmt: skip
    # The filters' own request (not a boosted link or a history restore): the list alone.
    if request.htmx and request.htmx.target == "queue-list":
        return page("queue/_list.html", **context)
    return page("queue/queue.html", **context)


HANDLERS = [queue_page]
