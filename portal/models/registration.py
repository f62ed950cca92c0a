"""Unemployment registrations: drafts, applications, their timeline and credit commitments."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.models.base import Base, Timestamped, UTCDateTime, enum_column, utcnow
from portal.models.people import Person


class RegistrationStatus(enum.StrEnum):
    SUBMITTED = "submitted"
    DEFERRED = "deferred"
    REGISTERED = "registered"
    REJECTED = "rejected"
    EMPLOYED = "employed"
    EXITED = "exited"


OPEN_STATUSES = (RegistrationStatus.SUBMITTED, RegistrationStatus.DEFERRED, RegistrationStatus.REGISTERED)
AWAITING_STATUSES = (RegistrationStatus.SUBMITTED, RegistrationStatus.DEFERRED)
ENDED_STATUSES = (RegistrationStatus.EMPLOYED, RegistrationStatus.EXITED)


# ---- the typed answers of the form (Attachment 2) that statistics, policies and tracking read ----------


class Education(enum.StrEnum):
    JUNIOR_OR_BELOW = "junior_or_below"
    SENIOR = "senior"
    COLLEGE = "college"
    BACHELOR = "bachelor"
    POSTGRADUATE = "postgraduate"


class UnemploymentCategory(enum.StrEnum):
    """失业人员类别 (§1.4)."""

    SCHOOL_LEAVER = "school_leaver"
    CONTRACT_ENDED = "contract_ended"
    DISMISSED = "dismissed"
    RESIGNED = "resigned"
    EMPLOYER_CLOSED = "employer_closed"
    BUSINESS_CLOSED = "business_closed"
    LAND_EXPROPRIATED = "land_expropriated"
    VETERAN = "veteran"
    RELEASED = "released"
    OTHER = "other"

    @property
    def lost_a_job(self) -> bool:
        """Lost work with an employer or their own business: the last employer and end date are asked."""
        return self in JOB_LOSS_CATEGORIES


JOB_LOSS_CATEGORIES = frozenset(
    {
        UnemploymentCategory.CONTRACT_ENDED,
        UnemploymentCategory.DISMISSED,
        UnemploymentCategory.RESIGNED,
        UnemploymentCategory.EMPLOYER_CLOSED,
        UnemploymentCategory.BUSINESS_CLOSED,
    }
)


class InsuredBefore(enum.StrEnum):
    """Whether the person (or their employer) paid unemployment insurance."""

    YES = "yes"
    NO = "no"
    UNSURE = "unsure"


class Difficulty(enum.StrEnum):
    """Self-reported circumstances of employment difficulty (§3, reference/guangdong-difficulty.md)."""

    DISABLED = "disabled"
    DIBAO = "dibao"
    ZERO_EMPLOYMENT = "zero_employment"
    RURAL_POOR = "rural_poor"
    LANDLESS = "landless"
    REHAB_DRUGS = "rehab_drugs"
    RELEASED = "released"
    MENTAL_RECOVERY = "mental_recovery"
    VETERAN = "veteran"


class ServiceWanted(enum.StrEnum):
    JOB_MATCHING = "job_matching"
    CAREER_GUIDANCE = "career_guidance"
    SKILLS_TRAINING = "skills_training"
    ENTREPRENEURSHIP = "entrepreneurship"
    UNEMPLOYMENT_BENEFIT = "unemployment_benefit"
    DIFFICULTY_CERTIFICATION = "difficulty_certification"
    POLICY_ADVICE = "policy_advice"


class EventKind(enum.StrEnum):
    """What a line of a registration's timeline says happened (worded in services.events)."""

    SUBMITTED = "submitted"
    COMMITMENT_SIGNED = "commitment_signed"
    DEFERRED = "deferred"
    AWAITING_DECISION = "awaiting_decision"
    COMPARED = "compared"
    INVESTIGATED = "investigated"
    REGISTERED = "registered"
    REJECTED = "rejected"
    ENDED = "ended"
    TRANSFERRED = "transferred"
    REVERSED = "reversed"
    # Another account typed this person's ID number while the registration was open: staff check
    # whether someone is misusing the identity (issue 6, 17).
    IDENTITY_CLAIMED = "identity_claimed"
    RESIDENT_REPORTED = "resident_reported"
    PHONE_CHANGED = "phone_changed"  # the resident changed their account's number, and texts go there now


class RegistrationDraft(Timestamped, Base):
    """The answers of an application in progress, encrypted because they hold the ID number."""

    __tablename__ = "registration_drafts"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(sa.ForeignKey("resident_accounts.id", ondelete="CASCADE"), unique=True)
    step: Mapped[str] = mapped_column(sa.String(32))
    data_cipher: Mapped[bytes] = mapped_column(sa.LargeBinary)


_open_values = [s.value for s in OPEN_STATUSES]


class Registration(Timestamped, Base):
    __tablename__ = "registrations"
    __table_args__ = (
        # One open registration per person, enforced by the database itself.
        sa.Index(
            "uq_registrations_open_person",
            "person_id",
            unique=True,
            sqlite_where=sa.text(f"status IN ({', '.join(repr(v) for v in _open_values)})"),
            postgresql_where=sa.text(f"status IN ({', '.join(repr(v) for v in _open_values)})"),
        ),
        # The staff work queue, read in (status, deadline) order: by county, and for the whole city.
        sa.Index("ix_registrations_queue", "county_code", "status", "deadline", "id"),
        sa.Index("ix_registrations_status_deadline", "status", "deadline", "id"),
        sa.Index("ix_registrations_account_id", "account_id"),
        # A person's registrations, whatever their status (the ledger sorted by name reaches records through it).
        sa.Index("ix_registrations_person", "person_id"),
        # Standing registrations by the day they were decided: the 12333 minimum's list of people behind, and the
        # worklist's stretches read by keyset on (decided_at, id). Partial, so that the queue's (county, status, …)
        # queries keep their own index.
        sa.Index(
            "ix_registrations_registered",
            "county_code",
            "decided_at",
            "id",
            # The worklist's "a year or more, not certified" reads the person of each without the table's rows.
            postgresql_include=["person_id"],
            sqlite_where=sa.text("status = 'registered'"),
            postgresql_where=sa.text("status = 'registered'"),
        ),
        sa.Index(  # the same list for the whole city
            "ix_registrations_registered_city",
            "decided_at",
            "id",
            sqlite_where=sa.text("status = 'registered'"),
            postgresql_where=sa.text("status = 'registered'"),
        ),
        # The tracking list (§4.2) and the worklist, read by keyset: standing registrations by their last contact
        # (the county's, and the city's) ...
        sa.Index(
            "ix_registrations_tracking",
            "county_code",
            "last_contact_on",
            "id",
            sqlite_where=sa.text("status = 'registered'"),
            postgresql_where=sa.text("status = 'registered'"),
        ),
        sa.Index(
            "ix_registrations_tracking_city",
            "last_contact_on",
            "id",
            sqlite_where=sa.text("status = 'registered'"),
            postgresql_where=sa.text("status = 'registered'"),
        ),
        # ... and those never contacted by the day their first contact is due.
        sa.Index(
            "ix_registrations_first_contact",
            "county_code",
            "first_contact_due",
            "id",
            sqlite_where=sa.text("status = 'registered' AND last_contact_on IS NULL"),
            postgresql_where=sa.text("status = 'registered' AND last_contact_on IS NULL"),
        ),
        sa.Index(
            "ix_registrations_first_contact_city",
            "first_contact_due",
            "id",
            sqlite_where=sa.text("status = 'registered' AND last_contact_on IS NULL"),
            postgresql_where=sa.text("status = 'registered' AND last_contact_on IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(sa.String(20), unique=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id"))
    account_id: Mapped[int | None] = mapped_column(sa.ForeignKey("resident_accounts.id", ondelete="SET NULL"))
    county_code: Mapped[str] = mapped_column(sa.ForeignKey("service_areas.code"))
    status: Mapped[RegistrationStatus] = mapped_column(enum_column(RegistrationStatus))
    pension_category: Mapped[str] = mapped_column(sa.String(3))
    phone: Mapped[str] = mapped_column(sa.String(11))
    # The answers statistics, policies and tracking read, typed (read them through services.answers).
    ethnicity: Mapped[str] = mapped_column(sa.String(20))
    education: Mapped[Education] = mapped_column(enum_column(Education))
    hukou_local: Mapped[bool]
    residence_urban: Mapped[bool]
    unemployment_category: Mapped[UnemploymentCategory] = mapped_column(enum_column(UnemploymentCategory))
    employment_ended_on: Mapped[date | None]
    occupation_intention: Mapped[str] = mapped_column(sa.String(100), default="", server_default="")
    wants_training: Mapped[bool]
    wants_business: Mapped[bool]
    insured_before: Mapped[InsuredBefore] = mapped_column(enum_column(InsuredBefore, 8))
    # The other answers of the form (addresses, skills, papers), in the shape the form service defines.
    answers: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    accepted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Deferred: the 7-working-day deadline (§5.1). Complete: the 3-working-day decision target.
    deadline: Mapped[date]
    deadline_provisional: Mapped[bool] = mapped_column(default=False)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_by: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_users.id"))
    # A rejection's reason code (see services.decisions) and the reviewer's words.
    rejection_reason: Mapped[str | None] = mapped_column(sa.String(30))
    decision_note: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    # Set by the deadline sweep when a deferred case is still open after its deadline.
    overdue_since: Mapped[date | None]
    # The end of a registration (§2.1): one of the eleven reasons, its date, evidence and who.
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    end_reason: Mapped[str | None] = mapped_column(sa.String(8))
    end_date: Mapped[date | None]
    end_note: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    end_reference: Mapped[str | None] = mapped_column(sa.String(100))
    ended_by: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_users.id"))
    # Monthly tracking (§4.2): the first contact's due day (5 working days after registering), and the day of the
    # latest tracking contact that reached the person (moved on by one conditional UPDATE as contacts are written).
    first_contact_due: Mapped[date | None]
    last_contact_on: Mapped[date | None]
    # Optimistic locking for staff decisions (issue: staff workspace).
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__: Mapping[str, Any] = {"version_id_col": version}

    person: Mapped[Person] = relationship(lazy="raise")
    commitment: Mapped[Commitment | None] = relationship(back_populates="registration", lazy="raise")
    events: Mapped[list[RegistrationEvent]] = relationship(
        back_populates="registration", lazy="raise", order_by="RegistrationEvent.id"
    )
    difficulty_rows: Mapped[list[RegistrationDifficulty]] = relationship(
        lazy="raise", cascade="all, delete-orphan", order_by="RegistrationDifficulty.difficulty"
    )
    service_wanted_rows: Mapped[list[RegistrationServiceWanted]] = relationship(
        lazy="raise", cascade="all, delete-orphan", order_by="RegistrationServiceWanted.service"
    )

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def is_registered(self) -> bool:
        return self.status is RegistrationStatus.REGISTERED

    @property
    def is_awaiting(self) -> bool:
        """Submitted or deferred: a reviewer's decision is due."""
        return self.status in AWAITING_STATUSES

    @property
    def is_ended(self) -> bool:
        return self.status in ENDED_STATUSES


class RegistrationDifficulty(Base):
    """One difficulty circumstance a person reported: a row each, so they can be counted and filtered."""

    __tablename__ = "registration_difficulties"
    __table_args__ = (sa.Index("ix_registration_difficulties_difficulty", "difficulty", "registration_id"),)

    registration_id: Mapped[int] = mapped_column(
        sa.ForeignKey("registrations.id", ondelete="CASCADE"), primary_key=True
    )
    difficulty: Mapped[Difficulty] = mapped_column(enum_column(Difficulty), primary_key=True)


class RegistrationServiceWanted(Base):
    """One service a person asked for when registering."""

    __tablename__ = "registration_services_wanted"
    __table_args__ = (sa.Index("ix_registration_services_wanted_service", "service", "registration_id"),)

    registration_id: Mapped[int] = mapped_column(
        sa.ForeignKey("registrations.id", ondelete="CASCADE"), primary_key=True
    )
    service: Mapped[ServiceWanted] = mapped_column(enum_column(ServiceWanted), primary_key=True)


class RegistrationEvent(Base):
    """One line of a registration's timeline: what happened, when, and by whom."""

    __tablename__ = "registration_events"
    # The queue asks, for each row of its page, whether its person claimed the identity (`identity_claimed`):
    # without this PostgreSQL hashed that kind's events by a scan of the whole table (0.5 s at city scale).
    __table_args__ = (sa.Index("ix_registration_events_kind", "kind", "registration_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(sa.ForeignKey("registrations.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    kind: Mapped[EventKind] = mapped_column(enum_column(EventKind, 40))
    actor: Mapped[str] = mapped_column(sa.String(40))
    detail: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)

    registration: Mapped[Registration] = relationship(back_populates="events", lazy="raise")


class CommitmentText(Base):
    """An exact, versioned text of the credit commitment (§5.1) as it was shown to applicants."""

    __tablename__ = "commitment_texts"
    __table_args__ = (sa.UniqueConstraint("version", "language"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[str] = mapped_column(sa.String(20))
    language: Mapped[str] = mapped_column(sa.String(8))
    body: Mapped[str] = mapped_column(sa.Text)
    sha256: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class CommitmentOutcome(enum.StrEnum):
    KEPT = "kept"
    BROKEN = "broken"


class Commitment(Base):
    """A signed credit commitment: which text, its hash, the typed name, when, and what was missing; for an
    unemployment registration or for a policy application (one of the two)."""

    __tablename__ = "commitments"
    __table_args__ = (
        sa.CheckConstraint("(registration_id IS NULL) <> (policy_application_id IS NULL)", name="one_application"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("registrations.id", ondelete="CASCADE"), unique=True
    )
    policy_application_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("policy_applications.id", ondelete="CASCADE"), unique=True
    )
    text_id: Mapped[int] = mapped_column(sa.ForeignKey("commitment_texts.id"))
    text_sha256: Mapped[str] = mapped_column(sa.String(64))
    signed_name: Mapped[str] = mapped_column(sa.String(60))
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    missing_items: Mapped[list[str]] = mapped_column(sa.JSON)
    outcome: Mapped[CommitmentOutcome | None] = mapped_column(enum_column(CommitmentOutcome))

    registration: Mapped[Registration | None] = relationship(back_populates="commitment", lazy="raise")
    text: Mapped[CommitmentText] = relationship(lazy="raise")
