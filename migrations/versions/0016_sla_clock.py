"""SLA clocks: why a clock paused (sla_event.reason) and the clock the inbox shows (inbox_ticket.sla_*)

Revision ID: 0016
Revises: 0019
Create Date: 2026-12-01
"""
from alembic import op
import sqlalchemy as sa


revision = '0016'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('sla_event', sa.Column('reason', sa.String(length=40), nullable=True))
    op.add_column('inbox_ticket', sa.Column('sla_clock', sa.String(length=20), nullable=True))
    op.add_column('inbox_ticket', sa.Column('sla_state', sa.String(length=20), nullable=True))
    op.add_column('inbox_ticket', sa.Column('sla_due_at', sa.DateTime(), nullable=True))
    op.add_column('inbox_ticket', sa.Column('sla_started_at', sa.DateTime(), nullable=True))
    # running tickets keep the badge they had (the response clock) until their next step rewrites the row
    op.execute("UPDATE inbox_ticket SET sla_clock = 'response', sla_state = 'running', "
               "sla_due_at = response_due_at, sla_started_at = response_set_at WHERE response_due_at IS NOT NULL")


def downgrade() -> None:
    with op.batch_alter_table('inbox_ticket') as batch:
        batch.drop_column('sla_started_at')
        batch.drop_column('sla_due_at')
        batch.drop_column('sla_state')
        batch.drop_column('sla_clock')
    with op.batch_alter_table('sla_event') as batch:
        batch.drop_column('reason')
