"""knowledge-base articles and their full-text index (FTS5 on SQLite, a tsvector on PostgreSQL)

The index holds jieba-segmented words (``search_title``, ``search_body``, written by the
app), so it only splits on spaces: ``unicode61`` on SQLite (the trigram tokenizer misses
two-character Chinese words), the ``simple`` configuration on PostgreSQL (no Chinese parser
there). Triggers on SQLite and a generated column on PostgreSQL keep the index in the
article's own transaction.

Revision ID: 0018
Revises: 0016
Create Date: 2026-12-01
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


revision = '0018'
down_revision = '0016'
branch_labels = None
depends_on = None

_PG_VECTOR = ("setweight(to_tsvector('simple', search_title), 'A') || "
              "setweight(to_tsvector('simple', search_body), 'B')")

_SQLITE_INDEX = (
    "CREATE VIRTUAL TABLE kb_article_fts USING fts5(search_title, search_body, content='kb_article', "
    "content_rowid='id', tokenize='unicode61')",
    "CREATE TRIGGER kb_article_fts_insert AFTER INSERT ON kb_article BEGIN "
    "INSERT INTO kb_article_fts(rowid, search_title, search_body) VALUES (new.id, new.search_title, new.search_body); "
    "END",
    "CREATE TRIGGER kb_article_fts_delete AFTER DELETE ON kb_article BEGIN "
    "INSERT INTO kb_article_fts(kb_article_fts, rowid, search_title, search_body) "
    "VALUES ('delete', old.id, old.search_title, old.search_body); END",
    "CREATE TRIGGER kb_article_fts_update AFTER UPDATE ON kb_article BEGIN "
    "INSERT INTO kb_article_fts(kb_article_fts, rowid, search_title, search_body) "
    "VALUES ('delete', old.id, old.search_title, old.search_body); "
    "INSERT INTO kb_article_fts(rowid, search_title, search_body) VALUES (new.id, new.search_title, new.search_body); "
    "END",
)


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == 'postgresql'
    vector = ([sa.Column('search_vector', postgresql.TSVECTOR(), sa.Computed(_PG_VECTOR, persisted=True))]
              if postgres else [])
    op.create_table(
        'kb_article',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('instance_id', sa.String(length=36), nullable=False),
        sa.Column('ticket_instance_id', sa.String(length=36), nullable=True),
        sa.Column('ticket_key', sa.String(length=200), nullable=True),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('category', sa.String(length=40), nullable=True),
        sa.Column('symptom', sa.Text(), nullable=False),
        sa.Column('cause', sa.Text(), nullable=False),
        sa.Column('solution', sa.Text(), nullable=False),
        sa.Column('author', sa.String(length=64), nullable=True),
        sa.Column('reviewer', sa.String(length=64), nullable=True),
        sa.Column('review_comment', sa.Text(), nullable=True),
        sa.Column('state', sa.String(length=20), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.Column('published_at', sa.DateTime(), nullable=True),
        sa.Column('search_title', sa.Text(), nullable=False),
        sa.Column('search_body', sa.Text(), nullable=False),
        *vector,
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('instance_id'),
    )
    op.create_index('ix_kb_article_ticket_instance_id', 'kb_article', ['ticket_instance_id'])
    op.create_index('ix_kb_article_state', 'kb_article', ['state'])
    if postgres:
        op.create_index('ix_kb_article_search', 'kb_article', ['search_vector'], postgresql_using='gin')
    else:
        for statement in _SQLITE_INDEX:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name != 'postgresql':
        for trigger in ('insert', 'delete', 'update'):
            op.execute(f'DROP TRIGGER kb_article_fts_{trigger}')
        op.execute('DROP TABLE kb_article_fts')
    op.drop_table('kb_article')
