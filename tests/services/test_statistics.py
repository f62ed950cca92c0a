"""Monthly statistics: a small history over several months, every figure asserted; a finished month frozen against
later edits; the current month provisional; two runs at once; the people behind a figure, in scope."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select, update

from portal.models import Registration, RegistrationStatus, StatFigure, StatPerson
from portal.services import staff_accounts, statistics
from portal.services.errors import InputError
from portal.services.staff import scope_of
from tests.conftest import make_id
from tests.staffing import STAFF_PASSWORD, registered_case

TODAY = date(2026, 11, 15)


def _at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 4, tzinfo=UTC)  # noon in Zhanjiang


async def _history(db, services, scopes) -> dict[str, Registration]:
    """A registered 10 Aug and still registered; B registered 20 Aug, back in work 15 Sep (reason 1); C registered
    5 Sep, unreachable 31 Oct (reason 9); D registered 2 Oct, rural residence and hukou elsewhere; E in 霞山 from
    1 Sep."""
    xiashan = scope_of(await staff_accounts.create(db, staff_accounts.audit.SYSTEM, username="xiashan.reviewer",
                                                   full_name="x", password=STAFF_PASSWORD, role="reviewer",
                                                   area_code="440803"))  # fmt: skip
    made = {}
    chikan = scopes["reviewer"]
    people = (("A", "440802", chikan), ("B", "440802", chikan), ("C", "440802", chikan), ("D", "440802", chikan),
              ("E", "440803", xiashan))  # fmt: skip
    for n, (key, county, reviewer) in enumerate(people):
        made[key] = await registered_case(db, services, reviewer, county=county, phone=f"1330000050{n}",
                                          id_number=make_id(date(1980 + n, 3, 1), "F" if n % 2 else "M",
                                                            region=county, sequence=n + 1))  # fmt: skip
    changes = {
        "A": {"decided_at": _at(date(2026, 8, 10))},
        "B": {"decided_at": _at(date(2026, 8, 20)), "status": RegistrationStatus.EMPLOYED, "end_reason": "1",
              "end_date": date(2026, 9, 15), "ended_at": _at(date(2026, 9, 16))},
        "C": {"decided_at": _at(date(2026, 9, 5)), "status": RegistrationStatus.EXITED, "end_reason": "9",
              "end_date": date(2026, 10, 31), "ended_at": _at(date(2026, 10, 31))},
        "D": {"decided_at": _at(date(2026, 10, 2)), "residence_urban": False, "hukou_local": False},
        "E": {"decided_at": _at(date(2026, 9, 1))},
    }  # fmt: skip
    for key, values in changes.items():
        await db.execute(update(Registration).where(Registration.id == made[key].id).values(**values))
    await db.commit()
    return made


async def _figures(db, month: str, area: str = "440802") -> dict[str, int]:
    found = await statistics.month_figures(db, month, area, today=TODAY)
    return {key: value for key, value in found.values.items() if value}


async def _take(db, month: str, today: date = TODAY) -> statistics.Taken:
    taken = await statistics.take_month(db, month, today=today)
    await db.commit()
    return taken


async def test_every_figure_of_three_months_from_a_small_history(db, services, scopes) -> None:
    made = await _history(db, services, scopes)
    for month in ("2026-08", "2026-09", "2026-10"):
        assert (await _take(db, month)).final
    a, d = made["A"], made["D"]
    assert await _figures(db, "2026-08") == {  # A is 46 and B 45 on 31 August
        "registered": 2, "urban": 2, "inflow": 2, "sex:M": 1, "sex:F": 1, "hukou:local": 2, "age:45-54": 2,
        f"education:{a.education.value}": 2, f"category:{a.unemployment_category.value}": 2,
    }  # fmt: skip
    september = await _figures(db, "2026-09")
    assert (september["registered"], september["inflow"], september["outflow"], september["outflow_employed"],
            september["reason:1"]) == (2, 1, 1, 1, 1)  # fmt: skip
    assert "outflow_exited" not in september
    assert (await _figures(db, "2026-09", "440803"))["registered"] == 1
    assert (await _figures(db, "2026-09", statistics.CITY))["registered"] == 3
    october = await _figures(db, "2026-10")
    keys = ("registered", "urban", "inflow", "outflow", "outflow_exited", "reason:9", "hukou:other")
    assert [october[key] for key in keys] == [2, 1, 1, 1, 1, 1, 1]
    assert d.id in set(await db.scalars(select(StatPerson.registration_id).where(
        StatPerson.month == "2026-10", StatPerson.flow == "stock", StatPerson.urban.is_(False))))  # fmt: skip


async def test_a_finished_month_does_not_change_when_a_registration_is_edited_later(db, services, scopes) -> None:
    made = await _history(db, services, scopes)
    await _take(db, "2026-09")
    before = await _figures(db, "2026-09")
    edit = {"status": RegistrationStatus.EXITED, "end_reason": "10", "end_date": date(2026, 9, 1),
            "residence_urban": False}  # fmt: skip
    await db.execute(update(Registration).where(Registration.id == made["A"].id).values(**edit))
    await db.commit()
    again = await _take(db, "2026-09", today=date(2026, 12, 1))
    assert not again.again
    assert await _figures(db, "2026-09") == before


async def test_the_current_month_is_provisional_and_counted_again_each_time(db, services, scopes) -> None:
    made = await _history(db, services, scopes)
    first = await _take(db, "2026-11")
    assert not first.final
    assert (await _figures(db, "2026-11"))["registered"] == 2
    await db.execute(update(Registration).where(Registration.id == made["D"].id).values(
        status=RegistrationStatus.EMPLOYED, end_reason="2", end_date=date(2026, 11, 10)))  # fmt: skip
    await db.commit()
    assert (await _take(db, "2026-11")).again
    november = await _figures(db, "2026-11")
    assert (november["registered"], november["outflow_employed"], november["reason:2"]) == (1, 1, 1)


async def test_two_runs_at_once_count_each_person_once(db, services, scopes) -> None:
    await _history(db, services, scopes)

    async def run() -> None:
        async with services.sessionmaker() as session:
            await statistics.take_month(session, "2026-10", today=TODAY)
            await session.commit()

    await asyncio.gather(run(), run())
    assert (await _figures(db, "2026-10"))["registered"] == 2
    one = (StatFigure.month == "2026-10", StatFigure.figure == "registered", StatFigure.county_code == "440802")
    rows = await db.scalar(select(func.count()).select_from(StatFigure).where(*one))
    assert rows == 1


async def test_the_people_behind_a_figure_and_who_may_ask_for_them(db, services, scopes) -> None:
    made = await _history(db, services, scopes)
    await _take(db, "2026-09")
    listed = await statistics.people(db, scopes["reviewer"], "2026-09", "outflow_employed")
    assert [p.number for p in listed.people] == [made["B"].number]
    city = await statistics.people(db, scopes["admin"], "2026-09", "registered", area="440803")
    assert [p.number for p in city.people] == [made["E"].number]
    with pytest.raises(InputError):  # a county's staff cannot ask for another county
        await statistics.people(db, scopes["reviewer"], "2026-09", "registered", area="440803")


@pytest.mark.parametrize("raw", ["2026-13", "2026", "26-11", "2027-01", "", "2026-11-01", "９９９９-01"])
def test_a_month_that_is_not_one_or_is_to_come_is_refused(raw: str) -> None:
    with pytest.raises(InputError):
        statistics.parse_month(raw, TODAY)
