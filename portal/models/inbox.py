"""The resident's portal inbox: news about their applications, in their language."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.base import Base, UTCDateTime, enum_column, utcnow


class MessageKind(enum.StrEnum):
    REGISTERED = "registered"
    REJECTED = "rejected"
    ENDED_EMPLOYED = "ended_employed"
    ENDED_EXITED = "ended_exited"
    TRANSFERRED = "transferred"
    REVERSED = "reversed"
    POLICY_APPROVED = "policy_approved"
    POLICY_REJECTED = "policy_rejected"
    REQUEST_ANSWERED = "request_answered"
    OBJECTION_RECEIVED = "objection_received"  # an objection to the person's notice entry is under review
    OBJECTION_DECIDED = "objection_decided"
    CREDIT_OPENED = "credit_opened"  # the facts, and the time to answer
    CREDIT_DECIDED = "credit_decided"
    CREDIT_LISTING_ENDED = "credit_listing_ended"
    TRAINING_OFFERED = "training_offered"  # a training programme the person may enrol in (§3.2 (2))
    LOAN_UPDATED = "loan_updated"  # a business-start guarantee loan application moved on (§3.2 (3))
    JOB_RECOMMENDED = "job_recommended"  # a vacancy recommended by the agency (§3.2 (1))
    CERTIFIED = "certified"  # certified as a person with employment difficulty
    CERTIFICATION_REFUSED = "certification_refused"  # with the reasons, and the time to ask for a re-check
    PLACEMENT_ENDING = "placement_ending"  # a public-welfare post placement's term ends within 30 days


class InboxMessage(Base):
    """A message in a resident's inbox; `kind` and `params` are worded in the reader's language when shown
    (services.inbox.MESSAGES)."""

    __tablename__ = "inbox_messages"
    __table_args__ = (sa.Index("ix_inbox_messages_account", "account_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(sa.ForeignKey("resident_accounts.id", ondelete="CASCADE"))
    registration_id: Mapped[int | None] = mapped_column(sa.ForeignKey("registrations.id", ondelete="CASCADE"))
    kind: Mapped[MessageKind] = mapped_column(enum_column(MessageKind, 30))
    params: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
