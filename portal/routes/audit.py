"""The audit log's search page, for city administrators."""

from __future__ import annotations

from litestar import get
from litestar.params import FromQuery
from litestar.response import Template

from portal.routes._common import Db, Staff, page
from portal.services import areas, audit


@get("/audit", name="staff_audit")
async def audit_page(
    db: Db, staff: Staff, username: FromQuery[str] = "", action: FromQuery[str] = "", target: FromQuery[str] = "",
    page_number: FromQuery[int] = 1,
) -> Template:  # fmt: skip
    names = await areas.names(db)
    filters = {"username": username, "action": action, "target": target}
    errors = audit.search_problems(**filters)
    if errors:
        result = audit.AuditPage(entries=[], total=0, page=1, pages=1)
    else:
        result = await audit.search(
            db, staff.actor, username=username or None, action=action or None, target=target or None, page=page_number
        )
    return page(
        "audit/audit.html", scope=staff, errors=errors, result=result, areas=names, filters=filters,
        lines=[audit.readable(entry, names) for entry in result.entries],
    )  # fmt: skip


HANDLERS = [audit_page]
