"""Sealed inspection reports and the index of weeks with hours (issue 13): a seal belongs to an agreed plan version or to a closed
inspection's report, never both; the report's originals are document_original rows of that seal.

Revision ID: 0023
Revises: 0018
Create Date: 2026-12-03 17:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0023'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade():
    # The weeks with hours of a whole provider, read from the index alone (the inspection overview).
    op.create_index('ix_hours_entry_live_week', 'hours_entry', ['referral_id', 'week_start'], unique=False,
                    postgresql_where=sa.text('removed_at IS NULL'), sqlite_where=sa.text('removed_at IS NULL'))
    with op.batch_alter_table('version_seal', schema=None) as batch_op:
        batch_op.alter_column('version_id', existing_type=sa.Integer(), nullable=True)
        batch_op.add_column(sa.Column('inspection_id', sa.Integer(), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_version_seal_inspection_id'), ['inspection_id'])
        batch_op.create_foreign_key(batch_op.f('fk_version_seal_inspection_id_inspection'), 'inspection',
                                    ['inspection_id'], ['id'])
        batch_op.create_check_constraint(
            'seal_of_a_version_or_a_report',
            '(version_id IS NULL) <> (inspection_id IS NULL)')


def downgrade():
    op.drop_index('ix_hours_entry_live_week', table_name='hours_entry')
    op.execute("DELETE FROM document_original WHERE seal_id IN "
               "(SELECT id FROM version_seal WHERE inspection_id IS NOT NULL)")
    op.execute("DELETE FROM version_seal WHERE inspection_id IS NOT NULL")
    with op.batch_alter_table('version_seal', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_version_seal_seal_of_a_version_or_a_report'), type_='check')
        batch_op.drop_constraint(batch_op.f('fk_version_seal_inspection_id_inspection'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('uq_version_seal_inspection_id'), type_='unique')
        batch_op.drop_column('inspection_id')
        batch_op.alter_column('version_id', existing_type=sa.Integer(), nullable=False)
