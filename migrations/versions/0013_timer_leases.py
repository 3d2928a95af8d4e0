"""timer leases and back-off: lease_until, attempts, next_try_at on the timer projection

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01
"""
from alembic import op
import sqlalchemy as sa


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('timer', sa.Column('lease_until', sa.DateTime(), nullable=True))
    op.add_column('timer', sa.Column('attempts', sa.Integer(), nullable=False, server_default=sa.text('0')))
    op.add_column('timer', sa.Column('next_try_at', sa.DateTime(), nullable=True))
    op.create_index('ix_timer_firable', 'timer', ['due_at', 'next_try_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_timer_firable', table_name='timer')
    with op.batch_alter_table('timer') as batch:
        batch.drop_column('next_try_at')
        batch.drop_column('attempts')
        batch.drop_column('lease_until')
