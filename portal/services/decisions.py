"""Deciding an application: register or reject, by a reviewer of the case's county, with optimistic locking."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from portal.adapters.sms import SmsGateway
from portal.clock import local_today
from portal.i18n import _l
from portal.models import CommitmentOutcome, CreditSource, EventKind, MessageKind, Registration, RegistrationStatus
from portal.models.base import utcnow
from portal.rules.tracking import FIRST_CONTACT_WORKING_DAYS
from portal.services import audit, cases, credit, events, fields, inbox, ui_benefit, verifications
from portal.services.calendar import deadline_after
from portal.services.cases import Lock
from portal.services.errors import Conflict, InputError, NotAllowed
from portal.services.staff import Scope

OUTCOMES: dict[str, object] = {"register": _l("Register"), "reject": _l("Do not register")}
REJECTION_REASONS: dict[str, object] = {
    "in_work": _l("The records show the applicant is in work"),
    "identity": _l("The identity could not be confirmed"),
    "age": _l("Not of working age"),
    "papers": _l("The missing papers were not provided and could not be checked"),
    "false_information": _l("The information given was not true"),
    "other": _l("Other reason (see the note)"),
}
# Offered only when the applicant declared papers missing (a deferred application with a commitment).
PAPERS_REASON = "papers"
COMMITMENT_OUTCOMES: dict[str, object] = {CommitmentOutcome.KEPT: _l("Kept"), CommitmentOutcome.BROKEN: _l("Broken")}

# One message per field, naming the field by its visible label: two fields never share a message,
# so an error summary never lists the same words twice.
OUTCOME_REQUIRED = _l("Select a decision")
NOT_COMPARED = _l("To register, first run the data comparisons or record a field investigation")
REJECTION_REASON_REQUIRED = _l("Select the reason for not registering")
APPLICANT_NOTE_REQUIRED = _l("Write a note to the applicant saying why")
COMMITMENT_REQUIRED = _l("Select whether the credit commitment was kept")


def rejection_reasons_for(registration: Registration) -> dict[str, object]:
    """The reasons a reviewer may give: "papers not supplied" only if papers were declared missing."""
    if registration.commitment is not None:
        return dict(REJECTION_REASONS)
    return {code: label for code, label in REJECTION_REASONS.items() if code != PAPERS_REASON}


async def decide(
    session: AsyncSession, sms: SmsGateway, scope: Scope, number: str, lock: Lock, *, outcome: str,
    reason: str = "", note: str = "", commitment: str = "", statement_days: int = credit.STATEMENT_DAYS,
) -> Registration:  # fmt: skip
    """Register or reject (reviewers only); a benefit claim made with the application is granted or rejected
    with it."""
    if not scope.can_decide:
        raise NotAllowed()
    registration = await cases.find(session, scope, number, full=True)
    await cases.check(session, registration, lock)
    if not registration.is_awaiting:
        raise Conflict()
    errors: dict[str, object] = {}
    if outcome not in OUTCOMES:
        errors["outcome"] = OUTCOME_REQUIRED
    elif outcome == "register" and not verifications.can_register(
        await verifications.of_registration(session, registration.id)
    ):
        errors["outcome"] = NOT_COMPARED
    if outcome == "reject" and reason not in rejection_reasons_for(registration):
        errors["reason"] = REJECTION_REASON_REQUIRED
    if outcome == "reject" and reason == "other" and not note.strip():
        errors["note"] = APPLICANT_NOTE_REQUIRED
    fields.check_lengths(errors, {"note": (note.strip(), fields.NOTE_MAX)})
    if registration.commitment is not None and commitment not in COMMITMENT_OUTCOMES:
        errors["commitment"] = COMMITMENT_REQUIRED
    if errors:
        raise InputError(errors)
    # §4.2: the first contact within 5 working days. Read before the registration changes: a query now would
    # flush the change outside the optimistic lock's check.
    first_contact = (
        await deadline_after(session, local_today(), FIRST_CONTACT_WORKING_DAYS) if outcome == "register" else None
    )
    before = registration.status.value
    registration.status = RegistrationStatus.REGISTERED if outcome == "register" else RegistrationStatus.REJECTED
    registration.decided_at = utcnow()
    registration.decided_by = scope.staff_id
    registration.rejection_reason = reason if outcome == "reject" else None
    registration.decision_note = note.strip()
    registration.overdue_since = None
    if first_contact is not None:
        registration.first_contact_due = first_contact.deadline
    if registration.commitment is not None:
        registration.commitment.outcome = CommitmentOutcome(commitment)
    await cases.save(session, registration, lock)
    registered = registration.status is RegistrationStatus.REGISTERED
    await events.add(
        session, registration.id, EventKind.REGISTERED if registered else EventKind.REJECTED, "staff",
        {"reason": registration.rejection_reason, "note": registration.decision_note},
    )  # fmt: skip
    await audit.record(
        session, scope.actor, "case.decide", "registration", number,
        {"status": [before, registration.status.value], "reason": registration.rejection_reason,
         "commitment": commitment or None},
    )  # fmt: skip
    # An unemployment insurance benefit claimed with the application is decided with it (§3.2(4)).
    await ui_benefit.decide_with(session, scope, registration)
    await inbox.tell(
        session, sms, registration, MessageKind.REGISTERED if registered else MessageKind.REJECTED,
        {"reason": registration.rejection_reason},
    )  # fmt: skip
    if commitment == CommitmentOutcome.BROKEN:  # §5.3: a broken commitment is a credit matter
        await credit.open_case(session, sms, scope, registration, source=CreditSource.COMMITMENT,
                               facts=credit.BROKEN_COMMITMENT_FACTS, statement_days=statement_days)  # fmt: skip
    return registration
