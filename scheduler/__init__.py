"""APScheduler as the in-process clock: it wakes at the next due timer and fires what is due.

APScheduler's own job stores cannot be shared between processes, so it holds
only the next wake-up of this process; which timers are due, and who fires
them, is decided in the database (see ``app.services.timers``). After each
pass the next wake-up is the earliest due timer, at most ``TIMER_POLL_SECONDS``
away (to find timers other processes wrote). A step of this process that
writes an earlier timer wakes it sooner (``app.services.timer_wake``); on
PostgreSQL so does a step of any other process (LISTEN/NOTIFY,
``scheduler.listen``). Any number of scheduler processes can run against one
PostgreSQL database.
"""
from __future__ import annotations

import itertools
import logging
import threading
from datetime import datetime, timedelta, timezone
from typing import Optional

from apscheduler.schedulers.background import BackgroundScheduler
from flask import Flask

from app import clock

log = logging.getLogger(__name__)

TIMER_JOB_ID = "fire_due_timers"


def tick(app: Flask) -> int:
    """One pass over due timers and timer start events, inside an app context; instances advanced or started."""
    from app.services.start_timers import fire_due_start_timers
    from app.services.timers import fire_due_timers

    with app.app_context():
        policy = firing_policy(app)
        return fire_due_timers(_uow_factory(app), policy) + fire_due_start_timers(_uow_factory(app), policy)


def firing_policy(app: Flask):
    """This process's claims and retries, from the app's config.

    On SQLite one thread fires: SQLite takes one writer at a time, so more
    threads would only queue on its lock ahead of the web requests' writes.
    """
    from app.services.timers import FiringPolicy
    from app.store import database

    config = app.config
    threads = 1 if database(app).is_sqlite else config["TIMER_THREADS"]
    return FiringPolicy(worker=config["WORKER_ID"], lease=timedelta(seconds=config["TIMER_LEASE_SECONDS"]),
                        batch=config["TIMER_BATCH"], per_commit=config["TIMER_PER_COMMIT"],
                        threads=threads, max_attempts=config["TIMER_MAX_ATTEMPTS"],
                        backoff=timedelta(seconds=config["TIMER_RETRY_SECONDS"]))


def _uow_factory(app: Flask):
    from app.db import UnitOfWork
    from app.store import database

    db = database(app)
    return lambda write=True: UnitOfWork(db, write=write)


class TimerClock:
    """Runs one pass at a time, each at the next due time (at most ``cap`` apart), sooner when nudged.

    Every wake-up is its own APScheduler date job: re-adding one job id from
    inside its own run races with APScheduler removing the finished date job.
    An earlier wake-up does not remove the one it replaces either: APScheduler
    may be running that job at that moment, and its own removal of the job then
    fails and stops its loop. The replaced job stays and, when it comes, sees it
    is no longer the planned one and does nothing. A wake-up that comes while a
    pass runs asks for another pass right after it.
    """

    def __init__(self, app: Flask, scheduler: BackgroundScheduler):
        self.app = app
        self.scheduler = scheduler
        self.cap = timedelta(seconds=app.config["TIMER_POLL_SECONDS"])
        self._lock = threading.Lock()
        self._ids = itertools.count()
        self._pending: Optional[tuple[str, datetime]] = None  # (job id, service-clock time) of the next wake-up
        self._running = False
        self._again = False
        self._stopped = False

    def start(self) -> None:
        self.wake_at(clock.now())  # catch-up: whatever fell due while this process was down fires now

    def wake_at(self, due: datetime) -> None:
        """Run a pass at ``due`` unless one is already planned at or before it."""
        with self._lock:
            if self._pending is not None and self._pending[1] <= due:
                return
            self._plan(due)

    def stop(self) -> None:
        """Plan no more passes. APScheduler's shutdown waits for a running pass while holding the
        lock ``add_job`` takes, so a pass that planned its successor then would never finish."""
        with self._lock:
            self._stopped = True

    def _plan(self, due: datetime) -> None:
        if self._stopped:
            return
        job_id = f"{TIMER_JOB_ID}:{next(self._ids)}"
        run_date = datetime.now(timezone.utc) + max(due - clock.now(), timedelta(0))
        self.scheduler.add_job(self._run, "date", run_date=run_date, args=[job_id], id=job_id,
                               misfire_grace_time=None)
        self._pending = (job_id, due)

    def _run(self, job_id: str) -> None:
        with self._lock:
            if self._pending is None or self._pending[0] != job_id:
                return  # replaced by an earlier wake-up, which ran or will run the pass
            self._pending = None
            if self._running:
                self._again = True
                return
            self._running, self._again = True, False
        due = None
        try:
            tick(self.app)
            due = self._next_due()
        except Exception:  # noqa: BLE001 - a bad pass must not stop the clock
            log.exception("timer pass failed")
        finally:
            with self._lock:
                self._running = False
                latest = clock.now() + self.cap
                wanted = clock.now() if self._again else min(due or latest, latest)
                if self._pending is None or wanted < self._pending[1]:
                    self._plan(wanted)

    def _next_due(self) -> Optional[datetime]:
        from app.services import start_timers, timers

        with self.app.app_context():
            new_uow = _uow_factory(self.app)
            times = [t for t in (timers.next_due(new_uow(write=False)), start_timers.next_due(new_uow(write=False)))
                     if t is not None]
            return min(times) if times else None


def init_app(app: Flask) -> BackgroundScheduler:
    """Start the clock for this process; :func:`shutdown` stops it."""
    from app.services import timer_wake
    from app.store import database

    scheduler = BackgroundScheduler(timezone="UTC")
    scheduler.start()
    timer_clock = TimerClock(app, scheduler)
    db = database(app)
    timer_wake.subscribe(db.url, timer_clock.wake_at)
    app.extensions["scheduler"] = scheduler
    app.extensions["timer_clock"] = timer_clock
    if db.is_postgres:
        from scheduler.listen import NotificationListener

        app.extensions["timer_listener"] = NotificationListener(db.url, timer_clock.wake_at).start()
    timer_clock.start()
    return scheduler


def shutdown(app: Flask) -> None:
    """Stop waking, wait for a running pass to finish (its transaction commits or rolls back whole)."""
    from app.services import timer_wake
    from app.store import database

    timer_clock = app.extensions.pop("timer_clock", None)
    if timer_clock is not None:
        timer_wake.unsubscribe(database(app).url, timer_clock.wake_at)
        timer_clock.stop()
    listener = app.extensions.pop("timer_listener", None)
    if listener is not None:
        listener.stop()
    scheduler = app.extensions.pop("scheduler", None)
    if scheduler is not None:
        scheduler.shutdown(wait=True)
    relay_clock = app.extensions.pop("notification_relay", None)  # the outbox's clock runs beside the timers'
    if relay_clock is not None:
        relay_clock.shutdown(wait=True)
