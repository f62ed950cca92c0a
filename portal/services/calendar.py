"""Working-day deadlines with the staff-entered calendar overrides from the database."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from portal.models import CalendarOverride
from portal.rules.workdays import Deadline, period_of, workdays_after, working_days_between

# Seven working days never span more than this many calendar days, even across 春节.
_HORIZON = timedelta(days=60)


async def overrides_between(session: AsyncSession, start: date, end: date) -> dict[date, bool]:
    rows = await session.scalars(select(CalendarOverride).where(CalendarOverride.day.between(start, end)))
    return {row.day: row.is_workday for row in rows}


async def deadline_after(session: AsyncSession, start: date, days: int) -> Deadline:
    overrides = await overrides_between(session, start, start + _HORIZON)
    return workdays_after(start, days, overrides)


async def period_from(session: AsyncSession, start: date, days: int) -> Deadline:
    """The last day of `days` working days beginning on `start` (see rules.workdays.period_of)."""
    overrides = await overrides_between(session, start, start + _HORIZON)
    return period_of(start, days, overrides)


async def working_days_left(session: AsyncSession, today: date, deadline: date) -> int:
    overrides = await overrides_between(session, today, deadline)
    return working_days_between(today, deadline, overrides)
