"""Who at the agency has opened the resident's record, from the audit log."""

from __future__ import annotations

from litestar import get
from litestar.params import FromQuery
from litestar.response import Template

from portal.routes._common import Account, Db, page
from portal.services import fields, record_access


@get("/account/record-access", name="record_access")
async def access_page(db: Db, account: Account, older_than: FromQuery[str] = "") -> Template:
    shown = await record_access.of_account(db, account.id, older_than=fields.db_int(older_than))
    return page("account/record_access.html", account=account, shown=shown, first_page=not older_than)


HANDLERS = [access_page]
