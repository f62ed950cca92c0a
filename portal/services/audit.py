"""The audit log: every staff action, appended plainly and sealed into a keyed chain soon after.

Writers never touch the chain: `record` inserts one row in the action's own transaction, with an HMAC of
its content. `seal` (run after commits that wrote entries, on a short schedule, and by `portal audit
seal`) gives committed entries their place in the chain, one sealer at a time, and appends a checkpoint
of the chain's head to a file outside the database. `verify_chain` walks the chain and compares it with
the checkpoints, so that editing, deleting or truncating entries is found even by someone who can write
to the database, as long as they do not also hold AUDIT_KEY."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import logging
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from time import monotonic
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from portal.clock import LOCAL_TZ
from portal.db import AUDIT_ENTRIES
from portal.i18n import _l, join_words
from portal.logging_filters import redact
from portal.models import AuditEntry, AuditSeal
from portal.models.base import utcnow
from portal.services import paging
from portal.services.fields import check_lengths

log = logging.getLogger(__name__)

GENESIS = "0" * 64
# Where the MAC key is found on a database session (see portal.db.make_sessionmaker).
KEY_INFO = "audit_key"
# Set on a session that recorded an entry, so the request can wake the sealer after it commits.
PENDING_INFO = "audit_pending"
# How far behind the newest sealed entry the sealer looks for entries whose transaction committed late
# (ids are handed out at insert, commits land in any order). `seal(full=True)` looks at the whole log.
LOOKBACK_IDS = 5000
# The PostgreSQL advisory lock a sealer tries to take: a second sealer finds it taken and leaves the
# work to the first instead of waiting.
_SEALER_LOCK = 0x6175_6469_745F_7365  # "audit_se"


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
    the MAC must be recomputable from what was stored."""
    if isinstance(value, Mapping):
        return {redact(str(key)): mask_changes(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [mask_changes(item) for item in value]
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, date):  # datetimes included
        return value.isoformat()
    return value


def _mac(key: bytes, text: str) -> str:
    return hmac.new(key, text.encode(), hashlib.sha256).hexdigest()


def content_mac(
    key: bytes,
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
    return _mac(key, json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":")))


def _entry_mac(key: bytes, row: Any) -> str:
    return content_mac(
        key, row.at, row.username, row.role, row.area_code, row.action, row.target_type, row.target_id,
        row.changes, staff_id=row.staff_id,
    )  # fmt: skip


def chain_mac(key: bytes, prev_chain_mac: str, seq: int, entry_id: int, entry_mac: str) -> str:
    return _mac(key, f"{prev_chain_mac}|{seq}|{entry_id}|{entry_mac}")


def session_key(session: AsyncSession) -> bytes:
    key = session.info.get(KEY_INFO)
    if not isinstance(key, bytes):
        raise RuntimeError("this database session has no audit key: build it with portal.db.make_sessionmaker")
    return key


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
    """Append an entry in the caller's transaction: it is kept exactly when the action is (inserted as
    the transaction commits), and it waits for no other writer (no chain head is read here)."""
    if at is None:
        at = utcnow()  # datetime's resolution is the microsecond, what both databases keep
    elif at.tzinfo is None:
        raise ValueError("audit timestamps need a timezone")
    at = at.astimezone(UTC)
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
    )
    entry.mac = _entry_mac(session_key(session), entry)
    # Inserted when the transaction commits (portal.db.PortalSession), with nothing else to wait for. The
    # transaction is begun now (no I/O) so that a rollback before any query still drops the entry.
    if not session.in_transaction():
        session.sync_session.begin()
    session.info.setdefault(AUDIT_ENTRIES, []).append(entry)
    session.info[PENDING_INFO] = True
    return entry


async def record_apart(
    sessionmaker: Any,
    actor: Actor,
    action: str,
    target_type: str,
    target_id: str | int,
    changes: dict[str, Any] | None = None,
) -> None:
    """Record in a transaction of its own: for attempts that were refused, whose request rolls back."""
    async with sessionmaker() as session, session.begin():
        await record(session, actor, action, target_type, target_id, changes)


# ---- sealing ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SealReport:
    sealed: int
    head_seq: int
    refused: list[int] = field(default_factory=list)  # entries whose MAC is not the portal's
    skipped: bool = False  # another sealer held the lock


async def _take_sealer_lock(session: AsyncSession) -> bool:
    connection = await session.connection()
    if connection.dialect.name == "postgresql":
        taken = await session.scalar(
            sa.text("SELECT pg_try_advisory_xact_lock(:key)").bindparams(
                sa.bindparam("key", _SEALER_LOCK, sa.BigInteger)
            )
        )
        return bool(taken)
    # SQLite: take the write lock before reading the head, so no other sealer appends in between.
    await connection.exec_driver_sql("BEGIN IMMEDIATE")
    return True


_ENTRY_COLUMNS = (
    AuditEntry.id, AuditEntry.at, AuditEntry.staff_id, AuditEntry.username, AuditEntry.role, AuditEntry.area_code,
    AuditEntry.action, AuditEntry.target_type, AuditEntry.target_id, AuditEntry.changes, AuditEntry.mac,
)  # fmt: skip


async def seal(session: AsyncSession, *, batch: int = 2000, full: bool = False, look_back: bool = True) -> SealReport:
    """Chain every committed, unsealed entry in id order, in a transaction that has written nothing yet: those
    among the LOOKBACK_IDS before the head (the whole log with `full`), or with `look_back=False` only those past
    the highest id sealed (an entry whose commit came late waits for the next run that looks back).

    Safe in any number of processes at once: one sealer works at a time, the others return at once
    (PostgreSQL) or after it (SQLite). The caller commits, then may `write_checkpoint`."""
    key = session_key(session)
    if not await _take_sealer_lock(session):
        return SealReport(sealed=0, head_seq=0, skipped=True)
    head = (
        await session.execute(sa.select(AuditSeal.seq, AuditSeal.entry_id, AuditSeal.chain_mac)
                              .order_by(AuditSeal.seq.desc()).limit(1))
    ).first()  # fmt: skip
    seq, prev, head_entry = (head.seq, head.chain_mac, head.entry_id) if head else (0, GENESIS, 0)
    unsealed = ~sa.exists().where(AuditSeal.entry_id == AuditEntry.id)
    if full:
        conditions = [unsealed]
    elif look_back:
        conditions = [AuditEntry.id > head_entry - LOOKBACK_IDS, unsealed]
    else:
        # Nothing past the highest sealed id is sealed: one read of the seals' index, no probe per entry.
        highest = await session.scalar(sa.select(sa.func.max(AuditSeal.entry_id)))
        conditions = [AuditEntry.id > (highest or 0)]
    sealed, refused = 0, []
    while True:
        rows = (
            await session.execute(sa.select(*_ENTRY_COLUMNS).where(*conditions).order_by(AuditEntry.id).limit(batch))
        ).all()
        seals = []
        for row in rows:
            entry_mac = _entry_mac(key, row)
            if not hmac.compare_digest(row.mac, entry_mac):
                refused.append(row.id)  # written or changed by someone without the key: left for verify to report
                continue
            seq += 1
            prev = chain_mac(key, prev, seq, row.id, entry_mac)
            seals.append({"seq": seq, "entry_id": row.id, "chain_mac": prev, "sealed_at": utcnow()})
        if seals:
            await session.execute(sa.insert(AuditSeal), seals)
            sealed += len(seals)
        if len(rows) < batch:
            break
        conditions = [*conditions, AuditEntry.id > rows[-1].id]
    if refused:
        log.error("audit: %d entries carry a MAC the portal did not write (ids %s)", len(refused), refused[:20])
    return SealReport(sealed=sealed, head_seq=seq, refused=refused)


async def head(session: AsyncSession) -> tuple[int, int, str] | None:
    row = (
        await session.execute(sa.select(AuditSeal.seq, AuditSeal.entry_id, AuditSeal.chain_mac)
                              .order_by(AuditSeal.seq.desc()).limit(1))
    ).first()  # fmt: skip
    return (row.seq, row.entry_id, row.chain_mac) if row else None


def write_checkpoint(path: Path, seq: int, entry_id: int, chain_mac_value: str) -> None:
    """Append the chain's head to the checkpoint file: one short line in one write, so lines from
    several processes never interleave."""
    line = json.dumps(
        {"seq": seq, "entry_id": entry_id, "chain_mac": chain_mac_value, "at": utcnow().isoformat()},
        separators=(",", ":"),
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, (line + "\n").encode())
    finally:
        os.close(fd)


def read_checkpoints(path: Path) -> tuple[dict[int, str], list[int]]:
    """Checkpoints by seq, and the numbers of lines that could not be read."""
    checkpoints: dict[int, str] = {}
    bad: list[int] = []
    if not path.exists():
        return checkpoints, bad
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        try:
            item = json.loads(line)
            checkpoints[int(item["seq"])] = str(item["chain_mac"])
        except (ValueError, KeyError, TypeError):
            bad.append(number)
    return checkpoints, bad


async def seal_and_checkpoint(
    sessionmaker: Any, checkpoint_file: Path, *, full: bool = False, look_back: bool = True
) -> SealReport:
    """One sealing run in its own transaction, then a checkpoint of the new head if anything was sealed."""
    async with sessionmaker() as session:
        report = await seal(session, full=full, look_back=look_back)
        await session.commit()
        if report.sealed:
            current = await head(session)
            if current is not None:
                write_checkpoint(checkpoint_file, *current)
    return report


# ---- verifying --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChainCheck:
    ok: bool
    entries: int  # sealed entries checked; when broken, up to and including the broken one
    first_broken_id: int | None  # the audit entry's id (or, for a missing seal, the seq)
    problem: str | None  # "entry edited" | "entry missing" | "broken link" | "seal forged" | "log truncated" …
    unsealed: int = 0  # entries written but not yet sealed (normal for a few seconds)
    checkpoints: int = 0  # checkpoints compared


async def verify_chain(session: AsyncSession, checkpoint_file: Path | None = None, batch: int = 1000) -> ChainCheck:
    """Walk the chain in seq order: every seal follows the one before, names an entry that exists
    and whose content still has its MAC, and matches every checkpoint taken at its seq; no checkpoint
    lies beyond the head; no unsealed entry carries a MAC the portal did not write."""
    key = session_key(session)
    checkpoints, bad_lines = read_checkpoints(checkpoint_file) if checkpoint_file else ({}, [])

    def broken(problem: str, at_id: int | None, checked: int) -> ChainCheck:
        return ChainCheck(ok=False, entries=checked, first_broken_id=at_id, problem=problem,
                          checkpoints=len(checkpoints))  # fmt: skip

    if bad_lines:
        return broken(f"unreadable checkpoint line {bad_lines[0]}", None, 0)
    expected_seq, prev, checked, compared = 1, GENESIS, 0, 0
    while True:
        rows = (
            await session.execute(
                sa.select(AuditSeal.seq, AuditSeal.entry_id, AuditSeal.chain_mac, *_ENTRY_COLUMNS[1:])
                .select_from(AuditSeal)
                .outerjoin(AuditEntry, AuditEntry.id == AuditSeal.entry_id)
                .where(AuditSeal.seq >= expected_seq)
                .order_by(AuditSeal.seq)
                .limit(batch)
            )
        ).all()
        if not rows:
            break
        for row in rows:
            checked += 1
            if row.seq != expected_seq:
                return broken("broken link", expected_seq, checked)
            if row.at is None:
                return broken("entry missing", row.entry_id, checked)
            entry_mac = _entry_mac(key, row)
            if not hmac.compare_digest(row.mac, entry_mac):
                return broken("entry edited", row.entry_id, checked)
            prev = chain_mac(key, prev, row.seq, row.entry_id, entry_mac)
            if not hmac.compare_digest(prev, row.chain_mac):
                return broken("seal forged", row.entry_id, checked)
            if row.seq in checkpoints:
                if not hmac.compare_digest(checkpoints[row.seq], row.chain_mac):
                    return broken("checkpoint mismatch", row.entry_id, checked)
                compared += 1
            expected_seq += 1
    head_seq = expected_seq - 1
    if checkpoints and max(checkpoints) > head_seq:
        return broken("log truncated", None, checked)

    unsealed_rows = (
        await session.execute(
            sa.select(*_ENTRY_COLUMNS).where(~sa.exists().where(AuditSeal.entry_id == AuditEntry.id))
            .order_by(AuditEntry.id)
        )
    ).all()  # fmt: skip
    for row in unsealed_rows:
        if not hmac.compare_digest(row.mac, _entry_mac(key, row)):
            return broken("entry not written by the portal", row.id, checked)
    return ChainCheck(ok=True, entries=checked, first_broken_id=None, problem=None, unsealed=len(unsealed_rows),
                      checkpoints=compared)  # fmt: skip


# ---- reading ----------------------------------------------------------------------------------
# The log stores codes; the audit search shows them in the reader's language. One wording per code.

ACTIONS: dict[str, object] = {
    "case.view": _l("Opened a case"),
    "case.out_of_scope": _l("Tried to open a case outside their area"),
    "case.compare": _l("Ran the data comparisons"),
    "case.investigate": _l("Recorded a field investigation"),
    "case.decide": _l("Decided an application"),
    "case.end": _l("Ended a registration"),
    "case.reverse_end": _l("Reversed the end of a registration"),
    "case.transfer": _l("Transferred a case to another area"),
    "case.contact": _l("Recorded a contact or service"),
    "queue.view": _l("Opened the queue"),
    "proposals.view": _l("Opened the proposals"),
    "proposal.dismiss": _l("Dismissed a proposal"),
    "audit.search": _l("Searched the audit log"),
    "staff.sign_in": _l("Signed in"),
    "staff.enable_totp": _l("Turned on two-factor sign-in"),
    "staff.create": _l("Created a staff account"),
    "staff.deactivate": _l("Deactivated a staff account"),
    "staff.reactivate": _l("Reactivated a staff account"),
    "staff.set_password": _l("Set a new password for a staff account"),
    "jobs.run_due": _l("Ran the scheduled checks"),
    "policy.edit": _l("Changed a support policy"),
    "policy_applications.view": _l("Opened the policy applications"),
    "policy_application.view": _l("Opened a policy application"),
    "policy_application.decide": _l("Decided a policy application"),
    "service_requests.view": _l("Opened the service requests"),
    "service_request.view": _l("Opened a service request"),
    "service_request.answer": _l("Answered a service request"),
    "service_request.record": _l("Recorded a request taken on 12333"),
    "service_minimum.view": _l("Opened the 12333 minimum list"),
    "service_item.edit": _l("Changed the service list"),
    "service_item.add": _l("Added to the service list"),
    "notice.compose": _l("Composed a public notice"),
    "notice.publish": _l("Published a public notice"),
    "notice.withdraw": _l("Withdrew a public notice"),
    "notice.take_down": _l("Took an entry of a public notice down"),
    "objection.file": _l("Filed an objection"),
    "tracking.compare": _l("Compared the people due a contact with the social-insurance data"),
    "tracking.propose": _l("Proposed an ending from a tracking contact"),
    "objection.view": _l("Opened an objection"),
    "credit.view": _l("Opened a credit case"),
    "objection.assign": _l("Assigned an objection"),
    "objection.investigate": _l("Recorded an objection's investigation"),
    "objection.decide": _l("Decided an objection"),
    "objection.attachment": _l("Opened an objection's attachment"),
    "credit.open": _l("Started a credit case"),
    "credit.decide": _l("Decided a credit case"),
    "credit.repayment": _l("Recorded a repayment"),
    "credit.repair": _l("Ended a credit listing by a repair decision"),
    "credit.listing_expired": _l("A credit listing ended on its date"),
    "credit.export": _l("Exported the credit listings"),
    "ledger.export": _l("Exported the service ledger"),
    "ledger.print": _l("Opened a person's record table"),
    "certification.decide": _l("Decided a certification of employment difficulty"),
    "certification.recheck": _l("Decided a re-check of a certification"),
    "certification.category_edit": _l("Changed a category of employment difficulty"),
    "certification.category_add": _l("Added a category of employment difficulty"),
    "plan.goals": _l("Set a plan's goals"),
    "plan.action_add": _l("Added an action to a plan"),
    "plan.action_done": _l("Marked a plan's action done"),
    "plan.review": _l("Recorded a plan review"),
    "plan.reassign": _l("Handed a plan to another case worker"),
    "plan.close": _l("Closed a plan"),
    "public_welfare.create": _l("Created a public-welfare post"),
    "public_welfare.edit": _l("Changed a public-welfare post"),
    "public_welfare.close": _l("Closed a public-welfare post"),
    "public_welfare.view": _l("Opened a public-welfare post"),
    "public_welfare.place": _l("Placed a person in a public-welfare post"),
    "public_welfare.end_early": _l("Ended a placement early"),
    "vacancy.create": _l("Entered a vacancy"),
    "vacancy.edit": _l("Changed a vacancy"),
    "vacancy.close": _l("Closed a vacancy"),
    "vacancy.import": _l("Imported vacancies"),
    "vacancy.recommend": _l("Recommended a vacancy"),
    "recommendation.follow_up": _l("Recorded a recommendation's result"),
    "training.create": _l("Entered a training programme"),
    "training.edit": _l("Changed a training programme"),
    "training.view": _l("Opened a training programme"),
    "training.tell": _l("Told people about a training programme"),
    "training.complete": _l("Recorded a training completion"),
    "entrepreneurs.view": _l("Opened the list of would-be founders"),
    "entrepreneurship.offer": _l("Recorded an entrepreneurship service"),
    "loans.view": _l("Opened the loan applications"),
    "loan.view": _l("Opened a loan application"),
    "loan.step": _l("Moved a loan application on"),
    "ui_benefit.decide": _l("Decided an unemployment insurance benefit claim"),
    "ui_benefit.stop": _l("Stopped an unemployment insurance benefit"),
    "ui_benefit.restore": _l("Restored an unemployment insurance benefit"),
    "worklist.view": _l("Opened the worklist"),
    "assessment.export": _l("Exported a table of the county assessment"),
    "circular.create": _l("Drafted a circular"),
    "circular.save": _l("Saved a new version of a circular"),
    "circular.publish": _l("Published a circular"),
    "statistics.take": _l("Counted a month's statistics"),
    "keys.rotate": _l("Moved the encrypted data under a new data key"),
    "statistics.people": _l("Opened the people behind a statistic"),
    "consistency.check": _l("Compared the statistical report with the portal"),
    "consistency.explain": _l("Explained a difference from the statistical report"),
}
SYSTEM_ROLE = _l("The portal itself")
PUBLIC_ROLE = _l("A member of the public")
TARGETS: dict[str, object] = {
    "registration": _l("Application"),
    "proposal": _l("Proposal"),
    "proposals": _l("Proposals"),
    "queue": _l("Queue"),
    "staff": _l("Staff account"),
    "audit": _l("Audit log"),
    "jobs": _l("Scheduled checks"),
    "policy": _l("Support policy"),
    "policy_application": _l("Policy application"),
    "policy_applications": _l("Policy applications"),
    "service_request": _l("Service request"),
    "service_requests": _l("Service requests"),
    "service_minimum": _l("12333 minimum"),
    "service_item": _l("Service list"),
    "notice": _l("Public notice"),
    "tracking": _l("Tracking"),
    "ledger": _l("Service ledger"),
    "certification": _l("Certification"),
    "difficulty_category": _l("Category of employment difficulty"),
    "plan": _l("Plan"),
    "public_welfare_post": _l("Public-welfare post"),
    "vacancy": _l("Vacancy"),
    "training_programme": _l("Training programme"),
    "entrepreneurs": _l("Would-be founders"),
    "loan_application": _l("Loan application"),
    "loan_applications": _l("Loan applications"),
    "worklist": _l("Worklist"),
    "statistics": _l("Statistics"),
    "data_key": _l("Data key"),
    "consistency_check": _l("Consistency check"),
    "objection": _l("Objection"),
    "credit_case": _l("Credit case"),
    "credit_listing": _l("Credit listing"),
    "credit_listings": _l("Credit listings"),
    "assessment": _l("County assessment"),
    "circular": _l("Circular"),
}
CHANGE_KEYS: dict[str, object] = {
    "status": _l("Status"),
    "reason": _l("Reason"),
    "commitment": _l("Credit commitment"),
    "outcome": _l("Outcome"),
    "note": _l("Note"),
    "why": _l("Why"),
    "from": _l("From"),
    "to": _l("To"),
    "role": _l("Role"),
    "area": _l("Service area"),
    "page": _l("Page"),
    "username": _l("User name"),
    "action": _l("Action"),
    "totp": _l("Two-factor code"),
    "by": _l("Done with"),
    "path": _l("Address asked for"),
    "end_date": _l("End date"),
    "kind": _l("Kind"),
    "channel": _l("Channel"),
    "result": _l("Contact result"),
    "day": _l("Day"),
    "sources": _l("Sources"),
    "target": _l("Target"),
    "county": _l("Service area"),
    "due": _l("Deadline"),
    "version": _l("Version"),
    "policy": _l("Support policy"),
    "amount": _l("Amount"),
    "changed": _l("What changed"),
    "close": _l("Closed"),
    "recorded_as": _l("Recorded as a service"),
    "registration": _l("Registration"),
}


@dataclass(frozen=True)
class Line:
    """An entry as the audit search shows it."""

    entry: AuditEntry
    action: str
    role: str
    target: str
    changes: list[tuple[str, str]]


def _role_text(role: str) -> str:
    # Imported here: the staff service imports this module for Actor.
    from portal.services.staff import ROLE_LABELS

    if role == "public":
        return str(PUBLIC_ROLE)
    return str(SYSTEM_ROLE if role == SYSTEM.role else ROLE_LABELS.get(role, role))


def _value_text(value: Any) -> str:
    from portal.services.registration import STATUS_LABELS
    from portal.services.staff import ROLE_LABELS

    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return str(_l("Yes") if value else _l("No"))
    if isinstance(value, list) and len(value) == 2 and all(isinstance(v, str | None) for v in value):
        return " → ".join(_value_text(v) for v in value)
    if isinstance(value, list):
        return join_words(_value_text(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    text = str(value)
    return str(STATUS_LABELS.get(text) or ROLE_LABELS.get(text) or text)


def _target_id(target_id: str, names: Mapping[str, str]) -> str:
    if target_id == "-":  # nothing in particular (a search)
        return ""
    if target_id == "city":  # a list for the whole city
        return str(_l("whole city"))
    return names.get(target_id, target_id)


def _domain_words(action: str) -> tuple[dict[str, Mapping[str, object]], Mapping[str, object]]:
    """The wording maps the changes of `action` are written with: by key, for the values; and for keys that are
    themselves codes (a comparison's sources). The same maps the case page and the resident's pages use."""
    # Imported here: these services record audit entries through this module.
    from portal.services import (
        decisions,
        endings,
        policy_applications,
        service_records,
        service_requests,
        verifications,
    )

    by_key: dict[str, Mapping[str, object]] = {
        "kind": service_requests.KIND_LABELS if action.startswith("service_request") else service_records.KIND_LABELS,
        "channel": service_records.CHANNEL_LABELS,
        "result": service_records.RESULT_LABELS,
        "recorded_as": service_records.KIND_LABELS,
        "outcome": verifications.OUTCOME_LABELS,
        "commitment": decisions.COMMITMENT_OUTCOMES,
        "reason": (
            decisions.REJECTION_REASONS
            if action == "case.decide"
            else policy_applications.REJECTION_REASONS
            if action == "policy_application.decide"
            else endings.REASON_LABELS
        ),
    }
    if action == "case.compare":  # source: outcome
        return dict.fromkeys(verifications.SOURCE_LABELS, verifications.OUTCOME_LABELS), verifications.SOURCE_LABELS
    return by_key, {}


def readable(entry: AuditEntry, areas: Mapping[str, str] | None = None) -> Line:
    """What an entry says, in the reader's language; an unknown code is shown as it is. `areas` gives
    service areas their names (a queue viewed, an area filter)."""
    names = areas or {}
    values_by_key, key_words = _domain_words(entry.action)

    def text(key: str, value: Any) -> str:
        if key in ("county", "area", "from", "to") and isinstance(value, str) and value in names:
            return names[value]
        words = values_by_key.get(key)
        if words is not None and isinstance(value, str) and value in words:
            return str(words[value])
        return _value_text(value)

    return Line(
        entry=entry,
        action=str(ACTIONS.get(entry.action, entry.action)),
        role=_role_text(entry.role),
        target=f"{TARGETS.get(entry.target_type, entry.target_type)} {_target_id(entry.target_id, names)}".strip(),
        # An empty value (a filter not used) says nothing: left out.
        changes=[
            (str(key_words.get(key) or CHANGE_KEYS.get(key, key)), text(key, value))
            for key, value in (entry.changes or {}).items()
            if value not in (None, "", [])
        ],
    )


# ---- searching --------------------------------------------------------------------------------


# The columns searched hold at most 40 characters: a longer value is a mistake, said beside its field.
SEARCH_FIELD_MAX = 40


def search_problems(**filters: str) -> dict[str, object]:
    errors: dict[str, object] = {}
    check_lengths(errors, {name: (value, SEARCH_FIELD_MAX) for name, value in filters.items()})
    return errors


@dataclass(frozen=True)
class AuditPage:
    entries: list[AuditEntry]
    total: int
    page: int
    pages: int


async def search(
    session: AsyncSession,
    reader: Actor,
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
    within 1..pages so a stale link still shows entries. Reading the log is itself audited."""
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
    await record(
        session, reader, "audit.search", "audit", "-",
        {"username": username, "action": action, "target": target, "area": area_code, "since": since, "until": until},
    )  # fmt: skip
    return AuditPage(entries=list(entries), total=total, page=win.page, pages=win.pages)


def _local_midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, LOCAL_TZ).astimezone(UTC)


class Sealer:
    """The in-app sealing schedule: a run shortly after every commit that wrote entries (`wake`), and
    one every `every_seconds` anyway, to seal what other processes wrote. A run waits `settle_seconds` after its
    wake-up, so that under load the commits of a moment are sealed in one transaction instead of each in its own
    (which, on SQLite, took the write lock from the requests once per request). A run after a wake-up seals what is
    past the highest sealed id; one run in `look_back_seconds` (and every scheduled one) also looks back for entries
    whose commit came late: at city scale that look-back cost 10 ms of database time, once per staff page."""

    def __init__(
        self, sessionmaker: Any, checkpoint_file: Path, every_seconds: float, settle_seconds: float = 0.25,
        look_back_seconds: float = 5.0,
    ) -> None:  # fmt: skip
        self.sessionmaker = sessionmaker
        self.checkpoint_file = checkpoint_file
        self.every_seconds = every_seconds
        self.settle_seconds = settle_seconds
        self.look_back_seconds = look_back_seconds
        self._looked_back = -math.inf  # monotonic() at the last run that looked back
        self._wake = asyncio.Event()

    def wake(self) -> None:
        self._wake.set()

    async def run(self) -> None:
        while True:
            woken = False
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self.every_seconds)
                woken = True
                await asyncio.sleep(self.settle_seconds)
            self._wake.clear()
            now = monotonic()
            look_back = not woken or now - self._looked_back >= self.look_back_seconds
            try:
                await seal_and_checkpoint(self.sessionmaker, self.checkpoint_file, look_back=look_back)
                if look_back:
                    self._looked_back = now
            except Exception:  # the next run tries again; entries wait unsealed, nothing is lost
                log.exception("audit sealing failed")
