"""Case work on registrations: data comparisons, contacts and services, proposed status changes."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.base import Base, Timestamped, UTCDateTime, enum_column, utcnow


class VerificationSource(enum.StrEnum):
    CARD_BASE = "card_base"  # 社会保障卡持卡人员基础信息库: identity
    SOCIAL_INSURANCE = "social_insurance"  # 社会保险参保登记: unemployment
    LABOUR_FILING = "labour_filing"  # 劳动用工备案: unemployment
    BIG_DATA = "big_data"  # 政务大数据平台: anything else
    FIELD_INVESTIGATION = "field_investigation"  # 实地调查, recorded by staff


class VerificationOutcome(enum.StrEnum):
    MATCH = "match"
    MISMATCH = "mismatch"
    UNAVAILABLE = "unavailable"


class Verification(Base):
    """One comparison's result, kept for good: which source, when, by whom, and what it said."""

    __tablename__ = "verifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(sa.ForeignKey("registrations.id", ondelete="CASCADE"), index=True)
    source: Mapped[VerificationSource] = mapped_column(enum_column(VerificationSource))
    outcome: Mapped[VerificationOutcome] = mapped_column(enum_column(VerificationOutcome))
    detail: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    staff_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_users.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ContactResult(enum.StrEnum):
    REACHED = "reached"
    NOT_REACHED = "not_reached"
    REFUSED_WITHOUT_REASON = "refused_without_reason"  # counts towards reason 8
    REFUSED_WITH_REASON = "refused_with_reason"


class ServiceRecord(Timestamped, Base):
    """A contact or a service offered (§4.1): the ledger that reasons 8 and 9 are read from."""

    __tablename__ = "service_records"
    __table_args__ = (sa.Index("ix_service_records_registration_day", "registration_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(sa.ForeignKey("registrations.id", ondelete="CASCADE"))
    day: Mapped[date]
    kind: Mapped[str] = mapped_column(sa.String(30))  # tracking, job_recommendation, guidance, training, policy
    channel: Mapped[str] = mapped_column(sa.String(20))  # phone, visit, sms, online, data
    result: Mapped[ContactResult] = mapped_column(enum_column(ContactResult))
    note: Mapped[str] = mapped_column(sa.Text, default="")
    staff_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_users.id"))


class ProposalState(enum.StrEnum):
    OPEN = "open"
    CONFIRMED = "confirmed"
    DISMISSED = "dismissed"


class StatusProposal(Base):
    """A proposed end of a registration (reasons 1-3 from the resident, 4, 8, 9 from the job)."""

    __tablename__ = "status_proposals"
    __table_args__ = (
        # Running the job twice, or in two processes at once, proposes nothing twice.
        sa.Index(
            "uq_status_proposals_open",
            "registration_id",
            "reason",
            unique=True,
            sqlite_where=sa.text("state = 'open'"),
            postgresql_where=sa.text("state = 'open'"),
        ),
        sa.Index("ix_status_proposals_state", "state", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(sa.ForeignKey("registrations.id", ondelete="CASCADE"))
    reason: Mapped[str] = mapped_column(sa.String(4))
    source: Mapped[str] = mapped_column(sa.String(20))  # resident, job
    detail: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    state: Mapped[ProposalState] = mapped_column(enum_column(ProposalState), default=ProposalState.OPEN)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    decided_by: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class InboxMessage(Base):
    """A message in a resident's portal inbox; `kind` and `params` are rendered in their language."""

    __tablename__ = "inbox_messages"
    __table_args__ = (sa.Index("ix_inbox_messages_account", "account_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(sa.ForeignKey("resident_accounts.id", ondelete="CASCADE"))
    registration_id: Mapped[int | None] = mapped_column(sa.ForeignKey("registrations.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(sa.String(30))
    params: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
