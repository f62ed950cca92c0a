"""The typed answers: what the form's draft becomes in typed columns and child tables, read back as one view."""

from __future__ import annotations

import copy
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal.models import (
    Difficulty,
    Education,
    InsuredBefore,
    Registration,
    RegistrationDifficulty,
    ResidentAccount,
    ServiceWanted,
    UnemploymentCategory,
)
from portal.services import answers
from portal.services import registration as reg
from tests.residents import ZHANG_SAN
from tests.staffing import STEPS


async def _submitted(db, services, person: dict) -> Registration:
    account = ResidentAccount(phone="13500000091", password_hash="x")
    db.add(account)
    await db.flush()
    await reg.start(db, services.cipher, account.id, "13500000091")
    while (step := reg.next_step(STEPS, await reg.get_answers(db, services.cipher, account.id))) is not None:
        outcome = await reg.save_step(
            db, services.cipher, services.social_insurance, account.id, STEPS, step, person[step.key], date.today()
        )
        assert not outcome.errors, outcome
        assert outcome.refusal is None, outcome
    submission = await reg.submit(db, services.cipher, services.social_insurance, account.id, STEPS, "zh_CN")
    assert isinstance(submission, reg.Submitted), submission
    await db.commit()
    return await db.scalar(
        select(Registration)
        .where(Registration.id == submission.registration.id)
        .options(selectinload(Registration.difficulty_rows), selectinload(Registration.service_wanted_rows))
        .execution_options(populate_existing=True)
    )


async def test_the_answers_statistics_read_are_typed_and_read_back_as_given(db, services) -> None:
    person = copy.deepcopy(ZHANG_SAN)
    person["hukou"] = {"hukou_area": "outside", "hukou_province": "广西南宁市", "hukou_address": "南宁市示例路1号"}
    person["residence"]["residence_type"] = "rural"
    person["contact"]["education"] = "bachelor"
    person["skills"] = {"occupation_intention": "仓库管理", "training_intention": "no",
                        "entrepreneurship_intention": "yes", "had_unemployment_insurance": "unsure"}  # fmt: skip
    person["needs"] = {"difficulties": ["veteran", "landless"], "services_wanted": ["entrepreneurship"]}
    registration = await _submitted(db, services, person)
    view = answers.of(registration)
    assert view.education is Education.BACHELOR
    assert view.ethnicity == "汉族"
    assert view.unemployment_category is UnemploymentCategory.CONTRACT_ENDED
    assert view.employment_ended_on == date(2026, 10, 31)
    assert (view.hukou_local, view.hukou_province, view.residence_urban) == (False, "广西南宁市", False)
    assert (view.wants_training, view.wants_business, view.occupation_intention) == (False, True, "仓库管理")
    assert view.insured_before is InsuredBefore.UNSURE
    assert view.difficulties == {Difficulty.VETERAN, Difficulty.LANDLESS}
    assert view.services_wanted == {ServiceWanted.ENTREPRENEURSHIP}
    # What is typed is not kept a second time in the document, so the two cannot disagree.
    assert not answers.TYPED_KEYS & set(registration.answers)
    assert registration.answers["residence_address"] == "霞山区示例路2号"


async def test_people_can_be_counted_by_a_circumstance_in_the_database(db, services) -> None:
    person = copy.deepcopy(ZHANG_SAN)
    person["needs"] = {"difficulties": ["disabled"], "services_wanted": []}
    registration = await _submitted(db, services, person)
    disabled = await db.scalars(
        select(RegistrationDifficulty.registration_id).where(RegistrationDifficulty.difficulty == Difficulty.DISABLED)
    )
    assert list(disabled) == [registration.id]
    assert answers.of(registration).services_wanted == frozenset()
