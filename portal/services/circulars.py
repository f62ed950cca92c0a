"""Circulars (通报, issue 11 point 5): the bureau's written notice on the counties' assessment for a period, drafted by
a city administrator from the dashboard (the ranking, the indicators that fell short of a target, free text), saved
as a new version each time (from the version the form showed: 409 otherwise), then published to every county's
staff and read-only from then on. A version keeps the ranking and shortfalls as they stood, so the printed
document never changes under its readers."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, cast

from sqlalchemy import CursorResult, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from portal.clock import local_today
from portal.i18n import _l
from portal.models import Circular, CircularStatus, CircularVersion
from portal.models.base import utcnow
from portal.rules import charts
from portal.services import assessment, audit, fields, paging
from portal.services.errors import Conflict, InputError, NotAllowed, NotFound
from portal.services.staff import Scope

PAGE_SIZE = 20
TITLE_MAX = 200
BODY_MAX = 20000
TARGET_MAX = 100000.0

TITLE_REQUIRED = _l("Enter a title")
TARGET_INVALID = _l("Enter a number from 0 to 100000, like 85 or 2.5")

STATUS_LABELS: dict[str, object] = {
    CircularStatus.DRAFT: _l("Draft"),
    CircularStatus.PUBLISHED: _l("Published"),
}


def default_title(period: assessment.Period) -> str:
    return f"{period.year}年1—{period.through}月各县（市、区）失业人员管理服务工作考核情况通报"


def default_targets(board: assessment.Dashboard) -> dict[str, str]:
    """The city's own figure for the period, as the default target of each ranked indicator."""
    return {
        table.indicator.code: ("" if table.city.value is None else charts.number(table.city.value))
        for table in board.tables
        if table.indicator.ranked
    }


def _targets(raw: Mapping[str, str], errors: dict[str, object]) -> dict[str, float]:
    targets: dict[str, float] = {}
    for indicator in assessment.RANKED:
        text = (raw.get(indicator.code) or "").strip()
        if not text:
            continue  # no target: nothing falls short on this indicator
        try:
            value = float(text)
        except ValueError:
            value = -1.0
        if not 0 <= value <= TARGET_MAX or len(text) > 12:
            errors[f"target_{indicator.code}"] = TARGET_INVALID
            continue
        targets[indicator.code] = value
    return targets


def _snapshot(board: assessment.Dashboard, targets: Mapping[str, float]) -> tuple[list[Any], list[Any]]:
    ranking = [{"county": row.code, "name": row.name, "mean_rank": row.mean_rank, "place": row.place,
                "ranks": row.ranks} for row in board.overall]  # fmt: skip
    shortfalls = []
    for table in board.tables:
        target = targets.get(table.indicator.code)
        if target is None:
            continue
        for row in table.rows:
            if assessment.worse_than(table.indicator, row.figure.value, target):
                shortfalls.append({"county": row.code, "name": row.name, "indicator": table.indicator.code,
                                   "value": row.figure.value, "target": target})  # fmt: skip
    return ranking, shortfalls


def _check(title: str, body: str, raw_targets: Mapping[str, str]) -> dict[str, float]:
    errors: dict[str, object] = {}
    if not title.strip():
        errors["title"] = TITLE_REQUIRED
    fields.check_lengths(errors, {"title": (title.strip(), TITLE_MAX), "body": (body.strip(), BODY_MAX)})
    targets = _targets(raw_targets, errors)
    if errors:
        raise InputError(errors)
    return targets


async def _version(
    session: AsyncSession, scope: Scope, circular: Circular, number: int, title: str, body: str,
    targets: dict[str, float], names: Mapping[str, str],
) -> CircularVersion:  # fmt: skip
    period = assessment.Period(circular.year, circular.through_month)
    board = await assessment.dashboard(session, scope, period, names)
    ranking, shortfalls = _snapshot(board, targets)
    version = CircularVersion(
        circular_id=circular.id, number=number, title=title.strip(), body=body.strip(), targets=targets,
        ranking=ranking, shortfalls=shortfalls, staff_id=scope.staff_id,
    )  # fmt: skip
    session.add(version)
    await session.flush()
    return version


async def create(
    session: AsyncSession, scope: Scope, period: assessment.Period, *, title: str, body: str,
    targets: Mapping[str, str], names: Mapping[str, str],
) -> Circular:  # fmt: skip
    """A new draft for the period, its first version written from the dashboard as it stands."""
    if not scope.is_admin:
        raise NotAllowed()
    checked = _check(title, body, targets)
    circular = Circular(year=period.year, through_month=period.through, status=CircularStatus.DRAFT, version=1,
                        created_by=scope.staff_id)  # fmt: skip
    session.add(circular)
    await session.flush()
    await _version(session, scope, circular, 1, title, body, checked, names)
    await audit.record(session, scope.actor, "circular.create", "circular", circular.id,
                       {"period": f"{period.first}..{period.last}"})  # fmt: skip
    return circular


async def save(
    session: AsyncSession, scope: Scope, circular_id: int, seen_version: int | None, *, title: str, body: str,
    targets: Mapping[str, str], names: Mapping[str, str],
) -> int:  # fmt: skip
    """A new version of a draft, from the version the form showed (one conditional UPDATE moves the number on, so
    of two saves from the same version one wins and the other gets 409); its number."""
    if not scope.is_admin:
        raise NotAllowed()
    circular = await session.get(Circular, circular_id)
    if circular is None:
        raise NotFound()
    checked = _check(title, body, targets)
    number = await _claim(session, circular_id, seen_version, {})
    await session.refresh(circular)
    await _version(session, scope, circular, number, title, body, checked, names)
    await audit.record(session, scope.actor, "circular.save", "circular", circular_id, {"version": number})
    return number


async def _claim(session: AsyncSession, circular_id: int, seen: int | None, values: dict[str, Any]) -> int:
    moved = cast(
        CursorResult[Any],
        await session.execute(
            update(Circular)
            .where(Circular.id == circular_id, Circular.version == (seen or 0),
                   Circular.status == CircularStatus.DRAFT)
            .values(version=Circular.version + 1, updated_at=utcnow(), **values)
            .returning(Circular.version)
            .execution_options(synchronize_session=False)
        ),
    )  # fmt: skip
    number = moved.scalar()
    if number is None:
        raise Conflict()
    return int(number)


async def publish(session: AsyncSession, scope: Scope, circular_id: int, seen_version: int | None) -> None:
    """Publish the draft as its latest version stands (if that is the version the page showed); read-only after."""
    if not scope.is_admin:
        raise NotAllowed()
    circular = await session.get(Circular, circular_id)
    if circular is None:
        raise NotFound()
    moved = cast(
        CursorResult[Any],
        await session.execute(
            update(Circular)
            .where(Circular.id == circular_id, Circular.version == (seen_version or 0),
                   Circular.status == CircularStatus.DRAFT)
            .values(status=CircularStatus.PUBLISHED, published_at=utcnow(), published_by=scope.staff_id,
                    updated_at=utcnow())
            .execution_options(synchronize_session=False)
        ),
    )  # fmt: skip
    if not moved.rowcount:
        raise Conflict()
    await session.refresh(circular)
    await audit.record(session, scope.actor, "circular.publish", "circular", circular_id,
                       {"version": circular.version})  # fmt: skip


@dataclass(frozen=True)
class ListRow:
    id: int
    title: str
    year: int
    through_month: int
    status: CircularStatus
    version: int
    published_at: Any


@dataclass(frozen=True)
class CircularList:
    rows: list[ListRow]
    page: int
    pages: int


def _visible(scope: Scope) -> list[Any]:
    """City staff see drafts too; county staff the published circulars only."""
    return [] if scope.is_city else [Circular.status == CircularStatus.PUBLISHED]


async def list_circulars(session: AsyncSession, scope: Scope, *, page: int = 1) -> CircularList:
    where = _visible(scope)
    total = await session.scalar(select(func.count()).select_from(Circular).where(*where)) or 0
    win = paging.window(total, page, PAGE_SIZE)
    latest = (
        select(CircularVersion.title)
        .where(CircularVersion.circular_id == Circular.id, CircularVersion.number == Circular.version)
        .scalar_subquery()
    )
    rows = await session.execute(
        select(Circular, latest).where(*where).order_by(Circular.id.desc()).limit(win.limit).offset(win.offset)
    )
    return CircularList(
        [ListRow(c.id, title or "", c.year, c.through_month, c.status, c.version, c.published_at)
         for c, title in rows.all()],
        win.page, win.pages,
    )  # fmt: skip


@dataclass(frozen=True)
class Document:
    circular: Circular
    version: CircularVersion
    versions: list[tuple[int, Any]]  # (number, saved at), newest first

    @property
    def period(self) -> assessment.Period:
        return assessment.Period(self.circular.year, self.circular.through_month)

    @property
    def editable(self) -> bool:
        return self.circular.status is CircularStatus.DRAFT


async def document(session: AsyncSession, scope: Scope, circular_id: int, number: int | None = None) -> Document:
    """A circular as one of its versions (the latest unless asked) says it; county staff: published ones only."""
    circular = await session.scalar(select(Circular).where(Circular.id == circular_id, *_visible(scope)))
    if circular is None:
        raise NotFound()
    wanted = number if scope.is_city else None  # the counties read the published words only, not the drafts
    version = await session.scalar(
        select(CircularVersion).where(CircularVersion.circular_id == circular_id,
                                      CircularVersion.number == (wanted or circular.version))
    )  # fmt: skip
    if version is None:
        raise NotFound()
    versions = (
        await session.execute(
            select(CircularVersion.number, CircularVersion.created_at)
            .where(CircularVersion.circular_id == circular_id)
            .order_by(CircularVersion.number.desc())
        )
    ).all()
    return Document(circular, version, [(n, at) for n, at in versions])


def period_for_new(year: str, through: str, today: date | None = None) -> assessment.Period:
    return assessment.check_period(year, through, today or local_today())
