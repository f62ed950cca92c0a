"""Bad input over HTTP: every form and path parameter answers a 4xx page in the reader's language, never a 500."""

from __future__ import annotations

import re
from urllib.parse import quote, quote_plus

import httpx
import pytest
from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import DataError

from portal.models import ProposalState, Registration, RegistrationStatus, StaffRole, StaffUser, StatusProposal
from portal.services import proposals as proposals_service
from portal.services.passwords import passwords
from tests.conftest import HTMX, post_form
from tests.residents import PASSWORD, ZHANG_SAN, answer, fill_in, sign_up, submit
from tests.staffing import STAFF_PASSWORD, create_named_staff, make_case, sign_in_staff

HUGE = "99999999999999999999999"
_CSRF = re.compile(r'name="_csrf_token" value="([^"]+)"')


@pytest.fixture
async def named_staff(db) -> None:
    await create_named_staff(db)


async def _token(client, page: str) -> str:
    match = _CSRF.search((await client.get(page)).text)
    assert match, page
    return match.group(1)


async def _state(client, number: str) -> dict[str, str]:
    page = await client.get(f"/staff/cases/{number}")
    version = page.text.split('name="version" value="', 1)[1].split('"', 1)[0]
    seen = page.text.split('name="seen_event" value="', 1)[1].split('"', 1)[0]
    return {"version": version, "seen_event": seen}


def _chinese(text: str) -> bool:
    return re.search(r"[\u4e00-\u9fff]{2}", text) is not None


async def test_non_ascii_csrf_token_in_the_form_is_refused_with_the_forbidden_page(client) -> None:
    await client.get("/account/login")
    response = await client.post("/account/login", data={"phone": "13700000001", "_csrf_token": "令牌" * 40})
    assert response.status_code == 403
    assert "页面已超时" in response.text


async def test_non_ascii_csrf_token_in_the_header_is_refused_with_the_forbidden_page(client) -> None:
    await client.get("/account/login")
    response = await client.post(
        "/account/login", data={"phone": "13700000001"}, headers={"x-csrftoken": ("é" * 130).encode()}
    )
    assert response.status_code == 403
    assert "页面已超时" in response.text


async def test_huge_proposal_id_in_the_path_is_not_found(client, named_staff) -> None:
    await sign_in_staff(client, "chikan_clerk")
    token = await _token(client, "/staff/proposals")
    response = await client.post(f"/staff/proposals/{HUGE}/confirm", data={"_csrf_token": token, "note": "x"})
    assert response.status_code == 404
    assert "页面不存在" in response.text


async def test_huge_version_in_a_decision_is_a_stale_form_not_a_crash(client, services, db, named_staff) -> None:
    case = await make_case(db, services)
    await sign_in_staff(client, "chikan_reviewer")
    state = await _state(client, case.number)
    response = await post_form(
        client, f"/staff/cases/{case.number}/decide",
        {**state, "seen_event": HUGE, "version": HUGE, "outcome": "register"}, page=f"/staff/cases/{case.number}",
    )  # fmt: skip
    assert response.status_code == 409
    registration = await db.scalar(select(Registration).where(Registration.number == case.number))
    assert registration.status is RegistrationStatus.SUBMITTED


async def test_nul_byte_in_a_form_field_gets_the_bad_request_page(client, named_staff) -> None:
    response = await post_form(client, "/staff/login", {"username": "chikan\x00clerk", "password": "x"})
    assert response.status_code == 400
    assert "请求有误" in response.text


async def test_pages_for_refused_requests_are_in_the_readers_language(client) -> None:
    client.cookies.set("lang", "en")
    token = await _token(client, "/account/login")
    bad_token = await client.post("/account/login", data={"phone": "1", "_csrf_token": "令牌" * 40})
    nul = await client.post("/account/login", data={"phone": "1\x00", "_csrf_token": token})
    unrouted = await client.get("/no/such/page")
    assert (bad_token.status_code, nul.status_code, unrouted.status_code) == (403, 400, 404)
    assert "Your session has expired" in bad_token.text
    assert "Something was wrong with the request" in nul.text
    assert "Page not found" in unrouted.text


async def test_end_reference_longer_than_its_column_is_a_field_error_and_kept(
    client, services, db, named_staff
) -> None:
    case = await make_case(db, services)
    await db.execute(
        update(Registration).where(Registration.id == case.id).values(status=RegistrationStatus.REGISTERED)
    )
    await db.commit()
    await sign_in_staff(client, "chikan_clerk")
    state = await _state(client, case.number)
    typed = "湛人社公告" + "〔2026〕1号" * 30
    response = await post_form(
        client, f"/staff/cases/{case.number}/end",
        {**state, "end_reason": "11", "end_date": "2026-01-05", "end_note": "公告", "end_reference": typed},
        page=f"/staff/cases/{case.number}",
    )  # fmt: skip
    assert response.status_code == 200
    assert 'id="end_reference-error"' in response.text
    assert "100" in response.text.split('id="end_reference-error"', 1)[1].split("</p>", 1)[0]
    assert f'value="{typed}"' in response.text


async def test_staff_full_name_longer_than_its_column_is_a_field_error_and_kept(client, db, named_staff) -> None:
    await sign_in_staff(client, "city_admin")
    typed = "欧阳" * 31
    response = await post_form(
        client, "/staff/users",
        {"username": "new.clerk", "full_name": typed, "password": "ledger and lantern", "role": "clerk",
         "area_code": "440802"},
    )  # fmt: skip
    assert response.status_code == 200
    assert 'id="full_name-error"' in response.text
    assert f'value="{typed}"' in response.text
    assert await db.scalar(select(StaffUser).where(StaffUser.username == "new.clerk")) is None


async def test_a_megabyte_of_staff_notes_is_refused_beside_the_field(client, services, db, named_staff) -> None:
    case = await make_case(db, services)
    await sign_in_staff(client, "chikan_reviewer")
    state = await _state(client, case.number)
    response = await post_form(
        client, f"/staff/cases/{case.number}/decide",
        {**state, "outcome": "reject", "reason": "other", "note": "n" * 1_000_000},
        page=f"/staff/cases/{case.number}",
    )  # fmt: skip
    assert response.status_code == 200
    assert 'id="note-error"' in response.text
    registration = await db.scalar(select(Registration).where(Registration.number == case.number))
    assert registration.status is RegistrationStatus.SUBMITTED


async def _registered_resident(client, services, db) -> str:
    await sign_up(client, services, "13700000009")
    await fill_in(client, ZHANG_SAN)
    done = await submit(client)
    number = done.headers["location"].rsplit("/", 1)[1]
    await db.execute(
        update(Registration).where(Registration.number == number).values(status=RegistrationStatus.REGISTERED)
    )
    await db.commit()
    return number


async def test_report_work_with_a_missing_answer_shows_the_error_beside_the_field(client, services, db) -> None:
    number = await _registered_resident(client, services, db)
    response = await post_form(
        client, f"/account/applications/{number}/report-work", {"kind": "hired", "detail": "湛江某公司", "started": ""},
        page=f"/account/applications/{number}",
    )  # fmt: skip
    assert response.status_code == 200
    assert 'id="started-error"' in response.text
    assert 'value="湛江某公司"' in response.text


async def test_an_address_over_its_limit_is_a_field_error_that_keeps_what_was_typed(client, services) -> None:
    await sign_up(client, services, "13700000011")
    await fill_in(client, ZHANG_SAN, until="hukou")
    typed = "赤坎区示例街" * 40  # 240 characters; the limit is 200
    response = await answer(client, "hukou", {**ZHANG_SAN["hukou"], "hukou_address": typed})
    assert response.status_code == 200
    error = response.text.split('id="hukou_address-error"', 1)[1].split("</p>", 1)[0]
    assert "200" in error
    assert f'value="{typed}"' in response.text


async def test_a_dismissal_note_over_its_limit_is_a_field_error_that_keeps_what_was_typed(
    client, services, db, named_staff
) -> None:
    case = await make_case(db, services)
    await db.execute(
        update(Registration).where(Registration.id == case.id).values(status=RegistrationStatus.REGISTERED)
    )
    proposal = StatusProposal(registration_id=case.id, reason="1", source="resident", detail={})
    db.add(proposal)
    await db.commit()
    await sign_in_staff(client, "chikan_clerk")
    typed = "核实" * 1001
    response = await post_form(
        client, f"/staff/proposals/{proposal.id}/dismiss", {"note": typed}, page="/staff/proposals"
    )
    assert response.status_code == 200
    assert "2000" in response.text.split(f'id="{proposal.id}-note-error"', 1)[1].split("</p>", 1)[0]
    assert f'value="{typed}"' in response.text
    await db.refresh(proposal)
    assert proposal.state is ProposalState.OPEN


async def test_reported_work_detail_over_its_limit_is_refused_rather_than_cut(client, services, db) -> None:
    number = await _registered_resident(client, services, db)
    typed = "湛江某某有限公司" * 30
    response = await post_form(
        client, f"/account/applications/{number}/report-work",
        {"kind": "hired", "detail": typed, "started": "2026-01-05"}, page=f"/account/applications/{number}",
    )  # fmt: skip
    assert response.status_code == 200
    assert "200" in response.text.split('id="detail-error"', 1)[1].split("</p>", 1)[0]
    assert f'value="{typed}"' in response.text
    assert await db.scalar(select(func.count()).select_from(StatusProposal)) == 0


# ---- the fuzz walk: every form field and path parameter with each bad value ----------------------

# Each value is sent in place of one field at a time, the other fields holding good answers, so that
# the bad value reaches the deepest check (and the database) rather than stopping at a missing field.
BAD_TEXT = {
    "nul": "a\x00b",
    "megabyte": "x" * 1_000_000,
    "ten_thousand": "字" * 10_000,
    "huge_integer": HUGE,
    "negative_integer": "-1",
    "emoji": "张三😀",
    "february_30": "2026-02-30",
    "zero_date": "0000-00-00",
    "nines_date": "9999-99-99",
}
RAW_BYTES = b"\xff\xfe\x80abc"  # sent unencoded: not UTF-8, not even ASCII
PERCENT_BYTES = b"%FF%FE%80abc"  # percent-encoded bytes that are not UTF-8
BAD_VALUES: dict[str, str | bytes] = {**BAD_TEXT, "raw_bytes": RAW_BYTES, "percent_bytes": PERCENT_BYTES}
# In a URL: no megabyte (clients and servers refuse URLs over 64 KB long) and ten thousand ASCII
# characters (ten thousand Chinese ones are 90 KB once percent-encoded).
BAD_PATH_PARTS = {
    **{name: quote(value, safe="") for name, value in BAD_TEXT.items() if name not in ("megabyte", "ten_thousand")},
    "ten_thousand": "x" * 10_000,
    "percent_bytes": PERCENT_BYTES.decode(),
}
DATES = ("february_30", "zero_date", "nines_date")
INTEGERS = ("huge_integer", "negative_integer")
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _values_for(good: str) -> dict[str, str | bytes]:
    """The bad values that mean something for a field: malformed dates for a date, numbers out of
    range for a number, and for every field NUL, lengths, emoji and bytes that are not UTF-8 (to a
    text or choice field a number or a date is just more text, as the emoji already is)."""
    skip = set(DATES + INTEGERS)
    if ISO_DATE.match(good):
        skip -= set(DATES)
    elif good.isdigit():
        skip -= set(INTEGERS)
    return {name: value for name, value in BAD_VALUES.items() if name not in skip}


FORM_TYPE = {"content-type": "application/x-www-form-urlencoded"}
TITLE = re.compile(r"<title>(.*?)</title>", re.S)


def _encode(data: dict[str, str | bytes]) -> bytes:
    return b"&".join(
        quote_plus(name).encode() + b"=" + (value if isinstance(value, bytes) else quote_plus(value).encode())
        for name, value in data.items()
    )


class Walker:
    """Sends the requests, alternating the reader's language, and keeps every answer that is a
    server error or a page in the wrong language."""

    def __init__(self, client, token: str, problems: list[str]) -> None:
        self.client = client
        self.token = token
        self.sent = 0
        self.problems = problems

    def _language(self) -> str:
        self.sent += 1
        locale = ("zh_CN", "en")[self.sent % 2]
        self.client.cookies.set("lang", locale)
        return locale

    def _check(self, response, locale: str, what: str) -> None:
        if response.status_code >= 500:
            self.problems.append(f"{response.status_code} {what}")
            return
        if response.is_redirect or "<html" not in response.text:
            return  # a redirect, or an htmx fragment (the ID preview) that has no page around it
        title = TITLE.search(response.text)
        if locale == "en":
            right = '<html lang="en">' in response.text and title and "Zhanjiang Employment Services" in title.group(1)
        else:
            right = '<html lang="zh-CN">' in response.text and title and _chinese(title.group(1))
        if not right:
            self.problems.append(f"{response.status_code} not in {locale}: {what}")

    async def post(self, url: str, data: dict[str, str | bytes], what: str = "", headers: dict | None = None):
        locale = self._language()
        body = _encode({**data, "_csrf_token": self.token})
        response = await self.client.post(url, content=body, headers={**FORM_TYPE, **(headers or {})})
        self._check(response, locale, f"POST {url[:80]} {what}")
        return response

    async def get(self, url: str, what: str = "") -> None:
        locale = self._language()
        response = await self.client.get(url)
        self._check(response, locale, f"GET {url[:80]} {what}")

    async def form(self, url: str, good: dict[str, str], reset=None, headers: dict | None = None) -> None:
        """Each field of the form in turn, with each bad value; `reset` puts the case back after a
        bad value was accepted (a note of "-1" is a note), so that the next one meets the same case."""
        if reset is not None:
            await reset()
        for name in good or {"unexpected": ""}:
            for label, value in _values_for(good.get(name, "")).items():
                response = await self.post(url, {**good, name: value}, f"{name}={label}", headers)
                if reset is not None and response.is_redirect:
                    await reset()

    async def query(self, path: str, names: list[str]) -> None:
        for name in names:
            for label, value in BAD_PATH_PARTS.items():
                await self.get(f"{path}?{name}={value}", f"{name}={label}")

    async def path(self, template: str, good: dict[str, str], method: str = "GET", data=None) -> None:
        for name in good:
            for label, value in BAD_PATH_PARTS.items():
                url = template.format(**{**good, name: value})
                if method == "GET":
                    await self.get(url, f"{{{name}}}={label}")
                else:
                    await self.post(url, data or {}, f"{{{name}}}={label}")


async def _walker(client, page: str, problems: list[str]) -> Walker:
    return Walker(client, await _token(client, page), problems)


async def test_resident_account_forms_answer_bad_input_without_a_server_error(client, services) -> None:
    problems: list[str] = []
    walk = await _walker(client, "/account/sign-up", problems)
    await walk.form("/account/sign-up", {"phone": "13700000021"})
    await walk.form("/account/login", {"phone": "13700000021", "password": PASSWORD, "next": "/account"})
    await walk.form("/account/reset", {"phone": "13700000021"})
    await walk.query("/account/login", ["next"])
    await walk.query("/lang", ["to", "next"])
    assert (await post_form(client, "/account/sign-up", {"phone": "13700000022"})).status_code == 303
    good = {"code": "123456", "password": PASSWORD, "password_confirm": PASSWORD}
    await walk.form("/account/sign-up/verify", good)
    assert (await post_form(client, "/account/reset", {"phone": "13700000022"})).status_code == 303
    await walk.form("/account/reset/verify", good)
    await walk.form("/account/logout", {})
    assert problems == [], "\n".join(problems)


async def test_registration_forms_answer_bad_input_without_a_server_error(client, services, db) -> None:
    problems: list[str] = []
    await sign_up(client, services, "13700000031")
    await fill_in(client, ZHANG_SAN)
    walk = await _walker(client, "/register/check", problems)
    answers = {
        **ZHANG_SAN,
        "pension": {"pension_category": "F55"},
        "needs": {"difficulties": "veteran", "services_wanted": "job_matching"},
        "papers": {"missing_papers": "none"},
        "commitment": {"signed_name": "张三", "agree": "yes"},
    }
    for step, good in answers.items():
        await walk.form(f"/register/step/{step}", good)
    await walk.form("/register/id-preview", ZHANG_SAN["identity"])
    # The check of one field as it loses focus (htmx), for a field of each kind, and for names it does not know.
    for step, field in (("identity", "name"), ("contact", "phone"), ("employment", "employment_ended_on"),
                        ("skills", "skills"), ("hukou", "no_such_field")):  # fmt: skip
        await walk.form(f"/register/step/{step}/field", answers[step], headers={**HTMX, "HX-Trigger-Name": field})
    await walk.query("/register/step/identity", ["returning"])
    await walk.form("/register/start", {})
    await walk.form("/register/submit", {})
    number = await db.scalar(select(Registration.number))
    await db.execute(
        update(Registration).where(Registration.number == number).values(status=RegistrationStatus.REGISTERED)
    )
    await db.commit()
    await walk.form(
        f"/account/applications/{number}/report-work",
        {"kind": "hired", "detail": "湛江某公司", "started": "2026-01-05"},
    )
    await walk.query(f"/account/applications/{number}", ["reported"])
    await walk.query("/account", ["done"])
    assert problems == [], "\n".join(problems)


def _staff_client(app, address: str):
    # Its own address, so that its failed sign-ins do not count against the other clients' limits.
    transport = httpx.ASGITransport(app=app, client=(address, 50000))
    return httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8000")


async def test_staff_sign_in_forms_answer_bad_input_without_a_server_error(app, client, db, named_staff) -> None:
    problems: list[str] = []
    await sign_in_staff(client, "city_admin")  # enrols the city administrator's authenticator
    second_admin = StaffUser(
        username="city.admin2", full_name="第二位管理员", password_hash=passwords.hash(STAFF_PASSWORD),
        role=StaffRole.CITY_ADMIN,
    )  # fmt: skip
    db.add(second_admin)
    await db.commit()
    async with _staff_client(app, "127.0.0.2") as other:
        walk = await _walker(other, "/staff/login", problems)
        await walk.form("/staff/login", {"username": "xiashan.clerk", "password": STAFF_PASSWORD})
    async with _staff_client(app, "127.0.0.3") as pending:
        response = await post_form(pending, "/staff/login", {"username": "city.admin", "password": STAFF_PASSWORD})
        assert response.headers["location"] == "/staff/login/code"
        walk = await _walker(pending, "/staff/login/code", problems)
        await walk.form("/staff/login/code", {"code": "123456"})
    async with _staff_client(app, "127.0.0.4") as enrolling:
        response = await post_form(enrolling, "/staff/login", {"username": "city.admin2", "password": STAFF_PASSWORD})
        assert response.headers["location"] == "/staff/login/enrol"
        walk = await _walker(enrolling, "/staff/login/enrol", problems)
        await walk.form("/staff/login/enrol", {"code": "123456"})
    async with _staff_client(app, "127.0.0.5") as clerk:
        await sign_in_staff(clerk, "chikan_clerk")
        walk = await _walker(clerk, "/staff/account", problems)
        await walk.form("/staff/account/totp", {"code": "123456"})
        await walk.form("/staff/logout", {})
    assert problems == [], "\n".join(problems)


async def test_case_forms_answer_bad_input_without_a_server_error(app, client, services, db, named_staff) -> None:
    problems: list[str] = []
    case = await make_case(db, services, missing=["termination_proof"])
    number = case.number

    def reset(**values):
        async def put_back() -> None:
            await db.execute(update(Registration).where(Registration.number == number).values(version=1, **values))
            await db.commit()

        return put_back

    lock = {"version": "1", "seen_event": "0"}
    await sign_in_staff(client, "chikan_reviewer")
    walk = await _walker(client, f"/staff/cases/{number}", problems)
    base = f"/staff/cases/{number}"
    await walk.form(f"{base}/compare", {})
    await walk.form(f"{base}/investigate", {"investigation_outcome": "match", "investigation_note": "上门核实"})
    await walk.form(
        f"{base}/decide", {**lock, "outcome": "reject", "reason": "other", "note": "说明", "commitment": "kept"},
        reset(status=RegistrationStatus.DEFERRED),
    )  # fmt: skip
    registered = reset(status=RegistrationStatus.REGISTERED, county_code="440802")
    await walk.form(
        f"{base}/end",
        {**lock, "end_reason": "11", "end_date": "2026-01-05", "end_note": "公告",
         "end_reference": "湛人社〔2026〕1号"},
        registered,
    )  # fmt: skip
    await walk.form(f"{base}/transfer", {**lock, "to_area": "440803", "transfer_note": "搬家"}, registered)
    await walk.form(
        f"{base}/service-records",
        {"service_day": "2026-01-05", "service_kind": "tracking", "service_channel": "phone",
         "service_result": "reached", "service_note": "已联系"},
        registered,
    )  # fmt: skip
    await walk.query("/staff", ["status", "county", "due", "page_number"])
    await walk.query(base, ["done"])
    async with _staff_client(app, "127.0.0.2") as admin:
        await sign_in_staff(admin, "city_admin")
        admin_walk = await _walker(admin, "/staff/users", problems)
        await admin_walk.form(
            f"{base}/reverse", {**lock, "why": "误操作"}, reset(status=RegistrationStatus.EXITED, end_reason="9")
        )
    assert problems == [], "\n".join(problems)


async def test_proposal_user_and_audit_forms_answer_bad_input_without_a_server_error(
    app, client, services, db, named_staff
) -> None:
    problems: list[str] = []
    case = await make_case(db, services)
    proposal = StatusProposal(registration_id=case.id, reason="1", source="resident", detail={"kind": "hired"})
    db.add(proposal)
    await db.commit()

    async def open_again() -> None:
        await db.execute(
            update(Registration).where(Registration.id == case.id).values(status=RegistrationStatus.REGISTERED)
        )
        await db.execute(update(StatusProposal).values(state=ProposalState.OPEN))
        await db.commit()

    await sign_in_staff(client, "chikan_clerk")
    walk = await _walker(client, "/staff/proposals", problems)
    await walk.form(f"/staff/proposals/{proposal.id}/confirm", {"end_date": "2026-01-05", "note": "已就业"}, open_again)
    await walk.form(f"/staff/proposals/{proposal.id}/dismiss", {"note": "未就业"}, open_again)
    await walk.query("/staff/proposals", ["page_number"])

    async def no_new_user() -> None:
        await db.execute(delete(StaffUser).where(StaffUser.username == "new.clerk"))
        await db.commit()

    async with _staff_client(app, "127.0.0.2") as admin:
        await sign_in_staff(admin, "city_admin")
        admin_walk = await _walker(admin, "/staff/users", problems)
        await admin_walk.form(
            "/staff/users",
            {"username": "new.clerk", "full_name": "新同事", "password": "ledger and lantern", "role": "clerk",
             "area_code": "440802"},
            no_new_user,
        )  # fmt: skip
        await admin_walk.form("/staff/users/chikan.clerk/deactivate", {})
        await admin_walk.form("/staff/users/chikan.clerk/reactivate", {})
        await admin_walk.form("/staff/users/chikan.clerk/password", {"password": "ledger and lantern"})
        await admin_walk.query("/staff/audit", ["username", "action", "target", "page_number"])
    assert problems == [], "\n".join(problems)


async def test_path_parameters_answer_bad_input_without_a_server_error(app, client, services, db, named_staff) -> None:
    problems: list[str] = []
    await sign_up(client, services, "13700000041")
    await fill_in(client, ZHANG_SAN)
    number = (await submit(client)).headers["location"].rsplit("/", 1)[1]
    walk = await _walker(client, f"/account/applications/{number}", problems)
    await walk.path("/register/step/{key}", {"key": "identity"})
    await walk.path("/register/step/{key}", {"key": "identity"}, "POST", {"name": "张三"})
    await walk.path("/register/done/{number}", {"number": number})
    await walk.path("/account/applications/{number}", {"number": number})
    await walk.path("/account/applications/{number}/report-work", {"number": number}, "POST", {"kind": "hired"})
    await walk.path("/status/{token}", {"token": "abc.def"})
    async with _staff_client(app, "127.0.0.2") as staff_client:
        await sign_in_staff(staff_client, "city_admin")
        staff_walk = await _walker(staff_client, "/staff/users", problems)
        await staff_walk.path("/staff/cases/{number}", {"number": number})
        await staff_walk.path("/staff/cases/{number}/{action}", {"number": number, "action": "compare"}, "POST")
        await staff_walk.path(
            "/staff/proposals/{proposal_id}/{decision}", {"proposal_id": "1", "decision": "dismiss"}, "POST",
            {"note": "x"},
        )  # fmt: skip
        await staff_walk.path(
            "/staff/users/{username}/{change}", {"username": "chikan.clerk", "change": "password"}, "POST",
            {"password": "ledger and lantern"},
        )  # fmt: skip
    assert problems == [], "\n".join(problems)


async def test_bad_csrf_tokens_and_cookies_get_the_forbidden_or_bad_request_page(client) -> None:
    problems: list[str] = []
    walk = await _walker(client, "/account/login", problems)
    for label, value in BAD_VALUES.items():
        walk.token = value
        response = await walk.post("/account/login", {"phone": "13700000051", "password": "x"}, f"token={label}")
        if response.status_code not in (400, 403):
            problems.append(f"{response.status_code} form token={label}")
    walk.token = await _token(client, "/account/login")
    for label, value in BAD_TEXT.items():
        if "\x00" in value:
            continue  # no HTTP client or server carries a NUL byte in a header
        response = await client.post("/account/login", data={"phone": "1"}, headers={"x-csrftoken": value.encode()})
        if response.status_code != 403:
            problems.append(f"{response.status_code} header token={label}")
    good_cookie = f"csrftoken={client.cookies['csrftoken']}"
    client.cookies.clear()  # the cookies below are the only ones sent
    for name in ("csrftoken", "session", "lang"):
        cookie = "; ".join([good_cookie, f"{name}={'令牌' * 100}"]).encode()
        response = await client.post(
            "/account/login", data={"phone": "1", "_csrf_token": walk.token}, headers={"cookie": cookie}
        )
        shown = await client.get("/account/login", headers={"cookie": cookie})
        if response.status_code >= 500 or shown.status_code >= 500:
            problems.append(f"{response.status_code} {shown.status_code} cookie {name}")
    assert problems == [], "\n".join(problems)


@pytest.mark.parametrize(
    "refusal",
    [
        DataError("UPDATE status_proposals SET detail=$1", {"detail": "13812345678"}, Exception("value too long")),
        OverflowError("Python int too large to convert to SQLite INTEGER"),
    ],
    ids=["database", "driver"],
)
async def test_a_value_the_database_refuses_gets_the_bad_request_page_and_is_not_logged(
    client, services, db, named_staff, monkeypatch, caplog, refusal
) -> None:
    case = await make_case(db, services)
    proposal = StatusProposal(registration_id=case.id, reason="1", source="resident", detail={})
    db.add(proposal)
    await db.commit()
    await sign_in_staff(client, "chikan_clerk")

    async def refused(*args, **kwargs):
        raise refusal

    # Stands for any check a form might still lack: the database has the last word.
    monkeypatch.setattr(proposals_service, "dismiss", refused)
    response = await post_form(
        client, f"/staff/proposals/{proposal.id}/dismiss", {"note": "13812345678"}, page="/staff/proposals"
    )
    assert response.status_code == 400
    assert "请求有误" in response.text
    assert "13812345678" not in caplog.text


async def test_policy_and_service_request_forms_answer_bad_input_without_a_server_error(
    app, client, services, db, named_staff
) -> None:
    from datetime import date

    from portal.models import Commitment, Grant, PolicyApplication, PolicyVersion, ServiceItem, ServiceRequest
    from portal.models.policies import Policy
    from tests.staffing import registered_over_http

    problems: list[str] = []
    registration = await registered_over_http(client, services, db, "13700000051")
    walk = await _walker(client, "/account/service-requests", problems)
    await walk.query("/policies", ["situation"])
    await walk.query("/account/service-history", ["page_number"])
    await walk.query("/account/service-requests", ["page_number"])
    await walk.query("/policies/check", ["age", "sex", "registered", "insured", "intentions", "founded_business"])

    async def no_application() -> None:
        await db.execute(delete(Commitment).where(Commitment.policy_application_id.is_not(None)))
        await db.execute(delete(PolicyApplication))
        await db.commit()

    await walk.form(
        "/policies/P06/apply", {"missing_papers": "training_record", "signed_name": "张三", "agree": "yes"},
        no_application,
    )  # fmt: skip
    await walk.form(
        "/policies/P02/apply",
        {"business_founded_on": "2026-10-01", "rented_premises": "yes", "missing_papers": "none"},
        no_application,
    )
    await walk.form("/account/service-requests", {"kind": "job", "text": "想找仓库管理的工作"})
    request = await db.scalar(select(ServiceRequest.number).limit(1))
    await walk.form(f"/account/service-requests/{request}/reply", {"text": "电工"})
    applied = await post_form(client, "/policies/P06/apply", {"missing_papers": "none"}, page="/policies/P06/apply")
    application = applied.headers["location"].split("/")[-1].split("?")[0]
    for template, good in [
        ("/policies/{code}", {"code": "P06"}),
        ("/policies/{code}/apply", {"code": "P06"}),
        ("/account/policy-applications/{number}", {"number": application}),
        ("/account/service-requests/{number}", {"number": request}),
    ]:
        await walk.path(template, good)
    await walk.path("/account/service-requests/{number}/reply", {"number": request}, "POST", {"text": "x"})
    await walk.path("/account/applications/{number}/answers", {"number": registration})
    await walk.query("/account/record-access", ["older_than"])
    await walk.form("/account/phone", {"phone": "13700000052", "password": PASSWORD})
    await walk.form("/account/phone/verify", {"code": "123456"})
    await walk.form("/account/password", {"current_password": "wrong", "password": "x", "password_confirm": "y"})

    async with _staff_client(app, "127.0.0.2") as staff_client:
        await sign_in_staff(staff_client, "xiashan_reviewer")
        staff_walk = await _walker(staff_client, "/staff/service-requests", problems)
        await staff_walk.query("/staff/service-requests", ["page_number"])
        await staff_walk.query("/staff/service-minimum", ["page_number"])
        await staff_walk.query("/staff/policy-applications", ["page_number"])
        await staff_walk.form("/staff/service-requests", {"registration_number": registration, "kind": "job",
                                                          "text": "来电咨询岗位"})  # fmt: skip
        await staff_walk.form(f"/staff/service-requests/{request}/answer",
                              {"answer": "已推荐", "close": "no", "record_as": "job_recommendation"})  # fmt: skip

        async def undecided() -> None:
            await db.execute(delete(Grant))
            await db.execute(
                update(PolicyApplication).values(status="submitted", version=1, decided_at=None, decided_by=None)
            )
            await db.commit()

        today = date.today().isoformat()
        await staff_walk.form(
            f"/staff/policy-applications/{application}/decide",
            {"version": "1", "outcome": "approve", "amount": "1500", "period_from": today, "period_to": today,
             "note": "核准"},
            undecided,
        )  # fmt: skip
        await staff_walk.path("/staff/service-requests/{number}", {"number": request})
        await staff_walk.path("/staff/policy-applications/{number}", {"number": application})
        await staff_walk.path("/staff/service-requests/{number}/answer", {"number": request}, "POST", {"answer": "x"})

    async with _staff_client(app, "127.0.0.3") as admin:
        await sign_in_staff(admin, "city_admin")
        admin_walk = await _walker(admin, "/staff/policies", problems)

        async def first_version() -> None:
            await db.execute(delete(PolicyVersion).where(PolicyVersion.version > 1))
            await db.execute(update(Policy).values(current_version=1))
            await db.commit()

        texts = dict.fromkeys(("who_zh", "who_en", "gives_zh", "gives_en", "how_zh", "how_en", "where_zh",
                               "where_en"), "文本")  # fmt: skip
        await admin_walk.form(
            "/staff/policies/P13",
            {**texts, "based_on": "1", "title_zh": "标题", "title_en": "Title", "legal_basis": "依据",
             "valid_from": "2021-01-01", "valid_to": "", "is_sample": "yes",
             "conditions": '[{"check": "registered"}]', "change_note": "改"},
            first_version,
        )  # fmt: skip
        await admin_walk.path("/staff/policies/{code}", {"code": "P13"})
        item = dict.fromkeys(("title_zh", "title_en", "for_whom_zh", "for_whom_en", "gives_zh", "gives_en",
                              "where_zh", "where_en"), "文本")  # fmt: skip
        item |= {"sort_order": "3", "is_sample": "yes", "active": "yes"}

        async def item_as_loaded() -> None:
            await db.execute(update(ServiceItem).where(ServiceItem.code == "S03").values(version=1))
            await db.execute(delete(ServiceItem).where(ServiceItem.code == "S12"))
            await db.commit()

        await admin_walk.form("/staff/service-items/S03", {**item, "based_on": "1"}, item_as_loaded)
        await admin_walk.form("/staff/service-items", {**item, "code": "S12"}, item_as_loaded)
        await admin_walk.path("/staff/service-items/{code}", {"code": "S03"})
    assert problems == [], "\n".join(problems)


async def test_notice_objection_and_credit_forms_answer_bad_input_without_a_server_error(
    app, client, services, db
) -> None:
    from datetime import date

    from portal.models import CreditCase, CreditListing, CreditRepayment, Notice, NoticeEntry, Objection
    from tests.routes.test_notice_permissions import _world

    problems: list[str] = []
    numbers = await _world(db, services)
    published, draft = numbers["published"], numbers["draft"]
    walk = await _walker(client, "/objections/track", problems)
    await walk.query("/notices", ["county", "policy", "page_number"])
    await walk.query(f"/notices/{published}", ["page_number"])
    await walk.form(f"/notices/{published}/1/objection", {"who": "anonymous", "ground": "employed", "facts": "在职"})
    await walk.form(
        f"/notices/{published}/1/objection/code",
        {"who": "real_name", "ground": "employed", "facts": "在职", "name": "李四", "phone": "13700000061"},
    )
    await walk.form(f"/notices/{published}/1/objection",
                    {"who": "real_name", "ground": "employed", "facts": "在职", "name": "李四", "phone": "13700000061",
                     "code": "123456"})  # fmt: skip
    await walk.form("/objections/track", {"number": numbers["objection"], "secret": "ABCDEFGHJK"})
    await walk.path("/notices/{number}", {"number": published})
    await walk.path("/notices/{number}/{position}/objection", {"number": published, "position": "1"})
    await sign_up(client, services, "13700000062")
    resident = await _walker(client, "/account/credit", problems)
    await resident.form("/account/objections", {"number": numbers["objection"], "text": "我的说明"})
    await resident.form("/account/credit", {"number": numbers["case"], "statement": "我的陈述"})

    async with _staff_client(app, "127.0.0.4") as staff_client:
        await sign_in_staff(staff_client, "chikan_reviewer")
        staff = await _walker(staff_client, "/staff/notices", problems)
        await staff.query("/staff/notices", ["page_number"])
        await staff.query("/staff/notices/new", ["policy", "granted_from", "granted_to", "working_days"])
        await staff.query("/staff/objections", ["show", "page_number"])
        await staff.query("/staff/credit", ["page_number"])
        today = date.today().isoformat()
        await staff.form("/staff/notices", {"policy": "P06", "granted_from": today, "granted_to": today,
                                            "working_days": "5"})  # fmt: skip

        async def draft_again() -> None:
            await db.execute(update(Notice).where(Notice.number == draft).values(
                status="draft", version=int(numbers["draft_version"]), published_at=None, starts_on=None,
                ends_on=None, withdrawn_at=None))  # fmt: skip
            await db.commit()

        await staff.form(f"/staff/notices/{draft}/publish", {"version": numbers["draft_version"]}, draft_again)
        await staff.form(
            f"/staff/notices/{draft}/withdraw",
            {"version": numbers["draft_version"], "category": "error", "reason": "错"},
            draft_again,
        )

        async def entry_up() -> None:
            await db.execute(update(NoticeEntry).values(taken_down_at=None))
            await db.commit()

        await staff.form(f"/staff/notices/{published}/take-down",
                         {"position": "1", "category": "error", "reason": "错"}, entry_up)  # fmt: skip
        objection = numbers["objection"]

        async def objection_open() -> None:
            await db.execute(delete(CreditCase).where(CreditCase.objection_id.is_not(None)))
            await db.execute(update(Objection).values(status="received", outcome=None, version=1))
            await entry_up()

        await staff.form(f"/staff/objections/{objection}/assign", {"version": "1", "assignee": "1"}, objection_open)
        await staff.form(f"/staff/objections/{objection}/investigate", {"note": "核实", "compare": "yes"})
        await staff.form(f"/staff/objections/{objection}/decide",
                         {"version": "1", "outcome": "not_upheld", "reply": "不成立"}, objection_open)  # fmt: skip
        await staff.form("/staff/credit", {"registration_number": "ZJ20260101000000", "source": "finding",
                                           "facts": "冒领"})  # fmt: skip
        case = numbers["case"]

        async def case_open() -> None:
            await db.execute(delete(CreditListing))
            await db.execute(delete(CreditRepayment))
            await db.execute(update(CreditCase).where(CreditCase.number == case).values(
                status="awaiting_statement", version=1, recover_amount=None, listed_until=None, recovered=0,
                statement_due=date(2000, 1, 1)))  # fmt: skip
            await db.commit()

        await staff.form(f"/staff/credit/{case}/decide",
                         {"version": "1", "stop": "yes", "recover": "1000", "list_until": "2027-06-30",
                          "reasons": "理由"}, case_open)  # fmt: skip
        await case_open()
        await db.execute(update(CreditCase).where(CreditCase.number == case).values(recover_amount=1000))
        await db.commit()
        await staff.form(f"/staff/credit/{case}/repayments", {"amount": "100", "paid_on": today})
        await staff.form(f"/staff/credit/{case}/repair", {"note": "修复"})
        await staff.query("/staff/credit-export", ["since", "as_json"])
        for template, good in [
            ("/staff/notices/{number}", {"number": published}),
            ("/staff/objections/{number}", {"number": objection}),
            ("/staff/objections/{number}/attachment", {"number": objection}),
            ("/staff/credit/{number}", {"number": case}),
        ]:
            await staff.path(template, good)
    assert problems == [], "\n".join(problems)


async def test_the_tracking_list_and_its_contact_form_answer_bad_input_without_a_server_error(
    app, client, services, db, named_staff
) -> None:
    from portal.services.staff import scope_of as staff_scope
    from tests.staffing import registered_case

    problems: list[str] = []
    reviewer = staff_scope(await db.scalar(select(StaffUser).where(StaffUser.username == "chikan.reviewer")))
    registration = await registered_case(db, services, reviewer)
    await sign_in_staff(client, "chikan_clerk")
    walk = await _walker(client, "/staff/tracking", problems)
    await walk.query("/staff/tracking", ["show", "page_number"])
    await walk.form(f"/staff/tracking/{registration.number}",
                    {"channel": "phone", "reached": "yes", "learned": "unemployed", "note": "仍在找工作",
                     "show": "due", "page_number": "1"})  # fmt: skip
    await walk.path("/staff/tracking/{number}", {"number": registration.number}, "POST", {"channel": "phone"})
    assert problems == [], "\n".join(problems)


async def test_the_ledger_its_exports_and_record_tables_answer_bad_input_without_a_server_error(
    app, client, services, db, named_staff
) -> None:
    from portal.services.staff import scope_of as staff_scope
    from tests.staffing import registered_case

    problems: list[str] = []
    reviewer = staff_scope(await db.scalar(select(StaffUser).where(StaffUser.username == "chikan.reviewer")))
    registration = await registered_case(db, services, reviewer)
    await sign_in_staff(client, "chikan_clerk")
    walk = await _walker(client, "/staff/ledger", problems)
    filters = ["kind", "channel", "result", "date_from", "date_to", "staff_member", "flag", "number", "sort", "order",
               "page_number"]  # fmt: skip
    await walk.query("/staff/ledger", filters)
    await walk.query("/staff/ledger/export", ["file", *filters[:-3]])
    await walk.path("/staff/ledger/{number}/record-table", {"number": registration.number})
    assert problems == [], "\n".join(problems)


# ---- issue 10: vacancies, training, loans and entrepreneurship, certification --------------------------------------


async def _xiashan_resident(client, services, db, phone: str, **changes: object):
    """A resident of 霞山 who signed up and was registered over HTTP (wanting training), with `changes` made to
    the registration; the registration."""
    from tests.staffing import registered_over_http

    number = await registered_over_http(client, services, db, phone)
    if changes:
        await db.execute(update(Registration).where(Registration.number == number).values(**changes))
        await db.commit()
    return await db.scalar(select(Registration).where(Registration.number == number))


async def _scope_of(db, username: str):
    from portal.services.staff import scope_of

    return scope_of(await db.scalar(select(StaffUser).where(StaffUser.username == username)))


async def test_vacancy_forms_lists_and_the_csv_import_answer_bad_input_without_a_server_error(
    app, client, services, db, named_staff
) -> None:
    from datetime import date, timedelta

    from portal.models import Recommendation, Vacancy
    from portal.services import vacancies

    problems: list[str] = []
    person = await _xiashan_resident(client, services, db, "13700000071", occupation_intention="电商客服")
    clerk = await _scope_of(db, "xiashan.clerk")
    closing = (date.today() + timedelta(days=30)).isoformat()
    good = {"employer": "霞山某电商公司", "post": "电商客服", "pay_min": "3500", "pay_max": "4500",
            "requirements": "会打字", "skills": "电商", "closing_on": closing}  # fmt: skip
    vacancy = await vacancies.create(db, clerk, vacancies.VacancyForm(**good))
    made = await vacancies.recommend(db, services.sms, clerk, vacancy.id, person.number)
    await db.commit()
    recommendation = made.recommendation.id

    walk = await _walker(client, "/account/vacancies", problems)
    await walk.query("/account/vacancies", ["page_number", "done"])
    for headers in (None, HTMX):
        await walk.form(f"/account/vacancies/{recommendation}/interest", {"interest": "interested"}, headers=headers)
    await walk.path("/account/vacancies/{id}/interest", {"id": str(recommendation)}, "POST", {"interest": "no"})

    async with _staff_client(app, "127.0.0.2") as staff_client:
        await sign_in_staff(staff_client, "xiashan_clerk")
        staff = await _walker(staff_client, "/staff/vacancies", problems)
        await staff.query("/staff/vacancies", ["show", "page_number", "imported"])
        await staff.query(f"/staff/vacancies/{vacancy.id}", ["page_number", "done"])
        await staff.query("/staff/follow-ups", ["show", "page_number", "vacancy", "done"])
        await staff.form("/staff/vacancies", good)

        async def as_made() -> None:
            await db.execute(update(Vacancy).where(Vacancy.id == vacancy.id).values(version=1, status="open"))
            await db.execute(update(Recommendation).values(result="awaiting", result_on=None, result_note=""))
            await db.commit()

        await staff.form(f"/staff/vacancies/{vacancy.id}/edit", {**good, "version": "1"}, as_made)
        await staff.form(f"/staff/vacancies/{vacancy.id}/close", {}, as_made)
        for headers in (None, HTMX):
            await staff.form(
                f"/staff/vacancies/{vacancy.id}/recommend",
                {"number": person.number, "page_number": "1"},
                headers=headers,
            )
            await staff.form(
                f"/staff/recommendations/{recommendation}/follow-up",
                {"result": "interviewed", "note": "已面试", "show": "due", "page_number": "1"}, as_made, headers,
            )  # fmt: skip
        await staff.form("/staff/vacancies/import", {"file": "employer,post"})
        for template, good_path, method in (
            ("/staff/vacancies/{id}", {"id": str(vacancy.id)}, "GET"),
            ("/staff/vacancies/{id}/edit", {"id": str(vacancy.id)}, "GET"),
            ("/staff/vacancies/{id}/edit", {"id": str(vacancy.id)}, "POST"),
            ("/staff/vacancies/{id}/close", {"id": str(vacancy.id)}, "POST"),
            ("/staff/vacancies/{id}/recommend", {"id": str(vacancy.id)}, "POST"),
            ("/staff/recommendations/{id}/follow-up", {"id": str(recommendation)}, "POST"),
        ):
            await staff.path(template, good_path, method, {"number": person.number, "result": "hired"})
        # The file itself: bytes that are not UTF-8, NUL, a line too long, a file over the limit.
        header = ",".join(vacancies.CSV_COLUMNS).encode()
        for label, content in (
            ("raw_bytes", header + b"\n" + RAW_BYTES), ("nul", header + b"\n\x00,\x00"),
            ("long_line", header + b"\n" + "字".encode() * 300_000), ("empty", b""),
            ("over_the_limit", b"x" * (vacancies.IMPORT_MAX_BYTES + 1)), ("no_header", b"a,b\n1,2"),
        ):  # fmt: skip
            response = await staff_client.post(
                "/staff/vacancies/import", data={"_csrf_token": staff.token},
                files={"file": ("vacancies.csv", content, "text/csv")},
            )  # fmt: skip
            if response.status_code >= 500:
                problems.append(f"{response.status_code} POST /staff/vacancies/import file={label}")
    assert problems == [], "\n".join(problems)


async def test_training_forms_and_lists_answer_bad_input_without_a_server_error(
    app, client, services, db, named_staff
) -> None:
    from datetime import date, timedelta

    from portal.models import TrainingEnrolment, TrainingProgramme
    from portal.services import training

    problems: list[str] = []
    await _xiashan_resident(client, services, db, "13700000072")
    clerk = await _scope_of(db, "xiashan.clerk")
    today = date.today()
    good = {"provider": "霞山某培训学校", "course": "网店运营", "details": "周一至周五上午",
            "starts_on": (today + timedelta(days=14)).isoformat(), "ends_on": (today + timedelta(days=44)).isoformat(),
            "enrol_by": (today + timedelta(days=10)).isoformat(), "seats": "20", "subsidy_policy": "P06"}  # fmt: skip
    programme = await training.create(db, clerk, training.ProgrammeForm(**good))
    await db.commit()

    async def not_enrolled() -> None:
        await db.execute(delete(TrainingEnrolment))
        await db.execute(update(TrainingProgramme).values(seats_taken=0, version=1))
        await db.commit()

    walk = await _walker(client, "/account/training", problems)
    await walk.query("/account/training", ["page_number", "done"])
    await walk.form(f"/account/training/{programme.id}/enrol", {}, not_enrolled)
    await walk.path("/account/training/{id}/enrol", {"id": str(programme.id)}, "POST")
    await post_form(client, f"/account/training/{programme.id}/enrol", {}, page="/account/training")
    enrolment = await db.scalar(select(TrainingEnrolment.id))

    async def as_made() -> None:
        await db.execute(update(TrainingProgramme).values(version=1))
        await db.execute(
            update(TrainingEnrolment).values(
                status="enrolled", certificate=False, completion_recorded_at=None, completion_recorded_by=None
            )
        )
        await db.commit()  # fmt: skip

    async with _staff_client(app, "127.0.0.2") as staff_client:
        await sign_in_staff(staff_client, "xiashan_clerk")
        staff = await _walker(staff_client, "/staff/training", problems)
        await staff.query("/staff/training", ["page_number"])
        await staff.query(f"/staff/training/{programme.id}", ["page_number", "done", "told"])
        await staff.form("/staff/training/new", good)
        await staff.form(f"/staff/training/{programme.id}/edit", {**good, "version": "1"}, as_made)
        await staff.form(f"/staff/training/{programme.id}/tell", {})
        await staff.form(f"/staff/training/{programme.id}/enrolments/{enrolment}", {"outcome": "certificate"},
                         as_made)  # fmt: skip
        for template, good_path, method in (
            ("/staff/training/{id}", {"id": str(programme.id)}, "GET"),
            ("/staff/training/{id}/edit", {"id": str(programme.id)}, "GET"),
            ("/staff/training/{id}/edit", {"id": str(programme.id)}, "POST"),
            ("/staff/training/{id}/tell", {"id": str(programme.id)}, "POST"),
            ("/staff/training/{id}/enrolments/{enrolment}", {"id": str(programme.id), "enrolment": str(enrolment)},
             "POST"),
        ):  # fmt: skip
            await staff.path(template, good_path, method, {"outcome": "certificate", "version": "1"})
    assert problems == [], "\n".join(problems)


async def test_loan_and_entrepreneurship_forms_answer_bad_input_without_a_server_error(
    app, client, services, db, named_staff
) -> None:
    from datetime import date

    from portal.models import LoanApplication

    problems: list[str] = []
    person = await _xiashan_resident(client, services, db, "13700000073", wants_business=True)
    good = {"business_name": "小敏湛江特产网店", "business_type": "online_shop", "amount": "100000",
            "purpose": "进货和网店装修", "term_months": "24", "business_registered": "yes",
            "business_registered_on": "2026-10-01"}  # fmt: skip

    async def no_application() -> None:
        await db.execute(delete(LoanApplication))
        await db.commit()

    walk = await _walker(client, "/account/loans", problems)
    await walk.form("/account/loans", good, no_application)
    applied = await post_form(client, "/account/loans", good, page="/account/loans")
    number = applied.headers["location"].split("/")[-1].split("?")[0]
    await walk.query(f"/account/loans/{number}", ["done"])
    await walk.path("/account/loans/{number}", {"number": number})

    def at(status: str):
        async def put_back() -> None:
            await db.execute(
                update(LoanApplication).values(
                    status=status, lender=None, amount_approved=None, approved_on=None, disbursed_on=None, reason=""
                )
            )
            await db.commit()  # fmt: skip

        return put_back

    today = date.today().isoformat()
    async with _staff_client(app, "127.0.0.2") as staff_client:
        await sign_in_staff(staff_client, "xiashan_clerk")
        staff = await _walker(staff_client, "/staff/loans", problems)
        await staff.query("/staff/loans", ["show", "page_number"])
        await staff.query(f"/staff/loans/{number}", ["done"])
        await staff.query("/staff/entrepreneurs", ["page_number", "done", "service"])
        step = f"/staff/loans/{number}/step"
        await staff.form(step, {"seen_status": "submitted", "action": "refuse", "reason": "不符合条件", "note": "x"},
                         at("submitted"))  # fmt: skip
        await staff.form(step, {"seen_status": "checked", "action": "send", "lender": "湛江某银行", "note": "x"},
                         at("checked"))  # fmt: skip
        await staff.form(step, {"seen_status": "sent", "action": "approve", "amount": "80000", "day": today},
                         at("sent"))  # fmt: skip
        await staff.form(step, {"seen_status": "approved", "action": "disburse", "day": today}, at("approved"))
        await staff.form(f"/staff/entrepreneurs/{person.number}",
                         {"service": "opening", "channel": "phone", "result": "reached", "note": "讲解开业流程",
                          "page_number": "1"})  # fmt: skip
        await staff.path("/staff/loans/{number}", {"number": number})
        await staff.path("/staff/loans/{number}/step", {"number": number}, "POST",
                         {"seen_status": "submitted", "action": "check"})  # fmt: skip
        await staff.path("/staff/entrepreneurs/{number}", {"number": person.number}, "POST",
                         {"service": "opening", "channel": "phone", "result": "reached"})  # fmt: skip
    assert problems == [], "\n".join(problems)


async def test_certification_and_category_forms_answer_bad_input_without_a_server_error(
    app, client, services, db, named_staff
) -> None:
    from datetime import date, timedelta

    from portal.models import Certification, DifficultyCategory
    from portal.services import certifications

    problems: list[str] = []
    await _xiashan_resident(client, services, db, "13700000074")
    good = {"category": "disabled", "evidence": "proof", "evidence_text": "残疾人证号 44080319900101",
            "commitment_name": ""}  # fmt: skip

    async def no_application() -> None:
        await db.execute(delete(Certification))
        await db.commit()

    walk = await _walker(client, "/account/certification", problems)
    await walk.query("/account/certification", ["done"])
    await walk.form("/account/certification", good, no_application)
    await walk.form("/account/certification", {**good, "evidence": "commitment", "evidence_text": "",
                                               "commitment_name": "张三"}, no_application)  # fmt: skip
    await no_application()
    applied = await post_form(client, "/account/certification", good, page="/account/certification")
    assert applied.status_code == 303
    number = await db.scalar(select(Certification.number))

    def at(status: str, version: int):
        async def put_back() -> None:
            await db.execute(update(Certification).values(
                status=status, version=version, reasons="" if status == "submitted" else "证件不符",
                decided_at=None if status == "submitted" else Certification.accepted_at,
                recheck_reason="", recheck_requested_at=None, certified_on=None, review_on=None,
            ))  # fmt: skip
            await db.commit()

        return put_back

    async with _staff_client(app, "127.0.0.2") as staff_client:
        await sign_in_staff(staff_client, "xiashan_reviewer")
        staff = await _walker(staff_client, "/staff/certifications", problems)
        await staff.query("/staff/certifications", ["page_number"])
        await staff.query(f"/staff/certifications/{number}", ["done"])
        await staff.form(f"/staff/certifications/{number}", {"outcome": "refuse", "reasons": "证件不符",
                                                            "version": "1"}, at("submitted", 1))  # fmt: skip
        await staff.path("/staff/certifications/{number}", {"number": number})
        await staff.path("/staff/certifications/{number}", {"number": number}, "POST",
                         {"outcome": "refuse", "reasons": "x", "version": "1"})  # fmt: skip
    await at("submitted", 1)()
    await certifications.decide(db, services.sms, await _scope_of(db, "xiashan.reviewer"), number, version=1,
                                outcome="refuse", reasons="证件不符")  # fmt: skip
    await db.commit()
    refused_version = await db.scalar(select(Certification.version))
    refused = at("refused", refused_version)
    await db.execute(update(Certification).values(recheck_until=date.today() + timedelta(days=30)))
    await db.commit()
    await walk.form(f"/account/certification/{number}/recheck", {"reason": "已补办新证"}, refused)
    await walk.path("/account/certification/{number}/recheck", {"number": number}, "POST", {"reason": "x"})

    async def as_loaded() -> None:
        await db.execute(delete(DifficultyCategory).where(DifficultyCategory.code == "flood_victims"))
        await db.commit()

    async with _staff_client(app, "127.0.0.3") as admin:
        await sign_in_staff(admin, "city_admin")
        admin_walk = await _walker(admin, "/staff/difficulty-categories", problems)
        await admin_walk.query("/staff/difficulty-categories", ["done"])
        await admin_walk.form(
            "/staff/difficulty-categories/disabled",
            {"name_zh": "持有残疾人证的残疾人员", "name_en": "Disabled people", "active": "yes"},
        )
        await admin_walk.form("/staff/difficulty-categories",
                              {"code": "flood_victims", "name_zh": "受灾人员", "name_en": "Flood victims"},
                              as_loaded)  # fmt: skip
        await admin_walk.path("/staff/difficulty-categories/{code}", {"code": "disabled"}, "POST",
                              {"name_zh": "残疾人员", "name_en": "Disabled"})  # fmt: skip
    assert problems == [], "\n".join(problems)


async def test_a_category_name_over_its_limit_is_an_error_whose_summary_link_finds_that_categorys_field(
    client, named_staff
) -> None:
    await sign_in_staff(client, "city_admin")
    typed = "残疾" * 101  # 202 characters; the limit is 200
    response = await post_form(client, "/staff/difficulty-categories/disabled",
                               {"name_zh": typed, "name_en": "Disabled people", "active": "yes"},
                               page="/staff/difficulty-categories")  # fmt: skip
    assert response.status_code == 200
    assert 'href="#name_zh-disabled"' in response.text
    assert 'id="name_zh-disabled-error"' in response.text
    assert f'value="{typed}"' in response.text
    added = await post_form(client, "/staff/difficulty-categories", {"code": "flood", "name_zh": "", "name_en": "x"},
                            page="/staff/difficulty-categories")  # fmt: skip
    assert 'href="#new-name_zh"' in added.text
    assert 'id="new-name_zh"' in added.text


async def test_the_statistics_and_the_report_check_answer_bad_input_without_a_server_error(
    app, client, services, db, named_staff
) -> None:
    from portal.clock import local_today
    from portal.services import consistency, statistics
    from portal.services.staff import scope_of as staff_scope
    from tests.staffing import registered_case

    problems: list[str] = []
    reviewer = staff_scope(await db.scalar(select(StaffUser).where(StaffUser.username == "chikan.reviewer")))
    await registered_case(db, services, reviewer)
    month = f"{local_today():%Y-%m}"
    await statistics.take_month(db, month)
    check_id = await consistency.check(db, reviewer, month=month, area="", form={"registered": "5"})
    await db.commit()
    await sign_in_staff(client, "chikan_clerk")
    walk = await _walker(client, "/staff/statistics", problems)
    await walk.query("/staff/statistics", ["month", "area"])
    await walk.query("/staff/statistics/people", ["month", "area", "figure", "page_number"])
    await walk.form("/staff/consistency", {"month": month, "registered": "3", "urban": "1"})
    await walk.path("/staff/consistency/{check_id}", {"check_id": str(check_id)})
    await walk.path("/staff/consistency/template/{fmt}", {"fmt": "csv"})
    await walk.form(f"/staff/consistency/{check_id}/explain", {"figure": "registered", "explanation": "口径不同"})
    assert problems == [], "\n".join(problems)
