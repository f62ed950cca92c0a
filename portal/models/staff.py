"""Staff accounts of the county agencies and the city bureau."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.base import Base, Timestamped, UTCDateTime, enum_column


class StaffRole(enum.StrEnum):
    CLERK = "clerk"  # 经办: a county agency's case worker
    REVIEWER = "reviewer"  # 审核: decides cases of their county
    CITY_ADMIN = "city_admin"
    CITY_VIEWER = "city_viewer"

    @property
    def is_city(self) -> bool:
        return self in (StaffRole.CITY_ADMIN, StaffRole.CITY_VIEWER)


class StaffUser(Timestamped, Base):
    __tablename__ = "staff_users"
    __table_args__ = (
        # County roles belong to an area; city roles see every area and have none.
        sa.CheckConstraint(
            "(role IN ('city_admin', 'city_viewer') AND area_code IS NULL) OR "
            "(role IN ('clerk', 'reviewer') AND area_code IS NOT NULL)",
            name="role_area",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(40), unique=True)
    full_name: Mapped[str] = mapped_column(sa.String(60))
    password_hash: Mapped[str] = mapped_column(sa.String(200))
    role: Mapped[StaffRole] = mapped_column(enum_column(StaffRole))
    area_code: Mapped[str | None] = mapped_column(sa.ForeignKey("service_areas.code"))
    # The TOTP secret, AES-GCM encrypted; set once the user has confirmed a first code.
    totp_cipher: Mapped[bytes | None] = mapped_column(sa.LargeBinary)
    # The last time step whose code was accepted: a code cannot be used twice.
    totp_last_step: Mapped[int | None]
    active: Mapped[bool] = mapped_column(default=True)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    @property
    def is_city(self) -> bool:
        return self.role.is_city

    @property
    def totp_enabled(self) -> bool:
        return self.totp_cipher is not None
