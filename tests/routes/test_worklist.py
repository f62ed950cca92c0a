"""The worklist over HTTP: a county's staff see their people with the reasons; who may open it; the number shown
asked for in the query cannot be made a problem."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import select, update

from portal.models import Registration, StaffUser
from portal.services import worklist
from portal.services.staff import scope_of
from tests import paging
from tests.conftest import make_id
from tests.routes.test_staff_permissions import USERS, _as
from tests.staffing import create_named_staff, registered_case, sign_in_staff

SEE = dict.fromkeys(USERS[:6], 200) | {"resident": 303, "anonymous": 303}


async def _late(db, services) -> Registration:
    await create_named_staff(db)
    reviewer = scope_of(await db.scalar(select(StaffUser).where(StaffUser.username == "chikan.reviewer")))
    registration = await registered_case(db, services, reviewer)
    a_year_ago = registration.accepted_at.date().replace(year=2025)  # no contact since: overdue
    await db.execute(update(Registration).where(Registration.id == registration.id)
                     .values(first_contact_due=None, last_contact_on=a_year_ago))  # fmt: skip
    await db.commit()
    return registration


@pytest.mark.parametrize("who", USERS)
async def test_who_may_open_the_worklist_and_whose_people_it_shows(client, services, db, who: str) -> None:
    registration = await _late(db, services)
    await _as(client, services, db, who)
    response = await client.get("/staff/worklist", follow_redirects=False)
    assert response.status_code == SEE[who]
    if who.startswith("chikan") or who.startswith("city"):
        assert registration.number in response.text
    elif who.startswith("xiashan"):
        assert registration.number not in response.text


@pytest.mark.parametrize("shown", ["0", "-5", "99999999999999999999999999", "25"])
async def test_any_number_shown_answers_with_the_list(client, services, db, shown: str) -> None:
    registration = await _late(db, services)
    await sign_in_staff(client, "chikan_clerk")
    response = await client.get(f"/staff/worklist?shown={shown}")
    assert response.status_code == 200
    assert registration.number in response.text
    assert response.headers["cache-control"] == "no-store"


async def test_the_pager_walks_the_worklist_keeping_the_number_shown(client, services, db, monkeypatch) -> None:
    monkeypatch.setattr(worklist, "SHOWN", 2)
    await create_named_staff(db)
    reviewer = scope_of(await db.scalar(select(StaffUser).where(StaffUser.username == "chikan.reviewer")))
    people = [
        await registered_case(db, services, reviewer, phone=f"1330000092{n}",
                              id_number=make_id(date(1990, 5, 1 + n), "M", sequence=n + 1))
        for n in range(5)
    ]  # fmt: skip
    for n, person in enumerate(people):  # no contact for a year: the longest ago first
        await db.execute(update(Registration).where(Registration.id == person.id)
                         .values(first_contact_due=None, last_contact_on=date(2025, 6, 1 + n)))  # fmt: skip
    await db.commit()
    expected = [person.number for person in people]
    await sign_in_staff(client, "chikan_clerk")

    def numbers(page: str) -> list[str]:
        return [n for n in re.findall(r'<a href="/staff/cases/([A-Z0-9]+)">', page)]

    assert await paging.follow(client, "/staff/worklist", "next", numbers) == [expected[:2], expected[2:4],
                                                                               expected[4:]]  # fmt: skip
    assert await paging.follow(client, "/staff/worklist?last=1", "prev", numbers) == [expected[3:], expected[1:3],
                                                                                      expected[:1]]  # fmt: skip
    three = paging.links((await client.get("/staff/worklist?shown=3")).text)
    assert all("shown=3" in url for url in three.values())
    assert await paging.follow(client, three["next"], "next", numbers) == [expected[3:]]
    for query in ("after=garbage", "before=WyJ3b3JrbGlzdCIsOSwiMjAyNS0wNi0wMSIsMV0", "last=1&before=x"):
        response = await client.get(f"/staff/worklist?{query}")
        assert response.status_code == 200
        assert numbers(response.text) == (expected[3:] if "last=1" in query else expected[:2])
