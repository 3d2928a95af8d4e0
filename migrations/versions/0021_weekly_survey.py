"""domain tables survey_answer, survey_item and accountability (Flow 3, the weekly survey report)

Revision ID: 0021
Revises: 0024
Create Date: 2026-12-01
"""
from alembic import op
import sqlalchemy as sa


revision = '0021'
down_revision = '0024'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'survey_answer',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('instance_id', sa.String(length=36), nullable=False),
        sa.Column('week', sa.String(length=8), nullable=False),
        sa.Column('department', sa.String(length=200), nullable=False),
        sa.Column('owner_group', sa.String(length=64), nullable=False),
        sa.Column('recorder', sa.String(length=200), nullable=False),
        sa.Column('surveyed_at', sa.DateTime(), nullable=False),
        sa.Column('confirmed_by', sa.String(length=200), nullable=False),
        sa.Column('answered_by', sa.String(length=64), nullable=True),
        sa.Column('answered_at', sa.DateTime(), nullable=False),
        sa.Column('late', sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_survey_answer_instance_id', 'survey_answer', ['instance_id'])
    op.create_index('ix_survey_answer_week', 'survey_answer', ['week'])
    op.create_table(
        'survey_item',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('instance_id', sa.String(length=36), nullable=False),
        sa.Column('week', sa.String(length=8), nullable=False),
        sa.Column('department', sa.String(length=200), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('content', sa.Text(), nullable=False),
        sa.Column('ticket_instance_id', sa.String(length=36), nullable=True),
        sa.Column('ticket_number', sa.String(length=200), nullable=True),
        sa.Column('follows_item_id', sa.Integer(), nullable=True),
        sa.Column('resolved', sa.Boolean(), nullable=True),
        sa.Column('satisfied', sa.Boolean(), nullable=True),
        sa.Column('ticket_requested', sa.Boolean(), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('owner', sa.String(length=200), nullable=True),
        sa.Column('assigned_by', sa.String(length=64), nullable=True),
        sa.Column('assigned_at', sa.DateTime(), nullable=True),
        sa.Column('recorded_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_survey_item_instance_id', 'survey_item', ['instance_id'])
    op.create_index('ix_survey_item_week', 'survey_item', ['week'])
    op.create_index('ix_survey_item_department', 'survey_item', ['department'])
    op.create_table(
        'accountability',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('instance_id', sa.String(length=36), nullable=False),
        sa.Column('week', sa.String(length=8), nullable=False),
        sa.Column('department', sa.String(length=200), nullable=False),
        sa.Column('assignee', sa.String(length=200), nullable=False),
        sa.Column('ticket_instance_id', sa.String(length=36), nullable=True),
        sa.Column('ticket_number', sa.String(length=200), nullable=True),
        sa.Column('follows_item_id', sa.Integer(), nullable=True),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('registered_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_accountability_instance_id', 'accountability', ['instance_id'])
    op.create_index('ix_accountability_week', 'accountability', ['week'])
    op.create_index('ix_accountability_assignee', 'accountability', ['assignee'])


def downgrade() -> None:
    op.drop_index('ix_accountability_assignee', table_name='accountability')
    op.drop_index('ix_accountability_week', table_name='accountability')
    op.drop_index('ix_accountability_instance_id', table_name='accountability')
    op.drop_table('accountability')
    op.drop_index('ix_survey_item_department', table_name='survey_item')
    op.drop_index('ix_survey_item_week', table_name='survey_item')
    op.drop_index('ix_survey_item_instance_id', table_name='survey_item')
    op.drop_table('survey_item')
    op.drop_index('ix_survey_answer_week', table_name='survey_answer')
    op.drop_index('ix_survey_answer_instance_id', table_name='survey_answer')
    op.drop_table('survey_answer')
