"""Credit cases (信用承诺惩戒, §5.3): opened from an upheld objection, a broken commitment or a staff finding
of fraud; the person is told the facts and may state their side; a reviewer decides; repayments of an amount
to recover are recorded as they come in."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.base import Base, Timestamped, UTCDateTime, enum_column, utcnow


class CreditSource(enum.StrEnum):
    OBJECTION = "objection"
    COMMITMENT = "commitment"
    FINDING = "finding"


class CreditCaseStatus(enum.StrEnum):
    AWAITING_STATEMENT = "awaiting_statement"  # the person was told the facts and may answer until the due day
    DECIDED = "decided"


class CreditCase(Timestamped, Base):
    __tablename__ = "credit_cases"
    __table_args__ = (
        sa.Index("ix_credit_cases_county", "county_code", "status", "id"),
        sa.Index("ix_credit_cases_person", "person_id", "id"),
        # One case per upheld objection, however many times the decision is posted.
        sa.Index("uq_credit_cases_objection", "objection_id", unique=True,
                 postgresql_where=sa.text("objection_id IS NOT NULL"),
                 sqlite_where=sa.text("objection_id IS NOT NULL")),
    )  # fmt: skip

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(sa.String(20), unique=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id"))
    # The registration the person is reached through (inbox and SMS).
    registration_id: Mapped[int] = mapped_column(sa.ForeignKey("registrations.id"))
    county_code: Mapped[str] = mapped_column(sa.ForeignKey("service_areas.code"))
    source: Mapped[CreditSource] = mapped_column(enum_column(CreditSource))
    objection_id: Mapped[int | None] = mapped_column(sa.ForeignKey("objections.id"))
    facts: Mapped[str] = mapped_column(sa.Text)
    opened_by: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_users.id"))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    status: Mapped[CreditCaseStatus] = mapped_column(enum_column(CreditCaseStatus))
    statement_due: Mapped[date]
    statement: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    statement_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The decision: any of stopping support, an amount to recover and a listing; none of them is "no action".
    support_stopped: Mapped[bool] = mapped_column(default=False)
    recover_amount: Mapped[Decimal | None] = mapped_column(sa.Numeric(12, 2))
    # Repaid so far: moved on by one conditional UPDATE per repayment, so it never passes recover_amount.
    recovered: Mapped[Decimal] = mapped_column(sa.Numeric(12, 2), default=Decimal("0.00"), server_default="0")
    listed_until: Mapped[date | None]
    reasons: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_by: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_users.id"))
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__: Mapping[str, Any] = {"version_id_col": version}

    @property
    def no_action(self) -> bool:
        return not (self.support_stopped or self.recover_amount or self.listed_until)


class CreditRepayment(Base):
    __tablename__ = "credit_repayments"
    __table_args__ = (sa.Index("ix_credit_repayments_case", "case_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("credit_cases.id"))
    amount: Mapped[Decimal] = mapped_column(sa.Numeric(12, 2))
    paid_on: Mapped[date]
    recorded_by: Mapped[int] = mapped_column(sa.ForeignKey("staff_users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
