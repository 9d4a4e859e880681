"""Foundation: organisations, programmes, accounts, customers, referrals, audit trail.

Revision ID: 0001
Revises: 
Create Date: 2026-11-24 09:09:05.195827

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('organisation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.Enum('private_provider', 'voluntary', 'local_authority', 'dwp', name='organisationkind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('security_accredited', sa.Boolean(), nullable=False),
    sa.Column('prime_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['prime_id'], ['organisation.id'], name=op.f('fk_organisation_prime_id_organisation')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_organisation')),
    sa.UniqueConstraint('name', name=op.f('uq_organisation_name'))
    )
    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_organisation_prime_id'), ['prime_id'], unique=False)

    op.create_table('outbox_message',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('recipient', sa.String(length=254), nullable=False),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('purpose', sa.String(length=40), nullable=False),
    sa.Column('delivered_by', sa.String(length=10), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox_message'))
    )
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outbox_message_created_at'), ['created_at'], unique=False)

    op.create_table('programme',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('duration_weeks', sa.Integer(), nullable=True),
    sa.Column('cohort_size', sa.Integer(), nullable=True),
    sa.Column('cohort_weeks', sa.Integer(), nullable=True),
    sa.Column('cohorts_per_year', sa.Integer(), nullable=True),
    sa.Column('min_aspired_weekly_hours', sa.Integer(), nullable=True),
    sa.Column('eso_places', sa.String(length=16), nullable=False),
    sa.Column('eligibility_checks', sa.String(length=255), nullable=False),
    sa.Column('requires_dwp_confirmation', sa.Boolean(), nullable=False),
    sa.Column('requires_accreditation', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_programme')),
    sa.UniqueConstraint('code', name=op.f('uq_programme_code'))
    )
    op.create_table('organisation_programme',
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('programme_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_organisation_programme_organisation_id_organisation'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['programme_id'], ['programme.id'], name=op.f('fk_organisation_programme_programme_id_programme'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('organisation_id', 'programme_id', name=op.f('pk_organisation_programme'))
    )
    op.create_table('user_account',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('role', sa.Enum('adviser', 'manager', 'referral_officer', 'inspector', 'admin', name='role', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=True),
    sa.Column('password_hash', sa.String(length=255), nullable=True),
    sa.Column('is_enabled', sa.Boolean(), nullable=False),
    sa.Column('totp_secret_encrypted', sa.String(length=255), nullable=True),
    sa.Column('totp_confirmed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('totp_last_timecode', sa.Integer(), nullable=True),
    sa.Column('failed_sign_in_count', sa.Integer(), nullable=False),
    sa.Column('throttled_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('password_changed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_sign_in_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_user_account_organisation_id_organisation')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user_account')),
    sa.UniqueConstraint('email', name=op.f('uq_user_account_email'))
    )
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_account_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('customer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_customer_created_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_customer')),
    sa.UniqueConstraint('reference', name=op.f('uq_customer_reference'))
    )
    op.create_table('invitation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('role', sa.Enum('adviser', 'manager', 'referral_officer', 'inspector', 'admin', name='role', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=True),
    sa.Column('invited_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['invited_by_id'], ['user_account.id'], name=op.f('fk_invitation_invited_by_id_user_account')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_invitation_organisation_id_organisation')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invitation')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_invitation_token_hash'))
    )
    with op.batch_alter_table('invitation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_invitation_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('password_reset',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_password_reset_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_password_reset')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_password_reset_token_hash'))
    )
    with op.batch_alter_table('password_reset', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_password_reset_user_id'), ['user_id'], unique=False)

    op.create_table('user_session',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('ended_reason', sa.String(length=40), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_user_session_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user_session')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_user_session_token_hash'))
    )
    with op.batch_alter_table('user_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_session_user_id'), ['user_id'], unique=False)

    op.create_table('audit_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('action', sa.String(length=64), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('actor_email', sa.String(length=254), nullable=True),
    sa.Column('actor_role', sa.String(length=32), nullable=True),
    sa.Column('actor_organisation_id', sa.Integer(), nullable=True),
    sa.Column('customer_id', sa.Integer(), nullable=True),
    sa.Column('subject_type', sa.String(length=40), nullable=True),
    sa.Column('subject_id', sa.Integer(), nullable=True),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.Column('ip_address', sa.String(length=45), nullable=True),
    sa.Column('previous_hash', sa.String(length=64), nullable=False),
    sa.Column('event_hash', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['user_account.id'], name=op.f('fk_audit_event_actor_id_user_account')),
    sa.ForeignKeyConstraint(['actor_organisation_id'], ['organisation.id'], name=op.f('fk_audit_event_actor_organisation_id_organisation')),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_audit_event_customer_id_customer')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_event'))
    )
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_event_action'), ['action'], unique=False)
        batch_op.create_index('ix_audit_event_customer_occurred', ['customer_id', 'occurred_at'], unique=False)

    op.create_table('dwp_record',
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('nino', sa.String(length=9), nullable=False),
    sa.Column('first_name', sa.String(length=100), nullable=False),
    sa.Column('last_name', sa.String(length=100), nullable=False),
    sa.Column('search_name', sa.String(length=201), nullable=False),
    sa.Column('date_of_birth', sa.Date(), nullable=True),
    sa.Column('address', sa.String(length=400), nullable=True),
    sa.Column('postcode', sa.String(length=10), nullable=True),
    sa.Column('phone', sa.String(length=40), nullable=True),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.Column('benefit_type', sa.String(length=32), nullable=True),
    sa.Column('wca_group', sa.String(length=32), nullable=True),
    sa.Column('wca_decision_date', sa.Date(), nullable=True),
    sa.Column('claim_date', sa.Date(), nullable=True),
    sa.Column('health_summary', sa.Text(), nullable=True),
    sa.Column('medical_details', sa.Text(), nullable=True),
    sa.Column('sanction_history', sa.Text(), nullable=True),
    sa.Column('regulation_29', sa.Boolean(), nullable=False),
    sa.Column('armed_forces', sa.Boolean(), nullable=False),
    sa.Column('jobcentre', sa.String(length=120), nullable=True),
    sa.Column('work_coach', sa.String(length=120), nullable=True),
    sa.Column('preferred_language', sa.String(length=2), nullable=False),
    sa.Column('format_needs', sa.String(length=20), nullable=False),
    sa.Column('learning_disability_or_autism', sa.Boolean(), nullable=False),
    sa.Column('secondary_mental_health', sa.Boolean(), nullable=False),
    sa.Column('on_other_dwp_provision', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_dwp_record_customer_id_customer'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('customer_id', name=op.f('pk_dwp_record'))
    )
    with op.batch_alter_table('dwp_record', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dwp_record_search_name'), ['search_name'], unique=False)

    op.create_table('referral',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('programme_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('referred', 'started', 'completed', 'exited_early', 'transferred', name='referralstatus', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('adviser_id', sa.Integer(), nullable=True),
    sa.Column('subcontractor_id', sa.Integer(), nullable=True),
    sa.Column('eso_place', sa.Boolean(), nullable=False),
    sa.Column('referred_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('referred_by_id', sa.Integer(), nullable=True),
    sa.Column('eligibility_confirmed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('eligibility_confirmed_by_id', sa.Integer(), nullable=True),
    sa.Column('started_on', sa.Date(), nullable=True),
    sa.Column('ended_on', sa.Date(), nullable=True),
    sa.Column('exit_reason', sa.String(length=500), nullable=True),
    sa.Column('transferred_from_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['adviser_id'], ['user_account.id'], name=op.f('fk_referral_adviser_id_user_account')),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_referral_customer_id_customer'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['eligibility_confirmed_by_id'], ['user_account.id'], name=op.f('fk_referral_eligibility_confirmed_by_id_user_account')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_referral_organisation_id_organisation')),
    sa.ForeignKeyConstraint(['programme_id'], ['programme.id'], name=op.f('fk_referral_programme_id_programme')),
    sa.ForeignKeyConstraint(['referred_by_id'], ['user_account.id'], name=op.f('fk_referral_referred_by_id_user_account')),
    sa.ForeignKeyConstraint(['subcontractor_id'], ['organisation.id'], name=op.f('fk_referral_subcontractor_id_organisation')),
    sa.ForeignKeyConstraint(['transferred_from_id'], ['referral.id'], name=op.f('fk_referral_transferred_from_id_referral')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_referral'))
    )
    with op.batch_alter_table('referral', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_referral_adviser_id'), ['adviser_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_referral_customer_id'), ['customer_id'], unique=False)
        batch_op.create_index('ix_referral_org_referred_at', ['organisation_id', 'referred_at'], unique=False)
        batch_op.create_index('ix_referral_org_status', ['organisation_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_referral_programme_id'), ['programme_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_referral_subcontractor_id'), ['subcontractor_id'], unique=False)

    op.create_table('appointment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('referral_id', sa.Integer(), nullable=True),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('location', sa.String(length=200), nullable=False),
    sa.Column('details', sa.String(length=500), nullable=True),
    sa.Column('booked_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['booked_by_id'], ['user_account.id'], name=op.f('fk_appointment_booked_by_id_user_account')),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_appointment_customer_id_customer'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['referral_id'], ['referral.id'], name=op.f('fk_appointment_referral_id_referral'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_appointment'))
    )
    with op.batch_alter_table('appointment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_appointment_customer_id'), ['customer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_appointment_referral_id'), ['referral_id'], unique=False)

    op.create_table('referral_transition',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('referral_id', sa.Integer(), nullable=False),
    sa.Column('from_status', sa.Enum('referred', 'started', 'completed', 'exited_early', 'transferred', name='from_status', native_enum=False, create_constraint=True, length=20), nullable=True),
    sa.Column('to_status', sa.Enum('referred', 'started', 'completed', 'exited_early', 'transferred', name='to_status', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('effective_on', sa.Date(), nullable=True),
    sa.Column('reason', sa.String(length=500), nullable=True),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user_account.id'], name=op.f('fk_referral_transition_recorded_by_id_user_account')),
    sa.ForeignKeyConstraint(['referral_id'], ['referral.id'], name=op.f('fk_referral_transition_referral_id_referral'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_referral_transition'))
    )
    with op.batch_alter_table('referral_transition', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_referral_transition_referral_id'), ['referral_id'], unique=False)
    _seed_reference_data()
    _make_audit_append_only()


PROGRAMMES = [
    # code, name, duration_weeks, cohort_size, cohort_weeks, cohorts_per_year, min hours, eso_places, checks,
    # DWP confirms eligibility, delivered only by accredited organisations
    ("SES", "Specialist Employability Support", 52, None, None, None, 16, "optional", "eso", False, True),
    ("J2E", "Journey to Employment job club", 12, 15, 12, 8, None, "always", "eso", False, False),
    ("LSE", "Local Supported Employment", None, None, None, None, None, "never",
     "lse_benefit lse_condition no_other_provision", True, True),
    ("WORK_CHOICE", "Work Choice supported employment", None, None, None, None, 16, "never", "", False, True),
]


def _seed_reference_data():
    programme = sa.table(
        "programme", sa.column("code", sa.String), sa.column("name", sa.String),
        sa.column("duration_weeks", sa.Integer), sa.column("cohort_size", sa.Integer),
        sa.column("cohort_weeks", sa.Integer), sa.column("cohorts_per_year", sa.Integer),
        sa.column("min_aspired_weekly_hours", sa.Integer), sa.column("eso_places", sa.String),
        sa.column("eligibility_checks", sa.String), sa.column("requires_dwp_confirmation", sa.Boolean),
        sa.column("requires_accreditation", sa.Boolean),
    )
    keys = ["code", "name", "duration_weeks", "cohort_size", "cohort_weeks", "cohorts_per_year",
            "min_aspired_weekly_hours", "eso_places", "eligibility_checks", "requires_dwp_confirmation",
            "requires_accreditation"]
    op.bulk_insert(programme, [dict(zip(keys, row)) for row in PROGRAMMES])
    organisation = sa.table("organisation", sa.column("name", sa.String), sa.column("kind", sa.String),
                            sa.column("security_accredited", sa.Boolean))
    op.bulk_insert(organisation, [{"name": "Department for Work and Pensions", "kind": "dwp", "security_accredited": True}])


def _make_audit_append_only():
    """R-AUD-1: the audit trail refuses UPDATE, DELETE (and on PostgreSQL, TRUNCATE)."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute("""
            CREATE FUNCTION audit_event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN RAISE EXCEPTION 'audit_event is append-only'; END $$
        """)
        op.execute("CREATE TRIGGER audit_event_no_change BEFORE UPDATE OR DELETE ON audit_event "
                   "FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()")
        op.execute("CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_event "
                   "FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only()")
    else:
        for verb in ("UPDATE", "DELETE"):
            op.execute(f"CREATE TRIGGER audit_event_no_{verb.lower()} BEFORE {verb} ON audit_event "
                       "BEGIN SELECT RAISE(ABORT, 'audit_event is append-only'); END")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_event_no_truncate ON audit_event")
        op.execute("DROP TRIGGER IF EXISTS audit_event_no_change ON audit_event")
        op.execute("DROP FUNCTION IF EXISTS audit_event_append_only()")
    with op.batch_alter_table('referral_transition', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_referral_transition_referral_id'))

    op.drop_table('referral_transition')
    with op.batch_alter_table('appointment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_appointment_referral_id'))
        batch_op.drop_index(batch_op.f('ix_appointment_customer_id'))

    op.drop_table('appointment')
    with op.batch_alter_table('referral', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_referral_subcontractor_id'))
        batch_op.drop_index(batch_op.f('ix_referral_programme_id'))
        batch_op.drop_index('ix_referral_org_status')
        batch_op.drop_index('ix_referral_org_referred_at')
        batch_op.drop_index(batch_op.f('ix_referral_customer_id'))
        batch_op.drop_index(batch_op.f('ix_referral_adviser_id'))

    op.drop_table('referral')
    with op.batch_alter_table('dwp_record', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dwp_record_search_name'))

    op.drop_table('dwp_record')
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_event_customer_occurred')
        batch_op.drop_index(batch_op.f('ix_audit_event_action'))

    op.drop_table('audit_event')
    with op.batch_alter_table('user_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_session_user_id'))

    op.drop_table('user_session')
    with op.batch_alter_table('password_reset', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_password_reset_user_id'))

    op.drop_table('password_reset')
    with op.batch_alter_table('invitation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_invitation_organisation_id'))

    op.drop_table('invitation')
    op.drop_table('customer')
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_account_organisation_id'))

    op.drop_table('user_account')
    op.drop_table('organisation_programme')
    op.drop_table('programme')
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outbox_message_created_at'))

    op.drop_table('outbox_message')
    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_organisation_prime_id'))

    op.drop_table('organisation')
