"""Monthly statistics from the portal's own data (§2.2 of the notice: 登记失业人员数据从就业信息系统中直接生成).

The rule (RULE below): a month's people are counted as of its last day from the registrations on record:
- registered at the month's end (stock): registered on or before that day, and not ended on or before it (the end
  takes effect on its end date);
- urban registered unemployed: those of them whose usual residence is urban, whatever their hukou (rural migrants
  and non-local hukou included, exactly as §2.2 says);
- inflow: registered during the month; outflow: ended during the month, by end reason (1-3 back in work, 4-11
  exits);
- certified with employment difficulty at the month's end, and in a public-welfare post at the month's end;
- breakdowns of those registered at the end by sex, age band (age on the last day), education, unemployment
  category and hukou.

A month is taken by `take_month`: once it has ended, its snapshot is final and never taken again, so its figures do
not change when a registration is edited later; the current month is provisional and taken again each day (by the
daily job). The pages and `portal stats month` read the figures counted when the month was taken, and each figure
leads to the people it counted."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, case, delete, func, insert, literal, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from portal.clock import local_midnight, local_today
from portal.i18n import _l
from portal.models import (
    Certification,
    CertificationStatus,
    Education,
    Grant,
    Person,
    PublicWelfarePlacement,
    Registration,
    RegistrationStatus,
    StatFigure,
    StatMonth,
    StatPerson,
    UnemploymentCategory,
)
from portal.rules.policies import months_before
from portal.services import audit, fields, paging
from portal.services.endings import END_REASONS, REASON_LABELS
from portal.services.errors import InputError, NotFound
from portal.services.registration_form import EDUCATION_LABELS, UNEMPLOYMENT_LABELS
from portal.services.staff import Scope

RULE = "2026-11: stock at month end by end date"
CITY = "city"
CITY_LABEL = _l("The whole city")
PAGE_SIZE = 50
AGE_BANDS = (("16-24", 25), ("25-34", 35), ("35-44", 45), ("45-54", 55), ("55+", None))
EMPLOYED_REASONS = ("1", "2", "3")
WAS_REGISTERED = (RegistrationStatus.REGISTERED, RegistrationStatus.EMPLOYED, RegistrationStatus.EXITED)
MONTH_INVALID = _l("Enter a month like 2026-11, not after this month")
AREA_INVALID = _l("Select a service area you may see")


@dataclass(frozen=True)
class Figure:
    """A figure: the month's group it counts (flow), narrowed to one value of one column."""

    key: str
    label: object
    flow: str
    column: str | None = None
    value: Any = None


def _figures() -> list[Figure]:
    headline = [
        Figure("registered", _l("Registered unemployed at the month's end"), "stock"),
        Figure("urban", _l("of whom urban registered unemployed"), "stock", "urban", True),
        Figure("inflow", _l("Newly registered in the month"), "inflow"),
        Figure("outflow", _l("Registrations ended in the month"), "outflow"),
        Figure("outflow_employed", _l("of which back in work (reasons 1-3)"), "outflow", "employed", True),
        Figure("outflow_exited", _l("of which exits (reasons 4-11)"), "outflow", "employed", False),
        Figure("certified", _l("Certified with employment difficulty at the month's end"), "stock", "certified", True),
        Figure("in_post", _l("In a public-welfare post at the month's end"), "post"),
    ]
    reasons = [Figure(f"reason:{code}", REASON_LABELS[code], "outflow", "end_reason", code) for code in END_REASONS]
    sexes = [Figure("sex:F", _l("Women"), "stock", "sex", "F"), Figure("sex:M", _l("Men"), "stock", "sex", "M")]
    ages = [Figure(f"age:{band}", band, "stock", "age_band", band) for band, _ in AGE_BANDS]
    educations = [Figure(f"education:{e.value}", EDUCATION_LABELS[e], "stock", "education", e.value) for e in Education]
    categories = [
        Figure(f"category:{c.value}", UNEMPLOYMENT_LABELS[c], "stock", "unemployment_category", c.value)
        for c in UnemploymentCategory
    ]
    hukou = [
        Figure("hukou:local", _l("Local hukou"), "stock", "hukou_local", True),
        Figure("hukou:other", _l("Hukou elsewhere"), "stock", "hukou_local", False),
    ]
    return [*headline, *reasons, *sexes, *ages, *educations, *categories, *hukou]


FIGURES = _figures()
BY_KEY = {figure.key: figure for figure in FIGURES}
GROUPS: dict[str, object] = {
    "headline": _l("The month"),
    "reason": _l("Registrations ended, by reason"),
    "sex": _l("Registered at the month's end, by sex"),
    "age": _l("By age on the month's last day"),
    "education": _l("By education"),
    "category": _l("By unemployment category"),
    "hukou": _l("By hukou"),
}


def group_of(figure: Figure) -> str:
    return figure.key.split(":")[0] if ":" in figure.key else "headline"


# ---- months ---------------------------------------------------------------------------------------------------


def parse_month(raw: str, today: date) -> date:
    """The first day of a month typed like 2026-11; not after the current month."""
    parts = raw.strip().split("-")
    first = fields.parse_date(f"{raw.strip()}-01") if len(parts) == 2 and len(parts[0]) == 4 else None
    if first is None or first > today:
        raise InputError({"month": MONTH_INVALID})
    return first


def last_day(first: date) -> date:
    return first.replace(day=calendar.monthrange(first.year, first.month)[1])


def _age_band(on: date) -> ColumnElement[str]:
    whens = [(Person.birth_date > months_before(on, 12 * limit), band) for band, limit in AGE_BANDS if limit]
    return case(*whens, else_=AGE_BANDS[-1][0])


def _certified(on: date) -> ColumnElement[bool]:
    # IN (subquery), not a correlated EXISTS: both databases read the subquery once (SQLite cannot use the partial
    # index on certifications for a bound status, and would scan them once per person counted).
    return or_(
        Registration.person_id.in_(select(Certification.person_id).where(
            Certification.status == CertificationStatus.CERTIFIED, Certification.certified_on <= on)),
        Registration.person_id.in_(select(Grant.person_id).where(Grant.policy_code == "P11", Grant.granted_on <= on)),
    )  # fmt: skip


def _people_of(month: str, flow: str, on: date, *where: ColumnElement[bool]) -> Any:
    """INSERT ... SELECT of a group's people as they stand on record (one statement, whatever their number)."""
    columns = select(
        literal(month), literal(flow), Registration.id, Registration.county_code, Registration.residence_urban,
        Person.sex, _age_band(on), Registration.education, Registration.unemployment_category,
        Registration.hukou_local, _certified(on), Registration.end_reason if flow == "outflow" else literal(None),
    ).join(Person, Person.id == Registration.person_id).where(*where)  # fmt: skip
    return insert(StatPerson).from_select(
        ["month", "flow", "registration_id", "county_code", "urban", "sex", "age_band", "education",
         "unemployment_category", "hukou_local", "certified", "end_reason"],
        columns.distinct() if flow == "post" else columns,
    )  # fmt: skip


async def _count_figures(session: AsyncSession, month: str) -> None:
    """Every figure of every county in one pass over the month's people (a count per figure read the month's
    hundreds of thousands of rows once per figure at city scale); a county's figure that is 0 has no row."""
    counts = [func.sum(case((and_(*_narrowed(figure)), 1), else_=0)) for figure in FIGURES]
    found = await session.execute(
        select(StatPerson.county_code, *counts).where(StatPerson.month == month).group_by(StatPerson.county_code)
    )
    rows = [
        {"month": month, "county_code": county, "figure": figure.key, "value": int(value)}
        for county, *values in found.all()
        for figure, value in zip(FIGURES, values, strict=True)
        if value
    ]
    if rows:
        await session.execute(insert(StatFigure), rows)


def _narrowed(figure: Figure) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = [StatPerson.flow == figure.flow]
    if figure.column == "employed":
        employed = StatPerson.end_reason.in_(EMPLOYED_REASONS)
        where.append(employed if figure.value else ~employed)
    elif figure.column is not None:
        where.append(getattr(StatPerson, figure.column) == figure.value)
    return where


@dataclass(frozen=True)
class Taken:
    month: str
    final: bool
    again: bool  # taken now (False: final already, or taken by another run at the same moment)


async def take_month(session: AsyncSession, month: str, today: date | None = None) -> Taken:
    """Count the month's people and figures. A month that has ended is taken once and then frozen; the current
    month is provisional and taken again each time. Two runs at once: the primary keys let one of them count."""
    today = today or local_today()
    first = parse_month(month, today)
    month = f"{first:%Y-%m}"
    end = last_day(first)
    final = end < today
    on = end if final else today
    if await session.scalar(select(StatMonth.final).where(StatMonth.month == month)):
        return Taken(month, True, again=False)
    ends_after = local_midnight(on + timedelta(days=1))
    was_registered = [Registration.status.in_(WAS_REGISTERED), Registration.decided_at.is_not(None)]
    try:
        async with session.begin_nested():
            await session.execute(delete(StatFigure).where(StatFigure.month == month))
            await session.execute(delete(StatPerson).where(StatPerson.month == month))
            await session.execute(delete(StatMonth).where(StatMonth.month == month))
            session.add(StatMonth(month=month, as_of=on, final=final, rule=RULE))
            await session.flush()
            not_ended = or_(Registration.end_date.is_(None), Registration.end_date > on)
            await session.execute(
                _people_of(month, "stock", on, *was_registered, Registration.decided_at < ends_after, not_ended)
            )
            await session.execute(_people_of(month, "inflow", on, *was_registered,
                                             Registration.decided_at >= local_midnight(first),
                                             Registration.decided_at < ends_after))  # fmt: skip
            await session.execute(_people_of(month, "outflow", on, Registration.end_reason.is_not(None),
                                             Registration.end_date >= first, Registration.end_date <= on))  # fmt: skip
            await session.execute(_people_of(
                month, "post", on,
                Registration.id.in_(select(PublicWelfarePlacement.registration_id).where(
                    PublicWelfarePlacement.starts_on <= on, PublicWelfarePlacement.ends_on >= on,
                    or_(PublicWelfarePlacement.ended_on.is_(None), PublicWelfarePlacement.ended_on > on))),
            ))  # fmt: skip
            await _count_figures(session, month)
    except IntegrityError:  # another run took the same month at the same moment: theirs stands
        return Taken(month, final, again=False)
    await audit.record(session, audit.SYSTEM, "statistics.take", "statistics", month, {"final": final, "rule": RULE})
    return Taken(month, final, again=True)


async def take_due(session: AsyncSession, today: date | None = None) -> list[str]:
    """The daily job's part: last month taken once it is over (then final), and this month again (provisional).
    The months made final by this run."""
    today = today or local_today()
    this_month = today.replace(day=1)
    last_month = (this_month - timedelta(days=1)).replace(day=1)
    made_final = []
    for first in (last_month, this_month):
        taken = await take_month(session, f"{first:%Y-%m}", today)
        if taken.again and taken.final:
            made_final.append(taken.month)
    return made_final


# ---- reading ------------------------------------------------------------------------------------------------------


def area_for(scope: Scope, area: str) -> str:
    """The area a staff member asked for, within what they may see: their county, or for city staff any county
    or the whole city."""
    if not scope.is_city:
        if area not in ("", scope.area_code):
            raise InputError({"area": AREA_INVALID})
        return scope.area_code or ""
    return area or CITY


@dataclass(frozen=True)
class MonthFigures:
    month: str
    area: str
    values: dict[str, int]
    taken: StatMonth | None


async def month_figures(session: AsyncSession, month: str, area: str = CITY, today: date | None = None) -> MonthFigures:
    """The month's figures for a county or the city (the sum of the counties), every figure present (0 if none)."""
    today = today or local_today()
    first = parse_month(month, today)
    month = f"{first:%Y-%m}"
    taken = await session.get(StatMonth, month)
    query = select(StatFigure.figure, func.sum(StatFigure.value)).where(StatFigure.month == month)
    if area != CITY:
        query = query.where(StatFigure.county_code == area)
    counted = {figure: int(value) for figure, value in (await session.execute(query.group_by(StatFigure.figure))).all()}
    return MonthFigures(month, area, {f.key: counted.get(f.key, 0) for f in FIGURES}, taken)


async def figures_for(session: AsyncSession, scope: Scope, month: str, area: str = "") -> MonthFigures:
    return await month_figures(session, month, area_for(scope, area))


async def months_taken(session: AsyncSession, limit: int = 36) -> list[str]:
    return list(await session.scalars(select(StatMonth.month).order_by(StatMonth.month.desc()).limit(limit)))


@dataclass(frozen=True)
class Counted:
    number: str
    name: str
    county_code: str
    end_reason: str | None


@dataclass(frozen=True)
class PeoplePage:
    figure: Figure
    month: str
    area: str
    people: list[Counted]
    total: int
    page: int
    pages: int


async def people(
    session: AsyncSession, scope: Scope, month: str, figure_key: str, *, area: str = "", page: int = 1,
    reader: AsyncSession | None = None,
) -> PeoplePage:  # fmt: skip
    """The people a figure counted, in the order they applied (by registration id); the list is audited, as it
    names them. At city scale a month's stock is hundreds of thousands of people: the total is the figure itself
    (counted from the same rows when the month was taken), and a page is read along the (month, county, flow,
    registration) index, or the (month, flow, registration) key for the city, before the names are joined to it,
    so a page costs its 50 rows whatever the stock. `reader` (the read replica's session) reads them when given;
    the audit entry is written through `session`, on the primary."""
    reads = reader or session
    figure = BY_KEY.get(figure_key)
    if figure is None:
        raise NotFound()
    area = area_for(scope, area)
    first = parse_month(month, local_today())
    month = f"{first:%Y-%m}"
    where = [StatPerson.month == month, *_narrowed(figure)]
    counted = select(func.sum(StatFigure.value)).where(StatFigure.month == month, StatFigure.figure == figure.key)
    if area != CITY:
        where.append(StatPerson.county_code == area)
        counted = counted.where(StatFigure.county_code == area)
    total = int(await reads.scalar(counted) or 0)
    win = paging.window(total, page, PAGE_SIZE)
    shown = (
        select(StatPerson.registration_id, StatPerson.county_code, StatPerson.end_reason)
        .where(*where).order_by(StatPerson.registration_id).limit(win.limit).offset(win.offset)
        .subquery()
    )  # fmt: skip
    rows = await reads.execute(
        select(Registration.number, Person.name, shown.c.county_code, shown.c.end_reason)
        .join(Registration, Registration.id == shown.c.registration_id)
        .join(Person, Person.id == Registration.person_id)
        .order_by(shown.c.registration_id)
    )  # fmt: skip
    await audit.record(session, scope.actor, "statistics.people", "statistics", month,
                       {"figure": figure.key, "area": area, "page": win.page})  # fmt: skip
    return PeoplePage(figure, month, area, [Counted(*row) for row in rows.all()], total, win.page, win.pages)
