"""Test set-up: a migrated database per run (SQLite, or PostgreSQL from TEST_DATABASE_URL) and one app per
run, all in one event loop; after each test the tables (but the reference data), the app's stores and its
rate limits are emptied. Tests commit for real: many fire requests at once through separate sessions, which
one rolled-back outer transaction could not hold."""

from __future__ import annotations

import asyncio
import os
import re
import tempfile
from collections.abc import AsyncIterator, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
from litestar import Litestar
from sqlalchemy import make_url, text
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

from portal.app import STORES, create_app
from portal.app_services import Services
from portal.config import Settings
from portal.db import empty_postgres_schema, make_engine, make_sessionmaker
from portal.models import Base
from portal.models.audit import append_only_ddl, drop_append_only_ddl
from portal.rules.idnumber import check_digit
from portal.services import certifications, service_items
from portal.services.ratelimit import make_limiter
from tests.catalogues import compile_stale_catalogues

# Tables filled by the reference-data loader, kept between tests (policies back at their first version).
REFERENCE_TABLES = {
    "service_areas", "local_figures", "policies", "policy_versions", "service_items", "difficulty_categories",
    "alembic_version",
}  # fmt: skip


def make_id(birth: date, sex: str = "M", region: str = "440802", sequence: int = 1) -> str:
    """A valid synthetic ID number for a birth date and sex (odd sequence digit = male)."""
    seq = sequence * 10 + (1 if sex == "M" else 2)
    first17 = f"{region}{birth:%Y%m%d}{seq:03d}"
    return first17 + check_digit(first17)


def _database_url(tmp_dir: Path) -> str:
    """SQLite in the run's folder, or the PostgreSQL database of TEST_DATABASE_URL; with pytest-xdist each worker
    has a database of its own (warehouse's way), made the first time it is needed."""
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        return f"sqlite+aiosqlite:///{tmp_dir / 'test.db'}"
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        return url
    own = make_url(url).set(database=f"{make_url(url).database}_{worker}")
    asyncio.run(_create_database(url, own.database or ""))
    return own.render_as_string(hide_password=False)


async def _create_database(url: str, name: str) -> None:
    engine = create_async_engine(url, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as conn:
            exists = await conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name})
            if not exists:
                await conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    finally:
        await engine.dispose()


async def _load_reference(settings: Settings) -> None:
    from portal.demo import load_reference_data

    engine = make_engine(settings.database_url)
    async with make_sessionmaker(engine, settings.audit_key)() as session, session.begin():
        await load_reference_data(session)
    await engine.dispose()


def pytest_configure(config: pytest.Config) -> None:
    # Before anything loads a catalogue: `portal.i18n` keeps the first one it reads.
    compile_stale_catalogues()


# SQLite commits wait for the disk; a database in memory-backed /dev/shm does not (none is kept after the run).
# S108: the folder made there is TemporaryDirectory's own, private and unpredictable.
_SCRATCH = "/dev/shm" if os.access("/dev/shm", os.W_OK) else None  # noqa: S108


@pytest.fixture(scope="session")
def settings() -> Iterator[Settings]:
    with tempfile.TemporaryDirectory(prefix="portal-test-", dir=_SCRATCH) as tmp:
        tmp_dir = Path(tmp)
        url = _database_url(tmp_dir)
        env = {
            "PORTAL_ENV": "test",
            "PORTAL_INSTANCE_DIR": str(tmp_dir),
            "DATABASE_URL": url,
            "PORTAL_DATA_KEY": "11" * 32,
            "PORTAL_SECRET_KEY": "22" * 32,
            "AUDIT_KEY": "33" * 32,
            # Hundreds of sign-ups and sign-ins: argon2 at its least cost (refused in production).
            "PASSWORD_HASH_PROFILE": "fast",
        }
        if url.startswith("postgresql"):
            asyncio.run(empty_postgres_schema(url))
        from portal.cli import migrate

        built = Settings.from_env(env)
        migrate(built)
        asyncio.run(_load_reference(built))
        yield built


@pytest.fixture(scope="session")
async def _one_app(settings: Settings) -> AsyncIterator[Litestar]:
    # Built once: building the app (routes, signatures, templates compiled on first use) costs more than
    # most tests. Its engine's pool lives in the session's event loop, which every test runs in.
    application = create_app(settings)
    yield application
    services: Services = application.state.services
    await services.limiter.close()
    await services.engine.dispose()


@pytest.fixture
async def app(_one_app: Litestar, settings: Settings) -> AsyncIterator[Litestar]:
    """The app, as fresh as a new one after the test: no rows but the reference data, no sessions, no
    counted attempts, no audit checkpoints."""
    yield _one_app
    services: Services = _one_app.state.services
    if await empty_tables(services.engine):
        async with services.sessionmaker() as session, session.begin():
            await service_items.load_service_items(session)
            await certifications.load_categories(session)
    # A new limiter rather than a reset one: resetting in memory races the storage's own expiry task.
    await services.limiter.close()
    services.limiter = make_limiter(settings.redis_url, settings.redis_prefix)
    for name in STORES:  # sessions, and the public notice pages cached
        await _one_app.stores.get(name).delete_all()
    settings.audit_checkpoint_file.unlink(missing_ok=True)  # checkpoints of a log that is now empty


async def empty_tables(engine: Any) -> bool:
    """Empty every table but the reference data. The audit tables refuse DELETE by trigger: here, and
    only here, the triggers are set aside for the length of one transaction. True when service items or
    difficulty categories a test edited or added were taken out (the data file's are then to be loaded again)."""
    async with engine.begin() as conn:
        dialect = conn.dialect.name
        if dialect == "postgresql":
            await conn.execute(text("SET LOCAL session_replication_role = replica"))
        else:
            for statement in drop_append_only_ddl(dialect):
                await conn.execute(text(statement))
        # An administrator's versions refer to their staff account: gone first.
        await conn.execute(text("DELETE FROM policy_versions WHERE version > 1"))
        await conn.execute(text("UPDATE policies SET current_version = 1"))
        edited = await conn.execute(text("DELETE FROM service_items WHERE version > 1 OR updated_by IS NOT NULL"))
        for table in reversed(Base.metadata.sorted_tables):
            if table.name not in REFERENCE_TABLES:
                await conn.execute(table.delete())
        # Categories an administrator edited or added (their certifications are gone by now): loaded again.
        seed = certifications.CATEGORY_SEED
        categories = (
            await conn.execute(text("SELECT code, name_zh, name_en, active FROM difficulty_categories"))
        ).all()
        changed = [code for code, zh, en, active in categories if seed.get(code) != (zh, en) or not active]
        for code in changed:
            await conn.execute(text("DELETE FROM difficulty_categories WHERE code = :code"), {"code": code})
        if dialect != "postgresql":
            for statement in append_only_ddl(dialect):
                await conn.execute(text(statement))
    return bool(edited.rowcount) or bool(changed)


@pytest.fixture
def services(app: Litestar) -> Services:
    return app.state.services


@pytest.fixture
async def db(services: Services) -> AsyncIterator[AsyncSession]:
    """A session for arranging and checking data; commit what a request must see."""
    async with services.sessionmaker() as session:
        yield session


@pytest.fixture
async def client(app: Litestar) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client calling the app in the test's own event loop (Litestar's test client runs it
    in another thread, where asyncpg connections from the shared pool cannot be used)."""
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
    # No lifespan here: its anyio task group cannot span a fixture's set-up and tear-down; the
    # `app` fixture disposes of the engine, which is all the portal's own lifespan does on exit.
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8000") as http:
        yield http


_CSRF = re.compile(r'name="_csrf_token" value="([^"]+)"')


# What htmx sends with a request it makes (litestar.plugins.htmx reads these).
HTMX = {"HX-Request": "true"}


async def post_form(
    client: httpx.AsyncClient, url: str, data: dict[str, Any], *, page: str | None = None,
    headers: dict[str, str] | None = None,
) -> Any:  # fmt: skip
    """Post as a browser would: load the page first and send its CSRF token back with the form (with
    `headers`, as htmx would: HTMX and the element's details)."""
    shown = await client.get(page or url)
    match = _CSRF.search(shown.text)
    assert match, f"no CSRF token on {page or url}"
    return await client.post(
        url, data={**data, "_csrf_token": match.group(1)}, headers=headers or {}, follow_redirects=False
    )
