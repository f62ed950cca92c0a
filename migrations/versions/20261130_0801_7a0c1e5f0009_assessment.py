"""the yearly county assessment: indicators by county and month, and the circulars drafted from them

Revision ID: 7a0c1e5f0009
Revises: 7a0c1e5f0008
Created: 2026-11-30 08:01:00

Compatibility: new tables only: the code from before this migration keeps working after it.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import portal.models.base

revision: str = "7a0c1e5f0009"
down_revision: str | None = "7a0c1e5f0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('assessment_indicators',
    sa.Column('year_month', sa.String(length=7), nullable=False),
    sa.Column('county_code', sa.String(length=16), nullable=False),
    sa.Column('indicator', sa.String(length=30), nullable=False),
    sa.Column('numerator', sa.BigInteger(), nullable=False),
    sa.Column('denominator', sa.BigInteger(), nullable=False),
    sa.Column('histogram', sa.JSON(), nullable=True),
    sa.Column('computed_at', portal.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['county_code'], ['service_areas.code'], name=op.f('fk_assessment_indicators_county_code_service_areas')),
    sa.PrimaryKeyConstraint('year_month', 'county_code', 'indicator', name=op.f('pk_assessment_indicators'))
    )
    op.create_table('circulars',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('through_month', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('draft', 'published', name='circularstatus', native_enum=False, length=10), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=False),
    sa.Column('published_at', portal.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('published_by', sa.Integer(), nullable=True),
    sa.Column('created_at', portal.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', portal.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by'], ['staff_users.id'], name=op.f('fk_circulars_created_by_staff_users')),
    sa.ForeignKeyConstraint(['published_by'], ['staff_users.id'], name=op.f('fk_circulars_published_by_staff_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_circulars'))
    )
    with op.batch_alter_table('circulars', schema=None) as batch_op:
        batch_op.create_index('ix_circulars_status', ['status', 'id'], unique=False)

    op.create_table('circular_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('circular_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('targets', sa.JSON(), nullable=False),
    sa.Column('ranking', sa.JSON(), nullable=False),
    sa.Column('shortfalls', sa.JSON(), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=False),
    sa.Column('created_at', portal.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['circular_id'], ['circulars.id'], name=op.f('fk_circular_versions_circular_id_circulars'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['staff_id'], ['staff_users.id'], name=op.f('fk_circular_versions_staff_id_staff_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_circular_versions')),
    sa.UniqueConstraint('circular_id', 'number', name=op.f('uq_circular_versions_circular_id_number'))
    )


def downgrade() -> None:
    op.drop_table('circular_versions')
    with op.batch_alter_table('circulars', schema=None) as batch_op:
        batch_op.drop_index('ix_circulars_status')

    op.drop_table('circulars')
    op.drop_table('assessment_indicators')
