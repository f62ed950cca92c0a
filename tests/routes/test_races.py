"""Requests that arrive together: limits hold exactly, one-time codes work once, the audit log neither
serialises nor forks, and the loser of a foreseeable race gets its designed page."""

from __future__ import annotations

import asyncio
import re
from collections import Counter
from typing import Any

import httpx
import pyotp
import pytest
from sqlalchemy import func, select, text

from portal.models import AuditEntry, OutboxMessage, ResidentAccount, SmsCode, StaffUser
from portal.services import audit
from tests.conftest import post_form
from tests.residents import PASSWORD, latest_code, sign_up
from tests.staffing import STAFF_PASSWORD, create_named_staff, sign_in_staff

NEW_PASSWORD = "kites over the bay"
_CSRF = re.compile(r'name="_csrf_token" value="([^"]+)"')


async def _token(client: httpx.AsyncClient, url: str) -> str:
    match = _CSRF.search((await client.get(url)).text)
    assert match, url
    return match.group(1)


def _client(app: Any, address: str = "127.0.0.1") -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app, client=(address, 50100)),
                             base_url="http://127.0.0.1:8000")  # fmt: skip


async def _at_once(n: int, send: Any) -> Counter[int]:
    responses = await asyncio.gather(*(send() for _ in range(n)))
    return Counter(r.status_code for r in responses)


# ---- limits and one-time codes --------------------------------------------------------------------


async def test_200_simultaneous_wrong_reset_codes_use_up_exactly_five_tries(client, services, db) -> None:
    phone = "13700000101"
    await sign_up(client, services, phone)
    client.cookies.clear()
    await post_form(client, "/account/reset", {"phone": phone})
    code = await latest_code(services, phone)
    wrong = "111111" if code != "111111" else "222222"
    token = await _token(client, "/account/reset/verify")
    form = {"code": wrong, "password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD, "_csrf_token": token}

    statuses = await _at_once(200, lambda: client.post("/account/reset/verify", data=form))

    assert statuses == {200: 200}
    assert await db.scalar(select(SmsCode.attempts).where(SmsCode.purpose == "reset")) == 5
    right = await client.post("/account/reset/verify", data={**form, "code": code})
    assert right.status_code == 200  # the code is spent: the right one no longer works
    assert 'id="code-error"' in right.text


async def test_one_right_code_sent_three_times_at_once_is_accepted_once(client, services, db) -> None:
    phone = "13700000102"
    await post_form(client, "/account/sign-up", {"phone": phone})
    code = await latest_code(services, phone)
    token = await _token(client, "/account/sign-up/verify")
    form = {"code": code, "password": PASSWORD, "password_confirm": PASSWORD, "_csrf_token": token}

    statuses = await _at_once(3, lambda: client.post("/account/sign-up/verify", data=form))

    assert statuses == {303: 1, 200: 2}
    assert await db.scalar(select(func.count()).select_from(ResidentAccount)) == 1


async def test_40_simultaneous_wrong_passwords_check_exactly_the_limit(client, services, db) -> None:
    phone = "13700000103"
    await sign_up(client, services, phone)
    client.cookies.clear()
    token = await _token(client, "/account/login")
    form = {"phone": phone, "password": "not the password", "_csrf_token": token}

    statuses = await _at_once(40, lambda: client.post("/account/login", data=form))

    assert statuses == {200: 10, 429: 30}


async def test_the_password_limit_is_per_number_and_address_so_a_stranger_cannot_lock_a_resident_out(
    app, client, services
) -> None:
    phone = "13700000104"
    await sign_up(client, services, phone)
    async with _client(app, "10.9.9.9") as stranger:
        token = await _token(stranger, "/account/login")
        form = {"phone": phone, "password": "guess", "_csrf_token": token}
        assert await _at_once(15, lambda: stranger.post("/account/login", data=form)) == {200: 10, 429: 5}
    client.cookies.clear()
    response = await post_form(client, "/account/login", {"phone": phone, "password": PASSWORD})
    assert response.status_code == 303


async def test_30_simultaneous_sign_ups_to_one_number_send_exactly_five_texts(client, db) -> None:
    phone = "13700000105"
    token = await _token(client, "/account/sign-up")

    statuses = await _at_once(30, lambda: client.post("/account/sign-up", data={"phone": phone, "_csrf_token": token}))

    assert statuses == {303: 5, 429: 25}
    assert await db.scalar(select(func.count()).select_from(OutboxMessage).where(OutboxMessage.phone == phone)) == 5


async def _totp_user(client, db) -> str:
    await create_named_staff(db)
    await sign_in_staff(client, "chikan_clerk")
    page = await client.get("/staff/account")
    secret = re.search(r'<code class="secret">([A-Z2-7]+)</code>', page.text).group(1)
    await post_form(client, "/staff/account/totp", {"code": pyotp.TOTP(secret).now()}, page="/staff/account")
    client.cookies.clear()
    response = await post_form(client, "/staff/login", {"username": "chikan.clerk", "password": STAFF_PASSWORD})
    assert response.headers["location"] == "/staff/login/code"
    await db.execute(text("UPDATE staff_users SET totp_last_step = NULL"))  # the enrolment used this step
    await db.commit()
    return secret


async def test_60_simultaneous_two_factor_codes_check_exactly_ten(client, db) -> None:
    await _totp_user(client, db)
    token = await _token(client, "/staff/login/code")

    statuses = await _at_once(
        60, lambda: client.post("/staff/login/code", data={"code": "000000", "_csrf_token": token})
    )

    assert statuses == {200: 10, 429: 50}


async def test_one_two_factor_code_sent_three_times_at_once_signs_in_once(client, db) -> None:
    secret = await _totp_user(client, db)
    token = await _token(client, "/staff/login/code")
    form = {"code": pyotp.TOTP(secret).now(), "_csrf_token": token}

    statuses = await _at_once(3, lambda: client.post("/staff/login/code", data=form))

    assert statuses == {303: 1, 200: 2}
    assert await db.scalar(select(StaffUser.totp_last_step).where(StaffUser.username == "chikan.clerk")) is not None


# ---- addresses behind a reverse proxy ---------------------------------------------------------------


@pytest.mark.parametrize(("trusted", "separate"), [(True, True), (False, False)])
async def test_forwarded_addresses_count_only_from_trusted_proxies(settings, trusted, separate) -> None:
    from dataclasses import replace

    from portal.app import create_app
    from portal.config import TrustedProxies
    from tests.conftest import empty_tables

    proxies = TrustedProxies("127.0.0.1" if trusted else "")
    app = create_app(replace(settings, trusted_proxies=proxies, login_attempts_per_15min=2))
    try:
        async with _client(app) as behind_proxy:
            token = await _token(behind_proxy, "/account/login")

            async def attempt(address: str) -> int:
                response = await behind_proxy.post(
                    "/account/login", data={"phone": "13700000106", "password": "x", "_csrf_token": token},
                    headers={"X-Forwarded-For": f"203.0.113.9, {address}"},
                )  # fmt: skip
                return response.status_code

            first = [await attempt("198.51.100.1") for _ in range(3)]
            second = await attempt("198.51.100.2")
        assert first == [200, 200, 429]
        assert second == (200 if separate else 429)
    finally:
        await empty_tables(app.state.services.engine)
        await app.state.services.engine.dispose()


# ---- the audit log under many staff at once -----------------------------------------------------------


async def test_twelve_staff_opening_the_queue_at_once_for_20_rounds(app, db, services) -> None:
    from portal.models import StaffRole
    from tests.staffing import _password_hash

    names = [f"clerk{n:02d}" for n in range(12)]
    for name in names:
        db.add(StaffUser(username=name, full_name=name, password_hash=_password_hash(), role=StaffRole.CLERK,
                         area_code="440802"))  # fmt: skip
    await db.commit()
    clients = [_client(app, f"10.0.0.{n + 1}") for n in range(12)]
    try:
        for name, staff_client in zip(names, clients, strict=True):
            response = await post_form(staff_client, "/staff/login", {"username": name, "password": STAFF_PASSWORD})
            assert response.status_code == 303
        for _ in range(20):
            statuses = Counter(r.status_code for r in await asyncio.gather(*(c.get("/staff") for c in clients)))
            assert statuses == {200: 12}
    finally:
        for staff_client in clients:
            await staff_client.aclose()

    views = await db.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "queue.view"))
    assert views == 12 * 20
    per_person = Counter((await db.execute(select(AuditEntry.username).where(AuditEntry.action == "queue.view")))
                         .scalars())  # fmt: skip
    assert set(per_person.values()) == {20}
    report = await audit.seal_and_checkpoint(services.sessionmaker, services.settings.audit_checkpoint_file)
    assert report.sealed == await db.scalar(select(func.count()).select_from(AuditEntry))
    check = await audit.verify_chain(db, services.settings.audit_checkpoint_file)
    assert check.ok, check
    assert check.unsealed == 0


# ---- races answered as designed -------------------------------------------------------------------------


async def test_two_reviewers_deciding_one_case_at_once_the_loser_sees_what_changed(app, client, services, db) -> None:
    from tests.staffing import make_case

    await create_named_staff(db)
    async with _client(app, "10.0.0.2") as second:
        await sign_in_staff(client, "chikan_reviewer")
        await sign_in_staff(second, "chikan_reviewer")
        for round_ in range(8):
            case = await make_case(db, services, phone=f"1330000{round_:04d}", id_number=None if round_ == 0 else
                                   _id_for(round_))  # fmt: skip
            url = f"/staff/cases/{case.number}"
            await post_form(client, f"{url}/compare", {}, page=url)
            forms = []
            for reviewer, outcome in ((client, {"outcome": "register"}),
                                      (second, {"outcome": "reject", "reason": "in_work"})):  # fmt: skip
                page = (await reviewer.get(url)).text
                state = {name: re.search(rf'name="{name}" value="([^"]*)"', page).group(1)
                         for name in ("version", "seen_event", "_csrf_token")}  # fmt: skip
                forms.append((reviewer, {**state, **outcome}))
            responses = await asyncio.gather(*(r.post(f"{url}/decide", data=form) for r, form in forms))
            assert sorted(r.status_code for r in responses) == [303, 409], [r.text[:300] for r in responses]
            clash = next(r for r in responses if r.status_code == 409)
            assert "已登记" in clash.text or "已驳回" in clash.text or "不予登记" in clash.text


def _id_for(n: int) -> str:
    from datetime import date

    from tests.conftest import make_id

    return make_id(date(1980 + n, 3, 1), "M", sequence=n)


async def test_twenty_simultaneous_submits_make_one_registration_and_each_gets_its_page(client, services, db) -> None:
    from portal.models import Registration
    from tests.residents import ZHANG_SAN, fill_in

    await sign_up(client, services, "13700000107")
    await fill_in(client, ZHANG_SAN)
    token = await _token(client, "/register/check")

    responses = await asyncio.gather(*(client.post("/register/submit", data={"_csrf_token": token}) for _ in range(20)))

    assert {r.status_code for r in responses} == {303}
    number = await db.scalar(select(Registration.number))
    assert await db.scalar(select(func.count()).select_from(Registration)) == 1
    assert {r.headers["location"] for r in responses} <= {f"/register/done/{number}", f"/account/applications/{number}"}


async def test_a_running_portal_seals_entries_moments_after_their_commit(app, client, services, db) -> None:
    import contextlib
    import time

    from portal.models import AuditSeal

    services.sealer.every_seconds = 60  # only the wake-up after a commit can seal within the test's second
    task = asyncio.create_task(services.sealer.run())
    try:
        await create_named_staff(db)
        await sign_in_staff(client, "chikan_clerk")  # the sign-in is audited, and so is the queue view
        await client.get("/staff")
        started, sealed, written = time.monotonic(), 0, 0
        while time.monotonic() - started < 5:
            written = await db.scalar(select(func.count()).select_from(AuditEntry))
            sealed = await db.scalar(select(func.count()).select_from(AuditSeal))
            await db.rollback()
            # The sealer writes the checkpoint just after it commits the seals: wait for both.
            if written and sealed == written and services.settings.audit_checkpoint_file.exists():
                break
            await asyncio.sleep(0.02)
        elapsed = time.monotonic() - started
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    assert written >= 2
    assert sealed == written
    assert elapsed < 1
    assert services.settings.audit_checkpoint_file.exists()


async def test_ten_simultaneous_reports_of_work_leave_one_open_proposal(services, db) -> None:
    from datetime import date, timedelta

    from portal.models import Registration, RegistrationStatus, StatusProposal
    from portal.services import proposals
    from tests.staffing import make_case

    case = await make_case(db, services)
    registration = await db.get(Registration, case.id)
    registration.status = RegistrationStatus.REGISTERED
    await db.commit()
    started = (date.today() - timedelta(days=3)).isoformat()

    async def report(n: int) -> None:
        async with services.sessionmaker() as session:
            await proposals.report_work(
                session, case.account_id, case.number, kind="hired", detail=f"employer {n}", started=started
            )
            await session.commit()

    await asyncio.gather(*(report(n) for n in range(10)))

    open_proposals = (await db.execute(select(StatusProposal.reason, StatusProposal.state))).all()
    assert [(p.reason, p.state.value) for p in open_proposals] == [("1", "open")]


async def test_two_staff_dismissing_one_proposal_at_once_settle_it_once(services, db) -> None:
    from portal.models import Registration, RegistrationStatus, StatusProposal
    from portal.services import proposals
    from portal.services.errors import NotFound
    from portal.services.staff import scope_of
    from tests.staffing import make_case

    await create_named_staff(db)
    case = await make_case(db, services)
    registration = await db.get(Registration, case.id)
    registration.status = RegistrationStatus.REGISTERED
    proposal = StatusProposal(registration_id=case.id, reason="9", source="job", detail={})
    db.add(proposal)
    await db.commit()
    clerk = scope_of(await db.scalar(select(StaffUser).where(StaffUser.username == "chikan.clerk")))

    async def dismiss() -> str:
        async with services.sessionmaker() as session:
            try:
                await proposals.dismiss(session, clerk, proposal.id, note="reached by phone")
            except NotFound:
                return "already settled"
            await session.commit()
            return "dismissed"

    outcomes = await asyncio.gather(dismiss(), dismiss())

    assert sorted(outcomes) == ["already settled", "dismissed"]
    dismissals = await db.scalar(
        select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "proposal.dismiss")
    )
    assert dismissals == 1


async def test_requests_that_write_before_they_commit_finish_while_the_sealer_runs(client, services) -> None:
    """A sealer that waited for SQLite's lock while holding a turn that such a request waited for at its commit
    stalled both for the 30 s busy timeout: nothing may hold a turn across SQLite's lock."""
    import contextlib

    from tests.residents import ZHANG_SAN, fill_in

    services.sealer.every_seconds = 0.01
    task = asyncio.create_task(services.sealer.run())
    try:
        await sign_up(client, services, "13700000108")
        # Every step saves the draft (an UPDATE) well before the request commits.
        await asyncio.wait_for(fill_in(client, ZHANG_SAN), timeout=20)
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
