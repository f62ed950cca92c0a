"""When a contact is due: the first within 5 working days of the registration, then one every calendar month."""

from __future__ import annotations

from datetime import date

import pytest

from portal.rules.tracking import tracking_due

MONDAY = date(2026, 11, 23)


def test_the_first_contact_is_due_on_the_fifth_working_day_after_the_registration() -> None:
    assert tracking_due(MONDAY, MONDAY).first_contact_due == date(2026, 11, 30)  # the weekend not counted


@pytest.mark.parametrize(
    ("on", "last_contact", "overdue"),
    [
        (date(2026, 11, 30), None, False),  # the due day itself: not late yet
        (date(2026, 12, 1), None, True),  # the day after, with no contact
        (date(2026, 12, 1), date(2026, 11, 27), False),  # contacted in time
        (date(2026, 12, 1), date(2026, 11, 20), True),  # a contact before registering is none
    ],
)
def test_the_first_contact_is_late_only_after_its_day_without_a_contact_since_registering(
    on, last_contact, overdue
) -> None:
    assert tracking_due(MONDAY, on, last_contact).first_contact_overdue is overdue


def test_the_first_contact_across_national_day_counts_the_adjusted_saturday() -> None:
    # 30 September 2026 (Wednesday): 8, 9, 10 (a Saturday worked), 12 and 13 October.
    assert tracking_due(date(2026, 9, 30), date(2026, 10, 1)).first_contact_due == date(2026, 10, 13)


@pytest.mark.parametrize(
    ("on", "last_contact", "due"),
    [
        (date(2026, 12, 1), None, True),
        (date(2026, 12, 1), date(2026, 11, 30), True),  # last month's contact: due again on the 1st
        (date(2026, 12, 31), date(2026, 12, 1), False),  # one this month is enough
        (date(2027, 1, 1), date(2026, 12, 31), True),  # a new year is a new month
    ],
)
def test_a_monthly_contact_is_due_in_each_calendar_month_without_one(on, last_contact, due) -> None:
    assert tracking_due(date(2026, 6, 1), on, last_contact).monthly_due is due


def test_a_first_contact_due_in_a_year_without_a_published_calendar_is_provisional() -> None:
    assert tracking_due(date(2027, 12, 27), date(2027, 12, 28)).first_contact_provisional
