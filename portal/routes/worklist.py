"""The case worker's outreach worklist: the people who need them now, ordered by need, each row saying why."""

from __future__ import annotations

from litestar import get
from litestar.params import FromQuery
from litestar.response import Template

from portal.routes._common import Db, Staff, page
from portal.services import worklist


@get("/worklist", name="staff_worklist")
async def worklist_page(db: Db, staff: Staff, shown: FromQuery[int] = worklist.SHOWN) -> Template:
    found = await worklist.worklist(db, staff, shown=shown)
    return page("worklist/list.html", scope=staff, found=found, reason_words=worklist.REASON_LABELS,
                next_shown=min(found.shown * 2, worklist.SHOWN_MAX))  # fmt: skip


STAFF_HANDLERS = [worklist_page]
