"""Rate limits: moving windows, in Redis for many processes (the `limits` library's limiter) or in memory for one.

A `hit` counts and answers in one atomic step (a Lua script in Redis; no await between the read and the
write in memory), so with N simultaneous attempts exactly `limit` are let through.

In memory the windows are our own (`MemoryWindows`), not `limits`' MemoryStorage: after every hit that storage
starts a sweep of all its keys with a thread hop per key, so with the public notice pages counted per address
(5,000 readers in `make bench`) the sweeps ran back to back, the notice page reached 0.42 of the bare route and its
p99 passed 100 ms."""

from __future__ import annotations

import hashlib
from collections import deque
from dataclasses import dataclass
from time import monotonic
from typing import TYPE_CHECKING

from limits import RateLimitItemPerSecond
from limits.aio.storage import RedisStorage, Storage
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


def _key(rule: Rule, parts: tuple[str, ...]) -> str:
    return f"{rule.bucket}/{rule.limit}/{rule.window_seconds}/{_subject(parts)}"


class MemoryWindows:
    """Moving windows in this process: each key's window and its attempts in it, oldest first. A hit drops the key's
    expired attempts, then counts or refuses, with no await in between. A key whose attempts have all expired is
    dropped by a sweep at most once a `sweep_seconds`, so memory follows the addresses active in the last window,
    not all those ever seen."""

    def __init__(self, sweep_seconds: float = 60.0) -> None:
        self._windows: dict[str, tuple[float, deque[float]]] = {}
        self._sweep_seconds = sweep_seconds
        self._swept = monotonic()

    def hit(self, key: str, limit: int, window_seconds: float) -> bool:
        now = monotonic()
        if now - self._swept >= self._sweep_seconds:
            self._sweep(now)
        attempts = self._windows.setdefault(key, (window_seconds, deque()))[1]
        while attempts and attempts[0] <= now - window_seconds:
            attempts.popleft()
        if len(attempts) >= limit:
            return False
        attempts.append(now)
        return True

    def clear(self, key: str) -> None:
        self._windows.pop(key, None)

    def keys(self) -> list[str]:
        return list(self._windows)

    def _sweep(self, now: float) -> None:
        self._swept = now
        expired = [
            key for key, (window, attempts) in self._windows.items() if not attempts or attempts[-1] <= now - window
        ]
        for key in expired:
            del self._windows[key]


class Limiter:
    def __init__(self, storage: Storage | MemoryWindows, pool: ConnectionPool | None = None) -> None:
        self.storage = storage
        self._pool = pool
        self._strategy = None if isinstance(storage, MemoryWindows) else MovingWindowRateLimiter(storage)

    async def hit(self, rule: Rule, *subject: str) -> bool:
        """Count one attempt; False (and not counted) when `rule.limit` were made in the last window."""
        if self._strategy is None:
            assert isinstance(self.storage, MemoryWindows)
            return self.storage.hit(_key(rule, subject), rule.limit, rule.window_seconds)
        return await self._strategy.hit(rule.item, _subject(subject))

    async def reset(self, rule: Rule, *subject: str) -> None:
        if self._strategy is None:
            assert isinstance(self.storage, MemoryWindows)
            self.storage.clear(_key(rule, subject))
            return
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
    return Limiter(MemoryWindows())
