"""ledger indexes: the service ledger lists records newest first and exports them in (day, id) order, and filters
them by the staff member who recorded them

Revision ID: 7a0c1e5f0001
Revises: d642bac15c85
Created: 2026-11-30 06:20:00

Compatibility: new indexes only: the code from before this migration keeps working after it.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "7a0c1e5f0001"
down_revision: str | None = "d642bac15c85"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_service_records_day", "service_records", ["day", "id"], unique=False)
    op.create_index("ix_service_records_staff_day", "service_records", ["staff_id", "day"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_service_records_staff_day", table_name="service_records")
    op.drop_index("ix_service_records_day", table_name="service_records")
