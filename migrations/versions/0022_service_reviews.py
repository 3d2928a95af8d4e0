"""domain tables service_review and review_minutes (Flow 4, service review)

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-01
"""
from alembic import op
import sqlalchemy as sa


revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'service_review',
        sa.Column('instance_id', sa.String(length=36), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('reason', sa.Text(), nullable=True),
        sa.Column('contract_phase', sa.String(length=10), nullable=True),
        sa.Column('contract_change_ref', sa.String(length=200), nullable=True),
        sa.Column('requested_by', sa.String(length=200), nullable=True),
        sa.Column('opened_at', sa.DateTime(), nullable=False),
        sa.Column('planned_on', sa.Date(), nullable=True),
        sa.Column('held_on', sa.Date(), nullable=True),
        sa.Column('stakeholders', sa.JSON(), nullable=True),
        sa.Column('inputs', sa.JSON(), nullable=True),
        sa.Column('state', sa.String(length=20), nullable=False),
        sa.Column('revision_agreed', sa.Boolean(), nullable=True),
        sa.Column('revision_summary', sa.Text(), nullable=True),
        sa.Column('report_summary', sa.Text(), nullable=True),
        sa.Column('reported_at', sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint('instance_id'),
    )
    op.create_index('ix_service_review_kind', 'service_review', ['kind'])
    op.create_index('ix_service_review_opened_at', 'service_review', ['opened_at'])
    op.create_table(
        'review_minutes',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('review_instance_id', sa.String(length=36), nullable=False),
        sa.Column('attendees', sa.Text(), nullable=False),
        sa.Column('decisions', sa.Text(), nullable=False),
        sa.Column('actions', sa.JSON(), nullable=False),
        sa.Column('recorded_by', sa.String(length=200), nullable=True),
        sa.Column('recorded_at', sa.DateTime(), nullable=False),
        sa.Column('distributed_to', sa.JSON(), nullable=True),
        sa.Column('distributed_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['review_instance_id'], ['service_review.instance_id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_review_minutes_review_instance_id', 'review_minutes', ['review_instance_id'])


def downgrade() -> None:
    op.drop_index('ix_review_minutes_review_instance_id', table_name='review_minutes')
    op.drop_table('review_minutes')
    op.drop_index('ix_service_review_opened_at', table_name='service_review')
    op.drop_index('ix_service_review_kind', table_name='service_review')
    op.drop_table('service_review')
