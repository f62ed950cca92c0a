"""audit entries sealed into a keyed chain; append-only triggers

Revision ID: b7c41e9d2a10
Revises: 55a74823b896
Created: 2026-11-27 00:00:00

Compatibility: the previous release reads and writes `audit_log.prev_hash` and `hash`, which this
migration drops, and it updates nothing in the log that the new triggers would refuse. Deploy the new
code with this migration (stop the old processes first). Entries already written get their keyed MAC
here (AUDIT_KEY must be set as it will be in production) and are sealed by the first sealing run.
"""

import hashlib
import hmac
import json
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import context, op

import portal.models.base
from portal.models.audit import append_only_ddl, drop_append_only_ddl

revision: str = "b7c41e9d2a10"
down_revision: str | None = "55a74823b896"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_CONTENT = ("id", "at", "staff_id", "username", "role", "area_code", "action", "target_type", "target_id", "changes")


def _canonical(row: sa.Row) -> str:
    at = row.at if isinstance(row.at, datetime) else datetime.fromisoformat(str(row.at))
    at = at.replace(tzinfo=UTC) if at.tzinfo is None else at
    changes = row.changes if isinstance(row.changes, dict) else json.loads(row.changes or "{}")
    content = {
        "staff_id": row.staff_id, "at": at.astimezone(UTC).isoformat(timespec="microseconds"),
        "username": row.username, "role": row.role, "area_code": row.area_code, "action": row.action,
        "target_type": row.target_type, "target_id": row.target_id, "changes": changes,
    }  # fmt: skip
    return json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def _audit_key() -> bytes:
    key = context.config.attributes.get("audit_key")
    if key is None:
        from portal.config import Settings

        key = Settings.from_env().audit_key
    return key


def upgrade() -> None:
    bind = op.get_bind()
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.add_column(sa.Column("mac", sa.String(length=64), nullable=True))
    rows = bind.execute(sa.text(f"SELECT {', '.join(_CONTENT)} FROM audit_log ORDER BY id")).all()
    if rows:
        key = _audit_key()
        for row in rows:
            mac = hmac.new(key, _canonical(row).encode(), hashlib.sha256).hexdigest()
            bind.execute(sa.text("UPDATE audit_log SET mac = :mac WHERE id = :id"), {"mac": mac, "id": row.id})
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.alter_column("mac", existing_type=sa.String(length=64), nullable=False)
        batch_op.drop_constraint(batch_op.f("uq_audit_log_hash"), type_="unique")
        batch_op.drop_column("hash")
        batch_op.drop_column("prev_hash")
    op.create_table(
        "audit_seals",
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("chain_mac", sa.String(length=64), nullable=False),
        sa.Column("sealed_at", portal.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_audit_seals")),
        sa.UniqueConstraint("entry_id", name=op.f("uq_audit_seals_entry_id")),
    )
    for statement in append_only_ddl(bind.dialect.name):
        op.execute(statement)


def downgrade() -> None:
    bind = op.get_bind()
    for statement in drop_append_only_ddl(bind.dialect.name):
        op.execute(statement)
    op.drop_table("audit_seals")
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.add_column(sa.Column("prev_hash", sa.String(length=64), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("hash", sa.String(length=64), nullable=True))
    # The previous release's unkeyed SHA-256 chain, rebuilt in id order.
    prev = "0" * 64
    for row in bind.execute(sa.text(f"SELECT {', '.join(_CONTENT)} FROM audit_log ORDER BY id")).all():
        digest = hashlib.sha256((prev + _canonical(row)).encode()).hexdigest()
        bind.execute(
            sa.text("UPDATE audit_log SET prev_hash = :prev, hash = :hash WHERE id = :id"),
            {"prev": prev, "hash": digest, "id": row.id},
        )
        prev = digest
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.alter_column("hash", existing_type=sa.String(length=64), nullable=False)
        batch_op.create_unique_constraint(batch_op.f("uq_audit_log_hash"), ["hash"])
        batch_op.drop_column("mac")
