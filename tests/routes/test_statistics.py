"""Monthly statistics over HTTP: the month's figures link to their people; county staff see their county, city
staff any; a bad month or an area out of scope is a 400 page."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from portal.models import StaffUser
from portal.services import statistics
from portal.services.staff import scope_of
from tests.routes.test_staff_permissions import USERS, _as
from tests.staffing import create_named_staff, registered_case, sign_in_staff

MONTH = f"{date.today():%Y-%m}"


async def _counted(db, services) -> str:
    await create_named_staff(db)
    reviewer = scope_of(await db.scalar(select(StaffUser).where(StaffUser.username == "chikan.reviewer")))
    registration = await registered_case(db, services, reviewer)
    await statistics.take_month(db, MONTH)
    await db.commit()
    return registration.number


async def test_a_figure_leads_to_the_people_it_counts(client, services, db) -> None:
    number = await _counted(db, services)
    await sign_in_staff(client, "chikan_clerk")
    page = await client.get(f"/staff/statistics?month={MONTH}")
    assert page.status_code == 200
    link = f"/staff/statistics/people?month={MONTH}&amp;area=440802&amp;figure=registered"
    assert link in page.text
    listed = await client.get(link.replace("&amp;", "&"))
    assert number in listed.text
    assert listed.headers["cache-control"] == "no-store"


@pytest.mark.parametrize("query", ["month=2026-13", "month=abc", "month=2999-01", f"month={MONTH}&area=440803"])
async def test_a_bad_month_or_another_countys_area_is_a_400_page(client, services, db, query: str) -> None:
    await _counted(db, services)
    await sign_in_staff(client, "chikan_clerk")
    assert (await client.get(f"/staff/statistics?{query}")).status_code == 400
    assert (await client.get(f"/staff/statistics/people?{query}&figure=registered")).status_code == 400


SEE = dict.fromkeys(USERS[:6], 200) | {"resident": 303, "anonymous": 303}


@pytest.mark.parametrize("who", USERS)
async def test_who_may_see_the_statistics_and_their_people(client, services, db, who: str) -> None:
    number = await _counted(db, services)
    await _as(client, services, db, who)
    assert (await client.get("/staff/statistics", follow_redirects=False)).status_code == SEE[who]
    people = await client.get(f"/staff/statistics/people?month={MONTH}&figure=registered", follow_redirects=False)
    assert people.status_code == SEE[who]
    if who.startswith("xiashan"):  # their own county's list: nobody of 赤坎's
        assert number not in people.text
    elif who.startswith(("chikan", "city")):
        assert number in people.text
    assert (await client.get(f"/staff/statistics/people?month={MONTH}&figure=nope",
                             follow_redirects=False)).status_code == (404 if SEE[who] == 200 else 303)  # fmt: skip
