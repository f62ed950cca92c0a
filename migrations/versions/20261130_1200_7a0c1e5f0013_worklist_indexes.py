"""indexes for the worklist at city scale

Revision ID: 7a0c1e5f0013
Revises: 7a0c1e5f0012
Created: 2026-11-30 12:00:00

Compatibility: indexes only, so the code before this migration keeps working after it. Found by the worklist's
EXPLAIN plans on the city-sized database (bench/explain/worklist-*.txt): its follow-up count grouped the open
recommendations of every county, its "a year or more, not certified" count read every grant and every standing
registration's row. On PostgreSQL each index is built and dropped CONCURRENTLY, outside the migration's
transaction; the rebuilt one is built under a new name first, so no moment goes without it.
"""

from collections.abc import Sequence
from contextlib import nullcontext

import sqlalchemy as sa
from alembic import op

revision: str = '7a0c1e5f0013'
down_revision: str | None = '7a0c1e5f0012'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OPEN_RECOMMENDATION = "result IN ('awaiting', 'interviewed')"
REGISTERED = "status = 'registered'"


def _postgres() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def _where(condition: str) -> dict[str, object]:
    return {"sqlite_where": sa.text(condition), "postgresql_where": sa.text(condition)}


def _registered(name: str, include: bool) -> None:
    op.create_index(name, "registrations", ["county_code", "decided_at", "id"], unique=False,
                    postgresql_concurrently=_postgres(), postgresql_include=["person_id"] if include else [],
                    **_where(REGISTERED))  # fmt: skip


def _rebuild_registered(include: bool) -> None:
    """`ix_registrations_registered` with or without person_id carried in its leaves (PostgreSQL only: SQLite has no
    INCLUDE, and there the index stays as it is)."""
    if not _postgres():
        return
    _registered("ix_registrations_registered_new", include)
    op.drop_index("ix_registrations_registered", table_name="registrations", postgresql_concurrently=True)
    op.execute("ALTER INDEX ix_registrations_registered_new RENAME TO ix_registrations_registered")


def upgrade() -> None:
    with op.get_context().autocommit_block() if _postgres() else nullcontext():
        op.create_index("ix_recommendations_open", "recommendations",
                        ["county_code", "registration_id", "follow_up_due"], unique=False,
                        postgresql_concurrently=_postgres(), **_where(OPEN_RECOMMENDATION))  # fmt: skip
        op.create_index("ix_grants_policy_person", "grants", ["policy_code", "person_id"], unique=False,
                        postgresql_concurrently=_postgres())  # fmt: skip
        _rebuild_registered(include=True)


def downgrade() -> None:
    with op.get_context().autocommit_block() if _postgres() else nullcontext():
        _rebuild_registered(include=False)
        op.drop_index("ix_grants_policy_person", table_name="grants", postgresql_concurrently=_postgres())
        op.drop_index("ix_recommendations_open", table_name="recommendations", postgresql_concurrently=_postgres())
