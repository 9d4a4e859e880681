"""One job record for in-work support, the Small Employer Payment and job outcomes (issue 14, R-OUT-1):
contracted hours, hourly pay, supported or unsupported work and how the job ended on `in_work_job`,
and the National Minimum Wage / National Living Wage rates as rows by date and age band.

Jobs already recorded keep every figure; the new answers are empty (not known) until an adviser adds them.

Revision ID: 0017
Revises: 0022
Create Date: 2026-12-03 16:40:00

"""
from datetime import date

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0017'
down_revision = '0022'
branch_labels = None
depends_on = None

# The published rates (GOV.UK "National Minimum Wage and National Living Wage rates"), pence an hour:
# (in force from, youngest age, oldest age or None, name, pence). The apprentice rate is not held: the
# job record does not say whether a job is an apprenticeship.
RATES = [
    (date(2023, 4, 1), 23, None, "National Living Wage (23 and over)", 1042),
    (date(2023, 4, 1), 21, 22, "National Minimum Wage (21 to 22)", 1018),
    (date(2023, 4, 1), 18, 20, "National Minimum Wage (18 to 20)", 749),
    (date(2023, 4, 1), 16, 17, "National Minimum Wage (under 18)", 528),
    (date(2024, 4, 1), 21, None, "National Living Wage (21 and over)", 1144),
    (date(2024, 4, 1), 18, 20, "National Minimum Wage (18 to 20)", 860),
    (date(2024, 4, 1), 16, 17, "National Minimum Wage (under 18)", 640),
    (date(2025, 4, 1), 21, None, "National Living Wage (21 and over)", 1221),
    (date(2025, 4, 1), 18, 20, "National Minimum Wage (18 to 20)", 1000),
    (date(2025, 4, 1), 16, 17, "National Minimum Wage (under 18)", 755),
    (date(2026, 4, 1), 21, None, "National Living Wage (21 and over)", 1271),
    (date(2026, 4, 1), 18, 20, "National Minimum Wage (18 to 20)", 1085),
    (date(2026, 4, 1), 16, 17, "National Minimum Wage (under 18)", 800),
]


def upgrade():
    with op.batch_alter_table('in_work_job', schema=None) as batch_op:
        batch_op.add_column(sa.Column('end_reason', sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column('contracted_quarters', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('hourly_pay_pence', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('supported', sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column('unsupported_from', sa.Date(), nullable=True))
        batch_op.create_check_constraint(
            op.f('ck_in_work_job_contracted_quarter_hours'), 'contracted_quarters >= 0 AND contracted_quarters <= 672')
        batch_op.create_check_constraint(op.f('ck_in_work_job_hourly_pay_positive'), 'hourly_pay_pence > 0')
        batch_op.create_check_constraint(op.f('ck_in_work_job_job_ends_after_start'),
                                         'ended_on IS NULL OR ended_on >= started_on')

    rate = op.create_table('minimum_wage_rate',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('effective_from', sa.Date(), nullable=False),
    sa.Column('min_age', sa.Integer(), nullable=False),
    sa.Column('max_age', sa.Integer(), nullable=True),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('pence', sa.Integer(), nullable=False),
    sa.CheckConstraint('pence > 0', name=op.f('ck_minimum_wage_rate_rate_positive')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_minimum_wage_rate')),
    sa.UniqueConstraint('effective_from', 'min_age', name='uq_minimum_wage_rate_from_age')
    )
    op.bulk_insert(rate, [{"effective_from": on, "min_age": low, "max_age": high, "name": name, "pence": pence}
                          for on, low, high, name, pence in RATES])

    op.create_table('job_outcome',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('referral_id', sa.Integer(), nullable=False),
    sa.Column('job_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('occurred_on', sa.Date(), nullable=False),
    sa.ForeignKeyConstraint(['job_id'], ['in_work_job.id'], name=op.f('fk_job_outcome_job_id_in_work_job')),
    sa.ForeignKeyConstraint(['referral_id'], ['referral.id'], name=op.f('fk_job_outcome_referral_id_referral')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_job_outcome')),
    sa.UniqueConstraint('job_id', 'kind', name='uq_job_outcome_job_kind')
    )
    with op.batch_alter_table('job_outcome', schema=None) as batch_op:
        batch_op.create_index('ix_job_outcome_kind_occurred_on', ['kind', 'occurred_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_job_outcome_referral_id'), ['referral_id'], unique=False)
    _derive_outcomes_of_existing_jobs()


def _derive_outcomes_of_existing_jobs():
    """The jobs recorded before R-OUT-1 get their events (job start, sustained, Small Employer Payment)
    from the one definition of them, which reads only columns that exist from this revision on."""
    from portal.services.outcomes import derived_events_query

    derived = derived_events_query().subquery()
    outcome = sa.table('job_outcome', sa.column('referral_id'), sa.column('job_id'), sa.column('kind'),
                       sa.column('occurred_on'))
    op.get_bind().execute(outcome.insert().from_select(
        ['referral_id', 'job_id', 'kind', 'occurred_on'],
        sa.select(derived.c.referral_id, derived.c.job_id, derived.c.kind, derived.c.occurred_on)))


def downgrade():
    with op.batch_alter_table('job_outcome', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_job_outcome_referral_id'))
        batch_op.drop_index('ix_job_outcome_kind_occurred_on')
    op.drop_table('job_outcome')
    op.drop_table('minimum_wage_rate')
    with op.batch_alter_table('in_work_job', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_in_work_job_job_ends_after_start'), type_='check')
        batch_op.drop_constraint(op.f('ck_in_work_job_hourly_pay_positive'), type_='check')
        batch_op.drop_constraint(op.f('ck_in_work_job_contracted_quarter_hours'), type_='check')
        batch_op.drop_column('unsupported_from')
        batch_op.drop_column('supported')
        batch_op.drop_column('hourly_pay_pence')
        batch_op.drop_column('contracted_quarters')
        batch_op.drop_column('end_reason')
