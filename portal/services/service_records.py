"""Service records (§4.1): each contact or service given to a registered person, recorded at once; the
scheduled checks read reasons 8 and 9 from them."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from portal.clock import local_today
from portal.i18n import _l
from portal.models import Registration, RegistrationStatus, ServiceChannel, ServiceKind, ServiceRecord, ServiceResult
from portal.services import audit, cases, fields, service_minimum
from portal.services.errors import Conflict, InputError, NotAllowed
from portal.services.staff import Scope

KIND_LABELS: dict[str, object] = {
    ServiceKind.TRACKING: _l("Monthly tracking contact"),
    ServiceKind.JOB_RECOMMENDATION: _l("Job recommendation"),
    ServiceKind.GUIDANCE: _l("Career guidance"),
    ServiceKind.TRAINING: _l("Training notice"),
    ServiceKind.POLICY: _l("Policy advice"),
}
CHANNEL_LABELS: dict[str, object] = {
    ServiceChannel.PHONE: _l("Phone"),
    ServiceChannel.VISIT: _l("Visit"),
    ServiceChannel.SMS: _l("Text message"),
    ServiceChannel.ONLINE: _l("Online"),
    ServiceChannel.DATA: _l("Data comparison"),
}
RESULT_LABELS: dict[str, object] = {
    ServiceResult.REACHED: _l("Reached, service accepted"),
    ServiceResult.NOT_REACHED: _l("Not reached"),
    ServiceResult.REFUSED_WITH_REASON: _l("Refused, with a good reason"),
    ServiceResult.REFUSED_WITHOUT_REASON: _l("Refused without a good reason"),
}
DAY_INVALID = _l("Enter the date of the contact: a real date, not in the future, like 2026-11-20")
KIND_REQUIRED = _l("Select the service or contact")
CHANNEL_REQUIRED = _l("Select the channel")
RESULT_REQUIRED = _l("Select the result of the contact")
# The newest records the case page shows.
SHOWN = 20


async def record(
    session: AsyncSession, scope: Scope, number: str, *, day: str, kind: str, channel: str, result: str, note: str,
    today: date | None = None,
) -> ServiceRecord:  # fmt: skip
    """A contact or service given, recorded at once (§4.1)."""
    if not scope.can_act:
        raise NotAllowed()
    today = today or local_today()
    errors: dict[str, object] = {}
    when = fields.past_date(day, today)
    if when is None:
        errors["service_day"] = DAY_INVALID
    if kind not in KIND_LABELS:
        errors["service_kind"] = KIND_REQUIRED
    if channel not in CHANNEL_LABELS:
        errors["service_channel"] = CHANNEL_REQUIRED
    if result not in RESULT_LABELS:
        errors["service_result"] = RESULT_REQUIRED
    fields.check_lengths(errors, {"service_note": (note.strip(), fields.NOTE_MAX)})
    if errors:
        raise InputError(errors)
    assert when is not None
    registration = await cases.find(session, scope, number)
    if registration.status is not RegistrationStatus.REGISTERED:
        raise Conflict()
    service_record = await add(
        session, registration.id, when, ServiceKind(kind), ServiceChannel(channel), ServiceResult(result),
        note.strip(), scope.staff_id,
    )  # fmt: skip
    await audit.record(
        session, scope.actor, "case.contact", "registration", number,
        {"day": when.isoformat(), "kind": kind, "channel": channel, "result": result},
    )  # fmt: skip
    return service_record


async def add(
    session: AsyncSession, registration_id: int, day: date, kind: ServiceKind, channel: ServiceChannel,
    result: ServiceResult, note: str, staff_id: int | None,
) -> ServiceRecord:  # fmt: skip
    """The one way a service record is written (the case form, an answered service request)."""
    service_record = ServiceRecord(
        registration_id=registration_id, day=day, kind=kind, channel=channel, result=result, note=note,
        staff_id=staff_id,
    )  # fmt: skip
    session.add(service_record)
    await session.flush()
    await service_minimum.tally(session, registration_id, kind, result)
    if kind is ServiceKind.TRACKING and result is not ServiceResult.NOT_REACHED:
        # The tracking list reads the latest contact from the registration; two contacts recorded at once
        # leave the later day, whichever commits first.
        await session.execute(
            update(Registration)
            .where(Registration.id == registration_id,
                   (Registration.last_contact_on.is_(None)) | (Registration.last_contact_on < day))
            .values(last_contact_on=day)
            .execution_options(synchronize_session=False)
        )  # fmt: skip
    return service_record


async def of_registration(session: AsyncSession, registration_id: int, limit: int = SHOWN) -> list[ServiceRecord]:
    """The newest first."""
    rows = await session.scalars(
        select(ServiceRecord)
        .where(ServiceRecord.registration_id == registration_id)
        .order_by(ServiceRecord.day.desc(), ServiceRecord.id.desc())
        .limit(limit)
    )
    return list(rows)
