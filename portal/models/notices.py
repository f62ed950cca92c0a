"""Public notices of benefit recipients (公示, §5.2): a batch of approved grants of one county and policy,
composed by a clerk and published by a reviewer for a period of working days; each entry keeps the masked
values as published, so a later change of the person's data does not change the notice."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.base import Base, Timestamped, UTCDateTime, enum_column, utcnow


class NoticeStatus(enum.StrEnum):
    DRAFT = "draft"  # composed, waiting for a reviewer
    PUBLISHED = "published"
    WITHDRAWN = "withdrawn"  # taken down whole


class PaymentStatus(enum.StrEnum):
    """Where a grant stands on the way to payment: support is paid only after its notice closes with no
    upheld objection (reference/masking-and-notices.md)."""

    AWAITING_NOTICE = "awaiting_notice"
    IN_NOTICE = "in_notice"
    CLEARED = "cleared"  # cleared for payment
    HELD = "held"  # an objection is open or was upheld, or the entry was taken down
    STOPPED = "stopped"  # a credit decision stopped the support


class Notice(Timestamped, Base):
    __tablename__ = "notices"
    __table_args__ = (
        # The public list (newest first, by county and policy) and the staff list.
        sa.Index("ix_notices_public", "status", "starts_on", "id"),
        sa.Index("ix_notices_county", "county_code", "status", "id"),
        # The settling sweep: published notices whose period ended and that are not settled yet.
        sa.Index("ix_notices_unsettled", "ends_on", postgresql_where=sa.text("settled_at IS NULL"),
                 sqlite_where=sa.text("settled_at IS NULL")),
    )  # fmt: skip

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(sa.String(20), unique=True)
    county_code: Mapped[str] = mapped_column(sa.ForeignKey("service_areas.code"))
    policy_code: Mapped[str] = mapped_column(sa.ForeignKey("policies.code"))
    # The grants it was composed from: granted between these days.
    granted_from: Mapped[date]
    granted_to: Mapped[date]
    working_days: Mapped[int] = mapped_column(default=5)
    status: Mapped[NoticeStatus] = mapped_column(enum_column(NoticeStatus))
    entry_count: Mapped[int] = mapped_column(default=0)
    composed_by: Mapped[int] = mapped_column(sa.ForeignKey("staff_users.id"))
    composed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Set on publishing: the period runs from starts_on to ends_on, both included.
    published_by: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_users.id"))
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    starts_on: Mapped[date | None]
    ends_on: Mapped[date | None]
    ends_provisional: Mapped[bool] = mapped_column(default=False)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    withdrawn_by: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_users.id"))
    withdrawal_category: Mapped[str | None] = mapped_column(sa.String(30))
    withdrawal_reason: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    # When the period's end was settled: its grants cleared for payment or held.
    settled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__: Mapping[str, Any] = {"version_id_col": version}


class NoticeEntry(Base):
    """One published line: only what the reference allows (masked name and ID number, policy, amount, county,
    grant period), stored as published."""

    __tablename__ = "notice_entries"
    __table_args__ = (sa.Index("ix_notice_entries_notice", "notice_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(sa.ForeignKey("notices.id"))
    position: Mapped[int]
    # A grant is in one notice at a time (a withdrawn notice lets its grants go into a new one).
    grant_id: Mapped[int] = mapped_column(sa.ForeignKey("grants.id"), index=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id"), index=True)
    masked_name: Mapped[str] = mapped_column(sa.String(60))
    masked_id: Mapped[str] = mapped_column(sa.String(20))
    policy_code: Mapped[str] = mapped_column(sa.String(8))
    amount: Mapped[Decimal] = mapped_column(sa.Numeric(12, 2))
    county_code: Mapped[str] = mapped_column(sa.String(16))
    period_from: Mapped[date]
    period_to: Mapped[date]
    taken_down_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    taken_down_by: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_users.id"))
    takedown_category: Mapped[str | None] = mapped_column(sa.String(30))
    takedown_reason: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
