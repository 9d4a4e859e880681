"""Inspection packs built for an inspection's sample (issue 13): the inspection, the sampled customers
(frozen when the pack is asked for) and no single programme.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03 15:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('inspection_pack', schema=None) as batch_op:
        batch_op.add_column(sa.Column('inspection_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('customer_ids', sa.Text(), nullable=True))
        batch_op.alter_column('programme_id', existing_type=sa.Integer(), nullable=True)
        batch_op.create_index(batch_op.f('ix_inspection_pack_inspection_id'), ['inspection_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_inspection_pack_inspection_id_inspection'), 'inspection',
                                    ['inspection_id'], ['id'])


def downgrade():
    with op.batch_alter_table('inspection_pack', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_inspection_pack_inspection_id_inspection'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_inspection_pack_inspection_id'))
        batch_op.alter_column('programme_id', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column('customer_ids')
        batch_op.drop_column('inspection_id')
