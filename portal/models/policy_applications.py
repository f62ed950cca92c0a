"""Applications for a support policy (政策服务), made online and decided by the registration agency; an approved
one becomes a benefit grant, the record that public notices (§5.2) publish."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.models.base import Base, Timestamped, UTCDateTime, enum_column, utcnow
from portal.models.registration import Commitment


class PolicyApplicationStatus(enum.StrEnum):
    SUBMITTED = "submitted"
    DEFERRED = "deferred"  # proof missing, with a signed commitment (§5.1)
    APPROVED = "approved"
    REJECTED = "rejected"


AWAITING_APPLICATION = (PolicyApplicationStatus.SUBMITTED, PolicyApplicationStatus.DEFERRED)
_awaiting_values = ", ".join(repr(s.value) for s in AWAITING_APPLICATION)


class PolicyApplication(Timestamped, Base):
    __tablename__ = "policy_applications"
    __table_args__ = (
        # One application at a time per person and policy: a double submit finds the first.
        sa.Index(
            "uq_policy_applications_open", "registration_id", "policy_code", unique=True,
            sqlite_where=sa.text(f"status IN ({_awaiting_values})"),
            postgresql_where=sa.text(f"status IN ({_awaiting_values})"),
        ),
        # The agency's queue, by county and deadline; and the resident's own list.
        sa.Index("ix_policy_applications_queue", "county_code", "status", "deadline", "id"),
        sa.Index("ix_policy_applications_account", "account_id", "accepted_at"),
    )  # fmt: skip

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(sa.String(20), unique=True)
    policy_code: Mapped[str] = mapped_column(sa.ForeignKey("policies.code"))
    # The version in force when the person applied: the application is decided under it.
    policy_version_id: Mapped[int] = mapped_column(sa.ForeignKey("policy_versions.id"))
    registration_id: Mapped[int] = mapped_column(sa.ForeignKey("registrations.id"))
    account_id: Mapped[int | None] = mapped_column(sa.ForeignKey("resident_accounts.id", ondelete="SET NULL"))
    county_code: Mapped[str] = mapped_column(sa.ForeignKey("service_areas.code"))
    status: Mapped[PolicyApplicationStatus] = mapped_column(enum_column(PolicyApplicationStatus))
    # The policy's own questions, answered ({profile key: value}).
    answers: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    accepted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    deadline: Mapped[date]
    deadline_provisional: Mapped[bool] = mapped_column(default=False)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_by: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_users.id"))
    rejection_reason: Mapped[str | None] = mapped_column(sa.String(30))
    decision_note: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__: Mapping[str, Any] = {"version_id_col": version}

    @property
    def is_awaiting(self) -> bool:
        return self.status in AWAITING_APPLICATION

    commitment: Mapped[Commitment | None] = relationship(
        primaryjoin="Commitment.policy_application_id == PolicyApplication.id", lazy="raise", viewonly=True
    )


class Grant(Base):
    """Support granted: an approved application's amount and period, as public notices will publish it."""

    __tablename__ = "grants"
    __table_args__ = (
        sa.Index("ix_grants_county_granted", "county_code", "granted_on"),
        # What a clerk can compose a notice from: the county's grants of a policy not yet in a notice.
        sa.Index("ix_grants_to_notice", "county_code", "policy_code", "granted_on",
                 postgresql_where=sa.text("notice_id IS NULL"), sqlite_where=sa.text("notice_id IS NULL")),
        # Who holds a policy's grant (the worklist's "not certified": a P11 grant certifies difficulty).
        sa.Index("ix_grants_policy_person", "policy_code", "person_id"),
    )  # fmt: skip

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(sa.ForeignKey("policy_applications.id"), unique=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id"), index=True)
    policy_code: Mapped[str] = mapped_column(sa.ForeignKey("policies.code"))
    county_code: Mapped[str] = mapped_column(sa.ForeignKey("service_areas.code"))
    amount: Mapped[Decimal] = mapped_column(sa.Numeric(12, 2))
    period_from: Mapped[date]
    period_to: Mapped[date]
    granted_on: Mapped[date]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # The notice it is published in (claimed by one conditional UPDATE, so two drafts never share a grant),
    # and where it stands on the way to payment (portal.models.notices.PaymentStatus).
    notice_id: Mapped[int | None] = mapped_column(sa.ForeignKey("notices.id"))
    payment_status: Mapped[str] = mapped_column(sa.String(20), default="awaiting_notice",
                                                server_default="awaiting_notice")  # fmt: skip
