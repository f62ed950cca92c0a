"""unemployment insurance benefit claims handled with the registration

Revision ID: 7a0c1e5f0004
Revises: 7a0c1e5f0003
Created: 2026-11-30 06:23:00

Compatibility: new tables only: the code from before this migration keeps working after it.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import portal.models.base

revision: str = "7a0c1e5f0004"
down_revision: str | None = "7a0c1e5f0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('ui_benefit_claims',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('registration_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('claimed', 'declined', 'granted', 'rejected', name='uiclaimstatus', native_enum=False,
                                length=20), nullable=False),
    sa.Column('insured_months', sa.Integer(), nullable=False),
    sa.Column('months', sa.Integer(), nullable=False),
    sa.Column('monthly_amount', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('period_from', sa.Date(), nullable=False),
    sa.Column('period_to', sa.Date(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=True),
    sa.Column('rejection_reason', sa.String(length=30), nullable=True),
    sa.Column('decided_at', portal.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', portal.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', portal.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['policy_applications.id'],
                            name=op.f('fk_ui_benefit_claims_application_id_policy_applications')),
    sa.ForeignKeyConstraint(['registration_id'], ['registrations.id'],
                            name=op.f('fk_ui_benefit_claims_registration_id_registrations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ui_benefit_claims')),
    sa.UniqueConstraint('application_id', name=op.f('uq_ui_benefit_claims_application_id')),
    sa.UniqueConstraint('registration_id', name=op.f('uq_ui_benefit_claims_registration_id'))
    )


def downgrade() -> None:
    op.drop_table('ui_benefit_claims')
