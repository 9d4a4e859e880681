"""Clubs for programmes that run in cohorts (R-ELIG-3: places taken by one guarded UPDATE) and changes of
circumstance (R-ELIG-2).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24 14:45:08.636733

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('cohort',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('programme_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('capacity', sa.Integer(), nullable=False),
    sa.Column('places_taken', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('places_taken >= 0 AND places_taken <= capacity', name=op.f('ck_cohort_places_within_capacity')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_cohort_created_by_id_user_account')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_cohort_organisation_id_organisation')),
    sa.ForeignKeyConstraint(['programme_id'], ['programme.id'], name=op.f('fk_cohort_programme_id_programme')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cohort'))
    )
    with op.batch_alter_table('cohort', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cohort_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('circumstance_change',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('referral_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('no_longer_eligible', 'moved_out_of_area', name='circumstancekind', native_enum=False, create_constraint=True, length=30), nullable=False),
    sa.Column('changed_on', sa.Date(), nullable=False),
    sa.Column('decision', sa.Enum('cannot_start', 'continue', 'leave', 'stay', 'refer_on', name='circumstancedecision', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('recorded_by_id', sa.Integer(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user_account.id'], name=op.f('fk_circumstance_change_recorded_by_id_user_account')),
    sa.ForeignKeyConstraint(['referral_id'], ['referral.id'], name=op.f('fk_circumstance_change_referral_id_referral')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_circumstance_change'))
    )
    with op.batch_alter_table('circumstance_change', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_circumstance_change_referral_id'), ['referral_id'], unique=False)

    op.create_table('cohort_place',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cohort_id', sa.Integer(), nullable=False),
    sa.Column('referral_id', sa.Integer(), nullable=False),
    sa.Column('joined_on', sa.Date(), nullable=False),
    sa.ForeignKeyConstraint(['cohort_id'], ['cohort.id'], name=op.f('fk_cohort_place_cohort_id_cohort')),
    sa.ForeignKeyConstraint(['referral_id'], ['referral.id'], name=op.f('fk_cohort_place_referral_id_referral')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cohort_place')),
    sa.UniqueConstraint('referral_id', name=op.f('uq_cohort_place_referral_id'))
    )
    with op.batch_alter_table('cohort_place', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cohort_place_cohort_id'), ['cohort_id'], unique=False)



def downgrade():
    with op.batch_alter_table('cohort_place', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cohort_place_cohort_id'))

    op.drop_table('cohort_place')
    with op.batch_alter_table('circumstance_change', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_circumstance_change_referral_id'))

    op.drop_table('circumstance_change')
    with op.batch_alter_table('cohort', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cohort_organisation_id'))

    op.drop_table('cohort')
