"""The consistency check with the statistical report (一致性校验, §2.2): a month's figures of the report, entered or
uploaded by staff, compared with the portal's own; each difference kept with its explanation."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.base import Base, UTCDateTime, utcnow


class ConsistencyCheck(Base):
    """One comparison: the report's figures for a month and an area against the portal's figures at that moment."""

    __tablename__ = "consistency_checks"
    __table_args__ = (sa.Index("ix_consistency_checks_area", "area", "month", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[str] = mapped_column(sa.String(7))
    area: Mapped[str] = mapped_column(sa.String(16))  # a county's code, or "city"
    source: Mapped[str] = mapped_column(sa.String(8))  # form, csv, xlsx
    portal_as_of: Mapped[str] = mapped_column(sa.String(10))  # the day the portal's figures were counted on
    portal_final: Mapped[bool]
    differences: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by: Mapped[int] = mapped_column(sa.ForeignKey("staff_users.id"))


class ConsistencyLine(Base):
    """A figure of a check: the report's value, the portal's, and for a difference, why."""

    __tablename__ = "consistency_lines"
    __table_args__ = (sa.PrimaryKeyConstraint("check_id", "figure"),)

    check_id: Mapped[int] = mapped_column(sa.ForeignKey("consistency_checks.id", ondelete="CASCADE"))
    figure: Mapped[str] = mapped_column(sa.String(40))
    report_value: Mapped[int]
    portal_value: Mapped[int]
    explanation: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    explained_by: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_users.id"))
    explained_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
