"""domain tables of Flow 5 (satisfaction survey) and callback sampling: campaigns, questionnaires, improvement actions, samples

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-01
"""
from alembic import op
import sqlalchemy as sa


revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'satisfaction_campaign',
        sa.Column('instance_id', sa.String(length=36), nullable=False),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('period_start', sa.Date(), nullable=False),
        sa.Column('period_end', sa.Date(), nullable=False),
        sa.Column('closes_at', sa.DateTime(), nullable=False),
        sa.Column('targets', sa.JSON(), nullable=False),
        sa.Column('means', sa.JSON(), nullable=False),
        sa.Column('state', sa.String(length=20), nullable=False),
        sa.Column('invited', sa.Integer(), nullable=False),
        sa.Column('opened_at', sa.DateTime(), nullable=False),
        sa.Column('opened_by', sa.String(length=64), nullable=True),
        sa.Column('closed_at', sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint('instance_id'),
    )
    op.create_table(
        'satisfaction_response',
        sa.Column('id', sa.String(length=36), nullable=False),
        sa.Column('campaign_instance_id', sa.String(length=36), nullable=True),
        sa.Column('ticket_instance_id', sa.String(length=36), nullable=True),
        sa.Column('requester', sa.String(length=64), nullable=False),
        sa.Column('sent_at', sa.DateTime(), nullable=False),
        sa.Column('technical', sa.Integer(), nullable=True),
        sa.Column('response', sa.Integer(), nullable=True),
        sa.Column('resolution', sa.Integer(), nullable=True),
        sa.Column('attitude', sa.Integer(), nullable=True),
        sa.Column('communication', sa.Integer(), nullable=True),
        sa.Column('comment', sa.Text(), nullable=True),
        sa.Column('answered_at', sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('campaign_instance_id', 'requester'),
    )
    op.create_index('ix_satisfaction_response_campaign_instance_id', 'satisfaction_response',
                    ['campaign_instance_id'])
    op.create_index('ix_satisfaction_response_ticket_instance_id', 'satisfaction_response', ['ticket_instance_id'])
    op.create_index('ix_satisfaction_response_requester', 'satisfaction_response', ['requester'])
    op.create_index('ix_satisfaction_response_answered_at', 'satisfaction_response', ['answered_at'])
    op.create_table(
        'improvement_action',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('campaign_instance_id', sa.String(length=36), nullable=False),
        sa.Column('dimension', sa.String(length=20), nullable=False),
        sa.Column('mean', sa.Float(), nullable=True),
        sa.Column('target', sa.Float(), nullable=False),
        sa.Column('measure', sa.Text(), nullable=False),
        sa.Column('owner_group', sa.String(length=64), nullable=False),
        sa.Column('due_on', sa.Date(), nullable=False),
        sa.Column('state', sa.String(length=10), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('reminded_at', sa.DateTime(), nullable=True),
        sa.Column('done_at', sa.DateTime(), nullable=True),
        sa.Column('result', sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('campaign_instance_id', 'dimension'),
    )
    op.create_index('ix_improvement_action_campaign_instance_id', 'improvement_action', ['campaign_instance_id'])
    op.create_table(
        'callback_sample',
        sa.Column('ticket_instance_id', sa.String(length=36), nullable=False),
        sa.Column('ticket_number', sa.String(length=200), nullable=True),
        sa.Column('week', sa.String(length=8), nullable=False),
        sa.Column('sampling_instance_id', sa.String(length=36), nullable=False),
        sa.Column('sent_at', sa.DateTime(), nullable=False),
        sa.Column('response_id', sa.String(length=36), nullable=True),
        sa.PrimaryKeyConstraint('ticket_instance_id'),
    )
    op.create_index('ix_callback_sample_week', 'callback_sample', ['week'])


def downgrade() -> None:
    op.drop_index('ix_callback_sample_week', table_name='callback_sample')
    op.drop_table('callback_sample')
    op.drop_index('ix_improvement_action_campaign_instance_id', table_name='improvement_action')
    op.drop_table('improvement_action')
    for column in ('answered_at', 'requester', 'ticket_instance_id', 'campaign_instance_id'):
        op.drop_index(f'ix_satisfaction_response_{column}', table_name='satisfaction_response')
    op.drop_table('satisfaction_response')
    op.drop_table('satisfaction_campaign')
