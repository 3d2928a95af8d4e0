"""domain table ticket_counter: per-day counters behind readable ticket numbers

Revision ID: 0009
Revises: 0007
Create Date: 2026-11-30
"""
from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'ticket_counter',
        sa.Column('day', sa.String(length=8), nullable=False),
        sa.Column('last', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('day'),
    )


def downgrade() -> None:
    op.drop_table('ticket_counter')
