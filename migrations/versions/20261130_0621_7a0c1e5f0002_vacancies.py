"""vacancies, recommendations and their follow-ups

Revision ID: 7a0c1e5f0002
Revises: 7a0c1e5f0001
Created: 2026-11-30 06:21:00

Compatibility: new tables only: the code from before this migration keeps working after it.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import portal.models.base

revision: str = "7a0c1e5f0002"
down_revision: str | None = "7a0c1e5f0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('vacancies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('county_code', sa.String(), nullable=False),
    sa.Column('employer', sa.String(length=100), nullable=False),
    sa.Column('post', sa.String(length=60), nullable=False),
    sa.Column('pay_min', sa.Integer(), nullable=False),
    sa.Column('pay_max', sa.Integer(), nullable=False),
    sa.Column('requirements', sa.Text(), nullable=False),
    sa.Column('skills', sa.String(length=200), nullable=False),
    sa.Column('closing_on', sa.Date(), nullable=False),
    sa.Column('status', sa.Enum('open', 'closed', name='vacancystatus', native_enum=False, length=8), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', portal.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', portal.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('pay_min >= 0 AND pay_max <= 1000000 AND pay_min <= pay_max', name=op.f('ck_vacancies_pay_range')),
    sa.ForeignKeyConstraint(['county_code'], ['service_areas.code'], name=op.f('fk_vacancies_county_code_service_areas')),
    sa.ForeignKeyConstraint(['created_by'], ['staff_users.id'], name=op.f('fk_vacancies_created_by_staff_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_vacancies'))
    )
    with op.batch_alter_table('vacancies', schema=None) as batch_op:
        batch_op.create_index('ix_vacancies_county_listed', ['county_code', 'status', 'closing_on', 'id'], unique=False)
        batch_op.create_index('ix_vacancies_listed', ['status', 'closing_on', 'id'], unique=False)

    op.create_table('recommendations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('vacancy_id', sa.Integer(), nullable=False),
    sa.Column('registration_id', sa.Integer(), nullable=False),
    sa.Column('county_code', sa.String(), nullable=False),
    sa.Column('reasons', sa.JSON(), nullable=False),
    sa.Column('service_record_id', sa.Integer(), nullable=True),
    sa.Column('recommended_by', sa.Integer(), nullable=True),
    sa.Column('recommended_on', sa.Date(), nullable=False),
    sa.Column('follow_up_due', sa.Date(), nullable=False),
    sa.Column('result', sa.Enum('awaiting', 'interviewed', 'hired', 'not_hired', 'no_reply', name='followupresult', native_enum=False, length=12), nullable=False),
    sa.Column('result_note', sa.Text(), nullable=False),
    sa.Column('result_on', sa.Date(), nullable=True),
    sa.Column('result_by', sa.Integer(), nullable=True),
    sa.Column('interest', sa.Enum('interested', 'not_interested', name='interest', native_enum=False, length=16), nullable=True),
    sa.Column('interest_at', portal.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', portal.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', portal.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['county_code'], ['service_areas.code'], name=op.f('fk_recommendations_county_code_service_areas')),
    sa.ForeignKeyConstraint(['recommended_by'], ['staff_users.id'], name=op.f('fk_recommendations_recommended_by_staff_users')),
    sa.ForeignKeyConstraint(['registration_id'], ['registrations.id'], name=op.f('fk_recommendations_registration_id_registrations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['result_by'], ['staff_users.id'], name=op.f('fk_recommendations_result_by_staff_users')),
    sa.ForeignKeyConstraint(['service_record_id'], ['service_records.id'], name=op.f('fk_recommendations_service_record_id_service_records'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['vacancy_id'], ['vacancies.id'], name=op.f('fk_recommendations_vacancy_id_vacancies'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_recommendations')),
    sa.UniqueConstraint('vacancy_id', 'registration_id', name=op.f('uq_recommendations_vacancy_id_registration_id'))
    )
    with op.batch_alter_table('recommendations', schema=None) as batch_op:
        batch_op.create_index('ix_recommendations_follow_up', ['county_code', 'result', 'follow_up_due', 'id'], unique=False)
        batch_op.create_index('ix_recommendations_follow_up_city', ['result', 'follow_up_due', 'id'], unique=False)
        batch_op.create_index('ix_recommendations_registration', ['registration_id', 'id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('recommendations', schema=None) as batch_op:
        batch_op.drop_index('ix_recommendations_registration')
        batch_op.drop_index('ix_recommendations_follow_up_city')
        batch_op.drop_index('ix_recommendations_follow_up')

    op.drop_table('recommendations')
    with op.batch_alter_table('vacancies', schema=None) as batch_op:
        batch_op.drop_index('ix_vacancies_listed')
        batch_op.drop_index('ix_vacancies_county_listed')

    op.drop_table('vacancies')
