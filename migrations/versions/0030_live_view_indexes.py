"""indexes for the live view: open tokens and incidents per element, instances of a process newest first

Revision ID: 0030
Revises: 0023
Create Date: 2026-12-01
"""
from alembic import op


revision = '0030'
down_revision = '0023'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_activity_open_elements', 'activity_instance', ['definition_id', 'ended_at', 'activity_id', 'activity_type'])
    op.create_index('ix_incident_open_elements', 'incident', ['definition_id', 'status', 'activity_id'])
    op.create_index('ix_instance_key_started', 'process_instance', ['definition_key', 'started_at'])


def downgrade() -> None:
    op.drop_index('ix_instance_key_started', table_name='process_instance')
    op.drop_index('ix_incident_open_elements', table_name='incident')
    op.drop_index('ix_activity_open_elements', table_name='activity_instance')
