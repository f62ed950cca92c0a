"""Public-welfare posts (公益性岗位, §3.1.2, policy P10; issue 10 point 7): the county's posts (employer, post, places,
term, monthly post subsidy) kept by its agency; a certified person placed in one for the post's fixed term, with the
months the post subsidy is paid for; an early end with its reason; the placements whose term ends within 30 days,
for the staff's alerts and the person's inbox; and the resident's own placement."""

from __future__ import annotations

import calendar
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from portal.clock import local_today
from portal.i18n import _l, localised, ngettext
from portal.models import (
    InboxMessage,
    MessageKind,
    Person,
    PlacementStatus,
    ProposalSource,
    PublicWelfarePlacement,
    PublicWelfarePost,
    Registration,
    RegistrationStatus,
    ServiceArea,
    ServiceChannel,
    ServiceKind,
    ServiceResult,
)
from portal.models.base import utcnow
from portal.services import audit, certifications, fields, paging, proposals, service_records
from portal.services import registration as registrations
from portal.services.errors import Conflict, InputError, NotAllowed, NotFound, OutOfScope
from portal.services.staff import Scope

# Guangdong places a person in a public-welfare post for a fixed term of at most three years. (Someone within five
# years of their pension age may stay on until they reach it: the agency extends by a new placement, not here.)
MAX_TERM_MONTHS = 36
# Placements whose term ends within this many days are flagged to staff and told to the person once.
ALERT_DAYS = 30
PAGE_SIZE = 25
ENDING_SHOWN = 10  # the alerts listed on the posts page; the count says how many in all
EMPLOYER_MAX = TITLE_MAX = 100
POSITIONS_MAX = 500
SUBSIDY_MAX = 20_000  # yuan a month: far above any county's post subsidy, so only a typing slip is refused
REASON_MAX = 500
NUMBER_MAX = 20
# A placement may be recorded late (up to a year after it began), or a few months ahead of its first day.
START_BACK_DAYS = 366
START_AHEAD_DAYS = 92

STATUS_LABELS: dict[str, object] = {
    PlacementStatus.ACTIVE: _l("In post"),
    PlacementStatus.ENDED_EARLY: _l("Ended early"),
    PlacementStatus.COMPLETED: _l("Term completed"),
}

EMPLOYER_REQUIRED = _l("Enter the employer")
TITLE_REQUIRED = _l("Enter the post")
COUNTY_REQUIRED = _l("Select the county")
POSITIONS_INVALID = _l("Enter the number of places: a whole number from 1 to 500")
TERM_INVALID = _l("Enter the term in months: a whole number from 1 to 36")
SUBSIDY_INVALID = _l("Enter the monthly post subsidy in yuan: a whole number from 0 to 20000")
NUMBER_REQUIRED = _l("Enter the registration number, like ZJ20261130000001")
NUMBER_UNKNOWN = _l("No one registered as unemployed in this post's county has that registration number")
NOT_CERTIFIED = _l("This person is not certified with employment difficulty: only certified people may be placed")
ALREADY_PLACED = _l("This person already holds a public-welfare post: end that placement first")
START_INVALID = _l("Enter the first day in the post: a real date, from a year ago to three months ahead")
POST_CLOSED = _l("This post is closed: nobody more can be placed in it")
POST_FULL = _l("Every place of this post is taken")
ENDED_ON_INVALID = _l("Enter the day the placement ended: a real date, not in the future and before the term's end")
END_REASON_REQUIRED = _l("Write why the placement ended early")


def ending_heading(total: int) -> str:
    """The alert's heading on the posts page, like "3 placements end within 30 days"."""
    return ngettext("%(num)s placement ends within %(days)s days", "%(num)s placements end within %(days)s days",
                    total, days=ALERT_DAYS)  # fmt: skip


def may_manage(scope: Scope, county_code: str) -> bool:
    """County clerks and reviewers keep their county's posts; a city administrator any county's; a city viewer
    reads only."""
    return scope.is_admin or (scope.can_act and scope.area_code == county_code)


def term_end(starts_on: date, months: int) -> date:
    """The last day of a term of `months` months from `starts_on` (民法典 第二百零二条: the term ends the day
    before the same day number, or on the month's last day when the month has no such day)."""
    index = starts_on.year * 12 + starts_on.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    if starts_on.day > last:  # e.g. from 31 January: the term ends on the month's last day
        return date(year, month + 1, last)
    return date(year, month + 1, starts_on.day) - timedelta(days=1)


# ---- the posts ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PostRow:
    post: PublicWelfarePost
    county_name: str


@dataclass(frozen=True)
class EndingRow:
    """An active placement whose term ends within ALERT_DAYS (also read by the outreach worklist)."""

    placement_id: int
    post_id: int
    registration_number: str
    name: str
    post: str
    employer: str
    ends_on: date


@dataclass(frozen=True)
class PostPage:
    rows: list[PostRow]
    total: int
    page: int
    pages: int
    may_create: bool
    ending: list[EndingRow]
    ending_total: int


def _in_scope(scope: Scope) -> list[ColumnElement[bool]]:
    return [] if scope.is_city else [PublicWelfarePost.county_code == scope.area_code]


async def posts(session: AsyncSession, scope: Scope, *, page: int = 1, today: date | None = None) -> PostPage:
    """The county's posts (city staff: every county's), open ones first, newest first; with the placements whose
    term ends soon at the top."""
    today = today or local_today()
    conditions = _in_scope(scope)
    total = await session.scalar(select(func.count()).select_from(PublicWelfarePost).where(*conditions)) or 0
    win = paging.window(total, page, PAGE_SIZE)
    rows = await session.execute(
        select(PublicWelfarePost, ServiceArea.name_zh, ServiceArea.name_en)
        .join(ServiceArea, ServiceArea.code == PublicWelfarePost.county_code)
        .where(*conditions)
        .order_by(PublicWelfarePost.open.desc(), PublicWelfarePost.id.desc())
        .limit(win.limit)
        .offset(win.offset)
    )
    return PostPage(
        [PostRow(p, localised(zh, en)) for p, zh, en in rows.all()], total, win.page, win.pages,
        may_create=scope.is_admin or scope.can_act,
        ending=await ending_soon(session, scope, today, limit=ENDING_SHOWN),
        ending_total=await ending_soon_count(session, scope, today),
    )  # fmt: skip


async def find(session: AsyncSession, scope: Scope, post_id: str | int) -> PublicWelfarePost:
    """A post in the staff member's scope; another county's is not found (and the attempt audited)."""
    post = await session.scalar(
        select(PublicWelfarePost)
        .where(PublicWelfarePost.id == fields.record_id(post_id))
        .execution_options(populate_existing=True)
    )
    if post is None:
        raise NotFound()
    if not scope.covers(post.county_code):
        raise OutOfScope(scope.actor, "public_welfare_post", str(post.id))
    return post


@dataclass(frozen=True)
class PlacementRow:
    placement: PublicWelfarePlacement
    number: str  # the registration's
    name: str

    def ending_soon(self, today: date) -> bool:
        p = self.placement
        return p.status is PlacementStatus.ACTIVE and today <= p.ends_on <= today + timedelta(days=ALERT_DAYS)


@dataclass(frozen=True)
class PostView:
    post: PublicWelfarePost
    county_name: str
    placements: list[PlacementRow]
    page: int
    pages: int
    may_manage: bool
    today: date


async def post_view(
    session: AsyncSession, scope: Scope, post_id: str | int, *, page: int = 1, today: date | None = None
) -> PostView:
    """A post with its placements (active first, paged); the view is audited, as it names people."""
    today = today or local_today()
    post = await find(session, scope, post_id)
    area = await session.get(ServiceArea, post.county_code)
    total = await session.scalar(
        select(func.count()).select_from(PublicWelfarePlacement).where(PublicWelfarePlacement.post_id == post.id)
    )
    win = paging.window(total or 0, page, PAGE_SIZE)
    active_first = (PublicWelfarePlacement.status == PlacementStatus.ACTIVE).desc()
    rows = await session.execute(
        select(PublicWelfarePlacement, Registration.number, Person.name)
        .join(Registration, Registration.id == PublicWelfarePlacement.registration_id)
        .join(Person, Person.id == PublicWelfarePlacement.person_id)
        .where(PublicWelfarePlacement.post_id == post.id)
        .order_by(active_first, PublicWelfarePlacement.ends_on, PublicWelfarePlacement.id)
        .limit(win.limit)
        .offset(win.offset)
    )
    await audit.record(session, scope.actor, "public_welfare.view", "public_welfare_post", str(post.id),
                       {"page": win.page})  # fmt: skip
    return PostView(
        post, localised(area.name_zh, area.name_en) if area else post.county_code,
        [PlacementRow(p, number, name) for p, number, name in rows.all()], win.page, win.pages,
        may_manage(scope, post.county_code), today,
    )  # fmt: skip


@dataclass(frozen=True)
class PostForm:
    """What staff send for a post, as typed."""

    employer: str = ""
    title: str = ""
    duties: str = ""
    county: str = ""
    positions: str = ""
    term_months: str = ""
    monthly_subsidy: str = ""


@dataclass(frozen=True)
class _Checked:
    employer: str
    title: str
    duties: str
    positions: int
    term_months: int
    monthly_subsidy: int


def _whole(raw: str, low: int, high: int) -> int | None:
    number = fields.db_int(raw) if raw.strip() else None
    return number if number is not None and low <= number <= high else None


def _check(form: PostForm) -> _Checked:
    errors: dict[str, object] = {}
    employer, title, duties = form.employer.strip(), form.title.strip(), form.duties.strip()
    if not employer:
        errors["employer"] = EMPLOYER_REQUIRED
    if not title:
        errors["title"] = TITLE_REQUIRED
    fields.check_lengths(errors, {"employer": (employer, EMPLOYER_MAX), "title": (title, TITLE_MAX),
                                  "duties": (duties, fields.NOTE_MAX)})  # fmt: skip
    positions = _whole(form.positions, 1, POSITIONS_MAX)
    if positions is None:
        errors["positions"] = POSITIONS_INVALID
    term = _whole(form.term_months, 1, MAX_TERM_MONTHS)
    if term is None:
        errors["term_months"] = TERM_INVALID
    subsidy = _whole(form.monthly_subsidy, 0, SUBSIDY_MAX)
    if subsidy is None:
        errors["monthly_subsidy"] = SUBSIDY_INVALID
    if errors:
        raise InputError(errors)
    assert positions is not None
    assert term is not None
    assert subsidy is not None
    return _Checked(employer, title, duties, positions, term, subsidy)


def _summary(checked: _Checked) -> dict[str, object]:
    return {"employer": checked.employer, "title": checked.title, "positions": checked.positions,
            "term_months": checked.term_months, "monthly_subsidy": checked.monthly_subsidy}  # fmt: skip


async def create(session: AsyncSession, scope: Scope, form: PostForm) -> PublicWelfarePost:
    """A new post: in the county staff member's own county, or the county a city administrator picks."""
    if not (scope.is_admin or scope.can_act):
        raise NotAllowed()
    county = form.county if scope.is_admin else (scope.area_code or "")
    county_ok = bool(county) and len(county) <= 16 and await session.get(ServiceArea, county) is not None
    try:
        checked = _check(form)
    except InputError as error:
        if not county_ok:
            error.errors = {"county": COUNTY_REQUIRED, **error.errors}
        raise
    if not county_ok:
        raise InputError({"county": COUNTY_REQUIRED})
    post = PublicWelfarePost(
        county_code=county, employer=checked.employer, title=checked.title, duties=checked.duties,
        positions=checked.positions, term_months=checked.term_months, monthly_subsidy=checked.monthly_subsidy,
        created_by=scope.staff_id,
    )  # fmt: skip
    session.add(post)
    await session.flush()
    await audit.record(session, scope.actor, "public_welfare.create", "public_welfare_post", str(post.id),
                       {"county": county, **_summary(checked)})  # fmt: skip
    return post


async def edit(
    session: AsyncSession, scope: Scope, post_id: str | int, version: int, form: PostForm
) -> PublicWelfarePost:
    """Change a post, over the version the form showed. Places never go below those filled: one conditional UPDATE
    decides, against placements made at the same moment. A new term applies to placements made from now on."""
    post = await find(session, scope, post_id)
    if not may_manage(scope, post.county_code):
        raise NotAllowed()
    checked = _check(form)
    before = {"employer": post.employer, "title": post.title, "positions": post.positions,
              "term_months": post.term_months, "monthly_subsidy": post.monthly_subsidy}  # fmt: skip
    changed = await session.scalar(
        update(PublicWelfarePost)
        .where(PublicWelfarePost.id == post.id, PublicWelfarePost.version == version,
               PublicWelfarePost.filled <= checked.positions)
        .values(employer=checked.employer, title=checked.title, duties=checked.duties, positions=checked.positions,
                term_months=checked.term_months, monthly_subsidy=checked.monthly_subsidy,
                version=PublicWelfarePost.version + 1, updated_at=utcnow())
        .returning(PublicWelfarePost.id)
        .execution_options(synchronize_session=False)
    )  # fmt: skip
    if changed is None:
        now = await find(session, scope, post.id)
        if now.version != version:
            raise Conflict()
        raise InputError(
            {"positions": _l("%(filled)s people hold this post now: give at least that many places", filled=now.filled)}
        )
    await audit.record(session, scope.actor, "public_welfare.edit", "public_welfare_post", str(post.id),
                       {"before": before, "after": _summary(checked)})  # fmt: skip
    return await find(session, scope, post.id)


async def close(session: AsyncSession, scope: Scope, post_id: str | int, version: int) -> PublicWelfarePost:
    """Close a post to new placements (those in it serve their term), over the version the page showed."""
    post = await find(session, scope, post_id)
    if not may_manage(scope, post.county_code):
        raise NotAllowed()
    closed = await session.scalar(
        update(PublicWelfarePost)
        .where(PublicWelfarePost.id == post.id, PublicWelfarePost.version == version,
               PublicWelfarePost.open.is_(True))
        .values(open=False, version=PublicWelfarePost.version + 1, updated_at=utcnow())
        .returning(PublicWelfarePost.id)
        .execution_options(synchronize_session=False)
    )  # fmt: skip
    if closed is None:
        raise Conflict()
    await audit.record(session, scope.actor, "public_welfare.close", "public_welfare_post", str(post.id),
                       {"filled": post.filled})  # fmt: skip
    return await find(session, scope, post.id)


# ---- placing a certified person ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlaceForm:
    number: str = ""  # the person's registration number
    starts_on: str = ""


@dataclass(frozen=True)
class Placed:
    placement: PublicWelfarePlacement
    already: bool  # placed in this post before (a double click)
    proposed: bool  # a reason-1 proposal to end the registration was made


class _Full(Exception):
    """No place was left: the savepoint is rolled back."""


async def _active_placement(session: AsyncSession, person_id: int) -> PublicWelfarePlacement | None:
    return await session.scalar(
        select(PublicWelfarePlacement).where(
            PublicWelfarePlacement.person_id == person_id, PublicWelfarePlacement.status == PlacementStatus.ACTIVE
        )
    )


async def place(
    session: AsyncSession, scope: Scope, post_id: str | int, form: PlaceForm, today: date | None = None
) -> Placed:
    """Place a certified person, registered in the post's county, for the post's term. One place is taken by a
    conditional UPDATE (filled < positions on an open post) and the placement written in one savepoint, so that
    the last place goes to one person only, and a second click (the one-active-placement index) leaves both as
    they were. A public-welfare post is employment: a reason-1 proposal to end the registration goes to a reviewer,
    and the placement is a service on the person's record."""
    today = today or local_today()
    post = await find(session, scope, post_id)
    if not may_manage(scope, post.county_code):
        raise NotAllowed()
    number = form.number.strip().upper()
    errors: dict[str, object] = {}
    if not number:
        errors["number"] = NUMBER_REQUIRED
    fields.check_lengths(errors, {"number": (number, NUMBER_MAX)})
    starts_on = fields.parse_date(form.starts_on)
    if starts_on is None or not (
        today - timedelta(days=START_BACK_DAYS) <= starts_on <= today + timedelta(days=START_AHEAD_DAYS)
    ):
        errors["starts_on"] = START_INVALID
    if errors:
        raise InputError(errors)
    assert starts_on is not None
    if not post.open:
        raise InputError({"number": POST_CLOSED}, status_code=409)
    registration = await session.scalar(
        select(Registration).where(Registration.number == number, Registration.county_code == post.county_code,
                                   Registration.status == RegistrationStatus.REGISTERED)
    )  # fmt: skip
    if registration is None:
        raise InputError({"number": NUMBER_UNKNOWN})
    if await certifications.status_of(session, registration.person_id) is None:
        raise InputError({"number": NOT_CERTIFIED})
    person_id, registration_id = registration.person_id, registration.id

    async def already() -> Placed | None:
        held = await _active_placement(session, person_id)
        if held is None:
            return None
        if held.post_id == post.id:
            return Placed(held, already=True, proposed=False)
        raise InputError({"number": ALREADY_PLACED}, status_code=409)

    if (found := await already()) is not None:
        return found
    ends_on = term_end(starts_on, post.term_months)
    placement = PublicWelfarePlacement(
        post_id=post.id, registration_id=registration_id, person_id=person_id, status=PlacementStatus.ACTIVE,
        starts_on=starts_on, ends_on=ends_on, subsidy_from=starts_on, subsidy_to=ends_on, placed_by=scope.staff_id,
    )  # fmt: skip
    try:
        async with session.begin_nested():
            taken = await session.scalar(
                update(PublicWelfarePost)
                .where(PublicWelfarePost.id == post.id, PublicWelfarePost.open.is_(True),
                       PublicWelfarePost.filled < PublicWelfarePost.positions)
                .values(filled=PublicWelfarePost.filled + 1)
                .returning(PublicWelfarePost.filled)
                .execution_options(synchronize_session=False)
            )  # fmt: skip
            if taken is None:
                raise _Full()
            session.add(placement)
            await session.flush()
    except _Full:
        raise InputError({"number": POST_FULL}, status_code=409) from None
    except IntegrityError:  # the other click (or another post's placing) won
        if (found := await already()) is not None:
            return found
        raise  # pragma: no cover - nothing else is unique here
    note = (f"公益性岗位安置：{post.employer}（{post.title}），{starts_on.isoformat()}至{ends_on.isoformat()}，"
            f"岗位补贴每月{post.monthly_subsidy}元")  # fmt: skip
    await service_records.add(session, registration_id, today, ServiceKind.GUIDANCE,
                              ServiceChannel.VISIT, ServiceResult.REACHED, note, scope.staff_id)  # fmt: skip
    detail: dict[str, object] = {"employer": post.employer, "post": post.title, "placement": placement.id,
                                 "starts_on": starts_on.isoformat()}  # fmt: skip
    proposed = await proposals.propose(session, registration_id, "1", detail, source=ProposalSource.PLACEMENT)
    await audit.record(session, scope.actor, "public_welfare.place", "registration", number,
                       {"post": post.id, "placement": placement.id, "starts_on": starts_on.isoformat(),
                        "ends_on": ends_on.isoformat(), "proposed": proposed})  # fmt: skip
    return Placed(placement, already=False, proposed=proposed)


async def end_early(
    session: AsyncSession, scope: Scope, post_id: str | int, placement_id: str | int, *, ended_on: str, reason: str,
    today: date | None = None,
) -> PublicWelfarePlacement:  # fmt: skip
    """End an active placement before its term, with the reason; the subsidy stops on that day and the place is
    free again. Once: a conditional UPDATE on a placement still active, so a second form finds it ended (409)."""
    today = today or local_today()
    post = await find(session, scope, post_id)
    if not may_manage(scope, post.county_code):
        raise NotAllowed()
    key = fields.db_int(placement_id)
    if key is None:
        raise NotFound()
    placement = await session.scalar(
        select(PublicWelfarePlacement)
        .where(PublicWelfarePlacement.id == key, PublicWelfarePlacement.post_id == post.id)
        .execution_options(populate_existing=True)
    )
    if placement is None:
        raise NotFound()
    errors: dict[str, object] = {}
    day = fields.past_date(ended_on, today)
    if day is None or day >= placement.ends_on or day < min(placement.starts_on, today):
        errors[f"ended_on-{key}"] = ENDED_ON_INVALID
    if not reason.strip():
        errors[f"end_reason-{key}"] = END_REASON_REQUIRED
    fields.check_lengths(errors, {f"end_reason-{key}": (reason.strip(), REASON_MAX)})
    if errors:
        raise InputError(errors)
    assert day is not None
    ended = await session.scalar(
        update(PublicWelfarePlacement)
        .where(PublicWelfarePlacement.id == key, PublicWelfarePlacement.status == PlacementStatus.ACTIVE)
        .values(status=PlacementStatus.ENDED_EARLY, ended_on=day, subsidy_to=day, end_reason=reason.strip(),
                ended_by=scope.staff_id, updated_at=utcnow())
        .returning(PublicWelfarePlacement.id)
        .execution_options(synchronize_session=False)
    )  # fmt: skip
    if ended is None:
        raise Conflict()
    await session.execute(
        update(PublicWelfarePost)
        .where(PublicWelfarePost.id == post.id)
        .values(filled=PublicWelfarePost.filled - 1)
        .execution_options(synchronize_session=False)
    )
    await audit.record(session, scope.actor, "public_welfare.end_early", "public_welfare_post", str(post.id),
                       {"placement": key, "ended_on": day.isoformat()})  # fmt: skip
    found = await session.get(PublicWelfarePlacement, key, populate_existing=True)
    assert found is not None
    return found


# ---- terms ending: the alerts and the daily jobs ---------------------------------------------------------------------


def _ending(scope: Scope | None, today: date) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = [
        PublicWelfarePlacement.status == PlacementStatus.ACTIVE,
        PublicWelfarePlacement.ends_on >= today,
        PublicWelfarePlacement.ends_on <= today + timedelta(days=ALERT_DAYS),
    ]
    if scope is not None and not scope.is_city:
        where.append(PublicWelfarePost.county_code == scope.area_code)
    return where


async def ending_soon(session: AsyncSession, scope: Scope, today: date, *, limit: int | None = None) -> list[EndingRow]:
    """Active placements in the scope whose term ends within ALERT_DAYS of `today`, the soonest first."""
    query = (
        select(PublicWelfarePlacement.id, PublicWelfarePlacement.post_id, Registration.number, Person.name,
               PublicWelfarePost.title, PublicWelfarePost.employer, PublicWelfarePlacement.ends_on)
        .join(PublicWelfarePost, PublicWelfarePost.id == PublicWelfarePlacement.post_id)
        .join(Registration, Registration.id == PublicWelfarePlacement.registration_id)
        .join(Person, Person.id == PublicWelfarePlacement.person_id)
        .where(*_ending(scope, today))
        .order_by(PublicWelfarePlacement.ends_on, PublicWelfarePlacement.id)
    )  # fmt: skip
    if limit is not None:
        query = query.limit(limit)
    return [EndingRow(*row) for row in (await session.execute(query)).all()]


async def ending_soon_count(session: AsyncSession, scope: Scope, today: date) -> int:
    return (
        await session.scalar(
            select(func.count())
            .select_from(PublicWelfarePlacement)
            .join(PublicWelfarePost, PublicWelfarePost.id == PublicWelfarePlacement.post_id)
            .where(*_ending(scope, today))
        )
        or 0
    )


async def alert_ending(session: AsyncSession, today: date) -> int:
    """Tell each placed person, in their inbox, once, that their term ends within ALERT_DAYS: `alerted_on` is
    claimed by a conditional UPDATE, so running the jobs again, or in two processes at once, tells nobody twice.
    The number told."""
    due = (
        await session.execute(
            select(
                PublicWelfarePlacement.id,
                PublicWelfarePlacement.ends_on,
                PublicWelfarePost.title,
                PublicWelfarePost.employer,
                Registration.id,
                Registration.number,
                Registration.account_id,
            )
            .join(PublicWelfarePost, PublicWelfarePost.id == PublicWelfarePlacement.post_id)
            .join(Registration, Registration.id == PublicWelfarePlacement.registration_id)
            .where(*_ending(None, today), PublicWelfarePlacement.alerted_on.is_(None))
            .order_by(PublicWelfarePlacement.id)
        )
    ).all()
    told = 0
    for placement_id, ends_on, title, employer, registration_id, number, account_id in due:
        claimed = await session.scalar(
            update(PublicWelfarePlacement)
            .where(PublicWelfarePlacement.id == placement_id, PublicWelfarePlacement.alerted_on.is_(None))
            .values(alerted_on=today)
            .returning(PublicWelfarePlacement.id)
            .execution_options(synchronize_session=False)
        )
        if claimed is None:
            continue  # told by another run
        if account_id is not None:
            params = {"number": number, "post": title, "employer": employer, "ends_on": ends_on.isoformat()}
            session.add(InboxMessage(account_id=account_id, registration_id=registration_id,
                                     kind=MessageKind.PLACEMENT_ENDING, params=params))  # fmt: skip
        told += 1
    await session.flush()
    return told


async def complete_due(session: AsyncSession, today: date) -> int:
    """Placements whose term has ended become completed, and their places free: each row moves once (the UPDATE's
    condition), and only the run that moved it frees its place. The number completed."""
    moved = await session.execute(
        update(PublicWelfarePlacement)
        .where(PublicWelfarePlacement.status == PlacementStatus.ACTIVE, PublicWelfarePlacement.ends_on < today)
        .values(status=PlacementStatus.COMPLETED, updated_at=utcnow())
        .returning(PublicWelfarePlacement.post_id)
        .execution_options(synchronize_session=False)
    )
    freed = Counter(moved.scalars().all())
    for post_id, count in sorted(freed.items()):  # in key order: two runs never wait on each other's rows
        await session.execute(
            update(PublicWelfarePost)
            .where(PublicWelfarePost.id == post_id)
            .values(filled=PublicWelfarePost.filled - count)
            .execution_options(synchronize_session=False)
        )
    return sum(freed.values())


# ---- the resident ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MyPlacement:
    placement: PublicWelfarePlacement
    post: PublicWelfarePost
    county_name: str


async def of_account(session: AsyncSession, account_id: int) -> list[MyPlacement]:
    """The resident's placements, the current one first (the person's, whichever registration they were made
    under)."""
    registration = await registrations.latest_of(session, account_id)
    if registration is None:
        return []
    active_first = (PublicWelfarePlacement.status == PlacementStatus.ACTIVE).desc()
    rows = await session.execute(
        select(PublicWelfarePlacement, PublicWelfarePost, ServiceArea.name_zh, ServiceArea.name_en)
        .join(PublicWelfarePost, PublicWelfarePost.id == PublicWelfarePlacement.post_id)
        .join(ServiceArea, ServiceArea.code == PublicWelfarePost.county_code)
        .where(PublicWelfarePlacement.person_id == registration.person_id)
        .order_by(active_first, PublicWelfarePlacement.starts_on.desc(), PublicWelfarePlacement.id.desc())
        .limit(PAGE_SIZE)
    )
    return [MyPlacement(placement, post, localised(zh, en)) for placement, post, zh, en in rows.all()]
