"""timer start events: start_timer, one row per (process key, start event) of the latest version, with leases

Revision ID: 0015
Revises: 0013
Create Date: 2026-12-01
"""
from alembic import op
import sqlalchemy as sa


revision = '0015'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'start_timer',
        sa.Column('id', sa.String(length=36), nullable=False),
        sa.Column('process_key', sa.String(length=100), nullable=False),
        sa.Column('activity_id', sa.String(length=200), nullable=False),
        sa.Column('definition_id', sa.String(length=120), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('expression', sa.Text(), nullable=False),
        sa.Column('due_at', sa.DateTime(), nullable=False),
        sa.Column('fired', sa.Integer(), server_default=sa.text('0'), nullable=False),
        sa.Column('claimed_by', sa.String(length=120), nullable=True),
        sa.Column('claimed_at', sa.DateTime(), nullable=True),
        sa.Column('lease_until', sa.DateTime(), nullable=True),
        sa.Column('attempts', sa.Integer(), server_default=sa.text('0'), nullable=False),
        sa.Column('next_try_at', sa.DateTime(), nullable=True),
        sa.Column('last_error', sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(['definition_id'], ['process_definition.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('process_key', 'activity_id'),
    )
    op.create_index('ix_start_timer_definition_id', 'start_timer', ['definition_id'], unique=False)
    op.create_index('ix_start_timer_due_at', 'start_timer', ['due_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_start_timer_due_at', table_name='start_timer')
    op.drop_index('ix_start_timer_definition_id', table_name='start_timer')
    op.drop_table('start_timer')
