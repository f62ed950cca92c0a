"""A registration's timeline: the one way events are added, and the words each kind is shown with, to staff
(the case page, a conflict) and to the resident (their application page)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncSession

from portal.i18n import _, format_date, join_words, punctuation
from portal.models import EventKind, RegistrationEvent
from portal.models.base import utcnow

Detail = Mapping[str, Any]


@dataclass(frozen=True)
class EventWording:
    staff: Callable[[Detail], str]
    # None: not news for the resident (a flag for staff).
    resident: Callable[[Detail], str] | None
    # Shown to staff as a warning.
    warning: bool = False


def _mismatches(detail: Detail) -> str:
    # Imported here: verifications adds events through this module.
    from portal.services import verifications

    text = _("Data compared")
    if detail.get("mismatches"):
        sources = join_words(detail["mismatches"], verifications.SOURCE_LABELS)
        text += punctuation().colon + _("mismatch in %(sources)s", sources=sources)
    return text


# One entry per kind: adding a kind of event touches this map (and the enum) only.
WORDING: dict[EventKind, EventWording] = {
    EventKind.SUBMITTED: EventWording(
        lambda d: _("Applied online"), lambda d: _("You applied online. The application was accepted at once.")
    ),
    EventKind.COMMITMENT_SIGNED: EventWording(
        lambda d: _("Credit commitment signed"),
        lambda d: _("You signed the credit commitment for the missing papers."),
    ),
    EventKind.DEFERRED: EventWording(
        lambda d: _("Deferred, deadline %(date)s", date=format_date(d.get("deadline"))),
        lambda d: _(
            "Handled with papers to follow. The agency finishes by %(date)s.", date=format_date(d.get("deadline"))
        ),
    ),
    EventKind.AWAITING_DECISION: EventWording(
        lambda d: _("Awaiting decision, due %(date)s", date=format_date(d.get("deadline"))),
        lambda d: _("Waiting for the agency's decision, due by %(date)s.", date=format_date(d.get("deadline"))),
    ),
    EventKind.COMPARED: EventWording(
        _mismatches, lambda d: _("The agency compared your information with the official records.")
    ),
    EventKind.INVESTIGATED: EventWording(
        lambda d: _("Field investigation recorded"), lambda d: _("The agency checked your information in person.")
    ),
    EventKind.REGISTERED: EventWording(lambda d: _("Registered"), lambda d: _("You are registered as unemployed.")),
    EventKind.REJECTED: EventWording(
        lambda d: _("Not registered"), lambda d: _("The agency did not register you. See why above.")
    ),
    EventKind.ENDED: EventWording(
        lambda d: _("Registration ended, reason %(reason)s", reason=d.get("reason")),
        lambda d: _("Your registration ended."),
    ),
    EventKind.TRANSFERRED: EventWording(
        lambda d: _("Transferred from %(from)s to %(to)s", **{"from": d.get("from"), "to": d.get("to")}),
        lambda d: _("Your registration moved to another agency."),
    ),
    EventKind.REVERSED: EventWording(lambda d: _("Ending reversed"), lambda d: _("Your registration is open again.")),
    EventKind.IDENTITY_CLAIMED: EventWording(
        lambda d: _("Another portal account typed this person's ID number: possible misuse of an identity"),
        None,
        warning=True,
    ),
    EventKind.RESIDENT_REPORTED: EventWording(
        lambda d: _("The resident reported work (reason %(reason)s)", reason=d.get("reason")),
        lambda d: _("You told the agency you found work."),
    ),
    EventKind.PHONE_CHANGED: EventWording(
        lambda d: _("The resident changed their mobile number (confirmed by a code sent to it)"),
        lambda d: _("You changed your mobile number: texts about your registration go to the new one."),
    ),
}


def for_staff(event: RegistrationEvent) -> str:
    return WORDING[event.kind].staff(event.detail or {})


def is_warning(event: RegistrationEvent) -> bool:
    return WORDING[event.kind].warning


def for_resident(events: Iterable[RegistrationEvent]) -> list[tuple[RegistrationEvent, str]]:
    """The events a resident sees on their application, oldest first, each with its words."""
    shown = []
    for event in events:
        wording = WORDING[event.kind].resident
        if wording is not None:
            shown.append((event, wording(event.detail or {})))
    return shown


def new(
    registration_id: int, kind: EventKind, actor: str, detail: Mapping[str, Any] | None = None, *,
    at: datetime | None = None,
) -> RegistrationEvent:  # fmt: skip
    """An event to add to a registration's timeline; `actor` is "resident", "staff" or "system"."""
    return RegistrationEvent(
        registration_id=registration_id, kind=kind, actor=actor, detail=dict(detail or {}), at=at or utcnow()
    )


async def add(
    session: AsyncSession, registration_id: int, kind: EventKind, actor: str, detail: Mapping[str, Any] | None = None,
    *, at: datetime | None = None,
) -> RegistrationEvent:  # fmt: skip
    event = new(registration_id, kind, actor, detail, at=at)
    session.add(event)
    await session.flush()
    return event


async def add_once(
    session: AsyncSession, registration_id: int, kind: EventKind, actor: str, detail: Mapping[str, Any], *,
    already: ColumnElement[bool],
) -> None:  # fmt: skip
    """Add the event unless the registration has one of this kind for which `already` holds: checked and
    written in one statement (INSERT … SELECT … WHERE NOT EXISTS), so a repeat adds nothing."""
    # A declarative class's __table__ is typed as any FromClause; this one is a plain Table.
    table = cast(sa.Table, RegistrationEvent.__table__)
    exists = (
        select(RegistrationEvent.id)
        .where(RegistrationEvent.registration_id == registration_id, RegistrationEvent.kind == kind, already)
        .exists()
    )
    row = select(
        sa.literal(registration_id, sa.Integer),
        sa.literal(utcnow(), table.c.at.type),
        sa.literal(kind.value, sa.String),
        sa.literal(actor, sa.String),
        sa.literal(dict(detail), table.c.detail.type),
    ).where(~exists)
    await session.execute(sa.insert(table).from_select(["registration_id", "at", "kind", "actor", "detail"], row))


async def since(session: AsyncSession, registration_id: int, seen_event: int) -> list[RegistrationEvent]:
    """The events added after the one a form was drawn with: what changed meanwhile."""
    return list(
        await session.scalars(
            select(RegistrationEvent)
            .where(RegistrationEvent.registration_id == registration_id, RegistrationEvent.id > seen_event)
            .order_by(RegistrationEvent.id)
        )
    )
