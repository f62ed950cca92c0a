"""Public-welfare posts (公益性岗位, §3.1.2; policy P10): the county's posts for certified people whom the market has
not placed (employer, post, places, term, monthly post subsidy), and the placements of certified people in them."""

from __future__ import annotations

import enum
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.base import Base, Timestamped, enum_column


class PlacementStatus(enum.StrEnum):
    ACTIVE = "active"
    ENDED_EARLY = "ended_early"  # left before the term: the subsidy stops on the day it ended
    COMPLETED = "completed"  # the term served (set by the daily jobs the day after it ends)


class PublicWelfarePost(Timestamped, Base):
    __tablename__ = "public_welfare_posts"
    __table_args__ = (
        # The places counter never passes the places: the database's own check under the conditional UPDATE.
        sa.CheckConstraint("filled >= 0 AND filled <= positions", name="filled_within"),
        # The county's list, open posts first, newest first.
        sa.Index("ix_public_welfare_posts_county", "county_code", "open", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    county_code: Mapped[str] = mapped_column(sa.ForeignKey("service_areas.code"))
    employer: Mapped[str] = mapped_column(sa.String(100))
    title: Mapped[str] = mapped_column(sa.String(100))
    duties: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    positions: Mapped[int]  # how many people the post takes at once
    filled: Mapped[int] = mapped_column(default=0, server_default="0")  # active placements
    term_months: Mapped[int]  # a placement's fixed term
    monthly_subsidy: Mapped[int]  # the post subsidy paid to the employer, yuan a month
    open: Mapped[bool] = mapped_column(default=True)
    created_by: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_users.id"))
    # Edits and closing are checked against the version the form showed; placements do not move it.
    version: Mapped[int] = mapped_column(default=1, server_default="1")


_ACTIVE = "status = 'active'"


class PublicWelfarePlacement(Timestamped, Base):
    """A certified person placed in a post for its term, with the months the post subsidy is paid for."""

    __tablename__ = "public_welfare_placements"
    __table_args__ = (
        # One active placement per person: a double click, or two posts at once, find the first.
        sa.Index("uq_public_welfare_placements_active", "person_id", unique=True,
                 sqlite_where=sa.text(_ACTIVE), postgresql_where=sa.text(_ACTIVE)),
        # A post's placements; the alerts and the daily completion read active placements by end date.
        sa.Index("ix_public_welfare_placements_post", "post_id", "status", "id"),
        sa.Index("ix_public_welfare_placements_ending", "status", "ends_on"),
        sa.Index("ix_public_welfare_placements_person_id", "person_id"),
    )  # fmt: skip

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(sa.ForeignKey("public_welfare_posts.id"))
    registration_id: Mapped[int] = mapped_column(sa.ForeignKey("registrations.id"))
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id"))
    status: Mapped[PlacementStatus] = mapped_column(enum_column(PlacementStatus, 20))
    starts_on: Mapped[date]
    ends_on: Mapped[date]  # the last day of the term
    subsidy_from: Mapped[date]
    subsidy_to: Mapped[date]  # the term's last day, or the day an early end took effect
    ended_on: Mapped[date | None]
    end_reason: Mapped[str] = mapped_column(sa.String(500), default="", server_default="")
    placed_by: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_users.id"))
    ended_by: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_users.id"))
    # The day the person was told their term ends soon: claimed once by a conditional UPDATE.
    alerted_on: Mapped[date | None]
