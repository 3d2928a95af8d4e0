"""human_task.item: the element a multi-instance activity gave its task (a department), for the inbox row

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


def downgrade() -> None:
    with op.batch_alter_table('human_task') as batch:
        batch.drop_column('item')
