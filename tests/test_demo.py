"""The demo data `make run` loads shows every page of the policies and services with content that differs and says
why: three registered residents months into their registration, their checklists, a policy application waiting, a
request answered and one overdue, a service history of several kinds, and someone behind on the 12333 minimum; and
the pages of issue 10 (vacancies and their follow-ups, training, loans, the benefit, the ledger) are not empty."""

from __future__ import annotations

from sqlalchemy import func, select

from portal.demo import DEMO_PEOPLE, load_demo_services, load_demo_staff
from portal.models import (
    PolicyApplication,
    PolicyApplicationStatus,
    RequestStatus,
    ResidentAccount,
    ServiceRequest,
    StaffUser,
)
from portal.services import audit, policies, service_history, service_minimum, service_requests
from portal.services.staff import scope_of


async def _account_id(db, phone: str) -> int:
    return await db.scalar(select(ResidentAccount.id).where(ResidentAccount.phone == phone))


async def test_the_demo_people_show_every_new_page_with_content_that_differs(db, services) -> None:
    await load_demo_staff(db)
    assert await load_demo_services(db, services.cipher, services.social_insurance, services.sms) == 3
    await db.commit()
    chen, wu, zhou = [await _account_id(db, person.phone) for person in DEMO_PEOPLE]

    fitting = {}
    for account_id in (chen, wu, zhou):
        mine = await policies.resident_checklist(db, services.cipher, services.social_insurance, account_id)
        fitting[account_id] = {fit.policy.code for fit in mine.fits if fit.outcome.eligible}
    assert len({frozenset(codes) for codes in fitting.values()}) == 3  # three different checklists
    assert {"P06", "P10"} <= fitting[chen]  # wants training; certified with an employment difficulty
    assert {"P04", "P05"} <= fitting[wu]  # wants to start a business
    assert "P06" not in fitting[zhou]  # took P01: no other employment subsidy
    zhou_p06 = next(f for f in (await policies.resident_checklist(db, services.cipher, services.social_insurance,
                                                                  zhou)).fits if f.policy.code == "P06")  # fmt: skip
    assert any("P01" in words for words in zhou_p06.outcome.missing)

    waiting = await db.scalar(select(PolicyApplication).where(PolicyApplication.account_id == chen,
                                                              PolicyApplication.policy_code == "P06"))  # fmt: skip
    assert waiting.status is PolicyApplicationStatus.DEFERRED

    statuses = {r.account_id: r for r in await db.scalars(select(ServiceRequest))}
    assert statuses[chen].status is RequestStatus.ANSWERED
    late = await service_requests.thread_of_account(db, wu, statuses[wu].number)
    assert late.overdue

    history = await service_history.of_account(db, chen)
    assert len({row.record.kind for row in history.records}) >= 4
    assert history.year is not None
    assert not history.year.behind

    city = scope_of(await db.scalar(select(StaffUser).where(StaffUser.username == "city.viewer")))
    behind = await service_minimum.behind(db, city)
    assert [row.name for row in behind.rows] == ["周志强"]

    await db.commit()
    assert (await audit.verify_chain(db)).ok
    assert await load_demo_services(db, services.cipher, services.social_insurance, services.sms) == 0


async def test_the_demo_data_fills_the_pages_of_issue_10(db, services) -> None:
    from portal.demo import (
        UI_BENEFIT_DEMO_PHONE,
        load_demo_cases,
        load_demo_training_and_loans,
        load_demo_ui_benefit,
        load_demo_vacancies,
    )
    from portal.models import (
        OPEN_LOAN_STATUSES,
        EnrolmentStatus,
        Grant,
        LoanApplication,
        LoanStatus,
        Recommendation,
        Registration,
        ServiceKind,
        ServiceRecord,
        TrainingEnrolment,
        TrainingNotice,
        TrainingProgramme,
        UiBenefitClaim,
        UiClaimStatus,
        Vacancy,
    )
    from portal.services import ledger, vacancies

    cipher, insurance, sms = services.cipher, services.social_insurance, services.sms
    await load_demo_staff(db)  # in the order `portal load-data --demo` loads them
    assert await load_demo_cases(db, cipher, insurance) == 4
    assert await load_demo_ui_benefit(db, sms) == 1
    assert await load_demo_services(db, cipher, insurance, sms) == 3
    assert await load_demo_training_and_loans(db, cipher, insurance, sms) == 2
    assert await load_demo_vacancies(db, sms) == 5
    await db.commit()
    staff = {u.username: scope_of(u) for u in await db.scalars(select(StaffUser))}

    # Vacancies in both counties, recommended (each a job recommendation for the 12333 minimum), followed up.
    assert {v.county_code for v in await db.scalars(select(Vacancy))} == {"440802", "440803"}
    recommendations = list(await db.scalars(select(Recommendation)))
    assert len(recommendations) == 3
    for made in recommendations:
        record = await db.get(ServiceRecord, made.service_record_id)
        assert record is not None
        assert record.kind is ServiceKind.JOB_RECOMMENDATION
    # Due five working days after the recommendation (10 and 8 days ago): due, unless holidays push it on.
    chikan = await vacancies.follow_ups(db, staff["chikan.clerk"], show="due")
    assert chikan.counts["due"] + chikan.counts["waiting"] == 1  # 陈建国's
    assert chikan.counts["done"] == 1  # 周志强: not hired
    xiashan = await vacancies.follow_ups(db, staff["xiashan.clerk"], show="due")
    assert xiashan.counts["due"] + xiashan.counts["waiting"] == 1  # 吴小敏's

    # A programme in each county, told to the people who want training, with enrolments and one completion.
    programmes = list(await db.scalars(select(TrainingProgramme)))
    assert {p.county_code for p in programmes} == {"440802", "440803"}
    assert all(p.seats_taken == 2 for p in programmes)
    enrolments = list(await db.scalars(select(TrainingEnrolment)))
    assert len(enrolments) == 4
    assert [e.status for e in enrolments].count(EnrolmentStatus.COMPLETED) == 1
    assert await db.scalar(select(func.count()).select_from(TrainingNotice)) >= 2

    # Two guarantee-loan applications in progress: checked by 霞山's agency, and with the lender in 赤坎.
    loans = {a.county_code: a for a in await db.scalars(select(LoanApplication))}
    assert loans["440803"].status is LoanStatus.CHECKED
    assert loans["440802"].status is LoanStatus.SENT
    assert all(a.status in OPEN_LOAN_STATUSES for a in loans.values())

    # 黄海's benefit, claimed with his registration and granted with it as an approved P08 application.
    huang = await db.scalar(
        select(Registration).join(ResidentAccount, ResidentAccount.id == Registration.account_id)
        .where(ResidentAccount.phone == UI_BENEFIT_DEMO_PHONE)
    )  # fmt: skip
    claim = await db.scalar(select(UiBenefitClaim).where(UiBenefitClaim.registration_id == huang.id))
    assert claim.status is UiClaimStatus.GRANTED
    assert claim.months == 18
    assert await db.scalar(select(Grant).where(Grant.application_id == claim.application_id)) is not None

    # 陈建国's contacts in the ledger, over the months since he registered.
    chen = await db.scalar(
        select(Registration.number).join(ResidentAccount, ResidentAccount.id == Registration.account_id)
        .where(ResidentAccount.phone == DEMO_PEOPLE[0].phone)
    )  # fmt: skip
    shown = await ledger.ledger(db, cipher, staff["chikan.clerk"], ledger.Filters(number=chen))
    assert shown.total >= len(DEMO_PEOPLE[0].services)
    assert len({(e.day.year, e.day.month) for e in shown.entries}) >= 4
    assert {e.kind for e in shown.entries} >= {"tracking", "guidance", "job_recommendation", "training"}
    await db.commit()
    assert (await audit.verify_chain(db)).ok
    assert await load_demo_training_and_loans(db, cipher, insurance, sms) == 0
    assert await load_demo_vacancies(db, sms) == 0
