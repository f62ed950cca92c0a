"""The tracking list over HTTP: a contact recorded from the list with and without htmx, errors beside the fields,
and who may see and act on it."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select, update

from portal.models import Registration, StaffUser
from portal.services import tracking
from portal.services.staff import scope_of
from tests import paging
from tests.conftest import HTMX, make_id, post_form
from tests.routes.test_staff_permissions import USERS, _as
from tests.staffing import create_named_staff, registered_case, sign_in_staff

CONTACT = {"channel": "phone", "reached": "yes", "learned": "unemployed", "note": "仍在找工作"}


async def _registered(db, services) -> Registration:
    await create_named_staff(db)
    reviewer = scope_of(await db.scalar(select(StaffUser).where(StaffUser.username == "chikan.reviewer")))
    return await registered_case(db, services, reviewer)


async def test_a_contact_without_javascript_comes_back_to_the_list_which_no_longer_shows_them(
    client, services, db
) -> None:
    registration = await _registered(db, services)
    await sign_in_staff(client, "chikan_clerk")
    listed = await client.get("/staff/tracking?show=first")
    assert registration.number in listed.text
    response = await post_form(client, f"/staff/tracking/{registration.number}", {**CONTACT, "show": "first"},
                               page="/staff/tracking")  # fmt: skip
    assert response.status_code == 303
    assert response.headers["location"].startswith("/staff/tracking?show=first")
    back = await client.get(response.headers["location"])
    assert f"/staff/cases/{registration.number}" not in back.text  # contacted: off the list
    assert registration.number in back.text  # named in the confirmation


async def test_with_htmx_only_the_persons_row_comes_back(client, services, db) -> None:
    registration = await _registered(db, services)
    await sign_in_staff(client, "chikan_clerk")
    response = await post_form(client, f"/staff/tracking/{registration.number}",
                               {**CONTACT, "learned": "employed"}, page="/staff/tracking",
                               headers={**HTMX, "HX-Target": f"row-{registration.number}"})  # fmt: skip
    assert response.status_code == 200
    assert response.text.lstrip().startswith(f'<li class="card tracking-row" id="row-{registration.number}">')
    assert "/staff/proposals" in response.text  # found work: a proposal waits


async def test_a_contact_missing_its_answers_keeps_what_was_typed_beside_the_fields(client, services, db) -> None:
    registration = await _registered(db, services)
    await sign_in_staff(client, "chikan_clerk")
    n = registration.number
    plain = await post_form(client, f"/staff/tracking/{n}", {"channel": "visit", "note": "上门未遇"},
                            page="/staff/tracking")  # fmt: skip
    assert plain.status_code == 200
    assert f'href="#reached-{n}"' in plain.text
    assert "上门未遇" in plain.text
    row = await post_form(client, f"/staff/tracking/{n}", {"channel": "visit", "note": "上门未遇"},
                          page="/staff/tracking", headers=HTMX)  # fmt: skip
    assert "<html" not in row.text
    assert f'id="reached-{n}"' in row.text


PAGES = {
    "/staff/tracking": dict.fromkeys(USERS[:6], 200) | {"resident": 303, "anonymous": 303},
}
CONTACTS = {
    "chikan_clerk": 303, "chikan_reviewer": 303, "xiashan_clerk": 404, "xiashan_reviewer": 404,
    "city_admin": 403, "city_viewer": 403, "resident": 303, "anonymous": 303,
}  # fmt: skip


@pytest.mark.parametrize("who", USERS)
async def test_who_may_see_the_list_and_record_a_contact(client, services, db, who: str) -> None:
    registration = await _registered(db, services)
    await _as(client, services, db, who)
    listed = await client.get("/staff/tracking", follow_redirects=False)
    assert listed.status_code == PAGES["/staff/tracking"][who]
    response = await post_form(client, f"/staff/tracking/{registration.number}", CONTACT, page="/staff/login")
    assert response.status_code == CONTACTS[who], response.text[:300]


COMPARE = {
    "chikan_clerk": 303, "chikan_reviewer": 303, "xiashan_clerk": 303, "xiashan_reviewer": 303,
    "city_admin": 403, "city_viewer": 403, "resident": 303, "anonymous": 303,
}  # fmt: skip


@pytest.mark.parametrize("who", USERS)
async def test_who_may_run_the_countys_data_comparison(client, services, db, who: str) -> None:
    await _registered(db, services)
    await _as(client, services, db, who)
    response = await post_form(client, "/staff/tracking/compare", {}, page="/staff/login")
    assert response.status_code == COMPARE[who], response.text[:300]
    if who == "chikan_clerk":
        assert "compared=1" in response.headers["location"]
        shown = await client.get(response.headers["location"])
        assert "/staff/cases/" not in shown.text  # the one person due was contacted by the comparison
    elif who.startswith("xiashan"):
        assert "compared=0" in response.headers["location"]  # their county: nobody due


_ROW = re.compile(r'<li class="card tracking-row" id="row-([A-Z0-9]+)">')


def _rows(page: str) -> list[str]:
    return _ROW.findall(page)


async def _seven(db, services) -> list[str]:
    """Seven 赤坎 people due a contact, in the list's order: never contacted (by the day due), then by last contact."""
    await create_named_staff(db)
    reviewer = scope_of(await db.scalar(select(StaffUser).where(StaffUser.username == "chikan.reviewer")))
    people = [
        await registered_case(db, services, reviewer, phone=f"1330000091{n}",
                              id_number=make_id(date(1990, 4, 1 + n), "M", sequence=n + 1))
        for n in range(7)
    ]  # fmt: skip
    month = date.today().replace(day=1)
    for n, person in enumerate(people):
        values = ({"first_contact_due": date.today() + timedelta(days=n), "last_contact_on": None} if n < 3
                  else {"last_contact_on": month - timedelta(days=40 - n)})  # fmt: skip
        await db.execute(update(Registration).where(Registration.id == person.id).values(**values))
    await db.commit()
    return [person.number for person in people]


async def test_without_javascript_the_pager_walks_the_view_and_a_contact_comes_back_to_its_page(
    client, services, db, monkeypatch
) -> None:
    monkeypatch.setattr(tracking, "PAGE_SIZE", 3)
    expected = await _seven(db, services)
    await sign_in_staff(client, "chikan_clerk")
    assert await paging.follow(client, "/staff/tracking?show=due", "next", _rows) == [expected[:3], expected[3:6],
                                                                                        expected[6:]]  # fmt: skip
    assert await paging.follow(client, "/staff/tracking?show=due&last=1", "prev", _rows) == [
        expected[4:], expected[1:4], expected[:1]]  # fmt: skip
    second_url = paging.links((await client.get("/staff/tracking?show=due")).text)["next"]
    assert "show=due" in second_url
    second = (await client.get(second_url)).text
    after = re.search(r'name="after" value="([^"]+)"', second).group(1)
    chosen = expected[4]
    response = await post_form(client, f"/staff/tracking/{chosen}", {**CONTACT, "show": "due", "after": after},
                               page=second_url)  # fmt: skip
    assert response.status_code == 303
    assert f"after={after}" in response.headers["location"]
    back = await client.get(response.headers["location"])
    assert _rows(back.text) == [expected[3], expected[5], expected[6]]  # the same page, without the one contacted


@pytest.mark.parametrize("query", ["after=%E6%B5%8B%E8%AF%95", "before=" + "Z" * 3000, "last=1&after=x", "after=e30"])
async def test_a_tampered_cursor_never_gives_a_server_error(client, services, db, monkeypatch, query) -> None:
    monkeypatch.setattr(tracking, "PAGE_SIZE", 3)
    expected = await _seven(db, services)
    await sign_in_staff(client, "chikan_clerk")
    response = await client.get(f"/staff/tracking?show=due&{query}")
    assert response.status_code == 200
    assert _rows(response.text) == (expected[4:] if "last=1" in query else expected[:3])
    forged = await post_form(client, f"/staff/tracking/{expected[0]}", {**CONTACT, "after": "%0D%0A" + "x" * 900},
                             page="/staff/tracking")  # fmt: skip
    assert forged.status_code == 303
    assert "after" not in forged.headers["location"]  # longer than any cursor: dropped
