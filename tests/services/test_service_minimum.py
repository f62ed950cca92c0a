"""The 12333 yearly minimum counted from service records: what counts, a person's year, and the county's list of
people the agency is behind with (counted in SQL at the same pace as the pure rule)."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import update

from portal.i18n import current_locale
from portal.models import (
    Registration,
    RegistrationStatus,
    ServiceChannel,
    ServiceKind,
    ServiceMinimumCount,
    ServiceResult,
)
from portal.services import service_minimum, service_records
from portal.services.staff import scope_of
from tests.conftest import make_id
from tests.staffing import registered_case

TODAY = date(2026, 11, 30)
NAMES = ["", "刘一", "陈二", "张三", "李四", "王五", "赵六", "孙七", "周八", "吴九"]


async def _decided(db, registration, on: date) -> None:
    # Noon in Zhanjiang that day.
    moment = datetime(on.year, on.month, on.day, 4, tzinfo=UTC)
    await db.execute(update(Registration).where(Registration.id == registration.id).values(decided_at=moment))
    await db.commit()
    await db.refresh(registration)


async def _give(db, registration, kind: ServiceKind, times: int = 1, result=ServiceResult.REACHED) -> None:
    for _ in range(times):
        await service_records.add(db, registration.id, TODAY - timedelta(days=1), kind, ServiceChannel.PHONE, result,
                                  "", None)  # fmt: skip
    await db.commit()


async def _person(db, services, scopes, n: int, county: str = "440802") -> Registration:
    registration = await registered_case(db, services, scopes["reviewer"], phone=f"133000000{n:02d}",
                                         id_number=make_id(date(1990, 1, n), "M"), name=NAMES[n])  # fmt: skip
    if county != registration.county_code:  # as if transferred there
        await db.execute(update(Registration).where(Registration.id == registration.id).values(county_code=county))
        await db.commit()
        await db.refresh(registration)
    return registration


async def test_services_offered_count_and_a_call_that_reached_no_one_does_not(db, services, scopes) -> None:
    person = await _person(db, services, scopes, 1)
    await _decided(db, person, date(2026, 3, 30))  # 8 whole months by TODAY
    await _give(db, person, ServiceKind.JOB_RECOMMENDATION, 2)
    await _give(db, person, ServiceKind.GUIDANCE, 1, ServiceResult.REFUSED_WITHOUT_REASON)
    await _give(db, person, ServiceKind.TRAINING, 3, ServiceResult.NOT_REACHED)
    await _give(db, person, ServiceKind.TRACKING, 5)  # a tracking contact is not one of the four
    year = await service_minimum.year_of(db, person, TODAY)
    assert {p.kind: (p.done, p.expected) for p in year.kinds} == {
        "policy": (0, 1), "guidance": (1, 2), "job_recommendation": (2, 2), "training": (0, 2),
    }  # fmt: skip
    token = current_locale.set("en")
    try:
        assert [service_minimum.words(p) for p in year.kinds] == [
            "0 of 2 policy connections", "1 of 3 career-guidance sessions", "2 of 3 job recommendations",
            "0 of 3 free-training notices",
        ]  # fmt: skip
    finally:
        current_locale.reset(token)
    assert service_minimum.words(year.kinds[2]) == "岗位推荐：已推荐2次，共3次"


async def test_only_a_standing_registration_has_a_year(db, services, scopes) -> None:
    person = await _person(db, services, scopes, 2)
    await db.execute(
        update(Registration).where(Registration.id == person.id).values(status=RegistrationStatus.EMPLOYED)
    )
    await db.commit()
    await db.refresh(person)
    assert await service_minimum.year_of(db, person, TODAY) is None


async def test_the_county_list_shows_those_behind_the_pace_in_their_first_year(db, services, scopes) -> None:
    behind = await _person(db, services, scopes, 3)
    await _decided(db, behind, date(2026, 7, 30))  # 4 months: one of each but policy due
    await _give(db, behind, ServiceKind.GUIDANCE)
    await _give(db, behind, ServiceKind.JOB_RECOMMENDATION)  # no training yet: behind
    on_pace = await _person(db, services, scopes, 4)
    await _decided(db, on_pace, date(2026, 7, 30))
    for kind in (ServiceKind.GUIDANCE, ServiceKind.JOB_RECOMMENDATION, ServiceKind.TRAINING):
        await _give(db, on_pace, kind)
    new = await _person(db, services, scopes, 5)
    await _decided(db, new, date(2026, 8, 31))  # 3 whole months (30 November is the month's last day): nothing due yet
    past_year = await _person(db, services, scopes, 6)
    await _decided(db, past_year, date(2025, 11, 30))  # its first year ended today
    page = await service_minimum.behind(db, scopes["reviewer"], today=TODAY)
    assert [row.number for row in page.rows] == [behind.number]
    assert page.total == 1
    row = page.rows[0]
    assert (row.name, row.registered_on) == ("张三", date(2026, 7, 30))
    assert [p.kind for p in row.year.kinds if p.behind] == ["training"]
    # The list and the person's own year agree.
    assert await service_minimum.year_of(db, behind, TODAY) == row.year


async def test_the_list_is_the_countys_own_and_the_citys_whole(db, services, scopes) -> None:
    chikan = await _person(db, services, scopes, 7)
    await _decided(db, chikan, date(2026, 5, 1))
    xiashan = await _person(db, services, scopes, 8, county="440803")
    await _decided(db, xiashan, date(2026, 4, 1))
    assert [r.number for r in (await service_minimum.behind(db, scopes["reviewer"], today=TODAY)).rows] == [
        chikan.number
    ]
    city = await service_minimum.behind(db, scopes["admin"], today=TODAY)
    assert [r.number for r in city.rows] == [xiashan.number, chikan.number]  # the longest registered first


async def test_a_boundary_day_counts_the_same_in_sql_and_in_the_rule(db, services, scopes) -> None:
    # Registered on 31 January: by 28 February one whole month has passed (民法典 第二百零二条), by 30 May
    # three, by 31 May four, when the first job recommendation is due.
    person = await _person(db, services, scopes, 9)
    await _decided(db, person, date(2027, 1, 31))
    for kind in (ServiceKind.POLICY, ServiceKind.GUIDANCE, ServiceKind.TRAINING):
        await _give(db, person, kind, 2)
    for day, listed in [(date(2027, 5, 30), False), (date(2027, 5, 31), True)]:
        page = await service_minimum.behind(db, scopes["reviewer"], today=day)
        assert (page.total == 1) is listed, day
        assert (await service_minimum.year_of(db, person, day)).behind is listed


async def test_staff_of_any_role_may_read_the_list_and_reading_it_is_audited(db, services, scopes) -> None:
    from sqlalchemy import select

    from portal.models import AuditEntry, StaffUser

    reviewer = await db.scalar(select(StaffUser).where(StaffUser.username == "chikan.reviewer"))
    await service_minimum.behind(db, scope_of(reviewer), today=TODAY)
    await db.commit()
    assert await db.scalar(select(AuditEntry.action).where(AuditEntry.action == "service_minimum.view"))


async def test_services_recorded_at_once_are_each_counted_for_the_list(db, services, scopes) -> None:
    person = await _person(db, services, scopes, 1)
    await _decided(db, person, date(2026, 7, 30))

    async def give(kind: ServiceKind) -> None:
        async with services.sessionmaker() as session:
            await service_records.add(session, person.id, TODAY, kind, ServiceChannel.PHONE, ServiceResult.REACHED,
                                      "", None)  # fmt: skip
            await session.commit()

    kinds = [ServiceKind.GUIDANCE] * 4 + [ServiceKind.TRAINING] * 2 + [ServiceKind.TRACKING] * 2
    await asyncio.gather(*(give(kind) for kind in kinds))
    counts = await db.get(ServiceMinimumCount, person.id, populate_existing=True)
    assert (counts.policy, counts.guidance, counts.job_recommendation, counts.training) == (0, 4, 0, 2)
    # The list (counts kept as records are written) and the person's year (records added up) agree.
    year = await service_minimum.year_of(db, person, TODAY)
    listed = await service_minimum.behind(db, scopes["reviewer"], today=TODAY)
    assert [row.year for row in listed.rows] == [year]
