"""Proposals: a resident's report of work, which staff confirm or dismiss."""

from __future__ import annotations

from datetime import date

from portal.models import ProposalState, RegistrationStatus
from portal.services import proposals
from tests.staffing import registered_case


async def test_resident_report_becomes_a_proposal_that_staff_confirm(db, services, scopes) -> None:
    registration = await registered_case(db, services, scopes["reviewer"])
    proposal = await proposals.report_work(
        db, registration.account_id, registration.number, kind="hired", detail="湛江某物流公司",
        started=date.today().isoformat(),
    )  # fmt: skip
    again = await proposals.report_work(
        db, registration.account_id, registration.number, kind="hired", detail="湛江某物流公司（更正）",
        started=date.today().isoformat(),
    )  # fmt: skip
    assert again.id == proposal.id
    assert proposal.reason == "1"
    await db.commit()
    ended = await proposals.confirm(
        db, services.sms, scopes["reviewer"], proposal.id, end_date=date.today().isoformat(), note="工作证明"
    )
    assert ended.status is RegistrationStatus.EMPLOYED
    await db.refresh(proposal)
    assert proposal.state is ProposalState.CONFIRMED
