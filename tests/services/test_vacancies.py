"""Vacancies (§3.2 (1)): entered and imported with their limits, the county's registered people matched and
ranked, recommendations recorded once as services that count for the 12333 minimum, followed up to a
reason-1 proposal, and answered by the resident."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select, update

from portal.models import (
    AuditEntry,
    InboxMessage,
    MessageKind,
    ProposalSource,
    Recommendation,
    Registration,
    ServiceMinimumCount,
    ServiceRecord,
    StatusProposal,
    Vacancy,
)
from portal.rules.workdays import workdays_after
from portal.services import vacancies
from portal.services.errors import Conflict, InputError, NotAllowed, NotFound, OutOfScope
from portal.services.staff import Scope
from tests.conftest import make_id
from tests.staffing import registered_case

TODAY = date(2026, 11, 30)
ELECTRICIAN = vacancies.VacancyForm(
    employer="湛江某电力公司", post="电工", pay_min="4000", pay_max="6000", requirements="持证上岗",
    skills="电工证、高压", closing_on="2026-12-31",
)  # fmt: skip


async def _person(
    db, services, reviewer: Scope, n: int, *, intention: str = "", skills: str = "", certificates: str = "",
    county: str = "440802",
) -> Registration:  # fmt: skip
    """A registered person of `county` who answered the form's skills step so."""
    reviewer = replace(reviewer, area_code=county)  # that county's reviewer registers them
    registration = await registered_case(db, services, reviewer, county=county, phone=f"1330000020{n}",
                                         id_number=make_id(date(1990, 1, 1), "M", sequence=n + 1))  # fmt: skip
    await db.execute(
        update(Registration).where(Registration.id == registration.id)
        .values(occupation_intention=intention,
                answers={**registration.answers, "skills": skills, "certificates": certificates})
    )  # fmt: skip
    await db.commit()
    return registration


async def _vacancy(db, scope: Scope, form: vacancies.VacancyForm = ELECTRICIAN) -> Vacancy:
    vacancy = await vacancies.create(db, scope, form, today=TODAY)
    await db.commit()
    return vacancy


# ---- entering vacancies ---------------------------------------------------------------------------------------------


async def test_a_county_reviewer_enters_a_vacancy_of_their_county_audited(db, scopes) -> None:
    vacancy = await _vacancy(db, scopes["reviewer"])
    assert vacancy.county_code == "440802"  # their own: county staff do not choose
    assert vacancy.skill_list == ["电工证", "高压"]
    assert (vacancy.pay_min, vacancy.pay_max) == (4000, 6000)
    assert await db.scalar(select(AuditEntry.action).where(AuditEntry.target_type == "vacancy")) == "vacancy.create"


async def test_a_county_clerk_naming_another_county_is_refused_beside_the_field(db, scopes) -> None:
    with pytest.raises(InputError) as refused:
        await vacancies.create(db, scopes["reviewer"], replace(ELECTRICIAN, county="440881"), today=TODAY)
    assert set(refused.value.errors) == {"county"}


async def test_a_city_administrator_enters_a_vacancy_for_any_county_and_must_name_it(db, scopes) -> None:
    vacancy = await _vacancy(db, scopes["admin"], replace(ELECTRICIAN, county="440881"))
    assert vacancy.county_code == "440881"
    with pytest.raises(InputError) as refused:
        await vacancies.create(db, scopes["admin"], ELECTRICIAN, today=TODAY)
    assert set(refused.value.errors) == {"county"}


async def test_a_city_viewer_may_not_enter_vacancies(db, scopes) -> None:
    viewer = replace(scopes["admin"], role=scopes["admin"].role.__class__("city_viewer"))
    with pytest.raises(NotAllowed):
        await vacancies.create(db, viewer, replace(ELECTRICIAN, county="440802"), today=TODAY)


@pytest.mark.parametrize(
    ("changes", "wrong"),
    [
        ({"employer": " ", "post": ""}, {"employer", "post"}),
        ({"pay_min": "7000"}, {"pay_max"}),  # the lowest above the highest
        ({"pay_min": "-1", "pay_max": "1000001"}, {"pay_min", "pay_max"}),
        ({"pay_min": "3.5", "pay_max": "４０００"}, {"pay_min", "pay_max"}),  # whole yuan, plain digits
        ({"closing_on": "2026-11-29"}, {"closing_on"}),  # already past
        ({"closing_on": "31/12/2026"}, {"closing_on"}),
        ({"employer": "厂" * 101, "requirements": "要" * 1001}, {"employer", "requirements"}),
        ({"skills": "、".join(f"技能{i}" for i in range(11))}, {"skills"}),
        ({"skills": "电" * 21}, {"skills"}),
    ],
)
async def test_a_vacancy_with_wrong_fields_is_refused_naming_each(db, scopes, changes, wrong) -> None:
    with pytest.raises(InputError) as refused:
        await vacancies.create(db, scopes["reviewer"], replace(ELECTRICIAN, **changes), today=TODAY)
    assert set(refused.value.errors) == wrong


async def test_the_whole_pay_range_from_nought_to_a_million_is_accepted(db, scopes) -> None:
    vacancy = await _vacancy(db, scopes["reviewer"], replace(ELECTRICIAN, pay_min="0", pay_max="1000000"))
    assert (vacancy.pay_min, vacancy.pay_max) == (0, 1_000_000)


async def test_an_edit_from_an_older_version_is_refused_and_the_newer_one_kept(db, scopes) -> None:
    vacancy = await _vacancy(db, scopes["reviewer"])
    await vacancies.edit(db, scopes["reviewer"], vacancy.id, replace(ELECTRICIAN, post="高压电工"), "1", today=TODAY)
    await db.commit()
    vacancy_id = vacancy.id
    with pytest.raises(Conflict):
        await vacancies.edit(db, scopes["reviewer"], vacancy_id, replace(ELECTRICIAN, post="低压电工"), "1",
                             today=TODAY)  # fmt: skip
    vacancy_id = vacancy.id
    await db.rollback()
    assert (await vacancies.get(db, scopes["reviewer"], vacancy_id)).post == "高压电工"


async def test_another_countys_vacancy_is_not_there_for_county_staff(db, scopes) -> None:
    vacancy = await _vacancy(db, scopes["admin"], replace(ELECTRICIAN, county="440803"))
    with pytest.raises(OutOfScope):
        await vacancies.get(db, scopes["reviewer"], vacancy.id)
    with pytest.raises(NotFound):
        await vacancies.get(db, scopes["reviewer"], 2**70)  # beyond the database's integers: simply none


async def test_the_list_splits_open_from_closed_and_past_closing_date(db, scopes) -> None:
    still_open = await _vacancy(db, scopes["reviewer"])
    closed = await _vacancy(db, scopes["reviewer"], replace(ELECTRICIAN, post="焊工"))
    past = await _vacancy(db, scopes["reviewer"], replace(ELECTRICIAN, post="叉车司机", closing_on="2026-12-01"))
    await vacancies.close(db, scopes["reviewer"], closed.id)
    await db.commit()
    later = date(2026, 12, 2)
    opened = await vacancies.listing(db, scopes["reviewer"], show="open", today=later)
    assert [row.vacancy.id for row in opened.rows] == [still_open.id]
    assert opened.counts == {"open": 1, "closed": 2}
    shut = await vacancies.listing(db, scopes["reviewer"], show="closed", today=later)
    assert {row.vacancy.id for row in shut.rows} == {closed.id, past.id}


# ---- matching -------------------------------------------------------------------------------------------------------


async def test_the_countys_registered_people_are_matched_ranked_by_reasons_and_explained(db, services, scopes) -> None:
    reviewer = scopes["reviewer"]
    both = await _person(db, services, reviewer, 1, intention="电工", certificates="电工证")
    skill_only = await _person(db, services, reviewer, 2, intention="保安", skills="有高压作业经验")
    occupation_only = await _person(db, services, reviewer, 3, intention="维修电工")
    await _person(db, services, reviewer, 4, intention="收银员", skills="会计")  # the county alone: no match
    await _person(db, services, reviewer, 5, intention="电工", county="440803")  # another county
    wildcard = await _person(db, services, reviewer, 6, intention="%")  # a pattern character is only a character
    vacancy = await _vacancy(db, reviewer)

    _vacancy_row, found = await vacancies.matches(db, reviewer, vacancy.id)

    assert found.total == 3
    assert found.rows[0].number == both.number
    assert {row.number for row in found.rows} == {both.number, skill_only.number, occupation_only.number}
    assert wildcard.number not in {row.number for row in found.rows}
    first = found.rows[0]
    assert [r.kind for r in first.reasons] == ["occupation", "skill", "lives_in"]
    words = [vacancies.reason_words(r.as_dict(), {"440802": "赤坎区"}) for r in first.reasons]
    assert words[2] == str(vacancies.REASON_WORDS["lives_in"]) % {"county": "赤坎区"}
    assert all(len(row.reasons) >= 2 for row in found.rows)  # occupation or a skill, and the county


async def test_only_registered_people_are_matched(db, services, scopes) -> None:
    registered = await _person(db, services, scopes["reviewer"], 1, intention="电工")
    await db.execute(update(Registration).where(Registration.id == registered.id).values(status="employed"))
    await db.commit()
    vacancy = await _vacancy(db, scopes["reviewer"])
    _vacancy_row, found = await vacancies.matches(db, scopes["reviewer"], vacancy.id)
    assert found.total == 0


# ---- recommending ---------------------------------------------------------------------------------------------------


async def _minimum(db, registration: Registration) -> int:
    return await db.scalar(
        select(ServiceMinimumCount.job_recommendation).where(ServiceMinimumCount.registration_id == registration.id)
    ) or 0  # fmt: skip


async def test_a_recommendation_is_a_service_that_counts_for_the_minimum_is_told_and_due_a_follow_up(
    db, services, scopes
) -> None:
    person = await _person(db, services, scopes["reviewer"], 1, intention="电工")
    vacancy = await _vacancy(db, scopes["reviewer"])
    assert await _minimum(db, person) == 0

    made = await vacancies.recommend(db, services.sms, scopes["reviewer"], vacancy.id, person.number, today=TODAY)
    await db.commit()

    assert made.created
    recommendation = made.recommendation
    assert recommendation.follow_up_due == workdays_after(TODAY, vacancies.RECOMMENDATION_FOLLOW_UP_DAYS).deadline
    assert [r["kind"] for r in recommendation.reasons] == ["occupation", "lives_in"]
    record = await db.get(ServiceRecord, recommendation.service_record_id)
    assert record.kind == "job_recommendation"
    assert "湛江某电力公司" in record.note
    assert await _minimum(db, person) == 1
    message = await db.scalar(select(InboxMessage).where(InboxMessage.kind == MessageKind.JOB_RECOMMENDED))
    assert message.registration_id == person.id
    assert message.params["post"] == "电工"
    assert await db.scalar(select(AuditEntry.action).where(AuditEntry.action == "vacancy.recommend"))


async def test_recommending_again_answers_with_the_first_and_counts_nothing_more(db, services, scopes) -> None:
    person = await _person(db, services, scopes["reviewer"], 1, intention="电工")
    vacancy = await _vacancy(db, scopes["reviewer"])
    first = await vacancies.recommend(db, services.sms, scopes["reviewer"], vacancy.id, person.number, today=TODAY)
    await db.commit()
    again = await vacancies.recommend(db, services.sms, scopes["reviewer"], vacancy.id, person.number, today=TODAY)
    await db.commit()
    assert not again.created
    assert again.recommendation.id == first.recommendation.id
    assert await _minimum(db, person) == 1


async def test_two_recommendations_at_once_make_one_and_one_service_record(db, services, scopes) -> None:
    person = await _person(db, services, scopes["reviewer"], 1, intention="电工")
    vacancy = await _vacancy(db, scopes["reviewer"])

    async def click() -> bool:
        async with services.sessionmaker() as session:
            made = await vacancies.recommend(session, services.sms, scopes["reviewer"], vacancy.id, person.number,
                                             today=TODAY)  # fmt: skip
            await session.commit()
            return made.created

    created = await asyncio.gather(*(click() for _ in range(4)))

    assert sorted(created) == [False, False, False, True]
    assert await db.scalar(select(func.count()).select_from(Recommendation)) == 1
    assert await db.scalar(select(func.count()).select_from(ServiceRecord)) == 1
    assert await _minimum(db, person) == 1


async def test_a_closed_or_past_vacancy_is_not_offered(db, services, scopes) -> None:
    person = await _person(db, services, scopes["reviewer"], 1, intention="电工")
    vacancy = await _vacancy(db, scopes["reviewer"])
    with pytest.raises(Conflict):
        await vacancies.recommend(db, services.sms, scopes["reviewer"], vacancy.id, person.number,
                                  today=date(2027, 1, 1))  # fmt: skip
    await vacancies.close(db, scopes["reviewer"], vacancy.id)
    await db.commit()
    with pytest.raises(Conflict):
        await vacancies.recommend(db, services.sms, scopes["reviewer"], vacancy.id, person.number, today=TODAY)


async def test_a_city_administrator_does_not_recommend(db, services, scopes) -> None:
    person = await _person(db, services, scopes["reviewer"], 1, intention="电工")
    vacancy = await _vacancy(db, scopes["reviewer"])
    with pytest.raises(NotAllowed):
        await vacancies.recommend(db, services.sms, scopes["admin"], vacancy.id, person.number, today=TODAY)


# ---- following up ---------------------------------------------------------------------------------------------------


async def _recommended(db, services, scopes) -> tuple[Registration, Recommendation]:
    person = await _person(db, services, scopes["reviewer"], 1, intention="电工")
    vacancy = await _vacancy(db, scopes["reviewer"])
    made = await vacancies.recommend(db, services.sms, scopes["reviewer"], vacancy.id, person.number, today=TODAY)
    await db.commit()
    return person, made.recommendation


async def test_interviewed_then_hired_proposes_reason_one_from_the_recommendation(db, services, scopes) -> None:
    person, recommendation = await _recommended(db, services, scopes)
    interviewed = await vacancies.record_follow_up(db, scopes["reviewer"], recommendation.id, result="interviewed",
                                                   note="12月8日面试", today=TODAY)  # fmt: skip
    await db.commit()
    assert not interviewed.proposed
    row = await vacancies.follow_up_row(db, scopes["reviewer"], recommendation.id)
    assert row.recommendation.follow_up_due == workdays_after(TODAY, 5).deadline  # asked again after the interview

    hired = await vacancies.record_follow_up(db, scopes["reviewer"], recommendation.id, result="hired", note="已签合同",
                                             today=TODAY)  # fmt: skip
    await db.commit()

    assert hired.proposed
    proposal = await db.scalar(select(StatusProposal).where(StatusProposal.registration_id == person.id))
    assert (proposal.reason, proposal.source) == ("1", ProposalSource.RECOMMENDATION)
    assert proposal.detail["employer"] == "湛江某电力公司"


@pytest.mark.parametrize(
    ("first", "then"),
    [("hired", "not_hired"), ("no_reply", "interviewed"), ("interviewed", "no_reply"), ("not_hired", "hired")],
)
async def test_a_result_is_recorded_once_and_only_an_interview_goes_on(db, services, scopes, first, then) -> None:
    _person_row, recommendation = await _recommended(db, services, scopes)
    await vacancies.record_follow_up(db, scopes["reviewer"], recommendation.id, result=first, note="", today=TODAY)
    await db.commit()
    with pytest.raises(Conflict):
        await vacancies.record_follow_up(db, scopes["reviewer"], recommendation.id, result=then, note="", today=TODAY)


async def test_two_staff_recording_the_result_at_once_record_it_once(db, services, scopes) -> None:
    _person_row, recommendation = await _recommended(db, services, scopes)

    async def record(result: str) -> str:
        async with services.sessionmaker() as session:
            try:
                await vacancies.record_follow_up(session, scopes["reviewer"], recommendation.id, result=result,
                                                 note="", today=TODAY)  # fmt: skip
            except Conflict:
                return "conflict"
            await session.commit()
            return "recorded"

    outcomes = await asyncio.gather(record("no_reply"), record("not_hired"))
    assert sorted(outcomes) == ["conflict", "recorded"]


async def test_a_follow_up_needs_a_known_result(db, services, scopes) -> None:
    _person_row, recommendation = await _recommended(db, services, scopes)
    with pytest.raises(InputError) as refused:
        await vacancies.record_follow_up(db, scopes["reviewer"], recommendation.id, result="awaiting", note="x" * 2001)
    assert set(refused.value.errors) == {"result", "note"}


async def test_the_follow_up_list_shows_due_not_yet_due_and_done(db, services, scopes) -> None:
    _person_row, recommendation = await _recommended(db, services, scopes)
    due_day = recommendation.follow_up_due
    before = await vacancies.follow_ups(db, scopes["reviewer"], today=due_day - timedelta(days=1))
    assert before.counts == {"due": 0, "waiting": 1, "done": 0}
    late = await vacancies.follow_ups(db, scopes["reviewer"], today=due_day + timedelta(days=1))
    assert [row.recommendation.id for row in late.rows] == [recommendation.id]
    assert late.rows[0].overdue(due_day + timedelta(days=1))
    await vacancies.record_follow_up(db, scopes["reviewer"], recommendation.id, result="no_reply", note="",
                                     today=due_day)  # fmt: skip
    await db.commit()
    done = await vacancies.follow_ups(db, scopes["reviewer"], show="done", today=due_day)
    assert done.counts == {"due": 0, "waiting": 0, "done": 1}


# ---- the resident ---------------------------------------------------------------------------------------------------


async def test_the_resident_answers_their_own_recommendation_only(db, services, scopes) -> None:
    person, recommendation = await _recommended(db, services, scopes)
    row = await vacancies.answer_interest(db, person.account_id, recommendation.id, "interested")
    await db.commit()
    assert row.recommendation.interest == "interested"
    listed = await vacancies.of_account(db, person.account_id)
    assert [r.vacancy.post for r in listed.rows] == ["电工"]
    with pytest.raises(NotFound):
        await vacancies.answer_interest(db, person.account_id + 1000, recommendation.id, "not_interested")
    with pytest.raises(InputError):
        await vacancies.answer_interest(db, person.account_id, recommendation.id, "maybe")


# ---- the CSV import -------------------------------------------------------------------------------------------------

HEADER = "employer,post,county,pay_min,pay_max,requirements,skills,closing_on\n"


async def test_a_csv_with_a_bom_is_imported_whole_and_audited_with_its_count(db, scopes) -> None:
    rows = (
        HEADER
        + "甲公司,电工,440802,4000,6000,持证,电工证,2026-12-31\n"
        + "\n乙公司,焊工,,3500,5000,,焊工证 高空,2026-12-20\n"
    )
    report = await vacancies.import_csv(db, scopes["reviewer"], ("\ufeff" + rows).encode(), today=TODAY)
    await db.commit()
    assert report.imported == 2
    assert report.problems == []
    assert await db.scalar(select(func.count()).select_from(Vacancy)) == 2
    entry = await db.scalar(select(AuditEntry).where(AuditEntry.action == "vacancy.import"))
    assert entry.changes == {"count": 2}


async def test_a_gb18030_csv_with_chinese_headings_and_county_names_is_read(db, scopes) -> None:
    text = (
        "用人单位,岗位,区县,最低月薪,最高月薪,岗位要求,技能,截止日期\n"
        + "丙公司,仓管,霞山区,3000,4000,,叉车,2026-12-31\n"
    )
    report = await vacancies.import_csv(db, scopes["admin"], text.encode("gb18030"), today=TODAY)
    assert report.imported == 1
    assert await db.scalar(select(Vacancy.county_code)) == "440803"


async def test_a_csv_with_a_bad_row_imports_nothing_and_names_each_bad_line(db, scopes) -> None:
    rows = "".join((HEADER, "甲公司,电工,440802,4000,6000,,,2026-12-31\n", ",焊工,,6000,5000,,,2026-12-31\n",
                    "丁公司,厨师,440803,1,2,,,2026-12-31\n"))  # fmt: skip
    report = await vacancies.import_csv(db, scopes["reviewer"], rows.encode(), today=TODAY)
    assert report.imported == 0
    assert [(p.line, len(p.messages)) for p in report.problems] == [(3, 2), (4, 1)]
    assert await db.scalar(select(func.count()).select_from(Vacancy)) == 0


@pytest.mark.parametrize(
    ("data", "why"),
    [
        (b"", vacancies.FILE_REQUIRED),
        (b"name,age\nx,1\n", vacancies.FILE_NO_HEADER),
        (HEADER.encode(), vacancies.FILE_EMPTY),
        (b"\xff\xfe\x00e\x00m", vacancies.FILE_NOT_TEXT),
        ((HEADER + "甲公司,电工,,1,2,,,2026-12-31\n" * 1001).encode(), vacancies.FILE_TOO_MANY),
        (b"x" * 1_000_001, vacancies.FILE_TOO_BIG),
    ],
)
async def test_a_file_that_is_not_a_vacancy_csv_is_refused_whole(db, scopes, data: bytes, why: object) -> None:
    with pytest.raises(InputError) as refused:
        await vacancies.import_csv(db, scopes["reviewer"], data, today=TODAY)
    assert refused.value.errors == {"file": why}
