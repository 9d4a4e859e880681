"""The outbox keeps delivery records only (issue 12, finding 1).

Stored copies of messages held invitation, password-reset and signing links with their tokens, and
customers' names and addresses, all readable by the system administrator. The address, subject and
text columns are dropped with what they held; each row keeps its purpose and time, the kind of
recipient and whether it was sent. Rows from before have no recipient reference (it needs the key).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 13:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

STATUS = sa.Enum('sent', 'failed', 'not_sent', 'dev_file', name='deliverystatus', native_enum=False,
                 create_constraint=True, length=10)


def upgrade():
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('recipient_kind', sa.String(length=20), nullable=False, server_default='other'))
        batch_op.add_column(sa.Column('recipient_ref', sa.String(length=16), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('status', STATUS, nullable=False, server_default='not_sent'))
    op.execute("UPDATE outbox_message SET status = CASE WHEN delivered_by = 'smtp' THEN 'sent' ELSE 'not_sent' END, "
               "recipient_kind = CASE purpose WHEN 'invitation' THEN 'staff' WHEN 'password_reset' THEN 'staff' "
               "WHEN 'signing_link' THEN 'plan signer' WHEN 'plan_copy' THEN 'customer' ELSE 'other' END")
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.alter_column('recipient_kind', server_default=None)
        batch_op.alter_column('recipient_ref', server_default=None)
        batch_op.alter_column('status', server_default=None)
        batch_op.drop_column('recipient')
        batch_op.drop_column('subject')
        batch_op.drop_column('body')
        batch_op.drop_column('delivered_by')


def downgrade():
    # The dropped text cannot come back: the columns return empty.
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('recipient', sa.String(length=254), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('subject', sa.String(length=200), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('body', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('delivered_by', sa.String(length=10), nullable=False, server_default='outbox'))
    op.execute("UPDATE outbox_message SET delivered_by = CASE WHEN status = 'sent' THEN 'smtp' ELSE 'outbox' END")
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        for column in ('recipient', 'subject', 'body', 'delivered_by'):
            batch_op.alter_column(column, server_default=None)
        batch_op.drop_constraint(op.f('ck_outbox_message_deliverystatus'), type_='check')
        batch_op.drop_column('status')
        batch_op.drop_column('recipient_ref')
        batch_op.drop_column('recipient_kind')
