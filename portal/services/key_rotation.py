"""Data key rotation: every encrypted value moved under the current data key, in short batches, while the portal
runs.

Each batch is its own transaction, and each value is written back only where it is still the one that was read
(a conditional UPDATE): a value the portal wrote in the meantime is already under the current key and is kept.
A run can stop anywhere; the next one takes what is left; each run that ends is audited. The keyed hashes of
look-ups are not touched: their key does not rotate (see portal.crypto.lookup_key_of)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

import sqlalchemy as sa
from cryptography.exceptions import InvalidTag
from sqlalchemy.engine import CursorResult
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from portal.crypto import Cipher
from portal.models import Base, Objection, Person, RegistrationDraft, StaffUser
from portal.services import audit
from portal.services.registration import DRAFT_PURPOSE
from portal.services.staff_sign_in import TOTP_PURPOSE


def column_of(model: type[Base], name: str) -> sa.Column[Any]:
    table = model.__table__
    assert isinstance(table, sa.Table)
    column: sa.Column[Any] = table.c[name]
    return column


# Every encrypted column, with the purpose its values are bound to. tests/test_keys_rotate.py checks that no
# LargeBinary column of the models is missing here: a value left out would be lost with the old key.
ENCRYPTED: tuple[tuple[sa.Column[Any], str], ...] = (
    (column_of(Person, "id_cipher"), "id"),
    (column_of(RegistrationDraft, "data_cipher"), DRAFT_PURPOSE),
    (column_of(StaffUser, "totp_cipher"), TOTP_PURPOSE),
    (column_of(Objection, "objector_name_cipher"), "objector"),
    (column_of(Objection, "objector_phone_cipher"), "objector"),
)
BATCH = 500


@dataclass
class ColumnReport:
    column: str  # table.column
    moved: int = 0
    # Rows the portal wrote between this run's read and its update: the portal's value is kept.
    changed_meanwhile: int = 0
    unreadable: list[int] = field(default_factory=list)  # ids of rows no key of the ring reads
    left: int = 0  # values not under the current key when the run ended


def not_current(column: sa.Column[Any], cipher: Cipher) -> sa.ColumnElement[bool]:
    """Values of `column` not written under the current key (NULL is nothing to move)."""
    prefix = cipher.prefix
    return sa.and_(column.is_not(None), sa.func.substr(column, 1, len(prefix)) != sa.literal(prefix, sa.LargeBinary()))


async def pending(
    session: AsyncSession, cipher: Cipher, column: sa.Column[Any], *, after: int = 0, limit: int = BATCH
) -> list[tuple[int, bytes]]:
    """The next values to move, by id after `after`."""
    pk = column.table.c.id
    rows = await session.execute(
        sa.select(pk, column).where(pk > after, not_current(column, cipher)).order_by(pk).limit(limit)
    )
    return [(row_id, bytes(value)) for row_id, value in rows]


async def move(
    session: AsyncSession, cipher: Cipher, column: sa.Column[Any], purpose: str, rows: Sequence[tuple[int, bytes]],
    report: ColumnReport,
) -> None:  # fmt: skip
    """Write each value again under the current key, where the row still holds the value that was read."""
    table = column.table
    values: dict[str, Any] = {}
    if "updated_at" in table.c:  # the same value under another key is no change to the record
        values["updated_at"] = table.c.updated_at
    for row_id, blob in rows:
        try:
            fresh = cipher.encrypt(cipher.decrypt(blob, purpose), purpose)
        except InvalidTag:
            report.unreadable.append(row_id)
            continue
        done = cast(
            CursorResult[Any],
            await session.execute(
                sa.update(table).where(table.c.id == row_id, column == blob).values({column.name: fresh, **values})
            ),
        )
        if done.rowcount:
            report.moved += 1
        else:
            report.changed_meanwhile += 1


async def rotate(
    sessionmaker: async_sessionmaker[AsyncSession], cipher: Cipher, *, batch: int = BATCH,
    after_batch: Callable[[ColumnReport], Awaitable[None]] | None = None,
) -> list[ColumnReport]:  # fmt: skip
    """Move every encrypted value under `cipher`'s current key; one report per column."""
    reports = []
    for column, purpose in ENCRYPTED:
        report = ColumnReport(f"{column.table.name}.{column.name}")
        after = 0
        while True:
            async with sessionmaker() as session, session.begin():
                rows = await pending(session, cipher, column, after=after, limit=batch)
                await move(session, cipher, column, purpose, rows, report)
            if after_batch is not None:
                await after_batch(report)
            if len(rows) < batch:
                break
            after = rows[-1][0]
        async with sessionmaker() as session:
            report.left = (
                await session.scalar(
                    sa.select(sa.func.count()).select_from(column.table).where(not_current(column, cipher))
                )
                or 0
            )
        reports.append(report)
    # One entry a run, under the key the values were moved to: what was moved, and what is still left (row ids and
    # counts only, never a value).
    async with sessionmaker() as session, session.begin():
        await audit.record(session, audit.SYSTEM, "keys.rotate", "data_key", cipher.key_id.hex(), {
            r.column: {"moved": r.moved, "changed_meanwhile": r.changed_meanwhile, "unreadable": r.unreadable,
                       "left": r.left} for r in reports
        })  # fmt: skip
    return reports
