"""Unemployment insurance benefit claims (P08) made with a registration (§3.2(4)): one per registration, decided
with it; a granted claim becomes an approved P08 policy application with its grant."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.base import Base, Timestamped, UTCDateTime, enum_column


class UiClaimStatus(enum.StrEnum):
    CLAIMED = "claimed"  # made with the registration, waiting for its decision
    DECLINED = "declined"  # offered on the check-your-answers page, and declined
    GRANTED = "granted"
    REJECTED = "rejected"


class UiBenefitClaim(Timestamped, Base):
    """The claim and its figures: provisional while the registration waits, final once it is decided."""

    __tablename__ = "ui_benefit_claims"

    id: Mapped[int] = mapped_column(primary_key=True)
    # One claim per registration: a double submit or a repeated decision finds this row.
    registration_id: Mapped[int] = mapped_column(sa.ForeignKey("registrations.id", ondelete="CASCADE"), unique=True)
    status: Mapped[UiClaimStatus] = mapped_column(enum_column(UiClaimStatus, 20))
    # Months of contributions on the social-insurance record when the registration was made.
    insured_months: Mapped[int]
    months: Mapped[int]
    monthly_amount: Mapped[Decimal] = mapped_column(sa.Numeric(12, 2))
    period_from: Mapped[date]
    period_to: Mapped[date]
    # The approved P08 application that carries the grant (notices, credit and the checklist read grants).
    application_id: Mapped[int | None] = mapped_column(sa.ForeignKey("policy_applications.id"), unique=True)
    rejection_reason: Mapped[str | None] = mapped_column(sa.String(30))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
