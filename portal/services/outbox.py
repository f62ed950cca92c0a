"""Reading the development SMS outbox (the demo and the tests read codes from it)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from portal.models import OutboxMessage


async def latest_messages(session: AsyncSession, limit: int = 20) -> list[OutboxMessage]:
    rows = await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(limit))
    return list(rows)
