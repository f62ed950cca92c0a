"""The case worker's outreach worklist: the people who need them now, ordered by need, each row saying why; a page
at a time (`shown` rows; fewer than worklist.SHOWN, or none asked, is worklist.SHOWN)."""

from __future__ import annotations

from litestar import get
from litestar.params import FromQuery
from litestar.response import Template

from portal.routes._common import Db, Staff, page
from portal.services import keyset, worklist


@get("/worklist", name="staff_worklist")
async def worklist_page(
    db: Db, staff: Staff, shown: FromQuery[int] = 0, after: FromQuery[str] = "",
    before: FromQuery[str] = "", last: FromQuery[str] = "",
) -> Template:  # fmt: skip
    found = await worklist.worklist(db, staff, shown=shown, at=keyset.At(after, before, last))
    return page("worklist/list.html", scope=staff, found=found, reason_words=worklist.REASON_LABELS,
                default_shown=worklist.SHOWN)  # fmt: skip


STAFF_HANDLERS = [worklist_page]
