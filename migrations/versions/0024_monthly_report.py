"""domain table monthly_report (Flow 6): one month's figures as compiled, reviewed and published

Revision ID: 0024
Revises: 0020
Create Date: 2026-12-01
"""
from alembic import op
import sqlalchemy as sa


revision = '0024'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'monthly_report',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('month', sa.String(length=7), nullable=False),
        sa.Column('instance_id', sa.String(length=36), nullable=False),
        sa.Column('period_from', sa.Date(), nullable=False),
        sa.Column('period_to', sa.Date(), nullable=False),
        sa.Column('figures', sa.JSON(), nullable=False),
        sa.Column('state', sa.String(length=20), nullable=False),
        sa.Column('comment', sa.Text(), nullable=True),
        sa.Column('reviewer', sa.String(length=64), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('compiled_at', sa.DateTime(), nullable=False),
        sa.Column('published_at', sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('month'),
        sa.UniqueConstraint('instance_id'),
    )


def downgrade() -> None:
    op.drop_table('monthly_report')
