"""Health: is the database reachable."""

from __future__ import annotations

import asyncio

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine


async def database_ok(engine: AsyncEngine, limit_seconds: float = 3.0) -> bool:
    async def probe() -> None:
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 1"))

    try:
        await asyncio.wait_for(probe(), limit_seconds)
    except Exception:  # noqa: BLE001 - any failure to reach the database means unhealthy
        return False
    return True
