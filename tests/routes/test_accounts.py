"""Resident accounts over HTTP: sign-up by SMS code, log in and out, password reset, rate limits."""

from __future__ import annotations

from sqlalchemy import func, select

from portal.models import OutboxMessage, ResidentAccount, SmsCode
from tests.conftest import post_form
from tests.residents import PASSWORD, latest_code, sign_up


async def test_sign_up_sends_a_code_and_creates_a_signed_in_account(client, services, db) -> None:
    await sign_up(client, services, "13700000001")
    account = await db.scalar(select(ResidentAccount))
    assert account.phone == "13700000001"
    assert account.password_hash.startswith("$argon2id$")
    home = await client.get("/account")
    assert home.status_code == 200
    assert "137****0001" in home.text


async def test_sms_code_is_stored_only_as_a_hash(client, services, db) -> None:
    await post_form(client, "/account/sign-up", {"phone": "13700000002"})
    code = await latest_code(services, "13700000002")
    row = await db.scalar(select(SmsCode))
    assert code not in row.code_hash
    assert "13700000002" not in row.phone_hash


async def test_wrong_code_is_refused_and_what_was_typed_is_kept(client, services, db) -> None:
    await post_form(client, "/account/sign-up", {"phone": "13700000003"})
    response = await post_form(
        client, "/account/sign-up/verify", {"code": "000000", "password": PASSWORD, "password_confirm": PASSWORD}
    )
    assert response.status_code == 200
    assert 'id="code-error"' in response.text
    assert 'value="000000"' in response.text
    assert PASSWORD not in response.text  # passwords are never sent back
    assert await db.scalar(select(func.count()).select_from(ResidentAccount)) == 0


async def test_code_stops_working_after_five_wrong_tries(client, services, db) -> None:
    await post_form(client, "/account/sign-up", {"phone": "13700000004"})
    code = await latest_code(services, "13700000004")
    wrong = "111111" if code != "111111" else "222222"
    for _ in range(5):
        await post_form(
            client, "/account/sign-up/verify", {"code": wrong, "password": PASSWORD, "password_confirm": PASSWORD}
        )
    response = await post_form(
        client, "/account/sign-up/verify", {"code": code, "password": PASSWORD, "password_confirm": PASSWORD}
    )
    assert response.status_code == 200
    assert await db.scalar(select(func.count()).select_from(ResidentAccount)) == 0


async def test_weak_passwords_are_refused(client, services) -> None:
    await post_form(client, "/account/sign-up", {"phone": "13700000005"})
    code = await latest_code(services, "13700000005")
    for weak in ("short1", "12345678", "x13700000005y"):
        response = await post_form(
            client, "/account/sign-up/verify", {"code": code, "password": weak, "password_confirm": weak}
        )
        assert response.status_code == 200
        assert 'id="password-error"' in response.text


async def test_invalid_phone_number_is_explained(client) -> None:
    response = await post_form(client, "/account/sign-up", {"phone": "12345"})
    assert response.status_code == 200
    assert 'id="phone-error"' in response.text
    assert 'value="12345"' in response.text


async def test_sign_up_on_a_taken_number_looks_the_same_but_texts_a_warning(client, services, db) -> None:
    await sign_up(client, services, "13700000006")
    client.cookies.clear()
    response = await post_form(client, "/account/sign-up", {"phone": "13700000006"})
    assert response.status_code == 303
    assert response.headers["location"] == "/account/sign-up/verify"
    body = await db.scalar(select(OutboxMessage.body).order_by(OutboxMessage.id.desc()).limit(1))
    assert "已注册" in body


async def test_wrong_credentials_give_one_message_whether_or_not_the_number_exists(client, services) -> None:
    await sign_up(client, services, "13700000007")
    client.cookies.clear()
    wrong_password = await post_form(client, "/account/login", {"phone": "13700000007", "password": "not it at all"})
    no_account = await post_form(client, "/account/login", {"phone": "13700000008", "password": "not it at all"})
    assert wrong_password.status_code == no_account.status_code == 200

    def message(text: str) -> str:
        return text.split('id="phone-error">', 1)[1].split("</p>", 1)[0]

    assert message(wrong_password.text) == message(no_account.text)


async def test_login_and_logout(client, services) -> None:
    await sign_up(client, services, "13700000009")
    out = await post_form(client, "/account/logout", {}, page="/account/login")
    assert out.status_code == 303
    assert (await client.get("/account", follow_redirects=False)).status_code == 303
    response = await post_form(
        client, "/account/login", {"phone": "13700000009", "password": PASSWORD, "next": "/register"}
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/register"
    assert (await client.get("/account")).status_code == 200


async def test_login_is_rate_limited(client, services) -> None:
    await sign_up(client, services, "13700000010")
    client.cookies.clear()
    limit = services.settings.login_attempts_per_15min
    for _ in range(limit):
        await post_form(client, "/account/login", {"phone": "13700000010", "password": "wrong password!"})
    blocked = await post_form(client, "/account/login", {"phone": "13700000010", "password": PASSWORD})
    assert blocked.status_code == 429
    assert (await client.get("/account", follow_redirects=False)).status_code == 303


async def test_login_redirect_never_leaves_the_site(client, services) -> None:
    await sign_up(client, services, "13700000011")
    client.cookies.clear()
    response = await post_form(
        client, "/account/login", {"phone": "13700000011", "password": PASSWORD, "next": "//evil.example/x"}
    )
    assert response.headers["location"] == "/account"


async def test_password_reset_by_sms_code(client, services) -> None:
    await sign_up(client, services, "13700000012")
    client.cookies.clear()
    await post_form(client, "/account/reset", {"phone": "13700000012"})
    code = await latest_code(services, "13700000012")
    new = "a brand new passphrase"
    response = await post_form(
        client, "/account/reset/verify", {"code": code, "password": new, "password_confirm": new}
    )
    assert response.status_code == 303
    client.cookies.clear()
    old = await post_form(client, "/account/login", {"phone": "13700000012", "password": PASSWORD})
    assert old.status_code == 200
    ok = await post_form(client, "/account/login", {"phone": "13700000012", "password": new})
    assert ok.status_code == 303


async def test_reset_for_an_unknown_number_sends_nothing_but_looks_the_same(client, db) -> None:
    response = await post_form(client, "/account/reset", {"phone": "13700000013"})
    assert response.status_code == 303
    assert response.headers["location"] == "/account/reset/verify"
    assert await db.scalar(select(func.count()).select_from(OutboxMessage)) == 0


async def test_sms_sending_is_rate_limited(client, services) -> None:
    for _ in range(services.settings.sms_per_hour):
        assert (await post_form(client, "/account/sign-up", {"phone": "13700000014"})).status_code == 303
    assert (await post_form(client, "/account/sign-up", {"phone": "13700000014"})).status_code == 429


async def test_signing_in_gives_a_new_session_id(client, services) -> None:
    await sign_up(client, services, "13700000015")
    client.cookies.clear()
    await client.get("/account/login")
    await post_form(client, "/account/reset", {"phone": "13700000099"}, page="/account/reset")
    planted = client.cookies.get("session")
    assert planted
    response = await post_form(client, "/account/login", {"phone": "13700000015", "password": PASSWORD})
    assert response.status_code == 303
    new = client.cookies.get("session")
    assert new
    assert new != planted
    client.cookies.set("session", planted)
    assert (await client.get("/account", follow_redirects=False)).status_code == 303  # the planted ID got nothing
