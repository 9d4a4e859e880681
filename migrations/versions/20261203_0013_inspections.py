"""Inspections (issue 13, R-INSP-1, R-INSP-2, R-DATA-6): scope, sample, findings and their history.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 13:58:29.990961

"""
from alembic import op
import sqlalchemy as sa



# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('inspection',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('period_from', sa.Date(), nullable=False),
    sa.Column('period_to', sa.Date(), nullable=False),
    sa.Column('opened_on', sa.Date(), nullable=False),
    sa.Column('closed_on', sa.Date(), nullable=True),
    sa.Column('status', sa.Enum('open', 'closed', name='inspectionstatus', native_enum=False, create_constraint=True, length=10), nullable=False),
    sa.Column('opened_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('sample_seed', sa.Integer(), nullable=True),
    sa.Column('sample_spec', sa.Text(), nullable=True),
    sa.Column('sampled_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['opened_by_id'], ['user_account.id'], name=op.f('fk_inspection_opened_by_id_user_account')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_inspection_organisation_id_organisation')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inspection'))
    )
    with op.batch_alter_table('inspection', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_inspection_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('inspection_finding',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('inspection_id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=True),
    sa.Column('rule', sa.String(length=20), nullable=False),
    sa.Column('found', sa.Text(), nullable=False),
    sa.Column('severity', sa.Enum('low', 'medium', 'high', name='severity', native_enum=False, create_constraint=True, length=10), nullable=False),
    sa.Column('action_required', sa.Text(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('state', sa.Enum('open', 'answered', 'accepted', 'reopened', name='findingstate', native_enum=False, create_constraint=True, length=10), nullable=False),
    sa.Column('raised_by_id', sa.Integer(), nullable=False),
    sa.Column('raised_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_inspection_finding_customer_id_customer')),
    sa.ForeignKeyConstraint(['inspection_id'], ['inspection.id'], name=op.f('fk_inspection_finding_inspection_id_inspection'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['raised_by_id'], ['user_account.id'], name=op.f('fk_inspection_finding_raised_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inspection_finding'))
    )
    with op.batch_alter_table('inspection_finding', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_inspection_finding_inspection_id'), ['inspection_id'], unique=False)

    op.create_table('inspection_inspector',
    sa.Column('inspection_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['inspection_id'], ['inspection.id'], name=op.f('fk_inspection_inspector_inspection_id_inspection'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_inspection_inspector_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('inspection_id', 'user_id', name=op.f('pk_inspection_inspector'))
    )
    with op.batch_alter_table('inspection_inspector', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_inspection_inspector_user_id'), ['user_id'], unique=False)

    op.create_table('inspection_programme',
    sa.Column('inspection_id', sa.Integer(), nullable=False),
    sa.Column('programme_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['inspection_id'], ['inspection.id'], name=op.f('fk_inspection_programme_inspection_id_inspection'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['programme_id'], ['programme.id'], name=op.f('fk_inspection_programme_programme_id_programme'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('inspection_id', 'programme_id', name=op.f('pk_inspection_programme'))
    )
    op.create_table('inspection_sample',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('inspection_id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('programme_id', sa.Integer(), nullable=False),
    sa.Column('how', sa.String(length=10), nullable=False),
    sa.Column('added_by_id', sa.Integer(), nullable=False),
    sa.Column('added_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['added_by_id'], ['user_account.id'], name=op.f('fk_inspection_sample_added_by_id_user_account')),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_inspection_sample_customer_id_customer')),
    sa.ForeignKeyConstraint(['inspection_id'], ['inspection.id'], name=op.f('fk_inspection_sample_inspection_id_inspection'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['programme_id'], ['programme.id'], name=op.f('fk_inspection_sample_programme_id_programme')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inspection_sample')),
    sa.UniqueConstraint('inspection_id', 'customer_id', name='one_sample_row_per_customer')
    )
    with op.batch_alter_table('inspection_sample', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_inspection_sample_inspection_id'), ['inspection_id'], unique=False)

    op.create_table('inspection_finding_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('finding_id', sa.Integer(), nullable=False),
    sa.Column('to_state', sa.Enum('open', 'answered', 'accepted', 'reopened', name='to_state', native_enum=False, create_constraint=True, length=10), nullable=False),
    sa.Column('text', sa.Text(), nullable=True),
    sa.Column('evidence_url', sa.String(length=500), nullable=True),
    sa.Column('by_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['by_id'], ['user_account.id'], name=op.f('fk_inspection_finding_event_by_id_user_account')),
    sa.ForeignKeyConstraint(['finding_id'], ['inspection_finding.id'], name=op.f('fk_inspection_finding_event_finding_id_inspection_finding'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inspection_finding_event'))
    )
    with op.batch_alter_table('inspection_finding_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_inspection_finding_event_finding_id'), ['finding_id'], unique=False)



def downgrade():
    with op.batch_alter_table('inspection_finding_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_inspection_finding_event_finding_id'))

    op.drop_table('inspection_finding_event')
    with op.batch_alter_table('inspection_sample', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_inspection_sample_inspection_id'))

    op.drop_table('inspection_sample')
    op.drop_table('inspection_programme')
    with op.batch_alter_table('inspection_inspector', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_inspection_inspector_user_id'))

    op.drop_table('inspection_inspector')
    with op.batch_alter_table('inspection_finding', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_inspection_finding_inspection_id'))

    op.drop_table('inspection_finding')
    with op.batch_alter_table('inspection', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_inspection_organisation_id'))

    op.drop_table('inspection')
