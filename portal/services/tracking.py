"""Monthly tracking (定期联系, §4.2): each county's list of registered people due a contact (the first within 5
working days of registering, then one every calendar month) and late ones; a contact recorded from the list in
one step, with what was learned turned into the next step (work found: a proposal to end the registration)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, cast

from sqlalchemy import ColumnElement, CursorResult, and_, exists, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from portal.adapters.social_insurance import NO_RECORD, SocialInsurance
from portal.clock import LOCAL_TZ, local_date, local_today
from portal.crypto import Cipher
from portal.i18n import _l
from portal.models import (
    Certification,
    CertificationStatus,
    Education,
    Grant,
    Person,
    ProposalSource,
    Registration,
    RegistrationStatus,
    ServiceChannel,
    ServiceKind,
    ServiceResult,
    TrackingComparison,
)
from portal.models.base import utcnow
from portal.rules import difficulty
from portal.rules.policies import OLDER_MEN, OLDER_WOMEN, months_before
from portal.services import audit, cases, certifications, fields, keyset, proposals, service_records
from portal.services.errors import InputError, NotAllowed
from portal.services.staff import Scope

PAGE_SIZE = 25
COUNT_CAP = keyset.COUNT_CAP  # each view's count stops here
# The views counted on their tabs. Not "certify": who is to propose is read from each person's age, registration
# and certifications, row by row, so even a capped count costs a thousand rows' reads, every time the list opens.
COUNTED = ("due", "first", "overdue")
CERTIFICATION = "P11"  # the policy whose grant is the certification of employment difficulty

SHOW_LABELS: dict[str, object] = {
    "due": _l("Due this month"),
    "first": _l("Due a first contact"),
    "overdue": _l("Late"),
    "certify": _l("To propose for certification"),
}
CATEGORY_LABELS: dict[int, object] = {
    difficulty.OLDER: _l("Category 1: older unemployed"),
    difficulty.LONG_UNEMPLOYED: _l("Category 7: unemployed a year or more"),
}
MORE_SERVICE_LABELS: dict[str, object] = {"older": _l("Older age"), "low_skilled": _l("Low-skilled")}
CHANNEL_LABELS: dict[str, object] = {
    "phone": _l("Phone call"),
    "visit": _l("Visit"),
    "sms": _l("Message"),
    "data": _l("Data comparison"),
}
REACHED_LABELS: dict[str, object] = {"yes": _l("Reached"), "no": _l("Not reached")}
# What a contact that reached the person learned; the three kinds of work are reasons 1-3 of §2.1.
LEARNED_LABELS: dict[str, object] = {
    "unemployed": _l("Still unemployed"),
    "employed": _l("Found a job with an employer"),
    "business": _l("Started a business"),
    "flexible": _l("Works flexibly (gig or part-time)"),
    "moved": _l("Moved away: transfer the registration"),
    "wants_service": _l("Wants a service"),
}
PROPOSED_REASON = {"employed": "1", "business": "2", "flexible": "3"}

CHANNEL_REQUIRED = _l("Select how you contacted them")
REACHED_REQUIRED = _l("Select whether you reached them")
LEARNED_REQUIRED = _l("Select what you learned")


@dataclass(frozen=True)
class Row:
    number: str
    name: str
    registered_on: date | None
    first_contact_due: date | None
    last_contact_on: date | None
    why: str  # first, first_late, due, overdue, contacted: where the person stands with this month's contact
    # Difficulty categories the portal's data meets, while not certified (§3.1.2), and marks for more service
    # (§4.4): the reasons to propose and to serve more, on the row.
    certify: list[int]
    more_service: list[str]


@dataclass(frozen=True)
class TrackingPage:
    rows: list[Row]
    show: str
    counts: dict[str, int]  # per view in COUNTED, at most count_cap
    page: keyset.Page
    count_cap: int


def _month_starts(today: date) -> tuple[date, date]:
    this_month = today.replace(day=1)
    return this_month, (this_month - timedelta(days=1)).replace(day=1)


def certified() -> ColumnElement[bool]:
    """The registration's person holds the certification (a P11 grant, or the certified status); for queries
    joined to Registration."""
    return or_(
        exists().where(Grant.person_id == Registration.person_id, Grant.policy_code == CERTIFICATION),
        certifications.certified_person(),
    )


def to_certify(today: date) -> ColumnElement[bool]:
    """Category 1 or 7 from the portal's data (rules.difficulty), and not certified yet; for queries joined to
    Registration and Person."""
    older = or_(
        and_(Person.sex == "F", Person.birth_date <= months_before(today, 12 * OLDER_WOMEN)),
        and_(Person.sex == "M", Person.birth_date <= months_before(today, 12 * OLDER_MEN)),
    )
    a_year = months_before(today, difficulty.LONG_UNEMPLOYED_MONTHS) + timedelta(days=1)
    long_unemployed = Registration.decided_at < datetime.combine(a_year, time(), tzinfo=LOCAL_TZ)
    return and_(or_(older, long_unemployed), not_certified())


def not_certified() -> ColumnElement[bool]:
    """NOT certified(), as two NOT EXISTS side by side (not NOT of an OR): each becomes an anti-join, which the
    planner estimates well, so a page or a capped count reads its rows in index order and stops."""
    return and_(
        ~exists().where(Grant.person_id == Registration.person_id, Grant.policy_code == CERTIFICATION),
        ~certifications.certified_person(),
    )


def certified_by_row() -> ColumnElement[bool]:
    """certified(), for a condition that is negated or OR-ed (the worklist's "not one of the earlier reasons"): each
    check a scalar subquery, one index probe per row read. As EXISTS there, PostgreSQL hashes every certification in
    the city before the first row, costing the hash against all the rows the query might read, not the few its
    LIMIT lets it read."""
    grant = select(Grant.id).where(Grant.person_id == Registration.person_id, Grant.policy_code == CERTIFICATION)
    certification = select(Certification.id).where(
        Certification.person_id == Registration.person_id, Certification.status == CertificationStatus.CERTIFIED
    )
    return or_(grant.limit(1).scalar_subquery().is_not(None), certification.limit(1).scalar_subquery().is_not(None))


def _why(registration: Registration, today: date) -> str:
    if registration.last_contact_on is None:
        late = registration.first_contact_due is not None and registration.first_contact_due < today
        return "first_late" if late else "first"
    this_month, last_month = _month_starts(today)
    if registration.last_contact_on >= this_month:
        return "contacted"  # shown on the row just recorded
    return "overdue" if registration.last_contact_on < last_month else "due"


WHY_LABELS: dict[str, object] = {
    "first": _l("First contact due"),
    "first_late": _l("First contact late"),
    "due": _l("No contact yet this month"),
    "overdue": _l("No contact last month either"),
    "contacted": _l("Contacted this month"),
}


Stretch = tuple[ColumnElement[bool], tuple[keyset.Key, ...]]  # its rows, and their sort keys


def _stretches(show: str, today: date) -> list[Stretch]:
    """The view as stretches in the list's order, each read along its own index (never NULL keys): never contacted
    with a first contact due, by that day; never contacted without one; then the contacted, the longest ago first."""
    this_month, last_month = _month_starts(today)
    never = Registration.last_contact_on.is_(None)
    dated = Registration.first_contact_due.is_not(None)
    by_due = (Registration.first_contact_due, Registration.id)
    by_contact = (Registration.last_contact_on, Registration.id)
    undated: Stretch = (and_(never, Registration.first_contact_due.is_(None)), (Registration.id,))
    if show == "first":
        return [(and_(never, dated), by_due)]
    if show == "overdue":
        return [(and_(never, Registration.first_contact_due < today), by_due),
                (Registration.last_contact_on < last_month, by_contact)]  # fmt: skip
    if show == "certify":
        return [(and_(never, dated), by_due), undated, (Registration.last_contact_on.is_not(None), by_contact)]
    return [(and_(never, dated), by_due), undated, (Registration.last_contact_on < this_month, by_contact)]


async def _count(session: AsyncSession, base: list[Any], show: str, today: date) -> int:
    """How many people a view has, up to COUNT_CAP: its stretches counted in turn along their indexes (reading the
    index alone), each stopping at what is left of the cap; one count with the view's OR would read the county's
    whole list."""
    total = 0
    for rows, keys in _stretches(show, today):
        query = select(Registration.id).where(*base, rows).order_by(*keys)
        total += await session.scalar(keyset.capped_count(query, COUNT_CAP - total)) or 0
        if total >= COUNT_CAP:
            break
    return total


async def tracking_list(
    session: AsyncSession, scope: Scope, *, show: str = "due", at: keyset.At = keyset.START,
    today: date | None = None,
) -> TrackingPage:  # fmt: skip
    """The county's registered people due a contact (city staff: the whole city's), never contacted first (by the
    day their first contact is due), then the longest without one; a page by keyset, and the counts of the COUNTED
    views, each stopping at COUNT_CAP."""
    today = today or local_today()
    show = show if show in SHOW_LABELS else "due"
    base: list[Any] = [Registration.status == RegistrationStatus.REGISTERED]
    if not scope.is_city:
        base.append(Registration.county_code == scope.area_code)
    counts = {name: await _count(session, base, name, today) for name in COUNTED}
    extra = [to_certify(today)] if show == "certify" else []
    query = select(Registration, Person).join(Person, Person.id == Registration.person_id).where(*base)
    listing = keyset.Listing(
        f"tracking.{show}", [keyset.Segment(query.where(rows, *extra), keys) for rows, keys in _stretches(show, today)]
    )
    found = await keyset.read(session, listing, at, PAGE_SIZE)
    # Whether each person on the page is certified, asked for these rows only: in the page's own query PostgreSQL
    # would hash every certification in the city to answer for 25 rows.
    ids = [registration.id for registration, _ in found.rows]
    holding = dict((await session.execute(select(Registration.id, certified()).where(Registration.id.in_(ids)))).all())
    rows = [_row(r, person, bool(holding.get(r.id)), today) for r, person in found.rows]
    return TrackingPage(rows, show, counts, found, COUNT_CAP)


def _row(registration: Registration, person: Person, holds: bool, today: date) -> Row:
    registered_on = local_date(registration.decided_at) if registration.decided_at else None
    proposal = difficulty.proposed(person.birth_date, person.sex, today, registered_on)
    return Row(
        registration.number, person.name, registered_on, registration.first_contact_due,
        registration.last_contact_on, _why(registration, today), [] if holds else proposal.categories,
        difficulty.more_service(person.birth_date, person.sex, today,
                                registration.education is Education.JUNIOR_OR_BELOW),
    )  # fmt: skip


async def row_of(session: AsyncSession, scope: Scope, number: str, today: date | None = None) -> Row:
    """One person's row, as the list shows it (after a contact is recorded from it)."""
    registration = await cases.find(session, scope, number)
    person = await session.get(Person, registration.person_id)
    assert person is not None
    holds = bool(await session.scalar(select(certified()).where(Registration.id == registration.id)))
    return _row(registration, person, holds, today or local_today())


@dataclass(frozen=True)
class Recorded:
    reached: bool
    learned: str
    proposed_reason: str | None  # a proposal made for reason 1, 2 or 3


async def record_contact(
    session: AsyncSession, scope: Scope, number: str, *, channel: str, reached: str, learned: str, note: str,
    today: date | None = None,
) -> Recorded:  # fmt: skip
    """A tracking contact, today, in one step. Found work becomes a proposal for reason 1, 2 or 3 that a
    reviewer confirms (the same proposals as a resident's report); moved and wants a service are said on the
    row, with the link to act on them."""
    if not scope.can_act:
        raise NotAllowed()
    today = today or local_today()
    errors: dict[str, object] = {}
    if channel not in CHANNEL_LABELS:
        errors["channel"] = CHANNEL_REQUIRED
    if reached not in REACHED_LABELS:
        errors["reached"] = REACHED_REQUIRED
    elif reached == "yes" and learned not in LEARNED_LABELS:
        errors["learned"] = LEARNED_REQUIRED
    fields.check_lengths(errors, {"note": (note.strip(), fields.NOTE_MAX)})
    if errors:
        raise InputError(errors)
    learned = learned if reached == "yes" else ""
    words = str(LEARNED_LABELS[learned]) if learned else ""
    text = "；".join(part for part in (words, note.strip()) if part)
    recorded = await service_records.record(
        session, scope, number, day=today.isoformat(), kind=ServiceKind.TRACKING.value,
        channel=channel,
        result=(ServiceResult.REACHED if reached == "yes" else ServiceResult.NOT_REACHED).value, note=text,
        today=today,
    )  # fmt: skip
    reason = PROPOSED_REASON.get(learned)
    if reason is not None:
        made = await proposals.propose(session, recorded.registration_id, reason, {"learned": learned, "note": note},
                                       source=ProposalSource.TRACKING)  # fmt: skip
        await audit.record(session, scope.actor, "tracking.propose", "registration", number,
                           {"reason": reason, "made": made})  # fmt: skip
    return Recorded(reached == "yes", learned, reason)


# ---- the monthly data comparison (§4.2: a data comparison counts as a contact) ------------------------------------

COMPARE_BATCH = 200


@dataclass
class CompareReport:
    checked: int = 0
    recorded: int = 0
    proposed: int = 0

    def as_dict(self) -> dict[str, int]:
        return {"checked": self.checked, "recorded": self.recorded, "proposed": self.proposed}


async def compare_due(
    session: AsyncSession, cipher: Cipher, social_insurance: SocialInsurance, actor: audit.Actor, *,
    county: str | None = None, today: date | None = None, batch: int = COMPARE_BATCH,
) -> CompareReport:  # fmt: skip
    """Compare everyone due a contact this month (in a county, or the city) with the social-insurance data, one
    adapter call per batch; record a tracking contact (channel: data) for each, and turn "insured by an employer
    now" into a reason-1 proposal. Once per person and month: the comparison's key is claimed by an INSERT that
    does nothing on conflict, so a second run, or two processes at once, records nobody twice."""
    today = today or local_today()
    month = f"{today:%Y-%m}"
    compared = select(TrackingComparison.registration_id).where(TrackingComparison.month == month)
    due: list[Any] = [
        Registration.status == RegistrationStatus.REGISTERED,
        or_(Registration.last_contact_on.is_(None), Registration.last_contact_on < today.replace(day=1)),
        Registration.id.not_in(compared),
    ]
    if county:
        due.append(Registration.county_code == county)
    dialect = (await session.connection()).dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    report = CompareReport()
    after = 0
    while True:
        rows = (
            await session.execute(
                select(Registration.id, Person.id_cipher)
                .join(Person, Person.id == Registration.person_id)
                .where(*due, Registration.id > after)
                .order_by(Registration.id)
                .limit(batch)
            )
        ).all()
        if not rows:
            break
        after = rows[-1][0]
        id_numbers = {registration_id: cipher.decrypt(sealed, "id").decode() for registration_id, sealed in rows}
        records = await social_insurance.employment_many(list(id_numbers.values()))
        report.checked += len(rows)
        for registration_id, id_number in id_numbers.items():
            record = records.get(id_number, NO_RECORD)
            claim = (
                insert(TrackingComparison)
                .values(
                    registration_id=registration_id, month=month, insured_employed=record.active, created_at=utcnow()
                )
                .on_conflict_do_nothing(index_elements=["registration_id", "month"])
            )
            if not cast(CursorResult[Any], await session.execute(claim)).rowcount:
                continue  # compared already this month (by another run)
            note = (
                f"社保数据比对：在{record.employer_zh or '用人单位'}参保就业"
                + (f"（自{record.since.isoformat()}）" if record.since else "")
                if record.active
                else "社保数据比对：未见参保就业"
            )
            await service_records.add(session, registration_id, today, ServiceKind.TRACKING, ServiceChannel.DATA,
                                      ServiceResult.REACHED, note, actor.staff_id)  # fmt: skip
            report.recorded += 1
            if record.active:
                since = record.since.isoformat() if record.since else None
                detail: dict[str, object] = {"employer": record.employer_zh or "", "since": since,
                                             "source": "social_insurance"}  # fmt: skip
                report.proposed += await proposals.propose(session, registration_id, "1", detail)
    await audit.record(session, actor, "tracking.compare", "tracking", county or "city",
                       {"month": month, **report.as_dict()})  # fmt: skip
    return report
