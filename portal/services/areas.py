"""Service areas: the one list of them, in the reader's language, and loading them from their data file."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from portal.i18n import localised
from portal.models import ServiceArea

AREAS_FILE = Path(__file__).parent.parent / "data" / "service_areas.json"


@dataclass(frozen=True)
class AreaView:
    code: str
    name: str
    agency: str
    address: str
    phone: str
    hours: str
    is_sample: bool


def view(area: ServiceArea) -> AreaView:
    return AreaView(
        code=area.code,
        name=localised(area.name_zh, area.name_en),
        agency=localised(area.agency_zh, area.agency_en),
        address=localised(area.address_zh, area.address_en),
        phone=area.phone,
        hours=localised(area.hours_zh, area.hours_en),
        is_sample=area.is_sample,
    )


async def list_areas(session: AsyncSession) -> list[AreaView]:
    areas = await session.scalars(select(ServiceArea).order_by(ServiceArea.sort_order))
    return [view(a) for a in areas]


async def names(session: AsyncSession) -> dict[str, str]:
    """Every area's name in the reader's language, by code, in the usual order."""
    return {area.code: area.name for area in await list_areas(session)}


async def get_area(session: AsyncSession, code: str) -> AreaView | None:
    area = await session.get(ServiceArea, code)
    return view(area) if area else None


async def load_areas(session: AsyncSession, path: Path = AREAS_FILE) -> int:
    """Insert the areas of the data file that are missing; never overwrite what a city admin edited."""
    data = json.loads(path.read_text(encoding="utf-8"))["areas"]  # noqa: ASYNC240 - a small file read once at set-up
    existing = set(await session.scalars(select(ServiceArea.code)))
    added = [ServiceArea(**row) for row in data if row["code"] not in existing]
    session.add_all(added)
    await session.flush()
    return len(added)
