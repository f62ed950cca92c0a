"""The audit log: every staff action, append-only and hash-chained."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from portal.clock import LOCAL_TZ
from portal.logging_filters import redact
from portal.models import AuditEntry
from portal.models.base import utcnow
from portal.services import paging

GENESIS = "0" * 64

# The PostgreSQL advisory lock every writer of the chain takes: one fixed key for the whole
# database, so appends are serialised without locking the table against readers.
_CHAIN_LOCK = 0x6175_6469_745F_6C6F  # "audit_lo"


@dataclass(frozen=True)
class Actor:
    staff_id: int | None  # None for the system (jobs)
    username: str  # "system" for jobs
    role: str  # a StaffRole value, or "system"
    area_code: str | None


SYSTEM = Actor(None, "system", "system", None)


def mask_changes(value: Any) -> Any:
    """A copy fit for the log: ID and phone numbers masked wherever they appear, dates as text.

    Keys are strings afterwards too, because that is what comes back out of a JSON column and
    the hash must be recomputable from what was stored."""
    if isinstance(value, Mapping):
        return {redact(str(key)): mask_changes(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [mask_changes(item) for item in value]
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, date):  # datetimes included
        return value.isoformat()
    return value


def entry_hash(
    prev_hash: str,
    at: datetime,
    username: str,
    role: str,
    area_code: str | None,
    action: str,
    target_type: str,
    target_id: str,
    changes: dict[str, Any],
    *,
    staff_id: int | None = None,
) -> str:
    content = {
        "staff_id": staff_id,
        # UTC with microseconds always written out: the same text from a fresh datetime, from
        # SQLite's string and from PostgreSQL's timestamptz.
        "at": at.astimezone(UTC).isoformat(timespec="microseconds"),
        "username": username,
        "role": role,
        "area_code": area_code,
        "action": action,
        "target_type": target_type,
        "target_id": target_id,
        "changes": changes,
    }
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256((prev_hash + canonical).encode()).hexdigest()


async def record(
    session: AsyncSession,
    actor: Actor,
    action: str,
    target_type: str,
    target_id: str | int,
    changes: dict[str, Any] | None = None,
    *,
    at: datetime | None = None,
) -> AuditEntry:
    """Append an entry in the caller's transaction: it is kept exactly when the action is."""
    if at is None:
        at = utcnow()  # datetime's resolution is the microsecond, what both databases keep
    elif at.tzinfo is None:
        raise ValueError("audit timestamps need a timezone")
    at = at.astimezone(UTC)

    connection = await session.connection()
    if connection.dialect.name == "postgresql":
        # Held until this transaction ends, so the next writer reads the head this one appends.
        await session.execute(
            sa.text("SELECT pg_advisory_xact_lock(:key)").bindparams(sa.bindparam("key", _CHAIN_LOCK, sa.BigInteger))
        )
    # Columns, not the entity: an entry already in the session's identity map would not be
    # refreshed from the row.
    head = (
        await session.execute(sa.select(AuditEntry.id, AuditEntry.hash).order_by(AuditEntry.id.desc()).limit(1))
    ).first()
    head_id, prev_hash = (head.id, head.hash) if head is not None else (0, GENESIS)

    masked = mask_changes(changes or {})
    entry = AuditEntry(
        at=at,
        staff_id=actor.staff_id,
        username=actor.username,
        role=str(actor.role),
        area_code=actor.area_code,
        action=action,
        target_type=target_type,
        target_id=str(target_id),
        changes=masked,
        prev_hash=prev_hash,
    )
    entry.hash = entry_hash(
        prev_hash, at, entry.username, entry.role, entry.area_code, action, target_type, entry.target_id, masked,
        staff_id=entry.staff_id,
    )  # fmt: skip
    session.add(entry)
    await session.flush()

    # SQLite has no advisory locks, but it serialises writers: the write lock is taken at the
    # first write of a transaction, not at the read of the head above, so a writer that committed
    # in between may already have appended to the same head. Once this flush holds the write
    # lock, such an entry is visible: refuse to fork the chain and let the caller's transaction
    # roll back (retrying it reads the new head). On PostgreSQL the advisory lock makes this
    # check always pass; it costs one primary-key range read, so it runs on every database.
    fork = await session.scalar(
        sa.select(AuditEntry.id)
        .where(AuditEntry.id > head_id, AuditEntry.id != entry.id, AuditEntry.prev_hash == prev_hash)
        .limit(1)
    )
    if fork is not None:
        raise RuntimeError("audit chain fork")
    return entry


@dataclass(frozen=True)
class ChainCheck:
    ok: bool
    entries: int  # how many were checked; when broken, up to and including the broken one
    first_broken_id: int | None
    problem: str | None  # "hash mismatch" | "broken link"


async def verify_chain(session: AsyncSession, batch: int = 1000) -> ChainCheck:
    """Walk the whole log in id order and report the first entry that was edited, or whose
    predecessor was edited away or deleted."""
    columns = (
        AuditEntry.id,
        AuditEntry.at,
        AuditEntry.username,
        AuditEntry.role,
        AuditEntry.area_code,
        AuditEntry.action,
        AuditEntry.target_type,
        AuditEntry.target_id,
        AuditEntry.changes,
        AuditEntry.prev_hash,
        AuditEntry.hash,
        AuditEntry.staff_id,
    )
    expected_prev, last_id, checked = GENESIS, 0, 0
    while True:
        # Keyset pagination: rows, not entities, so what is checked is what the database holds.
        rows = (
            await session.execute(
                sa.select(*columns).where(AuditEntry.id > last_id).order_by(AuditEntry.id).limit(batch)
            )
        ).all()
        if not rows:
            return ChainCheck(ok=True, entries=checked, first_broken_id=None, problem=None)
        for row in rows:
            checked += 1
            if row.prev_hash != expected_prev:
                return ChainCheck(ok=False, entries=checked, first_broken_id=row.id, problem="broken link")
            recomputed = entry_hash(
                row.prev_hash,
                row.at,
                row.username,
                row.role,
                row.area_code,
                row.action,
                row.target_type,
                row.target_id,
                row.changes,
                staff_id=row.staff_id,
            )
            if recomputed != row.hash:
                return ChainCheck(ok=False, entries=checked, first_broken_id=row.id, problem="hash mismatch")
            expected_prev = row.hash
        last_id = rows[-1].id


@dataclass(frozen=True)
class AuditPage:
    entries: list[AuditEntry]
    total: int
    page: int
    pages: int


async def search(
    session: AsyncSession,
    *,
    username: str | None = None,
    action: str | None = None,
    target: str | None = None,
    area_code: str | None = None,
    since: date | None = None,
    until: date | None = None,
    page: int = 1,
    per_page: int = 50,
) -> AuditPage:
    """Newest first. `since` and `until` are days in Zhanjiang, both included; `page` is kept
    within 1..pages so a stale link still shows entries."""
    if per_page < 1:
        raise ValueError("per_page must be at least 1")
    conditions: list[sa.ColumnElement[bool]] = []
    if username is not None:
        conditions.append(AuditEntry.username == username)
    if action is not None:
        conditions.append(AuditEntry.action == action)
    if target is not None:
        conditions.append(AuditEntry.target_id == target)
    if area_code is not None:
        conditions.append(AuditEntry.area_code == area_code)
    if since is not None:
        conditions.append(AuditEntry.at >= _local_midnight(since))
    if until is not None:
        conditions.append(AuditEntry.at < _local_midnight(until + timedelta(days=1)))

    total = await session.scalar(sa.select(sa.func.count()).select_from(AuditEntry).where(*conditions)) or 0
    win = paging.window(total, page, per_page)
    entries = await session.scalars(
        sa.select(AuditEntry).where(*conditions).order_by(AuditEntry.id.desc()).limit(win.limit).offset(win.offset)
    )
    return AuditPage(entries=list(entries), total=total, page=win.page, pages=win.pages)


def _local_midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, LOCAL_TZ).astimezone(UTC)
