"""decision_definition table; incident stack trace and annotation; index for activity statistics

Decisions deployed before this revision get their rows here, versioned the way
deployment versions them: a DMN file whose content changed is a new version.

Revision ID: 0005
Revises: 0002
Create Date: 2026-12-01
"""
import json
import uuid

from alembic import op
from lxml import etree
import sqlalchemy as sa


revision = '0005'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'decision_definition',
        sa.Column('id', sa.String(length=120), nullable=False),
        sa.Column('key', sa.String(length=100), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=300), nullable=False),
        sa.Column('deployment_id', sa.String(length=36), nullable=False),
        sa.Column('resource_id', sa.String(length=36), nullable=False),
        sa.Column('resource_name', sa.String(length=300), nullable=False),
        sa.Column('checksum', sa.String(length=64), nullable=False),
        sa.Column('deployed_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['deployment_id'], ['deployment.id']),
        sa.ForeignKeyConstraint(['resource_id'], ['resource.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('key', 'version'),
    )
    op.create_index(op.f('ix_decision_definition_key'), 'decision_definition', ['key'], unique=False)
    op.create_index(op.f('ix_decision_definition_deployment_id'), 'decision_definition', ['deployment_id'],
                    unique=False)
    with op.batch_alter_table('incident', schema=None) as batch_op:
        batch_op.add_column(sa.Column('stack_trace', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('annotation', sa.Text(), nullable=True))
    op.create_index('ix_activity_open_by_definition', 'activity_instance', ['definition_id', 'ended_at'],
                    unique=False)
    _backfill_decisions()


def _backfill_decisions() -> None:
    connection = op.get_bind()
    table = sa.table('decision_definition', *(sa.column(c) for c in (
        'id', 'key', 'version', 'name', 'deployment_id', 'resource_id', 'resource_name', 'checksum', 'deployed_at')))
    latest: dict[str, tuple[int, str]] = {}
    rows = connection.execute(sa.text(
        "SELECT id, deployment_id, name, content, checksum, decision_ids, deployed_at FROM resource "
        "WHERE kind = 'dmn' ORDER BY deployed_at, id"))
    for resource in rows:
        decision_ids = resource.decision_ids
        if isinstance(decision_ids, str):
            decision_ids = json.loads(decision_ids)
        names = _decision_names(resource.content)
        for key in decision_ids or []:
            version, checksum = latest.get(key, (0, ""))
            if checksum == resource.checksum:
                continue
            latest[key] = (version + 1, resource.checksum)
            connection.execute(table.insert().values(
                id=f"{key}:{version + 1}:{uuid.uuid4()}", key=key, version=version + 1, name=names.get(key, key),
                deployment_id=resource.deployment_id, resource_id=resource.id, resource_name=resource.name,
                checksum=resource.checksum, deployed_at=resource.deployed_at))


def _decision_names(content: bytes) -> dict[str, str]:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    root = etree.fromstring(bytes(content), parser=parser)
    return {d.get('id'): (d.get('name') or d.get('id')) for d in root.iter('{*}decision')}


def downgrade() -> None:
    op.drop_index('ix_activity_open_by_definition', table_name='activity_instance')
    with op.batch_alter_table('incident', schema=None) as batch_op:
        batch_op.drop_column('annotation')
        batch_op.drop_column('stack_trace')
    op.drop_index(op.f('ix_decision_definition_deployment_id'), table_name='decision_definition')
    op.drop_index(op.f('ix_decision_definition_key'), table_name='decision_definition')
    op.drop_table('decision_definition')
