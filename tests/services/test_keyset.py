"""Keyset pagination's helpers: cursors that say nothing readable and refuse anything forged, the seek condition in
each direction, and a list of several stretches read page by page either way, every row once and in order."""

from __future__ import annotations

import base64
import json
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from portal.models import ServiceArea, ServiceKind, ServiceRecord
from portal.services import keyset
from tests import paging

LISTING = keyset.Listing("test.day", [keyset.Segment(select(ServiceRecord), (ServiceRecord.day, ServiceRecord.id))])


def _forged(*items: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(items)).encode()).decode().rstrip("=")


def test_a_cursor_is_url_safe_and_gives_back_the_row_it_was_made_from() -> None:
    cursor = LISTING.cursor(0, (date(2026, 11, 30), 41))
    assert cursor.replace("-", "").replace("_", "").isalnum()
    assert LISTING.position(keyset.At(after=cursor)) == keyset.Position(keyset.Mode.AFTER, 0, (date(2026, 11, 30), 41))
    assert LISTING.position(keyset.At(before=cursor)).mode is keyset.Mode.BEFORE


def test_each_kind_of_sort_value_comes_back_as_its_columns_type() -> None:
    listing = keyset.Listing("test.kinds", [keyset.Segment(select(ServiceRecord), (
        ServiceRecord.kind, ServiceRecord.created_at, ServiceRecord.note, ServiceRecord.id))])  # fmt: skip
    moment = datetime(2026, 11, 30, 1, 2, 3, tzinfo=UTC)
    cursor = listing.cursor(0, (ServiceKind.TRAINING, moment, "备注", 7))
    assert listing.position(keyset.At(after=cursor)).values == (ServiceKind.TRAINING, moment, "备注", 7)


def test_the_last_page_wins_then_previous_and_nothing_is_the_first_page() -> None:
    cursor = LISTING.cursor(0, (date(2026, 11, 30), 41))
    assert LISTING.position(keyset.At(after=cursor, before=cursor, last="1")) == keyset.LAST
    assert LISTING.position(keyset.At(after=cursor, before=cursor)).mode is keyset.Mode.BEFORE
    assert LISTING.position(keyset.At()) == keyset.FIRST
    assert LISTING.position(keyset.At(last="yes")) == keyset.FIRST


@pytest.mark.parametrize(
    "cursor",
    [
        "garbage!", "%00", "A", "====", "\u6d4b\u8bd5", "x" * 5000,
        _forged("other.list", 0, "2026-11-30", 41),  # another list's (or another sort's) cursor
        _forged("test.day", 1, "2026-11-30", 41),  # a stretch the list has not
        _forged("test.day", -1, "2026-11-30", 41),
        _forged("test.day", True, "2026-11-30", 41),
        _forged("test.day", 0, "2026-11-30"),  # a value missing
        _forged("test.day", 0, "2026-11-30", 41, 5),  # one too many
        _forged("test.day", 0, "2026-13-45", 41),  # not a date
        _forged("test.day", 0, 20261130, 41),
        _forged("test.day", 0, "2026-11-30", "41"),  # not a number
        _forged("test.day", 0, "2026-11-30", 4.5),
        _forged("test.day", 0, "2026-11-30", True),
        _forged("test.day", 0, "2026-11-30", 2**64),  # beyond a BIGINT: would fail in the database
        _forged("test.day", 0, None, 41),
        _forged({"test.day": 0}),
        base64.urlsafe_b64encode(b"\xff\xfe not utf-8").decode(),
    ],
)  # fmt: skip
def test_a_malformed_or_forged_cursor_is_the_first_page(cursor: str) -> None:
    assert LISTING.position(keyset.At(after=cursor)) == keyset.FIRST
    assert LISTING.position(keyset.At(before=cursor)) == keyset.FIRST


def test_a_forged_enum_or_naive_moment_is_the_first_page() -> None:
    listing = keyset.Listing("test.kinds", [keyset.Segment(select(ServiceRecord), (
        ServiceRecord.kind, ServiceRecord.created_at, ServiceRecord.id))])  # fmt: skip
    assert listing.position(keyset.At(after=_forged("test.kinds", 0, "drop table", "2026-11-30T01:02:03+00:00", 1))) \
        == keyset.FIRST  # fmt: skip
    assert listing.position(keyset.At(after=_forged("test.kinds", 0, "training", "2026-11-30T01:02:03", 1))) \
        == keyset.FIRST  # fmt: skip


def test_a_private_lists_cursor_holds_the_rows_id_only() -> None:
    by_note = keyset.Segment(select(ServiceRecord), (ServiceRecord.note, ServiceRecord.id))
    listing = keyset.Listing("test.name", [by_note], private=True)
    cursor = listing.cursor(0, ("张三", 41))
    assert json.loads(base64.urlsafe_b64decode(cursor + "==")) == ["test.name", 0, 41]
    assert listing.position(keyset.At(after=cursor)).values == (41,)


def _sql(condition: object, dialect: object) -> str:
    return str(condition.compile(dialect=dialect))  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("descending", "forward", "operator"),
    [(False, True, ">"), (False, False, "<"), (True, True, "<"), (True, False, ">")],
)
def test_the_seek_is_one_row_value_comparison_in_the_lists_direction(descending, forward, operator) -> None:
    condition = keyset.seek((ServiceRecord.day, ServiceRecord.id), (date(2026, 11, 30), 41), descending=descending,
                            forward=forward)  # fmt: skip
    for dialect in (postgresql.dialect(), sqlite.dialect()):
        assert f"(service_records.day, service_records.id) {operator} (" in _sql(condition, dialect)
    one = keyset.seek((ServiceRecord.id,), (41,), descending=descending, forward=forward)
    assert _sql(one, sqlite.dialect()) == f"service_records.id {operator} ?"


def test_the_order_reads_forward_in_the_lists_direction_and_backward_against_it() -> None:
    keys = (ServiceRecord.day, ServiceRecord.id)
    assert [_sql(o, sqlite.dialect()) for o in keyset.ordering(keys, descending=True, forward=True)] == [
        "service_records.day DESC", "service_records.id DESC"]  # fmt: skip
    assert [_sql(o, sqlite.dialect()) for o in keyset.ordering(keys, descending=True, forward=False)] == [
        "service_records.day ASC", "service_records.id ASC"]  # fmt: skip


def test_each_position_reads_its_stretches_in_turn_seeking_only_in_the_first() -> None:
    listing = keyset.Listing("test", [LISTING.segments[0]] * 3)
    values = (date(2026, 11, 30), 41)
    assert keyset.steps(listing, keyset.FIRST) == [(0, None), (1, None), (2, None)]
    assert keyset.steps(listing, keyset.LAST) == [(2, None), (1, None), (0, None)]
    assert keyset.steps(listing, keyset.Position(keyset.Mode.AFTER, 1, values)) == [(1, values), (2, None)]
    assert keyset.steps(listing, keyset.Position(keyset.Mode.BEFORE, 1, values)) == [(1, values), (0, None)]


def test_a_capped_count_stops_at_the_cap() -> None:
    assert "LIMIT" in _sql(keyset.capped_count(select(ServiceRecord.id), 1000), sqlite.dialect())


# ---- reading pages from the database (SQLite, or PostgreSQL with TEST_DATABASE_URL) --------------------------


def _areas(descending: bool, private: bool = False) -> keyset.Listing:
    """The ten service areas (reference data) as a list of two stretches: four by (sort order, code), then six by
    code."""
    codes = select(ServiceArea.code)
    return keyset.Listing(
        "test.areas",
        [keyset.Segment(codes.where(ServiceArea.code < "440823"), (ServiceArea.sort_order, ServiceArea.code)),
         keyset.Segment(codes.where(ServiceArea.code >= "440823"), (ServiceArea.code,))],
        descending=descending, private=private,
    )  # fmt: skip


async def _in_order(db, descending: bool) -> list[str]:
    """The stretches one after the other, each in the list's direction."""
    first = (await db.scalars(select(ServiceArea.code).where(ServiceArea.code < "440823")
                              .order_by(ServiceArea.sort_order, ServiceArea.code))).all()  # fmt: skip
    then = (await db.scalars(select(ServiceArea.code).where(ServiceArea.code >= "440823")
                             .order_by(ServiceArea.code))).all()  # fmt: skip
    return [*first[::-1], *then[::-1]] if descending else [*first, *then]


@pytest.mark.parametrize("descending", [False, True])
async def test_paging_forward_and_back_visits_every_row_once_in_order_across_stretches(db, descending) -> None:
    listing = _areas(descending)

    async def read(at: keyset.At) -> tuple[list[str], keyset.Page]:
        page = await keyset.read(db, listing, at, 3)
        return [code for (code,) in page.rows], page

    expected = await _in_order(db, descending)
    assert len(expected) == 10
    ahead = await paging.forward(read)
    assert [len(rows) for rows in ahead] == [3, 3, 3, 1]
    assert paging.flat(ahead) == expected
    behind = await paging.backward(read)
    assert [len(rows) for rows in behind] == [3, 3, 3, 1]  # from the last page: the short one is reached last
    assert paging.flat(behind[::-1]) == expected
    last_rows, last = await read(keyset.At(last="1"))
    assert (last_rows, last.has_previous, last.has_next) == (expected[-3:], True, False)
    first_rows, first = await read(keyset.START)
    assert (first_rows, first.has_previous, first.has_next) == (expected[:3], False, True)


async def test_a_private_list_reads_its_sort_values_back_and_a_cursor_past_either_end_shows_a_full_page(db) -> None:
    listing = _areas(descending=False, private=True)
    expected = await _in_order(db, descending=False)

    async def codes(at: keyset.At) -> list[str]:
        return [code for (code,) in (await keyset.read(db, listing, at, 3)).rows]

    first = await keyset.read(db, listing, keyset.START, 3)
    assert await codes(keyset.At(after=first.next)) == expected[3:6]
    # A cursor naming a row the list does not hold (gone, or forged): the first page.
    assert await codes(keyset.At(after=listing.cursor(0, ("nowhere",)))) == expected[:3]
    public = _areas(descending=False)
    past_the_end = public.cursor(1, ("zzzz",))
    before_the_start = public.cursor(0, (-1, ""))
    assert [c for (c,) in (await keyset.read(db, public, keyset.At(after=past_the_end), 3)).rows] == expected[-3:]
    assert [c for (c,) in (await keyset.read(db, public, keyset.At(before=before_the_start), 3)).rows] == expected[:3]
