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
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Optional

from flask import Flask, current_app

from app.services import users
from app.services.users import Principal
from app.store import new_uow

CACHE_TTL_SECONDS = 60.0
_MAX_ENTRIES = 10_000


@dataclass
class _Cache:
    """Remembered checks, least recently used first; one in-flight check per credential pair."""

    entries: OrderedDict[tuple[str, str], tuple[Principal, float]] = field(default_factory=OrderedDict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    checking: dict[tuple[str, str], threading.Lock] = field(default_factory=dict)

    def get(self, key: tuple[str, str], now: float) -> Optional[Principal]:
        with self.lock:
            hit = self.entries.get(key)
            if hit is None or hit[1] <= now:
                return None
            self.entries.move_to_end(key)
            return hit[0]

    def put(self, key: tuple[str, str], principal: Principal, now: float) -> None:
        with self.lock:
            self.entries[key] = (principal, now + CACHE_TTL_SECONDS)
            self.entries.move_to_end(key)
            while len(self.entries) > _MAX_ENTRIES:
                self.entries.popitem(last=False)

    def checking_lock(self, key: tuple[str, str]) -> threading.Lock:
        with self.lock:
            return self.checking.setdefault(key, threading.Lock())


def init_app(app: Flask) -> None:
    app.extensions["servicedesk_auth"] = _Cache()


def check_password(user_id: str, password: str) -> Principal:
    """The principal for a user id and password; Unauthorized otherwise (nothing says which was wrong)."""
    cache: _Cache = current_app.extensions["servicedesk_auth"]
    secret = current_app.config["SECRET_KEY"].encode()
    key = (user_id, hmac.new(secret, password.encode(), hashlib.sha256).hexdigest())
    remembered = cache.get(key, time.monotonic())
    if remembered is not None:
        return remembered
    # several requests of one client arriving together run one slow hash check, not one each
    with cache.checking_lock(key):
        remembered = cache.get(key, time.monotonic())
        if remembered is not None:
            return remembered
        try:
            principal = users.authenticate(new_uow(write=False), user_id, password)
        finally:
            with cache.lock:
                cache.checking.pop(key, None)
        cache.put(key, principal, time.monotonic())
        return principal


def forget(user_id: str) -> None:
    """Drop remembered checks of one user (after a password or group change)."""
    cache: _Cache = current_app.extensions["servicedesk_auth"]
    with cache.lock:
        for key in [k for k in cache.entries if k[0] == user_id]:
            del cache.entries[key]
