"""Rate limits: the `limits` library's moving-window limiter, in memory for one process or in Redis for many.

A `hit` counts and answers in one atomic step (a Lua script in Redis; no await between the read and the
write in memory), so with N simultaneous attempts exactly `limit` are let through."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

from limits import RateLimitItemPerSecond
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import MovingWindowRateLimiter

if TYPE_CHECKING:
    from redis.asyncio import ConnectionPool


@dataclass(frozen=True)
class Rule:
    """At most `limit` attempts per subject in any `window_seconds`."""

    bucket: str
    limit: int
    window_seconds: int

    @property
    def item(self) -> RateLimitItemPerSecond:
        return RateLimitItemPerSecond(self.limit, self.window_seconds, namespace=self.bucket)


def _subject(parts: tuple[str, ...]) -> str:
    # Subjects can be phone numbers: only a hash goes into the store's keys.
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]


class Limiter:
    def __init__(self, storage: Storage, pool: ConnectionPool | None = None) -> None:
        self.storage = storage
        self._pool = pool
        self._strategy = MovingWindowRateLimiter(storage)

    async def hit(self, rule: Rule, *subject: str) -> bool:
        """Count one attempt; False (and not counted) when `rule.limit` were made in the last window."""
        return await self._strategy.hit(rule.item, _subject(subject))

    async def reset(self, rule: Rule, *subject: str) -> None:
        await self._strategy.clear(rule.item, _subject(subject))

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.aclose()


def make_limiter(redis_url: str | None, prefix: str) -> Limiter:
    if redis_url:
        # Imported only here: redis-py is 7 MB of a worker's memory that a portal without Redis does not need.
        from redis.asyncio import ConnectionPool

        # Our own pool, so that the app can close its connections when it stops.
        pool = ConnectionPool.from_url(redis_url)
        # limits documents `connection_pool` but annotates its **options as float | str | bool only.
        storage = RedisStorage(
            redis_url,
            implementation="redispy",
            key_prefix=f"{prefix}:limits",
            connection_pool=pool,  # type: ignore[arg-type]
        )
        return Limiter(storage, pool)
    return Limiter(MemoryStorage())
