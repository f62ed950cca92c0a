"""Scheduled work (`portal jobs run-due`): proposals for reasons 4, 8 and 9, and the deadline sweep.

Idempotent and safe to run from several processes at once: proposals are inserted with
ON CONFLICT DO NOTHING against the unique index on open proposals, and the sweep only fills an
empty column."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, and_, case, exists, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from portal import metrics
from portal.adapters.verification import BigDataPlatform
from portal.clock import LOCAL_TZ, local_today
from portal.crypto import Cipher
from portal.models import (
    Person,
    Registration,
    RegistrationStatus,
    ServiceRecord,
    ServiceResult,
)
from portal.rules.pension import PensionCategory, pension_date
from portal.rules.policies import months_before
from portal.services import assessment, audit, credit, notices, proposals, public_welfare_posts, statistics

# After a dismissal, the same reason is not proposed again for this long.
UNREACHABLE_MONTHS = 6
REFUSALS_IN_A_ROW = 3
# Nobody younger than this reaches any pension age, so older people only are checked.
YOUNGEST_PENSION_AGE_YEARS = 50


@dataclass
class JobReport:
    proposed: dict[str, int] = field(default_factory=lambda: {"4": 0, "8": 0, "9": 0})
    overdue_flagged: int = 0
    # Notices whose period closed, and their grants cleared for payment or held (§5.2).
    notices_settled: dict[str, int] = field(default_factory=dict)
    listings_ended: int = 0
    # Public-welfare post placements: told their term ends within 30 days, and completed at the term's end.
    placements_alerted: int = 0
    placements_completed: int = 0
    # Months whose statistics were made final (taken once the month was over).
    statistics_final: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        report: dict[str, object] = {
            "proposed": self.proposed,
            "overdue_flagged": self.overdue_flagged,
            "notices_settled": self.notices_settled,
            "listings_ended": self.listings_ended,
        }
        # Only when there were any: the report's shape stays what earlier readers of it know.
        if self.placements_alerted or self.placements_completed:
            report |= {"placements_alerted": self.placements_alerted, "placements_completed": self.placements_completed}
        if self.statistics_final:
            report["statistics_final"] = self.statistics_final
        return report


async def _pension_candidates(
    session: AsyncSession, cipher: Cipher, big_data: BigDataPlatform | None, today: date
) -> list[tuple[int, dict[str, object]]]:
    oldest_birth = date(today.year - YOUNGEST_PENSION_AGE_YEARS, today.month, min(today.day, 28))
    rows = (
        await session.execute(
            select(Registration.id, Registration.pension_category, Person.birth_date, Person.id_cipher)
            .join(Person, Person.id == Registration.person_id)
            .where(Registration.status == RegistrationStatus.REGISTERED, Person.birth_date <= oldest_birth)
        )
    ).all()
    found: list[tuple[int, dict[str, object]]] = []
    for registration_id, category, birth, id_cipher in rows:
        reached = pension_date(birth, PensionCategory(category))
        if reached <= today:
            found.append((registration_id, {"pension_date": reached.isoformat(), "source": "age"}))
        elif big_data is not None:
            finding = await big_data.compare_other(cipher.decrypt(id_cipher, "id").decode())
            if finding.detail.get("reason") == "pension":
                found.append((registration_id, {"source": "pension_data"}))
    return found


async def _refusal_candidates(session: AsyncSession) -> list[int]:
    """Registered people whose last three service records are all refusals without good reason."""
    ranked = (
        select(
            ServiceRecord.registration_id,
            ServiceRecord.result,
            func.row_number()
            .over(
                partition_by=ServiceRecord.registration_id,
                order_by=(ServiceRecord.day.desc(), ServiceRecord.id.desc()),
            )
            .label("rank"),
        )
        .join(Registration, Registration.id == ServiceRecord.registration_id)
        .where(Registration.status == RegistrationStatus.REGISTERED)
        .subquery()
    )
    refused = case((ranked.c.result == ServiceResult.REFUSED_WITHOUT_REASON.value, 1), else_=0)
    rows = await session.scalars(
        select(ranked.c.registration_id)
        .where(ranked.c.rank <= REFUSALS_IN_A_ROW)
        .group_by(ranked.c.registration_id)
        .having(and_(func.count() == REFUSALS_IN_A_ROW, func.sum(refused) == REFUSALS_IN_A_ROW))
    )
    return list(rows)


async def _unreachable_candidates(session: AsyncSession, today: date) -> list[int]:
    """Registered for six months or more, with no successful contact in the last six months."""
    cutoff = months_before(today, UNREACHABLE_MONTHS)
    reached = exists().where(
        ServiceRecord.registration_id == Registration.id,
        ServiceRecord.result != ServiceResult.NOT_REACHED,
        ServiceRecord.day > cutoff,
    )
    rows = await session.scalars(
        select(Registration.id).where(
            Registration.status == RegistrationStatus.REGISTERED,
            Registration.decided_at < datetime.combine(cutoff + timedelta(days=1), time(), tzinfo=LOCAL_TZ),
            ~reached,
        )
    )
    return list(rows)


async def _flag_overdue(session: AsyncSession, today: date) -> int:
    """Deferred cases past their deadline: marked once, on the first run after it."""
    sweep = (
        update(Registration)
        .where(
            Registration.status == RegistrationStatus.DEFERRED,
            Registration.deadline < today,
            Registration.overdue_since.is_(None),
        )
        .values(overdue_since=today)
        .execution_options(synchronize_session=False)
    )
    swept = cast(CursorResult[Any], await session.execute(sweep))
    return swept.rowcount or 0


async def run_due(
    session: AsyncSession, cipher: Cipher, big_data: BigDataPlatform | None = None, today: date | None = None
) -> JobReport:
    """Every step is counted and timed in /metrics as job `run_due.<step>`, so a slow or failing one is named."""
    today = today or local_today()
    report = JobReport()
    with metrics.job_run("run_due.proposals"):
        for registration_id, detail in await _pension_candidates(session, cipher, big_data, today):
            report.proposed["4"] += await proposals.propose(session, registration_id, "4", detail)
        for registration_id in await _refusal_candidates(session):
            refusals: dict[str, object] = {"refusals": REFUSALS_IN_A_ROW}
            report.proposed["8"] += await proposals.propose(session, registration_id, "8", refusals)
        for registration_id in await _unreachable_candidates(session, today):
            months: dict[str, object] = {"months": UNREACHABLE_MONTHS}
            report.proposed["9"] += await proposals.propose(session, registration_id, "9", months)
    with metrics.job_run("run_due.overdue"):
        report.overdue_flagged = await _flag_overdue(session, today)
    with metrics.job_run("run_due.notices"):
        settled = await notices.settle_due(session, today)
    report.notices_settled = settled if settled["notices"] else {}
    with metrics.job_run("run_due.credit_listings"):
        report.listings_ended = await credit.end_expired(session, today)
    with metrics.job_run("run_due.placements"):
        report.placements_completed = await public_welfare_posts.complete_due(session, today)
        report.placements_alerted = await public_welfare_posts.alert_ending(session, today)
    # The county assessment's figures for this month and the last (late records still move the last month's).
    with metrics.job_run("run_due.assessment"):
        await assessment.compute(session, [assessment.previous_month(today), today], today)
    with metrics.job_run("run_due.statistics"):
        report.statistics_final = await statistics.take_due(session, today)
    if (any(report.proposed.values()) or report.overdue_flagged or report.notices_settled
            or report.placements_completed or report.placements_alerted or report.statistics_final):  # fmt: skip
        await audit.record(session, audit.SYSTEM, "jobs.run_due", "jobs", today.isoformat(), report.as_dict())
    return report
