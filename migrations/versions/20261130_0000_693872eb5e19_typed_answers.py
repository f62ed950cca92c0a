"""typed answers: the answers statistics, policies and tracking read become columns and child tables

Revision ID: 693872eb5e19
Revises: b7c41e9d2a10
Created: 2026-11-30 00:00:00

Compatibility: the previous release reads education, services wanted and circumstances from
`registrations.answers`, which this migration moves into typed columns and two child tables, and it
inserts registrations without the new NOT NULL columns. Deploy the new code with this migration (stop the
old processes first). Every registration the portal wrote has these answers (the form requires them); a
row without one stops the migration with its id rather than being given an invented answer.
"""

import json
from collections.abc import Sequence
from datetime import date

import sqlalchemy as sa
from alembic import op

import portal.models.base

revision: str = "693872eb5e19"
down_revision: str | None = "b7c41e9d2a10"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

EDUCATION = ("junior_or_below", "senior", "college", "bachelor", "postgraduate")
INSURED = ("yes", "no", "unsure")
DIFFICULTIES = (
    "disabled", "dibao", "zero_employment", "rural_poor", "landless", "rehab_drugs", "released", "mental_recovery",
    "veteran",
)  # fmt: skip
SERVICES = (
    "job_matching", "career_guidance", "skills_training", "entrepreneurship", "unemployment_benefit",
    "difficulty_certification", "policy_advice",
)  # fmt: skip
# Keys of `answers` that become columns (residence_type, county and unemployment_category were columns already,
# as residence_urban, county_code and unemployment_category; the copies in the document go too).
MOVED = (
    "ethnicity", "education", "phone", "residence_type", "county", "unemployment_category", "employment_ended_on",
    "occupation_intention", "training_intention", "entrepreneurship_intention", "had_unemployment_insurance",
    "difficulties", "services_wanted", "pension_category",
)  # fmt: skip
NEW_COLUMNS = (
    "ethnicity", "education", "employment_ended_on", "occupation_intention", "wants_training", "wants_business",
    "insured_before",
)  # fmt: skip

registrations = sa.table(
    "registrations",
    sa.column("id", sa.Integer),
    sa.column("answers", sa.JSON),
    sa.column("phone", sa.String),
    sa.column("county_code", sa.String),
    sa.column("residence_urban", sa.Boolean),
    sa.column("unemployment_category", sa.String),
    sa.column("pension_category", sa.String),
    sa.column("ethnicity", sa.String),
    sa.column("education", sa.String),
    sa.column("employment_ended_on", sa.Date),
    sa.column("occupation_intention", sa.String),
    sa.column("wants_training", sa.Boolean),
    sa.column("wants_business", sa.Boolean),
    sa.column("insured_before", sa.String),
)
difficulties = sa.table(
    "registration_difficulties", sa.column("registration_id", sa.Integer), sa.column("difficulty", sa.String)
)
services_wanted = sa.table(
    "registration_services_wanted", sa.column("registration_id", sa.Integer), sa.column("service", sa.String)
)


def _document(raw: object) -> dict:
    return raw if isinstance(raw, dict) else json.loads(raw or "{}")


REQUIRED = ("ethnicity", "education", "training_intention", "entrepreneurship_intention", "had_unemployment_insurance")


def upgrade() -> None:
    # Checked before anything changes: SQLite's DDL is not rolled back with the migration.
    connection = op.get_bind()
    rows = connection.execute(sa.select(registrations.c.id, registrations.c.answers)).all()
    for row in rows:
        missing = [key for key in REQUIRED if not _document(row.answers).get(key)]
        if missing:
            raise RuntimeError(f"registration {row.id} has no answer for {', '.join(missing)}: fix it, then migrate")

    op.create_table(
        "registration_difficulties",
        sa.Column("registration_id", sa.Integer(), nullable=False),
        sa.Column("difficulty", sa.Enum(*DIFFICULTIES, name="difficulty", native_enum=False, length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["registration_id"], ["registrations.id"],
            name=op.f("fk_registration_difficulties_registration_id_registrations"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("registration_id", "difficulty", name=op.f("pk_registration_difficulties")),
    )  # fmt: skip
    with op.batch_alter_table("registration_difficulties", schema=None) as batch_op:
        batch_op.create_index("ix_registration_difficulties_difficulty", ["difficulty", "registration_id"], unique=False)
    op.create_table(
        "registration_services_wanted",
        sa.Column("registration_id", sa.Integer(), nullable=False),
        sa.Column("service", sa.Enum(*SERVICES, name="servicewanted", native_enum=False, length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["registration_id"], ["registrations.id"],
            name=op.f("fk_registration_services_wanted_registration_id_registrations"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("registration_id", "service", name=op.f("pk_registration_services_wanted")),
    )  # fmt: skip
    with op.batch_alter_table("registration_services_wanted", schema=None) as batch_op:
        batch_op.create_index("ix_registration_services_wanted_service", ["service", "registration_id"], unique=False)

    # Nullable first, filled from the answers, then NOT NULL.
    with op.batch_alter_table("registrations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("ethnicity", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("education", sa.Enum(*EDUCATION, name="education", native_enum=False, length=32), nullable=True))
        batch_op.add_column(sa.Column("employment_ended_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("occupation_intention", sa.String(length=100), server_default="", nullable=False))
        batch_op.add_column(sa.Column("wants_training", sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column("wants_business", sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column("insured_before", sa.Enum(*INSURED, name="insuredbefore", native_enum=False, length=8), nullable=True))

    for row in rows:
        answers = _document(row.answers)
        ended = answers.get("employment_ended_on")
        connection.execute(
            registrations.update().where(registrations.c.id == row.id).values(
                ethnicity=answers["ethnicity"][:20],
                education=answers["education"],
                employment_ended_on=date.fromisoformat(ended) if ended else None,
                occupation_intention=(answers.get("occupation_intention") or "")[:100],
                wants_training=answers["training_intention"] == "yes",
                wants_business=answers["entrepreneurship_intention"] == "yes",
                insured_before=answers["had_unemployment_insurance"],
                answers={key: value for key, value in answers.items() if key not in MOVED},
            )
        )  # fmt: skip
        for difficulty in dict.fromkeys(answers.get("difficulties") or []):
            connection.execute(difficulties.insert().values(registration_id=row.id, difficulty=difficulty))
        for service in dict.fromkeys(answers.get("services_wanted") or []):
            connection.execute(services_wanted.insert().values(registration_id=row.id, service=service))

    with op.batch_alter_table("registrations", schema=None) as batch_op:
        for name in ("ethnicity", "education", "wants_training", "wants_business", "insured_before"):
            batch_op.alter_column(name, nullable=False)


def downgrade() -> None:
    connection = op.get_bind()
    rows = connection.execute(sa.select(registrations)).all()
    wanted = {}
    for registration_id, service in connection.execute(sa.select(services_wanted)).all():
        wanted.setdefault(registration_id, []).append(service)
    circumstances = {}
    for registration_id, difficulty in connection.execute(sa.select(difficulties)).all():
        circumstances.setdefault(registration_id, []).append(difficulty)
    for row in rows:
        answers = _document(row.answers)
        answers.update(
            ethnicity=row.ethnicity, education=row.education, phone=row.phone, county=row.county_code,
            residence_type="urban" if row.residence_urban else "rural",
            unemployment_category=row.unemployment_category,
            employment_ended_on=row.employment_ended_on.isoformat() if row.employment_ended_on else "",
            occupation_intention=row.occupation_intention,
            training_intention="yes" if row.wants_training else "no",
            entrepreneurship_intention="yes" if row.wants_business else "no",
            had_unemployment_insurance=row.insured_before, pension_category=row.pension_category,
            difficulties=[d for d in DIFFICULTIES if d in circumstances.get(row.id, [])],
            services_wanted=[s for s in SERVICES if s in wanted.get(row.id, [])],
        )  # fmt: skip
        connection.execute(registrations.update().where(registrations.c.id == row.id).values(answers=answers))

    with op.batch_alter_table("registrations", schema=None) as batch_op:
        for name in reversed(NEW_COLUMNS):
            batch_op.drop_column(name)
    with op.batch_alter_table("registration_services_wanted", schema=None) as batch_op:
        batch_op.drop_index("ix_registration_services_wanted_service")
    op.drop_table("registration_services_wanted")
    with op.batch_alter_table("registration_difficulties", schema=None) as batch_op:
        batch_op.drop_index("ix_registration_difficulties_difficulty")
    op.drop_table("registration_difficulties")
