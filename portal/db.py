"""The async engine and session factory, built once per app from the settings."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from sqlalchemy import event, make_url
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import Session
from sqlalchemy.pool import ConnectionPoolEntry

# Connections a worker keeps (POOL_SIZE) and opens beyond them under load (MAX_OVERFLOW). One worker is one
# thread of Python: more connections than this add no speed, only memory (each SQLite connection has its own thread
# and page cache, each asyncpg connection its statement cache): at 50 connections of `make bench`, SQLAlchemy's
# default of 5 + 10 left the worker 7 MB larger than 5 + 0 (bench/README.md, "Memory").
POOL_SIZE, MAX_OVERFLOW = 5, 5


def make_engine(database_url: str) -> AsyncEngine:
    pool: dict[str, int] = {"pool_size": POOL_SIZE, "max_overflow": MAX_OVERFLOW}
    if database_url.startswith("sqlite"):
        if make_url(database_url).database in (None, "", ":memory:"):
            pool = {}  # one connection held for ever (SQLAlchemy's StaticPool): no pool to size
        # hide_parameters: a failed statement's error text would otherwise carry names and numbers into the log.
        engine = create_async_engine(database_url, connect_args={"timeout": 30}, hide_parameters=True, **pool)

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_connection: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
            # Foreign keys are off by default in SQLite; WAL lets readers run beside a writer.
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        return engine
    return create_async_engine(database_url, pool_pre_ping=True, hide_parameters=True, **pool)


# Audit entries a transaction recorded, inserted as it commits (see PortalSession).
AUDIT_ENTRIES = "audit_entries"


class PortalSession(Session):
    """A session that inserts its audit entries as it commits rather than at the next autoflush: an INSERT
    takes SQLite's write lock, which would otherwise be held while the page is drawn."""


@event.listens_for(PortalSession, "before_commit")
def _insert_audit_entries(session: Session) -> None:
    entries = session.info.pop(AUDIT_ENTRIES, None)
    if entries:
        session.add_all(entries)


@event.listens_for(PortalSession, "after_soft_rollback")
def _forget_audit_entries(session: Session, previous_transaction: Any) -> None:
    if previous_transaction.parent is None:  # the whole transaction, not a savepoint: its entries go with it
        session.info.pop(AUDIT_ENTRIES, None)


def make_sessionmaker(engine: AsyncEngine, audit_key: bytes) -> async_sessionmaker[AsyncSession]:
    """Sessions carry the audit log's MAC key, so every service that records an entry can sign it."""
    return async_sessionmaker(
        engine, expire_on_commit=False, info={"audit_key": audit_key}, sync_session_class=PortalSession
    )


async def session_scope(factory: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """One session per request: committed when the handler returns, rolled back when it raises."""
    async with factory() as session:
        try:
            yield session
            await session.commit()
        except BaseException:
            await session.rollback()
            raise


async def empty_postgres_schema(database_url: str) -> None:
    """Drop everything in the public schema: for the test suites and benchmarks, which own their database."""
    engine = make_engine(database_url)
    async with engine.begin() as conn:
        await conn.exec_driver_sql("DROP SCHEMA public CASCADE")
        await conn.exec_driver_sql("CREATE SCHEMA public")
    await engine.dispose()
