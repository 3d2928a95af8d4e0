"""Firing due timers exactly once, whichever scheduler process gets there first, even if one dies mid-fire.

A pass first *claims* a batch of due timers in a short transaction of its own:
each gets ``claimed_by`` and a ``lease_until`` (``FOR UPDATE SKIP LOCKED`` on
PostgreSQL, so two schedulers take disjoint batches; the single-writer
``BEGIN IMMEDIATE`` lock on SQLite). Then each instance is fired in one
transaction that locks its timer rows and fires only those still claimed by
this worker: the fire and the deletion of the fired row commit together, so a
timer never fires twice. A scheduler killed mid-fire leaves only its lease;
once that runs out another scheduler claims the timer and fires it.

A firing that fails counts an attempt and waits ``backoff * 2**(attempts-1)``
before the next; after ``max_attempts`` it becomes an incident (retried from
the incident, as a failed handler call is). Other timers are never held up by it.
"""
from __future__ import annotations

import logging
import time
import traceback
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable, Optional

from sqlalchemy import Select, func, or_, select, update

from app import clock, engine
from app.db import UnitOfWork
from app.errors import Conflict, SuspendedEntity
from app.models import Incident, ProcessInstance, Timer
from app.services import step
from app.services.audit import audit

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FiringPolicy:
    """How one scheduler claims and retries: its name, lease, batch and back-off (from the app's config)."""

    worker: str
    lease: timedelta = timedelta(seconds=30)
    batch: int = 50
    max_attempts: int = 3
    backoff: timedelta = timedelta(seconds=10)


class TimerNotFired(RuntimeError):
    """The engine left a due timer waiting: counted as a failed firing, like any other error."""


def _firable(now: datetime) -> Select:
    """Due timers nobody holds a live lease on, not backing off, on instances that are not suspended."""
    return (select(Timer.id, Timer.instance_id).join(ProcessInstance, ProcessInstance.id == Timer.instance_id)
            .where(Timer.due_at <= now, or_(Timer.attempts == 0, Timer.next_try_at <= now),
                   or_(Timer.lease_until.is_(None), Timer.lease_until <= now),
                   ProcessInstance.suspended.is_(False))  # a suspended instance's timers wait for activation
            .order_by(Timer.due_at))


def claim_due(uow: UnitOfWork, policy: FiringPolicy) -> list[str]:
    """Lease up to ``policy.batch`` due timers to this worker; returns their instances, earliest due first."""
    with uow:
        now = clock.now()
        query = _firable(now).limit(policy.batch)
        if uow.db.is_postgres:
            query = query.with_for_update(of=Timer, skip_locked=True)
        rows = list(uow.session.execute(query))
        if not rows:
            return []
        uow.session.execute(update(Timer).where(Timer.id.in_([r.id for r in rows]))
                            .values(claimed_by=policy.worker, claimed_at=now, lease_until=now + policy.lease))
        uow.commit()
        return list(dict.fromkeys(r.instance_id for r in rows))


def fire_claimed(uow: UnitOfWork, instance_id: str, worker: str) -> bool:
    """Advance one instance past its due timers claimed by ``worker``; False if they are no longer ours."""
    with uow:
        query = select(Timer).where(Timer.instance_id == instance_id, Timer.claimed_by == worker,
                                    Timer.due_at <= clock.now())
        if uow.db.is_postgres:
            query = query.with_for_update()
        due = list(uow.session.scalars(query))
        if not due:
            return False  # fired by another worker whose lease was newer, or moved meanwhile
        instance, definition, workflow = step.load(uow, instance_id)
        since = time.time()
        engine.advance(workflow)
        for timer in due:
            audit(uow, instance_id, None, "timer_fired", timer.activity_id, timer.id,
                  {"worker": worker, "due": timer.due_at.isoformat()})
        step.save(uow, instance, definition, workflow, None, since)
        # a fired timer's row is gone, a cycle's has moved to its next occurrence (its claim cleared with it);
        # one left as it was was not taken by the engine: a failure to fire, or the scheduler would spin on it
        claimed = {t.id: t.due_at for t in due}
        stuck = [row.id for row in uow.session.execute(select(Timer.id, Timer.due_at).where(Timer.id.in_(claimed)))
                 if row.due_at == claimed[row.id]]
        if stuck:
            raise TimerNotFired(f"due timer(s) {', '.join(stuck)} of instance {instance_id} did not fire")
        uow.commit()
        return True



def release_claims(uow: UnitOfWork, instance_id: str, worker: str) -> None:
    """Give back this worker's claims on an instance (it lost a race), so the next pass may try again."""
    with uow:
        uow.session.execute(update(Timer).where(Timer.instance_id == instance_id, Timer.claimed_by == worker)
                            .values(claimed_by=None, claimed_at=None, lease_until=None))
        uow.commit()


def record_failure(uow: UnitOfWork, instance_id: str, policy: FiringPolicy, error: BaseException) -> None:
    """Count a failed firing of this worker's claimed timers: back off, or become an incident at the last attempt."""
    message = f"{type(error).__name__}: {error}"
    with uow:
        now = clock.now()
        definition_id = uow.session.scalar(select(ProcessInstance.definition_id)
                                           .where(ProcessInstance.id == instance_id))
        timers = list(uow.session.scalars(select(Timer).where(Timer.instance_id == instance_id,
                                                              Timer.claimed_by == policy.worker)))
        for timer in timers:
            timer.attempts += 1
            timer.claimed_by = timer.claimed_at = timer.lease_until = None
            if timer.attempts < policy.max_attempts:
                timer.next_try_at = now + policy.backoff * 2 ** (timer.attempts - 1)
                continue
            timer.next_try_at = None  # parked: only a retry of its incident arms it again
            uow.session.add(Incident(id=str(uuid.uuid4()), instance_id=instance_id, definition_id=definition_id,
                                     activity_id=timer.activity_id, task_id=timer.id, message=message,
                                     attempts=timer.attempts, status="open", created_at=now,
                                     stack_trace="".join(traceback.format_exception(error))))
            audit(uow, instance_id, None, "incident", timer.activity_id, timer.id, {"message": message})
        uow.commit()


def rearm(uow: UnitOfWork, incident: Incident, actor: str) -> bool:
    """Arm a timer the scheduler gave up on (in the caller's transaction); False if ``incident`` is no such timer."""
    timer = uow.session.get(Timer, incident.task_id)
    if timer is None or timer.attempts == 0:
        return False
    timer.attempts, timer.next_try_at = 0, None
    timer.claimed_by = timer.claimed_at = timer.lease_until = None
    incident.status, incident.resolved_at = "resolved", clock.now()
    audit(uow, incident.instance_id, actor, "incident_retry", incident.activity_id, incident.task_id)
    return True


def fire_due_timers(new_uow: Callable[..., UnitOfWork], policy: FiringPolicy) -> int:
    """One scheduler pass: claim a batch of due timers and fire each instance in its own transaction.

    Returns how many instances advanced; :func:`next_due` then says when to run again.
    """
    fired = 0
    for instance_id in claim_due(new_uow(), policy):
        try:
            fired += fire_claimed(new_uow(), instance_id, policy.worker)
        except (Conflict, SuspendedEntity):
            # someone changed or suspended it meanwhile: give the claim back, the next pass decides again
            release_claims(new_uow(), instance_id, policy.worker)
        except Exception as exc:  # noqa: BLE001 - one instance that cannot fire must not stop the others
            log.warning("timer on instance %s could not fire: %s", instance_id, exc)
            record_failure(new_uow(), instance_id, policy, exc)
    return fired


def next_due(uow: UnitOfWork) -> Optional[datetime]:
    """When a pass should next run: the earliest time a timer nobody holds becomes firable (past if one is).

    Timers leased by another worker are left out: if that worker dies, they are
    found by the capped pass after the lease runs out.
    """
    with uow:
        now = clock.now()
        fresh = uow.session.scalar(_unheld(select(func.min(Timer.due_at)), now).where(Timer.attempts == 0))
        retry = uow.session.scalar(_unheld(select(func.min(Timer.next_try_at)), now).where(Timer.attempts > 0))
        times = [t for t in (fresh, retry) if t is not None]
        return min(times) if times else None


def _unheld(query: Select, now: datetime) -> Select:
    return (query.select_from(Timer).join(ProcessInstance, ProcessInstance.id == Timer.instance_id)
            .where(ProcessInstance.suspended.is_(False), or_(Timer.lease_until.is_(None), Timer.lease_until <= now)))
