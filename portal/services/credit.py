"""Credit cases (信用承诺惩戒, §5.3), with due process: the person is told the facts and has working days to
state their side; a reviewer decides (support stopped, an amount to recover, a listing on the credit-sharing
list, or no action), with reasons and the way to appeal; repayments are recorded as they come in. A listing
blocks new support until its day, or until a repair decision (信用修复)."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import secrets
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, cast

from sqlalchemy import CursorResult, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import StaleDataError

from portal.adapters.sms import SmsGateway
from portal.clock import local_date, local_today
from portal.crypto import Cipher
from portal.i18n import _l, format_date
from portal.models import (
    CreditCase,
    CreditCaseStatus,
    CreditListing,
    CreditRepayment,
    CreditSource,
    Grant,
    MessageKind,
    PaymentStatus,
    Person,
    Registration,
)
from portal.models.base import utcnow
from portal.rules.masking import mask_id, mask_name
from portal.services import audit, fields, inbox, paging
from portal.services.calendar import deadline_after
from portal.services.errors import Conflict, InputError, NotAllowed, NotFound, OutOfScope
from portal.services.staff import Scope

FACTS_MAX = 2000
STATEMENT_DAYS = 5  # the default of the CREDIT_STATEMENT_DAYS setting
PAGE_SIZE = 25
AMOUNT_MAX = Decimal("1000000")
MAX_LISTING_YEARS = 5
EXPORT_FORMAT = "zhanjiang-credit-listings/1"
EXPORT_FIELDS = ("listing_id", "case_number", "name_masked", "id_masked", "id_sha256", "county_code",
                 "listed_on", "until", "ended_on", "end_reason", "reason")  # fmt: skip

SOURCE_LABELS: dict[str, object] = {
    CreditSource.OBJECTION: _l("An objection to a public notice was upheld"),
    CreditSource.COMMITMENT: _l("A credit commitment was broken"),
    CreditSource.FINDING: _l("Staff found support obtained by fraud"),
}
STATUS_LABELS: dict[str, object] = {
    CreditCaseStatus.AWAITING_STATEMENT: _l("Waiting for the person's side"),
    CreditCaseStatus.DECIDED: _l("Decided"),
}
END_LABELS: dict[str, object] = {"expired": _l("Ended on its date"), "repaired": _l("Ended by a repair decision")}
# Told with every decision: 行政复议法 (60 days) and 行政诉讼法 (6 months).
APPEAL = _l(
    "If you disagree with this decision, you may apply for administrative reconsideration to the Zhanjiang "
    "Municipal People's Government within 60 days of learning of it, or bring an administrative lawsuit to a "
    "people's court within 6 months."
)

FACTS_REQUIRED = _l("Write the facts the person will be told")
SOURCE_REQUIRED = _l("Select where the case comes from")
BROKEN_COMMITMENT_FACTS = (
    "申请时书面承诺的材料未在承诺期限内补齐，经数据比对或调查核实，承诺未履行。"
    " (The papers promised in the written commitment were not provided in time and the checks did not confirm "
    "what was declared.)"
)
REGISTRATION_REQUIRED = _l("Enter the number of a registration of your area, like ZJ20261130123456")
STATEMENT_REQUIRED = _l("Write your side of the facts")
STATEMENT_CLOSED = _l("The time to state your side has passed, or the case is decided.")
REASONS_REQUIRED = _l("Write the reasons for the decision")
AMOUNT_INVALID = _l("Enter an amount in yuan, like 1500.00")
UNTIL_INVALID = _l("Enter the last day of the listing: after today, at most 5 years ahead")
REPAYMENT_INVALID = _l("Enter the amount repaid, no more than what is still owed")
PAID_ON_INVALID = _l("Enter the day it was paid, not in the future")
NOTHING_TO_RECOVER = _l("This case has no amount to recover.")
NOTE_REQUIRED = _l("Write why the listing is repaired")
SINCE_REQUIRED = _l("Enter a day, like 2026-01-01")


async def _new_number(session: AsyncSession, today: date) -> str:
    while True:
        number = f"XY{today:%Y%m%d}{secrets.randbelow(1_000_000):06d}"
        if await session.scalar(select(CreditCase.id).where(CreditCase.number == number)) is None:
            return number


async def open_case(
    session: AsyncSession, sms: SmsGateway, scope: Scope | None, registration: Registration, *,
    source: CreditSource, facts: str, statement_days: int, objection_id: int | None = None,
) -> CreditCase:  # fmt: skip
    """Open a case and tell the person the facts and the day until which they may state their side. One case per
    upheld objection (a unique index decides a double post)."""
    if objection_id is not None:
        existing = await session.scalar(select(CreditCase).where(CreditCase.objection_id == objection_id))
        if existing is not None:
            return existing
    now = utcnow()
    due = await deadline_after(session, local_date(now), statement_days)
    case = CreditCase(
        number=await _new_number(session, local_date(now)), person_id=registration.person_id,
        registration_id=registration.id, county_code=registration.county_code, source=source,
        objection_id=objection_id, facts=facts.strip()[:FACTS_MAX], opened_by=scope.staff_id if scope else None,
        opened_at=now, status=CreditCaseStatus.AWAITING_STATEMENT, statement_due=due.deadline,
    )  # fmt: skip
    session.add(case)
    await session.flush()
    await audit.record(session, scope.actor if scope else audit.SYSTEM, "credit.open", "credit_case", case.number,
                       {"source": source.value, "registration": registration.number})  # fmt: skip
    await inbox.tell(session, sms, registration, MessageKind.CREDIT_OPENED, {"case": case.number})
    return case


async def open_by_staff(
    session: AsyncSession, sms: SmsGateway, scope: Scope, *, registration_number: str, source: str, facts: str,
    statement_days: int,
) -> CreditCase:  # fmt: skip
    """A case opened by staff: a broken commitment, or a finding of fraud."""
    if not scope.can_act:
        raise NotAllowed()
    errors: dict[str, object] = {}
    if source not in (CreditSource.COMMITMENT, CreditSource.FINDING):
        errors["source"] = SOURCE_REQUIRED
    if not facts.strip():
        errors["facts"] = FACTS_REQUIRED
    fields.check_lengths(errors, {"facts": (facts.strip(), FACTS_MAX)})
    registration = await session.scalar(
        select(Registration).where(Registration.number == registration_number.strip().upper()[:20])
    )
    if registration is None or not scope.covers(registration.county_code):
        errors["registration_number"] = REGISTRATION_REQUIRED
    if errors:
        raise InputError(errors)
    assert registration is not None
    return await open_case(session, sms, scope, registration, source=CreditSource(source), facts=facts,
                           statement_days=statement_days)  # fmt: skip


async def case_number_for_objection(session: AsyncSession, objection_id: int) -> str | None:
    return await session.scalar(select(CreditCase.number).where(CreditCase.objection_id == objection_id))


# ---- the person -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Mine:
    cases: list[CreditCase]
    listings: list[CreditListing]
    repayments: dict[int, list[CreditRepayment]]
    today: date

    def may_state(self, case: CreditCase) -> bool:
        """The person may (re)write their side until the due day, while the case is undecided."""
        return case.status is CreditCaseStatus.AWAITING_STATEMENT and case.statement_due >= self.today

    def blocks(self, listing: CreditListing) -> bool:
        """The listing blocks new support today."""
        return listing.ended_on is None and (listing.until is None or listing.until >= self.today)


async def of_account(session: AsyncSession, account_id: int) -> Mine:
    people = select(Registration.person_id).where(Registration.account_id == account_id)
    cases = list(await session.scalars(
        select(CreditCase).where(CreditCase.person_id.in_(people)).order_by(CreditCase.id.desc()).limit(50)
    ))  # fmt: skip
    listings = list(await session.scalars(
        select(CreditListing).where(CreditListing.person_id.in_(people)).order_by(CreditListing.id.desc()).limit(50)
    ))  # fmt: skip
    return Mine(cases, listings, await _repayments(session, [c.id for c in cases]), local_today())


async def _repayments(session: AsyncSession, case_ids: list[int]) -> dict[int, list[CreditRepayment]]:
    by_case: dict[int, list[CreditRepayment]] = {}
    for row in await session.scalars(
        select(CreditRepayment).where(CreditRepayment.case_id.in_(case_ids)).order_by(CreditRepayment.id)
    ):
        by_case.setdefault(row.case_id, []).append(row)
    return by_case


async def state_side(session: AsyncSession, account_id: int, number: str, text: str) -> CreditCase:
    """The person's statement, until the due day and before the decision; one statement, which may be
    rewritten until then."""
    people = select(Registration.person_id).where(Registration.account_id == account_id)
    case = await session.scalar(
        select(CreditCase).where(CreditCase.number == number[:20], CreditCase.person_id.in_(people))
    )
    if case is None:
        raise NotFound()
    errors: dict[str, object] = {} if text.strip() else {"statement": STATEMENT_REQUIRED}
    fields.check_lengths(errors, {"statement": (text.strip(), FACTS_MAX)})
    if errors:
        raise InputError(errors)
    stated = await session.scalar(
        update(CreditCase)
        .where(CreditCase.id == case.id, CreditCase.status == CreditCaseStatus.AWAITING_STATEMENT,
               CreditCase.statement_due >= local_today())
        .values(statement=text.strip(), statement_at=utcnow(), version=CreditCase.version + 1)
        .returning(CreditCase.id)
        .execution_options(synchronize_session=False)
    )  # fmt: skip
    if stated is None:
        raise InputError({"statement": STATEMENT_CLOSED}, status_code=409)
    return case


# ---- staff ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CasePage:
    cases: list[CreditCase]
    page: int
    pages: int
    total: int
    ready: frozenset[int]  # ids of cases a reviewer may decide now (the person answered, or their time is up)


async def staff_list(session: AsyncSession, scope: Scope, *, page: int = 1) -> CasePage:
    conditions: list[Any] = [] if scope.is_city else [CreditCase.county_code == scope.area_code]
    total = await session.scalar(select(func.count()).select_from(CreditCase).where(*conditions)) or 0
    win = paging.window(total, page, PAGE_SIZE)
    rows = list(
        await session.scalars(
            select(CreditCase).where(*conditions).order_by(CreditCase.id.desc()).limit(win.limit).offset(win.offset)
        )
    )
    today = local_today()
    ready = frozenset(
        c.id for c in rows
        if c.status is CreditCaseStatus.AWAITING_STATEMENT and (c.statement_at is not None or today > c.statement_due)
    )  # fmt: skip
    return CasePage(rows, win.page, win.pages, total, ready)


async def _find(session: AsyncSession, scope: Scope, number: str) -> CreditCase:
    case = await session.scalar(select(CreditCase).where(CreditCase.number == number[:20]))
    if case is None:
        raise NotFound()
    if not scope.covers(case.county_code):
        raise OutOfScope(scope.actor, "credit_case", number)
    return case


@dataclass(frozen=True)
class StaffCase:
    case: CreditCase
    registration_number: str
    person_name: str
    listing: CreditListing | None
    repayments: list[CreditRepayment]
    today: date

    @property
    def statement_open(self) -> bool:
        """The person may still state their side, and has not: no decision yet."""
        return self.case.statement_at is None and self.today <= self.case.statement_due

    @property
    def owed(self) -> bool:
        return self.case.recover_amount is not None and self.case.recovered < self.case.recover_amount


async def staff_case(session: AsyncSession, scope: Scope, number: str) -> StaffCase:
    case = await _find(session, scope, number)
    registration = await session.get(Registration, case.registration_id)
    person = await session.get(Person, case.person_id)
    listing = await session.scalar(select(CreditListing).where(CreditListing.case_id == case.id))
    await audit.record(session, scope.actor, "credit.view", "credit_case", number)
    return StaffCase(
        case, registration.number if registration else "", person.name if person else "", listing,
        (await _repayments(session, [case.id])).get(case.id, []), local_today(),
    )  # fmt: skip


def _amount(raw: str) -> Decimal | None:
    try:
        amount = Decimal(raw.strip().replace(",", ""))
    except InvalidOperation:
        return None
    if not amount.is_finite() or not Decimal("0") < amount <= AMOUNT_MAX:
        return None
    return amount.quantize(Decimal("0.01"))


@dataclass(frozen=True)
class CreditDecision:
    stop: bool = False
    recover: str = ""
    list_until: str = ""
    reasons: str = ""


async def decide(
    session: AsyncSession, sms: SmsGateway, scope: Scope, number: str, version: int, decision: CreditDecision,
    today: date | None = None,
) -> CreditCase:  # fmt: skip
    """A reviewer's decision, once the person has stated their side or the time to has passed."""
    if not scope.can_decide:
        raise NotAllowed()
    case = await _find(session, scope, number)
    if case.version != version or case.status is not CreditCaseStatus.AWAITING_STATEMENT:
        raise Conflict()
    today = today or local_today()
    errors: dict[str, object] = {}
    if case.statement_at is None and today <= case.statement_due:
        errors["reasons"] = _l(
            "The person may state their side until %(day)s: decide after that, or once they have.",
            day=format_date(case.statement_due),
        )  # fmt: skip
    if not decision.reasons.strip():
        errors.setdefault("reasons", REASONS_REQUIRED)
    fields.check_lengths(errors, {"reasons": (decision.reasons.strip(), FACTS_MAX)})
    recover = _amount(decision.recover) if decision.recover.strip() else None
    if decision.recover.strip() and recover is None:
        errors["recover"] = AMOUNT_INVALID
    until = fields.parse_date(decision.list_until) if decision.list_until.strip() else None
    if decision.list_until.strip() and (
        until is None or until <= today or until > today.replace(year=today.year + MAX_LISTING_YEARS)
    ):
        errors["list_until"] = UNTIL_INVALID
    if errors:
        raise InputError(errors)
    case.status = CreditCaseStatus.DECIDED
    case.support_stopped = decision.stop
    case.recover_amount = recover
    case.listed_until = until
    case.reasons = decision.reasons.strip()
    case.decided_at = utcnow()
    case.decided_by = scope.staff_id
    try:
        await session.flush()
    except StaleDataError:
        await session.rollback()
        raise Conflict() from None
    if until is not None:
        session.add(CreditListing(person_id=case.person_id, listed_on=today, until=until, case_id=case.id,
                                  reason=case.reasons))  # fmt: skip
    if decision.stop:  # whatever is not paid yet is not paid
        await session.execute(
            update(Grant)
            .where(Grant.person_id == case.person_id,
                   Grant.payment_status.in_([PaymentStatus.AWAITING_NOTICE.value, PaymentStatus.IN_NOTICE.value,
                                             PaymentStatus.HELD.value]))
            .values(payment_status=PaymentStatus.STOPPED.value)
            .execution_options(synchronize_session=False)
        )  # fmt: skip
    await session.flush()
    await audit.record(
        session, scope.actor, "credit.decide", "credit_case", number,
        {"status": ["awaiting_statement", "decided"], "stopped": decision.stop or None,
         "recover": str(recover) if recover else None, "until": until.isoformat() if until else None},
    )  # fmt: skip
    registration = await session.get(Registration, case.registration_id)
    assert registration is not None
    await inbox.tell(session, sms, registration, MessageKind.CREDIT_DECIDED, {"case": case.number})
    return case


async def record_repayment(session: AsyncSession, scope: Scope, number: str, amount: str, paid_on: str) -> Decimal:
    """Add a repayment: one conditional UPDATE moves the repaid total on, so two clerks recording at once can
    never record more than is owed."""
    if not scope.can_act:
        raise NotAllowed()
    case = await _find(session, scope, number)
    if case.recover_amount is None:
        raise InputError({"amount": NOTHING_TO_RECOVER})
    errors: dict[str, object] = {}
    paid = _amount(amount)
    if paid is None:
        errors["amount"] = REPAYMENT_INVALID
    day = fields.parse_date(paid_on)
    if day is None or day > local_today():
        errors["paid_on"] = PAID_ON_INVALID
    if errors:
        raise InputError(errors)
    assert paid is not None
    assert day is not None
    total = await session.scalar(
        update(CreditCase)
        .where(CreditCase.id == case.id, CreditCase.recovered + paid <= CreditCase.recover_amount)
        .values(recovered=CreditCase.recovered + paid, version=CreditCase.version + 1)
        .returning(CreditCase.recovered)
        .execution_options(synchronize_session=False)
    )
    if total is None:
        raise InputError({"amount": REPAYMENT_INVALID})
    session.add(CreditRepayment(case_id=case.id, amount=paid, paid_on=day, recorded_by=scope.staff_id))
    await session.flush()
    await audit.record(session, scope.actor, "credit.repayment", "credit_case", number,
                       {"amount": str(paid), "total": str(total)})  # fmt: skip
    return Decimal(total)


async def repair(session: AsyncSession, sms: SmsGateway, scope: Scope, number: str, note: str) -> CreditListing:
    """End the case's listing before its day (信用修复), reviewers only."""
    if not scope.can_decide:
        raise NotAllowed()
    case = await _find(session, scope, number)
    errors: dict[str, object] = {} if note.strip() else {"note": NOTE_REQUIRED}
    fields.check_lengths(errors, {"note": (note.strip(), fields.NOTE_MAX)})
    if errors:
        raise InputError(errors)
    listing_id = await session.scalar(
        update(CreditListing)
        .where(CreditListing.case_id == case.id, CreditListing.ended_on.is_(None))
        .values(ended_on=local_today(), end_reason="repaired", ended_by=scope.staff_id, repair_note=note.strip())
        .returning(CreditListing.id)
        .execution_options(synchronize_session=False)
    )
    if listing_id is None:
        raise Conflict()
    await audit.record(session, scope.actor, "credit.repair", "credit_case", number, {"listing": listing_id})
    registration = await session.get(Registration, case.registration_id)
    assert registration is not None
    await inbox.tell(session, sms, registration, MessageKind.CREDIT_LISTING_ENDED, {"case": case.number})
    listing = await session.get(CreditListing, listing_id, populate_existing=True)
    assert listing is not None
    return listing


async def end_expired(session: AsyncSession, today: date | None = None) -> int:
    """Mark listings whose last day has passed as ended (the daily sweep), each audited; idempotent."""
    today = today or local_today()
    ended = cast(CursorResult[Any], await session.execute(
        update(CreditListing)
        .where(CreditListing.ended_on.is_(None), CreditListing.until < today)
        .values(ended_on=CreditListing.until, end_reason="expired")
        .returning(CreditListing.id)
        .execution_options(synchronize_session=False)
    )).scalars().all()  # fmt: skip
    for listing_id in ended:
        await audit.record(session, audit.SYSTEM, "credit.listing_expired", "credit_listing", listing_id)
    return len(ended)


# ---- the export for the credit-information sharing platform ------------------------------------------------------


@dataclass(frozen=True)
class Export:
    content: bytes
    sha256: str
    count: int


async def export_rows(session: AsyncSession, cipher: Cipher, since: date) -> list[dict[str, str]]:
    """Listings made or ended on or after `since`, masked as the platform takes them: the name and ID number
    masked as on public notices, and the ID number's SHA-256 for the platform to match against its own records."""
    rows = await session.execute(
        select(CreditListing, Person, CreditCase.number, CreditCase.county_code)
        .join(Person, Person.id == CreditListing.person_id)
        .outerjoin(CreditCase, CreditCase.id == CreditListing.case_id)
        .where((CreditListing.listed_on >= since) | (CreditListing.ended_on >= since))
        .order_by(CreditListing.id)
    )
    out = []
    for listing, person, case_number, county in rows.all():
        id_number = cipher.decrypt(person.id_cipher, "id").decode().upper()
        out.append({
            "listing_id": str(listing.id), "case_number": case_number or "", "name_masked": mask_name(person.name),
            "id_masked": mask_id(id_number), "id_sha256": hashlib.sha256(id_number.encode()).hexdigest(),
            "county_code": county or "", "listed_on": listing.listed_on.isoformat(),
            "until": listing.until.isoformat() if listing.until else "",
            "ended_on": listing.ended_on.isoformat() if listing.ended_on else "",
            "end_reason": listing.end_reason or "", "reason": listing.reason,
        })  # fmt: skip
    return out


def render_export(rows: list[dict[str, str]], fmt: str, since: date, generated_at: datetime) -> Export:
    """CSV (UTF-8, a header row, the fields of EXPORT_FIELDS) or JSON ({format, generated_at, since, count,
    records, records_sha256}); the checksum is the SHA-256 of the whole file."""
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=EXPORT_FIELDS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        content = buffer.getvalue().encode()
    else:
        records = json.dumps(rows, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        content = json.dumps(
            {"format": EXPORT_FORMAT, "generated_at": generated_at.isoformat(), "since": since.isoformat(),
             "count": len(rows), "records": rows,
             "records_sha256": hashlib.sha256(records.encode()).hexdigest()},
            ensure_ascii=False, indent=1,
        ).encode()  # fmt: skip
    return Export(content, hashlib.sha256(content).hexdigest(), len(rows))


async def export(session: AsyncSession, cipher: Cipher, actor: audit.Actor, since: date, fmt: str) -> Export:
    rows = await export_rows(session, cipher, since)
    result = render_export(rows, fmt, since, utcnow())
    await audit.record(session, actor, "credit.export", "credit_listings", since.isoformat(),
                       {"format": fmt, "count": result.count, "sha256": result.sha256})  # fmt: skip
    return result


async def listed_until(session: AsyncSession, person_id: int, today: date) -> tuple[bool, date | None]:
    """Whether the person is listed today, and the last day of the longest listing (None: until decided)."""
    rows = (
        await session.execute(
            select(CreditListing.until).where(
                CreditListing.person_id == person_id, CreditListing.listed_on <= today,
                CreditListing.ended_on.is_(None), (CreditListing.until.is_(None)) | (CreditListing.until >= today),
            )
        )
    ).scalars().all()  # fmt: skip
    if not rows:
        return False, None
    return True, None if any(u is None for u in rows) else max(u for u in rows if u is not None)
