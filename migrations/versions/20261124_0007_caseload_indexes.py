"""Caseload search by name: a trigram index on dwp_record.search_name (PostgreSQL).

The caseload searches names with `search_name LIKE '%term%'`, which a B-tree index cannot serve (the
pattern starts with a wildcard), so every search read the whole dwp_record table: about 16 ms of a
sequential scan at 100,000 customers (docs/benchmarks.md). A GIN index with pg_trgm's gin_trgm_ops
answers the same LIKE in well under a millisecond. It replaces the B-tree index, which no query used.
On SQLite the index is a plain one (SQLite has no trigram indexes), as before.

pg_trgm is a trusted extension (PostgreSQL 13+): the database owner may create it without superuser.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-24 15:20:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('CREATE EXTENSION IF NOT EXISTS pg_trgm')
    with op.batch_alter_table('dwp_record', schema=None) as batch_op:
        batch_op.drop_index('ix_dwp_record_search_name')
        batch_op.create_index('ix_dwp_record_search_name_trgm', ['search_name'], unique=False,
                              postgresql_using='gin', postgresql_ops={'search_name': 'gin_trgm_ops'})


def downgrade():
    with op.batch_alter_table('dwp_record', schema=None) as batch_op:
        batch_op.drop_index('ix_dwp_record_search_name_trgm')
        batch_op.create_index('ix_dwp_record_search_name', ['search_name'], unique=False)
