"""Service records (§4.1): every contact and service given to a registered person, recorded at once."""

from __future__ import annotations

import enum
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.base import Base, Timestamped, enum_column


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
    __table_args__ = (sa.Index("ix_service_records_registration_day", "registration_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(sa.ForeignKey("registrations.id", ondelete="CASCADE"))
    day: Mapped[date]
    kind: Mapped[ServiceKind] = mapped_column(enum_column(ServiceKind, 30))
    channel: Mapped[ServiceChannel] = mapped_column(enum_column(ServiceChannel, 20))
    result: Mapped[ServiceResult] = mapped_column(enum_column(ServiceResult))
    note: Mapped[str] = mapped_column(sa.Text, default="")
    staff_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_users.id"))
