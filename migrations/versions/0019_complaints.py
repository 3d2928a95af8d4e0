"""domain tables complaint and complaint_event (Flow 2); ticket_counter keys wide enough for other series

Revision ID: 0019
Revises: 0015
Create Date: 2026-12-01
"""
from alembic import op
import sqlalchemy as sa


revision = '0019'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'complaint',
        sa.Column('instance_id', sa.String(length=36), nullable=False),
        sa.Column('number', sa.String(length=200), nullable=True),
        sa.Column('source', sa.String(length=40), nullable=False),
        sa.Column('ticket_instance_id', sa.String(length=36), nullable=True),
        sa.Column('ticket_business_key', sa.String(length=200), nullable=True),
        sa.Column('complainant', sa.String(length=200), nullable=True),
        sa.Column('department', sa.String(length=200), nullable=True),
        sa.Column('content', sa.Text(), nullable=False),
        sa.Column('severity', sa.String(length=20), nullable=False),
        sa.Column('agreed_working_days', sa.Integer(), nullable=False),
        sa.Column('received_at', sa.DateTime(), nullable=False),
        sa.Column('due_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('instance_id'),
    )
    op.create_index('ix_complaint_number', 'complaint', ['number'])
    op.create_index('ix_complaint_ticket_instance_id', 'complaint', ['ticket_instance_id'])
    op.create_index('ix_complaint_received_at', 'complaint', ['received_at'])
    op.create_table(
        'complaint_event',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('instance_id', sa.String(length=36), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('at', sa.DateTime(), nullable=False),
        sa.Column('within_limit', sa.Boolean(), nullable=True),
        sa.Column('note', sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_complaint_event_instance_id', 'complaint_event', ['instance_id'])
    with op.batch_alter_table('ticket_counter') as batch:
        batch.alter_column('day', type_=sa.String(length=16), existing_type=sa.String(length=8),
                           existing_nullable=False)


def downgrade() -> None:
    with op.batch_alter_table('ticket_counter') as batch:
        batch.alter_column('day', type_=sa.String(length=8), existing_type=sa.String(length=16),
                           existing_nullable=False)
    op.drop_index('ix_complaint_event_instance_id', table_name='complaint_event')
    op.drop_table('complaint_event')
    op.drop_index('ix_complaint_received_at', table_name='complaint')
    op.drop_index('ix_complaint_ticket_instance_id', table_name='complaint')
    op.drop_index('ix_complaint_number', table_name='complaint')
    op.drop_table('complaint')
