"""The statistics pages on a read replica (STATISTICS_DATABASE_URL): their figures come from the replica, while who
may see them and the audit entry of a list of people stay on the primary; `portal check` says when the replica cannot
be read."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import date
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, make_url, select

from portal import preflight
from portal.app import create_app
from portal.cli import migrate
from portal.config import Settings
from portal.db import make_engine, make_sessionmaker
from portal.models import AuditEntry, StatFigure, StatMonth
from tests.own_database import _admin
from tests.staffing import create_named_staff, sign_in_staff

MONTH = f"{date.today():%Y-%m}"
ONLY_ON_THE_REPLICA = 4937  # a figure no page of the primary could show


@pytest.fixture
async def replica_url(settings: Settings, tmp_path: Path) -> AsyncIterator[str]:
    """A database of its own standing for the replica, migrated like the primary."""
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        own = f"sqlite+aiosqlite:///{tmp_path / 'replica.db'}"
    else:
        name = f"{make_url(url).database}_replica_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"
        await _admin(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"')
        own = make_url(url).set(database=name).render_as_string(hide_password=False)
    await asyncio.to_thread(migrate, replace(settings, database_url=own))
    yield own
    if url:
        await _admin(url, f'DROP DATABASE IF EXISTS "{make_url(own).database}" WITH (FORCE)')


async def _audited(url: str, settings: Settings) -> int:
    engine = make_engine(url)
    try:
        async with make_sessionmaker(engine, settings.audit_key)() as session:
            found = select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "statistics.people")
            return int(await session.scalar(found) or 0)
    finally:
        await engine.dispose()


async def test_the_statistics_pages_read_the_replica_and_audit_on_the_primary(
    app, db, settings: Settings, replica_url: str
) -> None:
    await create_named_staff(db)  # on the primary: who may sign in
    engine = make_engine(replica_url)
    async with make_sessionmaker(engine, settings.audit_key)() as replica, replica.begin():
        replica.add(StatMonth(month=MONTH, as_of=date.today(), final=False, rule="test"))
        replica.add(StatFigure(month=MONTH, county_code="440802", figure="registered", value=ONLY_ON_THE_REPLICA))
    await engine.dispose()

    reading = create_app(replace(settings, statistics_database_url=replica_url))
    transport = httpx.ASGITransport(app=reading, client=("127.0.0.1", 50000))
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8000") as client:
            await sign_in_staff(client, "chikan_clerk")
            month = await client.get("/staff/statistics")
            assert month.status_code == 200
            assert str(ONLY_ON_THE_REPLICA) in month.text.replace(",", "")
            people = await client.get(f"/staff/statistics/people?month={MONTH}&figure=registered")
            assert people.status_code == 200
            assert str(ONLY_ON_THE_REPLICA) in people.text.replace(",", "")
    finally:
        services = reading.state.services
        await services.limiter.close()
        await services.engine.dispose()
        await services.reader_engine.dispose()

    assert await _audited(settings.database_url, settings) == 1
    assert await _audited(replica_url, settings) == 0


async def test_without_a_replica_the_statistics_read_the_primary(app, client, db) -> None:
    await create_named_staff(db)
    db.add(StatMonth(month=MONTH, as_of=date.today(), final=False, rule="test"))
    db.add(StatFigure(month=MONTH, county_code="440802", figure="registered", value=ONLY_ON_THE_REPLICA))
    await db.commit()
    assert app.state.services.reader is None
    await sign_in_staff(client, "chikan_clerk")
    assert str(ONLY_ON_THE_REPLICA) in (await client.get("/staff/statistics")).text.replace(",", "")


def test_portal_check_names_a_replica_it_cannot_read(settings: Settings, tmp_path: Path) -> None:
    env = {"PORTAL_ENV": "test", "PORTAL_INSTANCE_DIR": str(tmp_path), "DATABASE_URL": settings.database_url,
           "PORTAL_DATA_KEY": settings.data_key.hex(), "PORTAL_SECRET_KEY": settings.secret_key.hex(),
           "AUDIT_KEY": settings.audit_key.hex(),
           "STATISTICS_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'never-migrated.db'}"}  # fmt: skip
    found = preflight.problems(env, workers=1)
    assert [p for p in found if p.startswith("STATISTICS_DATABASE_URL (the read replica):")], found


def test_a_replica_address_of_another_kind_is_refused() -> None:
    _, problems = Settings.read_env({"PORTAL_ENV": "test", "STATISTICS_DATABASE_URL": "mysql://replica/portal"})
    assert "STATISTICS_DATABASE_URL must start with sqlite+aiosqlite:// or postgresql+asyncpg://" in problems
