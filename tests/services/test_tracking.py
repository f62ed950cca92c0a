"""The tracking list (§4.2): who is due a first contact, a contact this month, or is late; a contact recorded
in one step, and what it learned turned into a proposal."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta

import pytest
from sqlalchemy import select, update

from portal.models import Registration, StaffRole, StatusProposal
from portal.services import keyset, service_records, tracking
from portal.services.errors import InputError
from portal.services.staff import Scope
from tests import paging
from tests.conftest import make_id
from tests.staffing import registered_case

TODAY = date(2026, 11, 30)


async def _people(db, services, reviewer: Scope, count: int) -> list[Registration]:
    made = []
    for n in range(count):
        made.append(await registered_case(db, services, reviewer, phone=f"1330000010{n}",
                                          id_number=make_id(date(1990, 1, 1), "M", sequence=n + 1)))  # fmt: skip
    return made


async def _set(db, registration: Registration, **values) -> None:
    await db.execute(update(Registration).where(Registration.id == registration.id).values(**values))
    await db.commit()


async def test_registering_sets_the_first_contact_on_the_fifth_working_day(db, services, scopes) -> None:
    [registration] = await _people(db, services, scopes["reviewer"], 1)
    await db.refresh(registration)
    assert registration.first_contact_due is not None
    assert registration.first_contact_due > date.today()
    assert registration.last_contact_on is None


async def test_the_list_sorts_people_into_first_due_monthly_due_and_late(db, services, scopes) -> None:
    first, first_late, contacted_now, last_month, two_months = await _people(db, services, scopes["reviewer"], 5)
    await _set(db, first, first_contact_due=TODAY + timedelta(days=2))
    await _set(db, first_late, first_contact_due=TODAY - timedelta(days=1))
    await _set(db, contacted_now, first_contact_due=date(2026, 1, 8), last_contact_on=date(2026, 11, 3))
    await _set(db, last_month, first_contact_due=date(2026, 1, 8), last_contact_on=date(2026, 10, 20))
    await _set(db, two_months, first_contact_due=date(2026, 1, 8), last_contact_on=date(2026, 9, 30))

    async def shown(show: str) -> dict[str, str]:
        listed = await tracking.tracking_list(db, scopes["reviewer"], show=show, today=TODAY)
        return {row.number: row.why for row in listed.rows}

    assert await shown("first") == {first.number: "first", first_late.number: "first_late"}
    assert await shown("due") == {first.number: "first", first_late.number: "first_late", last_month.number: "due",
                                  two_months.number: "overdue"}  # fmt: skip
    assert await shown("overdue") == {first_late.number: "first_late", two_months.number: "overdue"}
    counts = (await tracking.tracking_list(db, scopes["reviewer"], today=TODAY)).counts
    assert counts == {"due": 4, "first": 2, "overdue": 2}  # "certify" is not counted: it is read row by row


async def test_a_contact_that_reached_the_person_takes_them_off_the_month_and_one_that_did_not_leaves_them(
    db, services, scopes
) -> None:
    reached, missed = await _people(db, services, scopes["reviewer"], 2)
    for who, answer in ((reached, "yes"), (missed, "no")):
        await tracking.record_contact(db, scopes["reviewer"], who.number, channel="phone", reached=answer,
                                      learned="unemployed", note="")  # fmt: skip
    await db.commit()
    listed = await tracking.tracking_list(db, scopes["reviewer"], show="due")
    assert [row.number for row in listed.rows] == [missed.number]


async def test_found_work_becomes_a_proposal_for_its_reason_once(db, services, scopes) -> None:
    [registration] = await _people(db, services, scopes["reviewer"], 1)
    for _ in range(2):
        recorded = await tracking.record_contact(db, scopes["reviewer"], registration.number, channel="visit",
                                                 reached="yes", learned="business", note="开了一家小店")  # fmt: skip
        await db.commit()
        assert recorded.proposed_reason == "2"
    proposals = list(await db.scalars(select(StatusProposal).where(StatusProposal.registration_id == registration.id)))
    assert [(p.reason, p.source.value) for p in proposals] == [("2", "tracking")]


async def test_a_contact_needs_how_and_whether_reached_and_what_was_learned(db, services, scopes) -> None:
    [registration] = await _people(db, services, scopes["reviewer"], 1)
    with pytest.raises(InputError) as raised:
        await tracking.record_contact(db, scopes["reviewer"], registration.number, channel="fax", reached="yes",
                                      learned="", note="x" * 3000)  # fmt: skip
    assert set(raised.value.errors) == {"channel", "learned", "note"}


async def test_contacts_recorded_at_once_leave_the_latest_day(db, services, scopes) -> None:
    [registration] = await _people(db, services, scopes["reviewer"], 1)
    days = [date(2026, 11, d) for d in (3, 27, 12, 20)]

    async def contact(day: date) -> None:
        async with services.sessionmaker() as session:
            await service_records.record(session, scopes["reviewer"], registration.number, day=day.isoformat(),
                                         kind="tracking", channel="phone", result="reached", note="",
                                         today=TODAY)  # fmt: skip
            await session.commit()

    await asyncio.gather(*(contact(day) for day in days))
    await db.refresh(registration)
    assert registration.last_contact_on == date(2026, 11, 27)


async def test_the_row_of_someone_just_contacted_says_so(db, services, scopes) -> None:
    [registration] = await _people(db, services, scopes["reviewer"], 1)
    await tracking.record_contact(db, scopes["reviewer"], registration.number, channel="phone", reached="yes",
                                  learned="unemployed", note="")  # fmt: skip
    assert (await tracking.row_of(db, scopes["reviewer"], registration.number)).why == "contacted"


# ---- the monthly data comparison ----------------------------------------------------------------------------------


class CountingAdapter:
    """The social-insurance system as the test needs it (some people newly insured by an employer), counting its
    calls: the run asks once per batch, never once per person."""

    name = "counting"

    def __init__(self, insured: set[str]) -> None:
        self.insured = insured
        self.batches: list[int] = []

    async def employment(self, id_number: str):
        raise AssertionError("the comparison run asks in batches")

    async def employment_many(self, id_numbers):
        from portal.adapters.social_insurance import EmploymentRecord

        self.batches.append(len(id_numbers))
        return {n: EmploymentRecord(active=True, employer_zh="湛江某物流公司", since=date(2026, 11, 2))
                for n in id_numbers if n in self.insured}  # fmt: skip


async def test_the_comparison_asks_in_batches_records_each_person_and_proposes_for_the_newly_insured(
    db, services, scopes
) -> None:
    from portal.models import ServiceRecord
    from portal.services.audit import SYSTEM

    people = await _people(db, services, scopes["reviewer"], 5)
    adapter = CountingAdapter({make_id(date(1990, 1, 1), "M", sequence=2)})
    report = await tracking.compare_due(db, services.cipher, adapter, SYSTEM, county="440802", batch=2)
    await db.commit()
    assert adapter.batches == [2, 2, 1]
    assert report.as_dict() == {"checked": 5, "recorded": 5, "proposed": 1}
    [proposal] = list(await db.scalars(select(StatusProposal)))
    assert (proposal.registration_id, proposal.reason) == (people[1].id, "1")
    note = await db.scalar(select(ServiceRecord.note).where(ServiceRecord.registration_id == people[1].id))
    assert "湛江某物流公司" in note
    listed = await tracking.tracking_list(db, scopes["reviewer"], show="due")
    assert listed.rows == []  # everyone has this month's contact
    elsewhere = await tracking.compare_due(db, services.cipher, adapter, SYSTEM, county="440803")
    assert elsewhere.checked == 0


async def test_two_comparison_runs_at_once_record_each_person_once(db, services, scopes) -> None:
    from portal.models import ServiceRecord
    from portal.services.audit import SYSTEM

    await _people(db, services, scopes["reviewer"], 3)

    async def run() -> dict[str, int]:
        async with services.sessionmaker() as session:
            report = await tracking.compare_due(session, services.cipher, services.social_insurance, SYSTEM,
                                                batch=1)  # fmt: skip
            await session.commit()
            return report.as_dict()

    reports = await asyncio.gather(run(), run())
    assert sum(r["recorded"] for r in reports) == 3
    again = await run()
    assert again == {"checked": 0, "recorded": 0, "proposed": 0}
    records = list(await db.scalars(select(ServiceRecord).where(ServiceRecord.channel == "data")))
    assert len(records) == 3


async def test_people_meeting_category_1_or_7_are_proposed_for_certification_until_certified(
    db, services, scopes
) -> None:
    from portal.models import Grant, PolicyApplication

    young = await registered_case(db, services, scopes["reviewer"], phone="13300000201",
                                  id_number=make_id(date(1995, 1, 1), "M", sequence=1))  # fmt: skip
    older = await registered_case(db, services, scopes["reviewer"], phone="13300000202",
                                  id_number=make_id(date(1975, 1, 1), "F", sequence=2))  # fmt: skip
    a_year = await registered_case(db, services, scopes["reviewer"], phone="13300000203",
                                   id_number=make_id(date(1996, 1, 1), "M", sequence=3))  # fmt: skip
    await db.refresh(a_year)
    a_year.decided_at -= timedelta(days=400)
    await db.commit()
    listed = await tracking.tracking_list(db, scopes["reviewer"], show="certify")
    assert {row.number: row.certify for row in listed.rows} == {older.number: [1], a_year.number: [7]}
    marks = {row.number: row.more_service for row in listed.rows}
    assert marks == {older.number: ["older"], a_year.number: []}  # the woman of 51 is marked for more service
    assert young.number not in {row.number for row in listed.rows}
    # Certified (a P11 grant): no longer proposed.
    application = PolicyApplication(number="ZP20260101000001", policy_code="P11", policy_version_id=1,
                                    registration_id=older.id, county_code="440802", status="approved",
                                    deadline=date.today())  # fmt: skip
    db.add(application)
    await db.flush()
    db.add(Grant(application_id=application.id, person_id=older.person_id, policy_code="P11", county_code="440802",
                 amount=0, period_from=date.today(), period_to=date.today(), granted_on=date.today()))  # fmt: skip
    await db.commit()
    listed = await tracking.tracking_list(db, scopes["reviewer"], show="certify")
    assert [row.number for row in listed.rows] == [a_year.number]
    assert (await tracking.row_of(db, scopes["reviewer"], older.number)).certify == []


# ---- paging by keyset ------------------------------------------------------------------------------------------------


async def _seven_due(db, services, reviewer: Scope) -> list[str]:
    """Seven people due a contact and one contacted this month: the "due" view's numbers in its order (never
    contacted by the day their first contact is due, ties by registration; without a due day; then by last contact)."""
    people = await _people(db, services, reviewer, 8)
    values = [
        {"first_contact_due": TODAY - timedelta(days=3), "last_contact_on": None},
        {"first_contact_due": TODAY + timedelta(days=2), "last_contact_on": None},
        {"first_contact_due": TODAY + timedelta(days=2), "last_contact_on": None},
        {"first_contact_due": None, "last_contact_on": None},
        {"last_contact_on": date(2026, 9, 30)},
        {"last_contact_on": date(2026, 10, 20)},
        {"last_contact_on": date(2026, 10, 20)},
        {"last_contact_on": date(2026, 11, 3)},  # contacted this month: not due
    ]
    for person, changes in zip(people, values, strict=True):
        await _set(db, person, **changes)
    return [person.number for person in people[:7]]


def _reader(db, scope: Scope, show: str = "due"):
    async def read(at):
        listed = await tracking.tracking_list(db, scope, show=show, at=at, today=TODAY)
        return [row.number for row in listed.rows], listed.page

    return read


async def test_paging_forward_and_back_visits_everyone_due_once_in_order(db, services, scopes, monkeypatch) -> None:
    monkeypatch.setattr(tracking, "PAGE_SIZE", 3)
    expected = await _seven_due(db, services, scopes["reviewer"])
    read = _reader(db, scopes["reviewer"])
    assert await paging.forward(read) == [expected[:3], expected[3:6], expected[6:]]
    assert await paging.backward(read) == [expected[4:], expected[1:4], expected[:1]]
    assert (await read(keyset.At(last="1")))[0] == expected[4:]
    # Another view pages its own stretches: the late, first contact late first.
    assert paging.flat(await paging.forward(_reader(db, scopes["reviewer"], "overdue"))) == [expected[0], expected[4]]
    # A cursor from one view given to another, or forged: the first page.
    first = await tracking.tracking_list(db, scopes["reviewer"], show="due", today=TODAY)
    overdue = await tracking.tracking_list(db, scopes["reviewer"], show="overdue", at=keyset.At(after=first.page.next),
                                           today=TODAY)  # fmt: skip
    assert [row.number for row in overdue.rows] == [expected[0], expected[4]]
    assert (await read(keyset.At(before="WyJ0cmFja2luZy5kdWUiLDAsIngiLDFd")))[0] == expected[:3]
    # Another county's clerk with these cursors: their own county's list (nobody), never these people.
    xiashan = _reader(db, Scope(0, "xiashan.clerk", "霞山经办", StaffRole.CLERK, "440803"))
    for at in (keyset.At(after=first.page.next), keyset.At(before=first.page.next), keyset.At(last="1")):
        assert (await xiashan(at))[0] == []


async def test_the_counts_stop_at_the_cap(db, services, scopes, monkeypatch) -> None:
    await _seven_due(db, services, scopes["reviewer"])
    listed = await tracking.tracking_list(db, scopes["reviewer"], today=TODAY)
    assert listed.counts == {"due": 7, "first": 3, "overdue": 2}
    monkeypatch.setattr(tracking, "COUNT_CAP", 3)
    capped = await tracking.tracking_list(db, scopes["reviewer"], today=TODAY)
    assert (capped.counts, capped.count_cap) == ({"due": 3, "first": 3, "overdue": 2}, 3)
