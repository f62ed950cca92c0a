"""Public notices of benefit recipients (信用承诺公示, §5.2).

A clerk composes a notice from the county's approved grants of one policy and period; the entries are masked
as the reference allows and stored as they will appear. A reviewer other than the composer publishes it for a
number of working days. A notice can be withdrawn whole, or one entry taken down. When its period has closed,
the settling sweep clears each grant for payment, or holds it while an objection is open or was upheld."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import CursorResult, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import StaleDataError

from portal.clock import local_date, local_today
from portal.crypto import Cipher
from portal.i18n import _l
from portal.models import (
    Grant,
    Notice,
    NoticeEntry,
    NoticeStatus,
    Objection,
    ObjectionOutcome,
    ObjectionStatus,
    PaymentStatus,
    Person,
)
from portal.models.base import utcnow
from portal.rules.masking import mask_id, mask_name
from portal.services import audit, fields, paging
from portal.services.calendar import period_from
from portal.services.errors import Conflict, InputError, NotAllowed, NotFound, OutOfScope
from portal.services.staff import Scope

PUBLIC_PAGE_SIZE = 20  # notices in the public list
ENTRIES_PAGE_SIZE = 50  # entries on a notice page: enough to read, too few to harvest in bulk
STAFF_PAGE_SIZE = 25
MAX_WORKING_DAYS = 30
MAX_SPAN_DAYS = 366  # the grants one notice is composed from
MAX_POSITION = 1_000_000  # entries in one notice, far beyond any county's
# Tells the request's session to empty the public notice-page cache after it commits (portal.app).
CHANGED_INFO = "notices_changed"

WITHDRAWAL_CATEGORIES: dict[str, object] = {
    "error": _l("Information in the notice was wrong"),
    "objection": _l("An objection was upheld"),
    "duplicate": _l("Published twice"),
    "other": _l("Another reason"),
}
STATUS_LABELS: dict[str, object] = {
    NoticeStatus.DRAFT: _l("Waiting to be published"),
    NoticeStatus.PUBLISHED: _l("Published"),
    NoticeStatus.WITHDRAWN: _l("Withdrawn"),
}
PAYMENT_LABELS: dict[str, object] = {
    PaymentStatus.AWAITING_NOTICE: _l("Not yet in a notice"),
    PaymentStatus.IN_NOTICE: _l("In a notice"),
    PaymentStatus.CLEARED: _l("Cleared for payment"),
    PaymentStatus.HELD: _l("Held"),
    PaymentStatus.STOPPED: _l("Stopped"),
}

POLICY_REQUIRED = _l("Select a policy")
PERIOD_INVALID = _l("Enter the first and last day the grants were approved, the last not before the first")
PERIOD_TOO_LONG = _l("One notice covers at most a year of grants")
DAYS_INVALID = _l("Enter a number of working days from 1 to 30")
NOTHING_TO_PUBLISH = _l("No approved grant of this policy and period is waiting for a notice.")
CATEGORY_REQUIRED = _l("Select why")
REASON_REQUIRED = _l("Write the reason")
OWN_NOTICE = _l("A notice is published by a reviewer other than the one who composed it.")
NOT_A_DRAFT = _l("This notice is not waiting to be published.")


def is_current(notice: Notice, today: date) -> bool:
    """In its period: objections are taken."""
    return (
        notice.status is NoticeStatus.PUBLISHED
        and notice.starts_on is not None
        and notice.ends_on is not None
        and notice.starts_on <= today <= notice.ends_on
    )


def is_retired(notice: Notice, today: date, retention_days: int) -> bool:
    """Closed longer ago than the retention period: only its summary is shown."""
    return notice.ends_on is not None and today > notice.ends_on + timedelta(days=retention_days)


# ---- composing (a clerk) ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Draft:
    policy_code: str
    granted_from: date
    granted_to: date
    working_days: int


@dataclass(frozen=True)
class PreviewLine:
    masked_name: str
    masked_id: str
    policy_code: str
    amount: Decimal
    county_code: str
    period_from: date
    period_to: date


def check_draft(policy_code: str, granted_from: str, granted_to: str, working_days: str,
                known_policies: Sequence[str]) -> Draft:  # fmt: skip
    errors: dict[str, object] = {}
    if policy_code not in known_policies:
        errors["policy"] = POLICY_REQUIRED
    start, end = fields.parse_date(granted_from), fields.parse_date(granted_to)
    if start is None or end is None or end < start:
        errors["granted_from"] = PERIOD_INVALID
    elif (end - start).days > MAX_SPAN_DAYS:
        errors["granted_from"] = PERIOD_TOO_LONG
    days = fields.db_int(working_days.strip()) if working_days.strip().isdigit() else None
    if days is None or not 1 <= days <= MAX_WORKING_DAYS:
        errors["working_days"] = DAYS_INVALID
    if errors:
        raise InputError(errors)
    assert start is not None
    assert end is not None
    assert days is not None
    return Draft(policy_code, start, end, days)


def _waiting(scope: Scope, draft: Draft) -> Any:
    return (
        Grant.county_code == scope.area_code,
        Grant.policy_code == draft.policy_code,
        Grant.granted_on.between(draft.granted_from, draft.granted_to),
        Grant.notice_id.is_(None),
        Grant.payment_status == PaymentStatus.AWAITING_NOTICE.value,
    )


async def _lines(session: AsyncSession, cipher: Cipher, grants: Sequence[Grant]) -> list[PreviewLine]:
    people = {
        p.id: p for p in await session.scalars(select(Person).where(Person.id.in_({g.person_id for g in grants})))
    }
    return [
        PreviewLine(
            masked_name=mask_name(people[g.person_id].name),
            masked_id=mask_id(cipher.decrypt(people[g.person_id].id_cipher, "id").decode()),
            policy_code=g.policy_code,
            amount=g.amount,
            county_code=g.county_code,
            period_from=g.period_from,
            period_to=g.period_to,
        )
        for g in grants
    ]


async def preview(session: AsyncSession, cipher: Cipher, scope: Scope, draft: Draft, limit: int = 200) -> list[
        PreviewLine]:  # fmt: skip
    """The entries a notice would have, exactly as they would appear."""
    if not scope.can_act or scope.area_code is None:
        raise NotAllowed()
    grants = list(await session.scalars(select(Grant).where(*_waiting(scope, draft)).order_by(Grant.id).limit(limit)))
    return await _lines(session, cipher, grants)


async def compose(session: AsyncSession, cipher: Cipher, scope: Scope, draft: Draft) -> Notice:
    """A draft notice of the county's waiting grants of the policy and period. The grants are claimed by one
    conditional UPDATE: of two clerks composing at once, one gets them and the other is told there is nothing
    left to publish."""
    if not scope.can_act or scope.area_code is None:
        raise NotAllowed()
    now = utcnow()
    notice = Notice(
        number=await _new_number(session, local_date(now)), county_code=scope.area_code,
        policy_code=draft.policy_code, granted_from=draft.granted_from, granted_to=draft.granted_to,
        working_days=draft.working_days, status=NoticeStatus.DRAFT, composed_by=scope.staff_id, composed_at=now,
    )  # fmt: skip
    session.add(notice)
    await session.flush()
    claimed = list(
        await session.scalars(
            update(Grant)
            .where(*_waiting(scope, draft))
            .values(notice_id=notice.id, payment_status=PaymentStatus.IN_NOTICE.value)
            .returning(Grant.id)
            .execution_options(synchronize_session=False)
        )
    )
    if not claimed:
        await session.rollback()
        raise InputError({"policy": NOTHING_TO_PUBLISH})
    grants = list(await session.scalars(select(Grant).where(Grant.id.in_(claimed)).order_by(Grant.id)))
    for position, (grant, line) in enumerate(zip(grants, await _lines(session, cipher, grants), strict=True), 1):
        session.add(NoticeEntry(
            notice_id=notice.id, position=position, grant_id=grant.id, person_id=grant.person_id,
            masked_name=line.masked_name, masked_id=line.masked_id, policy_code=line.policy_code,
            amount=line.amount, county_code=line.county_code, period_from=line.period_from, period_to=line.period_to,
        ))  # fmt: skip
    notice.entry_count = len(grants)
    await session.flush()
    await audit.record(
        session, scope.actor, "notice.compose", "notice", notice.number,
        {"policy": draft.policy_code, "granted": [draft.granted_from.isoformat(), draft.granted_to.isoformat()],
         "entries": len(grants), "working_days": draft.working_days},
    )  # fmt: skip
    return notice


async def _new_number(session: AsyncSession, today: date) -> str:
    while True:
        number = f"GS{today:%Y%m%d}{secrets.randbelow(10_000):04d}"
        if await session.scalar(select(Notice.id).where(Notice.number == number)) is None:
            return number


# ---- publishing, withdrawing, taking down (a reviewer) ----------------------------------------------------------


async def _find(session: AsyncSession, scope: Scope, number: str) -> Notice:
    notice = await session.scalar(select(Notice).where(Notice.number == number[:20]))
    if notice is None:
        raise NotFound()
    if not scope.covers(notice.county_code):
        raise OutOfScope(scope.actor, "notice", number)
    return notice


def _changed(session: AsyncSession) -> None:
    session.info[CHANGED_INFO] = True


async def _flush(session: AsyncSession) -> None:
    try:
        await session.flush()
    except StaleDataError:  # another reviewer's change committed after this one was checked
        await session.rollback()
        raise Conflict() from None


async def publish(session: AsyncSession, scope: Scope, number: str, version: int, today: date | None = None) -> Notice:
    """Publish a draft for its working days, from today; maker-checker: not by the one who composed it."""
    if not scope.can_decide:
        raise NotAllowed()
    notice = await _find(session, scope, number)
    if notice.version != version:
        raise Conflict()
    if notice.status is not NoticeStatus.DRAFT:
        raise InputError({"notice": NOT_A_DRAFT})
    if notice.composed_by == scope.staff_id:
        raise InputError({"notice": OWN_NOTICE}, status_code=403)
    today = today or local_today()
    end = await period_from(session, today, notice.working_days)
    notice.status = NoticeStatus.PUBLISHED
    notice.published_by = scope.staff_id
    notice.published_at = utcnow()
    notice.starts_on = today
    notice.ends_on = end.deadline
    notice.ends_provisional = end.provisional
    await _flush(session)
    await audit.record(
        session, scope.actor, "notice.publish", "notice", number,
        {"status": ["draft", "published"], "starts_on": today.isoformat(), "ends_on": end.deadline.isoformat()},
    )  # fmt: skip
    _changed(session)
    return notice


def _check_reason(category: str, reason: str) -> None:
    errors: dict[str, object] = {}
    if category not in WITHDRAWAL_CATEGORIES:
        errors["category"] = CATEGORY_REQUIRED
    if not reason.strip():
        errors["reason"] = REASON_REQUIRED
    fields.check_lengths(errors, {"reason": (reason.strip(), fields.NOTE_MAX)})
    if errors:
        raise InputError(errors)


async def withdraw(
    session: AsyncSession, scope: Scope, number: str, version: int, category: str, reason: str
) -> Notice:
    """Withdraw a notice whole (a draft not published, or a published one): its grants wait for a new notice."""
    if not scope.can_decide:
        raise NotAllowed()
    notice = await _find(session, scope, number)
    if notice.version != version:
        raise Conflict()
    if notice.status is NoticeStatus.WITHDRAWN or notice.settled_at is not None:
        raise Conflict()
    _check_reason(category, reason)
    before = notice.status.value
    notice.status = NoticeStatus.WITHDRAWN
    notice.withdrawn_at = utcnow()
    notice.withdrawn_by = scope.staff_id
    notice.withdrawal_category = category
    notice.withdrawal_reason = reason.strip()
    await _flush(session)
    # Released, unless an objection or a credit decision holds or stops them.
    await session.execute(
        update(Grant)
        .where(Grant.notice_id == notice.id, Grant.payment_status == PaymentStatus.IN_NOTICE.value)
        .values(notice_id=None, payment_status=PaymentStatus.AWAITING_NOTICE.value)
        .execution_options(synchronize_session=False)
    )
    await audit.record(session, scope.actor, "notice.withdraw", "notice", number,
                       {"status": [before, "withdrawn"], "category": category})  # fmt: skip
    _changed(session)
    return notice


async def take_down(
    session: AsyncSession, scope: Scope, number: str, position: int, category: str, reason: str,
    *, audited: bool = True,
) -> NoticeEntry:  # fmt: skip
    """Take one entry of a published notice down: shown as withdrawn, its grant held."""
    if not scope.can_decide:
        raise NotAllowed()
    notice = await _find(session, scope, number)
    if notice.status is not NoticeStatus.PUBLISHED:
        raise Conflict()
    _check_reason(category, reason)
    entry_id = await session.scalar(
        update(NoticeEntry)
        .where(NoticeEntry.notice_id == notice.id, NoticeEntry.position == position,
               NoticeEntry.taken_down_at.is_(None))
        .values(taken_down_at=utcnow(), taken_down_by=scope.staff_id, takedown_category=category,
                takedown_reason=reason.strip())
        .returning(NoticeEntry.id)
        .execution_options(synchronize_session=False)
    )  # fmt: skip
    if entry_id is None:  # no such entry, or taken down already (perhaps a moment ago)
        raise Conflict()
    entry = await session.get(NoticeEntry, entry_id, populate_existing=True)
    assert entry is not None
    await session.execute(
        update(Grant)
        .where(Grant.id == entry.grant_id, Grant.payment_status.in_([PaymentStatus.IN_NOTICE.value,
                                                                    PaymentStatus.CLEARED.value]))
        .values(payment_status=PaymentStatus.HELD.value)
        .execution_options(synchronize_session=False)
    )  # fmt: skip
    if audited:
        await audit.record(session, scope.actor, "notice.take_down", "notice", number,
                           {"entry": position, "category": category})  # fmt: skip
    _changed(session)
    return entry


# ---- settling when the period closes -------------------------------------------------------------------------


async def settle_entry(session: AsyncSession, entry: NoticeEntry) -> str:
    """Clear the entry's grant for payment unless the entry was taken down or an objection to it is open or
    upheld (wholly or partly); then hold it. Only a grant in its notice or held moves."""
    blocking = await session.scalar(
        select(func.count())
        .select_from(Objection)
        .where(
            Objection.entry_id == entry.id,
            (Objection.status != ObjectionStatus.DECIDED) | (Objection.outcome != ObjectionOutcome.NOT_UPHELD),
        )
    )
    outcome = PaymentStatus.HELD if entry.taken_down_at is not None or blocking else PaymentStatus.CLEARED
    await session.execute(
        update(Grant)
        .where(Grant.id == entry.grant_id,
               Grant.payment_status.in_([PaymentStatus.IN_NOTICE.value, PaymentStatus.HELD.value]))
        .values(payment_status=outcome.value)
        .execution_options(synchronize_session=False)
    )  # fmt: skip
    return outcome.value


async def settle_due(session: AsyncSession, today: date | None = None) -> dict[str, int]:
    """Settle every published notice whose period has closed: idempotent, and safe with two processes (each
    notice is claimed by one conditional UPDATE)."""
    today = today or local_today()
    counts = {"notices": 0, PaymentStatus.CLEARED.value: 0, PaymentStatus.HELD.value: 0}
    due = list(
        await session.scalars(
            select(Notice.id).where(Notice.settled_at.is_(None), Notice.ends_on < today,
                                    Notice.status == NoticeStatus.PUBLISHED)
        )
    )  # fmt: skip
    for notice_id in due:
        claimed = cast(CursorResult[Any], await session.execute(
            update(Notice)
            .where(Notice.id == notice_id, Notice.settled_at.is_(None), Notice.status == NoticeStatus.PUBLISHED)
            .values(settled_at=utcnow(), version=Notice.version + 1)
            .execution_options(synchronize_session=False)
        ))  # fmt: skip
        if not claimed.rowcount:
            continue
        counts["notices"] += 1
        for entry in await session.scalars(select(NoticeEntry).where(NoticeEntry.notice_id == notice_id)):
            counts[await settle_entry(session, entry)] += 1
    return counts


# ---- reading -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NoticeList:
    notices: list[Notice]
    page: int
    pages: int
    total: int


async def public_list(session: AsyncSession, *, county: str = "", policy: str = "", page: int = 1) -> NoticeList:
    """Published notices (withdrawn ones too, marked so), the newest first; drafts never."""
    conditions: list[Any] = [Notice.published_at.is_not(None)]
    if county:
        conditions.append(Notice.county_code == county[:16])
    if policy:
        conditions.append(Notice.policy_code == policy[:8])
    total = await session.scalar(select(func.count()).select_from(Notice).where(*conditions)) or 0
    win = paging.window(total, page, PUBLIC_PAGE_SIZE)
    rows = await session.scalars(
        select(Notice).where(*conditions).order_by(Notice.starts_on.desc(), Notice.id.desc())
        .limit(win.limit).offset(win.offset)
    )  # fmt: skip
    return NoticeList(list(rows), win.page, win.pages, total)


@dataclass(frozen=True)
class NoticePage:
    notice: Notice
    entries: list[NoticeEntry]
    page: int
    pages: int
    current: bool
    retired: bool  # past the retention period: summary only
    withdrawn: bool


async def public_notice(session: AsyncSession, number: str, *, page: int = 1, retention_days: int,
                        today: date | None = None) -> NoticePage:  # fmt: skip
    today = today or local_today()
    notice = await session.scalar(select(Notice).where(Notice.number == number[:20], Notice.published_at.is_not(None)))
    if notice is None:
        raise NotFound()
    retired = is_retired(notice, today, retention_days)
    withdrawn = notice.status is NoticeStatus.WITHDRAWN
    entries: list[NoticeEntry] = []
    win = paging.window(notice.entry_count, page, ENTRIES_PAGE_SIZE)
    if not retired and not withdrawn:
        entries = list(
            await session.scalars(
                select(NoticeEntry).where(NoticeEntry.notice_id == notice.id).order_by(NoticeEntry.position)
                .limit(win.limit).offset(win.offset)
            )
        )  # fmt: skip
    return NoticePage(notice, entries, win.page, win.pages, is_current(notice, today), retired, withdrawn)


async def public_entry(session: AsyncSession, number: str, position: int) -> tuple[Notice, NoticeEntry]:
    """An entry of a published notice, to object to."""
    if not 1 <= position <= MAX_POSITION:  # what the path may hold is not what a column may
        raise NotFound()
    found = (
        await session.execute(
            select(Notice, NoticeEntry)
            .join(NoticeEntry, NoticeEntry.notice_id == Notice.id)
            .where(Notice.number == number[:20], Notice.published_at.is_not(None), NoticeEntry.position == position)
        )
    ).first()
    if found is None:
        raise NotFound()
    return found[0], found[1]


def page_of(position: int) -> int:
    """The page of a notice's entries that holds the entry (the first for none)."""
    return (max(position, 1) - 1) // ENTRIES_PAGE_SIZE + 1


async def staff_list(session: AsyncSession, scope: Scope, *, page: int = 1) -> NoticeList:
    conditions: list[Any] = [] if scope.is_city else [Notice.county_code == scope.area_code]
    total = await session.scalar(select(func.count()).select_from(Notice).where(*conditions)) or 0
    win = paging.window(total, page, STAFF_PAGE_SIZE)
    rows = await session.scalars(
        select(Notice).where(*conditions).order_by(Notice.id.desc()).limit(win.limit).offset(win.offset)
    )
    return NoticeList(list(rows), win.page, win.pages, total)


@dataclass(frozen=True)
class StaffNotice:
    notice: Notice
    entries: list[NoticeEntry]
    page: int
    pages: int
    payments: dict[int, str]  # grant id → payment status
    open_objections: dict[int, int]  # entry id → objections open
    may_publish: bool
    may_withdraw: bool
    current: bool


async def staff_notice(session: AsyncSession, scope: Scope, number: str, *, page: int = 1) -> StaffNotice:
    notice = await _find(session, scope, number)
    win = paging.window(notice.entry_count, page, ENTRIES_PAGE_SIZE)
    entries = list(
        await session.scalars(
            select(NoticeEntry).where(NoticeEntry.notice_id == notice.id).order_by(NoticeEntry.position)
            .limit(win.limit).offset(win.offset)
        )
    )  # fmt: skip
    ids = [e.id for e in entries]
    payments = dict(
        (await session.execute(select(Grant.id, Grant.payment_status).where(
            Grant.id.in_([e.grant_id for e in entries])))).all()
    )  # fmt: skip
    open_objections = dict(
        (await session.execute(
            select(Objection.entry_id, func.count()).where(Objection.entry_id.in_(ids),
                                                           Objection.status != ObjectionStatus.DECIDED)
            .group_by(Objection.entry_id)
        )).all()
    )  # fmt: skip
    draft = notice.status is NoticeStatus.DRAFT
    return StaffNotice(
        notice, entries, win.page, win.pages, payments, open_objections,
        may_publish=draft and scope.can_decide and notice.composed_by != scope.staff_id,
        may_withdraw=scope.can_decide and notice.status is not NoticeStatus.WITHDRAWN and notice.settled_at is None,
        current=is_current(notice, local_today()),
    )  # fmt: skip
