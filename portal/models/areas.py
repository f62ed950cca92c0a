"""Service areas (the ten county-level registration agencies) and local figures rules depend on."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.base import Base, Timestamped


class ServiceArea(Timestamped, Base):
    """One county-level area with its registration agency; loaded from data, editable by the city."""

    __tablename__ = "service_areas"

    code: Mapped[str] = mapped_column(sa.String(16), primary_key=True)
    gb_code: Mapped[str | None] = mapped_column(sa.String(6))
    name_zh: Mapped[str] = mapped_column(sa.String(40))
    name_en: Mapped[str] = mapped_column(sa.String(80))
    agency_zh: Mapped[str] = mapped_column(sa.String(120))
    agency_en: Mapped[str] = mapped_column(sa.String(160))
    address_zh: Mapped[str] = mapped_column(sa.String(200))
    address_en: Mapped[str] = mapped_column(sa.String(240))
    phone: Mapped[str] = mapped_column(sa.String(40))
    hours_zh: Mapped[str] = mapped_column(sa.String(120))
    hours_en: Mapped[str] = mapped_column(sa.String(160))
    is_sample: Mapped[bool] = mapped_column(default=True)
    sort_order: Mapped[int] = mapped_column(default=0)


class LocalFigure(Timestamped, Base):
    """A local amount with the date it applies from (minimum wage, 低保标准 ...)."""

    __tablename__ = "local_figures"
    __table_args__ = (sa.UniqueConstraint("key", "valid_from"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(40))
    valid_from: Mapped[date]
    amount: Mapped[Decimal] = mapped_column(sa.Numeric(12, 2))
    is_sample: Mapped[bool] = mapped_column(default=False)
    source: Mapped[str] = mapped_column(sa.String(300), default="")


class CalendarOverride(Timestamped, Base):
    """A staff-entered working day or day off that wins over the chinese-calendar package."""

    __tablename__ = "calendar_overrides"

    day: Mapped[date] = mapped_column(primary_key=True)
    is_workday: Mapped[bool]
    note: Mapped[str] = mapped_column(sa.String(200), default="")
