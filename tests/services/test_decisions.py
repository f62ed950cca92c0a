"""Deciding an application: what a reviewer may decide, and the message of each field."""

from __future__ import annotations

from datetime import date

import pytest

from portal.models import RegistrationStatus
from portal.services import case_view, decisions, verifications
from portal.services.cases import Lock
from portal.services.errors import InputError
from tests.conftest import make_id
from tests.staffing import make_case

FIRST = Lock(1, 0)


async def test_registering_needs_a_recorded_comparison_but_rejecting_does_not(db, services, scopes) -> None:
    number = (await make_case(db, services, compared=False)).number
    assert verifications.can_register([]) is False
    with pytest.raises(InputError) as raised:
        await decisions.decide(db, services.sms, scopes["reviewer"], number, FIRST, outcome="register")
    assert raised.value.errors == {"outcome": decisions.NOT_COMPARED}
    await db.rollback()
    rejected = await decisions.decide(
        db, services.sms, scopes["reviewer"], number, FIRST, outcome="reject", reason="identity", note="证件无法核实"
    )
    assert rejected.status is RegistrationStatus.REJECTED


async def test_papers_not_supplied_is_a_reason_only_when_papers_were_declared_missing(db, services, scopes) -> None:
    complete_number = (
        await make_case(db, services, phone="13300000041", id_number=make_id(date(1991, 4, 4), "M"))
    ).number
    deferred_number = (
        await make_case(db, services, phone="13300000042", id_number=make_id(date(1992, 4, 4), "M"),
                        missing=["termination_proof"])
    ).number  # fmt: skip
    complete_view = await case_view.view(db, services.cipher, scopes["reviewer"], complete_number)
    deferred_view = await case_view.view(db, services.cipher, scopes["reviewer"], deferred_number)
    complete_reasons = {choice.value for choice in complete_view.rejection_reasons}
    assert "papers" not in complete_reasons
    assert "papers" in {choice.value for choice in deferred_view.rejection_reasons}
    assert complete_reasons == set(decisions.REJECTION_REASONS) - {"papers"}
    await db.commit()
    with pytest.raises(InputError) as raised:
        await decisions.decide(
            db, services.sms, scopes["reviewer"], complete_number, FIRST, outcome="reject", reason="papers"
        )
    assert set(raised.value.errors) == {"reason"}
    await db.rollback()
    rejected = await decisions.decide(
        db, services.sms, scopes["reviewer"], deferred_number, FIRST, outcome="reject", reason="papers",
        commitment="broken",
    )  # fmt: skip
    assert rejected.rejection_reason == "papers"


async def test_each_decision_error_is_its_own_fields_message(db, services, scopes) -> None:
    deferred_number = (await make_case(db, services, missing=["id_card"])).number
    with pytest.raises(InputError) as empty:
        await decisions.decide(db, services.sms, scopes["reviewer"], deferred_number, FIRST, outcome="")
    assert empty.value.errors == {"outcome": decisions.OUTCOME_REQUIRED, "commitment": decisions.COMMITMENT_REQUIRED}
    await db.rollback()
    with pytest.raises(InputError) as no_reason:
        await decisions.decide(
            db, services.sms, scopes["reviewer"], deferred_number, FIRST, outcome="reject", commitment="kept"
        )
    assert no_reason.value.errors == {"reason": decisions.REJECTION_REASON_REQUIRED}
    await db.rollback()
    with pytest.raises(InputError) as no_note:
        await decisions.decide(
            db, services.sms, scopes["reviewer"], deferred_number, FIRST, outcome="reject", reason="other",
            commitment="kept",
        )  # fmt: skip
    assert no_note.value.errors == {"note": decisions.APPLICANT_NOTE_REQUIRED}
