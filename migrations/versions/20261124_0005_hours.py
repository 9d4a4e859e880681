"""Weekly support and participation records (R-HRS-1..7): activities, their amendments, in-work jobs
and weeks. Amendments are append-only and entries are never deleted, so a past week's history stays whole.

Revision ID: 0005
Revises: 0003
Create Date: 2026-11-24 14:37:51.160422

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('in_work_job',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('referral_id', sa.Integer(), nullable=False),
    sa.Column('employer_name', sa.String(length=200), nullable=False),
    sa.Column('employer_staff', sa.Integer(), nullable=False),
    sa.Column('job_title', sa.String(length=200), nullable=False),
    sa.Column('started_on', sa.Date(), nullable=False),
    sa.Column('ended_on', sa.Date(), nullable=True),
    sa.Column('recorded_by_id', sa.Integer(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user_account.id'], name=op.f('fk_in_work_job_recorded_by_id_user_account')),
    sa.ForeignKeyConstraint(['referral_id'], ['referral.id'], name=op.f('fk_in_work_job_referral_id_referral')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_in_work_job'))
    )
    with op.batch_alter_table('in_work_job', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_in_work_job_referral_id'), ['referral_id'], unique=False)

    op.create_table('in_work_week',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('job_id', sa.Integer(), nullable=False),
    sa.Column('week_start', sa.Date(), nullable=False),
    sa.Column('quarters', sa.Integer(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('quarters >= 0 AND quarters <= 672', name=op.f('ck_in_work_week_quarter_hours_in_a_week')),
    sa.ForeignKeyConstraint(['job_id'], ['in_work_job.id'], name=op.f('fk_in_work_week_job_id_in_work_job')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user_account.id'], name=op.f('fk_in_work_week_recorded_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_in_work_week')),
    sa.UniqueConstraint('job_id', 'week_start', name='uq_in_work_week_job_week')
    )
    op.create_table('hours_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('referral_id', sa.Integer(), nullable=False),
    sa.Column('week_start', sa.Date(), nullable=False),
    sa.Column('on', sa.Date(), nullable=False),
    sa.Column('activity', sa.Enum('job_search', 'cv_and_applications', 'interview_skills', 'confidence_building', 'work_trial', 'work_placement', 'volunteering', 'job_coaching', 'in_work_support', 'advocacy', 'signposting', 'health_support', 'skills_training', 'peer_support', 'employer_engagement', 'other', name='activity', native_enum=False, create_constraint=True, length=30), nullable=False),
    sa.Column('source', sa.Enum('provider', 'subcontractor', 'employer', 'third_tier', 'other', name='source', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('source_name', sa.String(length=200), nullable=True),
    sa.Column('objective_id', sa.Integer(), nullable=True),
    sa.Column('mode', sa.Enum('face_to_face', 'phone', 'video', 'group', name='mode', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('quarters', sa.Integer(), nullable=False),
    sa.Column('description', sa.String(length=300), nullable=False),
    sa.Column('entered_by_id', sa.Integer(), nullable=False),
    sa.Column('entered_by_organisation_id', sa.Integer(), nullable=False),
    sa.Column('entered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('removed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('lock_version', sa.Integer(), nullable=False),
    sa.CheckConstraint('quarters > 0 AND quarters <= 96', name=op.f('ck_hours_entry_quarter_hours_in_a_day')),
    sa.ForeignKeyConstraint(['entered_by_id'], ['user_account.id'], name=op.f('fk_hours_entry_entered_by_id_user_account')),
    sa.ForeignKeyConstraint(['entered_by_organisation_id'], ['organisation.id'], name=op.f('fk_hours_entry_entered_by_organisation_id_organisation')),
    sa.ForeignKeyConstraint(['objective_id'], ['plan_objective.id'], name=op.f('fk_hours_entry_objective_id_plan_objective')),
    sa.ForeignKeyConstraint(['referral_id'], ['referral.id'], name=op.f('fk_hours_entry_referral_id_referral')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hours_entry'))
    )
    with op.batch_alter_table('hours_entry', schema=None) as batch_op:
        batch_op.create_index('ix_hours_entry_referral_week', ['referral_id', 'week_start'], unique=False)

    op.create_table('hours_amendment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('before', sa.Text(), nullable=False),
    sa.Column('changed_by_id', sa.Integer(), nullable=False),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['changed_by_id'], ['user_account.id'], name=op.f('fk_hours_amendment_changed_by_id_user_account')),
    sa.ForeignKeyConstraint(['entry_id'], ['hours_entry.id'], name=op.f('fk_hours_amendment_entry_id_hours_entry')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hours_amendment'))
    )
    with op.batch_alter_table('hours_amendment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_hours_amendment_entry_id'), ['entry_id'], unique=False)

    _keep_history()


# R-HRS-7: the earlier figures of a week cannot be edited away.
GUARDS = (("hours_amendment", "UPDATE OR DELETE", ("UPDATE", "DELETE")), ("hours_entry", "DELETE", ("DELETE",)))


def _keep_history():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("""
            CREATE FUNCTION hours_history_kept() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN RAISE EXCEPTION '% keeps its history: rows cannot be changed or deleted', TG_TABLE_NAME; END $$
        """)
        for table, events, _verbs in GUARDS:
            op.execute(f"CREATE TRIGGER {table}_history_kept BEFORE {events} ON {table} "
                       "FOR EACH ROW EXECUTE FUNCTION hours_history_kept()")
    else:
        for table, _events, verbs in GUARDS:
            for verb in verbs:
                op.execute(f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
                           f"BEGIN SELECT RAISE(ABORT, '{table} keeps its history'); END")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for table, _events, _verbs in GUARDS:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_history_kept ON {table}")
        op.execute("DROP FUNCTION IF EXISTS hours_history_kept()")
    with op.batch_alter_table('hours_amendment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_hours_amendment_entry_id'))

    op.drop_table('hours_amendment')
    with op.batch_alter_table('hours_entry', schema=None) as batch_op:
        batch_op.drop_index('ix_hours_entry_referral_week')

    op.drop_table('hours_entry')
    op.drop_table('in_work_week')
    with op.batch_alter_table('in_work_job', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_in_work_job_referral_id'))

    op.drop_table('in_work_job')
