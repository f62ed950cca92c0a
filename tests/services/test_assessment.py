"""The county assessment: each indicator counted from a small history built by hand, a year's figure combined from
its months (the median and 90th percentile exactly, from the stored distributions), the ranking, the job run again
and twice at once, county scope, the exports; and the circulars' versions, lock and publication."""

from __future__ import annotations

import asyncio
import csv
import io
from datetime import date, datetime

import pytest
from sqlalchemy import func, select, update

from portal.clock import LOCAL_TZ
from portal.models import (
    AssessmentIndicator,
    AuditEntry,
    CircularVersion,
    Registration,
    RegistrationStatus,
    RequestChannel,
    RequestKind,
    ServiceChannel,
    ServiceKind,
    ServiceRecord,
    ServiceRequest,
    ServiceResult,
)
from portal.services import assessment, circulars
from portal.services.errors import Conflict, InputError, NotAllowed, NotFound, OutOfScope
from portal.services.staff import Scope
from tests.conftest import make_id
from tests.staffing import make_case, registered_case

TODAY = date(2026, 11, 30)
OCTOBER = date(2026, 10, 1)
CHIKAN, XIASHAN = "440802", "440803"
ROWS = 10 * 10  # ten service areas, ten stored indicators each
NAMES = {CHIKAN: "赤坎", XIASHAN: "霞山", "440881": "廉江"}


def at(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=LOCAL_TZ)


async def _people(db, services, reviewer: Scope, count: int, start: int = 0) -> list[Registration]:
    return [
        await registered_case(db, services, reviewer, phone=f"133000005{n:02d}",
                              id_number=make_id(date(1990, 1, 1), "M", sequence=n + 1))
        for n in range(start, start + count)
    ]  # fmt: skip


async def _set(db, registration: Registration, **values) -> None:
    await db.execute(update(Registration).where(Registration.id == registration.id).values(**values))
    await db.commit()


def _record(registration: Registration, day: date, kind: ServiceKind = ServiceKind.TRACKING,
            result: ServiceResult = ServiceResult.REACHED) -> ServiceRecord:  # fmt: skip
    return ServiceRecord(registration_id=registration.id, day=day, kind=kind, channel=ServiceChannel.PHONE,
                         result=result, note="")  # fmt: skip


async def _stored(db, county: str = CHIKAN, month: str = "2026-10") -> dict[str, tuple[int, int, dict | None]]:
    rows = await db.scalars(
        select(AssessmentIndicator).where(AssessmentIndicator.county_code == county,
                                          AssessmentIndicator.year_month == month)
    )  # fmt: skip
    return {row.indicator: (row.numerator, row.denominator, row.histogram) for row in rows}


# ---- pure parts ---------------------------------------------------------------------------------------------------


def test_the_percentile_is_the_nearest_rank_of_the_whole_distribution() -> None:
    assert assessment.percentile({0: 1, 3: 1, 5: 1}, 0.5) == 3
    assert assessment.percentile({1: 9, 10: 1}, 0.9) == 1
    assert assessment.percentile({1: 8, 10: 2}, 0.9) == 10
    assert assessment.percentile({2: 1, 4: 1}, 0.5) == 2  # the lower middle of an even count
    assert assessment.percentile({}, 0.5) is None


def test_ranks_share_places_on_equal_values_and_leave_out_counties_without_a_figure() -> None:
    assert assessment.ranks({"a": 90.0, "b": 80.0, "c": 90.0, "d": None}, "high") == {"a": 1, "b": 3, "c": 1, "d": None}
    assert assessment.ranks({"a": 2.0, "b": 5.0}, "low") == {"a": 1, "b": 2}


def test_the_overall_place_is_by_the_mean_place_over_the_indicators_with_a_figure() -> None:
    places = {"a": {"x": 1, "y": 3}, "b": {"x": 2, "y": 1}, "c": {"x": None, "y": 2}, "d": {}}
    rows = assessment.overall_ranking(places, {"a": "A", "b": "B", "c": "C", "d": "D"})
    assert [(row.code, row.mean_rank, row.place) for row in rows] == [
        ("b", 1.5, 1), ("a", 2.0, 2), ("c", 2.0, 2), ("d", None, None),
    ]  # fmt: skip


def test_a_period_must_be_a_year_and_month_that_has_begun() -> None:
    assert assessment.check_period("", "", TODAY) == assessment.Period(2026, 11)
    assert assessment.check_period("2025", "", TODAY) == assessment.Period(2025, 12)
    for year, through in (("2027", ""), ("1999", ""), ("abc", ""), ("2026", "12"), ("2026", "0"), ("2026", "x" * 50)):
        with pytest.raises(InputError) as raised:
            assessment.check_period(year, through, TODAY)
        assert raised.value.status_code == 400


def test_a_year_combines_its_months_by_their_sums_not_by_averaging_percentages() -> None:
    sums = assessment._Sums()
    sums.add(1, 1, None)  # 100 % of one person
    sums.add(0, 3, None)  # 0 % of three
    rate = assessment.BY_CODE["tracking_coverage"]
    assert assessment.figure_of(rate, sums).value == 25.0
    days = assessment._Sums()
    days.add(0, 0, {"1": 2, "9": 1})
    days.add(0, 0, {"2": 1, "9": 1})
    assert assessment.figure_of(assessment.BY_CODE["days_median"], days).value == 2.0
    assert assessment.figure_of(assessment.BY_CODE["days_p90"], days).value == 9.0


# ---- the job --------------------------------------------------------------------------------------------------------


async def test_flows_of_a_month_are_counted_for_the_county(db, services, scopes) -> None:
    quick, slow, same_day = await _people(db, services, scopes["reviewer"], 3)
    await _set(db, quick, accepted_at=at(date(2026, 10, 12)), decided_at=at(date(2026, 10, 15)),
               first_contact_due=date(2026, 10, 22))  # fmt: skip
    await _set(db, slow, accepted_at=at(date(2026, 10, 12)), decided_at=at(date(2026, 10, 19)),
               first_contact_due=date(2026, 10, 26))  # fmt: skip
    await _set(db, same_day, accepted_at=at(date(2026, 10, 12), 9), decided_at=at(date(2026, 10, 12), 16),
               first_contact_due=date(2026, 10, 19), status=RegistrationStatus.EMPLOYED, end_reason="1",
               end_date=date(2026, 10, 25))  # fmt: skip
    db.add_all([_record(quick, date(2026, 10, 20)), _record(slow, date(2026, 10, 28)),
                _record(same_day, date(2026, 10, 14), result=ServiceResult.NOT_REACHED)])  # fmt: skip
    await db.commit()

    assert await assessment.compute_month(db, OCTOBER, TODAY) == ROWS
    await db.commit()
    stored = await _stored(db)
    assert stored["registrations"][0] == 3
    # Working days after acceptance up to the decision: 13-15 October (3), 13-16 and 19 October (5), the same day (0).
    assert stored["decision_days"] == (8, 3, {"0": 1, "3": 1, "5": 1})
    assert stored["first_contact"][:2] == (1, 3)  # only the quick one was reached by the day it was due
    assert stored["tracking_coverage"][:2] == (2, 2)  # the one who found work is off the register at the month's end
    assert stored["back_in_work"][:2] == (1, 3)
    assert (await _stored(db, XIASHAN))["registrations"][0] == 0  # every county has its rows


async def test_deferred_cases_past_their_deadline_at_the_month_end_are_counted(db, services, scopes) -> None:
    late = await make_case(db, services, phone="13300000601", id_number=make_id(date(1990, 1, 1), "M", sequence=61))
    due_last_day = await make_case(db, services, phone="13300000602",
                                   id_number=make_id(date(1990, 1, 1), "M", sequence=62))  # fmt: skip
    decided_in_time = await registered_case(db, services, scopes["reviewer"], phone="13300000603",
                                            id_number=make_id(date(1990, 1, 1), "M", sequence=63))  # fmt: skip
    await _set(db, late, status=RegistrationStatus.DEFERRED, accepted_at=at(date(2026, 10, 12)),
               deadline=date(2026, 10, 21))  # fmt: skip
    await _set(db, due_last_day, status=RegistrationStatus.DEFERRED, accepted_at=at(date(2026, 10, 20)),
               deadline=date(2026, 10, 31))  # fmt: skip
    await _set(db, decided_in_time, accepted_at=at(date(2026, 10, 12)), deadline=date(2026, 10, 21),
               decided_at=at(date(2026, 10, 20)))  # fmt: skip
    await assessment.compute_month(db, OCTOBER, TODAY)
    await db.commit()
    assert (await _stored(db))["deferred_overdue"][:2] == (1, 1)


async def test_the_12333_minimum_counts_people_on_the_years_pace_at_the_month_end(db, services, scopes) -> None:
    served, behind, past_first_year = await _people(db, services, scopes["reviewer"], 3, start=10)
    for person in (served, behind):  # four whole months by 31 October: 1 of each kind but policy is due
        await _set(db, person, decided_at=at(date(2026, 6, 15)))
    await _set(db, past_first_year, decided_at=at(date(2025, 6, 15)))
    db.add_all([_record(served, date(2026, 9, 1), kind) for kind in
                (ServiceKind.GUIDANCE, ServiceKind.JOB_RECOMMENDATION, ServiceKind.TRAINING)])  # fmt: skip
    db.add_all([_record(behind, date(2026, 9, 1), kind) for kind in (ServiceKind.GUIDANCE, ServiceKind.TRAINING)])
    db.add(_record(behind, date(2026, 11, 2), ServiceKind.JOB_RECOMMENDATION))  # after the month: not counted
    await db.commit()
    await assessment.compute_month(db, OCTOBER, TODAY)
    await db.commit()
    assert (await _stored(db))["service_minimum"][:2] == (1, 2)


async def test_service_requests_count_by_their_due_day_and_first_answer(db, services, scopes) -> None:
    (person,) = await _people(db, services, scopes["reviewer"], 1, start=20)

    def request(number: str, due: date, answered: datetime | None) -> ServiceRequest:
        return ServiceRequest(number=number, registration_id=person.id, county_code=CHIKAN, kind=RequestKind.POLICY,
                              channel=RequestChannel.ONLINE, due=due, first_answered_at=answered)  # fmt: skip

    db.add_all([
        request("SR1", date(2026, 10, 14), at(date(2026, 10, 14), 23)),  # the evening of the day it was due
        request("SR2", date(2026, 10, 14), at(date(2026, 10, 15), 9)),
        request("SR3", date(2026, 10, 20), None),
        request("SR4", date(2026, 11, 2), None),  # due the next month
    ])  # fmt: skip
    await db.commit()
    await assessment.compute_month(db, OCTOBER, TODAY)
    await db.commit()
    assert (await _stored(db))["requests_in_time"][:2] == (1, 3)


async def test_running_again_rewrites_the_same_rows_and_months_to_come_are_left_alone(db, services, scopes) -> None:
    (person,) = await _people(db, services, scopes["reviewer"], 1, start=30)
    await _set(db, person, decided_at=at(date(2026, 10, 15)))
    await assessment.compute(db, [OCTOBER, date(2026, 12, 1)], TODAY)
    await db.commit()
    await _set(db, person, decided_at=at(date(2026, 10, 16)))
    await assessment.compute(db, [OCTOBER], TODAY)
    await db.commit()
    assert await db.scalar(select(func.count()).select_from(AssessmentIndicator)) == ROWS
    assert (await _stored(db))["registrations"][0] == 1


async def test_two_runs_at_once_end_with_one_row_each(db, services, scopes) -> None:
    (person,) = await _people(db, services, scopes["reviewer"], 1, start=40)
    await _set(db, person, decided_at=at(date(2026, 10, 15)))

    async def run() -> int:
        async with services.sessionmaker() as session:
            written = await assessment.compute_month(session, OCTOBER, TODAY)
            await session.commit()
            return written

    if db.get_bind().dialect.name == "postgresql":
        results = await asyncio.gather(run(), run())
    else:  # SQLite takes one writer at a time: the second run waits its turn
        results = [await run(), await run()]
    assert results == [ROWS] * 2
    assert await db.scalar(select(func.count()).select_from(AssessmentIndicator)) == ROWS
    assert (await _stored(db))["registrations"][0] == 1


async def test_run_due_computes_this_month_and_the_last(db, services) -> None:
    from portal.services import jobs

    await jobs.run_due(db, services.cipher, today=TODAY)
    await db.commit()
    months = set(await db.scalars(select(AssessmentIndicator.year_month).distinct()))
    assert months == {"2026-10", "2026-11"}


# ---- reading -------------------------------------------------------------------------------------------------------


async def _fill(db) -> None:
    """Two months of figures: 赤坎 covers more people, 霞山 decides faster."""
    rows = []
    for month in ("2026-01", "2026-02"):
        for county, covered, days in ((CHIKAN, 9, {"5": 2}), (XIASHAN, 5, {"1": 2}), ("440881", 0, {})):
            rows += [
                AssessmentIndicator(year_month=month, county_code=county, indicator="tracking_coverage",
                                    numerator=covered, denominator=10 if county != "440881" else 0),
                AssessmentIndicator(year_month=month, county_code=county, indicator="decision_days",
                                    numerator=0, denominator=0, histogram=days),
                AssessmentIndicator(year_month=month, county_code=county, indicator="registrations",
                                    numerator=3, denominator=0),
            ]  # fmt: skip
    db.add_all(rows)
    await db.commit()


async def test_the_dashboard_ranks_the_counties_on_each_indicator_and_overall(db, scopes) -> None:
    await _fill(db)
    board = await assessment.dashboard(db, scopes["admin"], assessment.Period(2026, 2), NAMES)
    coverage = next(t for t in board.tables if t.indicator.code == "tracking_coverage")
    assert [(row.code, row.figure.value, row.rank) for row in coverage.rows] == [
        (CHIKAN, 90.0, 1), (XIASHAN, 50.0, 2), ("440881", None, None),
    ]  # fmt: skip
    assert coverage.city.value == 70.0
    assert "赤坎" in coverage.summary
    assert "霞山" in coverage.summary
    assert 'role="img"' in coverage.chart
    assert 'aria-labelledby="chart-tracking_coverage-caption"' in coverage.chart
    median = next(t for t in board.tables if t.indicator.code == "days_median")
    assert [(row.code, row.figure.value, row.rank) for row in median.rows][:2] == [(XIASHAN, 1.0, 1), (CHIKAN, 5.0, 2)]
    # 霞山 is first on both kinds of working days and second on coverage: a mean place of 1.33 against 1.67.
    assert [(row.code, row.mean_rank, row.place) for row in board.overall] == [
        (XIASHAN, 1.33, 1), (CHIKAN, 1.67, 2), ("440881", None, None),
    ]  # fmt: skip


async def test_county_staff_read_their_own_countys_trend_only(db, scopes) -> None:
    await _fill(db)
    reviewer = scopes["reviewer"]
    page = await assessment.county_page(db, reviewer, CHIKAN, assessment.Period(2026, 2), NAMES)
    coverage = next(t for t in page.trends if t.indicator.code == "tracking_coverage")
    assert [m.figure.value for m in coverage.months] == [90.0, 90.0]
    assert (coverage.year.value, coverage.city_year.value) == (90.0, 70.0)
    with pytest.raises(OutOfScope):
        await assessment.county_page(db, reviewer, XIASHAN, assessment.Period(2026, 2), NAMES)
    with pytest.raises(NotFound):
        await assessment.county_page(db, scopes["admin"], "999999", assessment.Period(2026, 2), NAMES)
    with pytest.raises(NotFound):
        await assessment.dashboard(db, reviewer, assessment.Period(2026, 2), NAMES)


async def test_an_export_is_the_tables_rows_escaped_and_audited(db, scopes) -> None:
    await _fill(db)
    names = {**NAMES, "440881": "=HYPERLINK(1)"}
    made = await assessment.export_dashboard(db, scopes["admin"], assessment.Period(2026, 2), "tracking_coverage",
                                             "csv", names)  # fmt: skip
    await db.commit()
    text = made.content.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text[1:])))
    assert rows[1][:3] == ["1", "赤坎", "90"]
    assert rows[3][1] == "'=HYPERLINK(1)"
    xlsx = await assessment.export_dashboard(db, scopes["admin"], assessment.Period(2026, 2), "overall", "xlsx",
                                             NAMES)  # fmt: skip
    assert xlsx.content[:2] == b"PK"
    with pytest.raises(InputError):
        await assessment.export_dashboard(db, scopes["admin"], assessment.Period(2026, 2), "nope", "csv", NAMES)
    await db.commit()
    entries = list(await db.scalars(select(AuditEntry).where(AuditEntry.action == "assessment.export")
                                    .order_by(AuditEntry.id)))  # fmt: skip
    assert [entry.changes["table"] for entry in entries] == ["tracking_coverage", "overall"]


# ---- circulars ----------------------------------------------------------------------------------------------------


async def test_a_circular_is_saved_in_versions_and_published_read_only(db, scopes) -> None:
    await _fill(db)
    admin, reviewer = scopes["admin"], scopes["reviewer"]
    period = assessment.Period(2026, 2)
    targets = {"tracking_coverage": "80", "days_median": "3"}
    with pytest.raises(NotAllowed):
        await circulars.create(db, reviewer, period, title="通报", body="", targets=targets, names=NAMES)
    with pytest.raises(InputError) as raised:
        await circulars.create(db, admin, period, title="", body="", targets={"tracking_coverage": "lots"},
                               names=NAMES)  # fmt: skip
    assert set(raised.value.errors) == {"title", "target_tracking_coverage"}
    made = (await circulars.create(db, admin, period, title="通报", body="第一稿", targets=targets, names=NAMES)).id
    await db.commit()
    first = await circulars.document(db, admin, made)
    # 霞山 covered 50 % against 80; 赤坎 took a median of 5 working days against 3.
    assert {(s["county"], s["indicator"]) for s in first.version.shortfalls} == {
        (XIASHAN, "tracking_coverage"), (CHIKAN, "days_median"),
    }  # fmt: skip
    assert [row["place"] for row in first.version.ranking] == [1, 2, None]
    with pytest.raises(NotFound):  # a draft is the city's only
        await circulars.document(db, reviewer, made)

    assert await circulars.save(db, admin, made, 1, title="通报（修改）", body="第二稿", targets={}, names=NAMES) == 2
    await db.commit()
    with pytest.raises(Conflict):  # saved from the version the page showed before
        await circulars.save(db, admin, made, 1, title="通报", body="旧稿", targets={}, names=NAMES)
    await db.rollback()
    with pytest.raises(Conflict):
        await circulars.publish(db, admin, made, 1)
    await db.rollback()
    await circulars.publish(db, admin, made, 2)
    await db.commit()
    with pytest.raises(Conflict):  # read-only once published
        await circulars.save(db, admin, made, 2, title="通报", body="再改", targets={}, names=NAMES)
    await db.rollback()

    seen = await circulars.document(db, reviewer, made, number=1)
    assert (seen.version.number, seen.version.body, seen.version.shortfalls) == (2, "第二稿", [])
    assert [row.id for row in (await circulars.list_circulars(db, reviewer)).rows] == [made]
    assert await db.scalar(select(func.count()).select_from(CircularVersion)) == 2
    actions = list(await db.scalars(select(AuditEntry.action).where(AuditEntry.action.like("circular.%"))))
    assert sorted(actions) == ["circular.create", "circular.publish", "circular.save"]


async def test_two_saves_from_the_same_version_keep_one(db, services, scopes) -> None:
    await _fill(db)
    admin = scopes["admin"]
    made = await circulars.create(db, admin, assessment.Period(2026, 2), title="通报", body="", targets={},
                                  names=NAMES)  # fmt: skip
    await db.commit()
    made_id = made.id

    async def save(body: str) -> str:
        async with services.sessionmaker() as session:
            try:
                await circulars.save(session, admin, made_id, 1, title="通报", body=body, targets={}, names=NAMES)
                await session.commit()
            except Conflict:
                await session.rollback()
                return "conflict"
            return "saved"

    if db.get_bind().dialect.name == "postgresql":
        results = await asyncio.gather(save("甲"), save("乙"))
    else:
        results = [await save("甲"), await save("乙")]
    assert sorted(results) == ["conflict", "saved"]
    assert await db.scalar(select(func.count()).select_from(CircularVersion)) == 2
