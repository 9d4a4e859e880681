"""Audit events chained after the fact; a policy version counter (issue 18, R-AUD-1, R-DATA-1).

An event is now written without its hashes (one INSERT, no lock shared with other requests); the chain
job later sets `previous_hash`, `event_hash` and `chain_position` (the order in which it chained them),
once. The append-only guard lets exactly that change through and refuses every other UPDATE.
Existing events keep their hashes and are numbered in id order, which is the order they were chained in.

`policy_version` holds one number that triggers replace whenever a `policy_rule` or `programme` row
changes, so every process can keep the policy in memory and reload it only when the number moves. The
new number is random, not +1: a rolled-back change must not leave a number a later change reuses.

Revision ID: 0022
Revises: 0015
Create Date: 2026-12-03 16:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0022'
down_revision = '0015'
branch_labels = None
depends_on = None

# The columns of an event its hash covers: the chain job may not change them.
CONTENT = ("occurred_at", "action", "actor_id", "actor_email", "actor_role", "actor_organisation_id",
           "customer_id", "subject_type", "subject_id", "detail", "ip_address")
POLICY_TABLES = ("policy_rule", "programme")


def upgrade():
    postgres = op.get_bind().dialect.name == "postgresql"
    _drop_audit_guard(postgres)
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('chain_position', sa.Integer(), nullable=True))
        batch_op.alter_column('previous_hash', existing_type=sa.String(length=64), nullable=True)
        batch_op.alter_column('event_hash', existing_type=sa.String(length=64), nullable=True)
    if postgres:
        op.execute("UPDATE audit_event SET chain_position = numbered.n FROM "
                   "(SELECT id, row_number() OVER (ORDER BY id) AS n FROM audit_event) AS numbered "
                   "WHERE audit_event.id = numbered.id")
    else:
        op.execute("UPDATE audit_event SET chain_position = "
                   "(SELECT count(*) FROM audit_event AS earlier WHERE earlier.id <= audit_event.id)")
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_event_chain_position'), ['chain_position'], unique=True)
    _audit_guard(postgres)

    op.create_table('policy_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_policy_version'))
    )
    op.execute("INSERT INTO policy_version (id, version) VALUES (1, 1)")
    _policy_version_triggers(postgres)


def _drop_audit_guard(postgres):
    if postgres:
        op.execute("DROP TRIGGER IF EXISTS audit_event_no_change ON audit_event")
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_event_no_update")
        op.execute("DROP TRIGGER IF EXISTS audit_event_no_delete")


def _audit_guard(postgres):
    """R-AUD-1: no DELETE; an UPDATE only to chain an unchained event, its content unchanged."""
    new = ", ".join(f"NEW.{c}" for c in CONTENT)
    old = ", ".join(f"OLD.{c}" for c in CONTENT)
    if postgres:
        op.execute(f"""
            CREATE FUNCTION audit_event_chain_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF OLD.event_hash IS NULL AND NEW.event_hash IS NOT NULL AND NEW.id = OLD.id
                   AND ROW({new}) IS NOT DISTINCT FROM ROW({old}) THEN
                    RETURN NEW;
                END IF;
                RAISE EXCEPTION 'audit_event is append-only';
            END $$
        """)
        op.execute("CREATE TRIGGER audit_event_no_change BEFORE UPDATE ON audit_event "
                   "FOR EACH ROW EXECUTE FUNCTION audit_event_chain_only()")
        op.execute("CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event "
                   "FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()")
    else:
        changed = " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in ("id",) + CONTENT)
        op.execute("CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event "
                   f"WHEN OLD.event_hash IS NOT NULL OR NEW.event_hash IS NULL OR {changed} "
                   "BEGIN SELECT RAISE(ABORT, 'audit_event is append-only'); END")
        op.execute("CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event "
                   "BEGIN SELECT RAISE(ABORT, 'audit_event is append-only'); END")


def _policy_version_triggers(postgres):
    if postgres:
        op.execute("""
            CREATE FUNCTION policy_version_bump() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN UPDATE policy_version SET version = (random() * 9e15)::bigint WHERE id = 1; RETURN NULL; END $$
        """)
        for table in POLICY_TABLES:
            # Per row: a statement that changes nothing (a DELETE matching no row) leaves every cache alone.
            op.execute(f"CREATE TRIGGER {table}_policy_version AFTER INSERT OR UPDATE OR DELETE "
                       f"ON {table} FOR EACH ROW EXECUTE FUNCTION policy_version_bump()")
            op.execute(f"CREATE TRIGGER {table}_policy_version_truncate AFTER TRUNCATE "
                       f"ON {table} FOR EACH STATEMENT EXECUTE FUNCTION policy_version_bump()")
    else:
        for table in POLICY_TABLES:
            for verb in ("INSERT", "UPDATE", "DELETE"):
                op.execute(f"CREATE TRIGGER {table}_policy_version_{verb.lower()} AFTER {verb} ON {table} "
                           "BEGIN UPDATE policy_version SET version = random() WHERE id = 1; END")


def downgrade():
    postgres = op.get_bind().dialect.name == "postgresql"
    for table in POLICY_TABLES:
        if postgres:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_policy_version ON {table}")
            op.execute(f"DROP TRIGGER IF EXISTS {table}_policy_version_truncate ON {table}")
        else:
            for verb in ("insert", "update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_policy_version_{verb}")
    if postgres:
        op.execute("DROP FUNCTION IF EXISTS policy_version_bump()")
    op.drop_table('policy_version')

    pending = op.get_bind().execute(sa.text("SELECT count(*) FROM audit_event WHERE event_hash IS NULL")).scalar()
    if pending:
        raise RuntimeError(f"{pending} audit events are not chained yet: run `flask --app portal audit-chain` first")
    if postgres:
        op.execute("DROP TRIGGER IF EXISTS audit_event_no_change ON audit_event")
        op.execute("DROP TRIGGER IF EXISTS audit_event_no_delete ON audit_event")
        op.execute("DROP FUNCTION IF EXISTS audit_event_chain_only()")
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_event_no_update")
        op.execute("DROP TRIGGER IF EXISTS audit_event_no_delete")
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_event_chain_position'))
        batch_op.alter_column('event_hash', existing_type=sa.String(length=64), nullable=False)
        batch_op.alter_column('previous_hash', existing_type=sa.String(length=64), nullable=False)
        batch_op.drop_column('chain_position')
    if postgres:
        op.execute("CREATE TRIGGER audit_event_no_change BEFORE UPDATE OR DELETE ON audit_event "
                   "FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()")
    else:
        for verb in ("UPDATE", "DELETE"):
            op.execute(f"CREATE TRIGGER audit_event_no_{verb.lower()} BEFORE {verb} ON audit_event "
                       "BEGIN SELECT RAISE(ABORT, 'audit_event is append-only'); END")
