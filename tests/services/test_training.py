"""Training programmes: kept by the county's staff, told to the registered people who want training (a free-training
notice counted for the 12333 minimum, once per person and programme), enrolled in on a counted number of seats, and
completed."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select, update

from portal.models import (
    AuditEntry,
    EnrolmentStatus,
    InboxMessage,
    MessageKind,
    Registration,
    ServiceKind,
    ServiceMinimumCount,
    ServiceRecord,
    TrainingEnrolment,
    TrainingNotice,
    TrainingProgramme,
)
from portal.services import training
from portal.services.errors import Conflict, InputError, NotAllowed
from portal.services.staff import Scope
from tests.conftest import make_id
from tests.staffing import registered_case

TODAY = date.today()


def _form(**changes: str) -> training.ProgrammeForm:
    values = {
        "provider": "湛江市某职业培训学校", "course": "电工（初级）", "details": "赤坎区，周一至周五上午",
        "starts_on": (TODAY + timedelta(days=14)).isoformat(), "ends_on": (TODAY + timedelta(days=44)).isoformat(),
        "enrol_by": (TODAY + timedelta(days=10)).isoformat(), "seats": "20", "subsidy_policy": "P06",
    }  # fmt: skip
    return training.ProgrammeForm(**(values | changes))


async def _programme(db, scope: Scope, **changes: str) -> TrainingProgramme:
    programme = await training.create(db, scope, _form(**changes))
    await db.commit()
    return programme


async def _people(db, services, reviewer: Scope, count: int) -> list[Registration]:
    return [
        await registered_case(db, services, reviewer, phone=f"1330000020{n}",
                              id_number=make_id(date(1988, 2, 2), "F", sequence=n + 1))
        for n in range(count)
    ]  # fmt: skip


async def test_a_programme_needs_its_facts_and_goes_to_the_clerks_own_county(db, scopes) -> None:
    with pytest.raises(InputError) as raised:
        await training.create(db, scopes["reviewer"], _form(provider="", ends_on="2020-01-01", seats="0",
                                                            subsidy_policy="P01", enrol_by="tomorrow"))  # fmt: skip
    assert set(raised.value.errors) == {"provider", "ends_on", "seats", "subsidy_policy", "enrol_by"}
    programme = await _programme(db, scopes["reviewer"], county="440803")  # a county clerk cannot choose another
    assert programme.county_code == "440802"
    with pytest.raises(InputError) as raised:
        await training.create(db, scopes["admin"], _form())
    assert set(raised.value.errors) == {"county"}
    assert (await _programme(db, scopes["admin"], county="440803")).county_code == "440803"
    await db.commit()
    assert await db.scalar(select(func.count()).where(AuditEntry.action == "training.create")) == 2


async def test_telling_counts_a_training_notice_for_each_person_who_wants_training_once(db, services, scopes) -> None:
    wants, also_wants, does_not = await _people(db, services, scopes["reviewer"], 3)
    await db.execute(update(Registration).where(Registration.id == does_not.id).values(wants_training=False))
    await db.commit()
    programme = await _programme(db, scopes["reviewer"])
    before = await db.scalar(select(func.count()).select_from(ServiceMinimumCount)
                             .where(ServiceMinimumCount.training > 0))  # fmt: skip
    assert before == 0

    told = await training.tell(db, services.sms, scopes["reviewer"], programme.id, batch=1)
    await db.commit()

    assert told.told == 2
    counts = dict((await db.execute(select(ServiceMinimumCount.registration_id, ServiceMinimumCount.training))).all())
    assert counts == {wants.id: 1, also_wants.id: 1}
    kinds = set(await db.scalars(select(ServiceRecord.kind).where(ServiceRecord.registration_id == wants.id)))
    assert kinds == {ServiceKind.TRAINING}
    messages = list(await db.scalars(select(InboxMessage).where(InboxMessage.kind == MessageKind.TRAINING_OFFERED)))
    assert {m.registration_id for m in messages} == {wants.id, also_wants.id}
    again = await training.tell(db, services.sms, scopes["admin"], programme.id)
    await db.commit()
    assert again.told == 0
    assert await db.scalar(select(func.count()).select_from(TrainingNotice)) == 2
    assert await db.scalar(select(func.count()).select_from(ServiceRecord).where(
        ServiceRecord.kind == ServiceKind.TRAINING)) == 2  # fmt: skip


async def test_two_staff_telling_at_once_tell_each_person_once(db, services, scopes) -> None:
    people = await _people(db, services, scopes["reviewer"], 3)
    programme = await _programme(db, scopes["reviewer"])

    async def press() -> int:
        async with services.sessionmaker() as session:
            told = await training.tell(session, services.sms, scopes["reviewer"], programme.id, batch=2)
            await session.commit()
            return told.told

    results = await asyncio.gather(press(), press())
    assert sum(results) == len(people)
    assert await db.scalar(select(func.count()).select_from(TrainingNotice)) == len(people)
    assert await db.scalar(select(func.sum(ServiceMinimumCount.training))) == len(people)


async def test_a_closed_programme_is_not_told_and_not_enrolled_in(db, services, scopes) -> None:
    [person] = await _people(db, services, scopes["reviewer"], 1)
    programme = await _programme(db, scopes["reviewer"])
    await db.execute(update(TrainingProgramme).values(enrol_by=TODAY - timedelta(days=1)))
    await db.commit()
    with pytest.raises(InputError):
        await training.tell(db, services.sms, scopes["reviewer"], programme.id)
    with pytest.raises(InputError) as raised:
        await training.enrol(db, person.account_id, programme.id)
    assert raised.value.status_code == 409
    assert (await training.for_resident(db, person.account_id)).programmes == []


async def test_the_last_seat_goes_to_one_of_two_people_enrolling_at_once(db, services, scopes) -> None:
    first, second = await _people(db, services, scopes["reviewer"], 2)
    programme = await _programme(db, scopes["reviewer"], seats="1")

    async def enrol(account_id: int) -> str:
        async with services.sessionmaker() as session:
            try:
                await training.enrol(session, account_id, programme.id)
            except InputError:
                return "full"
            await session.commit()
            return "enrolled"

    results = await asyncio.gather(enrol(first.account_id), enrol(second.account_id))
    assert sorted(results) == ["enrolled", "full"]
    await db.refresh(programme)
    assert programme.seats_taken == 1
    assert await db.scalar(select(func.count()).select_from(TrainingEnrolment)) == 1


async def test_a_double_click_enrols_once_and_takes_one_seat(db, services, scopes) -> None:
    [person] = await _people(db, services, scopes["reviewer"], 1)
    programme = await _programme(db, scopes["reviewer"], seats="5")

    async def click() -> bool:
        async with services.sessionmaker() as session:
            enrolled = await training.enrol(session, person.account_id, programme.id)
            await session.commit()
            return enrolled.already

    results = await asyncio.gather(*(click() for _ in range(4)))
    assert sorted(results) == [False, True, True, True]
    await db.refresh(programme)
    assert programme.seats_taken == 1
    shown = await training.for_resident(db, person.account_id)
    assert [(o.programme.id, o.enrolled) for o in shown.programmes] == [(programme.id, True)]
    assert [m.enrolment.status for m in shown.enrolments] == [EnrolmentStatus.ENROLLED]


async def test_completion_is_recorded_once_and_audited(db, services, scopes) -> None:
    [person] = await _people(db, services, scopes["reviewer"], 1)
    programme = await _programme(db, scopes["reviewer"])
    await training.enrol(db, person.account_id, programme.id)
    await db.commit()
    enrolment_id = await db.scalar(select(TrainingEnrolment.id))
    programme_id = programme.id
    with pytest.raises(InputError):
        await training.record_completion(db, scopes["reviewer"], programme_id, enrolment_id, "maybe")
    done = await training.record_completion(db, scopes["reviewer"], programme_id, enrolment_id, "certificate")
    assert (done.status, done.certificate) == (EnrolmentStatus.COMPLETED, True)
    await db.commit()
    with pytest.raises(Conflict):
        await training.record_completion(db, scopes["reviewer"], programme_id, enrolment_id, "not_completed")
    await db.rollback()
    entry = await db.scalar(select(AuditEntry).where(AuditEntry.action == "training.complete"))
    assert entry.changes == {"enrolment": enrolment_id, "outcome": "certificate"}


async def test_seats_cannot_go_below_those_taken_and_a_stale_form_is_a_conflict(db, services, scopes) -> None:
    first, second = await _people(db, services, scopes["reviewer"], 2)
    programme = await _programme(db, scopes["reviewer"], seats="3")
    for person in (first, second):
        await training.enrol(db, person.account_id, programme.id)
    await db.commit()
    with pytest.raises(InputError) as raised:
        await training.edit(db, scopes["reviewer"], programme.id, 1, _form(seats="1"))
    assert set(raised.value.errors) == {"seats"}
    edited = await training.edit(db, scopes["reviewer"], programme.id, 1, _form(seats="2", course="电工（中级）"))
    await db.commit()
    assert (edited.seats, edited.course, edited.version) == (2, "电工（中级）", 2)
    with pytest.raises(Conflict):
        await training.edit(db, scopes["reviewer"], programme.id, 1, _form(seats="4"))


async def test_only_the_countys_staff_and_the_city_administrator_manage_a_programme(db, services, scopes) -> None:
    programme = await _programme(db, scopes["reviewer"])
    viewer = Scope(0, "viewer", "viewer", scopes["admin"].role.__class__("city_viewer"), None)
    with pytest.raises(NotAllowed):
        await training.tell(db, services.sms, viewer, programme.id)
    assert training.may_manage(scopes["admin"], "440803")
    assert not training.may_manage(scopes["reviewer"], "440803")
