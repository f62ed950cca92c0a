"""Headers, sessions and CSRF: nothing personal kept by the browser, no session for a visitor with nothing
to keep, CSRF tokens bound to the session, and the security headers on every answer."""

from __future__ import annotations

from dataclasses import replace

import httpx
import pytest
from litestar import Litestar

from portal.app import create_app
from portal.i18n import translations
from tests.conftest import post_form
from tests.residents import PASSWORD, sign_up
from tests.staffing import STAFF_PASSWORD, create_named_staff, sign_in_staff

PUBLIC_PAGES = (
    "/", "/agencies", "/account/login", "/account/sign-up", "/account/reset", "/register", "/staff/login", "/policies",
    "/policies/P08", "/policies/check?age=50",
)  # fmt: skip


def _token(page: httpx.Response) -> str:
    return page.text.split('name="_csrf_token" value="', 1)[1].split('"', 1)[0]


def _stored_sessions(app: Litestar, store: str = "sessions") -> int:
    return len(app.stores.get(store)._store)  # type: ignore[attr-defined]


def _session_cookies(response: httpx.Response) -> list[str]:
    return [c for c in response.headers.get_list("set-cookie") if c.startswith(("session=", "staff_session="))]


@pytest.fixture
async def second_client(app: Litestar):  # type: ignore[no-untyped-def]
    transport = httpx.ASGITransport(app=app, client=("127.0.0.2", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8000") as other:
        yield other


# ---- caching -----------------------------------------------------------------------------------


async def test_every_page_for_a_signed_in_resident_is_not_stored_by_the_browser(client, services) -> None:
    await sign_up(client, services, "13500000001")
    await post_form(client, "/register/start", {}, page="/register")
    for path in ("/account", "/register/step/identity", "/", "/agencies", "/account/inbox", "/no-such-page",
                 *RESIDENT_PAGES, "/services", "/privacy"):  # fmt: skip
        response = await client.get(path)
        assert response.headers["cache-control"] == "no-store", path


RESIDENT_PAGES = (
    "/account/policies", "/account/service-requests", "/account/service-history", "/account/record-access",
    "/account/password", "/account/phone",
)  # fmt: skip


async def test_resident_pages_send_an_anonymous_visitor_to_sign_in_and_back(client) -> None:
    for path in (*RESIDENT_PAGES, "/account/phone/verify", "/account/service-requests/ZQ20261130000001",
                 "/account/applications/ZJ20261130000001/answers", "/account/policy-applications/ZP1"):  # fmt: skip
        response = await client.get(path, follow_redirects=False)
        assert response.status_code == 303, path
        assert response.headers["location"].startswith("/account/login?next="), path


async def test_status_page_is_not_stored_by_the_browser_even_for_an_anonymous_visitor(client) -> None:
    response = await client.get("/status/not-a-token")
    assert response.status_code == 404
    assert response.headers["cache-control"] == "no-store"


async def test_public_pages_stay_cacheable_once_signed_out(client, services) -> None:
    await sign_up(client, services, "13500000002")
    out = await post_form(client, "/account/logout", {}, page="/account")
    assert out.headers["cache-control"] == "no-store"
    for path in ("/", "/agencies", "/account/login"):
        response = await client.get(path)
        assert "cache-control" not in response.headers, path
        assert response.headers["vary"] == "Accept-Language, Cookie"


async def test_staff_pages_are_not_stored_by_the_browser(client, db) -> None:
    await create_named_staff(db)
    await sign_in_staff(client, "chikan_clerk")
    for path in ("/staff", "/staff/account"):
        assert (await client.get(path)).headers["cache-control"] == "no-store", path


# ---- security headers --------------------------------------------------------------------------


@pytest.mark.parametrize(("method", "path", "status"), [("GET", "/no-such-page", 404), ("POST", "/agencies", 405)])
async def test_unrouted_answers_carry_the_security_headers_in_the_readers_language(
    client, method: str, path: str, status: int
) -> None:
    client.cookies.set("lang", "en")
    response = await client.request(method, path)
    assert response.status_code == status
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert '<html lang="en">' in response.text


async def test_no_hsts_when_cookies_are_not_secure(client) -> None:
    assert "strict-transport-security" not in (await client.get("/")).headers


async def test_with_secure_cookies_hsts_is_sent_and_the_language_cookie_is_secure(settings) -> None:
    secure = create_app(replace(settings, secure_cookies=True))
    transport = httpx.ASGITransport(app=secure)
    async with httpx.AsyncClient(transport=transport, base_url="https://127.0.0.1:8000") as http:
        for path in ("/", "/no-such-page"):
            assert (await http.get(path)).headers["strict-transport-security"] == "max-age=31536000"
        switched = await http.get("/lang?to=en&next=/", follow_redirects=False)
        token = _token(await http.get("/account/login"))
        kept = await http.post("/lang?to=zh_CN&next=/account/login", data={"_csrf_token": token})
    await secure.state.services.engine.dispose()
    for response in (switched, kept):
        cookie = next(c for c in response.headers.get_list("set-cookie") if c.startswith("lang="))
        assert "Secure" in cookie


async def test_staff_session_cookie_is_sent_only_to_staff_paths(client, db) -> None:
    await create_named_staff(db)
    response = await post_form(client, "/staff/login", {"username": "chikan.clerk", "password": STAFF_PASSWORD})
    assert response.status_code == 303
    cookie = next(c for c in response.headers.get_list("set-cookie") if c.startswith("staff_session="))
    assert "Path=/staff" in cookie
    assert (await client.get("/staff")).status_code == 200
    home = await client.get("/")
    assert "staff_session" not in home.request.headers.get("cookie", "")


# ---- sessions only for something to keep -------------------------------------------------------


async def test_browsing_and_a_failed_sign_in_store_no_session(app, client) -> None:
    for _ in range(10):
        for path in PUBLIC_PAGES:
            response = await client.get(path)
            assert response.status_code == 200, path
            assert _session_cookies(response) == [], path
    wrong = await post_form(client, "/account/login", {"phone": "13500000003", "password": "not the password"})
    assert wrong.status_code == 200
    assert _session_cookies(wrong) == []
    assert _stored_sessions(app) == 0
    assert _stored_sessions(app, "staff_sessions") == 0


async def test_a_session_is_stored_once_there_is_something_to_keep_and_removed_at_sign_out(
    app, client, services
) -> None:
    started = await post_form(client, "/account/sign-up", {"phone": "13500000004"})
    assert started.status_code == 303
    assert [c.split("=", 1)[0] for c in _session_cookies(started)] == ["session"]
    assert _stored_sessions(app) == 1
    client.cookies.clear()
    await sign_up(client, services, "13500000005")
    out = await post_form(client, "/account/logout", {}, page="/account")
    assert out.status_code == 303
    # The abandoned sign-up above is still there; the signed-out one is gone.
    assert _stored_sessions(app) == 1


# ---- CSRF bound to the session -----------------------------------------------------------------


async def test_a_csrf_token_from_another_visitors_page_is_refused(client, second_client, services) -> None:
    await sign_up(client, services, "13500000006")
    await sign_up(second_client, services, "13500000007")
    theirs = _token(await second_client.get("/register"))
    response = await client.post("/register/start", data={"_csrf_token": theirs}, follow_redirects=False)
    assert response.status_code == 403
    assert translations("zh_CN").ugettext("Your session has expired") in response.text


async def test_a_planted_csrf_cookie_does_not_help_once_there_is_a_session(client, second_client, services) -> None:
    # Double-submit alone trusts any matching cookie and field: an attacker who plants their own cookie
    # and posts its token would pass. With a session, only the session's token counts.
    await sign_up(client, services, "13500000008")
    await second_client.get("/")
    planted = second_client.cookies.get("csrftoken")
    assert planted
    client.cookies.set("csrftoken", planted)
    response = await client.post("/register/start", data={"_csrf_token": planted}, follow_redirects=False)
    assert response.status_code == 403
    own = await post_form(client, "/register/start", {}, page="/register")
    assert own.status_code == 303


async def test_signing_in_gives_forms_a_new_csrf_token(client, services) -> None:
    await sign_up(client, services, "13500000009")
    await post_form(client, "/account/logout", {}, page="/account")
    before = _token(await client.get("/account/login"))
    signed_in = await client.post(
        "/account/login", data={"_csrf_token": before, "phone": "13500000009", "password": PASSWORD}
    )
    assert signed_in.status_code == 303
    after = _token(await client.get("/account"))
    assert after != before
    stale = await client.post("/account/logout", data={"_csrf_token": before}, follow_redirects=False)
    assert stale.status_code == 403
    fresh = await client.post("/account/logout", data={"_csrf_token": after}, follow_redirects=False)
    assert fresh.status_code == 303


async def test_staff_forms_carry_the_staff_sessions_token(client, db) -> None:
    await create_named_staff(db)
    anonymous_token = _token(await client.get("/staff/login"))
    await sign_in_staff(client, "chikan_clerk")
    staff_token = _token(await client.get("/staff"))
    assert staff_token != anonymous_token
    refused = await client.post("/staff/logout", data={"_csrf_token": anonymous_token}, follow_redirects=False)
    assert refused.status_code == 403
    out = await client.post("/staff/logout", data={"_csrf_token": staff_token}, follow_redirects=False)
    assert out.status_code == 303
