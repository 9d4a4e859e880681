"""Data policy (R-DATA-1..8): policy rows seeded with DOMAIN §3, consents, audit links, API clients.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24 09:16:27.784565

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():

    op.create_table('api_client',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_client')),
    sa.UniqueConstraint('name', name=op.f('uq_api_client_name'))
    )
    op.create_table('policy_rule',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('field', sa.String(length=40), nullable=False),
    sa.Column('programme_id', sa.Integer(), nullable=True),
    sa.Column('audience', sa.Enum('provider', 'subcontractor', 'referral_officer', 'inspector', name='audience', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('accredited', sa.Boolean(), nullable=True),
    sa.Column('access', sa.Enum('full', 'masked', 'with_consent', 'hidden', name='access', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('note', sa.String(length=200), nullable=True),
    sa.ForeignKeyConstraint(['programme_id'], ['programme.id'], name=op.f('fk_policy_rule_programme_id_programme')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_policy_rule')),
    sa.UniqueConstraint('field', 'programme_id', 'audience', 'accredited', name='uq_policy_rule_key')
    )
    with op.batch_alter_table('policy_rule', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_policy_rule_field'), ['field'], unique=False)

    op.create_table('api_token',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('prefix', sa.String(length=12), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['client_id'], ['api_client.id'], name=op.f('fk_api_token_client_id_api_client')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_api_token_created_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_token')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_api_token_token_hash'))
    )
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_token_client_id'), ['client_id'], unique=False)

    op.create_table('consent',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('data_sharing', 'health', 'support_network', name='consentkind', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('health_items', sa.String(length=200), nullable=False),
    sa.Column('people', sa.Text(), nullable=True),
    sa.Column('given_on', sa.Date(), nullable=True),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('withdrawn_on', sa.Date(), nullable=True),
    sa.Column('withdrawn_by_id', sa.Integer(), nullable=True),
    sa.Column('withdrawn_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_consent_customer_id_customer'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_consent_organisation_id_organisation')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user_account.id'], name=op.f('fk_consent_recorded_by_id_user_account')),
    sa.ForeignKeyConstraint(['withdrawn_by_id'], ['user_account.id'], name=op.f('fk_consent_withdrawn_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consent'))
    )
    with op.batch_alter_table('consent', schema=None) as batch_op:
        batch_op.create_index('ix_consent_customer_org', ['customer_id', 'organisation_id'], unique=False)

    op.create_table('audit_event_customer',
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_audit_event_customer_customer_id_customer')),
    sa.ForeignKeyConstraint(['event_id'], ['audit_event.id'], name=op.f('fk_audit_event_customer_event_id_audit_event')),
    sa.PrimaryKeyConstraint('event_id', 'customer_id', name=op.f('pk_audit_event_customer'))
    )
    with op.batch_alter_table('audit_event_customer', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_event_customer_customer_id'), ['customer_id'], unique=False)

    op.create_table('idempotency_record',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('request_hash', sa.String(length=64), nullable=False),
    sa.Column('status_code', sa.Integer(), nullable=False),
    sa.Column('response_body', sa.Text(), nullable=False),
    sa.Column('referral_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['client_id'], ['api_client.id'], name=op.f('fk_idempotency_record_client_id_api_client')),
    sa.ForeignKeyConstraint(['referral_id'], ['referral.id'], name=op.f('fk_idempotency_record_referral_id_referral')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_idempotency_record')),
    sa.UniqueConstraint('client_id', 'key', name='uq_idempotency_record_client_key')
    )


    _seed_default_policy()
    _make_audit_links_append_only()


# DOMAIN §3, as groups of DWP fields.
GROUPS = {
    "basic": ("name", "appointments", "preferred_language", "format_needs"),
    "nino": ("nino",),
    "dob": ("date_of_birth",),
    "contact": ("address", "postcode", "phone", "email"),
    "benefit": ("benefit_type", "wca_group", "wca_decision_date", "jobcentre", "work_coach", "lse_eligibility"),
    "health": ("health_summary", "medical_details"),
    "restricted": ("sanction_history", "regulation_29", "armed_forces"),
}
ACCREDITED_PROVIDER = {"basic": "full", "nino": "masked", "dob": "full", "contact": "full", "benefit": "full",
                       "health": "with_consent", "restricted": "hidden"}
MINIMUM = {"basic": "full", "nino": "hidden", "dob": "hidden", "contact": "hidden", "benefit": "hidden",
           "health": "hidden", "restricted": "hidden"}
SUBCONTRACTOR = {"basic": "full", "nino": "hidden", "dob": "hidden", "contact": "full", "benefit": "hidden",
                 "health": "with_consent", "restricted": "hidden"}
EVERYTHING = {group: "full" for group in GROUPS}

# (audience, programme code or None, accredited or None, access by group, note)
DEFAULT_POLICY = [
    ("provider", "SES", None, ACCREDITED_PROVIDER, "DOMAIN 3: SES"),
    ("provider", "WORK_CHOICE", None, ACCREDITED_PROVIDER, "DOMAIN 3: Work Choice"),
    ("provider", "LSE", None, ACCREDITED_PROVIDER, "DOMAIN 3: LSE"),
    ("provider", "J2E", None, MINIMUM, "R-DATA-2: J2E providers"),
    ("provider", None, False, MINIMUM, "R-DATA-2: any organisation not DWP security accredited"),
    ("subcontractor", None, None, SUBCONTRACTOR, "R-DATA-6: sub-contractors"),
    ("inspector", None, None, EVERYTHING, "DWP inspectors"),
    ("referral_officer", None, None, EVERYTHING, "DWP referral officers"),
]


def _seed_default_policy():
    connection = op.get_bind()
    programme_ids = dict(connection.execute(sa.text("SELECT code, id FROM programme")).all())
    rule = sa.table("policy_rule", sa.column("field", sa.String), sa.column("programme_id", sa.Integer),
                    sa.column("audience", sa.String), sa.column("accredited", sa.Boolean),
                    sa.column("access", sa.String), sa.column("note", sa.String))
    rows = []
    for audience, code, accredited, accesses, note in DEFAULT_POLICY:
        for group, fields in GROUPS.items():
            for field in fields:
                rows.append({"field": field, "programme_id": programme_ids[code] if code else None,
                             "audience": audience, "accredited": accredited, "access": accesses[group], "note": note})
    op.bulk_insert(rule, rows)


def _make_audit_links_append_only():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE TRIGGER audit_event_customer_no_change BEFORE UPDATE OR DELETE ON audit_event_customer "
                   "FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()")
        op.execute("CREATE TRIGGER audit_event_customer_no_truncate BEFORE TRUNCATE ON audit_event_customer "
                   "FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only()")
    else:
        for verb in ("UPDATE", "DELETE"):
            op.execute(f"CREATE TRIGGER audit_event_customer_no_{verb.lower()} BEFORE {verb} ON audit_event_customer "
                       "BEGIN SELECT RAISE(ABORT, 'audit_event_customer is append-only'); END")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_event_customer_no_truncate ON audit_event_customer")
        op.execute("DROP TRIGGER IF EXISTS audit_event_customer_no_change ON audit_event_customer")

    op.drop_table('idempotency_record')
    with op.batch_alter_table('audit_event_customer', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_event_customer_customer_id'))

    op.drop_table('audit_event_customer')
    with op.batch_alter_table('consent', schema=None) as batch_op:
        batch_op.drop_index('ix_consent_customer_org')

    op.drop_table('consent')
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_token_client_id'))

    op.drop_table('api_token')
    with op.batch_alter_table('policy_rule', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_policy_rule_field'))

    op.drop_table('policy_rule')
    op.drop_table('api_client')

