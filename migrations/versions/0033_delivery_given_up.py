"""notification deliveries a relay gave up on after RELAY_MAX_ATTEMPTS failures: kept, listed, sent again by hand

Revision ID: 0033
Revises: 0031
Create Date: 2026-12-01
"""
from alembic import op
import sqlalchemy as sa


revision = '0033'
down_revision = '0031'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('notification_delivery') as batch:
        batch.add_column(sa.Column('given_up_at', sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('notification_delivery') as batch:
        batch.drop_column('given_up_at')
