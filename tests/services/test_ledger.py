"""The service ledger (服务台账): filtered and sorted in the county's scope, a person's record table, and exports
read in batches, with ID numbers masked unless the reader may see them, and every export audited."""

from __future__ import annotations

import base64
import csv
import io
from datetime import date

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from portal.models import AuditEntry, Registration, ServiceChannel, ServiceKind, ServiceResult, StaffRole
from portal.rules.masking import mask_id
from portal.services import keyset, ledger, service_records, staff_accounts
from portal.services.errors import InputError, NotFound
from portal.services.staff import Scope, scope_of
from tests import paging
from tests.conftest import make_id
from tests.staffing import STAFF_PASSWORD, registered_case

TODAY = date(2026, 11, 30)
ID_1 = make_id(date(1990, 1, 1), "M", sequence=1)
ID_2 = make_id(date(1983, 5, 5), "F", sequence=2)


async def _two_people(db, services, reviewer: Scope) -> tuple[Registration, Registration]:
    first = await registered_case(db, services, reviewer, phone="13300000101", id_number=ID_1)
    second = await registered_case(db, services, reviewer, phone="13300000102", id_number=ID_2)
    return first, second


async def _record(db, registration: Registration, day: date, kind=ServiceKind.TRACKING, channel=ServiceChannel.PHONE,
                  result=ServiceResult.REACHED, note="", staff_id=None) -> None:  # fmt: skip
    await service_records.add(db, registration.id, day, kind, channel, result, note, staff_id)
    await db.commit()


async def _clerk(db) -> Scope:
    clerk = await staff_accounts.create(
        db, staff_accounts.audit.SYSTEM, username="chikan.clerk", full_name="赤坎经办", password=STAFF_PASSWORD,
        role="clerk", area_code="440802",
    )  # fmt: skip
    await db.commit()
    return scope_of(clerk)


async def _entries(db, services, scope: Scope, **filters) -> list[ledger.Entry]:
    found = await ledger.ledger(db, services.cipher, scope, ledger.Filters(**filters), today=TODAY)
    return found.entries


async def test_filters_narrow_the_ledger_by_kind_channel_result_dates_and_staff(db, services, scopes) -> None:
    reviewer = scopes["reviewer"]
    first, second = await _two_people(db, services, reviewer)
    await _record(db, first, date(2026, 9, 3), staff_id=reviewer.staff_id)
    await _record(db, first, date(2026, 10, 8), ServiceKind.JOB_RECOMMENDATION, ServiceChannel.VISIT)
    await _record(db, second, date(2026, 11, 2), result=ServiceResult.NOT_REACHED, staff_id=reviewer.staff_id)

    def days(entries) -> list[date]:
        return [entry.day for entry in entries]

    assert days(await _entries(db, services, reviewer)) == [date(2026, 11, 2), date(2026, 10, 8), date(2026, 9, 3)]
    assert days(await _entries(db, services, reviewer, kind="job_recommendation")) == [date(2026, 10, 8)]
    assert days(await _entries(db, services, reviewer, channel="visit")) == [date(2026, 10, 8)]
    assert days(await _entries(db, services, reviewer, result="not_reached")) == [date(2026, 11, 2)]
    assert days(await _entries(db, services, reviewer, date_from="2026-10-01", date_to="2026-10-31")) == [
        date(2026, 10, 8)
    ]
    assert days(await _entries(db, services, reviewer, staff_member=str(reviewer.staff_id))) == [
        date(2026, 11, 2), date(2026, 9, 3),
    ]  # fmt: skip
    assert days(await _entries(db, services, reviewer, number=second.number)) == [date(2026, 11, 2)]


async def test_sorting_by_a_column_either_way_with_ties_in_the_order_written(db, services, scopes) -> None:
    first, second = await _two_people(db, services, scopes["reviewer"])
    await _record(db, first, date(2026, 9, 3))
    await _record(db, second, date(2026, 9, 3), result=ServiceResult.NOT_REACHED)
    await _record(db, first, date(2026, 10, 1), result=ServiceResult.REFUSED_WITH_REASON)
    oldest = await _entries(db, services, scopes["reviewer"], sort="day", order="asc")
    assert [(e.day, e.number) for e in oldest] == [
        (date(2026, 9, 3), first.number), (date(2026, 9, 3), second.number), (date(2026, 10, 1), first.number),
    ]  # fmt: skip
    by_result = await _entries(db, services, scopes["reviewer"], sort="result", order="asc")
    assert [e.result for e in by_result] == ["not_reached", "reached", "refused_with_reason"]
    unknown = await ledger.ledger(db, services.cipher, scopes["reviewer"], ledger.Filters(sort="'; drop", order="x"))
    assert (unknown.filters.sort, unknown.filters.order) == ("day", "desc")


async def test_the_flags_pick_the_certification_candidates_and_the_low_skilled(db, services, scopes) -> None:
    younger, older = await _two_people(db, services, scopes["reviewer"])  # she is 43: category 1
    await _record(db, younger, date(2026, 11, 3))
    await _record(db, older, date(2026, 11, 4))
    picked = await _entries(db, services, scopes["reviewer"], flag="certify")
    assert [e.number for e in picked] == [older.number]
    assert await _entries(db, services, scopes["reviewer"], flag="certified") == []


async def test_a_filter_that_is_not_an_option_or_a_date_is_an_error_by_field(db, services, scopes) -> None:
    with pytest.raises(InputError) as raised:
        await _entries(db, services, scopes["reviewer"], kind="x", date_from="2026-13-01", date_to="2026-02-30",
                       staff_member="9" * 30, flag="nope")  # fmt: skip
    assert set(raised.value.errors) == {"kind", "date_from", "date_to", "staff_member", "flag"}
    with pytest.raises(InputError) as reversed_dates:
        await _entries(db, services, scopes["reviewer"], date_from="2026-11-02", date_to="2026-11-01")
    assert set(reversed_dates.value.errors) == {"date_to"}


async def test_the_screen_shows_only_the_ends_of_id_numbers_and_only_the_countys_records(db, services, scopes) -> None:
    first, _ = await _two_people(db, services, scopes["reviewer"])
    await _record(db, first, date(2026, 11, 3))
    [entry] = await _entries(db, services, scopes["reviewer"], number=first.number)
    assert entry.id_number == mask_id(ID_1)
    xiashan = await staff_accounts.create(
        db, staff_accounts.audit.SYSTEM, username="xiashan.reviewer", full_name="霞山审核", password=STAFF_PASSWORD,
        role="reviewer", area_code="440803",
    )  # fmt: skip
    await db.commit()
    assert await _entries(db, services, scope_of(xiashan)) == []
    assert len(await _entries(db, services, scopes["admin"])) == 1  # the city sees every county


async def test_the_record_table_lists_contacts_oldest_first_with_whole_ids_for_a_reviewer_only(
    db, services, scopes
) -> None:
    first, _ = await _two_people(db, services, scopes["reviewer"])
    await _record(db, first, date(2026, 11, 3), note="电话联系，仍在求职")
    await _record(db, first, date(2026, 10, 3), note="上门走访")
    table = await ledger.record_table(db, services.cipher, scopes["reviewer"], first.number)
    await db.commit()
    assert [e.note for e in table.entries] == ["上门走访", "电话联系，仍在求职"]
    assert table.id_number == ID_1
    clerk = await _clerk(db)
    masked = await ledger.record_table(db, services.cipher, clerk, first.number)
    await db.commit()
    assert masked.id_number == mask_id(ID_1)
    assert masked.phone == "133****0101"
    printed = (await db.scalars(select(AuditEntry).where(AuditEntry.action == "ledger.print")
                                .order_by(AuditEntry.id))).all()  # fmt: skip
    assert [(e.target_id, e.changes["whole_id_numbers"]) for e in printed] == [(first.number, True),
                                                                                (first.number, False)]  # fmt: skip
    with pytest.raises(NotFound):
        await ledger.record_table(db, services.cipher, clerk, "NOT-A-NUMBER")


async def _export(db, services, scope: Scope, fmt: str, batch: int = 2, **filters) -> bytes:
    made = await ledger.export(db, services.sessionmaker, services.cipher, scope, ledger.Filters(**filters), fmt,
                               areas={"440802": "赤坎区"}, batch=batch, today=TODAY)  # fmt: skip
    await db.commit()
    return b"".join([chunk async for chunk in made.chunks])


async def test_a_csv_export_reads_in_batches_and_keeps_every_record_in_date_order(db, services, scopes) -> None:
    first, second = await _two_people(db, services, scopes["reviewer"])
    days = [date(2026, 11, d) for d in (5, 1, 3, 3, 2)]
    for n, day in enumerate(days):
        await _record(db, first if n % 2 else second, day, note=f"第{n}次")
    await _record(db, first, date(2026, 11, 6), note='=HYPERLINK("http://evil")')
    body = await _export(db, services, await _clerk(db), "csv", batch=2)
    assert body.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert len(rows) == 1 + 6
    assert [row[0] for row in rows[1:]] == sorted(d.isoformat() for d in [*days, date(2026, 11, 6)])
    assert {row[4] for row in rows[1:]} == {mask_id(ID_1), mask_id(ID_2)}  # a clerk: the ends only
    assert rows[-1][8].startswith("'=")  # a formula typed into a note stays text
    assert rows[1][2] == "赤坎区"


async def test_an_xlsx_export_for_a_reviewer_has_whole_id_numbers_and_is_audited(db, services, scopes) -> None:
    first, second = await _two_people(db, services, scopes["reviewer"])
    await _record(db, first, date(2026, 11, 3), note="电话联系")
    await _record(db, second, date(2026, 11, 4), ServiceKind.JOB_RECOMMENDATION)
    body = await _export(db, services, scopes["reviewer"], "xlsx", batch=1, kind="job_recommendation")
    sheet = load_workbook(io.BytesIO(body), read_only=True).active
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert len(rows) == 2
    assert rows[1][1] == second.number
    assert rows[1][4] == ID_2
    [entry] = (await db.scalars(select(AuditEntry).where(AuditEntry.action == "ledger.export"))).all()
    assert entry.changes == {"format": "xlsx", "filters": {"kind": "job_recommendation", "sort": "day",
                                                           "order": "desc"}, "whole_id_numbers": True}  # fmt: skip


async def test_an_unknown_export_format_is_an_error(db, services, scopes) -> None:
    with pytest.raises(InputError):
        await _export(db, services, scopes["reviewer"], "pdf")


def test_only_reviewers_may_see_whole_id_numbers() -> None:
    seen = {role: ledger.may_see_id_numbers(Scope(1, "u", "U", role, "440802")) for role in StaffRole}
    assert seen == {StaffRole.CLERK: False, StaffRole.REVIEWER: True, StaffRole.CITY_ADMIN: False,
                    StaffRole.CITY_VIEWER: False}  # fmt: skip


# ---- paging by keyset ------------------------------------------------------------------------------------------------


async def _seven_records(db, services, reviewer: Scope) -> None:
    """Seven records of two people (李四 and 张三) with ties on every column, so each sort pages through ties."""
    li = await registered_case(db, services, reviewer, phone="13300000121", id_number=ID_1, name="李四")
    zhang = await registered_case(db, services, reviewer, phone="13300000122", id_number=ID_2, name="张三")
    for person, day, kind, channel, result in (
        (zhang, date(2026, 9, 3), ServiceKind.TRACKING, ServiceChannel.PHONE, ServiceResult.REACHED),
        (li, date(2026, 9, 3), ServiceKind.GUIDANCE, ServiceChannel.VISIT, ServiceResult.NOT_REACHED),
        (zhang, date(2026, 10, 1), ServiceKind.TRACKING, ServiceChannel.SMS, ServiceResult.REACHED),
        (li, date(2026, 10, 1), ServiceKind.POLICY, ServiceChannel.PHONE, ServiceResult.REFUSED_WITH_REASON),
        (zhang, date(2026, 11, 2), ServiceKind.TRAINING, ServiceChannel.PHONE, ServiceResult.REACHED),
        (li, date(2026, 11, 2), ServiceKind.TRACKING, ServiceChannel.VISIT, ServiceResult.NOT_REACHED),
        (zhang, date(2026, 11, 20), ServiceKind.GUIDANCE, ServiceChannel.PHONE, ServiceResult.REACHED),
    ):  # fmt: skip
        await _record(db, person, day, kind, channel, result, note=f"{person.number}-{day}")


def _value(entry: ledger.Entry, sort: str) -> object:
    return entry.name if sort == "person" else getattr(entry, sort)


@pytest.mark.parametrize("order", ["asc", "desc"])
@pytest.mark.parametrize("sort", list(ledger.SORT_LABELS))
async def test_paging_either_way_in_any_sort_visits_every_record_once_in_order(
    db, services, scopes, monkeypatch, sort: str, order: str
) -> None:
    await _seven_records(db, services, scopes["reviewer"])
    every = await _entries(db, services, scopes["admin"])  # a page of 30 holds them all
    expected = [e.id for e in sorted(every, key=lambda e: (_value(e, sort), e.id), reverse=order == "desc")]
    monkeypatch.setattr(ledger, "PAGE_SIZE", 3)

    async def read(at):
        found = await ledger.ledger(db, services.cipher, scopes["reviewer"], ledger.Filters(sort=sort, order=order),
                                    at=at, today=TODAY)  # fmt: skip
        return [e.id for e in found.entries], found.page

    assert await paging.forward(read) == [expected[:3], expected[3:6], expected[6:]]
    assert await paging.backward(read) == [expected[4:], expected[1:4], expected[:1]]


async def test_a_filter_a_sort_and_a_cursor_together_and_no_name_in_the_cursor(db, services, scopes, monkeypatch):
    await _seven_records(db, services, scopes["reviewer"])
    phone = ledger.Filters(channel="phone", sort="person", order="asc")
    every = await _entries(db, services, scopes["admin"], channel="phone")
    expected = [e.id for e in sorted(every, key=lambda e: (e.name, e.id))]
    assert len(expected) == 4
    monkeypatch.setattr(ledger, "PAGE_SIZE", 2)

    async def read(at):
        found = await ledger.ledger(db, services.cipher, scopes["reviewer"], phone, at=at, today=TODAY)
        return [e.id for e in found.entries], found.page

    assert await paging.forward(read) == [expected[:2], expected[2:]]
    assert await paging.backward(read) == [expected[2:], expected[:2]]
    first = await ledger.ledger(db, services.cipher, scopes["reviewer"], phone, today=TODAY)
    opened = base64.urlsafe_b64decode(first.page.next + "==").decode()
    assert not {"李", "张"} & set(opened)  # a name sort's cursor holds the record's id only
    assert first.total == 4
    monkeypatch.setattr(ledger, "COUNT_CAP", 3)
    capped = await ledger.ledger(db, services.cipher, scopes["reviewer"], phone, today=TODAY)
    assert (capped.total, capped.count_cap) == (3, 3)


async def test_a_cursor_never_shows_another_countys_records(db, services, scopes, monkeypatch) -> None:
    await _seven_records(db, services, scopes["reviewer"])
    monkeypatch.setattr(ledger, "PAGE_SIZE", 3)
    xiashan = Scope(0, "xiashan.reviewer", "霞山审核", StaffRole.REVIEWER, "440803")
    for sort in ("day", "person"):
        filters = ledger.Filters(sort=sort)
        first = await ledger.ledger(db, services.cipher, scopes["reviewer"], filters, today=TODAY)
        for at in (keyset.At(after=first.page.next), keyset.At(before=first.page.next), keyset.At(last="1")):
            assert (await ledger.ledger(db, services.cipher, xiashan, filters, at=at, today=TODAY)).entries == []
