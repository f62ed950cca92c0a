"""public-welfare posts and the placements of certified people in them

Revision ID: 7a0c1e5f0007
Revises: 7a0c1e5f0006
Created: 2026-11-30 07:01:00

Compatibility: new tables only: the code from before this migration keeps working after it.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import portal.models.base

revision: str = "7a0c1e5f0007"
down_revision: str | None = "7a0c1e5f0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# One active placement per person (portal.models.public_welfare_posts).
ACTIVE = "status = 'active'"


def upgrade() -> None:
    op.create_table('public_welfare_posts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('county_code', sa.String(length=16), nullable=False),
    sa.Column('employer', sa.String(length=100), nullable=False),
    sa.Column('title', sa.String(length=100), nullable=False),
    sa.Column('duties', sa.Text(), server_default='', nullable=False),
    sa.Column('positions', sa.Integer(), nullable=False),
    sa.Column('filled', sa.Integer(), server_default='0', nullable=False),
    sa.Column('term_months', sa.Integer(), nullable=False),
    sa.Column('monthly_subsidy', sa.Integer(), nullable=False),
    sa.Column('open', sa.Boolean(), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.Column('created_at', portal.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', portal.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('filled >= 0 AND filled <= positions', name=op.f('ck_public_welfare_posts_filled_within')),
    sa.ForeignKeyConstraint(['county_code'], ['service_areas.code'], name=op.f('fk_public_welfare_posts_county_code_service_areas')),
    sa.ForeignKeyConstraint(['created_by'], ['staff_users.id'], name=op.f('fk_public_welfare_posts_created_by_staff_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_public_welfare_posts'))
    )
    with op.batch_alter_table('public_welfare_posts', schema=None) as batch_op:
        batch_op.create_index('ix_public_welfare_posts_county', ['county_code', 'open', 'id'], unique=False)

    op.create_table('public_welfare_placements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('post_id', sa.Integer(), nullable=False),
    sa.Column('registration_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('active', 'ended_early', 'completed', name='placementstatus', native_enum=False, length=20), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('subsidy_from', sa.Date(), nullable=False),
    sa.Column('subsidy_to', sa.Date(), nullable=False),
    sa.Column('ended_on', sa.Date(), nullable=True),
    sa.Column('end_reason', sa.String(length=500), server_default='', nullable=False),
    sa.Column('placed_by', sa.Integer(), nullable=True),
    sa.Column('ended_by', sa.Integer(), nullable=True),
    sa.Column('alerted_on', sa.Date(), nullable=True),
    sa.Column('created_at', portal.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', portal.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['ended_by'], ['staff_users.id'], name=op.f('fk_public_welfare_placements_ended_by_staff_users')),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_public_welfare_placements_person_id_people')),
    sa.ForeignKeyConstraint(['placed_by'], ['staff_users.id'], name=op.f('fk_public_welfare_placements_placed_by_staff_users')),
    sa.ForeignKeyConstraint(['post_id'], ['public_welfare_posts.id'], name=op.f('fk_public_welfare_placements_post_id_public_welfare_posts')),
    sa.ForeignKeyConstraint(['registration_id'], ['registrations.id'], name=op.f('fk_public_welfare_placements_registration_id_registrations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_public_welfare_placements'))
    )
    with op.batch_alter_table('public_welfare_placements', schema=None) as batch_op:
        batch_op.create_index('ix_public_welfare_placements_ending', ['status', 'ends_on'], unique=False)
        batch_op.create_index('ix_public_welfare_placements_person_id', ['person_id'], unique=False)
        batch_op.create_index('ix_public_welfare_placements_post', ['post_id', 'status', 'id'], unique=False)
        batch_op.create_index('uq_public_welfare_placements_active', ['person_id'], unique=True, sqlite_where=sa.text(ACTIVE), postgresql_where=sa.text(ACTIVE))


def downgrade() -> None:
    with op.batch_alter_table('public_welfare_placements', schema=None) as batch_op:
        batch_op.drop_index('uq_public_welfare_placements_active', sqlite_where=sa.text(ACTIVE), postgresql_where=sa.text(ACTIVE))
        batch_op.drop_index('ix_public_welfare_placements_post')
        batch_op.drop_index('ix_public_welfare_placements_person_id')
        batch_op.drop_index('ix_public_welfare_placements_ending')
    op.drop_table('public_welfare_placements')
    with op.batch_alter_table('public_welfare_posts', schema=None) as batch_op:
        batch_op.drop_index('ix_public_welfare_posts_county')
    op.drop_table('public_welfare_posts')
