"""Proposed ends of registrations: reported by the resident ("I found work", §4.1) or made by the scheduled
checks (reasons 4, 8 and 9); staff confirm one, which ends the registration, or dismiss it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, func, literal, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from portal.adapters.sms import SmsGateway
from portal.clock import local_today
from portal.i18n import _l
from portal.models import (
    EventKind,
    Person,
    ProposalSource,
    ProposalState,
    Registration,
    RegistrationEvent,
    RegistrationStatus,
    StatusProposal,
)
from portal.models.base import utcnow
from portal.services import audit, endings, events, fields, paging
from portal.services.cases import Lock
from portal.services.errors import InputError, NotAllowed, NotFound, OutOfScope
from portal.services.staff import Scope

# A dismissed reason is not proposed again by the checks for this long.
QUIET_AFTER_DISMISSAL = timedelta(days=30)

PAGE_SIZE = 25
# What a resident may report (§4.1), and the reason of §2.1 each one proposes.
RESIDENT_REPORTS = {
    "hired": ("1", _l("I have been hired by an employer")),
    "self_employed": ("2", _l("I work flexibly, am self-employed or started a business")),
    "income": ("3", _l("I have a stable income")),
}
REPORT_LABELS: dict[str, object] = {kind: label for kind, (_reason, label) in RESIDENT_REPORTS.items()}
SOURCE_LABELS: dict[str, object] = {
    ProposalSource.RESIDENT: _l("from the resident"),
    ProposalSource.JOB: _l("from the daily checks"),
    ProposalSource.TRACKING: _l("from a tracking contact"),
    ProposalSource.RECOMMENDATION: _l("from a recommended vacancy's follow-up"),
    ProposalSource.PLACEMENT: _l("from a public-welfare post placement"),
}
STATE_LABELS: dict[str, object] = {
    ProposalState.OPEN: _l("open"),
    ProposalState.CONFIRMED: _l("confirmed"),
    ProposalState.DISMISSED: _l("dismissed"),
}
REPORT_REQUIRED = _l("Select what has changed")
DETAIL_REQUIRED = _l("Tell us the employer, the business or the income")
DATE_REQUIRED = _l("Enter the date it started, like 2026-11-20")
DISMISS_NOTE_REQUIRED = _l("Write why you dismiss the proposal")
DETAIL_MAX = 200


@dataclass(frozen=True)
class ProposalRow:
    proposal: StatusProposal
    number: str
    name: str
    county_code: str


@dataclass(frozen=True)
class ProposalPage:
    rows: list[ProposalRow]
    total: int
    page: int
    pages: int


async def propose(
    session: AsyncSession, registration_id: int, reason: str, detail: dict[str, object],
    source: ProposalSource = ProposalSource.JOB,
) -> bool:  # fmt: skip
    """Insert an open proposal unless one exists (or the same reason was dismissed lately); True when this call
    created it. One INSERT … ON CONFLICT DO NOTHING on the open-proposal index: safe with two processes."""
    recently_dismissed = await session.scalar(
        select(func.count()).where(
            StatusProposal.registration_id == registration_id,
            StatusProposal.reason == reason,
            StatusProposal.state == ProposalState.DISMISSED,
            StatusProposal.decided_at >= utcnow() - QUIET_AFTER_DISMISSAL,
        )
    )
    if recently_dismissed:
        return False
    dialect = (await session.connection()).dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        insert(StatusProposal)
        .values(
            registration_id=registration_id,
            reason=reason,
            source=source.value,
            detail=detail,
            state=ProposalState.OPEN.value,
            created_at=utcnow(),
        )
        .on_conflict_do_nothing(
            # A literal, not a bound parameter: PostgreSQL matches the partial index while planning, and once a
            # pooled connection's prepared statement turns to a generic plan it no longer knows the value.
            index_elements=["registration_id", "reason"],
            index_where=StatusProposal.state == literal(ProposalState.OPEN.value, literal_execute=True),
        )
    )
    # An INSERT answers with a CursorResult (which has rowcount); execute() is typed for any statement.
    result = cast(CursorResult[Any], await session.execute(statement))
    return result.rowcount == 1


async def open_proposals(session: AsyncSession, scope: Scope, page: int = 1) -> ProposalPage:
    """The open proposals on registered people in the staff member's scope, oldest first."""
    conditions = [StatusProposal.state == ProposalState.OPEN, Registration.status == RegistrationStatus.REGISTERED]
    if not scope.is_city:
        conditions.append(Registration.county_code == scope.area_code)
    base = (
        select(StatusProposal, Registration.number, Person.name, Registration.county_code)
        .join(Registration, Registration.id == StatusProposal.registration_id)
        .join(Person, Person.id == Registration.person_id)
        .where(*conditions)
    )
    total = await session.scalar(select(func.count()).select_from(base.subquery())) or 0
    win = paging.window(total, page, PAGE_SIZE)
    rows = (
        await session.execute(
            base.order_by(StatusProposal.created_at, StatusProposal.id).limit(win.limit).offset(win.offset)
        )
    ).all()
    await audit.record(
        session, scope.actor, "proposals.view", "proposals", scope.area_code or "city", {"page": win.page}
    )
    return ProposalPage([ProposalRow(p, n, name, c) for p, n, name, c in rows], total, win.page, win.pages)


async def of_registration(session: AsyncSession, registration_id: int) -> list[StatusProposal]:
    """Every proposal on one registration, the newest first."""
    return list(
        await session.scalars(
            select(StatusProposal)
            .where(StatusProposal.registration_id == registration_id)
            .order_by(StatusProposal.id.desc())
        )
    )


async def _open_proposal(session: AsyncSession, scope: Scope, proposal_id: int) -> tuple[StatusProposal, Registration]:
    # A number beyond the database's integers names no proposal: ask for none rather than fail.
    proposal = await session.get(StatusProposal, proposal_id) if fields.db_int(proposal_id) is not None else None
    if proposal is None or proposal.state is not ProposalState.OPEN:
        raise NotFound()
    registration = await session.get(Registration, proposal.registration_id)
    if registration is None:
        raise NotFound()
    if not scope.covers(registration.county_code):
        raise OutOfScope(scope.actor, "proposal", str(proposal_id))
    return proposal, registration


async def confirm(
    session: AsyncSession, sms: SmsGateway, scope: Scope, proposal_id: int, *, end_date: str, note: str
) -> Registration:
    """Staff confirm: the registration ends with the proposed reason (and the proposal is settled)."""
    if not scope.can_act:
        raise NotAllowed()
    proposal, registration = await _open_proposal(session, scope, proposal_id)
    last_event = await session.scalar(
        select(func.max(RegistrationEvent.id)).where(RegistrationEvent.registration_id == registration.id)
    )
    return await endings.end(
        session, sms, scope, registration.number, Lock(registration.version, last_event or 0),
        reason=proposal.reason, end_date=end_date, note=note,
    )  # fmt: skip


async def dismiss(session: AsyncSession, scope: Scope, proposal_id: int, *, note: str) -> None:
    if not scope.can_act:
        raise NotAllowed()
    if not note.strip():
        raise InputError({"note": DISMISS_NOTE_REQUIRED})
    if (too_long := fields.too_long(note.strip(), fields.NOTE_MAX)) is not None:
        raise InputError({"note": too_long})
    proposal, registration = await _open_proposal(session, scope, proposal_id)
    # Dismissed only if still open when the UPDATE runs: of two staff settling it at once, one does.
    settled = await session.scalar(
        update(StatusProposal)
        .where(StatusProposal.id == proposal.id, StatusProposal.state == ProposalState.OPEN)
        .values(state=ProposalState.DISMISSED, decided_by=scope.staff_id, decided_at=utcnow(),
                detail={**proposal.detail, "dismissed_because": note.strip()})
        .returning(StatusProposal.id)
        .execution_options(synchronize_session="fetch")
    )  # fmt: skip
    if settled is None:
        raise NotFound()
    await audit.record(
        session, scope.actor, "proposal.dismiss", "registration", registration.number,
        {"reason": proposal.reason, "note": note.strip()},
    )  # fmt: skip


async def report_work(
    session: AsyncSession, account_id: int, number: str, *, kind: str, detail: str, started: str,
    today: date | None = None,
) -> StatusProposal:  # fmt: skip
    """A registered resident reports work (§4.1): a proposal for reason 1, 2 or 3 that staff confirm."""
    today = today or local_today()
    registration = await session.scalar(
        select(Registration).where(Registration.number == number, Registration.account_id == account_id)
    )
    if registration is None or registration.status is not RegistrationStatus.REGISTERED:
        raise NotFound()
    errors: dict[str, object] = {}
    if kind not in RESIDENT_REPORTS:
        errors["kind"] = REPORT_REQUIRED
    if not detail.strip():
        errors["detail"] = DETAIL_REQUIRED
    fields.check_lengths(errors, {"detail": (detail.strip(), DETAIL_MAX)})
    if fields.past_date(started, today) is None:
        errors["started"] = DATE_REQUIRED
    if errors:
        raise InputError(errors)
    reason = RESIDENT_REPORTS[kind][0]
    data = {"kind": kind, "detail": detail.strip(), "started": started.strip()}
    open_proposal = select(StatusProposal).where(
        StatusProposal.registration_id == registration.id,
        StatusProposal.reason == reason,
        StatusProposal.state == ProposalState.OPEN,
    )
    proposal = await session.scalar(open_proposal)
    if proposal is None:
        proposal = StatusProposal(registration_id=registration.id, reason=reason, source=ProposalSource.RESIDENT,
                                  detail=data)  # fmt: skip
        try:
            async with session.begin_nested():  # the unique index on open proposals decides a double report
                session.add(proposal)
        except IntegrityError:  # reported twice at once: the other request's proposal stands, with these details
            proposal = await session.scalar(open_proposal)
            if proposal is None:
                raise
            proposal.detail = data
    else:  # reported again: keep one proposal with the newest details
        proposal.detail = data
    await events.add(session, registration.id, EventKind.RESIDENT_REPORTED, "resident", {"reason": reason})
    return proposal
