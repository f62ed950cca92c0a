"""Training programmes (§3.2 (2)): courses a county's agency offers, the registered people told about each (a
free-training notice of the 12333 minimum), their enrolments on a counted number of seats, and completion."""

from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.base import Base, Timestamped, UTCDateTime, enum_column, utcnow


class EnrolmentStatus(enum.StrEnum):
    ENROLLED = "enrolled"
    COMPLETED = "completed"
    NOT_COMPLETED = "not_completed"


class TrainingProgramme(Timestamped, Base):
    __tablename__ = "training_programmes"
    __table_args__ = (
        # The seat counter never passes the seats: the database's own check under the conditional UPDATE.
        sa.CheckConstraint("seats_taken >= 0 AND seats_taken <= seats", name="seats_within"),
        # The county's list (newest course first), and the residents' open programmes by closing date.
        sa.Index("ix_training_programmes_county", "county_code", "starts_on", "id"),
        sa.Index("ix_training_programmes_county_enrol_by", "county_code", "enrol_by"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    county_code: Mapped[str] = mapped_column(sa.ForeignKey("service_areas.code"))
    provider: Mapped[str] = mapped_column(sa.String(100))
    course: Mapped[str] = mapped_column(sa.String(100))
    details: Mapped[str] = mapped_column(sa.Text, default="", server_default="")  # place, hours, who it suits
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    enrol_by: Mapped[date]
    seats: Mapped[int]
    seats_taken: Mapped[int] = mapped_column(default=0, server_default="0")
    subsidy_policy: Mapped[str] = mapped_column(sa.ForeignKey("policies.code"))
    created_by: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_users.id"))
    # Edits are checked against the version the form showed (a conditional UPDATE); enrolments do not move it.
    version: Mapped[int] = mapped_column(default=1, server_default="1")


class TrainingNotice(Base):
    """A registered person told about a programme: the key makes telling idempotent per programme and person,
    and lets two staff press the button at once."""

    __tablename__ = "training_notices"
    __table_args__ = (sa.Index("ix_training_notices_registration_id", "registration_id"),)

    programme_id: Mapped[int] = mapped_column(
        sa.ForeignKey("training_programmes.id", ondelete="CASCADE"), primary_key=True
    )
    registration_id: Mapped[int] = mapped_column(
        sa.ForeignKey("registrations.id", ondelete="CASCADE"), primary_key=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class TrainingEnrolment(Timestamped, Base):
    __tablename__ = "training_enrolments"
    __table_args__ = (
        # One enrolment per person and programme: a double click finds the first.
        sa.UniqueConstraint("programme_id", "registration_id"),
        sa.Index("ix_training_enrolments_registration_id", "registration_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(sa.ForeignKey("training_programmes.id", ondelete="CASCADE"))
    registration_id: Mapped[int] = mapped_column(sa.ForeignKey("registrations.id", ondelete="CASCADE"))
    status: Mapped[EnrolmentStatus] = mapped_column(enum_column(EnrolmentStatus, 20))
    certificate: Mapped[bool | None]  # with a completion: whether a certificate was obtained
    enrolled_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    completion_recorded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    completion_recorded_by: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_users.id"))
