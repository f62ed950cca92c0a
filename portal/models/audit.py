"""The audit log of every staff action: entries appended plainly, then sealed into a keyed chain."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.base import Base, UTCDateTime, utcnow


class AuditEntry(Base):
    """One staff action. Writers only ever INSERT here (database triggers refuse UPDATE and DELETE), so
    many staff can write at once without waiting on each other."""

    __tablename__ = "audit_log"
    __table_args__ = (
        sa.Index("ix_audit_log_actor", "staff_id", "at"),
        sa.Index("ix_audit_log_target", "target_type", "target_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    staff_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_users.id"))
    # Copied, not joined: the entry must say what was true when it was written.
    username: Mapped[str] = mapped_column(sa.String(40))
    role: Mapped[str] = mapped_column(sa.String(20))
    area_code: Mapped[str | None] = mapped_column(sa.String(16))
    action: Mapped[str] = mapped_column(sa.String(40), index=True)
    target_type: Mapped[str] = mapped_column(sa.String(30))
    target_id: Mapped[str] = mapped_column(sa.String(40))
    # What changed, with personal numbers masked.
    changes: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    # HMAC-SHA256 of the content under AUDIT_KEY, written with the entry: a row inserted or changed by
    # anyone without the key is refused by the sealer and reported by `verify`.
    mac: Mapped[str] = mapped_column(sa.String(64))


class AuditSeal(Base):
    """An entry's place in the chain: seq 1, 2, 3… with a MAC over the previous seal and the entry.

    Written only by the sealer, after the entry's transaction committed, so writers never contend for
    the chain's head. No foreign key to the entry: a seal must outlive a deleted entry for `verify` to
    name it."""

    __tablename__ = "audit_seals"

    seq: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    entry_id: Mapped[int] = mapped_column(unique=True)
    chain_mac: Mapped[str] = mapped_column(sa.String(64))
    sealed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


# Append-only, enforced by the database: the portal never updates or deletes an audit row, so anything
# that tries is refused whoever it is (short of dropping the triggers, which `verify` then catches).
APPEND_ONLY_TABLES = ("audit_log", "audit_seals")


def append_only_ddl(dialect: str) -> list[str]:
    if dialect == "postgresql":
        statements = [
            "CREATE OR REPLACE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN RAISE EXCEPTION 'the audit log is append-only (% on %)', TG_OP, TG_TABLE_NAME; END $$"
        ]
        for table in APPEND_ONLY_TABLES:
            statements += [
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION audit_append_only()",
                f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only()",
            ]
        return statements
    return [
        f"CREATE TRIGGER {table}_no_{op.lower()} BEFORE {op} ON {table} "
        f"BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END"
        for table in APPEND_ONLY_TABLES
        for op in ("UPDATE", "DELETE")
    ]


def drop_append_only_ddl(dialect: str) -> list[str]:
    if dialect == "postgresql":
        return [
            *(f"DROP TRIGGER IF EXISTS {t}_{kind} ON {t}" for t in APPEND_ONLY_TABLES
              for kind in ("append_only", "no_truncate")),
            "DROP FUNCTION IF EXISTS audit_append_only()",
        ]  # fmt: skip
    return [f"DROP TRIGGER IF EXISTS {t}_no_{op}" for t in APPEND_ONLY_TABLES for op in ("update", "delete")]
