"""Staff case work: the queue, data comparisons, decisions, ending and transferring registrations."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import ColumnElement, case, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.exc import StaleDataError

from portal.adapters.sms import SmsGateway
from portal.adapters.social_insurance import SocialInsurance
from portal.adapters.verification import Sources
from portal.clock import local_today
from portal.crypto import Cipher
from portal.i18n import _l
from portal.models import (
    OPEN_STATUSES,
    CommitmentOutcome,
    ContactResult,
    Person,
    ProposalState,
    Registration,
    RegistrationEvent,
    RegistrationStatus,
    ServiceArea,
    ServiceRecord,
    StatusProposal,
    Verification,
    VerificationOutcome,
    VerificationSource,
)
from portal.models.base import utcnow
from portal.rules.masking import mask_id
from portal.rules.workdays import working_days_between
from portal.services import audit, fields, notify, paging
from portal.services.calendar import overrides_between
from portal.services.errors import DomainError, NotFound, OutOfScope
from portal.services.registration import IDENTITY_CLAIMED
from portal.services.staff import Scope

PAGE_SIZE = 25
AWAITING = (RegistrationStatus.SUBMITTED, RegistrationStatus.DEFERRED)
# The queue's ORDER BY status relies on this.
assert RegistrationStatus.DEFERRED.value < RegistrationStatus.SUBMITTED.value


class NotAllowed(DomainError):
    """The signed-in staff member's role may not do this (their county is already checked)."""


class CaseChanged(DomainError):
    """Optimistic lock: the case changed since the form was shown."""

    def __init__(self, registration: Registration, new_events: list[RegistrationEvent]) -> None:
        super().__init__("case changed")
        self.registration = registration
        self.new_events = new_events


class CaseInputError(DomainError):
    def __init__(self, errors: dict[str, object]) -> None:
        super().__init__("invalid input")
        self.errors = errors


@dataclass(frozen=True)
class EndReason:
    code: str
    label: object
    ends_as: RegistrationStatus
    notify: bool
    needs_reference: bool = False


# §2.1 of the notice: the eleven reasons (6 has three parts), what they end as, and who is told.
END_REASONS = {
    r.code: r
    for r in (
        EndReason("1", _l("1 Hired by an employer"), RegistrationStatus.EMPLOYED, True),
        EndReason(
            "2",
            _l("2 Flexible or new-form work, self-employed, or founded a business"),
            RegistrationStatus.EMPLOYED,
            True,
        ),
        EndReason(
            "3", _l("3 Stable income at or above the local minimum living standard"), RegistrationStatus.EMPLOYED, True
        ),
        EndReason("4", _l("4 Receives a basic pension"), RegistrationStatus.EXITED, True),
        EndReason("5", _l("5 Wholly lost the ability to work"), RegistrationStatus.EXITED, True),
        EndReason("6a", _l("6a Enrolled in school"), RegistrationStatus.EXITED, True),
        EndReason("6b", _l("6b Military service"), RegistrationStatus.EXITED, True),
        EndReason("6c", _l("6c Emigrated"), RegistrationStatus.EXITED, False),
        EndReason("7", _l("7 Imprisoned"), RegistrationStatus.EXITED, False),
        EndReason(
            "8",
            _l("8 Refused public employment services 3 times in a row without good reason"),
            RegistrationStatus.EXITED,
            True,
        ),
        EndReason("9", _l("9 Unreachable for 6 months in a row"), RegistrationStatus.EXITED, False),
        EndReason("10", _l("10 Died"), RegistrationStatus.EXITED, False),
        EndReason("11", _l("11 Other reason, decided and publicly announced"), RegistrationStatus.EXITED, True, True),
    )
}

REJECTION_REASONS = {
    "in_work": _l("The records show the applicant is in work"),
    "identity": _l("The identity could not be confirmed"),
    "age": _l("Not of working age"),
    "papers": _l("The missing papers were not provided and could not be checked"),
    "false_information": _l("The information given was not true"),
    "other": _l("Other reason (see the note)"),
}
# Offered only when the applicant declared papers missing (a deferred application with a commitment).
PAPERS_REASON = "papers"

# One message per field, naming the field by its visible label: two fields never share a message,
# so an error summary never lists the same words twice.
OUTCOME_REQUIRED = _l("Select a decision")
NOT_COMPARED = _l("To register, first run the data comparisons or record a field investigation")
REJECTION_REASON_REQUIRED = _l("Select the reason for not registering")
APPLICANT_NOTE_REQUIRED = _l("Write a note to the applicant saying why")
COMMITMENT_REQUIRED = _l("Select whether the credit commitment was kept")
INVESTIGATION_OUTCOME_REQUIRED = _l("Select what the investigation found")
INVESTIGATION_NOTE_REQUIRED = _l("Write what you found")
END_REASON_REQUIRED = _l("Select the reason for ending the registration")
END_DATE_INVALID = _l("Enter the date it happened: a real date, not in the future, like 2026-11-20")
END_NOTE_REQUIRED = _l("Write the evidence")
REFERENCE_REQUIRED = _l("Give the reference of the public decision")
AREA_INVALID = _l("Select the new service area, other than the current one")
TRANSFER_NOTE_REQUIRED = _l("Write why the registration is transferred")
REVERSE_WHY_REQUIRED = _l("Write why the ending was a mistake")
CONTACT_DAY_INVALID = _l("Enter the date of the contact: a real date, not in the future, like 2026-11-20")
CONTACT_KIND_REQUIRED = _l("Select the service or contact")
CONTACT_CHANNEL_REQUIRED = _l("Select the channel")
CONTACT_RESULT_REQUIRED = _l("Select the result of the contact")
DISMISS_NOTE_REQUIRED = _l("Write why you dismiss the proposal")
ANOTHER_OPEN = _l("This person has another open registration: it must end first")
END_REFERENCE_MAX = 100  # the column's size
FIELD_MESSAGES = {
    "outcome": OUTCOME_REQUIRED,
    "reason": REJECTION_REASON_REQUIRED,
    "note": APPLICANT_NOTE_REQUIRED,
    "commitment": COMMITMENT_REQUIRED,
    "investigation_outcome": INVESTIGATION_OUTCOME_REQUIRED,
    "investigation_note": INVESTIGATION_NOTE_REQUIRED,
    "end_reason": END_REASON_REQUIRED,
    "end_date": END_DATE_INVALID,
    "end_note": END_NOTE_REQUIRED,
    "end_reference": REFERENCE_REQUIRED,
    "to_area": AREA_INVALID,
    "transfer_note": TRANSFER_NOTE_REQUIRED,
    "why": REVERSE_WHY_REQUIRED,
    "contact_day": CONTACT_DAY_INVALID,
    "contact_kind": CONTACT_KIND_REQUIRED,
    "contact_channel": CONTACT_CHANNEL_REQUIRED,
    "contact_result": CONTACT_RESULT_REQUIRED,
}


# ---- the queue ------------------------------------------------------------------------------

_identity_claimed = (
    select(RegistrationEvent.id)
    .where(RegistrationEvent.registration_id == Registration.id, RegistrationEvent.kind == IDENTITY_CLAIMED)
    .exists()
    .label("identity_claimed")
)


@dataclass(frozen=True)
class QueueItem:
    number: str
    name: str
    county_code: str
    status: RegistrationStatus
    deadline: date
    provisional: bool
    working_days_left: int
    overdue: bool
    identity_claimed: bool = False


@dataclass(frozen=True)
class QueuePage:
    items: list[QueueItem]
    total: int
    page: int
    pages: int
    filters: dict[str, str] = field(default_factory=dict)


async def queue(
    session: AsyncSession,
    scope: Scope,
    *,
    status: str = "",
    county: str = "",
    due: str = "",
    page: int = 1,
    today: date | None = None,
) -> QueuePage:
    """Applications awaiting a decision in the user's scope: deferred first, then by deadline."""
    today = today or local_today()
    conditions: list[ColumnElement[bool]] = [Registration.status.in_(AWAITING)]
    if status in {s.value for s in AWAITING}:
        conditions.append(Registration.status == RegistrationStatus(status))
    if not scope.is_city:
        conditions.append(Registration.county_code == scope.area_code)
    elif county:
        conditions.append(Registration.county_code == county)
    await audit.record(
        session, scope.actor, "queue.view", "queue", scope.area_code or "city",
        {"status": status, "county": county, "due": due, "page": page},
    )  # fmt: skip
    if due == "overdue":
        conditions.append(Registration.deadline < today)
    elif due == "week":
        conditions.append(Registration.deadline <= today + timedelta(days=7))
    total = await session.scalar(select(func.count()).select_from(Registration).where(*conditions)) or 0
    win = paging.window(total, page, PAGE_SIZE)
    rows = (
        await session.execute(
            select(Registration, Person.name, _identity_claimed)
            .join(Person, Person.id == Registration.person_id)
            .where(*conditions)
            # "deferred" sorts before "submitted": deferred cases first, and the queue indexes give
            # this order without sorting.
            .order_by(Registration.status, Registration.deadline, Registration.id)
            .limit(win.limit)
            .offset(win.offset)
        )
    ).all()
    latest = max((r.deadline for r, _, _ in rows), default=today)
    # One query for the calendar of the whole page, not one per row.
    overrides = await overrides_between(session, today, max(latest, today))
    items = [
        QueueItem(
            number=r.number,
            name=name,
            county_code=r.county_code,
            status=r.status,
            deadline=r.deadline,
            provisional=r.deadline_provisional,
            working_days_left=working_days_between(today, r.deadline, overrides),
            overdue=r.deadline < today,
            identity_claimed=claimed,
        )
        for r, name, claimed in rows
    ]
    return QueuePage(items, total, win.page, win.pages, {"status": status, "county": county, "due": due})


# ---- one case -------------------------------------------------------------------------------


async def _case(session: AsyncSession, scope: Scope, number: str, *, full: bool = False) -> Registration:
    query = (
        select(Registration)
        .where(Registration.number == number)
        .options(selectinload(Registration.person))
        # Always the database's current state, even if this session saw the case before.
        .execution_options(populate_existing=True)
    )
    if full:
        query = query.options(selectinload(Registration.events), selectinload(Registration.commitment))
    registration = await session.scalar(query)
    # Another county's case is simply not there for this user: 404, never 403 (but the attempt is audited).
    if registration is None:
        raise NotFound()
    if not scope.covers(registration.county_code):
        raise OutOfScope(scope.actor, "registration", number)
    return registration


def can_register(verifications: list[Verification]) -> bool:
    """Registering needs at least one comparison or field investigation that gave an answer;
    a source that was unavailable compared nothing. Rejecting needs none."""
    return any(v.outcome is not VerificationOutcome.UNAVAILABLE for v in verifications)


def rejection_reasons_for(registration: Registration) -> dict[str, object]:
    """The reasons a reviewer may give: "papers not supplied" only if papers were declared missing."""
    if registration.commitment is not None:
        return dict(REJECTION_REASONS)
    return {code: label for code, label in REJECTION_REASONS.items() if code != PAPERS_REASON}


@dataclass
class CaseView:
    registration: Registration
    id_number_masked: str
    verifications: list[Verification]
    proposals: list[StatusProposal]
    areas: list[ServiceArea]
    contacts: list[ServiceRecord]
    can_register: bool
    rejection_reasons: dict[str, object]
    # Another account typed this person's ID number while this registration was open (issue 6, 17).
    identity_claims: list[RegistrationEvent]


async def _verifications(session: AsyncSession, registration_id: int) -> list[Verification]:
    return list(
        await session.scalars(
            select(Verification).where(Verification.registration_id == registration_id).order_by(Verification.id)
        )
    )


async def view_case(session: AsyncSession, cipher: Cipher, scope: Scope, number: str) -> CaseView:
    registration = await _case(session, scope, number, full=True)
    id_number = cipher.decrypt(registration.person.id_cipher, "id").decode()
    verifications = await _verifications(session, registration.id)
    proposals = list(
        await session.scalars(
            select(StatusProposal)
            .where(StatusProposal.registration_id == registration.id)
            .order_by(StatusProposal.id.desc())
        )
    )
    areas = list(await session.scalars(select(ServiceArea).order_by(ServiceArea.sort_order)))
    contacts = await contacts_of(session, registration.id)
    await audit.record(session, scope.actor, "case.view", "registration", registration.number)
    return CaseView(
        registration, mask_id(id_number), verifications, proposals, areas, contacts,
        can_register=can_register(verifications),
        rejection_reasons=rejection_reasons_for(registration),
        identity_claims=[e for e in registration.events if e.kind == IDENTITY_CLAIMED],
    )  # fmt: skip


async def _event(
    session: AsyncSession, registration: Registration, kind: str, actor: str, detail: dict[str, Any] | None = None
) -> None:
    session.add(RegistrationEvent(registration_id=registration.id, kind=kind, actor=actor, detail=detail or {}))
    await session.flush()


async def compare(
    session: AsyncSession,
    cipher: Cipher,
    scope: Scope,
    sources: Sources,
    social_insurance: SocialInsurance,
    number: str,
) -> list[Verification]:
    """Run every data comparison of §5.1 and keep each result."""
    if not scope.can_act:
        raise NotAllowed()
    registration = await _case(session, scope, number)
    id_number = cipher.decrypt(registration.person.id_cipher, "id").decode()
    findings = [
        (VerificationSource.CARD_BASE, await sources.card_base.compare_identity(id_number, registration.person.name)),
        (VerificationSource.LABOUR_FILING, await sources.labour_filings.compare_unemployment(id_number)),
        (VerificationSource.BIG_DATA, await sources.big_data.compare_other(id_number)),
    ]
    record = await social_insurance.employment(id_number)
    insured = (
        VerificationOutcome.MISMATCH if record.active else VerificationOutcome.MATCH,
        {"reason": "active_employment", "employer": record.employer_zh, "employer_en": record.employer_en,
         "since": record.since.isoformat() if record.since else None}
        if record.active
        else {"ended": record.ended_on.isoformat() if record.ended_on else None},
    )  # fmt: skip
    rows = [
        Verification(
            registration_id=registration.id, source=source, outcome=f.outcome, detail=f.detail, staff_id=scope.staff_id
        )
        for source, f in findings
    ]
    rows.insert(
        1,
        Verification(
            registration_id=registration.id,
            source=VerificationSource.SOCIAL_INSURANCE,
            outcome=insured[0],
            detail=insured[1],
            staff_id=scope.staff_id,
        ),
    )
    session.add_all(rows)
    await _event(
        session, registration, "compared", "staff",
        {"mismatches": [r.source.value for r in rows if r.outcome is VerificationOutcome.MISMATCH]},
    )  # fmt: skip
    await audit.record(
        session, scope.actor, "case.compare", "registration", number,
        {r.source.value: r.outcome.value for r in rows},
    )  # fmt: skip
    return rows


async def record_investigation(session: AsyncSession, scope: Scope, number: str, outcome: str, note: str) -> None:
    """A field investigation (实地调查) instead of, or beside, the data comparisons."""
    if not scope.can_act:
        raise NotAllowed()
    errors: dict[str, object] = {}
    if outcome not in (VerificationOutcome.MATCH.value, VerificationOutcome.MISMATCH.value):
        errors["investigation_outcome"] = INVESTIGATION_OUTCOME_REQUIRED
    if not note.strip():
        errors["investigation_note"] = INVESTIGATION_NOTE_REQUIRED
    fields.check_lengths(errors, {"investigation_note": (note.strip(), fields.NOTE_MAX)})
    if errors:
        raise CaseInputError(errors)
    registration = await _case(session, scope, number)
    session.add(
        Verification(
            registration_id=registration.id,
            source=VerificationSource.FIELD_INVESTIGATION,
            outcome=VerificationOutcome(outcome),
            detail={"note": note.strip()},
            staff_id=scope.staff_id,
        )
    )
    await _event(session, registration, "investigated", "staff", {"outcome": outcome})
    await audit.record(session, scope.actor, "case.investigate", "registration", number, {"outcome": outcome})


async def _events_since(session: AsyncSession, registration_id: int, seen_event: int) -> list[RegistrationEvent]:
    return list(
        await session.scalars(
            select(RegistrationEvent)
            .where(RegistrationEvent.registration_id == registration_id, RegistrationEvent.id > seen_event)
            .order_by(RegistrationEvent.id)
        )
    )


async def _check_version(session: AsyncSession, registration: Registration, version: int, seen_event: int) -> None:
    if registration.version != version:
        raise CaseChanged(registration, await _events_since(session, registration.id, seen_event))


async def _save(session: AsyncSession, registration: Registration, seen_event: int) -> None:
    """Write the case's changes. The UPDATE checks the version column, so when another staff member's
    change committed after this one was checked, it matches no row: the loser sees what changed."""
    registration_id = registration.id
    try:
        await session.flush()
    except StaleDataError:
        # Nothing of this action may be kept: roll back before reading what the other change did.
        await session.rollback()
        raise CaseChanged(registration, await _events_since(session, registration_id, seen_event)) from None


async def decide(
    session: AsyncSession,
    sms: SmsGateway,
    scope: Scope,
    number: str,
    *,
    version: int,
    seen_event: int,
    outcome: str,
    reason: str = "",
    note: str = "",
    commitment: str = "",
) -> Registration:
    """Register or reject (reviewers only), with optimistic locking on the case's version."""
    if not scope.can_decide:
        raise NotAllowed()
    registration = await _case(session, scope, number, full=True)
    await _check_version(session, registration, version, seen_event)
    errors: dict[str, object] = {}
    if registration.status not in AWAITING:
        raise CaseChanged(registration, [])
    if outcome not in ("register", "reject"):
        errors["outcome"] = OUTCOME_REQUIRED
    elif outcome == "register" and not can_register(await _verifications(session, registration.id)):
        errors["outcome"] = NOT_COMPARED
    if outcome == "reject" and reason not in rejection_reasons_for(registration):
        errors["reason"] = REJECTION_REASON_REQUIRED
    if outcome == "reject" and reason == "other" and not note.strip():
        errors["note"] = APPLICANT_NOTE_REQUIRED
    fields.check_lengths(errors, {"note": (note.strip(), fields.NOTE_MAX)})
    if registration.commitment is not None and commitment not in {c.value for c in CommitmentOutcome}:
        errors["commitment"] = COMMITMENT_REQUIRED
    if errors:
        raise CaseInputError(errors)
    before = registration.status.value
    registration.status = RegistrationStatus.REGISTERED if outcome == "register" else RegistrationStatus.REJECTED
    registration.decided_at = utcnow()
    registration.decided_by = scope.staff_id
    registration.rejection_reason = reason if outcome == "reject" else None
    registration.decision_note = note.strip()
    registration.overdue_since = None
    if registration.commitment is not None:
        registration.commitment.outcome = CommitmentOutcome(commitment)
    await _save(session, registration, seen_event)
    await _event(
        session, registration, registration.status.value, "staff",
        {"reason": registration.rejection_reason, "note": registration.decision_note},
    )  # fmt: skip
    await audit.record(
        session, scope.actor, "case.decide", "registration", number,
        {"status": [before, registration.status.value], "reason": registration.rejection_reason,
         "commitment": commitment or None},
    )  # fmt: skip
    await notify.tell(session, sms, registration, registration.status.value, {"reason": registration.rejection_reason})
    return registration


def _end_date(raw: str, today: date) -> date | None:
    try:
        day = date.fromisoformat(raw.strip())
    except ValueError:
        return None
    return day if day <= today else None


async def end_registration(
    session: AsyncSession,
    sms: SmsGateway,
    scope: Scope,
    number: str,
    *,
    version: int,
    seen_event: int,
    reason: str,
    end_date: str,
    note: str,
    reference: str = "",
    today: date | None = None,
) -> Registration:
    """End a registration with one of the eleven reasons of §2.1."""
    if not scope.can_act:
        raise NotAllowed()
    today = today or local_today()
    registration = await _case(session, scope, number)
    await _check_version(session, registration, version, seen_event)
    if registration.status is not RegistrationStatus.REGISTERED:
        raise CaseChanged(registration, [])
    errors: dict[str, object] = {}
    end_reason = END_REASONS.get(reason)
    if end_reason is None:
        errors["end_reason"] = END_REASON_REQUIRED
    day = _end_date(end_date, today)
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
        raise CaseInputError(errors)
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
    await _save(session, registration, seen_event)
    await _settle_proposals(session, scope, registration.id, end_reason.code)
    await _event(session, registration, "ended", "staff", {"reason": end_reason.code, "date": day.isoformat()})
    await audit.record(
        session, scope.actor, "case.end", "registration", number,
        {"status": ["registered", registration.status.value], "reason": end_reason.code,
         "reference": registration.end_reference},
    )  # fmt: skip
    if end_reason.notify:
        kind = "ended_employed" if end_reason.ends_as is RegistrationStatus.EMPLOYED else "ended_exited"
        await notify.tell(session, sms, registration, kind, {"reason": end_reason.code})
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


async def reverse_end(
    session: AsyncSession, sms: SmsGateway, scope: Scope, number: str, *, version: int, seen_event: int, why: str
) -> Registration:
    """A city administrator undoes a mistaken ending; the registration is open again."""
    if not scope.is_admin:
        raise NotAllowed()
    if not why.strip():
        raise CaseInputError({"why": REVERSE_WHY_REQUIRED})
    if (too_long := fields.too_long(why.strip(), fields.NOTE_MAX)) is not None:
        raise CaseInputError({"why": too_long})
    registration = await _case(session, scope, number)
    await _check_version(session, registration, version, seen_event)
    if registration.status not in (RegistrationStatus.EMPLOYED, RegistrationStatus.EXITED):
        raise CaseChanged(registration, [])
    before = {"status": registration.status.value, "reason": registration.end_reason}
    registration.status = RegistrationStatus.REGISTERED
    registration.end_reason = registration.end_date = registration.ended_at = registration.ended_by = None
    registration.end_reference = None
    registration.end_note = ""
    try:
        await _save(session, registration, seen_event)
    except IntegrityError:
        raise CaseInputError({"why": ANOTHER_OPEN}) from None
    await _event(session, registration, "reversed", "staff", {"why": why.strip(), **before})
    await audit.record(session, scope.actor, "case.reverse_end", "registration", number, {**before, "why": why.strip()})
    await notify.tell(session, sms, registration, "reversed")
    return registration


async def transfer(
    session: AsyncSession,
    sms: SmsGateway,
    scope: Scope,
    number: str,
    *,
    version: int,
    seen_event: int,
    to_area: str,
    note: str,
) -> Registration:
    """A person who moved: the registration goes to the new county with all its history."""
    if not (scope.can_act or scope.is_admin):
        raise NotAllowed()
    registration = await _case(session, scope, number)
    await _check_version(session, registration, version, seen_event)
    if registration.status not in OPEN_STATUSES:
        raise CaseChanged(registration, [])
    errors: dict[str, object] = {}
    if to_area == registration.county_code or await session.get(ServiceArea, to_area) is None:
        errors["to_area"] = AREA_INVALID
    if not note.strip():
        errors["transfer_note"] = TRANSFER_NOTE_REQUIRED
    fields.check_lengths(errors, {"transfer_note": (note.strip(), fields.NOTE_MAX)})
    if errors:
        raise CaseInputError(errors)
    from_area = registration.county_code
    registration.county_code = to_area
    await _save(session, registration, seen_event)
    await _event(session, registration, "transferred", "staff", {"from": from_area, "to": to_area})
    await audit.record(
        session, scope.actor, "case.transfer", "registration", number, {"county": [from_area, to_area], "note": note}
    )
    await notify.tell(session, sms, registration, "transferred", {"to": to_area})
    return registration


async def area_names(session: AsyncSession) -> dict[str, str]:
    from portal.i18n import localised

    areas = await session.scalars(select(ServiceArea).order_by(ServiceArea.sort_order))
    return {a.code: localised(a.name_zh, a.name_en) for a in areas}


CONTACT_KINDS = {
    "tracking": _l("Monthly tracking contact"),
    "job_recommendation": _l("Job recommendation"),
    "guidance": _l("Career guidance"),
    "training": _l("Training notice"),
    "policy": _l("Policy advice"),
}
CONTACT_CHANNELS = {
    "phone": _l("Phone"),
    "visit": _l("Visit"),
    "sms": _l("Text message"),
    "online": _l("Online"),
    "data": _l("Data comparison"),
}
CONTACT_RESULTS = {
    ContactResult.REACHED.value: _l("Reached, service accepted"),
    ContactResult.NOT_REACHED.value: _l("Not reached"),
    ContactResult.REFUSED_WITH_REASON.value: _l("Refused, with a good reason"),
    ContactResult.REFUSED_WITHOUT_REASON.value: _l("Refused without a good reason"),
}


async def record_contact(
    session: AsyncSession, scope: Scope, number: str, *, day: str, kind: str, channel: str, result: str, note: str,
    today: date | None = None,
) -> ServiceRecord:  # fmt: skip
    """A contact or service given (§4.1), recorded at once; the job reads reasons 8 and 9 from these."""
    if not scope.can_act:
        raise NotAllowed()
    today = today or local_today()
    errors: dict[str, object] = {}
    when = _end_date(day, today)
    if when is None:
        errors["contact_day"] = CONTACT_DAY_INVALID
    if kind not in CONTACT_KINDS:
        errors["contact_kind"] = CONTACT_KIND_REQUIRED
    if channel not in CONTACT_CHANNELS:
        errors["contact_channel"] = CONTACT_CHANNEL_REQUIRED
    if result not in CONTACT_RESULTS:
        errors["contact_result"] = CONTACT_RESULT_REQUIRED
    fields.check_lengths(errors, {"contact_note": (note.strip(), fields.NOTE_MAX)})
    if errors:
        raise CaseInputError(errors)
    assert when is not None
    registration = await _case(session, scope, number)
    if registration.status is not RegistrationStatus.REGISTERED:
        raise CaseChanged(registration, [])
    record = ServiceRecord(
        registration_id=registration.id, day=when, kind=kind, channel=channel, result=ContactResult(result),
        note=note.strip(), staff_id=scope.staff_id,
    )  # fmt: skip
    session.add(record)
    await session.flush()
    await audit.record(
        session, scope.actor, "case.contact", "registration", number,
        {"day": when.isoformat(), "kind": kind, "channel": channel, "result": result},
    )  # fmt: skip
    return record


async def contacts_of(session: AsyncSession, registration_id: int, limit: int = 20) -> list[ServiceRecord]:
    rows = await session.scalars(
        select(ServiceRecord)
        .where(ServiceRecord.registration_id == registration_id)
        .order_by(ServiceRecord.day.desc(), ServiceRecord.id.desc())
        .limit(limit)
    )
    return list(rows)


_DETAIL_LABELS = {
    "name_on_record": _l("Name on record"),
    "name_given": _l("Name given"),
    "reason": _l("Finding"),
    "other_reasons": _l("Also"),
    "employer": _l("Employer"),
    "business": _l("Business"),
    "since": _l("Since"),
    "ended": _l("Insured job ended"),
    "filings": _l("Filings on record"),
    "checked": _l("Looked for"),
    "simulated": _l("Answer from the simulator"),
    "note": _l("Note"),
}
_FINDINGS = {
    "name_differs": _l("the name differs from the card holder's"),
    "no_card_holder": _l("no social security card holder with this ID number"),
    "active_filing": _l("an employer's labour-use filing is open"),
    "active_employment": _l("insured as an employee now"),
    "business_owner": _l("holds a business licence"),
    "pension": _l("receives a basic pension"),
    "deceased": _l("recorded as deceased"),
    "student": _l("enrolled as a student"),
}
# What the big-data platform looked for when it found nothing: the kind of record, never a fact
# about the person ("recorded as deceased" beside "Match" read as if the person had died).
_LOOKED_FOR = {
    "deceased": _l("death records"),
    "pension": _l("basic pension payments"),
    "business_owner": _l("business licences"),
    "student": _l("student enrolment"),
}
NOTHING_FOUND = _l("nothing found")


def describe(detail: dict[str, Any]) -> list[tuple[str, str]]:
    """A comparison's detail in the reader's language: (label, value) pairs."""
    from portal.i18n import current_locale
    from portal.template_helpers import plain

    english = current_locale.get() == "en"
    rows = []
    for key, value in detail.items():
        if key.endswith("_en"):
            continue
        if english and f"{key}_en" in detail and detail[f"{key}_en"]:
            value = detail[f"{key}_en"]
        if key == "checked":
            rows.append((str(_DETAIL_LABELS["reason"]), str(NOTHING_FOUND)))
            if not value:
                continue
            value = [str(_LOOKED_FOR.get(v, v)) for v in value]
        elif key in ("reason", "other_reasons"):
            items = value if isinstance(value, list) else [value]
            value = [str(_FINDINGS.get(v, v)) for v in items]
        rows.append((str(_DETAIL_LABELS.get(key, key)), plain(value)))
    return rows
