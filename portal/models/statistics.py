"""Monthly statistics generated from the portal's own data (§2.2): each month's people as of its last day, frozen once
the month is over, and the figures counted from them, so a month's figures never change when a registration is
edited later and every figure can be traced to the people behind it."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.base import Base, UTCDateTime, utcnow


class StatMonth(Base):
    """A month's snapshot: when it was taken, under which rule, and whether it is final (taken after the month
    ended, and never taken again) or provisional (the current month, taken again each day)."""

    __tablename__ = "stat_months"

    month: Mapped[str] = mapped_column(sa.String(7), primary_key=True)  # YYYY-MM
    taken_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    as_of: Mapped[date]  # the day the people are counted on: the month's last day, or today for the current month
    final: Mapped[bool]
    rule: Mapped[str] = mapped_column(sa.String(40))  # the version of the counting rule that produced it


class StatPerson(Base):
    """One person in one of a month's groups: registered at the month's end (stock), registered during it
    (inflow), ended during it (outflow, with its reason), or in a public-welfare post at its end (post); with
    what the breakdowns read, as it stood when the month was taken."""

    __tablename__ = "stat_people"
    __table_args__ = (
        sa.PrimaryKeyConstraint("month", "flow", "registration_id"),
        sa.Index("ix_stat_people_month_county", "month", "county_code", "flow", "registration_id"),
    )

    month: Mapped[str] = mapped_column(sa.String(7))
    flow: Mapped[str] = mapped_column(sa.String(8))  # stock, inflow, outflow, post
    registration_id: Mapped[int] = mapped_column(sa.ForeignKey("registrations.id", ondelete="CASCADE"))
    county_code: Mapped[str] = mapped_column(sa.String(16))
    urban: Mapped[bool]  # usual residence urban (§2.2: whatever the hukou, rural migrants included)
    sex: Mapped[str] = mapped_column(sa.String(1))
    age_band: Mapped[str] = mapped_column(sa.String(8))
    education: Mapped[str] = mapped_column(sa.String(30))
    unemployment_category: Mapped[str] = mapped_column(sa.String(30))
    hukou_local: Mapped[bool]
    certified: Mapped[bool]
    end_reason: Mapped[str | None] = mapped_column(sa.String(8))


class StatFigure(Base):
    """A figure of a month for a county, counted from its people when the month was taken (read by the pages)."""

    __tablename__ = "stat_figures"
    __table_args__ = (sa.PrimaryKeyConstraint("month", "county_code", "figure"),)

    month: Mapped[str] = mapped_column(sa.String(7))
    county_code: Mapped[str] = mapped_column(sa.String(16))
    figure: Mapped[str] = mapped_column(sa.String(40))
    value: Mapped[int]
