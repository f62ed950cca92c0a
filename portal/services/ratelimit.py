"""Fixed-window rate limits over a Litestar store (memory here, Redis when configured)."""

from __future__ import annotations

import hashlib

from litestar.stores.base import Store


def _key(bucket: str, subject: str) -> str:
    # Subjects can be phone numbers: only a hash goes into the store's keys.
    return f"rl:{bucket}:{hashlib.sha256(subject.encode()).hexdigest()[:32]}"


async def hit(store: Store, bucket: str, subject: str, *, limit: int, window_seconds: int) -> bool:
    """Count one attempt; False when the limit for this window is already used up."""
    key = _key(bucket, subject)
    raw = await store.get(key)
    count = int(raw) if raw else 0
    if count >= limit:
        return False
    # The window starts at the first attempt; later hits keep its expiry roughly in place.
    ttl = await store.expires_in(key) if raw else None
    await store.set(key, str(count + 1), expires_in=ttl if ttl and ttl > 0 else window_seconds)
    return True


async def reset(store: Store, bucket: str, subject: str) -> None:
    await store.delete(_key(bucket, subject))
