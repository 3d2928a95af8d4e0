"""domain table sla_event: SLA deadlines set and breached, recorded by handlers

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30
"""
from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'sla_event',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('instance_id', sa.String(length=36), nullable=False),
        sa.Column('business_key', sa.String(length=200), nullable=True),
        sa.Column('sla', sa.String(length=40), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('deadline', sa.DateTime(), nullable=True),
        sa.Column('at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index(op.f('ix_sla_event_instance_id'), 'sla_event', ['instance_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_sla_event_instance_id'), table_name='sla_event')
    op.drop_table('sla_event')
