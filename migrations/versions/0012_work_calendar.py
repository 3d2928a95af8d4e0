"""working-day calendar: days an administrator entered (holiday / workday) and years marked complete

Revision ID: 0012
Revises: 0014
Create Date: 2026-12-01
"""
from alembic import op
import sqlalchemy as sa


revision = '0012'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'calendar_day',
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=8), nullable=False),
        sa.Column('name', sa.String(length=100), nullable=False),
        sa.CheckConstraint("kind IN ('holiday', 'workday')", name='ck_calendar_day_kind'),
        sa.PrimaryKeyConstraint('day'),
    )
    op.create_index('ix_calendar_day_year', 'calendar_day', ['year'])
    op.create_table(
        'calendar_year',
        sa.Column('year', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('complete', sa.Boolean(), nullable=False),
        sa.Column('updated_by', sa.String(length=64), nullable=True),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('year'),
    )


def downgrade() -> None:
    op.drop_table('calendar_year')
    op.drop_index('ix_calendar_day_year', table_name='calendar_day')
    op.drop_table('calendar_day')
