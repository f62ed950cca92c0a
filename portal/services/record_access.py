"""Who at the agency opened or acted on a resident's record, read from the audit log: by agency and day, never
by staff name (the audit log keeps names for the bureau; the person sees the agency that answers for them)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from portal.clock import local_date
from portal.i18n import _l
from portal.models import AuditEntry, PolicyApplication, Registration, ServiceRequest
from portal.services import areas, audit

PAGE_SIZE = 30
CITY_BUREAU = _l("Zhanjiang Human Resources and Social Security Bureau (city)")


@dataclass(frozen=True)
class Access:
    """One line: an agency did this on this day, `times` times."""

    day: date
    agency: str
    action: str
    times: int


@dataclass(frozen=True)
class AccessPage:
    lines: list[Access]
    # The id to ask for older entries with (keyset), or None on the last page.
    older_than: int | None


async def of_account(session: AsyncSession, account_id: int, *, older_than: int | None = None) -> AccessPage:
    """The newest first, a page at a time."""
    # The audit targets that are this person's record, by their numbers.
    theirs = [
        ("registration", select(Registration.number).where(Registration.account_id == account_id)),
        ("service_request", select(ServiceRequest.number).where(ServiceRequest.account_id == account_id)),
        ("policy_application", select(PolicyApplication.number).where(PolicyApplication.account_id == account_id)),
    ]
    query = select(AuditEntry).where(
        or_(*(and_(AuditEntry.target_type == kind, AuditEntry.target_id.in_(numbers)) for kind, numbers in theirs))
    )
    if older_than is not None:
        query = query.where(AuditEntry.id < older_than)
    entries = list(await session.scalars(query.order_by(AuditEntry.id.desc()).limit(PAGE_SIZE + 1)))
    more = len(entries) > PAGE_SIZE
    entries = entries[:PAGE_SIZE]
    agencies = {area.code: area.agency for area in await areas.list_areas(session)}
    lines: list[Access] = []
    for entry in entries:
        line = Access(
            local_date(entry.at),
            agencies.get(entry.area_code, entry.area_code) if entry.area_code else str(CITY_BUREAU),
            str(audit.ACTIONS.get(entry.action, entry.action)),
            1,
        )  # fmt: skip
        if lines and (lines[-1].day, lines[-1].agency, lines[-1].action) == (line.day, line.agency, line.action):
            lines[-1] = Access(line.day, line.agency, line.action, lines[-1].times + 1)
        else:
            lines.append(line)
    return AccessPage(lines, entries[-1].id if more else None)
