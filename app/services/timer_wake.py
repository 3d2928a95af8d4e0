"""Telling the scheduler that a step has just written a timer, so it wakes at that timer's due time.

The scheduler sleeps until the earliest due timer it knows of. A step that
writes a new, earlier timer must wake it, or the timer would wait for the next
capped pass. Within one process a step notes the due time on its session and,
once the transaction has committed (never before: the scheduler would not see
the row yet), every listener of that database hears it. On PostgreSQL the note
is also a ``NOTIFY`` on :data:`CHANNEL`, which PostgreSQL delivers to the
scheduler processes listening there when the transaction commits.
"""
from __future__ import annotations

import threading
from datetime import datetime
from typing import Callable

from sqlalchemy import event, text
from sqlalchemy.orm import Session

from app.db import UnitOfWork

#: PostgreSQL channel on which committed steps announce the earliest due time they wrote
CHANNEL = "servicedesk_timer_due"
_DUE_KEY = "timer_wake_due"
_URL_KEY = "timer_wake_url"
_listeners: dict[str, list[Callable[[datetime], None]]] = {}
_guard = threading.Lock()

_NOTIFY = text(f"SELECT pg_notify('{CHANNEL}', :due)")


def subscribe(database_url: str, listener: Callable[[datetime], None]) -> None:
    """Call ``listener(due)`` after every commit in this process that wrote a timer in that database."""
    with _guard:
        _listeners.setdefault(database_url, []).append(listener)


def unsubscribe(database_url: str, listener: Callable[[datetime], None]) -> None:
    with _guard:
        if listener in _listeners.get(database_url, []):
            _listeners[database_url].remove(listener)


def note_timers(uow: UnitOfWork, due_times: list[datetime]) -> None:
    """Remember the earliest of ``due_times`` for this transaction's commit (and NOTIFY on PostgreSQL)."""
    if not due_times:
        return
    due = min(due_times)
    info = uow.session.info
    earlier = info.get(_DUE_KEY)
    if earlier is not None and earlier <= due:
        return
    info[_DUE_KEY], info[_URL_KEY] = due, uow.db.url
    if uow.db.is_postgres:
        uow.session.execute(_NOTIFY, {"due": due.isoformat()})


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    due, url = session.info.pop(_DUE_KEY, None), session.info.pop(_URL_KEY, None)
    if due is None:
        return
    with _guard:
        listeners = list(_listeners.get(url, ()))
    for listener in listeners:
        listener(due)


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    session.info.pop(_DUE_KEY, None)
    session.info.pop(_URL_KEY, None)
