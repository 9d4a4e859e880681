"""The adviser's work queue and reminders (issue 16, R-REM-1): each programme's allowance for an agreed
plan and the Work Choice transitional strand's length as data, when a signing link was opened, and each
account's reminder preference.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 14:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

# code: (plan_due_weeks, transitional_weeks). SES 4.05: a plan is agreed "when commencing"; a 12-week
# job club has less time than the year-long programmes. IFS 19: the transitional strand lasts two years.
ALLOWANCES = {"SES": (4, None), "J2E": (2, None), "LSE": (4, None), "WORK_CHOICE": (4, 104)}


def upgrade():
    with op.batch_alter_table('programme', schema=None) as batch_op:
        batch_op.add_column(sa.Column('plan_due_weeks', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('transitional_weeks', sa.Integer(), nullable=True))
    with op.batch_alter_table('plan_signing_link', schema=None) as batch_op:
        batch_op.add_column(sa.Column('opened_at', sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reminder_frequency', sa.String(length=10), server_default='weekly',
                                      nullable=False))
        batch_op.add_column(sa.Column('reminder_sent_at', sa.DateTime(timezone=True), nullable=True))
    programme = sa.table("programme", sa.column("code", sa.String), sa.column("plan_due_weeks", sa.Integer),
                         sa.column("transitional_weeks", sa.Integer))
    for code, (due, transitional) in ALLOWANCES.items():
        op.execute(programme.update().where(programme.c.code == code)
                   .values(plan_due_weeks=due, transitional_weeks=transitional))


def downgrade():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_column('reminder_sent_at')
        batch_op.drop_column('reminder_frequency')
    with op.batch_alter_table('plan_signing_link', schema=None) as batch_op:
        batch_op.drop_column('opened_at')
    with op.batch_alter_table('programme', schema=None) as batch_op:
        batch_op.drop_column('transitional_weeks')
        batch_op.drop_column('plan_due_weeks')
