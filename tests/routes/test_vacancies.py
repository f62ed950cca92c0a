"""Vacancies over HTTP: each staff action with and without htmx, errors beside the fields, the CSV upload, the
resident's answer, and who may do what (the permission matrix of these routes)."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select, update

from portal.clock import local_today
from portal.models import ProposalSource, Recommendation, Registration, StaffUser, StatusProposal, Vacancy
from portal.services import vacancies
from portal.services.staff import scope_of
from tests.conftest import HTMX, make_id, post_form
from tests.routes.test_staff_permissions import USERS, _as
from tests.staffing import create_named_staff, registered_case, sign_in_staff

CLOSING = (local_today() + timedelta(days=30)).isoformat()
VACANCY = {
    "employer": "湛江某电力公司", "post": "电工", "pay_min": "4000", "pay_max": "6000", "requirements": "持证上岗",
    "skills": "电工证", "closing_on": CLOSING,
}  # fmt: skip
_CSRF = re.compile(r'name="_csrf_token" value="([^"]+)"')


async def _staff(db, username: str):
    return scope_of(await db.scalar(select(StaffUser).where(StaffUser.username == username)))


async def _setting(db, services, *, county: str = "440802") -> tuple[Registration, Vacancy]:
    """Named staff; a registered 赤坎 electrician with 电工证; an electrician's vacancy in `county`."""
    await create_named_staff(db)
    reviewer = await _staff(db, "chikan.reviewer")
    person = await registered_case(db, services, reviewer, id_number=make_id(date(1990, 1, 1), "M", sequence=7))
    await db.execute(
        update(Registration).where(Registration.id == person.id)
        .values(occupation_intention="电工", answers={**person.answers, "certificates": "电工证"})
    )  # fmt: skip
    admin = await _staff(db, "city.admin")
    vacancy = await vacancies.create(db, admin, vacancies.VacancyForm(**VACANCY, county=county))
    await db.commit()
    return person, vacancy


async def _recommended(db, services) -> tuple[Registration, Recommendation]:
    person, vacancy = await _setting(db, services)
    made = await vacancies.recommend(db, services.sms, await _staff(db, "chikan.clerk"), vacancy.id, person.number)
    await db.commit()
    return person, made.recommendation


# ---- staff actions --------------------------------------------------------------------------------------------------


async def test_a_clerk_enters_a_vacancy_and_lands_on_it_with_the_people_it_matches(client, services, db) -> None:
    person, _vacancy = await _setting(db, services)
    await sign_in_staff(client, "chikan_clerk")
    response = await post_form(client, "/staff/vacancies", VACANCY, page="/staff/vacancies/new")
    assert response.status_code == 303
    shown = await client.get(response.headers["location"])
    assert shown.status_code == 200
    assert person.number in shown.text
    assert "电工证" in shown.text  # the skill reason, in words
    assert shown.headers["cache-control"] == "no-store"


async def test_a_vacancy_with_errors_comes_back_with_them_beside_the_fields_and_what_was_typed(
    client, services, db
) -> None:
    await create_named_staff(db)
    await sign_in_staff(client, "chikan_clerk")
    response = await post_form(client, "/staff/vacancies", {**VACANCY, "pay_min": "9000", "employer": "某某公司"},
                               page="/staff/vacancies/new")  # fmt: skip
    assert response.status_code == 200
    assert 'href="#pay_max"' in response.text
    assert 'id="pay_max-error"' in response.text
    assert "某某公司" in response.text


async def test_an_edit_over_a_newer_save_shows_what_is_saved_now(client, services, db) -> None:
    _person, vacancy = await _setting(db, services)
    await sign_in_staff(client, "chikan_clerk")
    edit = f"/staff/vacancies/{vacancy.id}/edit"
    saved = await post_form(client, edit, {**VACANCY, "post": "维修电工", "version": "1"})
    assert saved.status_code == 303
    stale = await post_form(client, edit, {**VACANCY, "post": "高压电工", "version": "1"})
    assert stale.status_code == 409
    assert "维修电工" in stale.text


async def test_closing_a_vacancy_takes_it_off_the_open_list_and_its_recommend_buttons(client, services, db) -> None:
    _person, vacancy = await _setting(db, services)
    await sign_in_staff(client, "chikan_reviewer")
    page = f"/staff/vacancies/{vacancy.id}"
    assert f"{page}/recommend" in (await client.get(page)).text
    response = await post_form(client, f"{page}/close", {}, page=page)
    assert response.status_code == 303
    assert f"{page}/recommend" not in (await client.get(page)).text
    assert f'href="{page}"' not in (await client.get("/staff/vacancies?show=open")).text
    assert f'href="{page}"' in (await client.get("/staff/vacancies?show=closed")).text


async def test_recommending_with_htmx_swaps_the_row_and_a_second_click_finds_the_first(client, services, db) -> None:
    person, vacancy = await _setting(db, services)
    await sign_in_staff(client, "chikan_clerk")
    page = f"/staff/vacancies/{vacancy.id}"
    form = {"number": person.number, "page_number": "1"}
    first = await post_form(client, f"{page}/recommend", form, page=page, headers=HTMX)
    assert first.status_code == 200
    assert first.text.lstrip().startswith(f'<li class="card" id="match-{person.number}">')
    again = await post_form(client, f"{page}/recommend", form, page=page)  # the plain form, after the htmx one
    assert again.status_code == 303
    assert await db.scalar(select(func.count()).select_from(Recommendation)) == 1


async def test_recommending_a_closed_vacancy_shows_the_page_as_it_is_now(client, services, db) -> None:
    person, vacancy = await _setting(db, services)
    await sign_in_staff(client, "chikan_clerk")
    page = f"/staff/vacancies/{vacancy.id}"
    token = _CSRF.search((await client.get(page)).text).group(1)
    await db.execute(update(Vacancy).where(Vacancy.id == vacancy.id).values(status="closed"))
    await db.commit()
    response = await client.post(f"{page}/recommend", data={"number": person.number, "_csrf_token": token})
    assert response.status_code == 409
    assert "notice-warning" in response.text


async def _upload(client, data: bytes, page: str = "/staff/vacancies/import"):
    token = _CSRF.search((await client.get(page)).text).group(1)
    return await client.post("/staff/vacancies/import", data={"_csrf_token": token},
                             files={"file": ("vacancies.csv", data, "text/csv")}, follow_redirects=False)  # fmt: skip


async def test_a_csv_upload_imports_every_row_or_lists_each_bad_line(client, services, db) -> None:
    await create_named_staff(db)
    await sign_in_staff(client, "chikan_clerk")
    header = "employer,post,county,pay_min,pay_max,requirements,skills,closing_on\n"
    bad = await _upload(client, (header + f"甲公司,电工,,4000,6000,,,{CLOSING}\n乙公司,,,1,2,,,{CLOSING}\n").encode())
    assert bad.status_code == 200
    assert str(vacancies.POST_REQUIRED) in bad.text or "岗位" in bad.text
    assert await db.scalar(select(func.count()).select_from(Vacancy)) == 0
    good = await _upload(client, ("\ufeff" + header + f"甲公司,电工,,4000,6000,,,{CLOSING}\n").encode())
    assert good.status_code == 303
    assert good.headers["location"] == "/staff/vacancies?imported=1"
    assert await db.scalar(select(Vacancy.county_code)) == "440802"
    empty = await _upload(client, b"")
    assert empty.status_code == 200
    assert 'id="file-error"' in empty.text


async def test_an_upload_over_the_size_limit_is_refused_before_it_is_read(client, services, db) -> None:
    await create_named_staff(db)
    await sign_in_staff(client, "chikan_clerk")
    response = await _upload(client, b"x" * (vacancies.IMPORT_MAX_BYTES + 100_000))
    assert response.status_code == 413


async def test_a_follow_up_without_javascript_comes_back_to_the_list_and_hired_makes_a_proposal(
    client, services, db
) -> None:
    person, recommendation = await _recommended(db, services)
    await db.execute(update(Recommendation).values(follow_up_due=local_today()))
    await db.commit()
    await sign_in_staff(client, "chikan_clerk")
    listed = await client.get("/staff/follow-ups")
    assert person.number in listed.text
    url = f"/staff/recommendations/{recommendation.id}/follow-up"
    response = await post_form(client, url, {"result": "hired", "note": "已签合同", "show": "due"},
                               page="/staff/follow-ups")  # fmt: skip
    assert response.status_code == 303
    assert "done=proposed" in response.headers["location"]
    proposal = await db.scalar(select(StatusProposal).where(StatusProposal.registration_id == person.id))
    assert proposal.source is ProposalSource.RECOMMENDATION
    again = await post_form(client, url, {"result": "not_hired"}, page="/staff/follow-ups?show=done")
    assert again.status_code == 409  # recorded already: the list as it is now


async def test_a_follow_up_with_htmx_swaps_the_row_and_errors_stay_beside_its_fields(client, services, db) -> None:
    _person, recommendation = await _recommended(db, services)
    await sign_in_staff(client, "chikan_clerk")
    url = f"/staff/recommendations/{recommendation.id}/follow-up"
    wrong = await post_form(client, url, {"note": "电话未接"}, page="/staff/follow-ups?show=waiting", headers=HTMX)
    assert wrong.status_code == 200
    assert "<html" not in wrong.text
    assert f'href="#result-{recommendation.id}"' in wrong.text
    assert "电话未接" in wrong.text
    right = await post_form(client, url, {"result": "interviewed"}, page="/staff/follow-ups?show=waiting",
                            headers=HTMX)  # fmt: skip
    assert right.text.lstrip().startswith(f'<li class="card" id="follow-up-{recommendation.id}">')
    assert 'value="no_reply"' not in right.text  # after an interview: hired or not hired only


# ---- the resident ---------------------------------------------------------------------------------------------------


async def _resident_client(app, services, db, person: Registration):
    """Sign in as the person's account (made by the test helper with a placeholder password)."""
    from portal.models import ResidentAccount
    from portal.services.passwords import passwords
    from tests.residents import PASSWORD

    await db.execute(update(ResidentAccount).where(ResidentAccount.id == person.account_id)
                     .values(password_hash=passwords.hash(PASSWORD)))  # fmt: skip
    await db.commit()
    return await db.scalar(select(ResidentAccount.phone).where(ResidentAccount.id == person.account_id))


async def _sign_in_resident(client, phone: str) -> None:
    from tests.residents import PASSWORD

    response = await post_form(client, "/account/login", {"phone": phone, "password": PASSWORD})
    assert response.status_code == 303, response.text[:300]


async def test_the_resident_sees_the_vacancy_and_answers_with_or_without_htmx(app, client, services, db) -> None:
    person, recommendation = await _recommended(db, services)
    await _sign_in_resident(client, await _resident_client(app, services, db, person))
    mine = await client.get("/account/vacancies")
    assert mine.status_code == 200
    assert "湛江某电力公司" in mine.text
    assert "持证上岗" in mine.text
    assert mine.headers["cache-control"] == "no-store"
    url = f"/account/vacancies/{recommendation.id}/interest"
    swapped = await post_form(client, url, {"interest": "interested"}, page="/account/vacancies", headers=HTMX)
    assert swapped.text.lstrip().startswith(f'<li class="card" id="recommendation-{recommendation.id}">')
    plain = await post_form(client, url, {"interest": "not_interested"}, page="/account/vacancies")
    assert plain.status_code == 303
    await db.refresh(recommendation)
    assert recommendation.interest == "not_interested"
    await sign_in_staff(client, "chikan_clerk")
    assert str(vacancies.INTEREST_LABELS["not_interested"]) in (await client.get("/staff/follow-ups?show=waiting")).text


async def test_another_residents_recommendation_is_not_there(client, services, db) -> None:
    _person, recommendation = await _recommended(db, services)
    await _as(client, services, db, "resident")
    response = await post_form(client, f"/account/vacancies/{recommendation.id}/interest", {"interest": "interested"},
                               page="/account/vacancies")  # fmt: skip
    assert response.status_code == 404


# ---- who may do what ----------------------------------------------------------------------------------------------

SEE = dict.fromkeys(USERS[:6], 200) | {"resident": 303, "anonymous": 303}
CHIKAN_ONLY = {
    "chikan_clerk": 200, "chikan_reviewer": 200, "xiashan_clerk": 404, "xiashan_reviewer": 404,
    "city_admin": 200, "city_viewer": 200, "resident": 303, "anonymous": 303,
}  # fmt: skip
EDITORS = dict.fromkeys(USERS[:6], 200) | {"city_viewer": 403, "resident": 303, "anonymous": 303}
GET_PAGES = {
    "/staff/vacancies": SEE,
    "/staff/vacancies?show=closed&page_number=99": SEE,
    "/staff/follow-ups": SEE,
    "/staff/follow-ups?vacancy={vacancy}": CHIKAN_ONLY,
    "/staff/vacancies/{vacancy}": CHIKAN_ONLY,
    "/staff/vacancies/new": EDITORS,
    "/staff/vacancies/import": EDITORS,
    "/staff/vacancies/{vacancy}/edit": CHIKAN_ONLY | {"city_viewer": 403},
    "/account/vacancies": dict.fromkeys(USERS, 303) | {"resident": 200},
}


@pytest.mark.parametrize("who", USERS)
@pytest.mark.parametrize("path", list(GET_PAGES))
async def test_who_may_see_each_page(client, services, db, who: str, path: str) -> None:
    _person, recommendation = await _recommended(db, services)
    await _as(client, services, db, who)
    response = await client.get(path.format(vacancy=recommendation.vacancy_id), follow_redirects=False)
    assert response.status_code == GET_PAGES[path][who]


ACT = {
    "chikan_clerk": 303, "chikan_reviewer": 303, "xiashan_clerk": 404, "xiashan_reviewer": 404,
    "city_admin": 403, "city_viewer": 403, "resident": 303, "anonymous": 303,
}  # fmt: skip
EDIT = ACT | {"city_admin": 303}
POSTS = {
    "/staff/vacancies": EDIT | {"xiashan_clerk": 303, "xiashan_reviewer": 303},  # their own county's
    "/staff/vacancies/{vacancy}/edit": EDIT,
    "/staff/vacancies/{vacancy}/close": EDIT,
    "/staff/vacancies/{vacancy}/recommend": ACT,
    "/staff/recommendations/{recommendation}/follow-up": ACT,
    "/staff/vacancies/import": EDIT | {"xiashan_clerk": 303, "xiashan_reviewer": 303},
}
FORMS = {
    "/staff/vacancies": VACANCY,
    "/staff/vacancies/{vacancy}/edit": {**VACANCY, "version": "1"},
    "/staff/vacancies/{vacancy}/close": {},
    "/staff/vacancies/{vacancy}/recommend": {"number": ""},
    "/staff/recommendations/{recommendation}/follow-up": {"result": "no_reply"},
}


@pytest.mark.parametrize("who", USERS)
@pytest.mark.parametrize("path", list(POSTS))
async def test_who_may_act(client, services, db, who: str, path: str) -> None:
    person, recommendation = await _recommended(db, services)
    await _as(client, services, db, who)
    url = path.format(vacancy=recommendation.vacancy_id, recommendation=recommendation.id)
    if path.endswith("/import"):
        token = _CSRF.search((await client.get("/staff/login")).text).group(1)
        county = "440802" if who == "city_admin" else ""
        rows = f"employer,post,county,pay_min,pay_max,closing_on\n甲公司,电工,{county},1,2,{CLOSING}\n"
        response = await client.post(url, data={"_csrf_token": token}, follow_redirects=False,
                                     files={"file": ("v.csv", rows.encode(), "text/csv")})  # fmt: skip
    else:
        form = FORMS[path] | ({"number": person.number} if path.endswith("/recommend") else {})
        if who == "city_admin" and "post" in form:  # the city names the county; county staff enter their own
            form = form | {"county": "440802"}
        if path.endswith("/recommend"):  # a fresh vacancy, so that the recommendation is a new one
            fresh = await vacancies.create(db, await _staff(db, "city.admin"),
                                           vacancies.VacancyForm(**VACANCY, county="440802"))  # fmt: skip
            await db.commit()
            url = f"/staff/vacancies/{fresh.id}/recommend"
        response = await post_form(client, url, form, page="/staff/login")
    assert response.status_code == POSTS[path][who], response.text[:300]
