"""Coded endings (R-EXIT-1) and management information (R-MI-1, issue 14).

- `exit_reason`: the list a completion or early exit takes its reason from, as rows.
- `referral.exit_reason_code` (FK) and `referral.exit_reason_text`; the old free-text `exit_reason`
  moves to "other" with its text kept (a transfer's text to "transferred"), then the column goes.
- A DWP MI role (`dwp_mi`) in the role CHECKs of user accounts and invitations.
- The indexes the MI queries read by: starts and ends by date, hours by day.

Revision ID: 0016
Revises: 0021
Create Date: 2026-12-03 16:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0016'
down_revision = '0021'
branch_labels = None
depends_on = None

REASONS = [
    # code, label, position, needs_text
    ("job_start", "Started work", 10, False),
    ("programme_end", "Reached the end of their time on the programme", 20, False),
    ("health", "Health or disability", 30, False),
    ("moved_away", "Moved away", 40, False),
    ("circumstances", "Other change of circumstances", 50, False),
    ("disengaged", "Stopped taking part", 60, False),
    ("other_provision", "Started other provision", 70, False),
    ("transferred", "Transferred to another provider", 80, False),
    ("other", "Another reason", 90, True),
]
# After 0018, which added the Disability Employment Adviser (R-WC-1).
OLD_ROLES = ("adviser", "manager", "referral_officer", "inspector", "admin", "disability_employment_adviser")
NEW_ROLES = OLD_ROLES + ("dwp_mi",)


def _role_check(roles):
    return "role IN (" + ", ".join(f"'{r}'" for r in roles) + ")"


def _sqlite():
    return op.get_bind().dialect.name == "sqlite"


def _set_role_checks(old, new):
    """Widen (or narrow) the role CHECK of user accounts and invitations.

    On SQLite a CHECK cannot be altered, and rebuilding `user_account` with foreign keys on would run the
    implicit DELETE of DROP TABLE and cascade to sessions and inspection assignments: so the CHECK's text
    is rewritten in place, SQLite's documented way of changing a CHECK constraint (the rows already
    satisfy the new one).
    """
    if _sqlite():
        version = op.get_bind().exec_driver_sql("PRAGMA schema_version").scalar()
        op.execute("PRAGMA writable_schema=ON")
        for table in ("user_account", "invitation"):
            op.get_bind().exec_driver_sql(
                "UPDATE sqlite_master SET sql = replace(sql, ?, ?) WHERE type = 'table' AND name = ?",
                (_role_check(old), _role_check(new), table))
        op.execute(f"PRAGMA schema_version={int(version) + 1}")
        op.execute("PRAGMA writable_schema=OFF")
        return
    for table in ("user_account", "invitation"):
        op.drop_constraint(op.f(f"ck_{table}_role"), table, type_="check")
        op.create_check_constraint(op.f(f"ck_{table}_role"), table, sa.text(_role_check(new)))


def upgrade():
    exit_reason = op.create_table(
        'exit_reason',
        sa.Column('code', sa.String(length=40), nullable=False),
        sa.Column('label', sa.String(length=200), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('needs_text', sa.Boolean(), nullable=False),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint('code', name=op.f('pk_exit_reason')),
    )
    op.bulk_insert(exit_reason, [
        {"code": code, "label": label, "position": position, "needs_text": needs_text, "active": True}
        for code, label, position, needs_text in REASONS
    ])
    # Plain ALTERs, never a rebuild of `referral` on SQLite: DROP TABLE there would cascade to the
    # referral's transitions.
    if _sqlite():
        op.execute("ALTER TABLE referral ADD COLUMN exit_reason_code VARCHAR(40) "
                   "CONSTRAINT fk_referral_exit_reason_code_exit_reason REFERENCES exit_reason (code)")
    else:
        op.add_column('referral', sa.Column('exit_reason_code', sa.String(length=40), nullable=True))
        op.create_foreign_key('fk_referral_exit_reason_code_exit_reason', 'referral', 'exit_reason',
                              ['exit_reason_code'], ['code'])
    op.add_column('referral', sa.Column('exit_reason_text', sa.String(length=500), nullable=True))
    # R-EXIT-1: old free text is kept word for word under "other" (a transfer's under "transferred").
    op.execute("UPDATE referral SET exit_reason_code = CASE WHEN status = 'transferred' THEN 'transferred' "
               "ELSE 'other' END, exit_reason_text = exit_reason "
               "WHERE exit_reason IS NOT NULL AND trim(exit_reason) <> ''")
    op.execute("UPDATE referral SET exit_reason_code = 'transferred' "
               "WHERE status = 'transferred' AND exit_reason_code IS NULL")
    op.execute("ALTER TABLE referral DROP COLUMN exit_reason")
    # R-MI-1: starters by start date, completers and exits by end date; hours by day, read with the
    # referral, source and amount from the index alone.
    op.create_index('ix_referral_org_started_on', 'referral', ['organisation_id', 'started_on'])
    op.create_index('ix_referral_org_ended_on', 'referral', ['organisation_id', 'ended_on'])
    op.create_index('ix_referral_started_on', 'referral', ['started_on'])
    op.create_index('ix_hours_entry_on_referral', 'hours_entry', ['on', 'referral_id', 'source', 'quarters'])
    _set_role_checks(OLD_ROLES, NEW_ROLES)
    op.create_table(
        'mi_period_summary',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('grain', sa.String(length=8), nullable=False),
        sa.Column('period', sa.Date(), nullable=False),
        sa.Column('organisation_id', sa.Integer(), nullable=False),
        sa.Column('subcontractor_id', sa.Integer(), nullable=True),
        sa.Column('programme_id', sa.Integer(), nullable=False),
        sa.Column('adviser_id', sa.Integer(), nullable=True),
        *(sa.Column(name, sa.Integer(), nullable=False) for name in (
            'on_programme', 'participants', 'quarters_provider', 'quarters_subcontractor', 'quarters_employer',
            'quarters_third_tier', 'quarters_other')),
        sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'],
                                name=op.f('fk_mi_period_summary_organisation_id_organisation')),
        sa.ForeignKeyConstraint(['subcontractor_id'], ['organisation.id'],
                                name=op.f('fk_mi_period_summary_subcontractor_id_organisation')),
        sa.ForeignKeyConstraint(['programme_id'], ['programme.id'],
                                name=op.f('fk_mi_period_summary_programme_id_programme')),
        sa.ForeignKeyConstraint(['adviser_id'], ['user_account.id'],
                                name=op.f('fk_mi_period_summary_adviser_id_user_account')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_mi_period_summary')),
    )
    op.create_index('ix_mi_period_summary_grain_period', 'mi_period_summary', ['grain', 'period', 'organisation_id'])
    op.create_table(
        'mi_period_count',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('grain', sa.String(length=8), nullable=False),
        sa.Column('period', sa.Date(), nullable=False),
        sa.Column('organisation_id', sa.Integer(), nullable=False),
        sa.Column('subcontractor_id', sa.Integer(), nullable=True),
        sa.Column('programme_id', sa.Integer(), nullable=False),
        sa.Column('adviser_id', sa.Integer(), nullable=True),
        sa.Column('figure', sa.String(length=20), nullable=False),
        sa.Column('part', sa.String(length=40), nullable=True),
        sa.Column('value', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'],
                                name=op.f('fk_mi_period_count_organisation_id_organisation')),
        sa.ForeignKeyConstraint(['subcontractor_id'], ['organisation.id'],
                                name=op.f('fk_mi_period_count_subcontractor_id_organisation')),
        sa.ForeignKeyConstraint(['programme_id'], ['programme.id'],
                                name=op.f('fk_mi_period_count_programme_id_programme')),
        sa.ForeignKeyConstraint(['adviser_id'], ['user_account.id'],
                                name=op.f('fk_mi_period_count_adviser_id_user_account')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_mi_period_count')),
    )
    op.create_index('ix_mi_period_count_grain_period', 'mi_period_count', ['grain', 'period', 'organisation_id'])
    op.create_table(
        'mi_refresh',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('refreshed_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('seconds', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_mi_refresh')),
    )


def downgrade():
    op.drop_table('mi_refresh')
    op.drop_index('ix_mi_period_count_grain_period', 'mi_period_count')
    op.drop_table('mi_period_count')
    op.drop_index('ix_mi_period_summary_grain_period', 'mi_period_summary')
    op.drop_table('mi_period_summary')
    op.execute("DELETE FROM invitation WHERE role = 'dwp_mi'")
    op.execute("UPDATE user_account SET is_enabled = false, role = 'referral_officer' WHERE role = 'dwp_mi'")
    _set_role_checks(NEW_ROLES, OLD_ROLES)
    op.drop_index('ix_hours_entry_on_referral', 'hours_entry')
    op.drop_index('ix_referral_started_on', 'referral')
    op.drop_index('ix_referral_org_ended_on', 'referral')
    op.drop_index('ix_referral_org_started_on', 'referral')
    op.add_column('referral', sa.Column('exit_reason', sa.String(length=500), nullable=True))
    op.execute("UPDATE referral SET exit_reason = coalesce(exit_reason_text, "
               "(SELECT label FROM exit_reason WHERE exit_reason.code = referral.exit_reason_code))")
    op.execute("ALTER TABLE referral DROP COLUMN exit_reason_text")
    if _sqlite():
        # A rebuild of `referral`: migrations/env.py runs every migration with SQLite's foreign keys off,
        # so the DROP TABLE of the rebuild neither refuses nor cascades.
        with op.batch_alter_table('referral', schema=None) as batch_op:
            batch_op.drop_column('exit_reason_code')
    else:
        op.drop_constraint('fk_referral_exit_reason_code_exit_reason', 'referral', type_='foreignkey')
        op.execute("ALTER TABLE referral DROP COLUMN exit_reason_code")
    op.drop_table('exit_reason')
