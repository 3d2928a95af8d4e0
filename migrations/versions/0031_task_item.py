"""human_task.item: the element a multi-instance activity gave its task (a department); inbox_ticket.case_*: what
the case is and what names it (week 49's survey), so that an inbox row names both without reading variables

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-01
"""
import sqlalchemy as sa
from alembic import op


revision = '0031'
down_revision = '0030'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('human_task', sa.Column('item', sa.String(length=200), nullable=True))
    op.add_column('inbox_ticket', sa.Column('case_kind', sa.String(length=30), nullable=True))
    op.add_column('inbox_ticket', sa.Column('case_subject', sa.String(length=200), nullable=True))
    op.add_column('inbox_ticket', sa.Column('case_detail', sa.String(length=200), nullable=True))


def downgrade() -> None:
    # plain DROP COLUMN (SQLite 3.35+), not a batch copy: recreating human_task would cascade-delete the
    # task_candidate rows that reference it
    for column in ('case_detail', 'case_subject', 'case_kind'):
        op.drop_column('inbox_ticket', column)
    op.drop_column('human_task', 'item')
