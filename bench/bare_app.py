"""The yardstick: a bare Litestar app whose one route answers "ok", served exactly like the portal; and beside it the
floor of any page that reads the database: the same route after one `SELECT 1` through SQLAlchemy's AsyncSession on
the portal's own engine settings (`portal.db.make_engine`, the DATABASE_URL `make bench` gives both apps)."""

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from litestar import Litestar, get
from sqlalchemy import text

from portal.db import make_engine, make_sessionmaker

_engine = make_engine(os.environ.get("DATABASE_URL", "sqlite+aiosqlite:///:memory:"))
_sessions = make_sessionmaker(_engine, b"")


@get("/", sync_to_thread=False)
def ok() -> str:
    return "ok"


@get("/one-select")
async def one_select() -> str:
    async with _sessions() as session:
        await session.execute(text("SELECT 1"))
    return "ok"


@asynccontextmanager
async def _lifespan(_: Litestar) -> AsyncIterator[None]:
    yield
    await _engine.dispose()


app = Litestar([ok, one_select], lifespan=[_lifespan])
