"""Vacancies staff enter or import, and the recommendations of registered people to them with the follow-up of
each one's result (§3.2 (1): matched vacancies, and the follow-up of each recommendation's result)."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.base import Base, Timestamped, UTCDateTime, enum_column

# Pay is in whole yuan a month: a range a person can read, never cents.
PAY_MAX = 1_000_000


class VacancyStatus(enum.StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class FollowUpResult(enum.StrEnum):
    AWAITING = "awaiting"  # recommended, result not known yet
    INTERVIEWED = "interviewed"  # may still become hired or not hired
    HIRED = "hired"  # proposes reason 1 (hired by an employer)
    NOT_HIRED = "not_hired"
    NO_REPLY = "no_reply"


class Interest(enum.StrEnum):
    """What the resident said of a vacancy recommended to them."""

    INTERESTED = "interested"
    NOT_INTERESTED = "not_interested"


class Vacancy(Timestamped, Base):
    __tablename__ = "vacancies"
    __table_args__ = (
        sa.CheckConstraint(f"pay_min >= 0 AND pay_max <= {PAY_MAX} AND pay_min <= pay_max", name="pay_range"),
        # The county's list (open or closed, by closing date), and the same for the whole city.
        sa.Index("ix_vacancies_county_listed", "county_code", "status", "closing_on", "id"),
        sa.Index("ix_vacancies_listed", "status", "closing_on", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    county_code: Mapped[str] = mapped_column(sa.ForeignKey("service_areas.code"))
    employer: Mapped[str] = mapped_column(sa.String(100))
    post: Mapped[str] = mapped_column(sa.String(60))
    pay_min: Mapped[int]
    pay_max: Mapped[int]
    requirements: Mapped[str] = mapped_column(sa.Text, default="")
    # The skills or certificates the post asks for, as keywords joined by "、" (matched against the person's).
    skills: Mapped[str] = mapped_column(sa.String(200), default="")
    closing_on: Mapped[date]
    status: Mapped[VacancyStatus] = mapped_column(enum_column(VacancyStatus, 8), default=VacancyStatus.OPEN)
    created_by: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_users.id"))
    # Each save moves it on by one: an edit drawn from an older version is refused.
    version: Mapped[int] = mapped_column(default=1)

    @property
    def skill_list(self) -> list[str]:
        return [s for s in self.skills.split("、") if s]


class Recommendation(Timestamped, Base):
    """A vacancy recommended to a registered person: a service record of its own (it counts for the 12333
    minimum), the reasons it matched, the person's answer and the result followed up."""

    __tablename__ = "recommendations"
    __table_args__ = (
        # One recommendation per vacancy and person: a second click finds the first.
        sa.UniqueConstraint("vacancy_id", "registration_id"),
        # The county's follow-ups by due day, and the city's; a person's recommendations, newest first.
        sa.Index("ix_recommendations_follow_up", "county_code", "result", "follow_up_due", "id"),
        sa.Index("ix_recommendations_follow_up_city", "result", "follow_up_due", "id"),
        sa.Index("ix_recommendations_registration", "registration_id", "id"),
        # The worklist's follow-ups: a county's open recommendations grouped by person, read from the index alone.
        sa.Index("ix_recommendations_open", "county_code", "registration_id", "follow_up_due",
                 sqlite_where=sa.text("result IN ('awaiting', 'interviewed')"),
                 postgresql_where=sa.text("result IN ('awaiting', 'interviewed')")),
    )  # fmt: skip

    id: Mapped[int] = mapped_column(primary_key=True)
    vacancy_id: Mapped[int] = mapped_column(sa.ForeignKey("vacancies.id", ondelete="CASCADE"))
    registration_id: Mapped[int] = mapped_column(sa.ForeignKey("registrations.id", ondelete="CASCADE"))
    county_code: Mapped[str] = mapped_column(sa.ForeignKey("service_areas.code"))
    # Why they matched when recommended (rules.matching.Reason as dicts), kept as it was then.
    reasons: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON, default=list)
    service_record_id: Mapped[int | None] = mapped_column(sa.ForeignKey("service_records.id", ondelete="SET NULL"))
    recommended_by: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_users.id"))
    recommended_on: Mapped[date]
    follow_up_due: Mapped[date]
    result: Mapped[FollowUpResult] = mapped_column(enum_column(FollowUpResult, 12), default=FollowUpResult.AWAITING)
    result_note: Mapped[str] = mapped_column(sa.Text, default="")
    result_on: Mapped[date | None]
    result_by: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_users.id"))
    interest: Mapped[Interest | None] = mapped_column(enum_column(Interest, 16))
    interest_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
