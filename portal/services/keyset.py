"""Keyset (seek) pagination for the staff lists: opaque cursors, the seek condition, and reading a page of a list made
of ordered stretches, so that any page, the last one included, costs one page of index reads whatever the length."""

from __future__ import annotations

import base64
import binascii
import enum
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, TypeDecorator, and_, func, literal, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import QueryableAttribute

# A total is counted up to here and shown as "1,000 or more" beyond: an index read that stops, at any size.
COUNT_CAP = 1000
# No cursor the portal writes is longer; anything longer is not read at all.
CURSOR_MAX = 400
_INT_RANGE = range(-(2**63), 2**63)  # a BIGINT: a larger number in a forged cursor never reaches the database
_STR_MAX = 200


class Mode(enum.StrEnum):
    FIRST = "first"
    AFTER = "after"  # the page after a row (Next)
    BEFORE = "before"  # the page before a row (Previous)
    LAST = "last"


@dataclass(frozen=True)
class At:
    """Where a page starts, as asked in the query string: `after=<cursor>`, `before=<cursor>` or `last=1`; nothing
    is the first page. When several are sent, `last` wins, then `before`."""

    after: str = ""
    before: str = ""
    last: str = ""


START = At()  # the first page


@dataclass(frozen=True)
class Position:
    """A checked place in a list: the stretch and sort values (with the id, last) of the row to start from."""

    mode: Mode
    segment: int = 0
    values: tuple[Any, ...] = ()


FIRST = Position(Mode.FIRST)
LAST = Position(Mode.LAST)


Key = ColumnElement[Any] | QueryableAttribute[Any]  # a column, or a model's mapped attribute


@dataclass(frozen=True)
class Segment:
    """One stretch of a list: the rows `query` selects, in the order of `keys`. Keys are never NULL (a nullable sort
    column becomes two stretches, its rows with a value and those without), and the last is the row's unique id, so
    the keys order every row and one row-value comparison seeks along an index on them."""

    query: Select[*tuple[Any, ...]]
    keys: tuple[Key, ...]


@dataclass(frozen=True)
class Listing:
    """A list read by keyset: its stretches one after another, all in the same direction. The tag names the list
    and its sort, so a cursor from another list or another sort is refused. A `private` list sorts by personal data
    (a name): its cursors hold only the row's id, and the sort values are read back from the database."""

    tag: str
    segments: Sequence[Segment]
    descending: bool = False
    private: bool = False

    def position(self, at: At) -> Position:
        """The place asked for; a cursor that is malformed, forged or from another list or sort is the first page."""
        if at.last == "1":
            return LAST
        mode, token = (Mode.BEFORE, at.before) if at.before else (Mode.AFTER, at.after)
        if not token:
            return FIRST
        decoded = decode(token, self.tag)
        if decoded is None:
            return FIRST
        segment, raw = decoded
        if segment not in range(len(self.segments)):
            return FIRST
        keys = self.segments[segment].keys[-1:] if self.private else self.segments[segment].keys
        values = _typed(raw, keys)
        return FIRST if values is None else Position(mode, segment, values)

    def cursor(self, segment: int, values: Sequence[Any]) -> str:
        return encode(self.tag, segment, values[-1:] if self.private else values)


# ---- cursors ----------------------------------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, date):  # a datetime too: isoformat keeps its offset
        return value.isoformat()
    return value


def encode(tag: str, segment: int, values: Sequence[Any]) -> str:
    """An opaque, URL-safe cursor: base64url of [tag, stretch, values…] as JSON, without padding."""
    text = json.dumps([tag, segment, *(_plain(v) for v in values)], ensure_ascii=False, separators=(",", ":"))
    return base64.urlsafe_b64encode(text.encode()).rstrip(b"=").decode("ascii")


def decode(token: str, tag: str) -> tuple[int, list[Any]] | None:
    """The stretch and raw values of a cursor of this list, or None for anything else."""
    if len(token) > CURSOR_MAX:
        return None
    try:
        data = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    except (ValueError, binascii.Error):  # not base64, not UTF-8 or not JSON (JSONDecodeError is a ValueError)
        return None
    if not isinstance(data, list) or len(data) < 3 or data[0] != tag:
        return None
    segment = data[1]
    if type(segment) is not int:
        return None
    return segment, data[2:]


def _value(raw: Any, python_type: type[Any]) -> Any:
    """One sort value of a cursor as its column's type, or raises ValueError."""
    if python_type is int:
        if type(raw) is not int or raw not in _INT_RANGE:
            raise ValueError("not an integer key")
        return raw
    if python_type is bool:
        if type(raw) is not bool:
            raise ValueError("not a boolean key")
        return raw
    if not isinstance(raw, str) or len(raw) > _STR_MAX:
        raise ValueError("not a text key")
    if python_type is datetime:
        moment = datetime.fromisoformat(raw)
        if moment.tzinfo is None:
            raise ValueError("a naive moment")
        return moment
    if python_type is date:
        return date.fromisoformat(raw)
    if issubclass(python_type, enum.Enum):
        return python_type(raw)
    if python_type is str:
        return raw
    raise TypeError(f"a keyset key of type {python_type.__name__} is not supported")


def _python_type(key: Key) -> type[Any]:
    kind = key.type
    while isinstance(kind, TypeDecorator):  # UTCDateTime and the like: the type they store
        kind = kind.impl_instance
    return kind.python_type


def _typed(raw: list[Any], keys: Sequence[Key]) -> tuple[Any, ...] | None:
    if len(raw) != len(keys):
        return None
    try:
        return tuple(_value(value, _python_type(key)) for value, key in zip(raw, keys, strict=True))
    except ValueError:
        return None


# ---- the seek -------------------------------------------------------------------------------------------------


def seek(keys: Sequence[Key], values: Sequence[Any], *, descending: bool, forward: bool) -> Any:
    """The rows after (forward) or before a row in the list's order, as one row-value comparison, e.g.
    (deadline, id) > (:deadline, :id): an index on the keys starts reading right there. With keys from two tables
    (a name, then a record's id) no index holds the row value, so the first key's own bound (name >= :name) goes
    with it: the index on that key then starts reading there."""
    bound = [literal(value, key.type) for key, value in zip(keys, values, strict=True)]
    before = descending == forward
    if len(keys) == 1:
        return keys[0] < bound[0] if before else keys[0] > bound[0]
    row = tuple_(*keys) < tuple_(*bound) if before else tuple_(*keys) > tuple_(*bound)
    return and_(keys[0] <= bound[0] if before else keys[0] >= bound[0], row)


def ordering(keys: Sequence[Key], *, descending: bool, forward: bool) -> list[Any]:
    """ORDER BY for reading forward in the list's order, or backward (for Previous and Last)."""
    return [key.desc() if descending == forward else key.asc() for key in keys]


def capped_count(query: Select[*tuple[Any, ...]], cap: int) -> Select[int]:
    """COUNT(*) of a query's rows, stopping at `cap`: reads at most `cap` index entries. An ORDER BY the query has
    is kept: with the LIMIT, it leads the database to read along that index and stop."""
    return select(func.count()).select_from(query.limit(cap).subquery())


# ---- reading a page ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Page:
    """A page of a list in its order, with the cursors of its first and last rows for Previous and Next."""

    rows: list[Any]
    mode: Mode
    has_previous: bool
    has_next: bool
    first_cursor: str = ""
    last_cursor: str = ""

    @property
    def previous(self) -> str:
        return self.first_cursor if self.has_previous else ""

    @property
    def next(self) -> str:
        return self.last_cursor if self.has_next else ""


def steps(listing: Listing, position: Position) -> list[tuple[int, tuple[Any, ...] | None]]:
    """The stretches to read in turn, each with the row to seek past (the first one only), reading forward for the
    first page and Next, backward for Previous and the last page."""
    count = len(listing.segments)
    if position.mode is Mode.FIRST:
        return [(n, None) for n in range(count)]
    if position.mode is Mode.LAST:
        return [(n, None) for n in reversed(range(count))]
    if position.mode is Mode.AFTER:
        return [(position.segment, position.values)] + [(n, None) for n in range(position.segment + 1, count)]
    return [(position.segment, position.values)] + [(n, None) for n in reversed(range(position.segment))]


async def _values_of(session: AsyncSession, listing: Listing, position: Position) -> Position | None:
    """A private list's cursor holds the row's id: its sort values, read back within the list's own query (so the
    scope and filters hold), or None when no such row is in the list."""
    if not listing.private or position.mode in (Mode.FIRST, Mode.LAST):
        return position
    segment = listing.segments[position.segment]
    found = (
        await session.execute(
            segment.query.with_only_columns(*segment.keys).where(segment.keys[-1] == position.values[-1]).limit(1)
        )
    ).first()
    return None if found is None else Position(position.mode, position.segment, tuple(found))


async def _collect(
    session: AsyncSession, listing: Listing, position: Position, wanted: int
) -> list[tuple[int, Any, tuple[Any, ...]]]:
    """Up to `wanted` rows from the position on, in reading order: (stretch, row without its keys, keys)."""
    forward = position.mode in (Mode.FIRST, Mode.AFTER)
    found: list[tuple[int, Any, tuple[Any, ...]]] = []
    for segment_index, past in steps(listing, position):
        if len(found) >= wanted:
            break
        segment = listing.segments[segment_index]
        query = segment.query.add_columns(*segment.keys)
        if past is not None:
            query = query.where(seek(segment.keys, past, descending=listing.descending, forward=forward))
        query = query.order_by(*ordering(segment.keys, descending=listing.descending, forward=forward))
        width = len(segment.keys)
        for row in (await session.execute(query.limit(wanted - len(found)))).all():
            found.append((segment_index, tuple(row[:-width]), tuple(row[-width:])))
    return found


async def read(session: AsyncSession, listing: Listing, at: At, per_page: int) -> Page:
    """The page asked for. Pages follow each other without overlap either way: Previous from the last page reaches
    the start with what is left (the first page as reached backward may be short). A cursor with nothing after it
    (the rows since gone) shows the last page, one with nothing before it the first page: never an empty page while
    the list has rows."""
    position = await _values_of(session, listing, listing.position(at))
    if position is None:
        position = FIRST
    found = await _collect(session, listing, position, per_page + 1)
    more = len(found) > per_page
    found = found[:per_page]
    if position.mode is Mode.AFTER and not found:
        return await read(session, listing, At(last="1"), per_page)
    if position.mode is Mode.BEFORE and not found:
        return await read(session, listing, START, per_page)
    if position.mode in (Mode.BEFORE, Mode.LAST):
        found.reverse()
    has_previous = {Mode.FIRST: False, Mode.AFTER: True, Mode.BEFORE: more, Mode.LAST: more}[position.mode]
    has_next = {Mode.FIRST: more, Mode.AFTER: more, Mode.BEFORE: True, Mode.LAST: False}[position.mode]
    if not found:
        return Page([], position.mode, False, False)
    return Page(
        [row for _, row, _ in found], position.mode, has_previous, has_next,
        listing.cursor(found[0][0], found[0][2]), listing.cursor(found[-1][0], found[-1][2]),
    )  # fmt: skip
