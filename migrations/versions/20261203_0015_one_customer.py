"""One customer per NINO (R-CUST-1, issue 14): DWP record versions, duplicate customers merged losing
nothing, a unique NINO, and the policy rows for what a provider sees of a customer's earlier referrals.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03 16:40:00

"""
import json
from datetime import date, datetime, timezone

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None

# Every column that points at customer.id, other than the DWP record itself and the audit trail
# (append-only: its events keep naming the duplicate, which is why the duplicate's row stays).
# inspection_pack.customer_ids is a frozen list of who was in a pack when it was built: left as it was.
REPOINTED = (
    ("referral", "customer_id"),
    ("appointment", "customer_id"),
    ("consent", "customer_id"),
    ("plan", "customer_id"),
    ("inspection_finding", "customer_id"),
    ("dwp_record_version", "customer_id"),
)
# (table, column, the other columns of a unique key that includes it)
REPOINTED_UNIQUE = (("inspection_sample", "customer_id", ("inspection_id",)),)
DWP_SKIP = ("customer_id", "version", "recorded_at")

# What a provider may see of a customer's referrals other than its own (README, "The DWP data policy"):
# the programme, dates and status of each, never who delivered them or their notes and plans.
HISTORY = {"earlier_referrals": "full", "earlier_referral_providers": "hidden"}
NONE_OF_IT = {"earlier_referrals": "hidden", "earlier_referral_providers": "hidden"}
EVERYTHING = {"earlier_referrals": "full", "earlier_referral_providers": "full"}
POLICY = [
    ("provider", "SES", None, HISTORY, "R-CUST-1: earlier referrals, SES"),
    ("provider", "WORK_CHOICE", None, HISTORY, "R-CUST-1, IFS 22: earlier referrals, Work Choice"),
    ("provider", "LSE", None, HISTORY, "R-CUST-1: earlier referrals, LSE"),
    ("provider", "J2E", None, NONE_OF_IT, "R-DATA-2: J2E providers"),
    ("provider", None, False, NONE_OF_IT, "R-DATA-2: any organisation not DWP security accredited"),
    ("subcontractor", None, None, NONE_OF_IT, "R-DATA-6: sub-contractors"),
    ("inspector", None, None, EVERYTHING, "DWP inspectors"),
    ("referral_officer", None, None, EVERYTHING, "DWP referral officers"),
]


def upgrade():
    # A plain ADD COLUMN with its reference: on SQLite a batch copy of `customer` would have to drop the
    # table every other table points at, which its foreign keys refuse once there are rows.
    if op.get_bind().dialect.name == "postgresql":
        op.add_column('customer', sa.Column('merged_into_id', sa.Integer(), nullable=True))
        op.create_foreign_key('fk_customer_merged_into_id_customer', 'customer', 'customer', ['merged_into_id'], ['id'])
    else:
        op.execute("ALTER TABLE customer ADD COLUMN merged_into_id INTEGER "
                   "CONSTRAINT fk_customer_merged_into_id_customer REFERENCES customer (id)")
    with op.batch_alter_table('dwp_record', schema=None) as batch_op:
        batch_op.add_column(sa.Column('version', sa.Integer(), server_default='1', nullable=False))
        batch_op.add_column(sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        'dwp_record_version',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('customer_id', sa.Integer(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('facts', sa.JSON(), nullable=True),
        sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('superseded_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('source', sa.String(length=16), nullable=False),
        sa.Column('merged_from_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_dwp_record_version_customer_id_customer'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['merged_from_id'], ['customer.id'],
                                name=op.f('fk_dwp_record_version_merged_from_id_customer')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_dwp_record_version')),
        sa.UniqueConstraint('customer_id', 'version', name='uq_dwp_record_version'),
    )
    with op.batch_alter_table('dwp_record_version', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dwp_record_version_customer_id'), ['customer_id'], unique=False)

    connection = op.get_bind()
    connection.execute(sa.text("UPDATE dwp_record SET recorded_at = "
                               "(SELECT created_at FROM customer WHERE customer.id = dwp_record.customer_id)"))
    merge_duplicate_customers(connection)
    with op.batch_alter_table('dwp_record', schema=None) as batch_op:
        batch_op.create_unique_constraint('uq_dwp_record_nino', ['nino'])
    _seed_policy(connection)


def downgrade():
    op.execute("DELETE FROM policy_rule WHERE field IN ('earlier_referrals', 'earlier_referral_providers')")
    with op.batch_alter_table('dwp_record', schema=None) as batch_op:
        batch_op.drop_constraint('uq_dwp_record_nino', type_='unique')
        batch_op.drop_column('recorded_at')
        batch_op.drop_column('version')
    # Merged customers stay merged: their earlier records go with this table (a downgrade loses history).
    with op.batch_alter_table('dwp_record_version', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dwp_record_version_customer_id'))
    op.drop_table('dwp_record_version')
    if op.get_bind().dialect.name == "postgresql":
        op.drop_constraint('fk_customer_merged_into_id_customer', 'customer', type_='foreignkey')
    op.drop_column('customer', 'merged_into_id')


# The merge ---------------------------------------------------------------------------------------


def _jsonable(value):
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value


def merge_duplicate_customers(connection):
    """Merge customers that share a NINO into the first of them (R-CUST-1), losing nothing.

    Every row that points at a duplicate is re-pointed to the kept customer; the duplicates' DWP records
    become versions of the kept customer's record, in the order the customers were created, the newest
    being the current one. The audit trail is append-only and hash-chained, so its events keep naming
    the duplicate: the kept customer is added to each such event's links (so its access log shows them),
    and the duplicate's row stays, marked `merged_into_id`, with nothing else pointing at it.
    Returns {kept customer id: [merged ids]}.
    """
    connection.execute(sa.text("UPDATE dwp_record SET nino = upper(replace(nino, ' ', '')) "
                               "WHERE nino <> upper(replace(nino, ' ', ''))"))
    groups = connection.execute(sa.text(
        "SELECT nino FROM dwp_record GROUP BY nino HAVING count(*) > 1 ORDER BY nino")).scalars().all()
    merged = {}
    now = datetime.now(timezone.utc)
    for nino in groups:
        records = connection.execute(sa.text(
            "SELECT d.* FROM dwp_record d JOIN customer c ON c.id = d.customer_id "
            "WHERE d.nino = :nino ORDER BY c.created_at, c.id"), {"nino": nino}).mappings().all()
        kept = records[0]["customer_id"]
        duplicates = [r["customer_id"] for r in records[1:]]
        merged[kept] = duplicates
        _merge_records(connection, kept, records, now)
        for duplicate in duplicates:
            _repoint(connection, kept, duplicate)
    return merged


def _merge_records(connection, kept, records, now):
    """Each customer's record, oldest first, becomes a version; the newest is the current record."""
    versions = []
    for record in records:
        history = connection.execute(sa.text(
            "SELECT version, facts, recorded_at, superseded_at, source, merged_from_id FROM dwp_record_version "
            "WHERE customer_id = :id ORDER BY version"), {"id": record["customer_id"]}).mappings().all()
        versions.extend(dict(h) for h in history)
        versions.append({"facts": {k: _jsonable(v) for k, v in record.items() if k not in DWP_SKIP},
                         "recorded_at": record["recorded_at"], "superseded_at": now,
                         "source": "merge", "merged_from_id": record["customer_id"]})
    connection.execute(sa.text("DELETE FROM dwp_record_version WHERE customer_id IN :ids")
                       .bindparams(sa.bindparam("ids", expanding=True)), {"ids": [r["customer_id"] for r in records]})
    table = sa.table("dwp_record_version", sa.column("customer_id"), sa.column("version"), sa.column("facts", sa.JSON),
                     sa.column("recorded_at"), sa.column("superseded_at"), sa.column("source"),
                     sa.column("merged_from_id"))
    current = versions.pop()  # the newest customer's record stays current
    rows = []
    for number, version in enumerate(versions, start=1):
        facts = version["facts"]
        if isinstance(facts, str):
            facts = json.loads(facts)
        rows.append({"customer_id": kept, "version": number, "facts": facts, "recorded_at": version["recorded_at"],
                     "superseded_at": version["superseded_at"], "source": version["source"],
                     "merged_from_id": version["merged_from_id"]})
    if rows:
        connection.execute(table.insert(), rows)
    newest = records[-1]
    if newest["customer_id"] != kept:
        connection.execute(sa.text("DELETE FROM dwp_record WHERE customer_id = :id"), {"id": kept})
        connection.execute(sa.text("UPDATE dwp_record SET customer_id = :kept WHERE customer_id = :id"),
                           {"kept": kept, "id": newest["customer_id"]})
    connection.execute(sa.text("UPDATE dwp_record SET version = :version, recorded_at = :at WHERE customer_id = :id"),
                       {"version": len(rows) + 1, "at": newest["recorded_at"], "id": kept})
    connection.execute(sa.text("DELETE FROM dwp_record WHERE customer_id IN :ids")
                       .bindparams(sa.bindparam("ids", expanding=True)),
                       {"ids": [r["customer_id"] for r in records if r["customer_id"] != kept]})


def _repoint(connection, kept, duplicate):
    params = {"kept": kept, "dup": duplicate}
    for table, column in REPOINTED:
        connection.execute(sa.text(f"UPDATE {table} SET {column} = :kept WHERE {column} = :dup"), params)
    for table, column, others in REPOINTED_UNIQUE:
        clash = " AND ".join(f"o.{c} = {table}.{c}" for c in others)
        # A row whose twin already names the kept customer stays with the duplicate (nothing is deleted).
        connection.execute(sa.text(
            f"UPDATE {table} SET {column} = :kept WHERE {column} = :dup AND NOT EXISTS "
            f"(SELECT 1 FROM {table} o WHERE o.{column} = :kept AND {clash})"), params)
    # The audit trail cannot change (triggers, hash chain): link its events to the kept customer too.
    connection.execute(sa.text(
        "INSERT INTO audit_event_customer (event_id, customer_id) "
        "SELECT e.id, :kept FROM audit_event e WHERE (e.customer_id = :dup OR EXISTS "
        "(SELECT 1 FROM audit_event_customer l WHERE l.event_id = e.id AND l.customer_id = :dup)) "
        "AND NOT EXISTS (SELECT 1 FROM audit_event_customer k WHERE k.event_id = e.id AND k.customer_id = :kept)"),
        params)
    connection.execute(sa.text("UPDATE customer SET merged_into_id = :kept WHERE id = :dup OR merged_into_id = :dup"),
                       params)


def _seed_policy(connection):
    programme_ids = dict(connection.execute(sa.text("SELECT code, id FROM programme")).all())
    rule = sa.table("policy_rule", sa.column("field", sa.String), sa.column("programme_id", sa.Integer),
                    sa.column("audience", sa.String), sa.column("accredited", sa.Boolean),
                    sa.column("access", sa.String), sa.column("note", sa.String))
    rows = []
    for audience, code, accredited, accesses, note in POLICY:
        if code is not None and code not in programme_ids:
            continue
        for field, access in accesses.items():
            rows.append({"field": field, "programme_id": programme_ids.get(code), "audience": audience,
                         "accredited": accredited, "access": access, "note": note})
    op.bulk_insert(rule, rows)
