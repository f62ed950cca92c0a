"""The yearly county assessment (绩效考核): each county's indicators by month, computed ahead by a job so the
dashboard reads a few hundred rows; and the circulars (通报) the bureau drafts from it, kept version by version."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.base import Base, Timestamped, UTCDateTime, enum_column, utcnow


class AssessmentIndicator(Base):
    """One indicator of one county for one month: numerator over denominator (a count has denominator 0), and for
    working days to decide the whole distribution (days: count), so a year's median and 90th percentile are exact.
    Written by one INSERT … ON CONFLICT DO UPDATE per row: the job may run again, or twice at once."""

    __tablename__ = "assessment_indicators"

    year_month: Mapped[str] = mapped_column(sa.String(7), primary_key=True)  # YYYY-MM
    county_code: Mapped[str] = mapped_column(sa.ForeignKey("service_areas.code"), primary_key=True)
    indicator: Mapped[str] = mapped_column(sa.String(30), primary_key=True)
    numerator: Mapped[int] = mapped_column(sa.BigInteger)
    denominator: Mapped[int] = mapped_column(sa.BigInteger)
    histogram: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class CircularStatus(enum.StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"  # read-only from then on, and shown to the counties' staff


class Circular(Timestamped, Base):
    """A circular (通报) on the counties' assessment for a period; its words live in its versions."""

    __tablename__ = "circulars"
    __table_args__ = (sa.Index("ix_circulars_status", "status", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int]
    through_month: Mapped[int]  # the period is January to this month of the year
    status: Mapped[CircularStatus] = mapped_column(enum_column(CircularStatus, 10))
    # The latest version's number, moved on by a conditional UPDATE from the number the form showed (409 if not).
    version: Mapped[int] = mapped_column(default=1)
    created_by: Mapped[int] = mapped_column(sa.ForeignKey("staff_users.id"))
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    published_by: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_users.id"))


class CircularVersion(Base):
    """One saved version of a circular, as it was written: the title, the free text, the targets the indicators
    were measured against, and the ranking and shortfalls as they stood (so a published circular never moves)."""

    __tablename__ = "circular_versions"
    __table_args__ = (sa.UniqueConstraint("circular_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    circular_id: Mapped[int] = mapped_column(sa.ForeignKey("circulars.id", ondelete="CASCADE"))
    number: Mapped[int]
    title: Mapped[str] = mapped_column(sa.String(200))
    body: Mapped[str] = mapped_column(sa.Text)
    targets: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    ranking: Mapped[list[Any]] = mapped_column(sa.JSON)
    shortfalls: Mapped[list[Any]] = mapped_column(sa.JSON)
    staff_id: Mapped[int] = mapped_column(sa.ForeignKey("staff_users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
