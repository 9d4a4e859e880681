"""Documents (issue 6): sealed originals of agreed plans, the customer's copy, inspection packs and
the public verification page's rate limit.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-25 09:04:41.500564

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('rate_limit_hit',
    sa.Column('bucket', sa.String(length=80), nullable=False),
    sa.Column('window_start', sa.Integer(), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('bucket', 'window_start', name=op.f('pk_rate_limit_hit'))
    )
    op.create_table('inspection_pack',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('programme_id', sa.Integer(), nullable=False),
    sa.Column('date_from', sa.Date(), nullable=True),
    sa.Column('date_to', sa.Date(), nullable=True),
    sa.Column('requested_by_id', sa.Integer(), nullable=False),
    sa.Column('requested_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('status', sa.Enum('queued', 'running', 'done', 'failed', name='packstatus', native_enum=False, create_constraint=True, length=10), nullable=False),
    sa.Column('done', sa.Integer(), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('error', sa.String(length=300), nullable=True),
    sa.Column('zip_bytes', sa.LargeBinary(), nullable=True),
    sa.Column('zip_sha256', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_inspection_pack_organisation_id_organisation')),
    sa.ForeignKeyConstraint(['programme_id'], ['programme.id'], name=op.f('fk_inspection_pack_programme_id_programme')),
    sa.ForeignKeyConstraint(['requested_by_id'], ['user_account.id'], name=op.f('fk_inspection_pack_requested_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inspection_pack'))
    )
    with op.batch_alter_table('inspection_pack', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_inspection_pack_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_inspection_pack_requested_by_id'), ['requested_by_id'], unique=False)

    op.create_table('customer_copy',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('method', sa.Enum('handed_over', 'posted', 'emailed', 'read_by_link', name='copymethod', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('document_format', sa.String(length=20), nullable=False),
    sa.Column('language', sa.String(length=2), nullable=False),
    sa.Column('given_on', sa.Date(), nullable=True),
    sa.Column('note', sa.String(length=500), nullable=True),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user_account.id'], name=op.f('fk_customer_copy_recorded_by_id_user_account')),
    sa.ForeignKeyConstraint(['version_id'], ['plan_version.id'], name=op.f('fk_customer_copy_version_id_plan_version')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_customer_copy'))
    )
    with op.batch_alter_table('customer_copy', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_customer_copy_version_id'), ['version_id'], unique=False)

    op.create_table('version_seal',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=16), nullable=False),
    sa.Column('sealed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['version_id'], ['plan_version.id'], name=op.f('fk_version_seal_version_id_plan_version')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_version_seal')),
    sa.UniqueConstraint('code', name=op.f('uq_version_seal_code')),
    sa.UniqueConstraint('version_id', name=op.f('uq_version_seal_version_id'))
    )
    op.create_table('document_original',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('seal_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=4), nullable=False),
    sa.Column('document_format', sa.String(length=20), nullable=False),
    sa.Column('language', sa.String(length=2), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=True),
    sa.Column('record', sa.Text(), nullable=False),
    sa.Column('signature', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['seal_id'], ['version_seal.id'], name=op.f('fk_document_original_seal_id_version_seal')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_document_original')),
    sa.UniqueConstraint('seal_id', 'kind', 'document_format', 'language', name='uq_document_original')
    )
    with op.batch_alter_table('document_original', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_document_original_seal_id'), ['seal_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_document_original_sha256'), ['sha256'], unique=False)



def downgrade():
    with op.batch_alter_table('document_original', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_document_original_sha256'))
        batch_op.drop_index(batch_op.f('ix_document_original_seal_id'))

    op.drop_table('document_original')
    op.drop_table('version_seal')
    with op.batch_alter_table('customer_copy', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_customer_copy_version_id'))

    op.drop_table('customer_copy')
    with op.batch_alter_table('inspection_pack', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_inspection_pack_requested_by_id'))
        batch_op.drop_index(batch_op.f('ix_inspection_pack_organisation_id'))

    op.drop_table('inspection_pack')
    op.drop_table('rate_limit_hit')
