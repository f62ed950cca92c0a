"""The queue: applications awaiting a decision in the staff member's scope, deferred first, filtered."""

from __future__ import annotations

from datetime import date, timedelta

from portal.models import StaffRole
from portal.services import queue
from portal.services.staff import Scope
from tests.conftest import make_id
from tests.staffing import make_case

CITY_VIEWER = Scope(0, "city.viewer", "市局查询", StaffRole.CITY_VIEWER, None)


async def test_deferred_come_first_and_the_filters_narrow_the_list(db, services, scopes) -> None:
    complete = await make_case(db, services, phone="13300000091", id_number=make_id(date(1991, 7, 7), "M"))
    deferred = await make_case(db, services, phone="13300000092", id_number=make_id(date(1992, 7, 7), "M"),
                               missing=["id_card"])  # fmt: skip
    elsewhere = await make_case(db, services, phone="13300000093", id_number=make_id(date(1993, 7, 7), "M"),
                                county="440803")  # fmt: skip
    everything = await queue.awaiting(db, scopes["reviewer"], queue.Filters())
    assert [item.number for item in everything.items] == [deferred.number, complete.number]
    only_deferred = await queue.awaiting(db, scopes["reviewer"], queue.Filters(status="deferred"))
    assert [item.number for item in only_deferred.items] == [deferred.number]
    city = await queue.awaiting(db, CITY_VIEWER, queue.Filters(county="440803"))
    assert [item.number for item in city.items] == [elsewhere.number]
    # A county filter from a county clerk, or a value that is no option, changes nothing.
    ignored = await queue.awaiting(db, scopes["reviewer"], queue.Filters(status="registered", county="440803"))
    assert [item.number for item in ignored.items] == [deferred.number, complete.number]


async def test_overdue_and_due_within_a_week_count_from_today(db, services, scopes) -> None:
    case = await make_case(db, services, missing=["id_card"])
    deadline = case.deadline
    overdue = await queue.awaiting(db, scopes["reviewer"], queue.Filters(due="overdue"), today=deadline)
    assert overdue.items == []
    late = await queue.awaiting(db, scopes["reviewer"], queue.Filters(due="overdue"), today=deadline + timedelta(1))
    assert [(item.number, item.overdue) for item in late.items] == [(case.number, True)]
    soon = await queue.awaiting(db, scopes["reviewer"], queue.Filters(due="week"), today=deadline - timedelta(7))
    assert [item.number for item in soon.items] == [case.number]
