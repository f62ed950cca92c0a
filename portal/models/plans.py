"""One-person-one-plan (一人一案, §3.1.2): each certified person's assistance plan with a named case worker (一对一),
its goals, the actions agreed with due dates, the reviews, and how it closed."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.base import Base, Timestamped, enum_column


class PlanStatus(enum.StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class PlanOutcome(enum.StrEnum):
    EMPLOYED = "employed"
    PUBLIC_WELFARE_POST = "public_welfare_post"
    OTHER = "other"


class Plan(Timestamped, Base):
    __tablename__ = "plans"
    __table_args__ = (
        # The case worker's own list, and the county's.
        sa.Index("ix_plans_case_worker", "case_worker_id", "status"),
        sa.Index("ix_plans_county", "county_code", "status", "id"),
        # Whether a registration is in the case worker's plans (the worklist, a row at a time).
        sa.Index("ix_plans_registration", "registration_id", "case_worker_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # One plan per certification: opening it twice (a repeated decision) finds the first.
    certification_id: Mapped[int] = mapped_column(sa.ForeignKey("certifications.id"), unique=True)
    registration_id: Mapped[int] = mapped_column(sa.ForeignKey("registrations.id"))
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id"), index=True)
    county_code: Mapped[str] = mapped_column(sa.ForeignKey("service_areas.code"))
    case_worker_id: Mapped[int] = mapped_column(sa.ForeignKey("staff_users.id"))
    goals: Mapped[str] = mapped_column(sa.Text, default="")
    status: Mapped[PlanStatus] = mapped_column(enum_column(PlanStatus, 10))
    opened_on: Mapped[date]
    closed_on: Mapped[date | None]
    outcome: Mapped[PlanOutcome | None] = mapped_column(enum_column(PlanOutcome, 20))
    outcome_note: Mapped[str] = mapped_column(sa.Text, default="")
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__: Mapping[str, Any] = {"version_id_col": version}


class PlanAction(Timestamped, Base):
    """An action agreed with the person, due by a day; done when its day of completion is recorded."""

    __tablename__ = "plan_actions"
    __table_args__ = (
        sa.Index("ix_plan_actions_plan", "plan_id", "due_on"),
        # Overdue actions across the case worker's plans (the worklist): open actions by due day.
        sa.Index("ix_plan_actions_open_due", "due_on", "plan_id",
                 sqlite_where=sa.text("done_on IS NULL"), postgresql_where=sa.text("done_on IS NULL")),
    )  # fmt: skip

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(sa.ForeignKey("plans.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(sa.String(500))
    due_on: Mapped[date]
    done_on: Mapped[date | None]
    staff_id: Mapped[int] = mapped_column(sa.ForeignKey("staff_users.id"))


class PlanReview(Timestamped, Base):
    """A review of how the plan goes, with the person."""

    __tablename__ = "plan_reviews"
    __table_args__ = (sa.Index("ix_plan_reviews_plan", "plan_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(sa.ForeignKey("plans.id", ondelete="CASCADE"))
    day: Mapped[date]
    note: Mapped[str] = mapped_column(sa.Text)
    staff_id: Mapped[int] = mapped_column(sa.ForeignKey("staff_users.id"))
