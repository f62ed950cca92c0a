"""Support policies (Attachment 4): each a code, with its content kept as versions, so that an application
keeps the version it was made under; and the credit-sharing list that blocks new support (§5.3)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.base import Base, Timestamped, UTCDateTime, utcnow


class Policy(Timestamped, Base):
    """A policy of the checklist; its content is in `policy_versions`, the newest in force."""

    __tablename__ = "policies"

    code: Mapped[str] = mapped_column(sa.String(8), primary_key=True)
    sort_order: Mapped[int] = mapped_column(default=0)
    # The version in force. A change adds version current + 1 and moves this on in one conditional UPDATE, so
    # of two administrators saving at once, one makes the version and the other is told the policy changed.
    current_version: Mapped[int] = mapped_column(default=1)


class PolicyVersion(Base):
    """One version of a policy's content, as written by the data file (version 1) or an administrator."""

    __tablename__ = "policy_versions"
    __table_args__ = (sa.UniqueConstraint("policy_code", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    policy_code: Mapped[str] = mapped_column(sa.ForeignKey("policies.code"))
    version: Mapped[int]
    # entrepreneurship, employment_subsidy, insurance or service
    kind: Mapped[str] = mapped_column(sa.String(30))
    # The situations it is listed under (job, training, business, older, disabled, difficulty, insurance, graduate).
    situations: Mapped[list[str]] = mapped_column(sa.JSON)
    title_zh: Mapped[str] = mapped_column(sa.String(120))
    title_en: Mapped[str] = mapped_column(sa.String(200))
    who_zh: Mapped[str] = mapped_column(sa.Text)
    who_en: Mapped[str] = mapped_column(sa.Text)
    gives_zh: Mapped[str] = mapped_column(sa.Text)
    gives_en: Mapped[str] = mapped_column(sa.Text)
    how_zh: Mapped[str] = mapped_column(sa.Text)
    how_en: Mapped[str] = mapped_column(sa.Text)
    where_zh: Mapped[str] = mapped_column(sa.Text)
    where_en: Mapped[str] = mapped_column(sa.Text)
    legal_basis: Mapped[str] = mapped_column(sa.String(300))
    valid_from: Mapped[date]
    valid_to: Mapped[date | None]
    # Sample content, to be confirmed by the bureau: said on every page that shows it.
    is_sample: Mapped[bool] = mapped_column(default=True)
    # Who qualifies, as the rule engine reads it (portal.rules.policies).
    conditions: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON)
    # What it gives: [{amount, per, label_zh, label_en, basis, valid_from}].
    amounts: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON)
    # What an application asks beyond the registration ([{name, kind, label_zh, label_en}], name a profile key the
    # rules read), and the papers it may need ([{code, label_zh, label_en}]).
    questions: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON, default=list)
    papers: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_users.id"))
    change_note: Mapped[str] = mapped_column(sa.Text, default="", server_default="")


class CreditListing(Base):
    """A person on the credit-sharing list (§5.3): no new support while listed. Made by a credit case's
    decision; read by the policy rules."""

    __tablename__ = "credit_listings"
    __table_args__ = (sa.Index("ix_credit_listings_person", "person_id", "listed_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id"))
    listed_on: Mapped[date]
    until: Mapped[date | None]
    reason: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # The credit case that decided it (none for an entry made before credit cases existed).
    case_id: Mapped[int | None] = mapped_column(sa.ForeignKey("credit_cases.id"))
    # A listing ends on its `until` day ("expired", recorded by the daily sweep) or earlier by a repair
    # decision (信用修复, "repaired"); an ended listing blocks nothing.
    ended_on: Mapped[date | None]
    end_reason: Mapped[str | None] = mapped_column(sa.String(20))
    ended_by: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_users.id"))
    repair_note: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
