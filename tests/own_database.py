"""A database of its own for a test that runs `portal` commands against it: a SQLite file in the test's folder, or,
when TEST_DATABASE_URL is set, a PostgreSQL database made for the test and dropped after it."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import make_url
from sqlalchemy.ext.asyncio import create_async_engine

KEYS = {"PORTAL_DATA_KEY": "11" * 32, "PORTAL_SECRET_KEY": "22" * 32, "AUDIT_KEY": "33" * 32}


@contextmanager
def own_database(tmp_path: Path, name: str) -> Iterator[str]:
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        yield f"sqlite+aiosqlite:///{tmp_path / f'{name}.db'}"
        return
    own = f"{make_url(url).database}_{name}_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"
    asyncio.run(_admin(url, f'DROP DATABASE IF EXISTS "{own}" WITH (FORCE)', f'CREATE DATABASE "{own}"'))
    try:
        yield make_url(url).set(database=own).render_as_string(hide_password=False)
    finally:
        asyncio.run(_admin(url, f'DROP DATABASE IF EXISTS "{own}" WITH (FORCE)'))


async def _admin(url: str, *statements: str) -> None:
    engine = create_async_engine(url, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as conn:
            for statement in statements:
                await conn.exec_driver_sql(statement)
    finally:
        await engine.dispose()


def portal_env(tmp_path: Path, database_url: str, **more: str) -> dict[str, str]:
    """What `portal` reads, for a test: its own folder and database, fixed keys, argon2 at its least cost."""
    return {
        "PORTAL_ENV": "test",
        "PORTAL_INSTANCE_DIR": str(tmp_path / "instance"),
        "DATABASE_URL": database_url,
        "PASSWORD_HASH_PROFILE": "fast",
        **KEYS,
        **more,
    }
