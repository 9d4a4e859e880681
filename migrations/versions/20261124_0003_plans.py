"""Individual Support Plans (R-ISP-1..10, R-SIGN-1): versions, content tables, signatures, reviews,
distance travelled (domains seeded per programme).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24 09:24:08.589509

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('distance_domain',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('programme_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('label', sa.String(length=120), nullable=False),
    sa.Column('label_cy', sa.String(length=120), nullable=True),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['programme_id'], ['programme.id'], name=op.f('fk_distance_domain_programme_id_programme')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_distance_domain')),
    sa.UniqueConstraint('programme_id', 'code', name='uq_distance_domain_code')
    )
    op.create_table('unsaved_draft',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('path', sa.String(length=300), nullable=False),
    sa.Column('form_json', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_unsaved_draft_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_unsaved_draft'))
    )
    with op.batch_alter_table('unsaved_draft', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_unsaved_draft_user_id'), ['user_id'], unique=False)

    op.create_table('plan',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('programme_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('next_review_on', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_plan_customer_id_customer'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['programme_id'], ['programme.id'], name=op.f('fk_plan_programme_id_programme')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan'))
    )
    with op.batch_alter_table('plan', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_customer_id'), ['customer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_plan_next_review_on'), ['next_review_on'], unique=False)

    op.create_table('distance_assessment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('assessed_on', sa.Date(), nullable=True),
    sa.Column('label', sa.String(length=60), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['plan_id'], ['plan.id'], name=op.f('fk_distance_assessment_plan_id_plan'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user_account.id'], name=op.f('fk_distance_assessment_recorded_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_distance_assessment'))
    )
    with op.batch_alter_table('distance_assessment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_distance_assessment_plan_id'), ['plan_id'], unique=False)

    op.create_table('plan_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('referral_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.Enum('draft', 'awaiting_signatures', 'agreed', 'superseded', name='versionstatus', native_enum=False, create_constraint=True, length=24), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('sent_for_signature_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('agreed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('superseded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('content_hash', sa.String(length=64), nullable=True),
    sa.Column('lock_version', sa.Integer(), nullable=False),
    sa.Column('needs_assessment', sa.Text(), nullable=True),
    sa.Column('needs_assessed_on', sa.Date(), nullable=True),
    sa.Column('aspirations', sa.Text(), nullable=True),
    sa.Column('job_goal', sa.String(length=300), nullable=True),
    sa.Column('target_weekly_hours', sa.Numeric(precision=5, scale=2), nullable=True),
    sa.Column('target_hours_reason', sa.Text(), nullable=True),
    sa.Column('length_rationale', sa.Text(), nullable=True),
    sa.Column('review_every_weeks', sa.Integer(), nullable=True),
    sa.Column('first_review_on', sa.Date(), nullable=True),
    sa.Column('permitted_work', sa.Boolean(), nullable=True),
    sa.Column('permitted_work_hours', sa.Numeric(precision=5, scale=2), nullable=True),
    sa.Column('permitted_work_details', sa.Text(), nullable=True),
    sa.Column('strand', sa.String(length=20), nullable=True),
    sa.Column('dea_approval_name', sa.String(length=120), nullable=True),
    sa.Column('dea_approval_on', sa.Date(), nullable=True),
    sa.Column('in_work', sa.Boolean(), nullable=False),
    sa.Column('employer_name', sa.String(length=200), nullable=True),
    sa.Column('job_title', sa.String(length=200), nullable=True),
    sa.Column('job_start_on', sa.Date(), nullable=True),
    sa.Column('check_settled_in', sa.Text(), nullable=True),
    sa.Column('check_transport', sa.Text(), nullable=True),
    sa.Column('check_benefits_advice', sa.Text(), nullable=True),
    sa.Column('check_adjustments', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_plan_version_created_by_id_user_account')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_plan_version_organisation_id_organisation')),
    sa.ForeignKeyConstraint(['plan_id'], ['plan.id'], name=op.f('fk_plan_version_plan_id_plan'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['referral_id'], ['referral.id'], name=op.f('fk_plan_version_referral_id_referral')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_version')),
    sa.UniqueConstraint('plan_id', 'number', name='uq_plan_version_number')
    )
    with op.batch_alter_table('plan_version', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_version_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_plan_version_plan_id'), ['plan_id'], unique=False)

    op.create_table('distance_score',
    sa.Column('assessment_id', sa.Integer(), nullable=False),
    sa.Column('domain_id', sa.Integer(), nullable=False),
    sa.Column('score', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['assessment_id'], ['distance_assessment.id'], name=op.f('fk_distance_score_assessment_id_distance_assessment'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['domain_id'], ['distance_domain.id'], name=op.f('fk_distance_score_domain_id_distance_domain')),
    sa.PrimaryKeyConstraint('assessment_id', 'domain_id', name=op.f('pk_distance_score'))
    )
    op.create_table('plan_barrier',
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('category', sa.String(length=30), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('impact', sa.Text(), nullable=True),
    sa.Column('response', sa.Text(), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=16), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['version_id'], ['plan_version.id'], name=op.f('fk_plan_barrier_version_id_plan_version'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_barrier'))
    )
    with op.batch_alter_table('plan_barrier', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_barrier_version_id'), ['version_id'], unique=False)

    op.create_table('plan_funding',
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=200), nullable=False),
    sa.Column('purpose', sa.Text(), nullable=False),
    sa.Column('amount', sa.Numeric(precision=10, scale=2), nullable=True),
    sa.Column('outcome', sa.String(length=200), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=16), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['version_id'], ['plan_version.id'], name=op.f('fk_plan_funding_version_id_plan_version'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_funding'))
    )
    with op.batch_alter_table('plan_funding', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_funding_version_id'), ['version_id'], unique=False)

    op.create_table('plan_milestone',
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('agreed_on', sa.Date(), nullable=True),
    sa.Column('achieved_on', sa.Date(), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=16), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['version_id'], ['plan_version.id'], name=op.f('fk_plan_milestone_version_id_plan_version'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_milestone'))
    )
    with op.batch_alter_table('plan_milestone', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_milestone_version_id'), ['version_id'], unique=False)

    op.create_table('plan_objective',
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('what', sa.Text(), nullable=False),
    sa.Column('how_often', sa.String(length=200), nullable=True),
    sa.Column('measure', sa.String(length=300), nullable=True),
    sa.Column('target_on', sa.Date(), nullable=True),
    sa.Column('achieved_on', sa.Date(), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=16), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['version_id'], ['plan_version.id'], name=op.f('fk_plan_objective_version_id_plan_version'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_objective'))
    )
    with op.batch_alter_table('plan_objective', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_objective_version_id'), ['version_id'], unique=False)

    op.create_table('plan_party',
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('required', sa.Boolean(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=16), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['version_id'], ['plan_version.id'], name=op.f('fk_plan_party_version_id_plan_version'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_party'))
    )
    with op.batch_alter_table('plan_party', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_party_version_id'), ['version_id'], unique=False)

    op.create_table('plan_review',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=True),
    sa.Column('held_on', sa.Date(), nullable=True),
    sa.Column('participants', sa.Text(), nullable=False),
    sa.Column('what_changed', sa.Text(), nullable=True),
    sa.Column('next_review_on', sa.Date(), nullable=True),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['plan_id'], ['plan.id'], name=op.f('fk_plan_review_plan_id_plan'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user_account.id'], name=op.f('fk_plan_review_recorded_by_id_user_account')),
    sa.ForeignKeyConstraint(['version_id'], ['plan_version.id'], name=op.f('fk_plan_review_version_id_plan_version')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_review'))
    )
    with op.batch_alter_table('plan_review', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_review_plan_id'), ['plan_id'], unique=False)

    op.create_table('plan_support_item',
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('deliverer', sa.String(length=20), nullable=False),
    sa.Column('deliverer_name', sa.String(length=200), nullable=True),
    sa.Column('planned_hours', sa.Numeric(precision=6, scale=2), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=16), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['version_id'], ['plan_version.id'], name=op.f('fk_plan_support_item_version_id_plan_version'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_support_item'))
    )
    with op.batch_alter_table('plan_support_item', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_support_item_version_id'), ['version_id'], unique=False)

    op.create_table('plan_taper_step',
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('from_week', sa.Integer(), nullable=False),
    sa.Column('to_week', sa.Integer(), nullable=True),
    sa.Column('support', sa.Text(), nullable=False),
    sa.Column('hours_per_week', sa.Numeric(precision=5, scale=2), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=16), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['version_id'], ['plan_version.id'], name=op.f('fk_plan_taper_step_version_id_plan_version'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_taper_step'))
    )
    with op.batch_alter_table('plan_taper_step', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_taper_step_version_id'), ['version_id'], unique=False)

    op.create_table('plan_signature',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('party_id', sa.Integer(), nullable=False),
    sa.Column('method', sa.Enum('in_person', 'remote_link', 'representative', 'verbal_witnessed', 'adviser', name='signaturemethod', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('typed_name', sa.String(length=200), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('signed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('declaration', sa.Text(), nullable=False),
    sa.Column('language', sa.String(length=2), nullable=False),
    sa.Column('document_format', sa.String(length=20), nullable=False),
    sa.Column('representative_relationship', sa.String(length=120), nullable=True),
    sa.Column('representative_reason', sa.Text(), nullable=True),
    sa.Column('witness_name', sa.String(length=200), nullable=True),
    sa.Column('drawn_signature_png', sa.Text(), nullable=True),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('ip_address', sa.String(length=45), nullable=True),
    sa.Column('user_agent', sa.String(length=300), nullable=True),
    sa.ForeignKeyConstraint(['party_id'], ['plan_party.id'], name=op.f('fk_plan_signature_party_id_plan_party')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user_account.id'], name=op.f('fk_plan_signature_recorded_by_id_user_account')),
    sa.ForeignKeyConstraint(['version_id'], ['plan_version.id'], name=op.f('fk_plan_signature_version_id_plan_version')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_signature'))
    )
    with op.batch_alter_table('plan_signature', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_signature_version_id'), ['version_id'], unique=False)

    op.create_table('plan_signing_link',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('party_id', sa.Integer(), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('failed_checks', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_plan_signing_link_created_by_id_user_account')),
    sa.ForeignKeyConstraint(['party_id'], ['plan_party.id'], name=op.f('fk_plan_signing_link_party_id_plan_party')),
    sa.ForeignKeyConstraint(['version_id'], ['plan_version.id'], name=op.f('fk_plan_signing_link_version_id_plan_version')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_signing_link')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_plan_signing_link_token_hash'))
    )
    with op.batch_alter_table('plan_signing_link', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_signing_link_version_id'), ['version_id'], unique=False)

    op.create_table('plan_support_item_objective',
    sa.Column('support_item_id', sa.Integer(), nullable=False),
    sa.Column('objective_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['objective_id'], ['plan_objective.id'], name=op.f('fk_plan_support_item_objective_objective_id_plan_objective'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['support_item_id'], ['plan_support_item.id'], name=op.f('fk_plan_support_item_objective_support_item_id_plan_support_item'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('support_item_id', 'objective_id', name=op.f('pk_plan_support_item_objective'))
    )
    _seed_distance_domains()


# R-ISP-6: the distance-travelled domains each programme scores, as data (English, Welsh).
DOMAINS = [
    ("confidence", "Confidence", "Hyder"),
    ("job_search", "Job-search skills", "Sgiliau chwilio am swydd"),
    ("motivation", "Motivation", "Cymhelliant"),
    ("health_at_work", "Managing health at work", "Rheoli iechyd yn y gwaith"),
    ("communication", "Communication", "Cyfathrebu"),
    ("independence", "Getting about independently", "Teithio'n annibynnol"),
]
PROGRAMME_DOMAINS = {
    "SES": ["confidence", "job_search", "motivation", "health_at_work"],
    "WORK_CHOICE": ["confidence", "job_search", "motivation", "health_at_work"],
    "LSE": ["confidence", "communication", "independence", "health_at_work"],
    "J2E": ["confidence", "job_search", "motivation"],
}


def _seed_distance_domains():
    connection = op.get_bind()
    programme_ids = dict(connection.execute(sa.text("SELECT code, id FROM programme")).all())
    labels = {code: (en, cy) for code, en, cy in DOMAINS}
    table = sa.table("distance_domain", sa.column("programme_id", sa.Integer), sa.column("code", sa.String),
                     sa.column("label", sa.String), sa.column("label_cy", sa.String), sa.column("position", sa.Integer))
    rows = []
    for programme, codes in PROGRAMME_DOMAINS.items():
        for position, code in enumerate(codes):
            rows.append({"programme_id": programme_ids[programme], "code": code, "label": labels[code][0],
                         "label_cy": labels[code][1], "position": position})
    op.bulk_insert(table, rows)


def downgrade():
    op.drop_table('plan_support_item_objective')
    with op.batch_alter_table('plan_signing_link', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_signing_link_version_id'))

    op.drop_table('plan_signing_link')
    with op.batch_alter_table('plan_signature', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_signature_version_id'))

    op.drop_table('plan_signature')
    with op.batch_alter_table('plan_taper_step', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_taper_step_version_id'))

    op.drop_table('plan_taper_step')
    with op.batch_alter_table('plan_support_item', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_support_item_version_id'))

    op.drop_table('plan_support_item')
    with op.batch_alter_table('plan_review', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_review_plan_id'))

    op.drop_table('plan_review')
    with op.batch_alter_table('plan_party', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_party_version_id'))

    op.drop_table('plan_party')
    with op.batch_alter_table('plan_objective', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_objective_version_id'))

    op.drop_table('plan_objective')
    with op.batch_alter_table('plan_milestone', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_milestone_version_id'))

    op.drop_table('plan_milestone')
    with op.batch_alter_table('plan_funding', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_funding_version_id'))

    op.drop_table('plan_funding')
    with op.batch_alter_table('plan_barrier', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_barrier_version_id'))

    op.drop_table('plan_barrier')
    op.drop_table('distance_score')
    with op.batch_alter_table('plan_version', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_version_plan_id'))
        batch_op.drop_index(batch_op.f('ix_plan_version_organisation_id'))

    op.drop_table('plan_version')
    with op.batch_alter_table('distance_assessment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_distance_assessment_plan_id'))

    op.drop_table('distance_assessment')
    with op.batch_alter_table('plan', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_next_review_on'))
        batch_op.drop_index(batch_op.f('ix_plan_customer_id'))

    op.drop_table('plan')
    with op.batch_alter_table('unsaved_draft', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_unsaved_draft_user_id'))

    op.drop_table('unsaved_draft')
    op.drop_table('distance_domain')
