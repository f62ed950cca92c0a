"""training programmes and enrolments; business-start guarantee loan applications

Revision ID: 7a0c1e5f0003
Revises: 7a0c1e5f0002
Created: 2026-11-30 06:22:00

Compatibility: new tables only: the code from before this migration keeps working after it.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import portal.models.base

revision: str = "7a0c1e5f0003"
down_revision: str | None = "7a0c1e5f0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The statuses of an application still in progress (portal.models.loans.OPEN_LOAN_STATUSES).
OPEN_LOANS = "status IN ('submitted', 'checked', 'sent', 'approved')"


def upgrade() -> None:
    op.create_table('training_programmes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('county_code', sa.String(length=16), nullable=False),
    sa.Column('provider', sa.String(length=100), nullable=False),
    sa.Column('course', sa.String(length=100), nullable=False),
    sa.Column('details', sa.Text(), server_default='', nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('enrol_by', sa.Date(), nullable=False),
    sa.Column('seats', sa.Integer(), nullable=False),
    sa.Column('seats_taken', sa.Integer(), server_default='0', nullable=False),
    sa.Column('subsidy_policy', sa.String(length=8), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.Column('created_at', portal.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', portal.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('seats_taken >= 0 AND seats_taken <= seats', name=op.f('ck_training_programmes_seats_within')),
    sa.ForeignKeyConstraint(['county_code'], ['service_areas.code'], name=op.f('fk_training_programmes_county_code_service_areas')),
    sa.ForeignKeyConstraint(['created_by'], ['staff_users.id'], name=op.f('fk_training_programmes_created_by_staff_users')),
    sa.ForeignKeyConstraint(['subsidy_policy'], ['policies.code'], name=op.f('fk_training_programmes_subsidy_policy_policies')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_training_programmes'))
    )
    with op.batch_alter_table('training_programmes', schema=None) as batch_op:
        batch_op.create_index('ix_training_programmes_county', ['county_code', 'starts_on', 'id'], unique=False)
        batch_op.create_index('ix_training_programmes_county_enrol_by', ['county_code', 'enrol_by'], unique=False)

    op.create_table('training_notices',
    sa.Column('programme_id', sa.Integer(), nullable=False),
    sa.Column('registration_id', sa.Integer(), nullable=False),
    sa.Column('created_at', portal.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['programme_id'], ['training_programmes.id'], name=op.f('fk_training_notices_programme_id_training_programmes'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['registration_id'], ['registrations.id'], name=op.f('fk_training_notices_registration_id_registrations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('programme_id', 'registration_id', name=op.f('pk_training_notices'))
    )
    with op.batch_alter_table('training_notices', schema=None) as batch_op:
        batch_op.create_index('ix_training_notices_registration_id', ['registration_id'], unique=False)

    op.create_table('training_enrolments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('programme_id', sa.Integer(), nullable=False),
    sa.Column('registration_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('enrolled', 'completed', 'not_completed', name='enrolmentstatus', native_enum=False, length=20), nullable=False),
    sa.Column('certificate', sa.Boolean(), nullable=True),
    sa.Column('enrolled_at', portal.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('completion_recorded_at', portal.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('completion_recorded_by', sa.Integer(), nullable=True),
    sa.Column('created_at', portal.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', portal.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['completion_recorded_by'], ['staff_users.id'], name=op.f('fk_training_enrolments_completion_recorded_by_staff_users')),
    sa.ForeignKeyConstraint(['programme_id'], ['training_programmes.id'], name=op.f('fk_training_enrolments_programme_id_training_programmes'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['registration_id'], ['registrations.id'], name=op.f('fk_training_enrolments_registration_id_registrations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_training_enrolments')),
    sa.UniqueConstraint('programme_id', 'registration_id', name=op.f('uq_training_enrolments_programme_id_registration_id'))
    )
    with op.batch_alter_table('training_enrolments', schema=None) as batch_op:
        batch_op.create_index('ix_training_enrolments_registration_id', ['registration_id'], unique=False)

    op.create_table('loan_applications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=20), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('registration_id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=True),
    sa.Column('county_code', sa.String(length=16), nullable=False),
    sa.Column('status', sa.Enum('submitted', 'checked', 'refused', 'sent', 'approved', 'declined', 'disbursed', name='loanstatus', native_enum=False, length=20), nullable=False),
    sa.Column('business_name', sa.String(length=100), nullable=False),
    sa.Column('business_type', sa.Enum('individual', 'small_company', 'online_shop', 'farm', 'other', name='businesstype', native_enum=False, length=20), nullable=False),
    sa.Column('amount_asked', sa.Integer(), nullable=False),
    sa.Column('purpose', sa.String(length=500), nullable=False),
    sa.Column('term_months', sa.Integer(), nullable=False),
    sa.Column('business_registered', sa.Boolean(), nullable=False),
    sa.Column('business_registered_on', sa.Date(), nullable=True),
    sa.Column('conditions_met', sa.Boolean(), nullable=False),
    sa.Column('trace', sa.JSON(), nullable=False),
    sa.Column('submitted_at', portal.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('lender', sa.String(length=100), nullable=True),
    sa.Column('amount_approved', sa.Integer(), nullable=True),
    sa.Column('approved_on', sa.Date(), nullable=True),
    sa.Column('disbursed_on', sa.Date(), nullable=True),
    sa.Column('reason', sa.String(length=500), server_default='', nullable=False),
    sa.Column('created_at', portal.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', portal.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['resident_accounts.id'], name=op.f('fk_loan_applications_account_id_resident_accounts'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['county_code'], ['service_areas.code'], name=op.f('fk_loan_applications_county_code_service_areas')),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_loan_applications_person_id_people')),
    sa.ForeignKeyConstraint(['registration_id'], ['registrations.id'], name=op.f('fk_loan_applications_registration_id_registrations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_loan_applications')),
    sa.UniqueConstraint('number', name=op.f('uq_loan_applications_number'))
    )
    with op.batch_alter_table('loan_applications', schema=None) as batch_op:
        batch_op.create_index('ix_loan_applications_account_id', ['account_id'], unique=False)
        batch_op.create_index('ix_loan_applications_county', ['county_code', 'status', 'submitted_at', 'id'], unique=False)
        batch_op.create_index('uq_loan_applications_open_person', ['person_id'], unique=True, sqlite_where=sa.text(OPEN_LOANS), postgresql_where=sa.text(OPEN_LOANS))

    op.create_table('loan_steps',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('submitted', 'checked', 'refused', 'sent', 'approved', 'declined', 'disbursed', name='loanstatus', native_enum=False, length=20), nullable=False),
    sa.Column('at', portal.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.String(length=500), server_default='', nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['loan_applications.id'], name=op.f('fk_loan_steps_application_id_loan_applications'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['staff_id'], ['staff_users.id'], name=op.f('fk_loan_steps_staff_id_staff_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_loan_steps'))
    )
    with op.batch_alter_table('loan_steps', schema=None) as batch_op:
        batch_op.create_index('ix_loan_steps_application_id', ['application_id', 'id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('loan_steps', schema=None) as batch_op:
        batch_op.drop_index('ix_loan_steps_application_id')
    op.drop_table('loan_steps')
    with op.batch_alter_table('loan_applications', schema=None) as batch_op:
        batch_op.drop_index('uq_loan_applications_open_person', sqlite_where=sa.text(OPEN_LOANS), postgresql_where=sa.text(OPEN_LOANS))
        batch_op.drop_index('ix_loan_applications_county')
        batch_op.drop_index('ix_loan_applications_account_id')
    op.drop_table('loan_applications')
    with op.batch_alter_table('training_enrolments', schema=None) as batch_op:
        batch_op.drop_index('ix_training_enrolments_registration_id')
    op.drop_table('training_enrolments')
    with op.batch_alter_table('training_notices', schema=None) as batch_op:
        batch_op.drop_index('ix_training_notices_registration_id')
    op.drop_table('training_notices')
    with op.batch_alter_table('training_programmes', schema=None) as batch_op:
        batch_op.drop_index('ix_training_programmes_county_enrol_by')
        batch_op.drop_index('ix_training_programmes_county')
    op.drop_table('training_programmes')
