"""The public service list (§3.1.1 信息服务: service item, who it is for, what it gives, where): data a city
administrator keeps up to date."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.base import Base, Timestamped


class ServiceItem(Timestamped, Base):
    __tablename__ = "service_items"
    __table_args__ = (sa.Index("ix_service_items_listed", "active", "sort_order"),)

    code: Mapped[str] = mapped_column(sa.String(8), primary_key=True)
    sort_order: Mapped[int] = mapped_column(default=0)
    title_zh: Mapped[str] = mapped_column(sa.String(80))
    title_en: Mapped[str] = mapped_column(sa.String(160))
    for_whom_zh: Mapped[str] = mapped_column(sa.Text)
    for_whom_en: Mapped[str] = mapped_column(sa.Text)
    gives_zh: Mapped[str] = mapped_column(sa.Text)
    gives_en: Mapped[str] = mapped_column(sa.Text)
    where_zh: Mapped[str] = mapped_column(sa.Text)
    where_en: Mapped[str] = mapped_column(sa.Text)
    is_sample: Mapped[bool] = mapped_column(default=True)
    # Taken off the public list without losing what it said.
    active: Mapped[bool] = mapped_column(default=True)
    # Each save moves it on by one: a save over an older version is refused (two administrators at once).
    version: Mapped[int] = mapped_column(default=1)
    updated_by: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_users.id"))
