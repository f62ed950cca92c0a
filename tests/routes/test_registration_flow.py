"""The registration flow over HTTP, step by step, with its refusals and the double submit."""

from __future__ import annotations

import copy
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from portal.clock import local_today
from portal.models import (
    Commitment,
    CommitmentText,
    Registration,
    RegistrationDraft,
    RegistrationEvent,
    RegistrationStatus,
)
from portal.rules.pension import PensionCategory, pension_date
from tests.conftest import HTMX, make_id, post_form
from tests.residents import ZHANG_SAN, answer, fill_in, sign_up, submit


def person(**steps: dict) -> dict:
    """ZHANG_SAN with some steps' answers replaced."""
    data = copy.deepcopy(ZHANG_SAN)
    for step, values in steps.items():
        data[step] = {**data.get(step, {}), **values}
    return data


async def _registrations(db) -> list[Registration]:
    return list(await db.scalars(select(Registration)))


async def test_complete_application_is_submitted_with_a_decision_target(client, services, db) -> None:
    await sign_up(client, services, "13900000001")
    await fill_in(client, ZHANG_SAN)
    response = await submit(client)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/register/done/ZJ")

    page = await client.get(response.headers["location"])
    assert page.status_code == 200
    assert '<svg class="qr"' in page.text
    assert "/status/" in page.text
    [registration] = await _registrations(db)
    assert registration.status is RegistrationStatus.SUBMITTED
    assert registration.number in page.text
    assert registration.county_code == "440803"
    assert registration.deadline > local_today()
    assert await db.scalar(select(func.count()).select_from(Commitment)) == 0
    assert await db.scalar(select(func.count()).select_from(RegistrationDraft)) == 0


async def test_missing_papers_defer_the_application_with_a_signed_commitment(client, services, db) -> None:
    await sign_up(client, services, "13900000002")
    deferred = person(papers={"missing_papers": ["termination_proof", "hukou_or_residence_permit"]})
    deferred["commitment"] = {"signed_name": "张三", "agree": ["yes"]}
    await fill_in(client, deferred)
    response = await submit(client)
    assert response.status_code == 303

    [registration] = await _registrations(db)
    assert registration.status is RegistrationStatus.DEFERRED
    commitment = await db.scalar(select(Commitment))
    text = await db.get(CommitmentText, commitment.text_id)
    assert commitment.registration_id == registration.id
    assert commitment.signed_name == "张三"
    assert commitment.missing_items == ["hukou_or_residence_permit", "termination_proof"]
    assert commitment.text_sha256 == text.sha256
    assert "信用" in text.body or "承诺" in text.body
    page = await client.get(response.headers["location"])
    assert registration.deadline.isoformat() not in page.text  # shown as a localised date, not ISO
    assert f"{registration.deadline.year}年{registration.deadline.month}月{registration.deadline.day}日" in page.text


async def test_commitment_needs_the_applicants_own_name_and_consent(client, services) -> None:
    await sign_up(client, services, "13900000003")
    deferred = person(papers={"missing_papers": ["id_card"]})
    await fill_in(client, deferred, until="commitment")
    response = await answer(client, "commitment", {"signed_name": "李四"})
    assert response.status_code == 200
    assert 'href="#signed_name"' in response.text
    assert 'href="#agree"' in response.text
    assert 'value="李四"' in response.text  # what was typed is shown again


async def test_non_local_hukou_is_accepted_with_no_extra_step(client, services, db) -> None:
    await sign_up(client, services, "13900000004")
    outsider = person(
        identity={"id_number": make_id(date(1992, 5, 5), "M", region="450102")},
        hukou={"hukou_area": "outside", "hukou_province": "广西南宁市", "hukou_address": "南宁市示例路3号"},
        residence={"residence_area": "440881"},
        place={"county": "440881"},
    )
    await fill_in(client, outsider)
    response = await submit(client)
    assert response.status_code == 303
    [registration] = await _registrations(db)
    assert registration.hukou_local is False
    assert registration.county_code == "440881"
    assert registration.status is RegistrationStatus.SUBMITTED


async def test_hukou_and_residence_in_different_counties_may_register_at_either(client, services, db) -> None:
    await sign_up(client, services, "13900000005")
    # ZHANG_SAN's hukou is in 赤坎 and he lives in 霞山: he chooses his hukou county here.
    await fill_in(client, person(place={"county": "440802"}))
    assert (await submit(client)).status_code == 303
    [registration] = await _registrations(db)
    assert registration.county_code == "440802"


async def test_place_offers_only_the_hukou_and_residence_areas(client, services) -> None:
    await sign_up(client, services, "13900000006")
    await fill_in(client, ZHANG_SAN, until="place")
    page = await client.get("/register/step/place")
    assert 'value="440802"' in page.text
    assert 'value="440803"' in page.text
    assert 'value="440804"' not in page.text
    response = await answer(client, "place", {"county": "440804"})
    assert response.status_code == 200
    assert 'href="#county"' in response.text


async def test_nobody_from_outside_zhanjiang_on_both_counts_is_registered_here(client, services) -> None:
    await sign_up(client, services, "13900000007")
    outsider = person(
        hukou={"hukou_area": "outside", "hukou_province": "湖南长沙市", "hukou_address": "长沙示例路"},
        residence={"residence_area": "outside"},
    )
    await fill_in(client, outsider, until="residence")
    response = await answer(client, "residence", outsider["residence"])
    assert response.status_code == 200
    assert "/agencies" in response.text
    assert (await client.get("/register/step/place", follow_redirects=False)).status_code == 303


async def test_invalid_id_number_is_refused_next_to_its_field(client, services) -> None:
    await sign_up(client, services, "13900000008")
    await post_form(client, "/register/start", {}, page="/register")
    bad = {"name": "张三", "id_number": "440802199001010017", "ethnicity": "汉族"}
    response = await answer(client, "identity", bad)
    assert response.status_code == 200
    assert 'id="id_number-error"' in response.text
    assert 'href="#id_number"' in response.text
    assert 'value="440802199001010017"' in response.text
    assert 'value="张三"' in response.text


async def test_every_required_answer_is_asked_for_with_a_summary(client, services) -> None:
    await sign_up(client, services, "13900000009")
    await fill_in(client, ZHANG_SAN, until="employment")
    response = await answer(client, "employment", {"unemployment_category": "dismissed"})
    assert response.status_code == 200
    assert 'href="#last_employer"' in response.text
    assert 'href="#employment_ended_on"' in response.text
    assert 'id="last_employer-error"' in response.text


async def test_under_16_is_refused_with_the_date_they_can_register(client, services) -> None:
    await sign_up(client, services, "13900000010")
    today = local_today()
    birth = date(today.year - 16, today.month, today.day) + timedelta(days=1)
    await post_form(client, "/register/start", {}, page="/register")
    response = await answer(
        client, "identity", {"name": "王小明", "id_number": make_id(birth, "M"), "ethnicity": "汉族"}
    )
    assert response.status_code == 200
    assert f"{birth.year + 16}年{birth.month}月{birth.day}日" in response.text
    draft = await client.get("/register/step/identity")
    assert make_id(birth, "M") in draft.text  # nothing typed is lost


async def test_man_past_the_pension_age_is_refused(client, services) -> None:
    await sign_up(client, services, "13900000011")
    birth = date(1964, 6, 15)  # pension age 60 reached in June 2024
    await post_form(client, "/register/start", {}, page="/register")
    response = await answer(client, "identity", {"name": "老王", "id_number": make_id(birth, "M"), "ethnicity": "汉族"})
    assert response.status_code == 200
    assert "2024年6月15日" in response.text
    assert "12333" in response.text


async def test_woman_worker_past_her_pension_age_is_refused_but_a_cadre_is_not(client, services, db) -> None:
    today = local_today()
    # Born so that the F50 pension date has passed while the F55 one is years away.
    birth = date(1975, 1, 10)
    assert pension_date(birth, PensionCategory.F50) <= today < pension_date(birth, PensionCategory.F55)
    await sign_up(client, services, "13900000012")
    await post_form(client, "/register/start", {}, page="/register")
    identity = {"name": "李娜", "id_number": make_id(birth, "F"), "ethnicity": "汉族"}
    response = await answer(client, "identity", identity)
    assert response.headers["location"] == "/register/step/pension"
    refused = await answer(client, "pension", {"pension_category": "F50"})
    assert refused.status_code == 200
    assert "2025年2月10日" in refused.text
    accepted = await answer(client, "pension", {"pension_category": "F55"})
    assert accepted.status_code == 303
    assert accepted.headers["location"] == "/register/step/contact"


async def test_person_in_active_employment_is_told_why_and_whom_to_contact(client, services, db) -> None:
    await sign_up(client, services, "13900000013")
    employed = person(identity={"name": "王建国", "id_number": "440803198805120036"})
    await fill_in(client, employed, until="employment")
    response = await answer(client, "employment", employed["employment"])
    assert response.status_code == 200
    assert "湛江示例港务有限公司" in response.text
    assert "0759-0000001" in response.text  # the 霞山 agency's phone
    again = await client.get("/register/step/employment")
    assert 'value="湛江某公司"' in again.text  # nothing typed is lost
    assert (await client.get("/register/check", follow_redirects=False)).headers["location"].endswith("/employment")


async def _claims(db) -> list[RegistrationEvent]:
    return list(await db.scalars(select(RegistrationEvent).where(RegistrationEvent.kind == "identity_claimed")))


async def test_id_number_of_another_accounts_registration_sends_to_the_agency_and_flags_the_case(
    client, services, db
) -> None:
    await sign_up(client, services, "13900000014")
    await fill_in(client, ZHANG_SAN)
    number = (await submit(client)).headers["location"].rsplit("/", 1)[1]
    client.cookies.clear()
    await sign_up(client, services, "13900000015")
    await post_form(client, "/register/start", {}, page="/register")
    typed = {**ZHANG_SAN["identity"], "name": "李四"}
    response = await answer(client, "identity", typed)
    assert response.status_code == 200
    assert "12333" in response.text
    assert "/agencies" in response.text
    # Not "you are already registered", and nothing about the registration: no number, name or county.
    assert "您已办理失业登记" not in response.text
    assert "already registered" not in response.text
    for secret in (number, "张三", "霞山"):
        assert secret not in response.text
    client.cookies.set("lang", "en")
    english = await answer(client, "identity", typed)
    assert "Contact a registration agency to go on" in english.text
    assert "Your ID card" in english.text  # what to bring

    [claim] = await _claims(db)  # typed twice, flagged once
    registration = await db.scalar(select(Registration).where(Registration.number == number))
    assert claim.registration_id == registration.id
    client.cookies.clear()
    await sign_up(client, services, "13900000023")
    await post_form(client, "/register/start", {}, page="/register")
    await answer(client, "identity", typed)
    assert len(await _claims(db)) == 2  # once per account


async def test_eight_simultaneous_tries_from_one_account_flag_the_case_once(client, services, db) -> None:
    import asyncio

    await sign_up(client, services, "13900000024")
    await fill_in(client, ZHANG_SAN)
    await submit(client)
    client.cookies.clear()
    await sign_up(client, services, "13900000025")
    await post_form(client, "/register/start", {}, page="/register")
    page = await client.get("/register/step/identity")
    token = page.text.split('name="_csrf_token" value="', 1)[1].split('"', 1)[0]
    form = {**ZHANG_SAN["identity"], "_csrf_token": token}
    responses = await asyncio.gather(*(client.post("/register/step/identity", data=form) for _ in range(8)))
    assert [r.status_code for r in responses] == [200] * 8
    assert len(await _claims(db)) == 1


async def test_an_invalid_id_number_shows_nothing_of_the_number_saved_before(client, services) -> None:
    await sign_up(client, services, "13900000026")
    await fill_in(client, ZHANG_SAN, until="contact")
    client.cookies.set("lang", "en")
    saved = await client.get("/register/step/identity")
    assert "From your ID number" in saved.text.split('id="id-preview"', 1)[1].split("</div>", 1)[0]
    for wrong in ("440802199001010017", "44080219900101001", ""):
        response = await answer(client, "identity", {**ZHANG_SAN["identity"], "id_number": wrong})
        assert response.status_code == 200
        assert 'id="id_number-error"' in response.text
        preview = response.text.split('id="id-preview"', 1)[1].split("</div>", 1)[0]
        assert "From your ID number" not in preview, (wrong, preview)
        assert "1990" not in preview, (wrong, preview)


async def test_double_submit_creates_one_registration(client, services, db) -> None:
    await sign_up(client, services, "13900000016")
    await fill_in(client, ZHANG_SAN)
    page = await client.get("/register/check")
    token = page.text.split('name="_csrf_token" value="', 1)[1].split('"', 1)[0]
    first = await client.post("/register/submit", data={"_csrf_token": token}, follow_redirects=False)
    second = await client.post("/register/submit", data={"_csrf_token": token}, follow_redirects=False)
    assert first.status_code == second.status_code == 303
    number = first.headers["location"].rsplit("/", 1)[1]
    assert second.headers["location"] == f"/account/applications/{number}"
    assert len(await _registrations(db)) == 1


async def test_leaving_and_coming_back_resumes_where_they_were(client, services) -> None:
    await sign_up(client, services, "13900000017")
    await fill_in(client, ZHANG_SAN, until="residence")
    client.cookies.clear()
    await post_form(client, "/account/login", {"phone": "13900000017", "password": "green tea at dawn"})
    response = await post_form(client, "/register/start", {}, page="/register")
    assert response.headers["location"] == "/register/step/residence"
    back = await client.get("/register/step/hukou")
    assert 'value="赤坎区示例街1号"' in back.text


async def test_steps_cannot_be_skipped_by_url(client, services) -> None:
    await sign_up(client, services, "13900000018")
    await post_form(client, "/register/start", {}, page="/register")
    response = await client.get("/register/step/papers", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/register/step/identity"


async def test_check_page_lists_answers_with_change_links(client, services) -> None:
    await sign_up(client, services, "13900000019")
    await fill_in(client, ZHANG_SAN)
    page = await client.get("/register/check")
    assert "/register/step/hukou?returning=true" in page.text
    assert "1990年1月1日" in page.text  # birth date derived from the ID number
    changed = await post_form(
        client,
        "/register/step/residence",
        {**ZHANG_SAN["residence"], "returning": "1"},
        page="/register/step/residence",
    )
    assert changed.headers["location"] == "/register/check"


async def test_changing_residence_asks_the_place_again(client, services) -> None:
    await sign_up(client, services, "13900000020")
    await fill_in(client, ZHANG_SAN)
    moved = {"residence_area": "440881", "residence_address": "廉江示例路", "residence_type": "rural", "returning": "1"}
    response = await answer(client, "residence", moved)
    assert response.headers["location"] == "/register/step/place"


async def test_registration_pages_need_a_signed_in_resident(client) -> None:
    response = await client.get("/register/step/identity", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/account/login?next=/register/step/identity")


async def test_applications_of_others_are_not_found(client, services) -> None:
    await sign_up(client, services, "13900000021")
    await fill_in(client, ZHANG_SAN)
    number = (await submit(client)).headers["location"].rsplit("/", 1)[1]
    client.cookies.clear()
    await sign_up(client, services, "13900000022")
    assert (await client.get(f"/account/applications/{number}")).status_code == 404
    assert (await client.get(f"/register/done/{number}")).status_code == 404


REQUIRED_BY_STEP = {
    "identity": ["name", "id_number", "ethnicity"],
    "pension": ["pension_category"],
    "contact": ["phone", "education"],
    "hukou": ["hukou_area", "hukou_address"],
    "residence": ["residence_area", "residence_address", "residence_type"],
    "place": ["county"],
    "employment": ["unemployment_category"],
    "skills": ["training_intention", "entrepreneurship_intention", "had_unemployment_insurance"],
    "papers": ["missing_papers"],
    "commitment": ["signed_name", "agree"],
}


@pytest.mark.parametrize("step", list(REQUIRED_BY_STEP))
async def test_each_step_asks_for_its_required_answers(client, services, step: str) -> None:
    await sign_up(client, services, "13900000030")
    woman_with_missing_papers = person(
        identity={"name": "李娜", "id_number": make_id(date(1990, 3, 3), "F")},
        papers={"missing_papers": ["id_card"]},
    )
    woman_with_missing_papers["pension"] = {"pension_category": "F55"}
    await fill_in(client, woman_with_missing_papers, until=step)
    response = await answer(client, step, {})
    assert response.status_code == 200
    summary = response.text.split('class="error-summary"', 1)[1].split("</div>", 1)[0]
    assert [link.split('"', 1)[0] for link in summary.split('href="#')[1:]] == REQUIRED_BY_STEP[step]
    for name in REQUIRED_BY_STEP[step]:
        assert f'id="{name}-error"' in response.text


async def test_circumstances_and_services_are_optional(client, services) -> None:
    await sign_up(client, services, "13900000031")
    await fill_in(client, ZHANG_SAN, until="needs")
    response = await answer(client, "needs", {})
    assert response.status_code == 303
    assert response.headers["location"] == "/register/step/papers"


async def test_none_missing_cannot_be_ticked_with_missing_papers(client, services) -> None:
    await sign_up(client, services, "13900000032")
    await fill_in(client, ZHANG_SAN, until="papers")
    response = await answer(client, "papers", {"missing_papers": ["none", "id_card"]})
    assert response.status_code == 200
    assert 'id="missing_papers-error"' in response.text


# ---- with htmx: a field is checked as soon as it loses focus, from the partial the step page includes ----------

_GROUP = re.compile(r'<div class="form-group[^"]*">.*?\n  </div>', re.S)


async def _check_field(client, step: str, name: str, form: dict) -> object:
    return await post_form(
        client, f"/register/step/{step}/field", form, page=f"/register/step/{step}",
        headers={**HTMX, "HX-Trigger-Name": name},
    )  # fmt: skip


async def test_with_htmx_a_field_is_checked_when_it_loses_focus_and_nothing_is_saved(client, services, db) -> None:
    await sign_up(client, services, "13600000031")
    await fill_in(client, ZHANG_SAN, until="contact")
    draft_before = await db.scalar(select(RegistrationDraft.data_cipher))
    wrong = await _check_field(client, "contact", "phone", {"phone": "12345", "education": ""})
    assert wrong.status_code == 200
    assert "<html" not in wrong.text
    assert wrong.text.strip().startswith('<div class="form-group form-group-error">')
    assert "请输入11位中国大陆手机号码，如13812345678" in wrong.text
    assert 'aria-invalid="true"' in wrong.text
    assert 'value="12345"' in wrong.text  # what was typed stays as typed
    assert "education" not in wrong.text  # the one field only, not its neighbours' (empty, required) errors
    right = await _check_field(client, "contact", "phone", {"phone": "13900000001", "education": ""})
    assert "form-group-error" not in right.text
    assert await db.scalar(select(RegistrationDraft.data_cipher)) == draft_before


async def test_a_required_field_left_empty_is_not_an_error_until_the_step_is_sent(client, services) -> None:
    await sign_up(client, services, "13600000032")
    await fill_in(client, ZHANG_SAN, until="hukou")
    empty = await _check_field(client, "hukou", "hukou_address", {"hukou_area": "440802", "hukou_address": ""})
    assert "form-group-error" not in empty.text
    sent = await answer(client, "hukou", {"hukou_area": "440802", "hukou_address": ""})
    assert 'href="#hukou_address"' in sent.text


async def test_the_field_check_draws_the_same_partial_as_the_step_page(client, services) -> None:
    await sign_up(client, services, "13600000033")
    await fill_in(client, ZHANG_SAN, until="hukou")
    typed = {"hukou_area": "outside", "hukou_province": "广西南宁市", "hukou_address": "南宁市示例路1号"}
    checked = await _check_field(client, "hukou", "hukou_address", typed)
    sent = await answer(client, "hukou", {**typed, "hukou_area": "nowhere"})  # an error elsewhere keeps the page
    group = next(g for g in _GROUP.findall(sent.text) if 'id="hukou_address"' in g)
    assert checked.text.strip() == group.strip()


async def test_a_field_the_step_does_not_have_is_not_found(client, services) -> None:
    await sign_up(client, services, "13600000034")
    await fill_in(client, ZHANG_SAN, until="contact")
    assert (await _check_field(client, "contact", "password", {"phone": "13900000001"})).status_code == 404
    assert (await _check_field(client, "no-such-step", "phone", {})).status_code == 404
