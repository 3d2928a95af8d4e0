"""notification deliveries: one row per notification, recipient and channel; notifications to a person, translatable

Revision ID: 0014
Revises: 0008
Create Date: 2026-12-01
"""
from alembic import op
import sqlalchemy as sa


revision = '0014'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('notification') as batch:
        batch.alter_column('group_id', existing_type=sa.String(length=64), nullable=True)
        batch.add_column(sa.Column('user_id', sa.String(length=64), nullable=True))
        batch.add_column(sa.Column('params', sa.JSON(), nullable=True))
    op.create_table(
        'notification_delivery',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('notification_id', sa.Integer(), nullable=False),
        sa.Column('recipient', sa.String(length=64), nullable=False),
        sa.Column('channel', sa.String(length=16), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('next_try_at', sa.DateTime(), nullable=False),
        sa.Column('attempts', sa.Integer(), server_default=sa.text('0'), nullable=False),
        sa.Column('claimed_by', sa.String(length=200), nullable=True),
        sa.Column('lease_until', sa.DateTime(), nullable=True),
        sa.Column('last_error', sa.Text(), nullable=True),
        sa.Column('sent_at', sa.DateTime(), nullable=True),
        sa.Column('read_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['notification_id'], ['notification.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('notification_id', 'recipient', 'channel'),
    )
    op.create_index('ix_delivery_pending', 'notification_delivery', ['channel', 'sent_at', 'next_try_at'])
    op.create_index('ix_delivery_inbox', 'notification_delivery',
                    ['recipient', 'channel', 'read_at', 'notification_id'])


def downgrade() -> None:
    op.drop_index('ix_delivery_inbox', table_name='notification_delivery')
    op.drop_index('ix_delivery_pending', table_name='notification_delivery')
    op.drop_table('notification_delivery')
    with op.batch_alter_table('notification') as batch:
        batch.drop_column('params')
        batch.drop_column('user_id')
        batch.alter_column('group_id', existing_type=sa.String(length=64), nullable=False)
