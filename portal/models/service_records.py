"""Service records (§4.1): every contact and service given to a registered person, recorded at once."""

from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.base import Base, Timestamped, UTCDateTime, enum_column, utcnow


class ServiceKind(enum.StrEnum):
    TRACKING = "tracking"  # the monthly tracking contact (§4.2)
    JOB_RECOMMENDATION = "job_recommendation"
    GUIDANCE = "guidance"
    TRAINING = "training"
    POLICY = "policy"


class ServiceChannel(enum.StrEnum):
    PHONE = "phone"
    VISIT = "visit"
    SMS = "sms"
    ONLINE = "online"
    DATA = "data"  # a data comparison counts as a tracking contact (§4.2)


class ServiceResult(enum.StrEnum):
    REACHED = "reached"
    NOT_REACHED = "not_reached"
    REFUSED_WITHOUT_REASON = "refused_without_reason"  # counts towards reason 8
    REFUSED_WITH_REASON = "refused_with_reason"


class ServiceRecord(Timestamped, Base):
    """A contact or a service offered: the ledger that reasons 8 and 9 are read from."""

    __tablename__ = "service_records"
    __table_args__ = (
        sa.Index("ix_service_records_registration_day", "registration_id", "day"),
        # The ledger, read by keyset on (day, id) either way (its exports too; sorted by service, channel or result
        # it reads the primary key, a value at a time); and one staff member's records by day.
        sa.Index("ix_service_records_day", "day", "id"),
        sa.Index("ix_service_records_staff_day", "staff_id", "day", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(sa.ForeignKey("registrations.id", ondelete="CASCADE"))
    day: Mapped[date]
    kind: Mapped[ServiceKind] = mapped_column(enum_column(ServiceKind, 30))
    channel: Mapped[ServiceChannel] = mapped_column(enum_column(ServiceChannel, 20))
    result: Mapped[ServiceResult] = mapped_column(enum_column(ServiceResult))
    note: Mapped[str] = mapped_column(sa.Text, default="")
    staff_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_users.id"))


class TrackingComparison(Base):
    """A registration compared with the social-insurance data in a month's tracking run (§4.2): the primary key
    makes the run idempotent per person and month, and lets two processes run it at once."""

    __tablename__ = "tracking_comparisons"

    registration_id: Mapped[int] = mapped_column(sa.ForeignKey("registrations.id"), primary_key=True)
    month: Mapped[str] = mapped_column(sa.String(7), primary_key=True)  # YYYY-MM
    insured_employed: Mapped[bool]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
