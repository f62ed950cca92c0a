"""Proposals over HTTP: a registered resident reports work on their application page; a clerk of the county
confirms it from the proposals page (ending the registration), or dismisses one with a reason."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from portal.models import (
    ProposalState,
    Registration,
    RegistrationStatus,
    StatusProposal,
)
from tests.conftest import post_form
from tests.staffing import registered_over_http, sign_in_staff


async def test_a_resident_reports_work_and_a_clerk_confirms_it(app, client, services, db, named_staff) -> None:
    import httpx

    number = await registered_over_http(client, services, db, "13800000091")
    page = f"/account/applications/{number}"
    report = {"kind": "hired", "detail": "湛江某物流公司", "started": date.today().isoformat()}
    reported = await post_form(client, f"{page}/report-work", report, page=page)
    assert reported.status_code == 303
    assert reported.headers["location"] == f"{page}?reported=1"

    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50003))
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8000") as clerk:
        await sign_in_staff(clerk, "xiashan_clerk")
        listed = await clerk.get("/staff/proposals")
        assert number in listed.text
        proposal = await db.scalar(select(StatusProposal))
        confirmed = await post_form(
            clerk, f"/staff/proposals/{proposal.id}/confirm",
            {"end_date": date.today().isoformat(), "note": "劳动合同"}, page="/staff/proposals",
        )  # fmt: skip
        assert confirmed.headers["location"] == "/staff/proposals?done=confirm"
        assert "已确认" in (await clerk.get(confirmed.headers["location"])).text
    await db.refresh(proposal)
    assert proposal.state is ProposalState.CONFIRMED
    registration = await db.scalar(select(Registration).where(Registration.number == number))
    await db.refresh(registration)
    assert registration.status is RegistrationStatus.EMPLOYED


async def test_a_dismissal_needs_a_reason_said_beside_that_proposals_field(
    app, client, services, db, named_staff
) -> None:
    number = await registered_over_http(client, services, db, "13800000091")
    await post_form(
        client, f"/account/applications/{number}/report-work",
        {"kind": "income", "detail": "每月3000元", "started": date.today().isoformat()},
        page=f"/account/applications/{number}",
    )  # fmt: skip
    proposal = await db.scalar(select(StatusProposal))
    await sign_in_staff(client, "xiashan_clerk")
    refused = await post_form(client, f"/staff/proposals/{proposal.id}/dismiss", {"note": " "}, page="/staff/proposals")
    assert refused.status_code == 200
    assert f'href="#{proposal.id}-note"' in refused.text
    dismissed = await post_form(
        client, f"/staff/proposals/{proposal.id}/dismiss", {"note": "收入不稳定"}, page="/staff/proposals"
    )
    assert dismissed.headers["location"] == "/staff/proposals?done=dismiss"
    await db.refresh(proposal)
    assert proposal.state is ProposalState.DISMISSED
