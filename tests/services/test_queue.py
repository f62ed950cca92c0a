"""The queue: applications awaiting a decision in the staff member's scope, deferred first, filtered."""

from __future__ import annotations

from datetime import date, timedelta

from portal.models import RegistrationStatus, StaffRole
from portal.services import keyset, queue
from portal.services.staff import Scope
from tests import paging
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


async def _seven(db, services) -> list[tuple[str, RegistrationStatus]]:
    """Three deferred and four complete applications in 赤坎 (and one in 霞山), in the queue's order."""
    made = []
    for n in range(7):
        made.append(await make_case(db, services, phone=f"1330000071{n}", missing=["id_card"] if n % 2 else None,
                                    id_number=make_id(date(1990, 1, 1 + n), "M", sequence=n + 1)))  # fmt: skip
    await make_case(db, services, phone="13300000719", county="440803",
                    id_number=make_id(date(1990, 2, 1), "M", sequence=9))  # fmt: skip
    return [(r.number, r.status) for r in sorted(made, key=lambda r: (r.status.value, r.deadline, r.id))]


def _reader(db, scope, filters: queue.Filters | None = None):
    async def read(at):
        found = await queue.awaiting(db, scope, filters or queue.Filters(), at=at)
        return [item.number for item in found.items], found.page

    return read


async def test_paging_forward_and_back_visits_every_application_once_in_order(db, services, scopes, monkeypatch):
    monkeypatch.setattr(queue, "PAGE_SIZE", 3)
    expected = [number for number, _ in await _seven(db, services)]
    read = _reader(db, scopes["reviewer"])
    assert await paging.forward(read) == [expected[:3], expected[3:6], expected[6:]]
    assert await paging.backward(read) == [expected[4:], expected[1:4], expected[:1]]
    tail, last = await read(keyset.At(last="1"))
    assert (tail, last.has_next, last.has_previous) == (expected[4:], False, True)
    assert (await queue.awaiting(db, scopes["reviewer"], queue.Filters(), at=keyset.At(last="1"))).total == 7
    # A forged or malformed cursor: the first page.
    for at in (keyset.At(after="eyJ4Ijox"), keyset.At(before="!!"), keyset.At(after="A" * 10_000)):
        assert (await read(at))[0] == expected[:3]


async def test_a_cursor_never_shows_another_countys_applications(db, services, scopes, monkeypatch) -> None:
    monkeypatch.setattr(queue, "PAGE_SIZE", 3)
    chikan = {number for number, _ in await _seven(db, services)}
    first = await queue.awaiting(db, scopes["reviewer"], queue.Filters())
    xiashan = Scope(0, "xiashan.clerk", "霞山经办", StaffRole.CLERK, "440803")
    for at in (keyset.At(after=first.page.next), keyset.At(before=first.page.next), keyset.At(last="1")):
        shown = {item.number for item in (await queue.awaiting(db, xiashan, queue.Filters(), at=at)).items}
        assert len(shown) == 1
        assert not shown & chikan
    city = await queue.awaiting(db, CITY_VIEWER, queue.Filters(county="440803"), at=keyset.At(after=first.page.next))
    assert not {item.number for item in city.items} & chikan


async def test_a_filter_and_a_cursor_together_page_through_the_filtered_queue(db, services, scopes, monkeypatch):
    monkeypatch.setattr(queue, "PAGE_SIZE", 2)
    complete = [number for number, status in await _seven(db, services) if status is RegistrationStatus.SUBMITTED]
    assert len(complete) == 4
    read = _reader(db, scopes["reviewer"], queue.Filters(status="submitted"))
    assert await paging.forward(read) == [complete[:2], complete[2:]]
    assert await paging.backward(read) == [complete[2:], complete[:2]]
