"""Sealing at agreement (issue 17): which variants a version's seal must hold and how far the (background)
sealing has got; which originals were made later as copies rather than at agreement.

Existing seals are complete ('done', variants unknown: what they hold is what was sealed); existing
originals are left as they were made.

Revision ID: 0021
Revises: 0023
Create Date: 2026-12-03 16:50:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0021'
down_revision = '0023'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('version_seal', schema=None) as batch_op:
        batch_op.add_column(sa.Column('variants', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('status', sa.String(length=10), nullable=False, server_default='done'))
        batch_op.add_column(sa.Column('error', sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table('document_original', schema=None) as batch_op:
        batch_op.add_column(sa.Column('made_later', sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade():
    with op.batch_alter_table('document_original', schema=None) as batch_op:
        batch_op.drop_column('made_later')
    with op.batch_alter_table('version_seal', schema=None) as batch_op:
        batch_op.drop_column('finished_at')
        batch_op.drop_column('error')
        batch_op.drop_column('status')
        batch_op.drop_column('variants')
