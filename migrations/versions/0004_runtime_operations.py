"""runtime operations: message subscriptions, comments, task-local variables, suspension and delegation

Revision ID: 0004
Revises: 0006
Create Date: 2026-12-01
"""
from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'message_subscription',
        sa.Column('id', sa.String(length=36), nullable=False),
        sa.Column('instance_id', sa.String(length=36), nullable=False),
        sa.Column('activity_id', sa.String(length=200), nullable=False),
        sa.Column('kind', sa.String(length=10), nullable=False),
        sa.Column('name', sa.String(length=300), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['instance_id'], ['process_instance.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_message_subscription_event', 'message_subscription', ['kind', 'name'], unique=False)
    op.create_index(op.f('ix_message_subscription_instance_id'), 'message_subscription', ['instance_id'],
                    unique=False)
    op.create_table(
        'comment',
        sa.Column('id', sa.String(length=36), nullable=False),
        sa.Column('task_id', sa.String(length=36), nullable=True),
        sa.Column('instance_id', sa.String(length=36), nullable=True),
        sa.Column('user_id', sa.String(length=64), nullable=True),
        sa.Column('at', sa.DateTime(), nullable=False),
        sa.Column('message', sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index(op.f('ix_comment_task_id'), 'comment', ['task_id'], unique=False)
    op.create_index(op.f('ix_comment_instance_id'), 'comment', ['instance_id'], unique=False)
    op.create_table(
        'task_local_variable',
        sa.Column('task_id', sa.String(length=36), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('value', sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(['task_id'], ['human_task.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('task_id', 'name'),
    )
    with op.batch_alter_table('process_instance') as batch:
        batch.add_column(sa.Column('suspended', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch.add_column(sa.Column('delete_reason', sa.String(length=500), nullable=True))
    with op.batch_alter_table('process_definition') as batch:
        batch.add_column(sa.Column('suspended', sa.Boolean(), server_default=sa.false(), nullable=False))
    with op.batch_alter_table('human_task') as batch:
        batch.add_column(sa.Column('owner', sa.String(length=64), nullable=True))
        batch.add_column(sa.Column('delegation_state', sa.String(length=10), nullable=True))
        batch.add_column(sa.Column('suspended', sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('human_task') as batch:
        batch.drop_column('suspended')
        batch.drop_column('delegation_state')
        batch.drop_column('owner')
    with op.batch_alter_table('process_definition') as batch:
        batch.drop_column('suspended')
    with op.batch_alter_table('process_instance') as batch:
        batch.drop_column('delete_reason')
        batch.drop_column('suspended')
    op.drop_table('task_local_variable')
    op.drop_index(op.f('ix_comment_instance_id'), table_name='comment')
    op.drop_index(op.f('ix_comment_task_id'), table_name='comment')
    op.drop_table('comment')
    op.drop_index(op.f('ix_message_subscription_instance_id'), table_name='message_subscription')
    op.drop_index('ix_message_subscription_event', table_name='message_subscription')
    op.drop_table('message_subscription')
