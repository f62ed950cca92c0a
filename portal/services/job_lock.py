"""One run of a scheduled job at a time, city-wide, however many app processes and instances run the schedule.

With REDIS_URL, a Redis lock: `SET key token NX PX ttl`, released by a script that deletes the key only while it
still holds this run's token (a run that outlived its lock never frees someone else's). Without Redis, the
database's own guard: on PostgreSQL a transaction-level advisory lock, released by the run's commit or rollback or
by its connection dropping, so it never stays behind on a pooled connection; on SQLite (one machine, one file) an
exclusive `flock` on a file beside the database, released when the run ends or its process dies.

Whoever does not get the lock skips this turn instead of waiting: the next turn comes soon, and the runs are
idempotent anyway (the lock keeps them from doing the same work twice at once, the database keeps the results
right). The lock is released only after the run's transaction committed, so the next run sees all it wrote."""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import logging
import os
import secrets
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

log = logging.getLogger(__name__)

# Longer than any run: `run-due` takes seconds, at city scale (1M registrations) about a minute. A process that
# dies while running holds the schedule up for at most this long.
LOCK_TTL_MS = 15 * 60 * 1000
_RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end"


def redis_key(prefix: str, job: str) -> str:
    return f"{prefix}:lock:job:{job}"


def _advisory_key(job: str) -> int:
    """A stable signed 64-bit key per job for pg_try_advisory_xact_lock (the sealer's key is a constant apart)."""
    return int.from_bytes(hashlib.sha256(f"portal job {job}".encode()).digest()[:8], "big", signed=True)


@asynccontextmanager
async def _redis_lock(redis_url: str, prefix: str, job: str) -> AsyncIterator[bool]:
    from redis.asyncio import Redis

    client = Redis.from_url(redis_url)
    key, token = redis_key(prefix, job), secrets.token_hex(16)
    try:
        taken = bool(await client.set(key, token, nx=True, px=LOCK_TTL_MS))
        try:
            yield taken
        finally:
            if taken and not await client.eval(_RELEASE, 1, key, token):
                log.warning("job %s outlived its lock (%d ms): another run may have started meanwhile", job,
                            LOCK_TTL_MS)  # fmt: skip
    finally:
        await client.aclose()


@contextlib.contextmanager
def _file_lock(path: Path) -> Iterator[bool]:
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        yield True  # closing the file releases the lock
    finally:
        os.close(fd)


def _sqlite_lock_file(sessionmaker: async_sessionmaker[AsyncSession], job: str) -> Path | None:
    engine = sessionmaker.kw["bind"]
    database = engine.url.database
    if not database or database == ":memory:":
        return None  # a database in memory belongs to one process: nothing to share
    path = Path(database)
    return path.with_name(f"{path.name}.{job}.lock")


@asynccontextmanager
async def one_run(
    sessionmaker: async_sessionmaker[AsyncSession], job: str, *, redis_url: str | None, redis_prefix: str
) -> AsyncIterator[AsyncSession | None]:
    """A session to run `job` in, or None when another process is running it now. The caller commits; what it
    left uncommitted is rolled back. The lock is held from before the transaction begins until after it ends."""
    async with contextlib.AsyncExitStack() as stack:
        dialect = sessionmaker.kw["bind"].dialect.name
        if redis_url:
            mine = await stack.enter_async_context(_redis_lock(redis_url, redis_prefix, job))
        elif dialect == "sqlite" and (lock_file := _sqlite_lock_file(sessionmaker, job)) is not None:
            mine = stack.enter_context(_file_lock(lock_file))
        else:
            mine = True  # PostgreSQL: taken below, in the run's transaction; SQLite in memory: one process
        if not mine:
            yield None
            return
        async with sessionmaker() as session:
            if not redis_url and dialect == "postgresql":
                taken = await session.scalar(
                    sa.text("SELECT pg_try_advisory_xact_lock(:key)").bindparams(
                        sa.bindparam("key", _advisory_key(job), sa.BigInteger)
                    )
                )
                if not taken:
                    yield None
                    return
            yield session
