"""The case page's view, and the messages of its forms' fields."""

from __future__ import annotations

import pytest

from portal.i18n import current_locale
from portal.services import decisions, endings, service_records, transfers, verifications

# Each field of the case page's forms and the message it gets when it is missing or wrong.
FIELD_MESSAGES = {
    "outcome": decisions.OUTCOME_REQUIRED,
    "reason": decisions.REJECTION_REASON_REQUIRED,
    "note": decisions.APPLICANT_NOTE_REQUIRED,
    "commitment": decisions.COMMITMENT_REQUIRED,
    "investigation_outcome": verifications.INVESTIGATION_OUTCOME_REQUIRED,
    "investigation_note": verifications.INVESTIGATION_NOTE_REQUIRED,
    "end_reason": endings.END_REASON_REQUIRED,
    "end_date": endings.END_DATE_INVALID,
    "end_note": endings.END_NOTE_REQUIRED,
    "end_reference": endings.REFERENCE_REQUIRED,
    "to_area": transfers.AREA_INVALID,
    "transfer_note": transfers.TRANSFER_NOTE_REQUIRED,
    "why": endings.REVERSE_WHY_REQUIRED,
    "service_day": service_records.DAY_INVALID,
    "service_kind": service_records.KIND_REQUIRED,
    "service_channel": service_records.CHANNEL_REQUIRED,
    "service_result": service_records.RESULT_REQUIRED,
}


@pytest.mark.parametrize("locale", ["zh_CN", "en"])
def test_every_form_field_of_the_case_page_has_a_message_of_its_own(locale: str) -> None:
    token = current_locale.set(locale)
    try:
        messages = [str(m) for m in FIELD_MESSAGES.values()]
    finally:
        current_locale.reset(token)
    assert len(messages) == len(set(messages)), messages


def test_each_case_page_message_names_its_fields_label() -> None:
    labels = {
        "outcome": "decision", "reason": "reason for not registering", "note": "note to the applicant",
        "commitment": "credit commitment", "investigation_outcome": "investigation",
        "investigation_note": "what you found", "end_reason": "reason", "end_date": "date it happened",
        "end_note": "evidence", "end_reference": "reference of the public decision", "to_area": "new service area",
        "transfer_note": "why", "why": "why the ending was a mistake", "service_day": "date of the contact",
        "service_kind": "service or contact", "service_channel": "channel", "service_result": "result of the contact",
    }  # fmt: skip
    token = current_locale.set("en")
    try:
        messages = {name: str(message).lower() for name, message in FIELD_MESSAGES.items()}
    finally:
        current_locale.reset(token)
    assert set(messages) == set(labels)
    for name, words in labels.items():
        assert words in messages[name], name
