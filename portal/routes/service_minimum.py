"""The county's list of people the agency is behind with on the "12333" yearly minimum."""

from __future__ import annotations

from litestar import get
from litestar.params import FromQuery
from litestar.response import Template

from portal.routes._common import Db, Staff, page
from portal.services import service_minimum


@get("/service-minimum", name="service_minimum")
async def behind_page(db: Db, staff: Staff, page_number: FromQuery[int] = 1) -> Template:
    return page(
        "service_minimum/behind.html", scope=staff, result=await service_minimum.behind(db, staff, page=page_number),
        minimum_words=service_minimum.words,
    )  # fmt: skip


STAFF_HANDLERS = [behind_page]
