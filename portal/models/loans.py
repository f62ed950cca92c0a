"""Business-start guarantee loans (创业担保贷款, policy P04): the application the portal collects for a registered
person, the rule engine's reading of it at submission, and each step on the way through the lender's decision."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.base import Base, Timestamped, UTCDateTime, enum_column, utcnow


class LoanStatus(enum.StrEnum):
    SUBMITTED = "submitted"
    CHECKED = "checked"  # the agency checked the conditions and the papers
    REFUSED = "refused"  # the agency found it cannot be supported, with the reason
    SENT = "sent"  # sent to the lender (a bank, with the guarantee fund)
    APPROVED = "approved"  # the lender approved an amount
    DECLINED = "declined"  # the lender declined, with the reason
    DISBURSED = "disbursed"


OPEN_LOAN_STATUSES = (LoanStatus.SUBMITTED, LoanStatus.CHECKED, LoanStatus.SENT, LoanStatus.APPROVED)
_open_values = ", ".join(repr(s.value) for s in OPEN_LOAN_STATUSES)


class BusinessType(enum.StrEnum):
    INDIVIDUAL = "individual"  # 个体工商户
    SMALL_COMPANY = "small_company"  # 小微企业
    ONLINE_SHOP = "online_shop"  # 网店
    FARM = "farm"  # 家庭农场、农民专业合作社
    OTHER = "other"


class LoanApplication(Timestamped, Base):
    __tablename__ = "loan_applications"
    __table_args__ = (
        # One open application per person, decided by the database: a double submit finds the first.
        sa.Index(
            "uq_loan_applications_open_person", "person_id", unique=True,
            sqlite_where=sa.text(f"status IN ({_open_values})"),
            postgresql_where=sa.text(f"status IN ({_open_values})"),
        ),
        # The county's list by status, and the resident's own.
        sa.Index("ix_loan_applications_county", "county_code", "status", "submitted_at", "id"),
        sa.Index("ix_loan_applications_account_id", "account_id"),
    )  # fmt: skip

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(sa.String(20), unique=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id"))
    registration_id: Mapped[int] = mapped_column(sa.ForeignKey("registrations.id"))
    account_id: Mapped[int | None] = mapped_column(sa.ForeignKey("resident_accounts.id", ondelete="SET NULL"))
    county_code: Mapped[str] = mapped_column(sa.ForeignKey("service_areas.code"))
    status: Mapped[LoanStatus] = mapped_column(enum_column(LoanStatus, 20))
    business_name: Mapped[str] = mapped_column(sa.String(100))
    business_type: Mapped[BusinessType] = mapped_column(enum_column(BusinessType, 20))
    amount_asked: Mapped[int]  # whole yuan
    purpose: Mapped[str] = mapped_column(sa.String(500))
    term_months: Mapped[int]
    business_registered: Mapped[bool]
    business_registered_on: Mapped[date | None]
    # The rule engine's reading of P04 at submission: eligible, and each check's words (met or missing).
    conditions_met: Mapped[bool]
    trace: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON, default=list)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    lender: Mapped[str | None] = mapped_column(sa.String(100))
    amount_approved: Mapped[int | None]
    approved_on: Mapped[date | None]
    disbursed_on: Mapped[date | None]
    reason: Mapped[str] = mapped_column(sa.String(500), default="", server_default="")  # refused or declined


class LoanStep(Base):
    """A step of an application, as the history shows it to both sides."""

    __tablename__ = "loan_steps"
    __table_args__ = (sa.Index("ix_loan_steps_application_id", "application_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(sa.ForeignKey("loan_applications.id", ondelete="CASCADE"))
    status: Mapped[LoanStatus] = mapped_column(enum_column(LoanStatus, 20))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    staff_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_users.id"))
    note: Mapped[str] = mapped_column(sa.String(500), default="", server_default="")
