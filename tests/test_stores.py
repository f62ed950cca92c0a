"""Rate limits and sessions on each store the portal can use: memory, and Redis when configured."""

from __future__ import annotations

import asyncio
import os
import uuid
from dataclasses import replace

import httpx
import pytest
from sqlalchemy import text

from portal.app import create_app
from portal.services import ratelimit
from tests.residents import sign_up

REDIS_URL = os.environ.get("TEST_REDIS_URL")
STORES = ["memory", *(["redis"] if REDIS_URL else [])]


def _limiter(kind: str) -> ratelimit.Limiter:
    return ratelimit.make_limiter(REDIS_URL if kind == "redis" else None, f"test-{uuid.uuid4().hex}")


@pytest.mark.parametrize("kind", STORES)
async def test_rate_limit_counts_per_subject_and_resets(kind: str) -> None:
    limiter = _limiter(kind)
    rule = ratelimit.Rule("login", 2, 60)
    assert [await limiter.hit(rule, "a") for _ in range(3)] == [True, True, False]
    assert await limiter.hit(rule, "b")
    assert await limiter.hit(rule, "a", "10.0.0.1")  # a pair is its own subject
    await limiter.reset(rule, "a")
    assert await limiter.hit(rule, "a")
    await limiter.reset(rule, "a")
    await limiter.reset(rule, "b")
    await limiter.reset(rule, "a", "10.0.0.1")
    await limiter.close()


@pytest.mark.parametrize("kind", STORES)
async def test_simultaneous_hits_let_exactly_the_limit_through(kind: str) -> None:
    limiter = _limiter(kind)
    rule = ratelimit.Rule("burst", 10, 60)
    results = await asyncio.gather(*(limiter.hit(rule, "13800138000") for _ in range(100)))
    assert results.count(True) == 10
    await limiter.reset(rule, "13800138000")
    await limiter.close()


@pytest.mark.parametrize("kind", STORES)
async def test_phone_numbers_never_reach_the_store_keys(kind: str) -> None:
    limiter = _limiter(kind)
    rule = ratelimit.Rule("sms", 5, 60)
    await limiter.hit(rule, "13800138000")
    if kind == "redis":
        keys = [key.decode() async for key in limiter.storage.bridge.storage.scan_iter("*")]
    else:
        keys = limiter.storage.keys()
    assert keys
    assert not [key for key in keys if "13800138000" in key]
    await limiter.reset(rule, "13800138000")
    await limiter.close()


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
    await app.state.services.limiter.close()
    if kind == "redis":
        await sessions.delete_all()
        await sessions._redis.aclose(close_connection_pool=True)
    async with app.state.services.engine.begin() as conn:
        await conn.execute(text("DELETE FROM sms_codes"))
        await conn.execute(text("DELETE FROM sms_outbox"))
        await conn.execute(text("DELETE FROM resident_accounts"))
    await app.state.services.engine.dispose()


def test_memory_windows_move_and_forget_keys_whose_window_has_passed(monkeypatch) -> None:
    now = [1000.0]
    monkeypatch.setattr(ratelimit, "monotonic", lambda: now[0])
    windows = ratelimit.MemoryWindows(sweep_seconds=30)
    assert [windows.hit("notice/a", 2, 60) for _ in range(3)] == [True, True, False]
    now[0] += 30
    assert windows.hit("objection/b", 1, 3600)
    assert not windows.hit("notice/a", 2, 60)  # both attempts still inside the minute
    now[0] += 31
    assert windows.hit("notice/a", 2, 60)  # the first two have left the window
    now[0] += 61  # a sweep is due: the notice key's window has passed, the objection's hour has not
    assert windows.hit("sms/c", 1, 60)
    assert sorted(windows.keys()) == ["objection/b", "sms/c"]
