"""Cross-cutting behaviour over HTTP: health, languages, CSRF, headers, status links, privacy."""

from __future__ import annotations

import base64
import logging
import time

import httpx
import pytest
from sqlalchemy import select, text

from portal.app import create_app
from portal.crypto import SealedTokens
from portal.models import Registration
from portal.services import receipts
from tests.conftest import post_form
from tests.residents import PASSWORD, ZHANG_SAN, fill_in, sign_up, submit


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


def _status_link(page) -> str:
    return page.text.split('class="status-link"><a href="', 1)[1].split('"', 1)[0]


async def test_status_link_shows_the_status_and_nothing_personal(client, services, db) -> None:
    number = await _submitted(client, services, "13600000002")
    receipt = await client.get(f"/register/done/{number}")
    link = _status_link(receipt)
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
    tokens = services.status_tokens
    expired = receipts.status_token(tokens, registration.id, 30, now=time.time() - 31 * receipts.DAY)
    valid = receipts.status_token(tokens, registration.id, 30)
    forged = valid[:10] + ("B" if valid[10] == "A" else "A") + valid[11:]
    other_key = receipts.status_token(SealedTokens(bytes(32), "status-link"), registration.id, 30)
    # The old format: the id and expiry in plain base64, signed.
    old_format = base64.urlsafe_b64encode(f"{registration.id}|{int(time.time()) + 3600}".encode()).decode() + ".x"
    assert (await client.get(f"/status/{valid}")).status_code == 200
    for token in (expired, forged, other_key, old_format, "nonsense", "令牌"):
        assert (await client.get(f"/status/{token}")).status_code == 404, token


async def test_status_token_reveals_nothing_and_is_the_same_all_day(client, services, db) -> None:
    number = await _submitted(client, services, "13600000010")
    registration = await db.scalar(select(Registration))
    first = _status_link(await client.get(f"/register/done/{number}"))
    again = _status_link(await client.get(f"/account/applications/{number}"))
    assert first == again
    token = first.rsplit("/", 1)[1]
    raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    for leak in (f"{registration.id}|".encode(), registration.id.to_bytes(8, "big"), number.encode()):
        assert leak not in raw
    tomorrow = receipts.status_token(services.status_tokens, registration.id, 30, now=time.time() + receipts.DAY)
    assert tomorrow != token


async def test_receipt_links_use_the_configured_address_not_the_host_header(client, services) -> None:
    number = await _submitted(client, services, "13600000011")
    for path in (f"/register/done/{number}", f"/account/applications/{number}"):
        page = await client.get(path, headers={"host": "evil.example"})
        assert page.status_code == 200
        link = _status_link(page)
        assert link.startswith(services.settings.base_url + "/status/")
        assert "evil.example" not in page.text


async def test_qr_code_is_drawn_once_for_each_status_link(client, services) -> None:
    number = await _submitted(client, services, "13600000012")
    receipts.draw_once.cache_clear()
    for _ in range(5):
        page = await client.get(f"/account/applications/{number}")
        assert '<svg class="qr" role="img"' in page.text
    info = receipts.draw_once.cache_info()
    assert (info.misses, info.hits) == (1, 4)


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


@pytest.mark.parametrize(
    ("accept_language", "html_lang"),
    [
        ("en-US,en;q=0.9", "en"),
        ("zh-TW,zh;q=0.9,en;q=0.8", "zh-CN"),
        ("fr-FR, en;q=0.5, zh;q=0.3", "en"),
        ("en;q=0.2, zh-CN;q=0.8", "zh-CN"),
        ("de-DE, ja", "zh-CN"),
        ("en;q=0, fr", "zh-CN"),
        ("", "zh-CN"),
    ],
)
async def test_first_visit_language_follows_accept_language(client, accept_language: str, html_lang: str) -> None:
    page = await client.get("/", headers={"accept-language": accept_language})
    assert f'<html lang="{html_lang}">' in page.text


async def test_a_chosen_language_wins_over_accept_language(client) -> None:
    await client.get("/lang?to=zh_CN&next=/")
    page = await client.get("/", headers={"accept-language": "en-GB,en"})
    assert '<html lang="zh-CN">' in page.text


def _token(page) -> str:
    return page.text.split('name="_csrf_token" value="', 1)[1].split('"', 1)[0]


async def test_switching_language_on_a_step_keeps_what_was_typed_without_saving_it(app, client, services) -> None:
    await sign_up(client, services, "13600000013")
    await post_form(client, "/register/start", {}, page="/register")
    page = await client.get("/register/step/identity")
    # Without JavaScript: the language button submits the step's form to the language switch.
    assert '<form id="step-form"' in page.text
    assert 'form="step-form" formaction="/lang?to=en&amp;next=%2Fregister%2Fstep%2Fidentity" formmethod="post"' in (
        page.text
    )
    typed = {"name": "李四", "id_number": ZHANG_SAN["identity"]["id_number"], "ethnicity": "壮族"}
    switched = await client.post(
        "/lang?to=en&next=/register/step/identity", data={**typed, "_csrf_token": _token(page)}, follow_redirects=False
    )
    assert switched.status_code == 303
    assert switched.headers["location"] == "/register/step/identity"
    stored = b"".join(item.data for item in app.stores.get("sessions")._store.values())
    assert typed["id_number"].encode() not in stored
    english = await client.get("/register/step/identity")
    assert '<html lang="en">' in english.text
    for value in typed.values():
        assert f'value="{value}"' in english.text
    # Given back once, and never saved as an answer.
    again = await client.get("/register/step/identity")
    assert "李四" not in again.text
    assert (await client.get("/register/step/contact", follow_redirects=False)).status_code == 303


async def test_switching_language_on_the_sign_in_form_keeps_the_number_but_never_the_password(
    app, client, services
) -> None:
    await sign_up(client, services, "13600000014")
    await post_form(client, "/account/logout", {}, page="/account")
    page = await client.get("/account/login?next=/register")
    form = {"phone": "13600000014", "password": PASSWORD, "next": "/register", "_csrf_token": _token(page)}
    switched = await client.post("/lang?to=en&next=/account/login%3Fnext%3D/register", data=form)
    assert switched.status_code == 303
    assert switched.headers["location"] == "/account/login?next=/register"
    english = await client.get(switched.headers["location"])
    assert '<html lang="en">' in english.text
    assert 'value="13600000014"' in english.text
    assert PASSWORD not in english.text
    # Nothing is left to keep, so there is no session any more; the page's form works all the same.
    assert len(app.stores.get("sessions")._store) == 0
    signed_in = await client.post("/account/login", data={**form, "_csrf_token": _token(english)})
    assert signed_in.status_code == 303
    assert signed_in.headers["location"] == "/register"


async def test_no_api_schema_is_published(client) -> None:
    # Litestar would serve its OpenAPI schema and viewers at /schema: a map of every form for nobody's use.
    for path in ("/schema", "/schema/openapi.json", "/schema/swagger"):
        assert (await client.get(path)).status_code == 404
