"""The signed-in resident's own settings and records: a new password, a new number (checked by a code sent to
it), what they told us (masked as staff see it), who at the agency opened their record, and the privacy notice."""

from __future__ import annotations

import asyncio
import copy

import httpx
from sqlalchemy import select

from portal.models import AuditEntry, EventKind, OutboxMessage, Registration, RegistrationEvent, ResidentAccount
from portal.services import accounts
from portal.services.errors import InputError
from tests.conftest import post_form
from tests.residents import PASSWORD, ZHANG_SAN, fill_in, latest_code, sign_up, submit
from tests.staffing import registered_over_http, sign_in_staff

NEW_PASSWORD = "blue river at noon"


def _client(app, address: str = "127.0.0.9") -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=(address, 50000))
    return httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8000")


async def _log_in(client, phone: str, password: str = PASSWORD):
    return await post_form(client, "/account/login", {"phone": phone, "password": password, "next": "/account"})


async def test_a_new_password_signs_out_every_other_session_and_is_told_by_text(app, client, services, db) -> None:
    await sign_up(client, services, "13700000101")
    async with _client(app) as other_phone:
        assert (await _log_in(other_phone, "13700000101")).status_code == 303
        assert (await other_phone.get("/account")).status_code == 200
        wrong = await post_form(client, "/account/password", {"current_password": "not it", "password": NEW_PASSWORD,
                                                              "password_confirm": NEW_PASSWORD})  # fmt: skip
        assert wrong.status_code == 200
        assert 'href="#current_password"' in wrong.text
        assert "not it" not in wrong.text  # passwords are never sent back
        changed = await post_form(client, "/account/password", {"current_password": PASSWORD,
                                                                "password": NEW_PASSWORD,
                                                                "password_confirm": NEW_PASSWORD})  # fmt: skip
        assert changed.headers["location"] == "/account?done=password"
        assert (await client.get("/account")).status_code == 200  # this session goes on
        signed_out = await other_phone.get("/account", follow_redirects=False)
        assert signed_out.status_code == 303
        assert signed_out.headers["location"].startswith("/account/login")
    told = await db.scalar(select(OutboxMessage.body).where(OutboxMessage.phone == "13700000101")
                           .order_by(OutboxMessage.id.desc()).limit(1))  # fmt: skip
    assert "密码已修改" in told
    client.cookies.clear()
    assert (await _log_in(client, "13700000101")).status_code == 200  # the old password no longer works
    assert (await _log_in(client, "13700000101", NEW_PASSWORD)).status_code == 303


async def test_guessing_the_current_password_is_limited_like_a_log_in(client, services, settings) -> None:
    await sign_up(client, services, "13700000102")
    form = {"current_password": "guess", "password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD}
    statuses = [(await post_form(client, "/account/password", form)).status_code
                for _ in range(settings.login_attempts_per_15min + 1)]  # fmt: skip
    assert statuses[-1] == 429
    right = await post_form(client, "/account/password", {**form, "current_password": PASSWORD})
    assert right.status_code == 429  # not even the right one, until the window passes


async def test_a_new_number_needs_the_code_sent_to_it_and_texts_follow_it(app, client, services, db) -> None:
    person = copy.deepcopy(ZHANG_SAN)
    person["contact"]["phone"] = "13700000103"  # the registration's texts go to the account's number
    await sign_up(client, services, "13700000103")
    await fill_in(client, person)
    number = (await submit(client)).headers["location"].rsplit("/", 1)[1]
    same = await post_form(client, "/account/phone", {"phone": "137 0000 0103", "password": PASSWORD})
    assert 'href="#phone"' in same.text
    wrong_password = await post_form(client, "/account/phone", {"phone": "13700000104", "password": "nope"})
    assert 'href="#password"' in wrong_password.text
    sent = await post_form(client, "/account/phone", {"phone": "13700000104", "password": PASSWORD})
    assert sent.headers["location"] == "/account/phone/verify"
    assert "137****0104" in (await client.get("/account/phone/verify")).text
    wrong = await post_form(client, "/account/phone/verify", {"code": "000000"})
    assert 'href="#code"' in wrong.text
    code = await latest_code(services, "13700000104")
    done = await post_form(client, "/account/phone/verify", {"code": code})
    assert done.headers["location"] == "/account?done=phone"
    account = await db.scalar(select(ResidentAccount).where(ResidentAccount.phone == "13700000104"))
    assert account is not None
    registration = await db.scalar(select(Registration).where(Registration.number == number))
    assert registration.phone == "13700000104"
    kinds = (
        await db.scalars(select(RegistrationEvent.kind).where(RegistrationEvent.registration_id == registration.id))
    ).all()
    assert EventKind.PHONE_CHANGED in kinds
    old_told = await db.scalar(select(OutboxMessage.body).where(OutboxMessage.phone == "13700000103")
                               .order_by(OutboxMessage.id.desc()).limit(1))  # fmt: skip
    assert "137****0104" in old_told
    client.cookies.clear()
    assert (await _log_in(client, "13700000104")).status_code == 303


async def test_a_number_with_its_own_account_cannot_be_taken(client, services, db) -> None:
    await sign_up(client, services, "13700000105")
    client.cookies.clear()
    await sign_up(client, services, "13700000106")
    await post_form(client, "/account/phone", {"phone": "13700000105", "password": PASSWORD})
    refused = await post_form(client, "/account/phone/verify", {"code": await latest_code(services, "13700000105")})
    assert refused.status_code == 200
    assert "此号码已有自己的账户" in refused.text
    assert await db.scalar(select(ResidentAccount.id).where(ResidentAccount.phone == "13700000106")) is not None


async def test_a_new_number_and_a_sign_up_on_it_at_once_make_one_account_with_it(db, services) -> None:
    account = await accounts.create_account(db, "13700000107", PASSWORD, "zh_CN")
    await db.commit()
    await accounts.start_phone_change(
        db, services.sms, services.cipher, services.limiter, per_hour=10, per_15min=5, account=account,
        address="10.0.0.7", phone="13700000109", password=PASSWORD,
    )  # fmt: skip
    await db.commit()
    code = await latest_code(services, "13700000109")

    async def change() -> str:
        async with services.sessionmaker() as session:
            mine = await session.get(ResidentAccount, account.id)
            try:
                await accounts.finish_phone_change(session, services.sms, services.cipher, mine, phone="13700000109",
                                                   code=code)  # fmt: skip
                await session.commit()
                return "changed"
            except InputError as refused:
                return "taken" if refused.errors == {"code": accounts.PHONE_TAKEN} else repr(refused.errors)

    async def sign_up_on_it() -> str:
        async with services.sessionmaker() as session:
            created = await accounts.create_account(session, "13700000109", PASSWORD, "zh_CN")
            await session.commit()
            return "signed up" if created is not None else "taken"

    if services.settings.database_url.startswith("sqlite"):
        outcomes = [await sign_up_on_it(), await change()]
    else:
        outcomes = list(await asyncio.gather(change(), sign_up_on_it()))
    assert sorted(outcomes) in (["changed", "taken"], ["signed up", "taken"])
    owners = (await db.scalars(select(ResidentAccount.id).where(ResidentAccount.phone == "13700000109"))).all()
    assert len(owners) == 1


async def test_what_you_told_us_shows_the_answers_with_the_id_number_masked(client, services, db) -> None:
    await sign_up(client, services, "13700000110")
    await fill_in(client, ZHANG_SAN)
    number = (await submit(client)).headers["location"].rsplit("/", 1)[1]
    page = await client.get(f"/account/applications/{number}/answers")
    assert page.status_code == 200
    assert page.headers["cache-control"] == "no-store"
    id_number = ZHANG_SAN["identity"]["id_number"]
    assert id_number not in page.text
    assert id_number[-4:] in page.text
    assert "霞山区示例路2号" in page.text
    assert "湛江某公司" in page.text
    client.cookies.clear()
    await sign_up(client, services, "13700000111")
    assert (await client.get(f"/account/applications/{number}/answers")).status_code == 404


async def test_the_resident_sees_which_agency_opened_their_record_and_when(app, client, services, db, named_staff):
    number = await registered_over_http(client, services, db, "13700000112")
    async with _client(app, "127.0.0.2") as staff:
        await sign_in_staff(staff, "xiashan_clerk")
        await staff.get(f"/staff/cases/{number}")
    async with _client(app, "127.0.0.3") as other:
        await sign_in_staff(other, "chikan_clerk")
        assert (await other.get(f"/staff/cases/{number}")).status_code == 404
    page = await client.get("/account/record-access")
    assert page.status_code == 200
    assert "霞山区公共就业服务中心" in page.text
    assert "查看个案" in page.text
    assert "试图查看本辖区以外的个案" in page.text  # the refused attempt is shown too
    assert "赤坎区公共就业服务中心" in page.text
    assert "霞山经办" not in page.text  # never a staff member's name
    assert await db.scalar(select(AuditEntry.id).where(AuditEntry.target_id == number)) is not None


async def test_the_privacy_notice_is_public_in_both_languages(client) -> None:
    page = await client.get("/privacy")
    assert page.status_code == 200
    assert "我们保存您的哪些信息" in page.text
    client.cookies.set("lang", "en")
    assert "What we keep about you, and why" in (await client.get("/privacy")).text
