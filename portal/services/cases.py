"""A case: a registration as staff work on it. Finding it within the staff member's scope, and the optimistic
lock every change to it goes through."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.exc import StaleDataError

from portal.models import Registration
from portal.services import events, fields
from portal.services.errors import Conflict, NotFound, OutOfScope
from portal.services.staff import Scope


@dataclass(frozen=True)
class Lock:
    """What the case form saw: the case's version and its newest event. A change made since then, by
    anyone, turns the action into a conflict that shows what changed."""

    version: int
    seen_event: int

    @classmethod
    def from_form(cls, version: str | None, seen_event: str | None) -> Lock:
        # A missing, damaged or out-of-range number is a stale form: it never matches, and never reaches SQL.
        return cls(_number(version), _number(seen_event))


def _number(raw: str | None) -> int:
    number = fields.db_int(raw)
    return -1 if number is None else number


async def find(session: AsyncSession, scope: Scope, number: str, *, full: bool = False) -> Registration:
    """The case with this number, with its person (and with `full`, its events and commitment), always as
    the database has it now. Another county's case is simply not there for this user: not found, never
    forbidden (but the attempt is audited)."""
    query = (
        select(Registration)
        .where(Registration.number == number)
        .options(selectinload(Registration.person))
        .execution_options(populate_existing=True)
    )
    if full:
        query = query.options(
            selectinload(Registration.events),
            selectinload(Registration.commitment),
            selectinload(Registration.difficulty_rows),
            selectinload(Registration.service_wanted_rows),
        )
    registration = await session.scalar(query)
    if registration is None:
        raise NotFound()
    if not scope.covers(registration.county_code):
        raise OutOfScope(scope.actor, "registration", number)
    return registration


async def check(session: AsyncSession, registration: Registration, lock: Lock) -> None:
    """Refuse a form drawn from an older version of the case, saying what changed since."""
    if registration.version != lock.version:
        raise Conflict(await events.since(session, registration.id, lock.seen_event))


async def save(session: AsyncSession, registration: Registration, lock: Lock) -> None:
    """Write the case's changes. The UPDATE checks the version column, so when another staff member's
    change committed after this one was checked, it matches no row: the loser sees what changed."""
    registration_id = registration.id
    try:
        await session.flush()
    except StaleDataError:
        # Nothing of this action may be kept: roll back before reading what the other change did.
        await session.rollback()
        raise Conflict(await events.since(session, registration_id, lock.seen_event)) from None
