"""The running count of the services the "12333" yearly minimum counts, per registration: kept by the one writer of
service records in the same statement's transaction, so that the county's list of people behind reads one row per
person instead of adding up every record."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.base import Base


class ServiceMinimumCount(Base):
    __tablename__ = "service_minimum_counts"

    registration_id: Mapped[int] = mapped_column(
        sa.ForeignKey("registrations.id", ondelete="CASCADE"), primary_key=True
    )
    # One column per counted kind (ServiceKind values), each moved on by an atomic INSERT … ON CONFLICT UPDATE.
    policy: Mapped[int] = mapped_column(default=0, server_default="0")
    guidance: Mapped[int] = mapped_column(default=0, server_default="0")
    job_recommendation: Mapped[int] = mapped_column(default=0, server_default="0")
    training: Mapped[int] = mapped_column(default=0, server_default="0")
