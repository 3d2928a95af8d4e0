"""The inbox's text filter: open tasks found by the words of their ticket and name, in Chinese and English.

A ``LIKE '%…%'`` over ticket number, requester, symptom, task name and item read every
open task and took 385 ms at 100,000. Each open task now has one ``inbox_search`` row
holding those five texts as jieba-segmented words (``app.segmenter``, as the knowledge
base does), written in the step's own transaction: when the task opens, when the
ticket's text changes, and deleted when it closes. The database indexes the words
(migration 0034: FTS5 on SQLite, a tsvector on PostgreSQL), so a search reads only the
tasks it finds. Every word of the search must be there, the last one as a prefix, as
it is being typed: ``SD-20261130-00`` finds that day's first hundred tickets, 网络 finds
网络连接中断. What no longer matches is a piece from inside a word (``1130``).
"""
from __future__ import annotations

from typing import Any, Iterable, Mapping, Optional, Sequence

from sqlalchemy import Boolean, Select, bindparam, column, func, literal, literal_column, select, table
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ColumnElement

from app import segmenter
from app.models import HumanTask, InboxSearch

#: Longer searches are a pasted log, not a search: only their first words count (as in the knowledge base).
MAX_WORDS = 12
#: The ticket facts (``inbox_projection.ticket_facts``) a task is found by, besides its own name and item.
TICKET_TEXT = ("business_key", "requester", "symptom")
_SEARCH = InboxSearch.__table__
_TASKS = HumanTask.__table__
_FTS = table("inbox_search_fts", column("rowid"), column("words"))


def task_words(name: Optional[str], item: Optional[str], facts: Mapping[str, Any]) -> str:
    """What a task's search row holds: the words of its name, its item and its ticket's text."""
    texts = (name, item, *(facts.get(key) for key in TICKET_TEXT))
    return segmenter.segmented(" ".join(text for text in texts if text))


def index_tasks(session, tasks: Iterable[Mapping[str, Any]], facts: Mapping[str, Any]) -> None:
    """Index tasks just opened (their rows as inserted: ``id``, ``name``, ``item``) with their ticket's facts."""
    rows = [{"task_id": task["id"], "words": task_words(task["name"], task.get("item"), facts)} for task in tasks]
    if rows:
        session.execute(_SEARCH.insert(), rows)


def unindex_tasks(session, task_ids: Iterable[str]) -> None:
    """Drop the rows of tasks that closed: the inbox lists open tasks only, so the index holds only those."""
    session.execute(_SEARCH.delete().where(_SEARCH.c.task_id.in_(list(task_ids))))


def reindex_instance(session, instance_id: str, facts: Mapping[str, Any]) -> None:
    """The ticket's text changed: rewrite the words of the instance's open tasks where they differ."""
    rows = session.execute(select(_TASKS.c.id, _TASKS.c.name, _TASKS.c.item, _SEARCH.c.words)
                           .join(_SEARCH, _SEARCH.c.task_id == _TASKS.c.id)
                           .where(_TASKS.c.instance_id == instance_id, _TASKS.c.status == "open"))
    changed = [{"b_task": row.id, "b_words": words} for row in rows
               if (words := task_words(row.name, row.item, facts)) != row.words]
    if changed:
        session.execute(_SEARCH.update().where(_SEARCH.c.task_id == bindparam("b_task"))
                        .values(words=bindparam("b_words")), changed)


def query_words(text: str) -> tuple[str, ...]:
    """The words a search looks for, cut as the tasks' words were."""
    return tuple(segmenter.query_words(text or "")[:MAX_WORDS])


def matching_tasks(words: Sequence[str]) -> Select:
    """SELECT the ids of the tasks whose search row holds every word (the last one as a prefix)."""
    return select(_SEARCH.c.task_id).where(_WordsMatch(words))


class _WordsMatch(ColumnElement[bool]):
    """``inbox_search`` rows holding the words, in each database's own full-text index (see the compilers)."""

    type = Boolean()
    _is_implicitly_boolean = True  # a condition itself: without this SQLite's WHERE gets "= 1" and no index
    inherit_cache = False  # the words are not a bound parameter SQLAlchemy could cache around

    def __init__(self, words: Sequence[str]):
        self.words = tuple(words)


@compiles(_WordsMatch)
def _fts5(element: _WordsMatch, compiler, **kw) -> str:
    """SQLite: the rowids the FTS5 table finds, ``"网络" AND "打"*`` (segmenter words are letters and digits)."""
    found = select(_FTS.c.rowid).where(_FTS.c.words.op("MATCH")(literal(segmenter.fts5_query(element.words))))
    return compiler.process(_SEARCH.c.id.in_(found), **kw)


@compiles(_WordsMatch, "postgresql")
def _tsvector(element: _WordsMatch, compiler, **kw) -> str:
    """PostgreSQL: the generated ``search_vector`` and its GIN index, ``'网络' & '打':*``."""
    vector = literal_column("inbox_search.search_vector")
    return compiler.process(vector.op("@@")(func.to_tsquery("simple", literal(segmenter.tsquery(element.words)))), **kw)
