"""The service ledger (服务台账, §4.4, Attachment 3): every contact and service recorded for the county's
registered people, filtered and sorted; one person's ledger as the "失业人员定期联系情况记录表"; exports as CSV
and XLSX, read in keyset batches so a county-year of records never sits in memory at once."""

from __future__ import annotations

import asyncio
import csv
import enum
import io
import os
import tempfile
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, literal, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from portal.clock import local_date, local_today
from portal.crypto import Cipher
from portal.i18n import _l
from portal.models import (
    Education,
    Person,
    Registration,
    ServiceChannel,
    ServiceKind,
    ServiceRecord,
    ServiceResult,
    StaffRole,
    StaffUser,
)
from portal.rules.masking import mask_id
from portal.services import audit, cases, fields, keyset, service_records, tracking
from portal.services.errors import InputError
from portal.services.staff import Scope

PAGE_SIZE = 30
COUNT_CAP = keyset.COUNT_CAP  # the total is counted up to here
EXPORT_BATCH = 1000
FORMATS = ("csv", "xlsx")

SORT_LABELS: dict[str, object] = {
    "day": _l("Date"),
    "person": _l("Name"),
    "kind": _l("Service"),
    "channel": _l("Channel"),
    "result": _l("Contact result"),
}
ORDER_LABELS: dict[str, object] = {"desc": _l("Newest or last first"), "asc": _l("Oldest or first first")}
FLAG_LABELS: dict[str, object] = {
    "certified": _l("Certified with employment difficulty"),
    "certify": _l("To propose for certification"),
    "low_skilled": _l("Low-skilled"),
}
DATE_INVALID = _l("Enter a real date, like 2026-11-20")
DATES_REVERSED = _l("The first date must not be after the last date")
CHOICE_INVALID = _l("Select one of the options")


def may_see_id_numbers(scope: Scope) -> bool:
    """County reviewers (审核) verify identities and file the paper record: they see whole ID numbers in the
    printed table and the exports; everyone else sees the ends only."""
    return scope.role is StaffRole.REVIEWER


@dataclass(frozen=True)
class Filters:
    """What the ledger is narrowed to, as typed in the query string; `check` turns it into errors or values."""

    kind: str = ""
    channel: str = ""
    result: str = ""
    date_from: str = ""
    date_to: str = ""
    staff_member: str = ""  # the id of the staff member who recorded it
    flag: str = ""
    number: str = ""  # one person's registration
    sort: str = "day"
    order: str = "desc"

    def as_query(self, **changes: str) -> dict[str, str]:
        values = {
            "kind": self.kind, "channel": self.channel, "result": self.result, "date_from": self.date_from,
            "date_to": self.date_to, "staff_member": self.staff_member, "flag": self.flag, "number": self.number,
            "sort": self.sort, "order": self.order,
        } | changes  # fmt: skip
        return {key: value for key, value in values.items() if value}


@dataclass(frozen=True)
class Checked:
    filters: Filters
    date_from: date | None
    date_to: date | None
    staff_id: int | None


def check(filters: Filters) -> Checked:
    """Errors by field for anything not one of the options or not a date; the sort falls back to the newest."""
    errors: dict[str, object] = {}
    for name, labels in (
        ("kind", service_records.KIND_LABELS), ("channel", service_records.CHANNEL_LABELS),
        ("result", service_records.RESULT_LABELS), ("flag", FLAG_LABELS),
    ):  # fmt: skip
        value = getattr(filters, name)
        if value and value not in labels:
            errors[name] = CHOICE_INVALID
    days: dict[str, date | None] = {}
    for name in ("date_from", "date_to"):
        raw = getattr(filters, name)
        days[name] = fields.parse_date(raw) if raw else None
        if raw and days[name] is None:
            errors[name] = DATE_INVALID
    if days["date_from"] and days["date_to"] and days["date_from"] > days["date_to"]:
        errors["date_to"] = DATES_REVERSED
    staff_id = fields.db_int(filters.staff_member) if filters.staff_member else None
    if filters.staff_member and staff_id is None:
        errors["staff_member"] = CHOICE_INVALID
    fields.check_lengths(errors, {"number": (filters.number, 20)})
    if errors:
        raise InputError(errors)
    sort = filters.sort if filters.sort in SORT_LABELS else "day"
    order = "asc" if filters.order == "asc" else "desc"
    return Checked(replace(filters, sort=sort, order=order), days["date_from"], days["date_to"], staff_id)


def _conditions(scope: Scope, checked: Checked, today: date) -> list[ColumnElement[bool]]:
    f = checked.filters
    found: list[ColumnElement[bool]] = []
    if not scope.is_city:
        found.append(Registration.county_code == scope.area_code)
    for column, value in (
        (ServiceRecord.kind, f.kind), (ServiceRecord.channel, f.channel), (ServiceRecord.result, f.result),
    ):  # fmt: skip
        if value:
            found.append(column == value)
    if checked.date_from:
        found.append(ServiceRecord.day >= checked.date_from)
    if checked.date_to:
        found.append(ServiceRecord.day <= checked.date_to)
    if checked.staff_id is not None:
        found.append(ServiceRecord.staff_id == checked.staff_id)
    if f.number:
        found.append(Registration.number == f.number)
    if f.flag == "certified":
        found.append(tracking.certified())
    elif f.flag == "certify":
        found.append(tracking.to_certify(today))
    elif f.flag == "low_skilled":
        found.append(Registration.education == Education.JUNIOR_OR_BELOW)
    return found


def _records() -> Any:  # a Select of the record with its person's and staff member's columns
    return (
        select(ServiceRecord, Registration.number, Registration.county_code, Person.name, Person.id_cipher,
               StaffUser.full_name)
        .join(Registration, Registration.id == ServiceRecord.registration_id)
        .join(Person, Person.id == Registration.person_id)
        .outerjoin(StaffUser, StaffUser.id == ServiceRecord.staff_id)
    )  # fmt: skip


_SORT_COLUMNS: dict[str, Any] = {  # read along (column, id): the (day, id) index, or people's (name, id)
    "day": ServiceRecord.day,
    "person": Person.name,
}
# Sorted by one of a few values: one stretch per value (in the order of the values as stored), each read along the
# primary key with the value fixed; no (kind, id)-like index on 10,000,000 rows for a sort of five values.
_SORT_VALUES: dict[str, tuple[Any, type[enum.Enum]]] = {
    "kind": (ServiceRecord.kind, ServiceKind),
    "channel": (ServiceRecord.channel, ServiceChannel),
    "result": (ServiceRecord.result, ServiceResult),
}


def _stretches(sort: str, order: str, where: list[ColumnElement[bool]]) -> list[keyset.Segment]:
    query = _records().where(*where)
    if sort in _SORT_COLUMNS:
        return [keyset.Segment(query, (_SORT_COLUMNS[sort], ServiceRecord.id))]
    column, values = _SORT_VALUES[sort]
    stored = sorted(member.value for member in values)
    return [keyset.Segment(query.where(column == value), (ServiceRecord.id,))
            for value in (reversed(stored) if order == "desc" else stored)]  # fmt: skip


@dataclass(frozen=True)
class Entry:
    id: int
    day: date
    number: str
    county_code: str
    name: str
    id_number: str  # masked unless the reader may see it whole
    kind: str
    channel: str
    result: str
    note: str
    staff_name: str  # "" for a record the portal wrote itself


def _entry(row: Any, cipher: Cipher, whole_ids: bool) -> Entry:
    record, number, county_code, name, id_cipher, staff_name = row
    id_number = cipher.decrypt(id_cipher, "id").decode()
    return Entry(
        record.id, record.day, number, county_code, name, id_number if whole_ids else mask_id(id_number),
        record.kind.value, record.channel.value, record.result.value, record.note, staff_name or "",
    )  # fmt: skip


@dataclass(frozen=True)
class LedgerPage:
    entries: list[Entry]
    filters: Filters
    total: int  # at most count_cap
    page: keyset.Page
    count_cap: int


async def staff_choices(session: AsyncSession, scope: Scope) -> list[fields.Choice]:
    """Who may have recorded a service: the county's staff (the whole city's for city roles)."""
    query = select(StaffUser.id, StaffUser.full_name).order_by(StaffUser.full_name, StaffUser.id)
    if not scope.is_city:
        query = query.where(StaffUser.area_code == scope.area_code)
    return [fields.Choice(str(staff_id), name) for staff_id, name in (await session.execute(query)).all()]


async def ledger(
    session: AsyncSession, cipher: Cipher, scope: Scope, filters: Filters, *, at: keyset.At = keyset.START,
    today: date | None = None,
) -> LedgerPage:  # fmt: skip
    """A page of the ledger by keyset on (the sort column, the record's id), so ties keep the order written; the ID
    numbers' ends only on screen; the total counted up to COUNT_CAP."""
    checked = check(filters)
    today = today or local_today()
    where = _conditions(scope, checked, today)
    counted = select(ServiceRecord.id).join(Registration, Registration.id == ServiceRecord.registration_id)
    if checked.filters.flag == "certify":  # the only filter that reads the person (birth date and sex)
        counted = counted.join(Person, Person.id == Registration.person_id)
    total = await session.scalar(keyset.capped_count(counted.where(*where), COUNT_CAP)) or 0
    sort, order = checked.filters.sort, checked.filters.order
    listing = keyset.Listing(
        f"ledger.{sort}.{order}", _stretches(sort, order, where), descending=order == "desc", private=sort == "person"
    )
    found = await keyset.read(session, listing, at, PAGE_SIZE)
    entries = [_entry(row, cipher, whole_ids=False) for row in found.rows]
    return LedgerPage(entries, checked.filters, total, found, COUNT_CAP)


# ---- one person's record table (失业人员定期联系情况记录表) -----------------------------------------------------


@dataclass(frozen=True)
class RecordTable:
    """The header fields of Attachment 3's table, and one row per contact, oldest first."""

    number: str
    name: str
    sex: str
    birth_date: date
    id_number: str
    phone: str
    county_code: str
    registered_on: date | None
    education: str
    hukou_local: bool
    occupation_intention: str
    wants_training: bool
    wants_business: bool
    entries: list[Entry]
    printed_on: date
    printed_by: str


TABLE_MAX = 500  # contacts on one printed table: more than forty years of monthly contacts


async def record_table(session: AsyncSession, cipher: Cipher, scope: Scope, number: str) -> RecordTable:
    """One person's table to print; reading it is audited, as it shows their contacts in full."""
    registration = await cases.find(session, scope, number)
    person = await session.get(Person, registration.person_id)
    assert person is not None
    whole = may_see_id_numbers(scope)
    rows = await session.execute(
        _records().where(ServiceRecord.registration_id == registration.id)
        .order_by(ServiceRecord.day, ServiceRecord.id).limit(TABLE_MAX)
    )  # fmt: skip
    entries = [_entry(row, cipher, whole) for row in rows.all()]
    await audit.record(session, scope.actor, "ledger.print", "registration", number,
                       {"rows": len(entries), "whole_id_numbers": whole})  # fmt: skip
    id_number = cipher.decrypt(person.id_cipher, "id").decode()
    return RecordTable(
        registration.number, person.name, person.sex, person.birth_date,
        id_number if whole else mask_id(id_number), registration.phone if whole else _phone_ends(registration.phone),
        registration.county_code, local_date(registration.decided_at) if registration.decided_at else None,
        registration.education.value, registration.hukou_local, registration.occupation_intention,
        registration.wants_training, registration.wants_business, entries, local_today(), scope.full_name,
    )  # fmt: skip


def _phone_ends(phone: str) -> str:
    return f"{phone[:3]}****{phone[-4:]}" if len(phone) >= 7 else "****"


# ---- exports ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Export:
    """An export that has been checked and audited: its file name and the rows to stream."""

    filename: str
    media_type: str
    chunks: AsyncIterator[bytes]


HEADER: Sequence[object] = (
    _l("Date"), _l("Registration"), _l("Service area"), _l("Name"), _l("ID number"), _l("Service"), _l("Channel"),
    _l("Contact result"), _l("What was done"), _l("Staff member"),
)  # fmt: skip
MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _safe(value: str) -> str:
    """A cell a spreadsheet would run as a formula is kept as text (CSV/formula injection)."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


async def _batches(
    sessionmaker: async_sessionmaker[AsyncSession], cipher: Cipher, where: list[ColumnElement[bool]], whole: bool,
    batch: int,
) -> AsyncIterator[list[Entry]]:  # fmt: skip
    """The ledger in date order, a batch at a time by keyset (day, id), each batch its own short read."""
    after: tuple[date, int] | None = None
    while True:
        query = _records().where(*where)
        if after is not None:  # a row-value comparison: the (day, id) index seeks straight to the next batch
            query = query.where(
                tuple_(ServiceRecord.day, ServiceRecord.id) > tuple_(literal(after[0]), literal(after[1]))
            )
        async with sessionmaker() as session:
            rows = (await session.execute(query.order_by(ServiceRecord.day, ServiceRecord.id).limit(batch))).all()
        if not rows:
            return
        entries = [_entry(row, cipher, whole) for row in rows]
        yield entries
        after = (entries[-1].day, entries[-1].id)


def _cells(entry: Entry, words: Mapping[str, Mapping[str, str]], areas: Mapping[str, str]) -> list[str]:
    return [
        entry.day.isoformat(), entry.number, areas.get(entry.county_code, entry.county_code), _safe(entry.name),
        entry.id_number, words["kind"].get(entry.kind, entry.kind), words["channel"].get(entry.channel, entry.channel),
        words["result"].get(entry.result, entry.result), _safe(entry.note), _safe(entry.staff_name),
    ]  # fmt: skip


async def _csv(batches: AsyncIterator[list[Entry]], header: list[str], words: Mapping[str, Mapping[str, str]],
               areas: Mapping[str, str]) -> AsyncIterator[bytes]:  # fmt: skip
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    yield "\ufeff".encode() + buffer.getvalue().encode()  # the BOM: spreadsheets then read the Chinese as UTF-8
    async for entries in batches:
        buffer.seek(0)
        buffer.truncate()
        writer.writerows(_cells(entry, words, areas) for entry in entries)
        yield buffer.getvalue().encode()


def _append(sheet: Any, rows: list[list[str]]) -> None:
    for row in rows:
        sheet.append(row)


async def _xlsx(batches: AsyncIterator[list[Entry]], header: list[str], words: Mapping[str, Mapping[str, str]],
                areas: Mapping[str, str]) -> AsyncIterator[bytes]:  # fmt: skip
    """openpyxl's write-only workbook writes each row to a temporary file as it comes; the finished file is then
    sent in chunks. The workbook's work runs in a thread so the server keeps answering meanwhile."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title="服务台账")
    sheet.append(header)
    async for entries in batches:
        await asyncio.to_thread(_append, sheet, [_cells(entry, words, areas) for entry in entries])
    handle, path = tempfile.mkstemp(suffix=".xlsx")
    os.close(handle)
    try:
        await asyncio.to_thread(book.save, path)
        with open(path, "rb") as saved:  # noqa: ASYNC230 - a local temporary file, read a chunk at a time
            while chunk := await asyncio.to_thread(saved.read, 256 * 1024):
                yield chunk
    finally:
        os.unlink(path)


async def export(
    session: AsyncSession, sessionmaker: async_sessionmaker[AsyncSession], cipher: Cipher, scope: Scope,
    filters: Filters, fmt: str, *, areas: Mapping[str, str], batch: int = EXPORT_BATCH, today: date | None = None,
) -> Export:  # fmt: skip
    """Check and audit an export of the ledger as filtered (in date order), then hand back its rows to stream.
    The words are resolved now, in the reader's language, as the stream is written after the request's own
    context has gone."""
    if fmt not in FORMATS:
        raise InputError({"file": CHOICE_INVALID})
    checked = check(filters)
    today = today or local_today()
    where = _conditions(scope, checked, today)
    whole = may_see_id_numbers(scope)
    await audit.record(session, scope.actor, "ledger.export", "ledger", scope.area_code or "city",
                       {"format": fmt, "filters": checked.filters.as_query(), "whole_id_numbers": whole})  # fmt: skip
    words = {
        "kind": {k: str(v) for k, v in service_records.KIND_LABELS.items()},
        "channel": {k: str(v) for k, v in service_records.CHANNEL_LABELS.items()},
        "result": {k: str(v) for k, v in service_records.RESULT_LABELS.items()},
    }
    header = [str(words) for words in HEADER]
    batches = _batches(sessionmaker, cipher, where, whole, batch)
    chunks = (_csv if fmt == "csv" else _xlsx)(batches, header, words, areas)
    return Export(f"ledger-{scope.area_code or 'city'}-{today.isoformat()}.{fmt}", MEDIA_TYPES[fmt], chunks)
