"""The yearly county assessment (绩效考核, issue 11 point 4): each county's indicators computed month by month by an
idempotent job into assessment_indicators, and the dashboard, its county trends and their exports read from there.

Why a table filled ahead: counting a year of 1,000,000 registrations and 10,000,000 service records on every page
view cannot answer in 200 ms; a year of the table is 10 counties x 12 months x 10 rows, read by its primary key.
A month's row keeps a numerator and a denominator, so the year's figure is the sum of the numerators over the sum of
the denominators (exact, not an average of percentages); working days to decide keep the month's whole distribution
(days: how many), so the year's median and 90th percentile are exact too (nearest rank: the smallest number of days
that at least half, or 90 %, of the decisions took no longer than)."""

from __future__ import annotations

import csv
import io
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Date, and_, case, cast, exists, func, literal, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from portal.clock import local_midnight, local_today
from portal.i18n import _, _l
from portal.models import (
    AssessmentIndicator,
    Certification,
    CertificationStatus,
    EventKind,
    Objection,
    Plan,
    Registration,
    RegistrationEvent,
    RegistrationStatus,
    ServiceArea,
    ServiceKind,
    ServiceRecord,
    ServiceRequest,
    ServiceResult,
)
from portal.models.base import utcnow
from portal.rules import charts
from portal.rules import service_minimum as minimum_rules
from portal.rules.policies import months_before
from portal.rules.workdays import is_workday
from portal.services import audit, calendar
from portal.services.errors import InputError, NotFound, OutOfScope
from portal.services.staff import Scope

FIRST_YEAR = 2020  # the earliest year the period form accepts
FORMATS = ("csv", "xlsx")
MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
_DECIDED = (RegistrationStatus.REGISTERED, RegistrationStatus.EMPLOYED, RegistrationStatus.EXITED)
_BACK_IN_WORK = ("1", "2", "3")
_COUNTED = (ServiceResult.REACHED, ServiceResult.REFUSED_WITH_REASON, ServiceResult.REFUSED_WITHOUT_REASON)
_MINIMUM_KINDS = [ServiceKind(kind) for kind in minimum_rules.TARGETS]
_DAY = timedelta(days=1)

PERIOD_INVALID = _l("Choose a year and a month from the list")
CHOICE_INVALID = _l("Select one of the options")


# ---- the indicators -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Indicator:
    """How one indicator is stored, combined over months and read. `kind`: count (the numerators added up), rate
    (a percentage of sums), mean (per month end) or median/p90 (of the days stored by `stored`); `better`: which way
    ranks first ("high", "low"), or "" for an indicator shown but not ranked."""

    code: str
    stored: str
    kind: str
    better: str
    label: object
    definition: object

    @property
    def unit(self) -> str:
        return "%" if self.kind == "rate" else ""

    @property
    def ranked(self) -> bool:
        return bool(self.better)


INDICATORS: list[Indicator] = [
    Indicator("registrations", "registrations", "count", "", _l("Registrations"), _l(
        "Applications decided as registered in the period. Shown for scale: a larger county registers more "
        "people, so this indicator is not ranked.")),
    Indicator("days_median", "decision_days", "median", "low", _l("Working days to decide (median)"), _l(
        "Working days from accepting an application to its decision (registered or refused), for the decisions of "
        "the period, on the working-day calendar with the bureau's own changes: half the decisions took this many "
        "days or fewer. Fewer is better.")),
    Indicator("days_p90", "decision_days", "p90", "low", _l("Working days to decide (90th percentile)"), _l(
        "As above: nine decisions in ten took this many working days or fewer. Fewer is better.")),
    Indicator("deferred_overdue", "deferred_overdue", "mean", "low", _l("Deferred cases overdue"), _l(
        "Deferred applications still without a decision at the end of a month although their 7-working-day "
        "deadline had passed, on average per month end. Fewer is better.")),
    Indicator("tracking_coverage", "tracking_coverage", "rate", "high", _l("Monthly tracking coverage"), _l(
        "Of the people registered at the end of each month, the share reached during that month by a tracking "
        "contact (a call, visit or message that reached them, or a data comparison).")),
    Indicator("first_contact", "first_contact", "rate", "high", _l("First contact within 5 working days"), _l(
        "Of the registrations decided in the period, the share whose first tracking contact reached the person by "
        "the day it was due (5 working days after registering).")),
    Indicator("service_minimum", "service_minimum", "rate", "high", _l("12333 minimum on pace"), _l(
        "Of the people registered at the end of each month and in their first year, the share who had every kind "
        "of the 12333 minimum (2 policy connections, 3 career-guidance sessions, 3 job recommendations, 3 "
        "free-training notices) at the year's pace by then.")),
    Indicator("requests_in_time", "requests_in_time", "rate", "high", _l("Service requests answered in time"), _l(
        "Of the service requests whose answer was due in the period, the share first answered by the day it was "
        "due.")),
    Indicator("objections_in_time", "objections_in_time", "rate", "high", _l("Objections answered in time"), _l(
        "Of the objections to public notices whose answer was due in the period, the share decided by the day it "
        "was due.")),
    Indicator("certified_with_plan", "certified_with_plan", "rate", "high", _l("Certified people with a plan"), _l(
        "Of the people certified with employment difficulty (and still certified) at the end of each month, the "
        "share with an assistance plan open then.")),
    Indicator("back_in_work", "back_in_work", "rate", "high", _l("Back in work"), _l(
        "Of the people on the register during each month (registered at its end, or ended in it), the share whose "
        "registration ended in the month because they found work (reasons 1 to 3: hired, self-employed or "
        "founded a business, stable income).")),
]  # fmt: skip
BY_CODE = {indicator.code: indicator for indicator in INDICATORS}
STORED = sorted({indicator.stored for indicator in INDICATORS})
RANKED = [indicator for indicator in INDICATORS if indicator.ranked]


# ---- the job ---------------------------------------------------------------------------------------------------------


def month_start(day: date) -> date:
    return day.replace(day=1)


def next_month(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def previous_month(day: date) -> date:
    return (day.replace(day=1) - _DAY).replace(day=1)


def parse_month(text: str) -> date | None:
    """'2026-11' as the month's first day, or None."""
    try:
        day = date.fromisoformat(f"{text.strip()}-01")
    except ValueError:
        return None
    return day if len(text.strip()) == 7 else None


def _local_day(column: Any, dialect: str) -> ColumnElement[Any]:
    """A UTC timestamp column's day in Zhanjiang, in SQL (China keeps one offset all year)."""
    if dialect == "postgresql":
        return cast(func.timezone("Asia/Shanghai", column), Date)
    return func.date(column, "+8 hours")


def _as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


Figures = dict[str, tuple[int, int, dict[str, int] | None]]  # county -> (numerator, denominator, histogram)


@dataclass(frozen=True)
class _Period:
    """One month measured: flows in [start, cut), stocks at the end of the day before `cut` (today's end for the
    month under way); deadlines that have passed by `due_before`."""

    start: date
    cut: date
    due_before: date

    @property
    def start_at(self) -> datetime:
        return local_midnight(self.start)

    @property
    def cut_at(self) -> datetime:
        return local_midnight(self.cut)


def _registered_at(period: _Period) -> ColumnElement[bool]:
    """Registered at the end of the period: decided as registered before it, and not ended by then."""
    return and_(
        Registration.status.in_(_DECIDED),
        Registration.decided_at < period.cut_at,
        or_(Registration.end_date.is_(None), Registration.end_date >= period.cut),
    )


async def _grouped(session: AsyncSession, query: Any) -> Figures:
    """Rows of (county, numerator, denominator) into figures."""
    return {county: (int(num or 0), int(den or 0), None) for county, num, den in (await session.execute(query)).all()}


def _reached_between(first: date, before: date) -> ColumnElement[bool]:
    return exists().where(
        ServiceRecord.registration_id == Registration.id,
        ServiceRecord.kind == ServiceKind.TRACKING,
        ServiceRecord.result == ServiceResult.REACHED,
        ServiceRecord.day >= first,
        ServiceRecord.day < before,
    )


async def _registrations(session: AsyncSession, period: _Period, dialect: str) -> Figures:
    query = (
        select(Registration.county_code, func.count(), literal(0))
        .where(Registration.status.in_(_DECIDED), Registration.decided_at >= period.start_at,
               Registration.decided_at < period.cut_at)
        .group_by(Registration.county_code)
    )  # fmt: skip
    return await _grouped(session, query)


async def _decision_days(session: AsyncSession, period: _Period, dialect: str) -> Figures:
    accepted, decided = _local_day(Registration.accepted_at, dialect), _local_day(Registration.decided_at, dialect)
    rows = (
        await session.execute(
            select(Registration.county_code, accepted, decided, func.count())
            .where(Registration.decided_at >= period.start_at, Registration.decided_at < period.cut_at)
            .group_by(Registration.county_code, accepted, decided)
        )
    ).all()
    if not rows:
        return {}
    pairs = [(county, _as_date(a), _as_date(d), n) for county, a, d, n in rows]
    first, last = min(p[1] for p in pairs), max(p[2] for p in pairs)
    overrides = await calendar.overrides_between(session, first, last)
    # Working days counted once over the span: days between two dates is a difference of running totals.
    running: dict[date, int] = {}
    total, day = 0, first
    while day <= last:
        total += is_workday(day, overrides)[0] if day > first else 0
        running[day] = total
        day += _DAY
    figures: dict[str, tuple[int, int, dict[str, int]]] = {}
    for county, a, d, n in pairs:
        days = max(running[d] - running[a], 0) if d >= a else 0
        num, den, hist = figures.get(county, (0, 0, {}))
        hist[str(days)] = hist.get(str(days), 0) + n
        figures[county] = (num + days * n, den + n, hist)
    return dict(figures)


async def _deferred_overdue(session: AsyncSession, period: _Period, dialect: str) -> Figures:
    deferred = or_(
        Registration.status == RegistrationStatus.DEFERRED,
        exists().where(RegistrationEvent.registration_id == Registration.id,
                       RegistrationEvent.kind == EventKind.DEFERRED),
    )  # fmt: skip
    query = (
        select(Registration.county_code, func.count(), literal(1))
        .where(
            Registration.accepted_at < period.cut_at,
            or_(Registration.decided_at.is_(None), Registration.decided_at >= period.cut_at),
            Registration.deadline < period.cut - _DAY,
            deferred,
        )
        .group_by(Registration.county_code)
    )
    return await _grouped(session, query)


async def _tracking_coverage(session: AsyncSession, period: _Period, dialect: str) -> Figures:
    reached = case((_reached_between(period.start, period.cut), 1), else_=0)
    query = (
        select(Registration.county_code, func.sum(reached), func.count())
        .where(_registered_at(period))
        .group_by(Registration.county_code)
    )
    return await _grouped(session, query)


async def _first_contact(session: AsyncSession, period: _Period, dialect: str) -> Figures:
    in_time = exists().where(
        ServiceRecord.registration_id == Registration.id,
        ServiceRecord.kind == ServiceKind.TRACKING,
        ServiceRecord.result == ServiceResult.REACHED,
        ServiceRecord.day <= Registration.first_contact_due,
    )
    query = (
        select(Registration.county_code, func.sum(case((in_time, 1), else_=0)), func.count())
        .where(Registration.status.in_(_DECIDED), Registration.decided_at >= period.start_at,
               Registration.decided_at < period.cut_at, Registration.first_contact_due.is_not(None))
        .group_by(Registration.county_code)
    )  # fmt: skip
    return await _grouped(session, query)


async def _service_minimum(session: AsyncSession, period: _Period, dialect: str) -> Figures:
    on = period.cut - _DAY
    first_year = Registration.decided_at >= local_midnight(months_before(on, minimum_rules.YEAR_MONTHS) + _DAY)
    counts = (
        select(
            ServiceRecord.registration_id,
            *(func.sum(case((ServiceRecord.kind == kind, 1), else_=0)).label(kind.value) for kind in _MINIMUM_KINDS),
        )
        .join(Registration, Registration.id == ServiceRecord.registration_id)
        .where(ServiceRecord.kind.in_(_MINIMUM_KINDS), ServiceRecord.result.in_(_COUNTED),
               ServiceRecord.day < period.cut, _registered_at(period), first_year)
        .group_by(ServiceRecord.registration_id)
        .subquery()
    )  # fmt: skip

    def decided_by_end_of(day: date) -> ColumnElement[bool]:
        return Registration.decided_at < local_midnight(day + _DAY)

    behind = []
    for kind in _MINIMUM_KINDS:
        target = minimum_rules.TARGETS[kind.value]
        expected = case(
            *((decided_by_end_of(months_before(on, minimum_rules.months_for(target, level))), level)
              for level in range(target, 0, -1)),
            else_=0,
        )  # fmt: skip
        behind.append(func.coalesce(counts.c[kind.value], 0) < expected)
    on_pace = case((or_(*behind), 0), else_=1)
    query = (
        select(Registration.county_code, func.sum(on_pace), func.count())
        .outerjoin(counts, counts.c.registration_id == Registration.id)
        .where(_registered_at(period), first_year)
        .group_by(Registration.county_code)
    )
    return await _grouped(session, query)


async def _requests_in_time(session: AsyncSession, period: _Period, dialect: str) -> Figures:
    answered = _local_day(ServiceRequest.first_answered_at, dialect)
    in_time = case((and_(ServiceRequest.first_answered_at.is_not(None), answered <= ServiceRequest.due), 1), else_=0)
    query = (
        select(ServiceRequest.county_code, func.sum(in_time), func.count())
        .where(ServiceRequest.due >= period.start, ServiceRequest.due < period.due_before)
        .group_by(ServiceRequest.county_code)
    )
    return await _grouped(session, query)


async def _objections_in_time(session: AsyncSession, period: _Period, dialect: str) -> Figures:
    decided = _local_day(Objection.decided_at, dialect)
    in_time = case((and_(Objection.decided_at.is_not(None), decided <= Objection.due), 1), else_=0)
    query = (
        select(Objection.county_code, func.sum(in_time), func.count())
        .where(Objection.due >= period.start, Objection.due < period.due_before)
        .group_by(Objection.county_code)
    )
    return await _grouped(session, query)


async def _certified_with_plan(session: AsyncSession, period: _Period, dialect: str) -> Figures:
    planned = exists().where(
        Plan.certification_id == Certification.id,
        Plan.opened_on < period.cut,
        or_(Plan.closed_on.is_(None), Plan.closed_on >= period.cut),
    )
    query = (
        select(Certification.county_code, func.sum(case((planned, 1), else_=0)), func.count())
        .where(Certification.status == CertificationStatus.CERTIFIED, Certification.certified_on < period.cut)
        .group_by(Certification.county_code)
    )
    return await _grouped(session, query)


async def _back_in_work(session: AsyncSession, period: _Period, dialect: str) -> Figures:
    ended_in_work = and_(Registration.end_reason.in_(_BACK_IN_WORK), Registration.end_date >= period.start,
                         Registration.end_date < period.cut)  # fmt: skip
    query = (
        select(Registration.county_code, func.sum(case((ended_in_work, 1), else_=0)), func.count())
        .where(Registration.status.in_(_DECIDED), Registration.decided_at < period.cut_at,
               or_(Registration.end_date.is_(None), Registration.end_date >= period.start))
        .group_by(Registration.county_code)
    )  # fmt: skip
    return await _grouped(session, query)


_COMPUTE = {
    "registrations": _registrations,
    "decision_days": _decision_days,
    "deferred_overdue": _deferred_overdue,
    "tracking_coverage": _tracking_coverage,
    "first_contact": _first_contact,
    "service_minimum": _service_minimum,
    "requests_in_time": _requests_in_time,
    "objections_in_time": _objections_in_time,
    "certified_with_plan": _certified_with_plan,
    "back_in_work": _back_in_work,
}


async def compute_month(session: AsyncSession, month: date, today: date | None = None) -> int:
    """Compute every county's indicators for the month of `month` (so far, for the month under way) and write them,
    one row per county and indicator, by INSERT … ON CONFLICT DO UPDATE in key order: running it again rewrites
    the same rows, and two runs at once end with the same figures. Months to come are left alone."""
    today = today or local_today()
    start = month_start(month)
    if start > today:
        return 0
    following = next_month(start)
    period = _Period(start, min(following, today + _DAY), min(following, today))
    dialect = (await session.connection()).dialect.name
    counties = list(await session.scalars(select(ServiceArea.code).order_by(ServiceArea.code)))
    now = utcnow()
    rows: list[dict[str, Any]] = []
    for code in sorted(_COMPUTE):
        figures = await _COMPUTE[code](session, period, dialect)
        for county in counties:
            num, den, hist = figures.get(county, (0, 0, None))
            if code == "deferred_overdue":
                den = 1  # one month end, counted or not
            if code == "decision_days" and hist is None:
                hist = {}
            rows.append({"year_month": f"{start:%Y-%m}", "county_code": county, "indicator": code,
                         "numerator": num, "denominator": den, "histogram": hist, "computed_at": now})  # fmt: skip
    if not rows:
        return 0
    rows.sort(key=lambda row: (row["county_code"], row["indicator"]))
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(AssessmentIndicator).values(rows)
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=["year_month", "county_code", "indicator"],
            set_={name: statement.excluded[name] for name in ("numerator", "denominator", "histogram", "computed_at")},
        )
    )
    return len(rows)


async def compute(session: AsyncSession, months: Iterable[date], today: date | None = None) -> dict[str, int]:
    """Compute each month given (see compute_month); rows written by month."""
    today = today or local_today()
    return {f"{month:%Y-%m}": await compute_month(session, month, today) for month in sorted(set(months))}


def recent_months(today: date, count: int) -> list[date]:
    """The month of `today` and the `count` - 1 before it."""
    months = [month_start(today)]
    while len(months) < count:
        months.append(previous_month(months[-1]))
    return sorted(months)


# ---- reading: figures, ranks, the dashboard ------------------------------------------------------------------------


@dataclass
class _Sums:
    numerator: int = 0
    denominator: int = 0
    histogram: dict[int, int] = field(default_factory=dict)

    def add(self, numerator: int, denominator: int, histogram: Mapping[str, int] | None) -> None:
        self.numerator += numerator
        self.denominator += denominator
        for days, n in (histogram or {}).items():
            self.histogram[int(days)] = self.histogram.get(int(days), 0) + int(n)


def percentile(histogram: Mapping[int, int], share: float) -> int | None:
    """The nearest-rank percentile of a distribution (value: how many): the smallest value that at least `share`
    of the whole are at or below; None for an empty one."""
    total = sum(histogram.values())
    if total <= 0:
        return None
    needed = math.ceil(share * total)
    seen = 0
    for value in sorted(histogram):
        seen += histogram[value]
        if seen >= needed:
            return value
    return max(histogram)  # pragma: no cover - the loop always reaches the total


@dataclass(frozen=True)
class Figure:
    value: float | None
    numerator: int
    denominator: int


def figure_of(indicator: Indicator, sums: _Sums) -> Figure:
    value: float | None
    if indicator.kind == "count":
        value = float(sums.numerator)
    elif indicator.kind in ("median", "p90"):
        found = percentile(sums.histogram, 0.5 if indicator.kind == "median" else 0.9)
        value = None if found is None else float(found)
        return Figure(value, sum(sums.histogram.values()), 0)
    elif sums.denominator <= 0:
        value = None
    elif indicator.kind == "rate":
        value = round(100 * sums.numerator / sums.denominator, 1)
    else:
        value = round(sums.numerator / sums.denominator, 1)
    return Figure(value, sums.numerator, sums.denominator)


def ranks(values: Mapping[str, float | None], better: str) -> dict[str, int | None]:
    """Competition ranking (1, 2, 2, 4): equal values share a place; no value, no place."""
    known = [(code, value) for code, value in values.items() if value is not None]
    order = sorted((value for _, value in known), reverse=(better == "high"))
    ranked: dict[str, int | None] = dict.fromkeys(values)
    for code, value in known:
        ranked[code] = order.index(value) + 1
    return ranked


def worse_than(indicator: Indicator, value: float | None, target: float) -> bool:
    """Whether a value falls short of a target, in the indicator's direction (no value: not measured)."""
    if value is None or not indicator.ranked:
        return False
    return value < target if indicator.better == "high" else value > target


@dataclass(frozen=True)
class CountyRow:
    code: str
    name: str
    figure: Figure
    rank: int | None


@dataclass(frozen=True)
class Table:
    indicator: Indicator
    rows: list[CountyRow]  # by rank, then the usual order of counties
    city: Figure
    chart: str
    summary: str


@dataclass(frozen=True)
class OverallRow:
    code: str
    name: str
    mean_rank: float | None
    place: int | None
    ranks: dict[str, int | None]


@dataclass(frozen=True)
class Period:
    year: int
    through: int  # the last month of the period

    @property
    def first(self) -> str:
        return f"{self.year:04d}-01"

    @property
    def last(self) -> str:
        return f"{self.year:04d}-{self.through:02d}"

    @property
    def months(self) -> list[str]:
        return [f"{self.year:04d}-{month:02d}" for month in range(1, self.through + 1)]


@dataclass(frozen=True)
class Dashboard:
    period: Period
    tables: list[Table]
    overall: list[OverallRow]
    computed_at: datetime | None
    years: list[int]


def check_period(year: str, through: str, today: date | None = None) -> Period:
    """The period from the form: a year we can have figures for, and a month of it that has begun (default: the
    year to date, or the whole of a past year). 400 otherwise."""
    today = today or local_today()
    picked_year = today.year if not year.strip() else _small_int(year)
    if picked_year is None or not FIRST_YEAR <= picked_year <= today.year:
        raise InputError({"year": PERIOD_INVALID}, status_code=400)
    latest = today.month if picked_year == today.year else 12
    picked_through = latest if not through.strip() else _small_int(through)
    if picked_through is None or not 1 <= picked_through <= latest:
        raise InputError({"through": PERIOD_INVALID}, status_code=400)
    return Period(picked_year, picked_through)


def _small_int(text: str) -> int | None:
    text = text.strip()
    return int(text) if text.isdigit() and len(text) <= 4 else None


def year_choices(today: date | None = None) -> list[int]:
    today = today or local_today()
    return list(range(today.year, max(FIRST_YEAR, today.year - 5) - 1, -1))


async def _read(
    session: AsyncSession, period: Period, county: str | None = None
) -> tuple[list[AssessmentIndicator], datetime | None]:
    query = select(AssessmentIndicator).where(
        AssessmentIndicator.year_month >= period.first, AssessmentIndicator.year_month <= period.last
    )
    if county is not None:
        query = query.where(AssessmentIndicator.county_code == county)
    rows = list(await session.scalars(query))
    return rows, max((row.computed_at for row in rows), default=None)


def _summary(indicator: Indicator, rows: Sequence[CountyRow]) -> str:
    ranked = [row for row in rows if row.rank is not None]
    if not ranked:
        measured = [row for row in rows if row.figure.value is not None]
        if not measured:
            return _("No figures for this period yet.")
        top = max(measured, key=lambda row: row.figure.value or 0)
        low = min(measured, key=lambda row: row.figure.value or 0)
        return _("Most: %(most)s (%(most_value)s); fewest: %(fewest)s (%(fewest_value)s).", most=top.name,
                 most_value=charts.number(top.figure.value), fewest=low.name,
                 fewest_value=charts.number(low.figure.value))  # fmt: skip
    best, worst = ranked[0], ranked[-1]
    return _("Best: %(best)s (%(best_value)s); worst: %(worst)s (%(worst_value)s).", best=best.name,
             best_value=charts.number(best.figure.value) + indicator.unit, worst=worst.name,
             worst_value=charts.number(worst.figure.value) + indicator.unit)  # fmt: skip


async def dashboard(session: AsyncSession, scope: Scope, period: Period, names: Mapping[str, str]) -> Dashboard:
    """Every county compared on every indicator for the period, ranked, with the city's figure, a chart and a
    sentence each; and the overall ranking (the mean of each county's places over the ranked indicators). City
    staff only: county staff read their own county's page."""
    if not scope.is_city:
        raise NotFound()
    rows, computed_at = await _read(session, period)
    sums: dict[tuple[str, str], _Sums] = defaultdict(_Sums)
    city: dict[str, _Sums] = defaultdict(_Sums)
    for stored in rows:
        sums[(stored.county_code, stored.indicator)].add(stored.numerator, stored.denominator, stored.histogram)
        city[stored.indicator].add(stored.numerator, stored.denominator, stored.histogram)
    tables: list[Table] = []
    places: dict[str, dict[str, int | None]] = {code: {} for code in names}
    for indicator in INDICATORS:
        figures = {code: figure_of(indicator, sums[(code, indicator.stored)]) for code in names}
        placed = ranks({code: f.value for code, f in figures.items()}, indicator.better) if indicator.ranked else {}
        county_rows = [CountyRow(code, name, figures[code], placed.get(code)) for code, name in names.items()]
        if indicator.ranked:
            county_rows.sort(key=lambda row: (row.rank is None, row.rank or 0))
            for row in county_rows:
                places[row.code][indicator.code] = row.rank
        chart_id = f"chart-{indicator.code}"
        top = 100.0 if indicator.kind == "rate" else None
        chart = charts.bars([(row.name, row.figure.value) for row in county_rows], labelledby=f"{chart_id}-caption",
                            unit=indicator.unit, top=top)  # fmt: skip
        tables.append(Table(indicator, county_rows, figure_of(indicator, city[indicator.stored]), chart,
                            _summary(indicator, county_rows)))  # fmt: skip
    return Dashboard(period, tables, overall_ranking(places, names), computed_at, year_choices())


def overall_ranking(places: Mapping[str, Mapping[str, int | None]], names: Mapping[str, str]) -> list[OverallRow]:
    """Each county's mean place over the ranked indicators it has a figure for (lower is better), and its place by
    that mean; a county without any figure has neither."""
    means: dict[str, float | None] = {}
    for code in names:
        held = [rank for rank in places.get(code, {}).values() if rank is not None]
        means[code] = round(sum(held) / len(held), 2) if held else None
    placed = ranks(means, "low")
    rows = [
        OverallRow(code, name, means[code], placed[code], dict(places.get(code, {}))) for code, name in names.items()
    ]
    rows.sort(key=lambda row: (row.place is None, row.place or 0))
    return rows


# ---- one county's trend --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MonthFigure:
    month: str
    figure: Figure


@dataclass(frozen=True)
class Trend:
    indicator: Indicator
    months: list[MonthFigure]
    year: Figure
    city_year: Figure
    chart: str
    summary: str


@dataclass(frozen=True)
class CountyPage:
    code: str
    name: str
    period: Period
    trends: list[Trend]
    computed_at: datetime | None
    years: list[int]


async def county_page(
    session: AsyncSession, scope: Scope, county: str, period: Period, names: Mapping[str, str]
) -> CountyPage:
    """One county's indicators month by month through the period, with its figure for the period and the city's.
    County staff see their own county only (another's answers as not found, and is audited)."""
    if county not in names:
        raise NotFound()
    if not scope.covers(county):
        raise OutOfScope(scope.actor, "assessment", county)
    rows, computed_at = await _read(session, period)
    by_month: dict[tuple[str, str], _Sums] = defaultdict(_Sums)
    year: dict[str, _Sums] = defaultdict(_Sums)
    city: dict[str, _Sums] = defaultdict(_Sums)
    for row in rows:
        city[row.indicator].add(row.numerator, row.denominator, row.histogram)
        if row.county_code == county:
            by_month[(row.year_month, row.indicator)].add(row.numerator, row.denominator, row.histogram)
            year[row.indicator].add(row.numerator, row.denominator, row.histogram)
    trends = []
    for indicator in INDICATORS:
        months = [MonthFigure(month, figure_of(indicator, by_month[(month, indicator.stored)]))
                  for month in period.months]  # fmt: skip
        chart = charts.line([(month.month[5:], month.figure.value) for month in months],
                            labelledby=f"chart-{indicator.code}-caption", unit=indicator.unit,
                            top=100.0 if indicator.kind == "rate" else None)  # fmt: skip
        trends.append(Trend(indicator, months, figure_of(indicator, year[indicator.stored]),
                            figure_of(indicator, city[indicator.stored]), chart,
                            _trend_summary(indicator, months)))  # fmt: skip
    return CountyPage(county, names[county], period, trends, computed_at, year_choices())


def _trend_summary(indicator: Indicator, months: Sequence[MonthFigure]) -> str:
    measured = [m for m in months if m.figure.value is not None]
    if not measured:
        return _("No figures for this period yet.")
    high = max(measured, key=lambda m: m.figure.value or 0)
    low = min(measured, key=lambda m: m.figure.value or 0)
    return _("Highest in %(high)s (%(high_value)s), lowest in %(low)s (%(low_value)s); %(last)s in %(month)s.",
             high=high.month, high_value=charts.number(high.figure.value) + indicator.unit, low=low.month,
             low_value=charts.number(low.figure.value) + indicator.unit,
             last=charts.number(measured[-1].figure.value) + indicator.unit, month=measured[-1].month)  # fmt: skip


# ---- exports ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Export:
    filename: str
    media_type: str
    content: bytes


def _safe(value: str) -> str:
    """A cell a spreadsheet would run as a formula is kept as text (CSV/formula injection)."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def _file(rows: list[list[str]], fmt: str, sheet: str) -> bytes:
    safe = [[_safe(cell) for cell in row] for row in rows]
    if fmt == "csv":
        buffer = io.StringIO()
        csv.writer(buffer).writerows(safe)
        return "\ufeff".encode() + buffer.getvalue().encode()  # the BOM: spreadsheets read the Chinese as UTF-8
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    page = book.create_sheet(title=sheet[:31])
    for row in safe:
        page.append(row)
    buffer_bytes = io.BytesIO()
    book.save(buffer_bytes)
    return buffer_bytes.getvalue()


def _value(figure: Figure) -> str:
    return "" if figure.value is None else charts.number(figure.value)


def dashboard_rows(board: Dashboard, table: str) -> list[list[str]]:
    """One table of the dashboard as rows of text (a header first): 'overall' or an indicator's code."""
    if table == "overall":
        header = [_("Place"), _("Service area"), _("Mean place")] + [str(i.label) for i in RANKED]
        return [header] + [
            [str(row.place or ""), row.name, "" if row.mean_rank is None else charts.number(row.mean_rank, 2)]
            + [str(row.ranks.get(i.code) or "") for i in RANKED]
            for row in board.overall
        ]
    found = next(t for t in board.tables if t.indicator.code == table)
    header = [_("Place"), _("Service area"), str(found.indicator.label), _("Numerator"), _("Denominator")]
    body = [[str(row.rank or ""), row.name, _value(row.figure), str(row.figure.numerator),
             str(row.figure.denominator)] for row in found.rows]  # fmt: skip
    return [header, *body, ["", _("City"), _value(found.city), str(found.city.numerator), str(found.city.denominator)]]


def county_rows(page: CountyPage, table: str) -> list[list[str]]:
    found = next(t for t in page.trends if t.indicator.code == table)
    header = [_("Month"), str(found.indicator.label), _("Numerator"), _("Denominator")]
    body = [[m.month, _value(m.figure), str(m.figure.numerator), str(m.figure.denominator)] for m in found.months]
    return [header, *body, [_("The period"), _value(found.year), str(found.year.numerator),
                            str(found.year.denominator)]]  # fmt: skip


def _check_export(table: str, fmt: str, tables: Iterable[str]) -> None:
    errors: dict[str, object] = {}
    if table not in tables:
        errors["table"] = CHOICE_INVALID
    if fmt not in FORMATS:
        errors["file"] = CHOICE_INVALID
    if errors:
        raise InputError(errors, status_code=400)


async def export_dashboard(
    session: AsyncSession, scope: Scope, period: Period, table: str, fmt: str, names: Mapping[str, str]
) -> Export:
    """One table of the city dashboard as CSV or XLSX, audited."""
    _check_export(table, fmt, ["overall", *BY_CODE])
    board = await dashboard(session, scope, period, names)
    await audit.record(session, scope.actor, "assessment.export", "assessment", "city",
                       {"table": table, "format": fmt, "period": f"{period.first}..{period.last}"})  # fmt: skip
    content = _file(dashboard_rows(board, table), fmt, table)
    return Export(f"assessment-{table}-{period.last}.{fmt}", MEDIA_TYPES[fmt], content)


async def export_county(
    session: AsyncSession, scope: Scope, county: str, period: Period, table: str, fmt: str, names: Mapping[str, str]
) -> Export:
    """One trend table of a county's page as CSV or XLSX, audited."""
    _check_export(table, fmt, BY_CODE)
    found = await county_page(session, scope, county, period, names)
    await audit.record(session, scope.actor, "assessment.export", "assessment", county,
                       {"table": table, "format": fmt, "period": f"{period.first}..{period.last}"})  # fmt: skip
    content = _file(county_rows(found, table), fmt, table)
    return Export(f"assessment-{county}-{table}-{period.last}.{fmt}", MEDIA_TYPES[fmt], content)
