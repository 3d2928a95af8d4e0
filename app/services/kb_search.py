"""Full-text search over knowledge-base articles, in Chinese and English, on SQLite and PostgreSQL.

The query is cut into words as the articles were (``app.segmenter``), so 网络 finds
网络连接中断 on both databases. The last word matches as a prefix: a search runs while
someone types, and 打 already finds 打印机. Ranking is the database's own (bm25 on FTS5,
``ts_rank`` on PostgreSQL), with the title weighing more than the body. Requesters find
published articles only; staff find every state and may filter by one.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Sequence

from sqlalchemy import select, text

from app import segmenter
from app.db import UnitOfWork
from app.domain import KbArticle
from app.domain.knowledge import STATES
from app.services.users import Principal

LIMIT = 50
SUGGESTIONS = 5
#: Longer queries are a pasted log, not a search: only their first words count.
MAX_WORDS = 12


@dataclass(frozen=True)
class SearchResult:
    """What a search found, with the words it looked for (for highlighting them)."""

    articles: tuple[KbArticle, ...]
    words: tuple[str, ...]


def words_of(query: str) -> tuple[str, ...]:
    """The words a search looks for, as the page marks them in what it found."""
    return tuple(segmenter.query_words(query or "")[:MAX_WORDS])


def search(uow: UnitOfWork, viewer: Principal, query: str, state: Optional[str] = None, every_word: bool = True,
           limit: int = LIMIT) -> SearchResult:
    """Articles matching ``query`` (all its words, or any of them), best first; without a query, the newest."""
    words = words_of(query)
    states = _visible_states(viewer, state)
    with uow:
        if not words:
            rows = uow.session.scalars(select(KbArticle).where(KbArticle.state.in_(states))
                                       .order_by(KbArticle.updated_at.desc(), KbArticle.id.desc()).limit(limit))
            return SearchResult(tuple(rows), ())
        ids = _ranked_ids(uow, words, states, every_word, limit)
        found = {row.id: row for row in uow.session.scalars(select(KbArticle).where(KbArticle.id.in_(ids)))}
        return SearchResult(tuple(found[i] for i in ids if i in found), words)


def suggest(uow: UnitOfWork, viewer: Principal, symptom: str) -> SearchResult:
    """A few published articles for a symptom being typed: any of its words, as a sentence rarely has all."""
    return search(uow, viewer, symptom, state="published", every_word=False, limit=SUGGESTIONS)


def _visible_states(viewer: Principal, state: Optional[str]) -> tuple[str, ...]:
    if not viewer.is_staff:
        return ("published",)
    return (state,) if state in STATES else STATES


def _ranked_ids(uow: UnitOfWork, words: Sequence[str], states: Sequence[str], every_word: bool,
                limit: int) -> list[int]:
    params = {"limit": limit, **{f"s{i}": state for i, state in enumerate(states)}}
    in_states = ", ".join(f":s{i}" for i in range(len(states)))
    if uow.session.get_bind().dialect.name == "postgresql":
        statement = ("SELECT a.id FROM kb_article a, to_tsquery('simple', :q) q "
                     f"WHERE a.search_vector @@ q AND a.state IN ({in_states}) "
                     "ORDER BY ts_rank(a.search_vector, q) DESC, a.id DESC LIMIT :limit")
        params["q"] = segmenter.tsquery(words, every_word)
    else:
        statement = ("SELECT a.id FROM kb_article_fts JOIN kb_article a ON a.id = kb_article_fts.rowid "
                     f"WHERE kb_article_fts MATCH :q AND a.state IN ({in_states}) "
                     "ORDER BY bm25(kb_article_fts, 4.0, 1.0), a.id DESC LIMIT :limit")
        params["q"] = segmenter.fts5_query(words, every_word)
    return [row[0] for row in uow.session.execute(text(statement), params)]
