"""Who is calling: password checks for the REST API (HTTP Basic) and, later, the pages' sessions.

Password hashes are slow by design, so a successful check is remembered for a
short while. The memory belongs to one app (``app.extensions``), not to the
process: two apps on two databases never accept each other's users.
"""
from __future__ import annotations

import hashlib
import hmac
import threading
import time
from dataclasses import dataclass, field

from flask import Flask, current_app

from app.services import users
from app.services.users import Principal
from app.store import new_uow

CACHE_TTL_SECONDS = 60.0
_MAX_ENTRIES = 10_000


@dataclass
class _Cache:
    entries: dict[tuple[str, str], tuple[Principal, float]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)


def init_app(app: Flask) -> None:
    app.extensions["servicedesk_auth"] = _Cache()


def check_password(user_id: str, password: str) -> Principal:
    """The principal for a user id and password; Unauthorized otherwise (nothing says which was wrong)."""
    cache: _Cache = current_app.extensions["servicedesk_auth"]
    secret = current_app.config["SECRET_KEY"].encode()
    key = (user_id, hmac.new(secret, password.encode(), hashlib.sha256).hexdigest())
    now = time.monotonic()
    with cache.lock:
        hit = cache.entries.get(key)
        if hit and hit[1] > now:
            return hit[0]
    principal = users.authenticate(new_uow(write=False), user_id, password)
    with cache.lock:
        if len(cache.entries) > _MAX_ENTRIES:
            cache.entries.clear()
        cache.entries[key] = (principal, now + CACHE_TTL_SECONDS)
    return principal


def forget(user_id: str) -> None:
    """Drop remembered checks of one user (after a password or group change)."""
    cache: _Cache = current_app.extensions["servicedesk_auth"]
    with cache.lock:
        for key in [k for k in cache.entries if k[0] == user_id]:
            del cache.entries[key]
