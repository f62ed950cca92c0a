"""Monthly statistics: a month's figures for the staff member's county (city staff: any county or the whole
city), each leading to the people it counted. They are read from the read replica when one is configured
(STATISTICS_DATABASE_URL); who may see them, and the audit entry of a list of people, stay on the primary."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from litestar import get
from litestar.params import FromQuery
from litestar.response import Template

from portal.clock import local_today
from portal.routes._common import Db, Reader, Staff, page
from portal.services import areas, statistics
from portal.services.errors import InputError
from portal.services.fields import Choice


async def _context(db: Db, reader: Reader, staff: Staff) -> dict[str, Any]:
    names = await areas.names(db)
    return {
        "scope": staff, "areas": names, "groups": statistics.GROUPS, "figures": statistics.FIGURES,
        "group_of": statistics.group_of,
        "area_choices": [Choice(statistics.CITY, statistics.CITY_LABEL), *(Choice(c, n) for c, n in names.items())],
        "months": await statistics.months_taken(reader),
    }  # fmt: skip


@get("/statistics", name="staff_statistics")
async def statistics_page(
    db: Db, reader: Reader, staff: Staff, month: FromQuery[str] = "", area: FromQuery[str] = ""
) -> Template:
    context = await _context(db, reader, staff)
    month = month[:10] or (context["months"][0] if context["months"] else f"{local_today():%Y-%m}")
    try:
        found = await statistics.figures_for(reader, staff, month, area[:16])
    except InputError as exc:
        return page("statistics/month.html", 400, found=None, month=month, area=area[:16], errors=exc.errors,
                    **context)  # fmt: skip
    query = {"month": found.month, "area": found.area}
    return page("statistics/month.html", found=found, month=found.month, area=found.area, errors={},
                people_query=urlencode(query), **context)  # fmt: skip


@get("/statistics/people", name="staff_statistics_people")
async def people_page(
    db: Db, reader: Reader, staff: Staff, month: FromQuery[str] = "", figure: FromQuery[str] = "",
    area: FromQuery[str] = "", page_number: FromQuery[int] = 1,
) -> Template:  # fmt: skip
    found = await statistics.people(db, staff, month[:10], figure[:40], area=area[:16], page=page_number,
                                    reader=reader)  # fmt: skip
    return page("statistics/people.html", scope=staff, found=found, areas=await areas.names(db),
                base_query=urlencode({"month": found.month, "figure": found.figure.key, "area": found.area}),
                city=statistics.CITY)  # fmt: skip


STAFF_HANDLERS = [statistics_page, people_page]
