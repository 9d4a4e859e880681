"""Progress against the agreed plan, Work Choice strands, the support-network agreement and who signed
(issue 15: R-ISP-11, R-WC-1, R-DATA-8, R-SIGN-4).

- An objective's achieved date and a milestone's passed date leave the signed content: they become
  progress rows against the plan (carried across, one per item, from the newest version holding one).
  Versions awaiting signatures were hashed with those fields, so they go back to draft (their content is
  unchanged; the adviser sends them again).
- The strand radio button becomes a history of strand starts; a typed DEA approval is kept as a legacy
  approval. Work Choice gets quality checks of longer-term support every 13 weeks and optional ESO places
  (the ESO table: "Additional places on Work Choice").
- A DWP Disability Employment Adviser role; witnesses give their relationship and reason.

Revision ID: 0018
Revises: 0019
Create Date: 2026-12-03 16:50:00

"""
from datetime import datetime, timezone

from alembic import op
import sqlalchemy as sa


revision = '0018'
down_revision = '0019'
branch_labels = None
depends_on = None

OLD_ROLES = ('adviser', 'manager', 'referral_officer', 'inspector', 'admin')
NEW_ROLES = OLD_ROLES + ('disability_employment_adviser',)
QUALITY_CHECK_WEEKS = 13


def _roles_check(roles):
    return "role IN (" + ", ".join(f"'{r}'" for r in roles) + ")"


def _set_roles(roles):
    for table in ('user_account', 'invitation'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(op.f(f'ck_{table}_role'), type_='check')
            batch_op.create_check_constraint('role', _roles_check(roles))


def _sqlite_foreign_keys(bind, on):
    """SQLite rebuilds a table to drop a column or change a CHECK: with rows referring to it (plan_version,
    user_account), foreign keys must be off while it does (effective before the transaction's first write)."""
    if bind.dialect.name == "sqlite":
        bind.exec_driver_sql(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")


def upgrade():
    now = datetime.now(timezone.utc)
    bind = op.get_bind()
    _sqlite_foreign_keys(bind, False)
    op.create_table(
        'plan_progress',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('plan_id', sa.Integer(), nullable=False),
        sa.Column('version_id', sa.Integer(), nullable=False),
        sa.Column('item_kind', sa.String(length=20), nullable=False),
        sa.Column('item_key', sa.String(length=16), nullable=False),
        sa.Column('done_on', sa.Date(), nullable=True),
        sa.Column('note', sa.Text(), nullable=True),
        sa.Column('recorded_by_id', sa.Integer(), nullable=True),
        sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['plan_id'], ['plan.id'], name=op.f('fk_plan_progress_plan_id_plan'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['version_id'], ['plan_version.id'], name=op.f('fk_plan_progress_version_id_plan_version')),
        sa.ForeignKeyConstraint(['recorded_by_id'], ['user_account.id'],
                                name=op.f('fk_plan_progress_recorded_by_id_user_account')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_progress')),
        sa.UniqueConstraint('plan_id', 'item_kind', 'item_key', name='uq_plan_progress_item'),
    )
    op.create_index(op.f('ix_plan_progress_plan_id'), 'plan_progress', ['plan_id'])
    op.create_table(
        'wc_strand_approval',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('plan_id', sa.Integer(), nullable=False),
        sa.Column('approved_on', sa.Date(), nullable=True),
        sa.Column('note', sa.Text(), nullable=True),
        sa.Column('approved_by_id', sa.Integer(), nullable=True),
        sa.Column('legacy_name', sa.String(length=120), nullable=True),
        sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['plan_id'], ['plan.id'], name=op.f('fk_wc_strand_approval_plan_id_plan'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['approved_by_id'], ['user_account.id'],
                                name=op.f('fk_wc_strand_approval_approved_by_id_user_account')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_wc_strand_approval')),
    )
    op.create_index(op.f('ix_wc_strand_approval_plan_id'), 'wc_strand_approval', ['plan_id'])
    op.create_table(
        'wc_strand_start',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('plan_id', sa.Integer(), nullable=False),
        sa.Column('strand', sa.String(length=20), nullable=False),
        sa.Column('started_on', sa.Date(), nullable=True),
        sa.Column('approval_id', sa.Integer(), nullable=True),
        sa.Column('recorded_by_id', sa.Integer(), nullable=True),
        sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['plan_id'], ['plan.id'], name=op.f('fk_wc_strand_start_plan_id_plan'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['approval_id'], ['wc_strand_approval.id'],
                                name=op.f('fk_wc_strand_start_approval_id_wc_strand_approval')),
        sa.ForeignKeyConstraint(['recorded_by_id'], ['user_account.id'],
                                name=op.f('fk_wc_strand_start_recorded_by_id_user_account')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_wc_strand_start')),
        sa.UniqueConstraint('plan_id', 'started_on', name='uq_wc_strand_start_day'),
        sa.UniqueConstraint('approval_id', name=op.f('uq_wc_strand_start_approval_id')),
    )
    op.create_index(op.f('ix_wc_strand_start_plan_id'), 'wc_strand_start', ['plan_id'])
    op.create_table(
        'wc_quality_check',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('plan_id', sa.Integer(), nullable=False),
        sa.Column('checked_on', sa.Date(), nullable=True),
        sa.Column('outcome', sa.Text(), nullable=False),
        sa.Column('recorded_by_id', sa.Integer(), nullable=True),
        sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['plan_id'], ['plan.id'], name=op.f('fk_wc_quality_check_plan_id_plan'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['recorded_by_id'], ['user_account.id'],
                                name=op.f('fk_wc_quality_check_recorded_by_id_user_account')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_wc_quality_check')),
    )
    op.create_index(op.f('ix_wc_quality_check_plan_id'), 'wc_quality_check', ['plan_id'])

    _carry_progress(bind, now)
    _carry_strands(bind, now)
    # Hashed with the achieved dates: send again (nothing in them changes).
    bind.execute(sa.text("UPDATE plan_version SET status = 'draft', content_hash = NULL, "
                         "lock_version = lock_version + 1 WHERE status = 'awaiting_signatures'"))

    with op.batch_alter_table('plan_objective', schema=None) as batch_op:
        batch_op.drop_column('achieved_on')
    with op.batch_alter_table('plan_milestone', schema=None) as batch_op:
        batch_op.drop_column('achieved_on')
    with op.batch_alter_table('plan_version', schema=None) as batch_op:
        batch_op.drop_column('strand')
        batch_op.drop_column('dea_approval_name')
        batch_op.drop_column('dea_approval_on')
        batch_op.add_column(sa.Column('support_network_who', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('support_network_agreed_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('support_network_withdrawn_on', sa.Date(), nullable=True))
    with op.batch_alter_table('plan_signature', schema=None) as batch_op:
        batch_op.add_column(sa.Column('witness_relationship', sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column('witness_reason', sa.Text(), nullable=True))
    with op.batch_alter_table('programme', schema=None) as batch_op:
        batch_op.add_column(sa.Column('quality_check_weeks', sa.Integer(), nullable=True))
    # The ESO table: "Additional places on Work Choice", from 3 April 2017; the ESO check applies to those places.
    bind.execute(sa.text("UPDATE programme SET quality_check_weeks = :weeks, eso_places = 'optional', "
                         "eligibility_checks = CASE WHEN eligibility_checks = '' THEN 'eso' ELSE eligibility_checks END "
                         "WHERE code = 'WORK_CHOICE'"), {"weeks": QUALITY_CHECK_WEEKS})
    _set_roles(NEW_ROLES)
    _sqlite_foreign_keys(bind, True)


def _carry_progress(bind, now):
    """Each item's newest achieved date, against the version that held it, recorded by that version's author."""
    for table, kind in (('plan_objective', 'objective'), ('plan_milestone', 'milestone')):
        rows = bind.execute(sa.text(
            f"SELECT v.plan_id, v.id, v.number, v.created_by_id, i.key, i.achieved_on FROM {table} i "
            "JOIN plan_version v ON v.id = i.version_id WHERE i.achieved_on IS NOT NULL "
            "ORDER BY v.plan_id, i.key, v.number")).fetchall()
        newest = {}
        for plan_id, version_id, _number, author, key, achieved_on in rows:
            newest[(plan_id, key)] = (version_id, author, achieved_on)
        for (plan_id, key), (version_id, author, achieved_on) in newest.items():
            bind.execute(sa.text(
                "INSERT INTO plan_progress (plan_id, version_id, item_kind, item_key, done_on, note, recorded_by_id, "
                "recorded_at) VALUES (:plan, :version, :kind, :key, :done, :note, :by, :at)"),
                {"plan": plan_id, "version": version_id, "kind": kind, "key": key, "done": achieved_on,
                 "note": "Carried across from the plan's content (issue 15)", "by": author, "at": now})


def _carry_strands(bind, now):
    """The newest version's strand becomes the plan's first strand start, from the referral's start."""
    rows = bind.execute(sa.text(
        "SELECT v.plan_id, v.number, v.strand, v.dea_approval_name, v.dea_approval_on, v.created_by_id, "
        "r.started_on, v.created_at FROM plan_version v LEFT JOIN referral r ON r.id = v.referral_id "
        "WHERE v.strand IS NOT NULL ORDER BY v.plan_id, v.number")).fetchall()
    newest = {}
    for row in rows:
        newest[row[0]] = row
    for plan_id, _number, strand, dea_name, dea_on, author, started_on, created_at in newest.values():
        approval_id = None
        if strand == 'longer_term' and (dea_name or dea_on):
            bind.execute(sa.text(
                "INSERT INTO wc_strand_approval (plan_id, approved_on, note, legacy_name, recorded_at) "
                "VALUES (:plan, :on, :note, :name, :at)"),
                {"plan": plan_id, "on": dea_on, "name": dea_name, "at": now,
                 "note": "Typed by the provider before approvals were recorded by DWP (issue 15)"})
            approval_id = bind.execute(sa.text("SELECT max(id) FROM wc_strand_approval WHERE plan_id = :plan"),
                                       {"plan": plan_id}).scalar()
        if started_on is None and created_at is not None:
            started_on = created_at.date() if hasattr(created_at, "date") else str(created_at)[:10]
        bind.execute(sa.text(
            "INSERT INTO wc_strand_start (plan_id, strand, started_on, approval_id, recorded_by_id, recorded_at) "
            "VALUES (:plan, :strand, :on, :approval, :by, :at)"),
            {"plan": plan_id, "strand": strand, "on": started_on, "approval": approval_id, "by": author, "at": now})


def downgrade():
    _sqlite_foreign_keys(op.get_bind(), False)
    _set_roles(OLD_ROLES)
    with op.batch_alter_table('programme', schema=None) as batch_op:
        batch_op.drop_column('quality_check_weeks')
    op.execute("UPDATE programme SET eso_places = 'never', eligibility_checks = '' WHERE code = 'WORK_CHOICE' "
               "AND eligibility_checks = 'eso'")
    with op.batch_alter_table('plan_signature', schema=None) as batch_op:
        batch_op.drop_column('witness_reason')
        batch_op.drop_column('witness_relationship')
    with op.batch_alter_table('plan_version', schema=None) as batch_op:
        batch_op.drop_column('support_network_withdrawn_on')
        batch_op.drop_column('support_network_agreed_on')
        batch_op.drop_column('support_network_who')
        batch_op.add_column(sa.Column('dea_approval_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('dea_approval_name', sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column('strand', sa.String(length=20), nullable=True))
    with op.batch_alter_table('plan_milestone', schema=None) as batch_op:
        batch_op.add_column(sa.Column('achieved_on', sa.Date(), nullable=True))
    with op.batch_alter_table('plan_objective', schema=None) as batch_op:
        batch_op.add_column(sa.Column('achieved_on', sa.Date(), nullable=True))
    # Progress and strands go back onto the newest version holding each item (best effort).
    op.execute("UPDATE plan_objective SET achieved_on = (SELECT p.done_on FROM plan_progress p JOIN plan_version v "
               "ON v.plan_id = p.plan_id WHERE v.id = plan_objective.version_id AND p.item_kind = 'objective' "
               "AND p.item_key = plan_objective.key)")
    op.execute("UPDATE plan_milestone SET achieved_on = (SELECT p.done_on FROM plan_progress p JOIN plan_version v "
               "ON v.plan_id = p.plan_id WHERE v.id = plan_milestone.version_id AND p.item_kind = 'milestone' "
               "AND p.item_key = plan_milestone.key)")
    op.execute("UPDATE plan_version SET strand = (SELECT s.strand FROM wc_strand_start s WHERE s.plan_id = "
               "plan_version.plan_id ORDER BY s.started_on DESC, s.id DESC LIMIT 1)")
    op.drop_table('wc_quality_check')
    op.drop_table('wc_strand_start')
    op.drop_table('wc_strand_approval')
    op.drop_table('plan_progress')
    _sqlite_foreign_keys(op.get_bind(), True)
