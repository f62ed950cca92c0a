"""Public pages answered whole from memory (portal.page_cache): only for visitors without a session, only what
anyone may read, per language, emptied by a form in this process, still counted against the notice limit."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace

import pytest
from sqlalchemy import text

from portal.page_cache import PublicPages
from tests.conftest import post_form
from tests.residents import sign_up
from tests.routes.test_notice_permissions import _world


@pytest.fixture
async def kept(app) -> AsyncIterator[PublicPages]:
    """The app's public pages kept for a minute (tests otherwise draw every page: PUBLIC_PAGE_SECONDS=0)."""
    pages: PublicPages = app.public_pages
    pages.ttl_seconds = 60
    pages.clear()
    pages.hits = pages.misses = 0
    yield pages
    pages.ttl_seconds = 0
    pages.clear()


async def test_a_public_page_is_answered_from_memory_with_its_security_headers_and_no_cookie(client, kept) -> None:
    first = await client.get("/policies")
    hits = kept.hits
    again = await client.get("/policies")
    assert kept.hits == hits + 1
    assert again.status_code == 200
    assert again.text == first.text
    assert "set-cookie" not in again.headers
    for header in ("content-security-policy", "x-frame-options", "vary"):
        assert again.headers[header] == first.headers[header]
    assert again.headers["content-length"] == str(len(again.content))
    assert next(iter(kept._kept.values())).route == "/policies"  # kept pages are counted under their route


async def test_each_language_is_kept_apart(client, kept) -> None:
    chinese = (await client.get("/")).text
    english = (await client.get("/", headers={"Accept-Language": "en"})).text
    assert chinese != english
    assert (await client.get("/", headers={"Accept-Language": "en"})).text == english
    assert (await client.get("/")).text == chinese
    assert kept.hits == 2


async def test_a_page_is_drawn_again_after_a_form_posted_in_this_process(client, db, kept) -> None:
    assert "赤坎区" in (await client.get("/agencies")).text
    await db.execute(text("UPDATE service_areas SET name_zh = '改名区' WHERE code = '440802'"))
    await db.commit()
    try:
        assert "改名区" not in (await client.get("/agencies")).text  # kept: nothing in this process changed it
        await post_form(client, "/lang", {"to": "zh-CN", "next": "/agencies"}, page="/account/login")
        assert "改名区" in (await client.get("/agencies")).text
    finally:
        await db.execute(text("UPDATE service_areas SET name_zh = '赤坎区' WHERE code = '440802'"))
        await db.commit()


async def test_a_signed_in_visitor_neither_gets_nor_leaves_a_kept_page(client, services, db, kept) -> None:
    await sign_up(client, services, "13200000019")
    signed_in = (await client.get("/")).text
    assert "/account/logout" in signed_in
    assert kept.hits == 0
    client.cookies.clear()
    anonymous = (await client.get("/")).text
    assert "/account/logout" not in anonymous
    assert "_csrf_token" not in anonymous


async def test_a_page_carrying_a_form_token_is_never_kept(client, services, db, kept) -> None:
    numbers = await _world(db, services)
    url = f"/notices/{numbers['published']}/1/objection"
    first = await client.get(url)
    assert 'name="_csrf_token"' in first.text
    second = await client.get(url)
    assert kept.hits == 0
    assert second.headers.get("set-cookie") or first.headers.get("set-cookie")


async def test_a_notice_page_answered_from_memory_still_counts_against_the_address(
    client, services, db, kept, monkeypatch
) -> None:
    numbers = await _world(db, services)
    monkeypatch.setattr(services, "settings", replace(services.settings, notice_pages_per_minute=3))
    statuses = [(await client.get(f"/notices/{numbers['published']}")).status_code for _ in range(5)]
    assert statuses == [200, 200, 200, 429, 429]
    assert kept.hits == 2


async def test_the_store_is_bounded_by_entries_and_bytes() -> None:
    async def app(scope, receive, send) -> None:
        body = scope["path"].encode() * 100
        await send({"type": "http.response.start", "status": 200, "headers": [(b"set-cookie", b"a=b")]})
        await send({"type": "http.response.body", "body": body})

    async def ignore(message) -> None:
        return None

    pages = PublicPages(app, paths=(), prefixes=("/p/",), max_entries=3, max_bytes=10_000)
    for n in range(10):
        await pages({"type": "http", "method": "GET", "path": f"/p/{n:03d}"}, None, ignore, locale="zh-CN")
    assert len(pages._kept) == 3
    assert [key[0] for key in pages._kept] == ["/p/007", "/p/008", "/p/009"]
    assert all(b"set-cookie" not in dict(kept.headers) for kept in pages._kept.values())
    small = PublicPages(app, paths=(), prefixes=("/p/",), max_entries=100, max_bytes=1_500)
    for n in range(10):
        await small({"type": "http", "method": "GET", "path": f"/p/{n:03d}"}, None, ignore, locale="zh-CN")
    assert small._bytes <= 1_500
    assert len(small._kept) == 2
