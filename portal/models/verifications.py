"""Verifications of an application (§5.1): the data comparisons with the official sources, and field
investigations."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.base import Base, UTCDateTime, enum_column, utcnow


class VerificationSource(enum.StrEnum):
    CARD_BASE = "card_base"  # 社会保障卡持卡人员基础信息库: identity
    SOCIAL_INSURANCE = "social_insurance"  # 社会保险参保登记: unemployment
    LABOUR_FILING = "labour_filing"  # 劳动用工备案: unemployment
    BIG_DATA = "big_data"  # 政务大数据平台: anything else
    FIELD_INVESTIGATION = "field_investigation"  # 实地调查, recorded by staff


class VerificationOutcome(enum.StrEnum):
    MATCH = "match"
    MISMATCH = "mismatch"
    UNAVAILABLE = "unavailable"


class Verification(Base):
    """One comparison's result, kept for good: which source, when, by whom, and what it said."""

    __tablename__ = "verifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(sa.ForeignKey("registrations.id", ondelete="CASCADE"), index=True)
    source: Mapped[VerificationSource] = mapped_column(enum_column(VerificationSource))
    outcome: Mapped[VerificationOutcome] = mapped_column(enum_column(VerificationOutcome))
    detail: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    staff_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_users.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
