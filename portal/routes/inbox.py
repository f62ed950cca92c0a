"""The resident's inbox: their messages, and the count of new ones, which the account page polls with htmx."""

from __future__ import annotations

from litestar import get
from litestar.response import Template

from portal.routes._common import Account, Db, page
from portal.services import inbox


@get("/account/inbox", name="inbox")
async def inbox_page(db: Db, account: Account) -> Template:
    messages = await inbox.messages(db, account.id)
    await inbox.mark_read(db, account.id)
    return page("inbox/inbox.html", messages=[(m, inbox.text_of(m), inbox.link_of(m)) for m in messages])


@get("/account/inbox/count", name="inbox_count")
async def unread_count(db: Db, account: Account) -> Template:
    """The link to the inbox with the number of new messages: the partial the account page includes."""
    return page("inbox/_count.html", unread=await inbox.unread_count(db, account.id))


HANDLERS = [inbox_page, unread_count]
