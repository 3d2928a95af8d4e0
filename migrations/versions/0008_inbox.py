"""inbox: table inbox_ticket, the inbox due time of open tasks, group counts, and indexes in inbox order; backfilled

Revision ID: 0008
Revises: 0009
Create Date: 2026-12-02
"""
from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0009'
branch_labels = None
depends_on = None

NO_DUE_DATE = '9999-12-31 00:00:00'


def upgrade() -> None:
    op.create_table(
        'inbox_ticket',
        sa.Column('instance_id', sa.String(length=36), nullable=False),
        sa.Column('business_key', sa.String(length=200), nullable=True),
        sa.Column('requester', sa.String(length=200), nullable=True),
        sa.Column('symptom', sa.String(length=300), nullable=True),
        sa.Column('category', sa.String(length=40), nullable=True),
        sa.Column('vip', sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column('response_due_at', sa.DateTime(), nullable=True),
        sa.Column('response_set_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['instance_id'], ['process_instance.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('instance_id'),
    )
    op.create_index(op.f('ix_inbox_ticket_category'), 'inbox_ticket', ['category'], unique=False)
    for table in ('human_task', 'task_candidate'):
        # a plain ADD COLUMN: a batch copy of the table on SQLite would drop the DESC of the inbox indexes
        op.add_column(table, sa.Column('inbox_due_at', sa.DateTime(), nullable=False,
                                       server_default=sa.text(f"'{NO_DUE_DATE}'")))
    op.add_column('task_candidate', sa.Column('group_count', sa.Integer(), nullable=False,
                                              server_default=sa.text('1')))
    op.execute("UPDATE task_candidate SET group_count = (SELECT count(*) FROM task_candidate AS other "
               "WHERE other.task_id = task_candidate.task_id AND other.kind = 'group') WHERE kind = 'group'")
    op.create_index('ix_task_mine', 'human_task',
                    ['assignee', 'status', sa.text('priority DESC'), 'inbox_due_at', 'created_at', 'id'])
    op.create_index('ix_candidate_shared', 'task_candidate', ['kind', 'group_count', 'name', 'task_id'])
    op.create_index('ix_task_inbox', 'human_task',
                    ['status', sa.text('priority DESC'), 'inbox_due_at', 'created_at', 'id'])
    op.create_index('ix_candidate_inbox_due', 'task_candidate',
                    ['kind', 'name', sa.text('priority DESC'), 'inbox_due_at', 'created_at', 'task_id'])
    _backfill()


def _backfill() -> None:
    """Write the projection of every running instance, as its next step would."""
    import json

    from app.services.inbox_projection import resort_open_tasks, ticket_facts

    bind = op.get_bind()
    instances = sa.table('process_instance', sa.column('id'), sa.column('business_key'), sa.column('status'),
                         sa.column('variables'))
    events = sa.table('sla_event', sa.column('id'), sa.column('instance_id'), sa.column('sla'), sa.column('kind'),
                      sa.column('deadline', sa.DateTime()), sa.column('at', sa.DateTime()))
    tickets = sa.table('inbox_ticket', *(sa.column(name) for name in (
        'instance_id', 'business_key', 'requester', 'symptom', 'category', 'vip', 'response_due_at',
        'response_set_at')))
    deadlines = {}
    for row in bind.execute(sa.select(events.c.instance_id, events.c.deadline, events.c.at)
                            .where(events.c.sla == 'response', events.c.kind == 'deadline_set')
                            .order_by(events.c.at, events.c.id)):
        deadlines[row.instance_id] = (row.deadline, row.at)  # the latest one wins
    for row in bind.execute(sa.select(instances.c.id, instances.c.business_key, instances.c.variables)
                            .where(instances.c.status == 'ACTIVE')):
        variables = json.loads(row.variables) if isinstance(row.variables, str) else (row.variables or {})
        deadline, set_at = deadlines.get(row.id, (None, None))
        bind.execute(tickets.insert().values(instance_id=row.id, response_due_at=deadline, response_set_at=set_at,
                                             **ticket_facts(variables, row.business_key)))
        resort_open_tasks(bind, row.id, _aware(deadline))


def _aware(value):
    from datetime import timezone
    return value.replace(tzinfo=timezone.utc) if value is not None and value.tzinfo is None else value


def downgrade() -> None:
    op.drop_index('ix_candidate_inbox_due', table_name='task_candidate')
    op.drop_index('ix_task_inbox', table_name='human_task')
    op.drop_index('ix_candidate_shared', table_name='task_candidate')
    op.drop_index('ix_task_mine', table_name='human_task')
    # plain DROP COLUMN (SQLite 3.35+, PostgreSQL): Alembic would copy the table on SQLite, and dropping the
    # old human_task would cascade to every row of task_candidate
    op.execute('ALTER TABLE task_candidate DROP COLUMN group_count')
    for table in ('task_candidate', 'human_task'):
        op.execute(f'ALTER TABLE {table} DROP COLUMN inbox_due_at')
    op.drop_index(op.f('ix_inbox_ticket_category'), table_name='inbox_ticket')
    op.drop_table('inbox_ticket')
