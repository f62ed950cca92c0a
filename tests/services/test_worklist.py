"""The outreach worklist: people ordered by their most pressing reason, one row per person with every reason, the
case worker's own plans first, counts by reason, and only the county's people."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select, update

from portal.models import AuditEntry, PlanAction, Registration
from portal.services import certifications, keyset, plans, staff_accounts, worklist
from portal.services.staff import Scope, scope_of
from tests import paging
from tests.conftest import make_id
from tests.staffing import STAFF_PASSWORD, registered_case

TODAY = date(2026, 11, 30)


async def _people(db, services, reviewer: Scope, count: int) -> list[Registration]:
    return [
        await registered_case(db, services, reviewer, phone=f"1330000040{n}",
                              id_number=make_id(date(1990, 1, 1), "M", sequence=n + 1))
        for n in range(count)
    ]  # fmt: skip


async def _set(db, registration: Registration, **values) -> None:
    await db.execute(update(Registration).where(Registration.id == registration.id).values(**values))
    await db.commit()


def _reasons(found: worklist.Worklist) -> dict[str, list[str]]:
    return {row.number: [reason.code for reason in row.reasons] for row in found.rows}


async def test_people_come_in_order_of_their_most_pressing_reason_with_all_their_reasons(db, services, scopes) -> None:
    reviewer = scopes["reviewer"]
    planned, first_late, silent, contacted, long_ago = await _people(db, services, reviewer, 5)
    contacted_day = date(2026, 10, 15)
    await _set(db, first_late, first_contact_due=date(2026, 11, 20), last_contact_on=None)
    await _set(db, silent, first_contact_due=date(2026, 8, 1), last_contact_on=date(2026, 9, 10))
    await _set(db, contacted, first_contact_due=date(2026, 8, 1), last_contact_on=contacted_day)
    await _set(db, long_ago, first_contact_due=date(2025, 8, 1), last_contact_on=contacted_day,
               decided_at=datetime(2025, 7, 1, tzinfo=UTC))  # fmt: skip
    await _set(db, planned, first_contact_due=date(2026, 8, 1), last_contact_on=date(2026, 11, 2))
    applied = await certifications.apply(db, planned.account_id, category="older", evidence="commitment",
                                         evidence_text="", commitment_name="张三", today=TODAY)  # fmt: skip
    await certifications.decide(db, services.sms, reviewer, applied.number, version=1, outcome="certify", reasons="",
                                today=TODAY - timedelta(days=20))  # fmt: skip
    await db.commit()
    plan_id = (await plans.plan_list(db, reviewer, show="mine", today=TODAY)).rows[0].id
    db.add(PlanAction(plan_id=plan_id, text="投递简历", due_on=TODAY - timedelta(days=3), staff_id=reviewer.staff_id))
    await db.commit()

    found = await worklist.worklist(db, reviewer, today=TODAY)
    await db.commit()
    reasons = _reasons(found)
    assert [row.number for row in found.rows][:4] == [planned.number, first_late.number, silent.number,
                                                        long_ago.number]  # fmt: skip
    assert reasons[planned.number][0] == "plan_overdue"
    assert found.rows[0].plan_id == plan_id
    assert reasons[first_late.number][0] == "first_late"
    assert reasons[silent.number][0] == "overdue"
    assert "long_unemployed" in reasons[long_ago.number]
    assert "due" in reasons[contacted.number]
    assert found.counts["plan_overdue"] == 1
    assert found.counts["overdue"] == 1
    assert await db.scalar(select(AuditEntry.action).where(AuditEntry.action == "worklist.view"))


async def test_another_case_worker_does_not_get_someone_elses_plan_and_another_county_sees_nobody(
    db, services, scopes
) -> None:
    reviewer = scopes["reviewer"]
    [person] = await _people(db, services, reviewer, 1)
    await _set(db, person, first_contact_due=date(2026, 8, 1), last_contact_on=date(2026, 11, 3))
    clerk = scope_of(await staff_accounts.create(db, staff_accounts.audit.SYSTEM, username="chikan.clerk",
                                                 full_name="c", password=STAFF_PASSWORD, role="clerk",
                                                 area_code="440802"))  # fmt: skip
    xiashan = scope_of(await staff_accounts.create(db, staff_accounts.audit.SYSTEM, username="xiashan.clerk",
                                                   full_name="x", password=STAFF_PASSWORD, role="clerk",
                                                   area_code="440803"))  # fmt: skip
    await db.commit()
    assert (await worklist.worklist(db, clerk, today=TODAY)).rows == []  # contacted this month: nothing pressing
    assert (await worklist.worklist(db, xiashan, today=date(2027, 5, 15))).rows == []
    later = await worklist.worklist(db, clerk, today=date(2027, 5, 15))
    assert _reasons(later) == {person.number: ["overdue", "behind_minimum"]}


async def test_the_number_shown_a_page_grows_on_request_up_to_its_limit_and_counts_are_capped(
    db, services, scopes, monkeypatch
) -> None:
    reviewer = scopes["reviewer"]
    people = await _people(db, services, reviewer, 4)
    for person in people:
        await _set(db, person, first_contact_due=date(2026, 8, 1), last_contact_on=date(2026, 9, 1))
    monkeypatch.setattr(worklist, "SHOWN", 2)
    monkeypatch.setattr(worklist, "COUNT_CAP", 3)
    found = await worklist.worklist(db, reviewer, shown=2, today=TODAY)
    assert len(found.rows) == 2
    assert found.page.has_next
    assert found.counts["overdue"] == 3  # at the cap: "3 or more"
    assert len((await worklist.worklist(db, reviewer, shown=10**9, today=TODAY)).rows) == 4


# ---- paging by keyset ------------------------------------------------------------------------------------------------


async def _seven(db, services, reviewer: Scope) -> list[str]:
    """Seven people with reasons, in the worklist's order: by their most pressing reason, then since when."""
    people = await _people(db, services, reviewer, 7)
    values = [
        {"first_contact_due": TODAY - timedelta(days=5), "last_contact_on": None},  # first contact late
        {"first_contact_due": TODAY - timedelta(days=2), "last_contact_on": None},
        {"first_contact_due": date(2026, 8, 1), "last_contact_on": date(2026, 9, 10)},  # no contact last month
        {"first_contact_due": date(2026, 8, 1), "last_contact_on": date(2026, 9, 20)},
        {"first_contact_due": TODAY + timedelta(days=3), "last_contact_on": None},  # first contact due
        # contact due this month, and a year unemployed without certification: listed once, under the year
        {"first_contact_due": date(2025, 7, 8), "last_contact_on": date(2026, 10, 15),
         "decided_at": datetime(2025, 7, 1, tzinfo=UTC)},
        {"first_contact_due": date(2026, 8, 1), "last_contact_on": date(2026, 10, 20)},  # contact due this month
    ]  # fmt: skip
    for person, changes in zip(people, values, strict=True):
        await _set(db, person, **changes)
    return [person.number for person in people]


def _reader(db, scope: Scope):
    async def read(at):
        found = await worklist.worklist(db, scope, shown=3, at=at, today=TODAY)
        await db.commit()
        return [row.number for row in found.rows], found.page

    return read


async def test_paging_forward_and_back_lists_each_person_once_under_their_most_pressing_reason(
    db, services, scopes, monkeypatch
) -> None:
    monkeypatch.setattr(worklist, "SHOWN", 3)
    reviewer = scopes["reviewer"]
    expected = await _seven(db, services, reviewer)
    read = _reader(db, reviewer)
    assert await paging.forward(read) == [expected[:3], expected[3:6], expected[6:]]
    assert await paging.backward(read) == [expected[4:], expected[1:4], expected[:1]]
    last = await worklist.worklist(db, reviewer, shown=3, at=keyset.At(last="1"), today=TODAY)
    assert _reasons(last) == {expected[4]: ["first_due"], expected[5]: ["long_unemployed", "due"],
                              expected[6]: ["due"]}  # fmt: skip
    assert (last.counts["due"], last.counts["long_unemployed"]) == (2, 1)  # counts: everyone with the reason
    # Another county's clerk with these cursors sees nobody of 赤坎; a forged cursor is the first page.
    xiashan = _reader(db, scope_of(await staff_accounts.create(
        db, staff_accounts.audit.SYSTEM, username="xiashan.clerk", full_name="x", password=STAFF_PASSWORD, role="clerk",
        area_code="440803")))  # fmt: skip
    first = await worklist.worklist(db, reviewer, shown=3, today=TODAY)
    for at in (keyset.At(after=first.page.next), keyset.At(before=last.page.previous), keyset.At(last="1")):
        assert (await xiashan(at))[0] == []
    assert (await read(keyset.At(after="WyJ3b3JrbGlzdCIsMiwiMjAyNi0xMS0yNSIsInNpeCJd")))[0] == expected[:3]
