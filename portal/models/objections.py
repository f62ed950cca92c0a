"""Objections to a notice entry (§5.2: 对公示有异议的，应当进行调查核实), filed by the public by real name or
anonymously, investigated and answered by the entry's county; and what happens to each on the way."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.base import Base, Timestamped, UTCDateTime, enum_column, utcnow


class ObjectionGround(enum.StrEnum):
    NOT_UNEMPLOYED = "not_unemployed"
    EMPLOYED = "employed"
    FALSE_INFORMATION = "false_information"
    NOT_RESIDENT = "not_resident"
    OTHER = "other"


class ObjectionStatus(enum.StrEnum):
    RECEIVED = "received"
    INVESTIGATING = "investigating"
    DECIDED = "decided"


class ObjectionOutcome(enum.StrEnum):
    UPHELD = "upheld"
    PARTLY_UPHELD = "partly_upheld"
    NOT_UPHELD = "not_upheld"


OPEN_OBJECTION = (ObjectionStatus.RECEIVED, ObjectionStatus.INVESTIGATING)
_OPEN = f"status IN ({', '.join(repr(s.value) for s in OPEN_OBJECTION)})"  # for partial indexes


class Objection(Timestamped, Base):
    __tablename__ = "objections"
    __table_args__ = (
        sa.Index("ix_objections_queue", "county_code", "status", "due", "id"),
        # The staff queue, read by keyset on (due, id): every objection, and the open ones (the county's, the city's).
        sa.Index("ix_objections_due", "county_code", "due", "id"),
        sa.Index("ix_objections_due_city", "due", "id"),
        sa.Index(
            "ix_objections_open",
            "county_code",
            "due",
            "id",
            sqlite_where=sa.text(_OPEN),
            postgresql_where=sa.text(_OPEN),
        ),
        sa.Index("ix_objections_open_city", "due", "id", sqlite_where=sa.text(_OPEN), postgresql_where=sa.text(_OPEN)),
        sa.Index("ix_objections_entry", "entry_id", "status"),
        sa.Index("ix_objections_person", "person_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(sa.String(20), unique=True)
    notice_id: Mapped[int] = mapped_column(sa.ForeignKey("notices.id"))
    entry_id: Mapped[int] = mapped_column(sa.ForeignKey("notice_entries.id"))
    # The person objected to: told of the objection and its outcome, never of who objected.
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id"))
    county_code: Mapped[str] = mapped_column(sa.ForeignKey("service_areas.code"))
    ground: Mapped[ObjectionGround] = mapped_column(enum_column(ObjectionGround))
    facts: Mapped[str] = mapped_column(sa.Text)
    anonymous: Mapped[bool]
    # A real-name objector, verified by a code texted to the phone: encrypted, seen by the county's staff only.
    objector_name_cipher: Mapped[bytes | None] = mapped_column(sa.LargeBinary)
    objector_phone_cipher: Mapped[bytes | None] = mapped_column(sa.LargeBinary)
    # What proves the right to track it: the anonymous objector's secret code, or the real-name objector's phone
    # (keyed hashes only).
    secret_hash: Mapped[str] = mapped_column(sa.String(64))
    # An attachment, kept outside the web root under a random name and never served publicly.
    attachment_key: Mapped[str | None] = mapped_column(sa.String(64))
    attachment_type: Mapped[str | None] = mapped_column(sa.String(40))
    attachment_size: Mapped[int | None]
    status: Mapped[ObjectionStatus] = mapped_column(enum_column(ObjectionStatus))
    due: Mapped[date]
    due_provisional: Mapped[bool] = mapped_column(default=False)
    assigned_to: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_users.id"))
    outcome: Mapped[ObjectionOutcome | None] = mapped_column(enum_column(ObjectionOutcome))
    reply: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_by: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_users.id"))
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__: Mapping[str, Any] = {"version_id_col": version}

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_OBJECTION


class ObjectionStepKind(enum.StrEnum):
    ASSIGNED = "assigned"
    INVESTIGATION = "investigation"  # what staff found (a note, or a data comparison's result)
    PERSON_TOLD = "person_told"
    PERSON_SIDE = "person_side"  # what the person objected to says
    DECIDED = "decided"


class ObjectionStep(Base):
    """The objection's investigation, step by step, as the county's staff see it."""

    __tablename__ = "objection_steps"
    __table_args__ = (sa.Index("ix_objection_steps_objection", "objection_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    objection_id: Mapped[int] = mapped_column(sa.ForeignKey("objections.id"))
    kind: Mapped[ObjectionStepKind] = mapped_column(enum_column(ObjectionStepKind))
    text: Mapped[str] = mapped_column(sa.Text, default="")
    detail: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    staff_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
