"""Service requests (§4.3, the 12333 channel): a registered person asks for a service, online or by phone on
12333; the registration agency answers, and the two can write back and forth until it is closed."""

from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.base import Base, Timestamped, UTCDateTime, enum_column, utcnow


class RequestKind(enum.StrEnum):
    POLICY = "policy"  # 政策咨询
    GUIDANCE = "guidance"  # 职业指导
    JOB = "job"  # 岗位推荐
    TRAINING = "training"  # 技能培训
    BUSINESS = "business"  # 创业服务
    UI_BENEFIT = "ui_benefit"  # 失业保险金
    OTHER = "other"


class RequestChannel(enum.StrEnum):
    ONLINE = "online"
    PHONE_12333 = "phone_12333"  # taken by phone and recorded by staff


class RequestStatus(enum.StrEnum):
    WAITING = "waiting"  # for the agency's answer
    ANSWERED = "answered"  # the resident may reply, which makes it wait again
    CLOSED = "closed"


class ServiceRequest(Timestamped, Base):
    __tablename__ = "service_requests"
    __table_args__ = (
        # The agency's queue: waiting ones by due day, per county.
        sa.Index("ix_service_requests_queue", "county_code", "status", "due", "id"),
        sa.Index("ix_service_requests_account", "account_id", "created_at"),
        sa.Index("ix_service_requests_registration", "registration_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(sa.String(20), unique=True)
    registration_id: Mapped[int] = mapped_column(sa.ForeignKey("registrations.id", ondelete="CASCADE"))
    account_id: Mapped[int | None] = mapped_column(sa.ForeignKey("resident_accounts.id", ondelete="SET NULL"))
    county_code: Mapped[str] = mapped_column(sa.ForeignKey("service_areas.code"))
    kind: Mapped[RequestKind] = mapped_column(enum_column(RequestKind, 20))
    channel: Mapped[RequestChannel] = mapped_column(enum_column(RequestChannel, 20))
    status: Mapped[RequestStatus] = mapped_column(enum_column(RequestStatus, 20), default=RequestStatus.WAITING)
    # The first answer is due by the end of this day (REQUEST_ANSWER_DAYS working days after filing).
    due: Mapped[date]
    due_provisional: Mapped[bool] = mapped_column(default=False)
    first_answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    recorded_by: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_users.id"))  # a 12333 call


class RequestMessage(Base):
    """One message of a request's conversation: the request itself, an answer, a reply."""

    __tablename__ = "service_request_messages"
    __table_args__ = (sa.Index("ix_service_request_messages_request", "request_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(sa.ForeignKey("service_requests.id", ondelete="CASCADE"))
    author: Mapped[str] = mapped_column(sa.String(10))  # resident or staff
    staff_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_users.id"))
    body: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
