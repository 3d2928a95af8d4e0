"""APScheduler as the in-process clock: each tick claims due timers from the database.

APScheduler's own job stores cannot be shared between processes, so it keeps
only a fixed interval job here; which timers are due, and who fires them, is
decided in the database (see ``app.services.timers``). Any number of scheduler
processes can run against one PostgreSQL database.
"""
from __future__ import annotations

import logging

from apscheduler.schedulers.background import BackgroundScheduler
from flask import Flask

log = logging.getLogger(__name__)

TIMER_JOB_ID = "fire_due_timers"


def tick(app: Flask) -> int:
    """One pass over due timers, inside an app context; returns the number of instances advanced."""
    from app.db import UnitOfWork
    from app.services.timers import fire_due_timers
    from app.store import database

    with app.app_context():
        db = database(app)
        return fire_due_timers(lambda write=True: UnitOfWork(db, write=write), app.config["WORKER_ID"],
                               app.config["TIMER_BATCH"])


def _safe_tick(app: Flask) -> None:
    try:
        tick(app)
    except Exception:  # noqa: BLE001 - a bad tick must not kill the clock
        log.exception("timer tick failed")


def init_app(app: Flask) -> BackgroundScheduler:
    """Start the clock for this process; stopped by ``app.extensions['scheduler'].shutdown()``."""
    scheduler = BackgroundScheduler(timezone="UTC")
    scheduler.add_job(_safe_tick, "interval", seconds=app.config["TIMER_POLL_SECONDS"], args=[app],
                      id=TIMER_JOB_ID, replace_existing=True, max_instances=1, coalesce=True)
    scheduler.start()
    app.extensions["scheduler"] = scheduler
    return scheduler
