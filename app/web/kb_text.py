"""How knowledge articles read on pages: their words in the reader's language, found words marked.

Marking happens on the original text, not on the index's segmented words, so Chinese
reads without the spaces the index puts between words. Everything else is escaped:
an article's text is shown as text, whatever it contains.
"""
from __future__ import annotations

import re
from typing import Sequence

from markupsafe import Markup, escape

from app.domain import KbArticle
from app.web.ticket_words import VALUE_WORDS

CATEGORY_LABELS = VALUE_WORDS["category"]
STATE_LABELS = VALUE_WORDS["kb_state"]
#: Characters of context either side of the first found word in a result's excerpt.
EXCERPT_CONTEXT = 60


def _pattern(words: Sequence[str]) -> re.Pattern | None:
    if not words:
        return None
    # longest first, so 网络连接 is marked whole rather than as 网络 + 连接
    alternatives = sorted({re.escape(word) for word in words if word}, key=len, reverse=True)
    return re.compile("|".join(alternatives), re.IGNORECASE)


def highlight(text: str, words: Sequence[str]) -> Markup:
    """``text`` escaped, each occurrence of a searched word in ``<mark>``."""
    pattern = _pattern(words)
    if pattern is None:
        return escape(text or "")
    pieces, last = [], 0
    for found in pattern.finditer(text or ""):
        pieces.append(escape(text[last:found.start()]))
        pieces.append(Markup("<mark>%s</mark>") % found.group(0))
        last = found.end()
    pieces.append(escape((text or "")[last:]))
    return Markup("").join(pieces)


def excerpt(article: KbArticle, words: Sequence[str]) -> Markup:
    """A line of the article around the first searched word (symptom, then solution, then cause)."""
    pattern = _pattern(words)
    for text in (article.symptom, article.solution, article.cause):
        found = pattern.search(text or "") if pattern else None
        if found:
            start = max(0, found.start() - EXCERPT_CONTEXT)
            end = found.end() + EXCERPT_CONTEXT
            cut = ("…" if start else "") + text[start:end] + ("…" if end < len(text) else "")
            return highlight(cut, words)
    text = article.symptom or article.solution or ""
    return escape(text[:2 * EXCERPT_CONTEXT] + ("…" if len(text) > 2 * EXCERPT_CONTEXT else ""))


def category_label(category: str | None) -> str:
    label = CATEGORY_LABELS.get(category or "")
    return str(label) if label is not None else (category or "")


def state_label(state: str) -> str:
    return str(STATE_LABELS.get(state, state))
