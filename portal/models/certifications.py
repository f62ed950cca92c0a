"""Certification of employment difficulty (就业困难人员认定, §3.1.2): the province's categories (kept editable), the
resident's application with its evidence or written commitment, the county's decision within 10 working days, a
re-check by a different reviewer within 30 days of a refusal, and the certified status the rules read."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.base import Base, Timestamped, UTCDateTime, enum_column, utcnow


class DifficultyCategory(Timestamped, Base):
    """A category of employment difficulty (reference/guangdong-difficulty.md); a city administrator edits the
    words, adds the province's new categories and retires old ones (kept, as certifications name them)."""

    __tablename__ = "difficulty_categories"

    code: Mapped[str] = mapped_column(sa.String(20), primary_key=True)
    position: Mapped[int]
    name_zh: Mapped[str] = mapped_column(sa.String(200))
    name_en: Mapped[str] = mapped_column(sa.String(200))
    active: Mapped[bool] = mapped_column(default=True)


class CertificationStatus(enum.StrEnum):
    SUBMITTED = "submitted"
    CERTIFIED = "certified"
    REFUSED = "refused"  # with written reasons; a re-check may be asked for within 30 days
    RECHECK = "recheck"  # a re-check asked for, awaiting a different reviewer
    REFUSED_ON_RECHECK = "refused_on_recheck"
    ENDED = "ended"  # the certified status ended (found work, review not passed)


OPEN_CERTIFICATION = (CertificationStatus.SUBMITTED, CertificationStatus.RECHECK)
_open_values = ", ".join(repr(s.value) for s in OPEN_CERTIFICATION)


class Certification(Timestamped, Base):
    __tablename__ = "certifications"
    __table_args__ = (
        # One application at a time per person: a double submit finds the first.
        sa.Index("uq_certifications_open", "person_id", unique=True,
                 sqlite_where=sa.text(f"status IN ({_open_values})"),
                 postgresql_where=sa.text(f"status IN ({_open_values})")),
        # One certified status at a time per person.
        sa.Index("uq_certifications_certified", "person_id", unique=True,
                 sqlite_where=sa.text("status = 'certified'"), postgresql_where=sa.text("status = 'certified'")),
        # The county's queue by deadline; the resident's own.
        sa.Index("ix_certifications_queue", "county_code", "status", "deadline", "id"),
        sa.Index("ix_certifications_account", "account_id", "accepted_at"),
    )  # fmt: skip

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(sa.String(20), unique=True)
    registration_id: Mapped[int] = mapped_column(sa.ForeignKey("registrations.id"))
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id"))
    account_id: Mapped[int | None] = mapped_column(sa.ForeignKey("resident_accounts.id", ondelete="SET NULL"))
    county_code: Mapped[str] = mapped_column(sa.ForeignKey("service_areas.code"))
    category: Mapped[str] = mapped_column(sa.ForeignKey("difficulty_categories.code"))
    status: Mapped[CertificationStatus] = mapped_column(enum_column(CertificationStatus, 20))
    evidence: Mapped[str] = mapped_column(sa.Text, default="")  # what proof the person holds, in their words
    # Where proof is missing, the written commitment (告知承诺) in the person's own name.
    commitment_name: Mapped[str | None] = mapped_column(sa.String(60))
    accepted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    deadline: Mapped[date]  # 10 working days from the application, then from the re-check request
    deadline_provisional: Mapped[bool] = mapped_column(default=False)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_by: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_users.id"))
    reasons: Mapped[str] = mapped_column(sa.Text, default="")  # a refusal's written reasons
    recheck_until: Mapped[date | None]  # the last day to ask for a re-check (30 days from the refusal)
    recheck_reason: Mapped[str] = mapped_column(sa.Text, default="")
    recheck_requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    recheck_decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    recheck_decided_by: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_users.id"))
    recheck_reasons: Mapped[str] = mapped_column(sa.Text, default="")
    certified_on: Mapped[date | None]
    review_on: Mapped[date | None]  # the yearly review of the certified status
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__: Mapping[str, Any] = {"version_id_col": version}
