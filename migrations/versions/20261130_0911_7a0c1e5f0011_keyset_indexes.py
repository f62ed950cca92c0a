"""indexes for the staff lists' keyset pagination

Revision ID: 7a0c1e5f0011
Revises: 7a0c1e5f0010
Created: 2026-11-30 09:11:00

Compatibility: indexes only, no table or column changes: the code from before this migration keeps working after
it (its queries read the same tables; the two registration indexes rebuilt with `id` added keep their leading
columns, and the staff member's ledger index likewise). On PostgreSQL every index is built and dropped CONCURRENTLY,
outside the migration's transaction, so the lists and the writers to service_records (10,000,000 rows at city
scale) never wait on the build; a replaced index is built under a new name first, so no moment goes without it.
"""

from collections.abc import Sequence
from contextlib import nullcontext

import sqlalchemy as sa
from alembic import op

revision: str = '7a0c1e5f0011'
down_revision: str | None = '7a0c1e5f0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

REGISTERED = "status = 'registered'"
NEVER_CONTACTED = "status = 'registered' AND last_contact_on IS NULL"
OPEN_OBJECTION = "status IN ('received', 'investigating')"

# (table, name, columns, partial index condition)
NEW: list[tuple[str, str, list[str], str | None]] = [
    ("objections", "ix_objections_due", ["county_code", "due", "id"], None),
    ("objections", "ix_objections_due_city", ["due", "id"], None),
    ("objections", "ix_objections_open", ["county_code", "due", "id"], OPEN_OBJECTION),
    ("objections", "ix_objections_open_city", ["due", "id"], OPEN_OBJECTION),
    ("plans", "ix_plans_registration", ["registration_id", "case_worker_id"], None),
    ("registrations", "ix_registrations_first_contact", ["county_code", "first_contact_due", "id"], NEVER_CONTACTED),
    ("registrations", "ix_registrations_first_contact_city", ["first_contact_due", "id"], NEVER_CONTACTED),
    ("registrations", "ix_registrations_tracking_city", ["last_contact_on", "id"], REGISTERED),
    ("registrations", "ix_registrations_person", ["person_id"], None),
    ("people", "ix_people_name", ["name", "id"], None),
    ("registration_events", "ix_registration_events_kind", ["kind", "registration_id"], None),
]
# (table, name, columns before, columns after, partial index condition): `id` added for the keyset order.
REPLACED: list[tuple[str, str, list[str], list[str], str | None]] = [
    ("registrations", "ix_registrations_registered", ["county_code", "decided_at"], ["county_code", "decided_at", "id"],
     REGISTERED),
    ("registrations", "ix_registrations_registered_city", ["decided_at"], ["decided_at", "id"], REGISTERED),
    ("service_records", "ix_service_records_staff_day", ["staff_id", "day"], ["staff_id", "day", "id"], None),
]  # fmt: skip


def _postgres() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def _where(condition: str | None) -> dict[str, object]:
    if condition is None:
        return {}
    return {"sqlite_where": sa.text(condition), "postgresql_where": sa.text(condition)}


def _create(table: str, name: str, columns: list[str], condition: str | None) -> None:
    op.create_index(name, table, columns, unique=False, postgresql_concurrently=_postgres(), **_where(condition))


def _drop(table: str, name: str) -> None:
    op.drop_index(name, table_name=table, postgresql_concurrently=_postgres())


def _replace(table: str, name: str, columns: list[str], condition: str | None) -> None:
    """The index rebuilt on other columns under the same name: built beside the old one, then swapped."""
    if not _postgres():
        _drop(table, name)
        _create(table, name, columns, condition)
        return
    _create(table, f"{name}_new", columns, condition)
    _drop(table, name)
    op.execute(f"ALTER INDEX {name}_new RENAME TO {name}")


def upgrade() -> None:
    # CREATE INDEX CONCURRENTLY cannot run inside a transaction: on PostgreSQL these run in autocommit.
    with op.get_context().autocommit_block() if _postgres() else nullcontext():
        for table, name, columns, condition in NEW:
            _create(table, name, columns, condition)
        for table, name, _, after, condition in REPLACED:
            _replace(table, name, after, condition)


def downgrade() -> None:
    with op.get_context().autocommit_block() if _postgres() else nullcontext():
        for table, name, before, _, condition in reversed(REPLACED):
            _replace(table, name, before, condition)
        for table, name, _, _ in reversed(NEW):
            _drop(table, name)
