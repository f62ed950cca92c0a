"""Unemployment insurance benefit over HTTP: offered on the check-your-answers page, claimed or declined with the
application, shown to the person on their application and to the agency on the case page, granted with the
registration; and who may see it."""

from __future__ import annotations

import copy
import re
from collections.abc import AsyncIterator
from datetime import date, datetime, time, timedelta

import httpx
import pytest
from sqlalchemy import func, select, update

from portal.clock import LOCAL_TZ, local_today
from portal.models import (
    Grant,
    PolicyApplication,
    Registration,
    UiBenefitClaim,
    UiClaimStatus,
    Verification,
    VerificationOutcome,
)
from portal.models import VerificationSource as Source
from tests.conftest import post_form
from tests.residents import ZHANG_SAN, fill_in, sign_up
from tests.staffing import sign_in_staff

LI_QIANG = "440881198503150052"  # simulator: insured 139 months, his filing ended
LI_QIANG_ANSWERS = copy.deepcopy(ZHANG_SAN)
LI_QIANG_ANSWERS["identity"] = {"name": "李强", "id_number": LI_QIANG, "ethnicity": "汉族"}
LI_QIANG_ANSWERS["place"] = {"county": "440802"}  # his hukou's county, 赤坎


@pytest.fixture
async def staff(app, named_staff) -> AsyncIterator[httpx.AsyncClient]:
    """A second browser, for the agency."""
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50003))
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8000") as browser:
        yield browser


def _checked(page: str, value: str) -> bool:
    tag = re.search(rf'<input[^>]*name="ui_benefit"[^>]*value="{value}"[^>]*>', page)
    return tag is not None and " checked" in tag.group(0)


async def _apply(client, services, phone: str, answers=LI_QIANG_ANSWERS, **form: str) -> str:
    await sign_up(client, services, phone)
    await fill_in(client, answers)
    sent = await post_form(client, "/register/submit", form, page="/register/check")
    assert sent.status_code == 303, sent.text
    return sent.headers["location"].rsplit("/", 1)[1]


async def _claim(db, number: str) -> UiBenefitClaim:
    return await db.scalar(
        select(UiBenefitClaim).join(Registration).where(Registration.number == number)
        .execution_options(populate_existing=True)
    )  # fmt: skip


async def test_the_check_page_offers_the_benefit_with_claiming_chosen(client, services) -> None:
    await sign_up(client, services, "13300000201")
    await fill_in(client, LI_QIANG_ANSWERS)
    page = await client.get("/register/check")
    assert page.status_code == 200
    assert 'id="ui-benefit"' in page.text
    assert "1,665.00" in page.text
    assert "139" in page.text  # the months insured on record
    assert _checked(page.text, "yes")
    assert not _checked(page.text, "no")
    assert page.headers["cache-control"] == "no-store"


async def test_claiming_with_the_application_keeps_the_claim_and_shows_it_as_provisional(client, services, db) -> None:
    number = await _apply(client, services, "13300000202", ui_benefit="yes")
    assert (await _claim(db, number)).status is UiClaimStatus.CLAIMED
    for url in (f"/register/done/{number}", f"/account/applications/{number}"):
        page = await client.get(url)
        assert page.status_code == 200
        assert 'id="ui-benefit-title"' in page.text
        assert "1,665.00" in page.text
        assert "暂定" in page.text  # provisional


async def test_declining_keeps_the_offer_and_says_it_was_not_claimed(client, services, db) -> None:
    number = await _apply(client, services, "13300000203", ui_benefit="no")
    assert (await _claim(db, number)).status is UiClaimStatus.DECLINED
    page = await client.get(f"/account/applications/{number}")
    assert 'href="/account/policies"' in page.text


async def test_someone_without_a_years_insurance_is_told_why_and_offered_nothing(client, services, db) -> None:
    await sign_up(client, services, "13300000204")
    await fill_in(client, ZHANG_SAN)  # no social-insurance record; says they had insurance
    page = await client.get("/register/check")
    assert 'name="ui_benefit"' not in page.text
    assert 'id="ui-benefit"' in page.text  # why not
    sent = await post_form(client, "/register/submit", {"ui_benefit": "yes"}, page="/register/check")
    assert sent.status_code == 303
    assert await db.scalar(select(UiBenefitClaim)) is None


async def test_registering_grants_it_and_both_the_person_and_the_agency_see_it(client, staff, services, db) -> None:
    number = await _apply(client, services, "13300000205", ui_benefit="yes")
    registration = await db.scalar(select(Registration).where(Registration.number == number))
    db.add(Verification(registration_id=registration.id, source=Source.FIELD_INVESTIGATION,
                        outcome=VerificationOutcome.MATCH, detail={}))  # fmt: skip
    await db.commit()
    await sign_in_staff(staff, "chikan_reviewer")
    case = await staff.get(f"/staff/cases/{number}")
    assert 'id="ui-benefit-title"' in case.text
    assert "1,665.00" in case.text
    version = case.text.split('name="version" value="', 1)[1].split('"', 1)[0]
    seen = case.text.split('name="seen_event" value="', 1)[1].split('"', 1)[0]
    decided = await post_form(staff, f"/staff/cases/{number}/decide",
                              {"version": version, "seen_event": seen, "outcome": "register"},
                              page=f"/staff/cases/{number}")  # fmt: skip
    assert decided.status_code == 303, decided.text

    claim = await _claim(db, number)
    assert claim.status is UiClaimStatus.GRANTED
    assert claim.application_id is not None
    case = await staff.get(f"/staff/cases/{number}")
    assert "/staff/policy-applications/ZP" in case.text
    mine = await client.get(f"/account/applications/{number}")
    granted = re.search(r'href="(/account/policy-applications/ZP\d+)"', mine.text).group(1)
    assert (await client.get(granted)).status_code == 200  # the approved P08 application, with its grant
    assert "1,665.00" in mine.text
    assert "暂定" not in mine.text.split('id="ui-benefit-title"', 1)[1].split("</section>", 1)[0]


async def test_the_claim_is_seen_only_by_its_applicant_and_the_agency_of_its_county(
    client, staff, services, app
) -> None:
    number = await _apply(client, services, "13300000206", ui_benefit="yes")
    # Another resident, anonymous, and staff of another county: none of them sees the claim.
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50004))
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8000") as other:
        anonymous = await other.get(f"/account/applications/{number}", follow_redirects=False)
        assert anonymous.status_code in (302, 303)
        assert "1,665.00" not in anonymous.text
        await sign_up(other, services, "13300000207")
        assert (await other.get(f"/account/applications/{number}")).status_code == 404
    expected = {"chikan_clerk": 200, "chikan_reviewer": 200, "xiashan_clerk": 404, "xiashan_reviewer": 404,
                "city_admin": 200, "city_viewer": 200}  # fmt: skip
    for who, status in expected.items():
        staff.cookies.clear()
        await sign_in_staff(staff, who)
        page = await staff.get(f"/staff/cases/{number}")
        assert page.status_code == status, who
        assert ("1,665.00" in page.text) is (status == 200), who
    # The public status page of the receipt shows the status only, never the benefit.
    mine = await client.get(f"/account/applications/{number}")
    status_path = re.search(r'<p class="status-link"><a href="[^"]*?(/status/[^"]+)"', mine.text).group(1)
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50005))
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8000") as anonymous:
        public = await anonymous.get(status_path)
    assert public.status_code == 200
    assert "1,665.00" not in public.text


async def test_an_answer_that_is_neither_yes_nor_no_shows_the_check_page_again_with_its_error(
    client, services, db
) -> None:
    await sign_up(client, services, "13300000208")
    await fill_in(client, LI_QIANG_ANSWERS)
    sent = await post_form(client, "/register/submit", {"ui_benefit": "maybe" * 50}, page="/register/check")
    assert sent.status_code == 400
    assert 'class="error-summary' in sent.text
    assert 'href="#ui_benefit"' in sent.text
    assert await db.scalar(select(Registration)) is None


def _field(page: str, name: str) -> str:
    return page.split(f'name="{name}" value="', 1)[1].split('"', 1)[0]


def _zh(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


async def _register(staff, db, number: str, *, made_days_ago: int = 0) -> None:
    """The 赤坎 reviewer registers the application (made `made_days_ago` days ago), granting the benefit."""
    made = datetime.combine(local_today() - timedelta(days=made_days_ago), time(9), tzinfo=LOCAL_TZ)
    registration = await db.scalar(select(Registration).where(Registration.number == number))
    await db.execute(update(Registration).where(Registration.id == registration.id).values(accepted_at=made))
    db.add(Verification(registration_id=registration.id, source=Source.FIELD_INVESTIGATION,
                        outcome=VerificationOutcome.MATCH, detail={}))  # fmt: skip
    await db.commit()
    await sign_in_staff(staff, "chikan_reviewer")
    case = await staff.get(f"/staff/cases/{number}")
    decided = await post_form(staff, f"/staff/cases/{number}/decide",
                              {"version": _field(case.text, "version"), "seen_event": _field(case.text, "seen_event"),
                               "outcome": "register"}, page=f"/staff/cases/{number}")  # fmt: skip
    assert decided.status_code == 303, decided.text


async def test_the_policy_form_takes_no_second_benefit_and_points_to_the_one_claimed(
    client, staff, services, db
) -> None:
    number = await _apply(client, services, "13300000209", ui_benefit="yes")
    # Waiting with the registration: the form's answer says where the benefit is, and takes nothing.
    sent = await post_form(client, "/policies/P08/apply", {"missing_papers": "none"}, page="/policies/P08/apply")
    assert sent.status_code == 200  # a refusal, answered like the policy's other ones
    notice = sent.text.split('id="eligibility"', 1)[1].split("</div>", 1)[0]
    assert number in notice
    assert await db.scalar(select(func.count()).select_from(PolicyApplication)) == 0

    await _register(staff, db, number)
    carrying = await db.scalar(select(PolicyApplication.number))
    page = await client.get("/policies/P08/apply")
    assert page.status_code == 200
    assert f'href="/account/policy-applications/{carrying}"' in page.text
    assert 'id="apply-form"' not in page.text
    sent = await post_form(client, "/policies/P08/apply", {"missing_papers": "none"}, page="/policies/P08/apply")
    assert (sent.status_code, sent.headers["location"]) == (303, f"/account/policy-applications/{carrying}")
    assert await db.scalar(select(func.count()).select_from(Grant)) == 1


async def test_once_the_registration_ends_the_person_sees_the_benefit_paid_until_the_day_before(
    client, staff, services, db
) -> None:
    number = await _apply(client, services, "13300000210", ui_benefit="yes")
    await _register(staff, db, number, made_days_ago=40)
    hired = local_today() - timedelta(days=10)
    case = await staff.get(f"/staff/cases/{number}")
    ended = await post_form(staff, f"/staff/cases/{number}/end",
                            {"version": _field(case.text, "version"), "seen_event": _field(case.text, "seen_event"),
                             "end_reason": "1", "end_date": hired.isoformat(), "end_note": "hired by 湛江港"},
                            page=f"/staff/cases/{number}")  # fmt: skip
    assert ended.status_code == 303, ended.text

    paid_until = _zh(hired - timedelta(days=1))
    mine = await client.get(f"/account/applications/{number}")
    section = mine.text.split('id="ui-benefit-title"', 1)[1].split("</section>", 1)[0]
    assert paid_until in section
    granted = re.search(r'href="(/account/policy-applications/ZP\d+)"', section).group(1)
    assert paid_until in (await client.get(granted)).text  # the grant's own page: until the day before
    assert paid_until in (await staff.get(f"/staff/cases/{number}")).text
