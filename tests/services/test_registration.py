"""Registration rules in the service layer: deadlines, the calendar, and one open registration per person."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy.exc import IntegrityError

from portal.models import CalendarOverride, Person, Registration, RegistrationStatus, ResidentAccount
from portal.services import registration as reg
from portal.services.registration_form import build_steps
from tests.residents import ZHANG_SAN

STEPS = build_steps([(code, code) for code in ("440802", "440803", "440881")])


async def _account(db, phone: str = "13500000001") -> ResidentAccount:
    account = ResidentAccount(phone=phone, password_hash="x")
    db.add(account)
    await db.flush()
    return account


async def _answer_all(db, services, account_id: int, person: dict, today: date) -> None:
    await reg.start(db, services.cipher, account_id, person["contact"]["phone"])
    while (step := reg.next_step(STEPS, await reg.get_answers(db, services.cipher, account_id))) is not None:
        outcome = await reg.save_step(
            db, services.cipher, services.social_insurance, account_id, STEPS, step, person[step.key], today
        )
        assert not outcome.errors, (step.key, outcome.errors)
        assert outcome.refusal is None, outcome.refusal


def _deferred() -> dict:
    person = {**ZHANG_SAN, "papers": {"missing_papers": ["id_card"]}}
    person["commitment"] = {"signed_name": "张三", "agree": ["yes"]}
    return person


# Monday 2026-11-23, 10:00 in Zhanjiang.
MONDAY = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)


async def _submit(db, services, account_id: int, now: datetime = MONDAY) -> Registration:
    submission = await reg.submit(db, services.cipher, services.social_insurance, account_id, STEPS, "zh_CN", now)
    assert isinstance(submission, reg.Submitted), submission
    return submission.registration


async def test_deferred_deadline_is_seven_working_days_after_acceptance(db, services) -> None:
    account = await _account(db)
    await _answer_all(db, services, account.id, _deferred(), MONDAY.date())
    registration = await _submit(db, services, account.id)
    assert registration.status is RegistrationStatus.DEFERRED
    assert registration.deadline == date(2026, 12, 2)
    assert registration.deadline_provisional is False


async def test_complete_application_has_a_three_working_day_decision_target(db, services) -> None:
    account = await _account(db)
    await _answer_all(db, services, account.id, ZHANG_SAN, MONDAY.date())
    registration = await _submit(db, services, account.id)
    assert registration.status is RegistrationStatus.SUBMITTED
    assert registration.deadline == date(2026, 11, 26)


async def test_staff_calendar_overrides_move_the_deadline(db, services) -> None:
    db.add(CalendarOverride(day=date(2026, 11, 25), is_workday=False, note="typhoon closure"))
    account = await _account(db)
    await _answer_all(db, services, account.id, ZHANG_SAN, MONDAY.date())
    registration = await _submit(db, services, account.id)
    assert registration.deadline == date(2026, 11, 27)


async def test_deadline_in_a_year_without_a_holiday_schedule_is_provisional(db, services) -> None:
    late_december = datetime(2026, 12, 28, 2, 0, tzinfo=UTC)
    account = await _account(db)
    await _answer_all(db, services, account.id, _deferred(), late_december.date())
    registration = await _submit(db, services, account.id, late_december)
    assert registration.deadline == date(2027, 1, 6)
    assert registration.deadline_provisional is True


async def test_database_allows_one_open_registration_per_person(db, services) -> None:
    account = await _account(db)
    await _answer_all(db, services, account.id, ZHANG_SAN, MONDAY.date())
    first = await _submit(db, services, account.id)
    await db.commit()
    duplicate = Registration(
        number="ZJ-DUPLICATE",
        person_id=first.person_id,
        account_id=account.id,
        county_code="440802",
        status=RegistrationStatus.DEFERRED,
        pension_category="M60",
        hukou_local=True,
        residence_urban=True,
        unemployment_category="dismissed",
        phone="13500000001",
        answers={},
        deadline=date(2026, 12, 2),
    )
    db.add(duplicate)
    with pytest.raises(IntegrityError):
        await db.flush()
    await db.rollback()


async def test_a_closed_registration_does_not_block_a_new_one(db, services) -> None:
    account = await _account(db)
    await _answer_all(db, services, account.id, ZHANG_SAN, MONDAY.date())
    first = await _submit(db, services, account.id)
    first.status = RegistrationStatus.EMPLOYED
    await db.commit()
    await _answer_all(db, services, account.id, ZHANG_SAN, MONDAY.date())
    second = await _submit(db, services, account.id)
    assert second.person_id == first.person_id
    assert await db.get(Person, first.person_id) is not None


async def test_submitting_without_a_draft_points_to_the_existing_application(db, services) -> None:
    account = await _account(db)
    await _answer_all(db, services, account.id, ZHANG_SAN, MONDAY.date())
    first = await _submit(db, services, account.id)
    again = await reg.submit(db, services.cipher, services.social_insurance, account.id, STEPS, "zh_CN", MONDAY)
    assert again == reg.AlreadySubmitted(first.number)
