"""inbox filters from indexes: human_task.category (ix_task_category) and inbox_search, the open tasks' words
with their full-text index (FTS5 on SQLite, a tsvector on PostgreSQL); both backfilled for the open tasks

The words are jieba-segmented by the app (``app.services.inbox_search``), so the index only splits on
spaces: ``unicode61`` on SQLite, the ``simple`` configuration on PostgreSQL, as the knowledge base's
(migration 0018). Triggers on SQLite and a generated column on PostgreSQL keep the index in the
transaction that writes a row.

Revision ID: 0034
Revises: 0033
Create Date: 2026-12-02
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


revision = '0034'
down_revision = '0033'
branch_labels = None
depends_on = None

_SQLITE_INDEX = (
    "CREATE VIRTUAL TABLE inbox_search_fts USING fts5(words, content='inbox_search', content_rowid='id', "
    "tokenize='unicode61')",
    "CREATE TRIGGER inbox_search_fts_insert AFTER INSERT ON inbox_search BEGIN "
    "INSERT INTO inbox_search_fts(rowid, words) VALUES (new.id, new.words); END",
    "CREATE TRIGGER inbox_search_fts_delete AFTER DELETE ON inbox_search BEGIN "
    "INSERT INTO inbox_search_fts(inbox_search_fts, rowid, words) VALUES ('delete', old.id, old.words); END",
    "CREATE TRIGGER inbox_search_fts_update AFTER UPDATE ON inbox_search BEGIN "
    "INSERT INTO inbox_search_fts(inbox_search_fts, rowid, words) VALUES ('delete', old.id, old.words); "
    "INSERT INTO inbox_search_fts(rowid, words) VALUES (new.id, new.words); END",
)
_BATCH = 5000


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == 'postgresql'
    op.add_column('human_task', sa.Column('category', sa.String(length=40), nullable=True))
    op.create_index('ix_task_category', 'human_task',
                    ['status', 'category', sa.text('priority DESC'), 'inbox_due_at', 'created_at', 'id'])
    vector = ([sa.Column('search_vector', postgresql.TSVECTOR(),
                         sa.Computed("to_tsvector('simple', words)", persisted=True))] if postgres else [])
    op.create_table(
        'inbox_search',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('task_id', sa.String(length=36), nullable=False),
        sa.Column('words', sa.Text(), nullable=False),
        *vector,
        sa.ForeignKeyConstraint(['task_id'], ['human_task.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('task_id'),
    )
    if postgres:
        op.create_index('ix_inbox_search_vector', 'inbox_search', ['search_vector'], postgresql_using='gin')
    else:
        for statement in _SQLITE_INDEX:
            op.execute(statement)
    _backfill()


def _backfill() -> None:
    """Copy each open task's ticket category and write its words, as the step that opened it now does."""
    from app.services.inbox_search import TICKET_TEXT, task_words

    bind = op.get_bind()
    op.execute("UPDATE human_task SET category = (SELECT t.category FROM inbox_ticket t "
               "WHERE t.instance_id = human_task.instance_id) WHERE status = 'open'")
    tasks = sa.table('human_task', sa.column('id'), sa.column('instance_id'), sa.column('name'),
                     sa.column('item'), sa.column('status'))
    tickets = sa.table('inbox_ticket', sa.column('instance_id'), *(sa.column(name) for name in TICKET_TEXT))
    search = sa.table('inbox_search', sa.column('task_id'), sa.column('words'))
    rows = bind.execute(sa.select(tasks.c.id, tasks.c.name, tasks.c.item, *(tickets.c[n] for n in TICKET_TEXT))
                        .select_from(tasks.outerjoin(tickets, tickets.c.instance_id == tasks.c.instance_id))
                        .where(tasks.c.status == 'open')).all()
    for start in range(0, len(rows), _BATCH):
        bind.execute(search.insert(), [{"task_id": row.id, "words": task_words(row.name, row.item, row._mapping)}
                                       for row in rows[start:start + _BATCH]])


def downgrade() -> None:
    if op.get_bind().dialect.name != 'postgresql':
        for trigger in ('insert', 'delete', 'update'):
            op.execute(f'DROP TRIGGER inbox_search_fts_{trigger}')
        op.execute('DROP TABLE inbox_search_fts')
    op.drop_table('inbox_search')
    op.drop_index('ix_task_category', table_name='human_task')
    # plain DROP COLUMN (SQLite 3.35+), not a batch copy: recreating human_task would cascade-delete the
    # task_candidate rows that reference it
    op.drop_column('human_task', 'category')
