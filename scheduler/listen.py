"""PostgreSQL LISTEN: hear the due times other processes' steps announce, and wake the clock for them.

Without it a scheduler would learn of a timer written by a web worker only at
its next capped pass (``TIMER_POLL_SECONDS``). A lost connection is reopened;
what was announced meanwhile is found by the capped pass.
"""
from __future__ import annotations

import logging
import threading
from datetime import datetime
from typing import Callable

import psycopg

from app.services.timer_wake import CHANNEL

log = logging.getLogger(__name__)

_WAIT_SECONDS = 1.0  # how often the thread looks at its stop flag


class NotificationListener:
    """A daemon thread holding one LISTEN connection, calling ``on_due(due)`` for each announcement."""

    def __init__(self, database_url: str, on_due: Callable[[datetime], None]):
        self.conninfo = "postgresql://" + database_url.split("://", 1)[1]
        self.on_due = on_due
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="timer-listener", daemon=True)
        self.listening = threading.Event()

    def start(self) -> "NotificationListener":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=_WAIT_SECONDS * 3)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self._listen()
            except psycopg.Error as exc:
                log.warning("timer notifications interrupted (%s); listening again", exc)
                self._stop.wait(_WAIT_SECONDS)

    def _listen(self) -> None:
        with psycopg.connect(self.conninfo, autocommit=True) as connection:
            connection.execute(f"LISTEN {CHANNEL}")
            self.listening.set()
            while not self._stop.is_set():
                for note in connection.notifies(timeout=_WAIT_SECONDS):
                    self._announce(note.payload)

    def _announce(self, payload: str) -> None:
        try:
            due = datetime.fromisoformat(payload)
        except ValueError:
            log.warning("ignored timer notification %r", payload)
            return
        self.on_due(due)
