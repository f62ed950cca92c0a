"""Verifications: the data comparisons and field investigations, and their results in words."""

from __future__ import annotations

import pytest

from portal.adapters.verification import BIG_DATA_CHECKS
from portal.i18n import current_locale
from portal.models import RegistrationStatus, Verification, VerificationOutcome, VerificationSource
from portal.services import case_view, decisions, verifications
from portal.services.cases import Lock
from portal.services.errors import InputError
from tests.staffing import make_case


def test_comparison_details_are_described_in_words() -> None:
    rows = verifications.describe({"reason": "active_filing", "employer": "港务公司", "employer_en": "Port Co.",
                                   "since": "2019-03-01", "simulated": True})  # fmt: skip
    assert rows == [
        ("发现", "有用人单位劳动用工备案尚未终止"),
        ("用人单位", "港务公司"),
        ("起始日期", "2019-03-01"),
        ("模拟系统答复", "✓"),
    ]


def test_a_big_data_match_says_nothing_was_found_rather_than_listing_what_was_checked() -> None:
    token = current_locale.set("en")
    try:
        rows = verifications.describe({"checked": list(BIG_DATA_CHECKS)})
    finally:
        current_locale.reset(token)
    assert rows[0] == ("Finding", "nothing found")
    assert rows[1][0] == "Looked for"
    assert "deceased" not in rows[1][1]
    assert "receives" not in rows[1][1]
    for topic in ("death records", "basic pension payments", "business licences", "student enrolment"):
        assert topic in rows[1][1]


async def test_a_field_investigation_alone_allows_registering(db, services, scopes) -> None:
    number = (await make_case(db, services, compared=False)).number
    await verifications.investigate(db, scopes["reviewer"], number, outcome="match", note="上门核实，确未就业")
    await db.commit()
    view = await case_view.view(db, services.cipher, scopes["reviewer"], number)
    assert view.can_register is True
    registered = await decisions.decide(db, services.sms, scopes["reviewer"], number, Lock(1, 0), outcome="register")
    assert registered.status is RegistrationStatus.REGISTERED


async def test_an_unavailable_source_is_not_a_comparison(db, services, scopes) -> None:
    case = await make_case(db, services, compared=False)
    number = case.number
    db.add(Verification(registration_id=case.id, source=VerificationSource.BIG_DATA,
                        outcome=VerificationOutcome.UNAVAILABLE, detail={}))  # fmt: skip
    await db.commit()
    view = await case_view.view(db, services.cipher, scopes["reviewer"], number)
    assert view.can_register is False
    with pytest.raises(InputError) as raised:
        await decisions.decide(db, services.sms, scopes["reviewer"], number, Lock(1, 0), outcome="register")
    assert set(raised.value.errors) == {"outcome"}
