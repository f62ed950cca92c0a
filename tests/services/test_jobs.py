"""The scheduled checks (`portal jobs run-due`): proposals for reasons 4, 8 and 9, and the deadline sweep."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select

from portal.adapters.verification import Finding
from portal.models import (
    Registration,
    ServiceChannel,
    ServiceKind,
    ServiceRecord,
    ServiceResult,
    StatusProposal,
    VerificationOutcome,
)
from portal.services import jobs, proposals
from tests.conftest import make_id
from tests.staffing import make_case, registered_case


async def _age(db, registration: Registration, months: int) -> None:
    registration.decided_at = datetime.now(UTC) - timedelta(days=31 * months)
    await db.commit()


# A man born in December 1966 reaches his pension age (60 years 6 months) on 2027-06-15.
NEAR_PENSION = make_id(date(1966, 12, 15), "M")
PENSION_DAY = date(2027, 6, 15)


async def test_job_proposes_reason_4_on_the_day_the_pension_age_is_reached(db, services, scopes) -> None:
    old = await registered_case(db, services, scopes["reviewer"], phone="13300000011", id_number=NEAR_PENSION,
                                name="老李")  # fmt: skip
    before = await jobs.run_due(db, services.cipher, None, PENSION_DAY - timedelta(days=1))
    assert before.proposed["4"] == 0
    on_the_day = await jobs.run_due(db, services.cipher, None, PENSION_DAY)
    assert on_the_day.proposed["4"] == 1
    proposal = await db.scalar(select(StatusProposal).where(StatusProposal.reason == "4"))
    assert (proposal.registration_id, proposal.detail["pension_date"]) == (old.id, "2027-06-15")


class PensionData:
    """A big-data platform that reports one ID number as receiving a basic pension (early retirement)."""

    name = "test"

    def __init__(self, id_number: str) -> None:
        self.id_number = id_number

    async def compare_other(self, id_number: str) -> Finding:
        if id_number == self.id_number:
            return Finding(VerificationOutcome.MISMATCH, {"reason": "pension"})
        return Finding(VerificationOutcome.MATCH, {"checked": []})


async def test_job_proposes_reason_4_from_pension_data(db, services, scopes) -> None:
    early = make_id(date(1971, 5, 5), "M")  # 55: years before his statutory pension age
    await registered_case(db, services, scopes["reviewer"], phone="13300000015", id_number=early, name="早退休")
    report = await jobs.run_due(db, services.cipher, PensionData(early), date.today())
    assert report.proposed["4"] == 1
    assert (await db.scalar(select(StatusProposal))).detail == {"source": "pension_data"}


async def test_job_proposes_reasons_8_and_9_and_flags_overdue_cases(db, services, scopes) -> None:
    today = date.today()
    refuser = await registered_case(db, services, scopes["reviewer"], phone="13300000012",
                                    id_number=make_id(date(1991, 2, 2), "M"), name="王五")  # fmt: skip
    for n in range(3):
        db.add(ServiceRecord(registration_id=refuser.id, day=today - timedelta(days=n),
                             kind=ServiceKind.JOB_RECOMMENDATION, channel=ServiceChannel.PHONE,
                             result=ServiceResult.REFUSED_WITHOUT_REASON))  # fmt: skip
    silent = await registered_case(db, services, scopes["reviewer"], phone="13300000013",
                                   id_number=make_id(date(1992, 2, 2), "M"), name="赵六")  # fmt: skip
    await _age(db, silent, 7)
    db.add(ServiceRecord(registration_id=silent.id, day=today - timedelta(days=200), kind=ServiceKind.TRACKING,
                         channel=ServiceChannel.PHONE, result=ServiceResult.REACHED))  # fmt: skip
    deferred = await make_case(db, services, phone="13300000014", id_number=make_id(date(1993, 2, 2), "M"),
                               missing=["id_card"], name="钱七")  # fmt: skip
    deferred.deadline = today - timedelta(days=1)
    await db.commit()

    report = await jobs.run_due(db, services.cipher, services.sources.big_data, today)
    await db.commit()
    assert report.proposed == {"4": 0, "8": 1, "9": 1}
    assert report.overdue_flagged == 1
    reasons = {(p.registration_id, p.reason) for p in await db.scalars(select(StatusProposal))}
    assert reasons == {(refuser.id, "8"), (silent.id, "9")}

    again = await jobs.run_due(db, services.cipher, services.sources.big_data, today)
    assert again.proposed == {"4": 0, "8": 0, "9": 0}
    assert again.overdue_flagged == 0


async def test_two_job_runs_at_once_propose_nothing_twice(db, services, scopes) -> None:
    await registered_case(db, services, scopes["reviewer"], phone="13300000021", id_number=NEAR_PENSION, name="老张")

    async def run() -> jobs.JobReport:
        async with services.sessionmaker() as session:
            report = await jobs.run_due(session, services.cipher, None, PENSION_DAY)
            await session.commit()
            return report

    if services.settings.database_url.startswith("sqlite"):
        # SQLite takes one writer at a time: the second run waits for the first and finds it done.
        reports = [await run(), await run()]
    else:
        reports = await asyncio.gather(run(), run())
    assert sorted(r.proposed["4"] for r in reports) == [0, 1]
    assert await db.scalar(select(func.count()).where(StatusProposal.reason == "4")) == 1


async def test_a_dismissed_proposal_is_not_proposed_again_at_once(db, services, scopes) -> None:
    old = await registered_case(db, services, scopes["reviewer"], phone="13300000031", id_number=NEAR_PENSION,
                                name="老周")  # fmt: skip
    await jobs.run_due(db, services.cipher, None, PENSION_DAY)
    proposal = await db.scalar(select(StatusProposal).where(StatusProposal.registration_id == old.id))
    await db.commit()
    await proposals.dismiss(db, scopes["reviewer"], proposal.id, note="pension not yet paid")
    await db.commit()
    report = await jobs.run_due(db, services.cipher, None, PENSION_DAY)
    assert report.proposed["4"] == 0
