"""Ending a registration with one of the eleven reasons of §2.1, and reversing a mistaken ending; the
unemployment insurance benefit stops with the registration, and comes back with a reversal."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import case, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from portal.adapters.sms import SmsGateway
from portal.clock import local_today
from portal.i18n import _l
from portal.models import (
    EventKind,
    MessageKind,
    ProposalState,
    Registration,
    RegistrationEvent,
    RegistrationStatus,
    StatusProposal,
)
from portal.models.base import utcnow
from portal.services import audit, cases, events, fields, inbox, ui_benefit
from portal.services.cases import Lock
from portal.services.errors import Conflict, InputError, NotAllowed
from portal.services.staff import Scope


@dataclass(frozen=True)
class EndReason:
    code: str
    label: object
    ends_as: RegistrationStatus
    # Whether the person is told (§2.1: not after emigration, imprisonment, six months unreachable or death).
    notify: bool
    needs_reference: bool = False

    @property
    def message(self) -> MessageKind:
        return MessageKind.ENDED_EMPLOYED if self.ends_as is RegistrationStatus.EMPLOYED else MessageKind.ENDED_EXITED


_EMPLOYED, _EXITED = RegistrationStatus.EMPLOYED, RegistrationStatus.EXITED
# §2.1 of the notice: the eleven reasons (6 has three parts), what they end as, and who is told. Proposals
# (services.proposals) name their reason by these codes too.
END_REASONS = {
    r.code: r
    for r in (
        EndReason("1", _l("1 Hired by an employer"), _EMPLOYED, True),
        EndReason("2", _l("2 Flexible or new-form work, self-employed, or founded a business"), _EMPLOYED, True),
        EndReason("3", _l("3 Stable income at or above the local minimum living standard"), _EMPLOYED, True),
        EndReason("4", _l("4 Receives a basic pension"), _EXITED, True),
        EndReason("5", _l("5 Wholly lost the ability to work"), _EXITED, True),
        EndReason("6a", _l("6a Enrolled in school"), _EXITED, True),
        EndReason("6b", _l("6b Military service"), _EXITED, True),
        EndReason("6c", _l("6c Emigrated"), _EXITED, False),
        EndReason("7", _l("7 Imprisoned"), _EXITED, False),
        EndReason("8", _l("8 Refused public employment services 3 times in a row without good reason"), _EXITED, True),
        EndReason("9", _l("9 Unreachable for 6 months in a row"), _EXITED, False),
        EndReason("10", _l("10 Died"), _EXITED, False),
        EndReason("11", _l("11 Other reason, decided and publicly announced"), _EXITED, True, True),
    )
}
REASON_LABELS: dict[str, object] = {code: r.label for code, r in END_REASONS.items()}

END_REASON_REQUIRED = _l("Select the reason for ending the registration")
END_DATE_INVALID = _l("Enter the date it happened: a real date, not in the future, like 2026-11-20")
END_NOTE_REQUIRED = _l("Write the evidence")
REFERENCE_REQUIRED = _l("Give the reference of the public decision")
REVERSE_WHY_REQUIRED = _l("Write why the ending was a mistake")
ANOTHER_OPEN = _l("This person has another open registration: it must end first")
END_REFERENCE_MAX = 100  # the column's size
UI_BENEFIT = "ui_benefit"  # the ENDED event's record of the benefit stopped


async def end(
    session: AsyncSession, sms: SmsGateway, scope: Scope, number: str, lock: Lock, *, reason: str, end_date: str,
    note: str, reference: str = "", today: date | None = None,
) -> Registration:  # fmt: skip
    """End a registration with one of the eleven reasons of §2.1."""
    if not scope.can_act:
        raise NotAllowed()
    today = today or local_today()
    registration = await cases.find(session, scope, number)
    await cases.check(session, registration, lock)
    if registration.status is not RegistrationStatus.REGISTERED:
        raise Conflict()
    errors: dict[str, object] = {}
    end_reason = END_REASONS.get(reason)
    if end_reason is None:
        errors["end_reason"] = END_REASON_REQUIRED
    day = fields.past_date(end_date, today)
    if day is None:
        errors["end_date"] = END_DATE_INVALID
    if not note.strip():
        errors["end_note"] = END_NOTE_REQUIRED
    if end_reason is not None and end_reason.needs_reference and not reference.strip():
        errors["end_reference"] = REFERENCE_REQUIRED
    fields.check_lengths(
        errors, {"end_note": (note.strip(), fields.NOTE_MAX), "end_reference": (reference.strip(), END_REFERENCE_MAX)}
    )
    if errors:
        raise InputError(errors)
    # Either being None added an error above, and errors have been raised.
    assert end_reason is not None
    assert day is not None
    registration.status = end_reason.ends_as
    registration.end_reason = end_reason.code
    registration.end_date = day
    registration.end_note = note.strip()
    registration.end_reference = reference.strip() or None
    registration.ended_at = utcnow()
    registration.ended_by = scope.staff_id
    await cases.save(session, registration, lock)
    await _settle_proposals(session, scope, registration.id, end_reason.code)
    stopped = await ui_benefit.stop_with_ending(session, scope, registration, day)
    # What the ending did to the benefit is kept with it, for a reversal to undo.
    await events.add(
        session, registration.id, EventKind.ENDED, "staff",
        {"reason": end_reason.code, "date": day.isoformat(), **({UI_BENEFIT: stopped} if stopped else {})},
    )  # fmt: skip
    await audit.record(
        session, scope.actor, "case.end", "registration", number,
        {"status": ["registered", registration.status.value], "reason": end_reason.code,
         "reference": registration.end_reference},
    )  # fmt: skip
    if end_reason.notify:
        await inbox.tell(session, sms, registration, end_reason.message, {"reason": end_reason.code})
    return registration


async def _settle_proposals(session: AsyncSession, scope: Scope, registration_id: int, reason: str) -> None:
    """Once a registration ends, its open proposals are settled: the one acted on is confirmed."""
    # One conditional UPDATE: a proposal dismissed at this same moment by someone else stays dismissed.
    await session.execute(
        update(StatusProposal)
        .where(StatusProposal.registration_id == registration_id, StatusProposal.state == ProposalState.OPEN)
        .values(
            state=case((StatusProposal.reason == reason, ProposalState.CONFIRMED.value),
                       else_=ProposalState.DISMISSED.value),
            decided_by=scope.staff_id,
            decided_at=utcnow(),
        )
        .execution_options(synchronize_session="fetch")
    )  # fmt: skip


async def reverse(
    session: AsyncSession, sms: SmsGateway, scope: Scope, number: str, lock: Lock, *, why: str
) -> Registration:
    """A city administrator undoes a mistaken ending; the registration is open again."""
    if not scope.is_admin:
        raise NotAllowed()
    if not why.strip():
        raise InputError({"why": REVERSE_WHY_REQUIRED})
    if (too_long := fields.too_long(why.strip(), fields.NOTE_MAX)) is not None:
        raise InputError({"why": too_long})
    registration = await cases.find(session, scope, number)
    await cases.check(session, registration, lock)
    if not registration.is_ended:
        raise Conflict()
    before = {"status": registration.status.value, "reason": registration.end_reason}
    registration.status = RegistrationStatus.REGISTERED
    registration.end_reason = registration.end_date = registration.ended_at = registration.ended_by = None
    registration.end_reference = None
    registration.end_note = ""
    try:
        await cases.save(session, registration, lock)
    except IntegrityError:
        await session.rollback()  # nothing of the reversal is kept
        raise InputError({"why": ANOTHER_OPEN}) from None
    ended = await session.scalar(
        select(RegistrationEvent.detail)
        .where(RegistrationEvent.registration_id == registration.id, RegistrationEvent.kind == EventKind.ENDED)
        .order_by(RegistrationEvent.id.desc())
        .limit(1)
    )
    if ended and ended.get(UI_BENEFIT):
        await ui_benefit.restore_with_reversal(session, scope, registration, ended[UI_BENEFIT])
    await events.add(session, registration.id, EventKind.REVERSED, "staff", {"why": why.strip(), **before})
    await audit.record(session, scope.actor, "case.reverse_end", "registration", number, {**before, "why": why.strip()})
    await inbox.tell(session, sms, registration, MessageKind.REVERSED)
    return registration
