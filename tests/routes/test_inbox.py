"""The resident's inbox: messages in the reader's language, and the count of new ones that the account page
asks for again by itself (htmx), without keeping the session alive."""

from __future__ import annotations

import asyncio
import re

from sqlalchemy import select

from portal.models import InboxMessage, MessageKind, ResidentAccount
from tests.conftest import HTMX
from tests.residents import sign_up

_COUNT = re.compile(r'<p id="inbox-count".*?</p>', re.S)


async def _account_with_messages(client, services, db, phone: str, *kinds: MessageKind) -> ResidentAccount:
    await sign_up(client, services, phone)
    account = await db.scalar(select(ResidentAccount).where(ResidentAccount.phone == phone))
    for kind in kinds:
        db.add(InboxMessage(account_id=account.id, kind=kind, params={"number": "ZJ20261130000001"}))
    await db.commit()
    return account


async def test_messages_read_in_the_readers_language_and_are_marked_read(client, services, db) -> None:
    await _account_with_messages(client, services, db, "13700000001", MessageKind.REGISTERED, MessageKind.REVERSED)
    chinese = await client.get("/account/inbox")
    assert "您的失业登记申请ZJ20261130000001已办结，予以登记。" in chinese.text
    client.cookies.set("lang", "en")
    english = await client.get("/account/inbox")
    assert "Your registration ZJ20261130000001 is open again." in english.text
    assert "Your unemployment registration ZJ20261130000001 is done: you are registered." in english.text
    count = await client.get("/account/inbox/count")
    assert "tag" not in count.text  # read now: no new ones


async def test_the_count_is_the_same_partial_the_account_page_includes(client, services, db) -> None:
    await _account_with_messages(client, services, db, "13700000002", MessageKind.REGISTERED, MessageKind.TRANSFERRED)
    page = await client.get("/account")
    polled = await client.get("/account/inbox/count", headers=HTMX)
    assert polled.status_code == 200
    assert "<html" not in polled.text
    assert _COUNT.search(page.text).group(0) == polled.text.strip()
    assert 'hx-get="/account/inbox/count"' in polled.text
    assert "2条未读" in polled.text


async def test_asking_for_the_count_neither_renews_nor_changes_the_session(app, client, services, db) -> None:
    await _account_with_messages(client, services, db, "13700000003")
    session_id = client.cookies["session"]
    store = app.stores.get("sessions")
    await asyncio.sleep(1.1)
    before = await store.expires_in(session_id)
    polled = await client.get("/account/inbox/count")
    assert polled.status_code == 200
    assert "set-cookie" not in polled.headers
    assert await store.expires_in(session_id) <= before  # not renewed: a tab left open does not keep it alive
    await client.get("/account")  # a page the resident opens does renew it
    assert await store.expires_in(session_id) > before


async def test_the_count_needs_a_signed_in_resident(client) -> None:
    answer = await client.get("/account/inbox/count", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/account/login")
