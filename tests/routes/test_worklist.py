"""The worklist over HTTP: a county's staff see their people with the reasons; who may open it; the number shown
asked for in the query cannot be made a problem."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from portal.models import Registration, StaffUser
from portal.services.staff import scope_of
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
