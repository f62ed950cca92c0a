"""One run of a scheduled job at a time: Redis when configured, the database's own guard otherwise."""

from __future__ import annotations

import asyncio
import os
import uuid
from typing import Any

import pytest
from redis.asyncio import Redis
from sqlalchemy import text

from portal.services import job_lock

# Redis is part of the production shape: these tests need it (CI has it) and fail when it cannot be reached.
REDIS_URL = os.environ.get("TEST_REDIS_URL") or "redis://127.0.0.1:6379/15"
GUARDS = ["database", "redis"]


def _guard(kind: str) -> dict[str, Any]:
    return {"redis_url": REDIS_URL if kind == "redis" else None, "redis_prefix": f"test-{uuid.uuid4().hex}"}


@pytest.mark.parametrize("kind", GUARDS)
async def test_of_runs_started_at_once_exactly_one_gets_to_run(kind: str, services) -> None:
    guard = _guard(kind)
    inside = asyncio.Event()
    release = asyncio.Event()

    async def attempt(hold: bool) -> bool:
        async with job_lock.one_run(services.sessionmaker, "run_due", **guard) as session:
            if session is None:
                return False
            await session.execute(text("SELECT 1"))  # the PostgreSQL guard is taken in the run's transaction
            if hold:
                inside.set()
                await release.wait()  # still running while the others try
            await session.commit()
            return True

    first = asyncio.create_task(attempt(hold=True))
    await inside.wait()
    others = await asyncio.gather(*(attempt(hold=False) for _ in range(5)))
    release.set()
    assert await first is True
    assert others == [False] * 5


@pytest.mark.parametrize("kind", GUARDS)
async def test_the_next_run_gets_the_lock_once_a_run_is_over_even_a_failed_one(kind: str, services) -> None:
    guard = _guard(kind)
    async with job_lock.one_run(services.sessionmaker, "run_due", **guard) as session:
        assert session is not None
        await session.commit()
    with pytest.raises(RuntimeError):
        async with job_lock.one_run(services.sessionmaker, "run_due", **guard) as session:
            raise RuntimeError("the job failed")
    async with job_lock.one_run(services.sessionmaker, "run_due", **guard) as session:
        assert session is not None


@pytest.mark.parametrize("kind", GUARDS)
async def test_different_jobs_do_not_wait_for_each_other(kind: str, services) -> None:
    guard = _guard(kind)
    async with job_lock.one_run(services.sessionmaker, "run_due", **guard) as first:
        assert first is not None
        await first.execute(text("SELECT 1"))
        async with job_lock.one_run(services.sessionmaker, "assessment", **guard) as second:
            assert second is not None


async def test_what_a_run_left_uncommitted_is_rolled_back(services, db) -> None:
    async with job_lock.one_run(services.sessionmaker, "run_due", **_guard("database")) as session:
        assert session is not None
        await session.execute(text("UPDATE service_areas SET name_en = 'changed'"))
    assert await db.scalar(text("SELECT count(*) FROM service_areas WHERE name_en = 'changed'")) == 0


async def test_a_run_that_outlived_its_lock_leaves_the_next_holder_s_lock_alone(services) -> None:
    guard = _guard("redis")
    key = job_lock.redis_key(guard["redis_prefix"], "run_due")
    client = Redis.from_url(REDIS_URL)
    try:
        async with job_lock.one_run(services.sessionmaker, "run_due", **guard) as session:
            assert session is not None
            assert 0 < await client.pttl(key) <= job_lock.LOCK_TTL_MS
            # The lock expired and another process took it: its token is not this run's.
            await client.set(key, "another run's token", px=60_000)
        assert await client.get(key) == b"another run's token"
    finally:
        await client.delete(key)
        await client.aclose()
