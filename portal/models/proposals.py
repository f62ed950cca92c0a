"""Proposed ends of registrations: from the resident ("I found work") and from the scheduled checks."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.base import Base, UTCDateTime, enum_column, utcnow


class ProposalState(enum.StrEnum):
    OPEN = "open"
    CONFIRMED = "confirmed"
    DISMISSED = "dismissed"


class ProposalSource(enum.StrEnum):
    RESIDENT = "resident"  # reasons 1-3, reported on the application page (§4.1)
    JOB = "job"  # reasons 4, 8 and 9, from `portal jobs run-due`
    TRACKING = "tracking"  # reasons 1-3, learned in a tracking contact (§4.2)
    RECOMMENDATION = "recommendation"  # reason 1, a recommended vacancy's follow-up: hired (§3.2 (1))
    PLACEMENT = "placement"  # reason 1, placed in a public-welfare post (§3.1.2)


class StatusProposal(Base):
    """A proposed end of a registration with one of the reasons of §2.1, which staff confirm or dismiss."""

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
    reason: Mapped[str] = mapped_column(sa.String(4))  # a code of services.endings.END_REASONS
    source: Mapped[ProposalSource] = mapped_column(enum_column(ProposalSource, 20))
    detail: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    state: Mapped[ProposalState] = mapped_column(enum_column(ProposalState), default=ProposalState.OPEN)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    decided_by: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
