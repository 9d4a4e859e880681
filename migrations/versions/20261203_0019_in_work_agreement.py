"""The in-work support agreement as its own signed part of the plan (R-ISP-12, issue 15).

Moves each in-work plan version's in-work content (employer, job, the IFS 12 texts, the taper) into an
agreement of its own, with the version's status; an agreed version's customer, provider and employer
signatures are carried across to the agreement they covered. Employer signatures stored with the
method "adviser" (in person) or "remote_link" become "employer_in_person" / "employer_link".
An agreed or sent version keeps its own copy too, which its seal or content hash covers; a draft's
in-work part is moved (its agreement holds it), so the draft no longer carries it.

Revision ID: 0019
Revises: 0017
Create Date: 2026-12-03 16:50:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0019'
down_revision = '0017'
branch_labels = None
depends_on = None

OLD_METHODS = ('in_person', 'remote_link', 'representative', 'verbal_witnessed', 'adviser')
NEW_METHODS = OLD_METHODS + ('employer_in_person', 'employer_link')
STATUSES = ('draft', 'awaiting_signatures', 'agreed', 'superseded')


def _methods_check(values):
    return "method IN (" + ", ".join(f"'{v}'" for v in values) + ")"


def _method_enum(values, name):
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=20)


def upgrade():
    op.create_table('in_work_agreement',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('job_id', sa.Integer(), nullable=True),
    sa.Column('legacy_employer_name', sa.String(length=200), nullable=True),
    sa.Column('legacy_job_title', sa.String(length=200), nullable=True),
    sa.Column('legacy_started_on', sa.Date(), nullable=True),
    sa.Column('status', sa.Enum(*STATUSES, name='agreementstatus', native_enum=False, create_constraint=True,
                                length=24), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('sent_for_signature_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('agreed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('superseded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('content_hash', sa.String(length=64), nullable=True),
    sa.Column('lock_version', sa.Integer(), nullable=False),
    sa.Column('employer_contact_name', sa.String(length=200), nullable=True),
    sa.Column('employer_contact_role', sa.String(length=120), nullable=True),
    sa.Column('employer_email', sa.String(length=254), nullable=True),
    sa.Column('provider_contact', sa.Text(), nullable=True),
    sa.Column('settling_in', sa.Text(), nullable=True),
    sa.Column('transport', sa.Text(), nullable=True),
    sa.Column('benefits_advice', sa.Text(), nullable=True),
    sa.Column('support', sa.Text(), nullable=True),
    sa.Column('adjustments', sa.Text(), nullable=True),
    sa.Column('colleague_advice', sa.Text(), nullable=True),
    sa.Column('unexpected_issues', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_in_work_agreement_created_by_id_user_account')),
    sa.ForeignKeyConstraint(['job_id'], ['in_work_job.id'], name=op.f('fk_in_work_agreement_job_id_in_work_job')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_in_work_agreement_organisation_id_organisation')),
    sa.ForeignKeyConstraint(['plan_id'], ['plan.id'], name=op.f('fk_in_work_agreement_plan_id_plan'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_in_work_agreement')),
    sa.UniqueConstraint('plan_id', 'number', name='uq_in_work_agreement_number')
    )
    with op.batch_alter_table('in_work_agreement', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_in_work_agreement_plan_id'), ['plan_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_in_work_agreement_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_in_work_agreement_job_id'), ['job_id'], unique=False)

    op.create_table('in_work_signature',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agreement_id', sa.Integer(), nullable=False),
    sa.Column('party', sa.String(length=20), nullable=False),
    sa.Column('method', _method_enum(NEW_METHODS, 'inworksignaturemethod'), nullable=False),
    sa.Column('typed_name', sa.String(length=200), nullable=False),
    sa.Column('signer_role', sa.String(length=120), nullable=True),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('declaration', sa.Text(), nullable=False),
    sa.Column('language', sa.String(length=2), nullable=False),
    sa.Column('signed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('ip_address', sa.String(length=45), nullable=True),
    sa.Column('user_agent', sa.String(length=300), nullable=True),
    sa.ForeignKeyConstraint(['agreement_id'], ['in_work_agreement.id'], name=op.f('fk_in_work_signature_agreement_id_in_work_agreement')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user_account.id'], name=op.f('fk_in_work_signature_recorded_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_in_work_signature'))
    )
    with op.batch_alter_table('in_work_signature', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_in_work_signature_agreement_id'), ['agreement_id'], unique=False)

    op.create_table('in_work_check',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agreement_id', sa.Integer(), nullable=False),
    sa.Column('item', sa.String(length=30), nullable=False),
    sa.Column('done_on', sa.Date(), nullable=False),
    sa.Column('done_by', sa.String(length=200), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['agreement_id'], ['in_work_agreement.id'], name=op.f('fk_in_work_check_agreement_id_in_work_agreement'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user_account.id'], name=op.f('fk_in_work_check_recorded_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_in_work_check'))
    )
    with op.batch_alter_table('in_work_check', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_in_work_check_agreement_id'), ['agreement_id'], unique=False)

    op.create_table('in_work_signing_link',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('agreement_id', sa.Integer(), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('code_hash', sa.String(length=64), nullable=True),
    sa.Column('code_expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('codes_sent', sa.Integer(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('verified_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['agreement_id'], ['in_work_agreement.id'], name=op.f('fk_in_work_signing_link_agreement_id_in_work_agreement')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_in_work_signing_link_created_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_in_work_signing_link')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_in_work_signing_link_token_hash'))
    )
    with op.batch_alter_table('in_work_signing_link', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_in_work_signing_link_agreement_id'), ['agreement_id'], unique=False)

    with op.batch_alter_table('plan_taper_step', schema=None) as batch_op:
        batch_op.add_column(sa.Column('agreement_id', sa.Integer(), nullable=True))
        batch_op.alter_column('version_id', existing_type=sa.Integer(), nullable=True)
        batch_op.create_index(batch_op.f('ix_plan_taper_step_agreement_id'), ['agreement_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_plan_taper_step_agreement_id_in_work_agreement'),
                                    'in_work_agreement', ['agreement_id'], ['id'], ondelete='CASCADE')

    with op.batch_alter_table('plan_signature', schema=None) as batch_op:
        batch_op.alter_column('method', existing_type=_method_enum(OLD_METHODS, 'signaturemethod'),
                              type_=_method_enum(NEW_METHODS, 'signaturemethod'), existing_nullable=False)
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("ALTER TABLE plan_signature DROP CONSTRAINT IF EXISTS ck_plan_signature_signaturemethod")
        op.create_check_constraint('signaturemethod', 'plan_signature', _methods_check(NEW_METHODS))

    _fix_employer_methods()
    _move_in_work_content()


def _fix_employer_methods():
    """The employer signing in person was stored as "adviser": the party's role says who it was."""
    for old, new in (('adviser', 'employer_in_person'), ('remote_link', 'employer_link')):
        op.execute(sa.text(
            "UPDATE plan_signature SET method = :new WHERE method = :old AND party_id IN "
            "(SELECT id FROM plan_party WHERE role = 'employer')").bindparams(old=old, new=new))


PARTY_OF_ROLE = {'customer': 'customer', 'adviser': 'provider', 'employer': 'employer'}


def _move_in_work_content():
    bind = op.get_bind()
    versions = bind.execute(sa.text(
        "SELECT v.id, v.plan_id, v.number, v.organisation_id, v.referral_id, v.status, v.created_by_id, v.created_at, "
        "v.sent_for_signature_at, v.agreed_at, v.superseded_at, v.content_hash, v.employer_name, v.job_title, "
        "v.job_start_on, v.check_settled_in, v.check_transport, v.check_benefits_advice, v.check_adjustments "
        "FROM plan_version v WHERE v.in_work = :yes ORDER BY v.plan_id, v.number"), {"yes": True}).mappings().all()
    numbers = {}
    for v in versions:
        numbers[v['plan_id']] = numbers.get(v['plan_id'], 0) + 1
        job_id = None
        if v['referral_id'] is not None:
            jobs = bind.execute(sa.text(
                "SELECT id, employer_name FROM in_work_job WHERE referral_id = :r ORDER BY started_on DESC, id DESC"),
                {"r": v['referral_id']}).mappings().all()
            same = [j for j in jobs if (j['employer_name'] or '').strip().lower() == (v['employer_name'] or '').strip().lower()]
            job_id = same[0]['id'] if same else None
        was_agreed = v['status'] in ('agreed', 'superseded')
        employer = bind.execute(sa.text(
            "SELECT name FROM plan_party WHERE version_id = :v AND role = 'employer' ORDER BY position"),
            {"v": v['id']}).scalar()
        bind.execute(sa.text(
            "INSERT INTO in_work_agreement (plan_id, number, organisation_id, job_id, legacy_employer_name, "
            "legacy_job_title, legacy_started_on, status, reason, created_by_id, created_at, sent_for_signature_at, "
            "agreed_at, superseded_at, content_hash, lock_version, employer_contact_name, settling_in, transport, "
            "benefits_advice, adjustments) VALUES (:plan_id, :number, :organisation_id, :job_id, :employer_name, "
            ":job_title, :job_start_on, :status, :reason, :created_by_id, :created_at, :sent, :agreed_at, "
            ":superseded_at, :content_hash, 1, :contact, :settling_in, :transport, :benefits, :adjustments)"),
            {"plan_id": v['plan_id'], "number": numbers[v['plan_id']], "organisation_id": v['organisation_id'],
             "job_id": job_id, "employer_name": None if job_id else v['employer_name'],
             "job_title": None if job_id else v['job_title'], "job_start_on": None if job_id else v['job_start_on'],
             "status": v['status'] if was_agreed else 'draft',
             "reason": f"Carried over from plan version {v['number']}", "created_by_id": v['created_by_id'],
             "created_at": v['created_at'], "sent": v['sent_for_signature_at'] if was_agreed else None,
             "agreed_at": v['agreed_at'] if was_agreed else None,
             "superseded_at": v['superseded_at'] if was_agreed else None,
             "content_hash": v['content_hash'] if was_agreed else None, "contact": employer,
             "settling_in": v['check_settled_in'], "transport": v['check_transport'],
             "benefits": v['check_benefits_advice'], "adjustments": v['check_adjustments']})
        agreement_id = bind.execute(sa.text("SELECT id FROM in_work_agreement WHERE plan_id = :p AND number = :n"),
                                    {"p": v['plan_id'], "n": numbers[v['plan_id']]}).scalar()
        bind.execute(sa.text(
            "INSERT INTO plan_taper_step (key, position, agreement_id, from_week, to_week, support, hours_per_week) "
            "SELECT key, position, :a, from_week, to_week, support, hours_per_week FROM plan_taper_step "
            "WHERE version_id = :v"), {"a": agreement_id, "v": v['id']})
        if v['status'] == 'draft':
            # A draft's in-work part now lives in its agreement only (nothing signed or hashed it yet).
            bind.execute(sa.text("DELETE FROM plan_taper_step WHERE version_id = :v"), {"v": v['id']})
            bind.execute(sa.text(
                "UPDATE plan_version SET in_work = :no, employer_name = NULL, job_title = NULL, job_start_on = NULL, "
                "check_settled_in = NULL, check_transport = NULL, check_benefits_advice = NULL, "
                "check_adjustments = NULL WHERE id = :v"), {"no": False, "v": v['id']})
        if not was_agreed:
            continue
        signatures = bind.execute(sa.text(
            "SELECT s.method, s.typed_name, s.content_hash, s.signed_at, s.declaration, s.language, s.recorded_by_id, "
            "s.ip_address, s.user_agent, p.role FROM plan_signature s JOIN plan_party p ON p.id = s.party_id "
            "WHERE s.version_id = :v"), {"v": v['id']}).mappings().all()
        for s in signatures:
            if s['role'] not in PARTY_OF_ROLE:
                continue
            bind.execute(sa.text(
                "INSERT INTO in_work_signature (agreement_id, party, method, typed_name, content_hash, declaration, "
                "language, signed_at, recorded_by_id, ip_address, user_agent) VALUES (:a, :party, :method, :typed, "
                ":hash, :declaration, :language, :signed_at, :by, :ip, :ua)"),
                {"a": agreement_id, "party": PARTY_OF_ROLE[s['role']], "method": s['method'], "typed": s['typed_name'],
                 "hash": s['content_hash'], "declaration": s['declaration'], "language": s['language'],
                 "signed_at": s['signed_at'], "by": s['recorded_by_id'], "ip": s['ip_address'], "ua": s['user_agent']})


def downgrade():
    op.execute("DELETE FROM plan_taper_step WHERE agreement_id IS NOT NULL")
    for old, new in (('adviser', 'employer_in_person'), ('remote_link', 'employer_link')):
        op.execute(sa.text("UPDATE plan_signature SET method = :old WHERE method = :new").bindparams(old=old, new=new))
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("ALTER TABLE plan_signature DROP CONSTRAINT IF EXISTS ck_plan_signature_signaturemethod")
        op.create_check_constraint('signaturemethod', 'plan_signature', _methods_check(OLD_METHODS))
    with op.batch_alter_table('plan_signature', schema=None) as batch_op:
        batch_op.alter_column('method', existing_type=_method_enum(NEW_METHODS, 'signaturemethod'),
                              type_=_method_enum(OLD_METHODS, 'signaturemethod'), existing_nullable=False)
    with op.batch_alter_table('plan_taper_step', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_plan_taper_step_agreement_id_in_work_agreement'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_plan_taper_step_agreement_id'))
        batch_op.alter_column('version_id', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column('agreement_id')
    for table in ('in_work_signing_link', 'in_work_check', 'in_work_signature', 'in_work_agreement'):
        op.drop_table(table)
