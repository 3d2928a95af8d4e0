"""Knowledge-base articles (知识沉淀, DOMAIN.md Flow 1 step 9): a closed ticket's fix, written up for reuse.

``processes/kb_article.bpmn`` moves an article from draft through review to published;
its handlers write this table. The search index follows the row by itself, in the same
transaction: ``search_title``/``search_body`` hold the jieba-segmented words (set here
before every insert and update), and the database indexes those — on SQLite the FTS5
table ``kb_article_fts`` kept by triggers, on PostgreSQL the generated ``search_vector``
column with its GIN index (both created by migration 0018, not mapped here).
"""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import Integer, String, Text, event
from sqlalchemy.orm import Mapped, mapped_column

from app import segmenter
from app.models import Base, utcnow

STATES = ("draft", "in_review", "published", "rejected")
CATEGORIES = ("hardware", "software", "network", "other")
#: The article fields the author writes (the draft form's keys), in reading order.
CONTENT_FIELDS = ("title", "category", "symptom", "cause", "solution")
#: The search index as migration 0018 builds it, for one database each and kept by the database itself,
#: so not mapped here: schema comparison and autogenerate leave them alone (``migrations/env.py``).
SEARCH_INDEX_OBJECTS = frozenset({"kb_article_fts", "kb_article_fts_data", "kb_article_fts_idx",
                                  "kb_article_fts_docsize", "kb_article_fts_config", "search_vector",
                                  "ix_kb_article_search"})


class KbArticle(Base):
    """One article; ``instance_id`` is the ``kb_article`` process instance that writes it."""

    __tablename__ = "kb_article"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    instance_id: Mapped[str] = mapped_column(String(36), unique=True)
    ticket_instance_id: Mapped[Optional[str]] = mapped_column(String(36), index=True)
    ticket_key: Mapped[Optional[str]] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(200))
    category: Mapped[Optional[str]] = mapped_column(String(40))
    symptom: Mapped[str] = mapped_column(Text, default="")
    cause: Mapped[str] = mapped_column(Text, default="")
    solution: Mapped[str] = mapped_column(Text, default="")
    author: Mapped[Optional[str]] = mapped_column(String(64))
    reviewer: Mapped[Optional[str]] = mapped_column(String(64))
    review_comment: Mapped[Optional[str]] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(20), index=True, default="draft")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    published_at: Mapped[Optional[datetime]]
    search_title: Mapped[str] = mapped_column(Text, default="")
    search_body: Mapped[str] = mapped_column(Text, default="")


@event.listens_for(KbArticle, "before_insert")
@event.listens_for(KbArticle, "before_update")
def _segment(_mapper, _connection, article: KbArticle) -> None:
    """Whoever writes an article, its index words are cut from what it says now."""
    article.search_title = segmenter.segmented(article.title or "")
    body = " ".join(part or "" for part in (article.symptom, article.cause, article.solution))
    article.search_body = segmenter.segmented(body)
