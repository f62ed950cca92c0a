"""Unemployment insurance benefit handled with the registration: claimed (or declined) with the application by
those the social-insurance record and their answers show entitled, and granted or rejected with the registration's
decision, once."""

from __future__ import annotations

import asyncio
import copy
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select, update

from portal.clock import LOCAL_TZ, local_today
from portal.i18n import current_locale
from portal.models import (
    AuditEntry,
    CreditListing,
    Grant,
    LocalFigure,
    PolicyApplication,
    PolicyApplicationStatus,
    Registration,
    ResidentAccount,
    UiBenefitClaim,
    UiClaimStatus,
    Verification,
    VerificationOutcome,
    VerificationSource,
)
from portal.rules.ui_benefit import period_end
from portal.services import case_view, decisions, policies, policy_applications, ui_benefit
from portal.services import registration as reg
from portal.services.answers import of as answers_of
from portal.services.cases import Lock
from portal.services.errors import Conflict, InputError
from tests.conftest import make_id
from tests.residents import ZHANG_SAN
from tests.staffing import STEPS, make_case

LI_QIANG = "440881198503150052"  # simulator: insured 139 months, his filing ended 2026-09-30
HUANG_HAI = "45010219900101001X"  # simulator: insured 78 months, ended 2026-10-31
FIRST = Lock(1, 0)


@pytest.fixture(autouse=True)
def _in_english() -> Iterator[None]:
    """The words are read in English: the Chinese ones come with the catalogue."""
    token = current_locale.set("en")
    yield
    current_locale.reset(token)


async def _draft(db, services, *, id_number: str, phone: str = "13300000101", category: str = "contract_ended") -> int:
    """A complete draft, as a resident leaves it on the check-your-answers page; the account's id."""
    account = ResidentAccount(phone=phone, password_hash="x")
    db.add(account)
    await db.flush()
    person = copy.deepcopy(ZHANG_SAN)
    person["identity"] = {"name": "李强", "id_number": id_number, "ethnicity": "汉族"}
    person["pension"] = {"pension_category": "F55"}
    person["employment"] = {**person["employment"], "unemployment_category": category}
    person["place"] = {"county": "440802"}  # the hukou's county, 赤坎, whose reviewer decides
    await reg.start(db, services.cipher, account.id, phone)
    while (step := reg.next_step(STEPS, await reg.get_answers(db, services.cipher, account.id))) is not None:
        outcome = await reg.save_step(
            db, services.cipher, services.social_insurance, account.id, STEPS, step, person[step.key], date.today()
        )
        assert not outcome.errors, (step.key, outcome)
        assert outcome.refusal is None, (step.key, outcome)
    await db.commit()
    return account.id


async def _submit(db, services, account_id: int, *, claim: bool = True) -> Registration:
    submitted = await reg.submit(
        db, services.cipher, services.social_insurance, account_id, STEPS, "zh_CN", claim_ui_benefit=claim
    )
    assert isinstance(submitted, reg.Submitted), submitted
    db.add(Verification(registration_id=submitted.registration.id, source=VerificationSource.FIELD_INVESTIGATION,
                        outcome=VerificationOutcome.MATCH, detail={}))  # fmt: skip
    await db.commit()
    return submitted.registration


async def _claim(db, registration_id: int) -> UiBenefitClaim | None:
    return await db.scalar(
        select(UiBenefitClaim)
        .where(UiBenefitClaim.registration_id == registration_id)
        .execution_options(populate_existing=True)
    )


# ---- the offer and the claim made with the application ----------------------------------------------------------


async def test_the_check_page_offers_the_benefit_worked_out_from_the_record_and_the_answers(db, services) -> None:
    account_id = await _draft(db, services, id_number=LI_QIANG)
    today = local_today()
    offer = await ui_benefit.offer_page(
        db, services.social_insurance, await reg.get_answers(db, services.cipher, account_id), today
    )
    assert offer is not None
    assert offer.claim.eligible
    assert (offer.claim.insured_months, offer.claim.months, offer.amount) == (139, 24, "1,665.00")
    assert (offer.claim.start, offer.claim.end) == (today, period_end(today, 24))
    assert offer.summary.startswith("CNY 1,665.00 a month for 24 months, ")
    assert [c.value for c in offer.choices] == ["yes", "no"]


async def test_an_applicant_entitled_claims_the_benefit_with_the_application(db, services) -> None:
    registration = await _submit(db, services, await _draft(db, services, id_number=HUANG_HAI))
    claim = await _claim(db, registration.id)
    accepted = registration.accepted_at.astimezone(LOCAL_TZ).date()
    assert claim is not None
    assert (claim.status, claim.insured_months, claim.months, claim.monthly_amount) == (
        UiClaimStatus.CLAIMED, 78, 18, Decimal("1665.00"),
    )  # fmt: skip
    assert (claim.period_from, claim.period_to) == (accepted, period_end(accepted, 18))
    assert claim.application_id is None  # nothing is granted before the decision


async def test_an_applicant_who_declines_has_the_offer_kept_and_nothing_granted(db, services, scopes) -> None:
    registration = await _submit(db, services, await _draft(db, services, id_number=LI_QIANG), claim=False)
    assert (await _claim(db, registration.id)).status is UiClaimStatus.DECLINED
    await decisions.decide(db, services.sms, scopes["reviewer"], registration.number, FIRST, outcome="register")
    await db.commit()
    assert (await _claim(db, registration.id)).status is UiClaimStatus.DECLINED
    assert await db.scalar(select(func.count()).select_from(Grant)) == 0


async def test_nobody_without_a_years_insurance_or_who_resigned_is_offered_it(db, services) -> None:
    uninsured = await _draft(db, services, id_number=make_id(date(1990, 1, 1), "M"))
    resigned = await _draft(db, services, id_number=LI_QIANG, phone="13300000102", category="resigned")
    for account_id in (uninsured, resigned):
        offer = await ui_benefit.offer_page(
            db, services.social_insurance, await reg.get_answers(db, services.cipher, account_id), local_today()
        )
        assert offer is not None
        assert not offer.claim.eligible
    assert (await ui_benefit.offer_page(db, services.social_insurance, {}, local_today())) is None
    offer = await ui_benefit.offer(
        db, services.social_insurance, await reg.get_answers(db, services.cipher, resigned), local_today()
    )
    assert ui_benefit.unmet_words(offer) == [
        "Your last job must have ended without your choosing it (not by resigning)."
    ]
    registration = await _submit(db, services, uninsured)
    assert await _claim(db, registration.id) is None


async def test_without_a_minimum_wage_in_force_on_the_day_nothing_is_offered(db, services) -> None:
    account_id = await _draft(db, services, id_number=LI_QIANG)
    offer = await ui_benefit.offer(
        db, services.social_insurance, await reg.get_answers(db, services.cipher, account_id), date(2025, 2, 28)
    )
    assert offer is not None
    assert offer.unmet == ("minimum_wage",)


async def test_two_submits_at_once_make_one_registration_and_one_claim(db, services) -> None:
    account_id = await _draft(db, services, id_number=LI_QIANG)

    async def submit_once() -> reg.Submission:
        async with services.sessionmaker() as session:
            submitted = await reg.submit(
                session, services.cipher, services.social_insurance, account_id, STEPS, "zh_CN"
            )
            await session.commit()
            return submitted

    results = await asyncio.gather(*(submit_once() for _ in range(4)))
    assert sum(isinstance(r, reg.Submitted) for r in results) == 1
    assert await db.scalar(select(func.count()).select_from(Registration)) == 1
    assert await db.scalar(select(func.count()).select_from(UiBenefitClaim)) == 1


# ---- decided with the registration ----------------------------------------------------------------------------


async def test_registering_grants_the_benefit_as_an_approved_p08_application(db, services, scopes) -> None:
    registration = await _submit(db, services, await _draft(db, services, id_number=HUANG_HAI))
    # Decided three days after it was made: the benefit still runs from the day the registration was made.
    made = datetime.combine(local_today() - timedelta(days=3), time(9), tzinfo=LOCAL_TZ)
    await db.execute(update(Registration).where(Registration.id == registration.id).values(accepted_at=made))
    await db.commit()
    await decisions.decide(db, services.sms, scopes["reviewer"], registration.number, FIRST, outcome="register")
    await db.commit()

    claim = await _claim(db, registration.id)
    start = made.date()
    assert (claim.status, claim.months, claim.period_from, claim.period_to) == (
        UiClaimStatus.GRANTED, 18, start, period_end(start, 18),
    )  # fmt: skip
    application = await db.get(PolicyApplication, claim.application_id)
    assert (application.policy_code, application.status, application.registration_id) == (
        "P08", PolicyApplicationStatus.APPROVED, registration.id,
    )  # fmt: skip
    assert application.accepted_at == made  # claimed with the registration
    grant = await db.scalar(select(Grant).where(Grant.application_id == application.id))
    assert (grant.policy_code, grant.amount, grant.period_from, grant.period_to, grant.person_id) == (
        "P08", Decimal("1665.00"), start, period_end(start, 18), registration.person_id,
    )  # fmt: skip
    entry = await db.scalar(select(AuditEntry).where(AuditEntry.action == "ui_benefit.decide"))
    assert entry.target_id == registration.number
    assert entry.changes == {"status": ["claimed", "granted"], "reason": None, "months": 18,
                             "monthly_amount": "1665.00"}  # fmt: skip

    # The checklist reads the grant: the person receives the benefit while its period runs.
    loaded = await reg.latest_of(db, registration.account_id)
    profile = await policies.profile_of(db, services.cipher, services.social_insurance, loaded, answers_of(loaded))
    assert profile.receiving_ui_benefit
    assert "P08" in profile.policies_taken

    view = await ui_benefit.view_of(db, registration.id)
    assert (view.status, view.application_number, view.provisional) == (
        "Granted with the registration",
        application.number,
        False,
    )
    assert view.summary.startswith("CNY 1,665.00 a month for 18 months, ")


async def test_a_rejected_registration_rejects_the_claim_with_it(db, services, scopes) -> None:
    registration = await _submit(db, services, await _draft(db, services, id_number=LI_QIANG))
    await decisions.decide(db, services.sms, scopes["reviewer"], registration.number, FIRST, outcome="reject",
                           reason="identity")  # fmt: skip
    await db.commit()
    claim = await _claim(db, registration.id)
    assert (claim.status, claim.rejection_reason, claim.application_id) == (
        UiClaimStatus.REJECTED, ui_benefit.REGISTRATION_REJECTED, None,
    )  # fmt: skip
    assert await db.scalar(select(func.count()).select_from(Grant)) == 0
    assert await db.scalar(select(func.count()).select_from(PolicyApplication)) == 0


async def test_a_person_on_the_credit_list_is_registered_but_not_granted_the_benefit(db, services, scopes) -> None:
    registration = await _submit(db, services, await _draft(db, services, id_number=LI_QIANG))
    db.add(CreditListing(person_id=registration.person_id, listed_on=date.today() - timedelta(days=1), reason="fraud"))
    await db.commit()
    await decisions.decide(db, services.sms, scopes["reviewer"], registration.number, FIRST, outcome="register")
    await db.commit()
    claim = await _claim(db, registration.id)
    assert (claim.status, claim.rejection_reason) == (UiClaimStatus.REJECTED, ui_benefit.CREDIT_LISTED)
    assert await db.scalar(select(func.count()).select_from(Grant)) == 0


async def test_the_amount_is_worked_out_again_with_the_minimum_wage_on_record_when_decided(
    db, services, scopes
) -> None:
    registration = await _submit(db, services, await _draft(db, services, id_number=LI_QIANG))
    start = registration.accepted_at.astimezone(LOCAL_TZ).date()
    # A new figure entered while the application waited, in force from the day it was made.
    db.add(LocalFigure(key="minimum_wage", valid_from=start, amount=Decimal("1900.00"), source="test"))
    await db.commit()
    try:
        await decisions.decide(db, services.sms, scopes["reviewer"], registration.number, FIRST, outcome="register")
        await db.commit()
        assert (await _claim(db, registration.id)).monthly_amount == Decimal("1710.00")
        assert (await db.scalar(select(Grant.amount))) == Decimal("1710.00")
    finally:  # local figures are reference data, kept between tests
        await db.execute(LocalFigure.__table__.delete().where(LocalFigure.source == "test"))
        await db.commit()


async def test_deciding_the_claim_again_never_grants_twice(db, services, scopes) -> None:
    registration = await _submit(db, services, await _draft(db, services, id_number=LI_QIANG))
    await decisions.decide(db, services.sms, scopes["reviewer"], registration.number, FIRST, outcome="register")
    await db.commit()
    loaded = await db.get(Registration, registration.id, populate_existing=True)
    again = await ui_benefit.decide_with(db, scopes["reviewer"], loaded)
    await db.commit()
    assert again.status is UiClaimStatus.GRANTED
    assert await db.scalar(select(func.count()).select_from(Grant)) == 1
    assert await db.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "ui_benefit.decide")) == 1  # fmt: skip


async def test_two_claim_decisions_at_once_grant_once(db, services, scopes) -> None:
    registration = await _submit(db, services, await _draft(db, services, id_number=LI_QIANG))
    # The registration registered without its claim decided (as if a decision was cut short), then the claim
    # decided by two requests at once: the conditional UPDATE lets one through.
    await db.execute(update(Registration).where(Registration.id == registration.id).values(status="registered"))
    await db.commit()

    async def decide_once() -> UiClaimStatus:
        async with services.sessionmaker() as session:
            loaded = await session.get(Registration, registration.id)
            claim = await ui_benefit.decide_with(session, scopes["reviewer"], loaded)
            await session.commit()
            return claim.status

    outcomes = await asyncio.gather(decide_once(), decide_once())
    assert outcomes == [UiClaimStatus.GRANTED, UiClaimStatus.GRANTED]
    assert await db.scalar(select(func.count()).select_from(Grant)) == 1
    assert await db.scalar(select(func.count()).select_from(PolicyApplication)) == 1


async def test_two_reviewers_deciding_at_once_leave_one_decision_and_at_most_one_grant(db, services, scopes) -> None:
    registration = await _submit(db, services, await _draft(db, services, id_number=LI_QIANG))

    async def decide(outcome: str) -> str:
        async with services.sessionmaker() as session:
            try:
                await decisions.decide(session, services.sms, scopes["reviewer"], registration.number, FIRST,
                                       outcome=outcome, reason="identity")  # fmt: skip
                await session.commit()
            except Conflict:
                return "conflict"
            return "decided"

    if services.settings.database_url.startswith("sqlite"):  # one writer at a time: the second finds the first
        outcomes = [await decide("register"), await decide("reject")]
    else:
        outcomes = await asyncio.gather(decide("register"), decide("reject"))
    assert sorted(outcomes) == ["conflict", "decided"]
    claim = await _claim(db, registration.id)
    assert claim.status in (UiClaimStatus.GRANTED, UiClaimStatus.REJECTED)
    assert await db.scalar(select(func.count()).select_from(Grant)) == (claim.status is UiClaimStatus.GRANTED)


# ---- one benefit per registration: the generic policy form ---------------------------------------------------

HAVE_IT_ALL = {"missing_papers": ["none"]}


async def _apply_p08(db, services, account_id: int) -> policy_applications.Applied:
    applied = await policy_applications.apply(
        db, services.cipher, services.social_insurance, account_id, "P08", HAVE_IT_ALL, "zh_CN"
    )
    await db.commit()
    return applied


def _approval(start: date) -> policy_applications.Decision:
    return policy_applications.Decision(outcome="approve", amount="1665.00", period_from=start.isoformat(),
                                        period_to=period_end(start, 24).isoformat())  # fmt: skip


async def _p08_grants(db) -> int:
    return await db.scalar(select(func.count()).select_from(Grant).where(Grant.policy_code == "P08"))


async def _generic_p08(db, registration: Registration) -> PolicyApplication:
    """A P08 application made through the generic form before the form shut out a claimed benefit: written
    directly, as the data of that time holds it."""
    return await _generic_p08_numbered(db, registration, f"ZP{registration.id:014d}")


async def _generic_p08_numbered(db, registration: Registration, number: str) -> PolicyApplication:
    version_id = (await policies.get(db, "P08")).version_id
    application = PolicyApplication(
        number=number, policy_code="P08", policy_version_id=version_id,
        registration_id=registration.id, account_id=registration.account_id, county_code=registration.county_code,
        status=PolicyApplicationStatus.SUBMITTED, answers={}, deadline=local_today() + timedelta(days=10),
    )  # fmt: skip
    db.add(application)
    await db.commit()
    return application


async def test_the_generic_form_takes_no_p08_application_while_the_claim_waits(db, services) -> None:
    registration = await _submit(db, services, await _draft(db, services, id_number=LI_QIANG))
    with pytest.raises(InputError) as raised:
        await _apply_p08(db, services, registration.account_id)
    assert str(raised.value.errors["eligibility"]) == (
        f"You claimed unemployment insurance benefit with your registration {registration.number}: it is decided "
        "with it. See it on your registration's page."
    )
    await db.rollback()
    assert await db.scalar(select(func.count()).select_from(PolicyApplication)) == 0


async def test_the_generic_form_points_to_the_benefit_granted_with_the_registration(db, services, scopes) -> None:
    registration = await _submit(db, services, await _draft(db, services, id_number=LI_QIANG))
    await decisions.decide(db, services.sms, scopes["reviewer"], registration.number, FIRST, outcome="register")
    await db.commit()
    claim = await _claim(db, registration.id)
    carrying = await db.get(PolicyApplication, claim.application_id)
    applied = await _apply_p08(db, services, registration.account_id)
    assert (applied.number, applied.already) == (carrying.number, True)
    page = await policy_applications.apply_page(
        db, services.cipher, services.social_insurance, registration.account_id, "P08"
    )
    assert page.open_number == carrying.number  # the page shows the benefit held instead of the form
    assert await db.scalar(select(func.count()).select_from(PolicyApplication)) == 1
    assert await _p08_grants(db) == 1


async def test_who_declined_applies_once_through_the_generic_form_and_is_granted_once(db, services, scopes) -> None:
    registration = await _submit(db, services, await _draft(db, services, id_number=LI_QIANG), claim=False)
    await decisions.decide(db, services.sms, scopes["reviewer"], registration.number, FIRST, outcome="register")
    await db.commit()
    applied = await _apply_p08(db, services, registration.account_id)
    assert not applied.already
    await policy_applications.decide(db, services.sms, scopes["reviewer"], applied.number, 1,
                                     _approval(local_today()))  # fmt: skip
    await db.commit()
    assert await _p08_grants(db) == 1
    again = await _apply_p08(db, services, registration.account_id)
    assert (again.number, again.already) == (applied.number, True)
    assert await db.scalar(select(func.count()).select_from(PolicyApplication)) == 1


async def test_applying_for_p08_at_once_through_the_generic_form_makes_one_application(db, services, scopes) -> None:
    registration = await _submit(db, services, await _draft(db, services, id_number=LI_QIANG), claim=False)
    await decisions.decide(db, services.sms, scopes["reviewer"], registration.number, FIRST, outcome="register")
    await db.commit()

    async def apply_once() -> str:
        async with services.sessionmaker() as session:
            applied = await policy_applications.apply(
                session, services.cipher, services.social_insurance, registration.account_id, "P08", HAVE_IT_ALL,
                "zh_CN",
            )  # fmt: skip
            await session.commit()
            return applied.number

    numbers = await asyncio.gather(*(apply_once() for _ in range(3)))
    assert len(set(numbers)) == 1
    assert await db.scalar(select(func.count()).select_from(PolicyApplication)) == 1


async def test_an_older_generic_p08_application_is_not_approved_beside_the_claim(db, services, scopes) -> None:
    registration = await _submit(db, services, await _draft(db, services, id_number=LI_QIANG))
    registration_id, number = registration.id, registration.number
    generic = (await _generic_p08(db, registration)).number
    # While the claim waits, and once it is granted with the registration: refused both times.
    for step in ("waiting", "granted"):
        with pytest.raises(InputError) as raised:
            await policy_applications.decide(db, services.sms, scopes["reviewer"], generic, 1,
                                             _approval(local_today()))  # fmt: skip
        assert raised.value.errors["outcome"] is ui_benefit.HELD_ALREADY, step
        await db.rollback()
        if step == "waiting":
            await decisions.decide(db, services.sms, scopes["reviewer"], number, FIRST, outcome="register")
            await db.commit()
    assert (await _claim(db, registration_id)).status is UiClaimStatus.GRANTED
    assert await _p08_grants(db) == 1


async def test_a_claim_is_not_granted_beside_an_older_generic_grant(db, services, scopes) -> None:
    registration = await _submit(db, services, await _draft(db, services, id_number=LI_QIANG))
    generic = await _generic_p08(db, registration)
    # Approved before the form shut the claimed benefit out (the generic decision's own checks set aside).
    await db.execute(update(PolicyApplication).where(PolicyApplication.id == generic.id).values(status="approved"))
    db.add(Grant(application_id=generic.id, person_id=registration.person_id, policy_code="P08",
                 county_code="440802", amount=Decimal("1665.00"), period_from=local_today(),
                 period_to=period_end(local_today(), 24), granted_on=local_today()))  # fmt: skip
    await db.commit()
    await decisions.decide(db, services.sms, scopes["reviewer"], registration.number, FIRST, outcome="register")
    await db.commit()
    claim = await _claim(db, registration.id)
    assert (claim.status, claim.rejection_reason) == (UiClaimStatus.REJECTED, ui_benefit.ALREADY_GRANTED)
    assert await _p08_grants(db) == 1


async def test_the_p08_grant_is_written_only_while_the_registrations_benefit_is_not_held(db, services, scopes) -> None:
    # The statement itself, without the decision's friendlier check in front of it.
    claimed = await _submit(db, services, await _draft(db, services, id_number=LI_QIANG))
    declined = await _submit(db, services, await _draft(db, services, id_number=HUANG_HAI, phone="13300000104"),
                             claim=False)  # fmt: skip
    grants = {}
    for registration in (claimed, declined):
        application = await _generic_p08(db, registration)
        grants[registration.id] = [
            Grant(application_id=application.id, person_id=registration.person_id, policy_code="P08",
                  county_code="440802", amount=Decimal("1665.00"), period_from=local_today(),
                  period_to=local_today(), granted_on=local_today())
            for _ in range(2)
        ]  # fmt: skip
    assert not await ui_benefit.grant_once(db, grants[claimed.id][0], claimed.id)
    assert await ui_benefit.grant_once(db, grants[declined.id][0], declined.id)
    # A second P08 application of the same registration, once the first is decided, finds the first one's grant.
    await db.execute(update(PolicyApplication).where(PolicyApplication.id == grants[declined.id][0].application_id)
                     .values(status="approved"))  # fmt: skip
    second = await _generic_p08_numbered(db, declined, "ZP99999999999999")
    grants[declined.id][1].application_id = second.id
    assert not await ui_benefit.grant_once(db, grants[declined.id][1], declined.id)
    await db.commit()
    assert await _p08_grants(db) == 1


async def test_the_registration_decided_and_an_older_generic_p08_approved_at_once_grant_once(
    db, services, scopes
) -> None:
    registration = await _submit(db, services, await _draft(db, services, id_number=LI_QIANG))
    generic = await _generic_p08(db, registration)

    async def register() -> str:
        async with services.sessionmaker() as session:
            await decisions.decide(session, services.sms, scopes["reviewer"], registration.number, FIRST,
                                   outcome="register")  # fmt: skip
            await session.commit()
            return "registered"

    async def approve() -> str:
        async with services.sessionmaker() as session:
            try:
                await policy_applications.decide(session, services.sms, scopes["reviewer"], generic.number, 1,
                                                 _approval(local_today()))  # fmt: skip
                await session.commit()
            except InputError:
                return "refused"
            return "approved"

    if services.settings.database_url.startswith("sqlite"):  # one writer at a time
        outcomes = [await approve(), await register()]
    else:
        outcomes = list(await asyncio.gather(approve(), register()))
    assert outcomes == ["refused", "registered"]
    assert await _p08_grants(db) == 1
    assert (await _claim(db, registration.id)).status is UiClaimStatus.GRANTED


# ---- shown to staff ----------------------------------------------------------------------------------------------


async def test_the_case_view_shows_the_claim_and_make_case_claims_by_default(db, services, scopes) -> None:
    case = await make_case(db, services, id_number=HUANG_HAI, name="黄海")
    view = await case_view.view(db, services.cipher, scopes["reviewer"], case.number)
    assert view.ui_benefit is not None
    assert (view.ui_benefit.claim.status, view.ui_benefit.provisional, view.ui_benefit.tag) == (
        UiClaimStatus.CLAIMED, True, "waiting",
    )  # fmt: skip
    plain = await make_case(db, services, phone="13300000103", id_number=make_id(date(1991, 2, 2), "M"))
    assert (await case_view.view(db, services.cipher, scopes["reviewer"], plain.number)).ui_benefit is None


# ---- the demo --------------------------------------------------------------------------------------------------


async def test_the_demo_registers_huang_hai_with_his_benefit_granted(db, services) -> None:
    from portal.demo import load_demo_cases, load_demo_staff, load_demo_ui_benefit

    await load_demo_staff(db)
    await load_demo_cases(db, services.cipher, services.social_insurance)
    assert await load_demo_ui_benefit(db, services.sms) == 1
    await db.commit()
    claims = {c.status: c for c in await db.scalars(select(UiBenefitClaim))}
    assert set(claims) == {UiClaimStatus.GRANTED, UiClaimStatus.CLAIMED}  # 黄海 granted; 李强 waiting with his case
    granted = claims[UiClaimStatus.GRANTED]
    assert (granted.months, granted.monthly_amount) == (18, Decimal("1665.00"))
    assert await db.scalar(select(func.count()).select_from(Grant).where(Grant.policy_code == "P08")) == 1
    assert await load_demo_ui_benefit(db, services.sms) == 0
