"""Rate limits and sessions on each store the portal can use: memory, and Redis when configured."""

from __future__ import annotations

import os
import uuid
from dataclasses import replace

import httpx
import pytest
from litestar.stores.memory import MemoryStore
from sqlalchemy import text

from portal.app import create_app
from portal.services import ratelimit
from tests.residents import sign_up

REDIS_URL = os.environ.get("TEST_REDIS_URL")
STORES = ["memory", *(["redis"] if REDIS_URL else [])]


def _store(kind: str):  # type: ignore[no-untyped-def]
    if kind == "memory":
        return MemoryStore()
    from litestar.stores.redis import RedisStore

    return RedisStore.with_client(url=REDIS_URL, namespace=f"test-{uuid.uuid4().hex}")


@pytest.mark.parametrize("kind", STORES)
async def test_rate_limit_counts_per_subject_and_resets(kind: str) -> None:
    store = _store(kind)
    try:
        assert [await ratelimit.hit(store, "login", "a", limit=2, window_seconds=60) for _ in range(3)] == [
            True,
            True,
            False,
        ]
        assert await ratelimit.hit(store, "login", "b", limit=2, window_seconds=60)
        await ratelimit.reset(store, "login", "a")
        assert await ratelimit.hit(store, "login", "a", limit=2, window_seconds=60)
    finally:
        if kind == "redis":
            await store.delete_all()
            await store._redis.aclose(close_connection_pool=True)


@pytest.mark.parametrize("kind", STORES)
async def test_sessions_live_in_the_configured_store(kind: str, settings) -> None:
    app = create_app(
        replace(settings, redis_url=REDIS_URL if kind == "redis" else None, redis_prefix=f"test-{uuid.uuid4().hex}")
    )
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50001))
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8000") as client:
        await sign_up(client, app.state.services, "13400000001")
        assert (await client.get("/account")).status_code == 200
        session_id = client.cookies["session"]
    sessions = app.stores.get("sessions")
    assert await sessions.exists(session_id)
    if kind == "redis":
        await app.stores.get("limits").delete_all()
        await sessions.delete_all()
        await sessions._redis.aclose(close_connection_pool=True)
    async with app.state.services.engine.begin() as conn:
        await conn.execute(text("DELETE FROM sms_codes"))
        await conn.execute(text("DELETE FROM sms_outbox"))
        await conn.execute(text("DELETE FROM resident_accounts"))
    await app.state.services.engine.dispose()
