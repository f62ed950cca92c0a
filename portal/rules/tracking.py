"""When a registered person is due a contact (§4.2 定期联系): a first contact within 5 working days of the
registration, then at least one contact in every calendar month."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from portal.rules.workdays import workdays_after

FIRST_CONTACT_WORKING_DAYS = 5


@dataclass(frozen=True)
class TrackingDue:
    first_contact_due: date
    # The due day depends on a year's holidays not yet published (rules.workdays): counted Monday to Friday.
    first_contact_provisional: bool
    first_contact_overdue: bool
    monthly_due: bool


def tracking_due(
    registered_on: date, on: date, last_contact: date | None = None, overrides: Mapping[date, bool] | None = None
) -> TrackingDue:
    """On the day `on`: when the first contact is (or was) due, whether it is late (no contact since the
    registration, and its 5th working day has passed), and whether this calendar month still lacks a contact.
    The registration day itself is not counted, as for every working-day period (reference/working-days.md)."""
    due = workdays_after(registered_on, FIRST_CONTACT_WORKING_DAYS, overrides)
    contacted_since = last_contact is not None and last_contact >= registered_on
    this_month = last_contact is not None and (last_contact.year, last_contact.month) >= (on.year, on.month)
    return TrackingDue(
        first_contact_due=due.deadline,
        first_contact_provisional=due.provisional,
        first_contact_overdue=not contacted_since and on > due.deadline,
        monthly_due=not this_month,
    )
