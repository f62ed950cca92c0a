"""Staff sign-in over HTTP: two-factor sign-in, the staff session cookie and the staff account page."""

from __future__ import annotations

from tests.conftest import post_form
from tests.staffing import sign_in_staff


async def test_city_admin_needs_two_factor_sign_in(client, named_staff) -> None:
    response = await post_form(client, "/staff/login", {"username": "city.admin", "password": "ledger and lantern"})
    assert response.headers["location"] == "/staff/login/enrol"
    assert (await client.get("/staff", follow_redirects=False)).headers["location"] == "/staff/login"


async def test_any_staff_member_can_turn_on_two_factor_sign_in(client, db, named_staff) -> None:
    import re

    import pyotp

    await sign_in_staff(client, "chikan_clerk")
    page = await client.get("/staff/account")
    secret = re.search(r'<code class="secret">([A-Z2-7]+)</code>', page.text).group(1)
    wrong = await post_form(client, "/staff/account/totp", {"code": "000000"}, page="/staff/account")
    assert wrong.status_code == 200
    assert 'id="code-error"' in wrong.text
    # One code, sent twice: a fresh `now()` for the second would be a new code if a 30-second step turned meanwhile.
    code = pyotp.TOTP(secret).now()
    ok = await post_form(client, "/staff/account/totp", {"code": code}, page="/staff/account")
    assert ok.status_code == 303
    client.cookies.clear()
    response = await post_form(client, "/staff/login", {"username": "chikan.clerk", "password": "ledger and lantern"})
    assert response.headers["location"] == "/staff/login/code"
    # The code just used cannot be used again: a new one is needed.
    reused = await post_form(client, "/staff/login/code", {"code": code})
    assert reused.status_code == 200


async def test_staff_sessions_have_their_own_cookie_with_a_30_minute_idle_timeout(client, named_staff) -> None:
    response = await post_form(client, "/staff/login", {"username": "chikan.clerk", "password": "ledger and lantern"})
    cookie = next(c for c in response.headers.get_list("set-cookie") if c.startswith("staff_session="))
    assert "Max-Age=1800" in cookie
    assert "SameSite=strict" in cookie or "SameSite=Strict" in cookie
    assert "session" not in {c.split("=", 1)[0] for c in response.headers.get_list("set-cookie")}
    # Every request renews it: the timeout counts from the last action, not from sign-in.
    again = await client.get("/staff")
    assert any(c.startswith("staff_session=") for c in again.headers.get_list("set-cookie"))
