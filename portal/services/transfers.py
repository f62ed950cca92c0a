"""Transferring a registration to another service area when the person moves, with all its history."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from portal.adapters.sms import SmsGateway
from portal.i18n import _l
from portal.models import EventKind, MessageKind, Registration, ServiceArea
from portal.services import audit, cases, events, fields, inbox
from portal.services.cases import Lock
from portal.services.errors import Conflict, InputError, NotAllowed
from portal.services.staff import Scope

AREA_INVALID = _l("Select the new service area, other than the current one")
TRANSFER_NOTE_REQUIRED = _l("Write why the registration is transferred")


async def transfer(
    session: AsyncSession, sms: SmsGateway, scope: Scope, number: str, lock: Lock, *, to_area: str, note: str
) -> Registration:
    """The registration goes to the new county; the new county's staff see it from now on."""
    if not (scope.can_act or scope.is_admin):
        raise NotAllowed()
    registration = await cases.find(session, scope, number)
    await cases.check(session, registration, lock)
    if not registration.is_open:
        raise Conflict()
    errors: dict[str, object] = {}
    if to_area == registration.county_code or await session.get(ServiceArea, to_area) is None:
        errors["to_area"] = AREA_INVALID
    if not note.strip():
        errors["transfer_note"] = TRANSFER_NOTE_REQUIRED
    fields.check_lengths(errors, {"transfer_note": (note.strip(), fields.NOTE_MAX)})
    if errors:
        raise InputError(errors)
    from_area = registration.county_code
    registration.county_code = to_area
    await cases.save(session, registration, lock)
    await events.add(session, registration.id, EventKind.TRANSFERRED, "staff", {"from": from_area, "to": to_area})
    await audit.record(
        session, scope.actor, "case.transfer", "registration", number, {"county": [from_area, to_area], "note": note}
    )
    await inbox.tell(session, sms, registration, MessageKind.TRANSFERRED, {"to": to_area})
    return registration
