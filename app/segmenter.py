"""Words of Chinese and English text for full-text search, cut the same way at index and at query time.

SQLite's FTS5 ``trigram`` tokenizer needs three characters, so the common two-character
Chinese words (网络, 电脑) find nothing, and neither SQLite nor PostgreSQL here has a
Chinese parser. jieba cuts the text into words in Python (``cut_for_search`` also keeps
the shorter words inside long ones: 打印机 → 打印, 打印机); the words are stored
space-joined, so FTS5's ``unicode61`` tokenizer and PostgreSQL's ``simple`` parser only
have to split on spaces. English is lower-cased here, so both indexes are case-blind.
"""
from __future__ import annotations

import logging
import re
import threading
from typing import Sequence

import jieba

#: Letters and digits only: punctuation inside a word (Wi-Fi, C++) would be split differently by
#: FTS5 and by PostgreSQL's parser, so it is split here once, the same for both.
_WORD = re.compile(r"[^\W_]+")
#: Function words that say nothing about a problem; a symptom typed as a sentence would otherwise
#: rank every article that also contains 的 or 了.
STOP_WORDS = frozenset("的 了 是 在 我 你 他 她 它 我们 和 与 也 就 都 还 又 吗 呢 啊 吧 把 被 有 没 没有 不 一个 这 那 个 "
                       "the a an of to is are was and or in on at for it my i can not".split())

_ready = threading.Lock()
_initialized = False


def _tokenizer() -> jieba.Tokenizer:
    """jieba's default dictionary, loaded once per process (about a second) and quietly."""
    global _initialized
    with _ready:
        if not _initialized:
            jieba.setLogLevel(logging.WARNING)
            jieba.initialize()
            _initialized = True
    return jieba.dt


def words(text: str) -> list[str]:
    """The searchable words of ``text`` in order, lower-cased, duplicates kept (they count for ranking)."""
    found: list[str] = []
    for piece in _tokenizer().cut_for_search(text or ""):
        found.extend(_WORD.findall(piece.lower()))
    return found


def segmented(text: str) -> str:
    """``text`` as the index stores it: its words joined by spaces."""
    return " ".join(words(text))


def query_words(text: str) -> list[str]:
    """The distinct words of a search, stop words left out unless nothing else is left."""
    distinct = list(dict.fromkeys(words(text)))
    meaningful = [word for word in distinct if word not in STOP_WORDS]
    return meaningful or distinct


def fts5_query(words: Sequence[str], every_word: bool = True) -> str:
    """``"网络" AND "打"*`` for SQLite's FTS5: each word quoted (the words here are letters and digits only),
    the last a prefix, as it is being typed."""
    terms = [f'"{word}"' for word in words]
    terms[-1] += "*"
    return (" AND " if every_word else " OR ").join(terms)


def tsquery(words: Sequence[str], every_word: bool = True) -> str:
    """``'网络' & '打':*``, the same query in PostgreSQL's ``to_tsquery('simple', …)`` syntax."""
    terms = [f"'{word}'" for word in words]
    terms[-1] += ":*"
    return (" & " if every_word else " | ").join(terms)
