"""table task_filter: saved task queries (Camunda's filters) with owner, sharing and display properties

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""
from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'task_filter',
        sa.Column('id', sa.String(length=36), nullable=False),
        sa.Column('resource_type', sa.String(length=20), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('owner', sa.String(length=64), nullable=False),
        sa.Column('shared', sa.Boolean(), nullable=False),
        sa.Column('query', sa.JSON(), nullable=False),
        sa.Column('properties', sa.JSON(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index(op.f('ix_task_filter_owner'), 'task_filter', ['owner'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_task_filter_owner'), table_name='task_filter')
    op.drop_table('task_filter')
