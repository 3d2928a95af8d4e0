"""domain tables ticket and ticket_callback (Flow 1): the rows the service figures are counted from

Revision ID: 0020
Revises: 0018
Create Date: 2026-12-01
"""
from alembic import op
import sqlalchemy as sa


revision = '0020'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'ticket',
        sa.Column('instance_id', sa.String(length=36), nullable=False),
        sa.Column('number', sa.String(length=200), nullable=True),
        sa.Column('requester', sa.String(length=200), nullable=True),
        sa.Column('department', sa.String(length=200), nullable=True),
        sa.Column('channel', sa.String(length=40), nullable=True),
        sa.Column('ticket_type', sa.String(length=40), nullable=True),
        sa.Column('category', sa.String(length=40), nullable=True),
        sa.Column('priority', sa.String(length=20), nullable=True),
        sa.Column('vip', sa.Boolean(), nullable=False),
        sa.Column('tier1_group', sa.String(length=64), nullable=True),
        sa.Column('engineer', sa.String(length=64), nullable=True),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('requested_at', sa.DateTime(), nullable=False),
        sa.Column('requested_on', sa.Date(), nullable=False),
        sa.Column('requested_month', sa.String(length=7), nullable=False),
        sa.Column('response_due_at', sa.DateTime(), nullable=True),
        sa.Column('first_response_at', sa.DateTime(), nullable=True),
        sa.Column('completion_requested_at', sa.DateTime(), nullable=True),
        sa.Column('close_due_at', sa.DateTime(), nullable=True),
        sa.Column('closed_at', sa.DateTime(), nullable=True),
        sa.Column('reopen_count', sa.Integer(), nullable=False),
        sa.Column('escalation_level', sa.Integer(), nullable=False),
        sa.Column('first_contact', sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint('instance_id'),
    )
    op.create_index('ix_ticket_number', 'ticket', ['number'])
    op.create_index('ix_ticket_requested_on', 'ticket', ['requested_on', 'priority'])
    op.create_table(
        'ticket_callback',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('instance_id', sa.String(length=36), nullable=False),
        sa.Column('seq', sa.Integer(), nullable=False),
        sa.Column('at', sa.DateTime(), nullable=False),
        sa.Column('agent', sa.String(length=64), nullable=True),
        sa.Column('solved', sa.Boolean(), nullable=False),
        sa.Column('complaint', sa.Text(), nullable=True),
        sa.Column('attitude', sa.Integer(), nullable=True),
        sa.Column('speed', sa.Integer(), nullable=True),
        sa.Column('effect', sa.Integer(), nullable=True),
        sa.Column('note', sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_ticket_callback_instance_seq', 'ticket_callback', ['instance_id', 'seq'], unique=True)


def downgrade() -> None:
    op.drop_index('ix_ticket_callback_instance_seq', table_name='ticket_callback')
    op.drop_table('ticket_callback')
    op.drop_index('ix_ticket_requested_on', table_name='ticket')
    op.drop_index('ix_ticket_number', table_name='ticket')
    op.drop_table('ticket')
