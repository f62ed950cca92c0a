"""Cross-cutting behaviour over HTTP: health, languages, CSRF, headers, status links, privacy."""

from __future__ import annotations

import logging
import time

import httpx
from sqlalchemy import select, text

from portal.app import create_app
from portal.models import Registration
from portal.services import receipts
from tests.conftest import post_form
from tests.residents import ZHANG_SAN, fill_in, sign_up, submit


async def test_health_is_ok_with_the_database(client) -> None:
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


async def test_health_is_503_when_the_database_is_unreachable(settings) -> None:
    from dataclasses import replace

    broken = create_app(replace(settings, database_url="postgresql+asyncpg://nobody@127.0.0.1:1/none"))
    transport = httpx.ASGITransport(app=broken)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as test_client:
        response = await test_client.get("/healthz")
    await broken.state.services.engine.dispose()
    assert response.status_code == 503
    assert response.json()["database"] == "unreachable"


async def test_chinese_is_the_default_and_english_is_remembered(client) -> None:
    home = await client.get("/")
    assert '<html lang="zh-CN">' in home.text
    assert "失业登记" in home.text
    switched = await client.get("/lang?to=en&next=/register", follow_redirects=False)
    assert switched.status_code == 303
    assert switched.headers["location"] == "/register"
    english = await client.get("/register")
    assert '<html lang="en">' in english.text
    assert "Register as unemployed" in english.text
    again = await client.get("/")
    assert '<html lang="en">' in again.text


async def test_language_switch_only_redirects_within_the_site(client) -> None:
    response = await client.get("/lang?to=en&next=https://evil.example/", follow_redirects=False)
    assert response.headers["location"] == "/"


async def test_forms_without_a_csrf_token_are_refused(client) -> None:
    response = await client.post("/account/sign-up", data={"phone": "13600000001"}, follow_redirects=False)
    assert response.status_code == 403


async def test_pages_carry_a_strict_content_security_policy(client) -> None:
    response = await client.get("/")
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert response.headers["referrer-policy"] == "no-referrer"
    assert response.headers["x-frame-options"] == "DENY"


async def _submitted(client, services, phone: str) -> str:
    await sign_up(client, services, phone)
    await fill_in(client, ZHANG_SAN)
    response = await submit(client)
    return response.headers["location"].rsplit("/", 1)[1]


async def test_status_link_shows_the_status_and_nothing_personal(client, services, db) -> None:
    number = await _submitted(client, services, "13600000002")
    receipt = await client.get(f"/register/done/{number}")
    link = receipt.text.split('class="status-link"><a href="', 1)[1].split('"', 1)[0]
    path = link.removeprefix("http://127.0.0.1:8000")
    assert path.startswith("/status/")
    client.cookies.clear()
    page = await client.get(path)
    assert page.status_code == 200
    assert "待审核" in page.text
    for personal in ("张三", ZHANG_SAN["identity"]["id_number"], "13900000001", number, "示例街"):
        assert personal not in page.text
        assert personal not in path


async def test_forged_or_expired_status_links_do_not_work(client, services, db) -> None:
    await _submitted(client, services, "13600000003")
    registration = await db.scalar(select(Registration))
    signer = services.status_signer
    expired = signer.sign(str(registration.id), 60, now=time.time() - 3600)
    forged = receipts.status_token(signer, registration.id, 30)[:-2] + "xx"
    for token in (expired, forged, "nonsense"):
        assert (await client.get(f"/status/{token}")).status_code == 404


async def test_id_numbers_are_encrypted_at_rest(client, services, db) -> None:
    id_number = ZHANG_SAN["identity"]["id_number"]
    await sign_up(client, services, "13600000004")
    await fill_in(client, ZHANG_SAN, until="papers")
    draft = (await db.execute(text("SELECT data_cipher FROM registration_drafts"))).scalar_one()
    assert id_number.encode() not in bytes(draft)
    await db.rollback()
    await fill_in(client, ZHANG_SAN)
    await submit(client)
    person = (await db.execute(text("SELECT id_hash, id_cipher FROM people"))).one()
    assert id_number not in person.id_hash
    assert id_number.encode() not in bytes(person.id_cipher)
    assert services.cipher.decrypt(bytes(person.id_cipher), "id").decode() == id_number
    answers = (await db.execute(text("SELECT answers FROM registrations"))).scalar_one()
    assert id_number not in str(answers)


async def test_no_id_or_phone_number_reaches_the_logs(client, services, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    await _submitted(client, services, "13600000005")
    await client.get("/register/step/does-not-exist")
    assert ZHANG_SAN["identity"]["id_number"] not in caplog.text
    assert "13600000005" not in caplog.text
    assert "13900000001" not in caplog.text


async def test_development_outbox_shows_texts_with_masked_numbers(client, services) -> None:
    await post_form(client, "/account/sign-up", {"phone": "13600000006"})
    page = await client.get("/dev/sms")
    assert page.status_code == 200
    assert "136****0006" in page.text
    assert "13600000006" not in page.text


async def test_agencies_are_listed_and_marked_as_samples(client) -> None:
    page = await client.get("/agencies")
    assert page.status_code == 200
    assert page.text.count('class="card"') == 10
    assert "示例" in page.text


async def test_htmx_id_preview_returns_only_the_fragment(client, services) -> None:
    await sign_up(client, services, "13600000007")
    await post_form(client, "/register/start", {}, page="/register")
    page = await client.get("/register/step/identity")
    token = page.text.split('name="_csrf_token" value="', 1)[1].split('"', 1)[0]
    response = await client.post(
        "/register/id-preview",
        data={"_csrf_token": token, "id_number": "440802199001010024"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<div id="id-preview"')
    assert "1990年1月1日" in response.text
    assert "女" in response.text
