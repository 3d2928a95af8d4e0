"""Firing due timers exactly once, whichever scheduler process gets there first.

Due rows are claimed in the database: ``FOR UPDATE SKIP LOCKED`` on PostgreSQL,
the single-writer ``BEGIN IMMEDIATE`` lock on SQLite. Each instance is advanced
in its own transaction, so one failing instance does not hold back the rest.
"""
from __future__ import annotations

import logging
import time
from datetime import datetime
from typing import Callable, Optional

from sqlalchemy import select

from app import engine
from app.db import UnitOfWork
from app.errors import Conflict, DomainError
from app.models import ProcessInstance, Timer, utcnow
from app.services import step
from app.services.audit import audit

log = logging.getLogger(__name__)


def due_instances(uow: UnitOfWork, now: Optional[datetime] = None, limit: int = 50) -> list[str]:
    with uow:
        now = now or utcnow()
        query = (select(Timer.instance_id).join(ProcessInstance, ProcessInstance.id == Timer.instance_id)
                 .where(Timer.due_at <= now, ProcessInstance.suspended.is_(False))  # suspended: wait for activation
                 .order_by(Timer.due_at).limit(limit))
        return list(dict.fromkeys(uow.session.scalars(query)))


def fire_instance_timers(uow: UnitOfWork, instance_id: str, worker: str) -> bool:
    """Advance one instance whose timer is due; False if another worker already did."""
    with uow:
        query = select(Timer).where(Timer.instance_id == instance_id, Timer.due_at <= utcnow())
        if uow.db.is_postgres:
            query = query.with_for_update(skip_locked=True)
        due = list(uow.session.scalars(query))
        if not due:
            return False
        instance, definition, workflow = step.load(uow, instance_id)
        since = time.time()
        engine.advance(workflow)
        for timer in due:
            audit(uow, instance_id, None, "timer_fired", timer.activity_id, timer.id, {"worker": worker})
        step.save(uow, instance, definition, workflow, None, since)
        uow.commit()
        return True


def fire_due_timers(new_uow: Callable[[], UnitOfWork], worker: str, limit: int = 50) -> int:
    """One scheduler tick: fire every due timer; returns how many instances advanced."""
    fired = 0
    for instance_id in due_instances(new_uow(write=False), limit=limit):
        try:
            fired += fire_instance_timers(new_uow(), instance_id, worker)
        except Conflict:
            continue  # someone completed a task on it meanwhile; its next save re-projects the timer
        except DomainError as exc:
            # e.g. a timer expression that fails at run time: the instance stays as it was
            # and the timer stays due, so it is retried on the next tick after the model is fixed
            log.warning("timer on instance %s could not fire: %s", instance_id, exc.message)
    return fired
