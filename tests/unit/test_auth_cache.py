"""The remembered password checks: bounded, least recently used out first, expired entries not used."""
from __future__ import annotations

from app import auth
from app.services.users import Principal


def test_the_least_recently_used_check_goes_first_when_the_cache_is_full(monkeypatch):
    monkeypatch.setattr(auth, "_MAX_ENTRIES", 3)
    cache = auth._Cache()
    for name in ("a", "b", "c"):
        cache.put((name, "h"), Principal(name, frozenset()), now=0.0)
    assert cache.get(("a", "h"), now=1.0) is not None       # "a" is used again, so "b" is now the oldest
    cache.put(("d", "h"), Principal("d", frozenset()), now=1.0)
    assert [key[0] for key in cache.entries] == ["c", "a", "d"]
    assert cache.get(("b", "h"), now=1.0) is None


def test_an_expired_check_is_not_used():
    cache = auth._Cache()
    cache.put(("a", "h"), Principal("a", frozenset()), now=0.0)
    assert cache.get(("a", "h"), now=auth.CACHE_TTL_SECONDS - 1) is not None
    assert cache.get(("a", "h"), now=auth.CACHE_TTL_SECONDS + 1) is None
