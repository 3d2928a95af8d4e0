"""Firing due timers exactly once, whichever scheduler process gets there first, even if one dies mid-fire.

A pass first *claims* a batch of due timers in a short transaction of its own:
each gets ``claimed_by`` and a ``lease_until`` (``FOR UPDATE SKIP LOCKED`` on
PostgreSQL, so two schedulers take disjoint batches; the single-writer
``BEGIN IMMEDIATE`` lock on SQLite). Then the claimed instances are fired a few
to a transaction (one commit, one audit INSERT): the transaction locks their
timer rows and fires only those still claimed by this worker, and the fire and
the deletion of the fired row commit together, so a timer never fires twice.
Should one instance fail, the batch's transaction rolls back whole and the
batch fires again with each instance in a savepoint of its own. A firing saves
only the projections it changed (``step_changes``). A scheduler killed mid-fire
leaves only its lease; once that runs out another scheduler claims the timer
and fires it.

A firing that fails counts an attempt and waits ``backoff * 2**(attempts-1)``
before the next; after ``max_attempts`` it becomes an incident (retried from
the incident, as a failed handler call is). Other timers are never held up by it.
"""
from __future__ import annotations

import contextvars
import logging
import threading
import time
import traceback
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Callable, Optional

from sqlalchemy import Select, func, or_, select, update
from sqlalchemy.orm.exc import StaleDataError

from app import clock, engine
from app.db import UnitOfWork
from app.errors import Conflict, SuspendedEntity
from app.models import Incident, ProcessInstance, Timer
from app.services import step, step_changes
from app.services.audit import audit

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FiringPolicy:
    """How one scheduler claims and retries: its name, lease, batch and back-off (from the app's config)."""

    worker: str
    lease: timedelta = timedelta(seconds=30)
    batch: int = 200  # timers claimed per pass, at most
    per_commit: int = 10  # timers claimed, and their instances fired, per transaction
    threads: int = 1  # claim-and-fire loops of one pass running at once
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


def claim_due(uow: UnitOfWork, policy: FiringPolicy, limit: Optional[int] = None) -> list[str]:
    """Lease up to ``limit`` (``policy.batch``) due timers to this worker; returns their instances, earliest due first."""
    with uow:
        now = clock.now()
        query = _firable(now).limit(limit or policy.batch)
        if uow.db.is_postgres:
            query = query.with_for_update(of=Timer, skip_locked=True)
        rows = list(uow.session.execute(query))
        if not rows:
            return []
        uow.session.execute(update(Timer).where(Timer.id.in_([r.id for r in rows]))
                            .values(claimed_by=policy.worker, claimed_at=now, lease_until=now + policy.lease))
        uow.commit()
        return list(dict.fromkeys(r.instance_id for r in rows))


@dataclass
class Firing:
    """What one transaction of :func:`fire_claimed` did with each instance it was given."""

    fired: list[str] = field(default_factory=list)
    released: list[str] = field(default_factory=list)  # changed or suspended meanwhile: claim given back
    failed: list[str] = field(default_factory=list)  # counted a failed attempt (back-off or incident)
    not_ours: list[str] = field(default_factory=list)  # no timer still claimed by this worker: nothing done


def fire_claimed(uow: UnitOfWork, instance_ids: list[str], policy: FiringPolicy) -> Firing:
    """Advance instances past their due timers claimed by this worker, all in one transaction.

    One commit serves the whole batch (and its audit rows go in one INSERT).
    The timer rows are locked and checked to be still claimed by this worker
    first, and their deletion commits with the fire, so a timer whose lease ran
    out and was fired by another worker is not fired again. The batch fires
    first without savepoints; if one instance fails, that transaction is
    rolled back whole (nothing of it was written, every claim still ours) and
    the batch fires again with each instance in a savepoint of its own, where
    the failing one rolls back alone and counts a failed attempt or gives its
    claim back, and the others fire.
    """
    firing = _fire_together(uow, instance_ids, policy)
    return firing if firing is not None else _fire_each_alone(uow, instance_ids, policy)


def _fire_together(uow: UnitOfWork, instance_ids: list[str], policy: FiringPolicy) -> Optional[Firing]:
    """Fire the batch in one transaction without savepoints; None (all rolled back) if any instance fails."""
    firing = Firing()
    with uow:
        instances, due = _lock_claimed(uow, instance_ids, policy)
        for instance_id in instance_ids:
            if instance_id not in instances:
                firing.not_ours.append(instance_id)
                continue
            try:
                _fire_one(uow, instance_id, due[instance_id], policy.worker)
            except Exception as exc:  # noqa: BLE001 - retried below, instance by instance
                log.info("a batch of %d timer firings rolled back for instance %s (%s); firing each alone",
                         len(instance_ids), instance_id, exc)
                return None  # leaving the unit of work uncommitted rolls the whole batch back
            firing.fired.append(instance_id)
        uow.commit()
    return firing


def _fire_each_alone(uow: UnitOfWork, instance_ids: list[str], policy: FiringPolicy) -> Firing:
    """Fire the batch in one transaction, each instance in a savepoint: a failing one becomes a counted failure."""
    firing = Firing()
    with uow:
        instances, due = _lock_claimed(uow, instance_ids, policy)
        for instance_id in instance_ids:
            if instance_id not in instances:
                firing.not_ours.append(instance_id)
                continue
            audited = len(uow.audit_rows)
            try:
                with uow.session.begin_nested():
                    _fire_one(uow, instance_id, due[instance_id], policy.worker)
            except (Conflict, SuspendedEntity, StaleDataError):
                del uow.audit_rows[audited:]
                # someone changed or suspended it meanwhile: give the claim back, the next pass decides again
                _release(uow, instance_id, policy.worker)
                firing.released.append(instance_id)
            except Exception as exc:  # noqa: BLE001 - one instance that cannot fire must not stop the others
                del uow.audit_rows[audited:]
                log.warning("timer on instance %s could not fire: %s", instance_id, exc)
                _count_failure(uow, instance_id, policy, exc)
                firing.failed.append(instance_id)
            else:
                firing.fired.append(instance_id)
        uow.commit()
    return firing


def _lock_claimed(uow: UnitOfWork, instance_ids: list[str], policy: FiringPolicy
                  ) -> tuple[dict[str, ProcessInstance], dict[str, list[Timer]]]:
    """Lock the batch's due timers still claimed by this worker; read their instances in one query.

    The instances are held here (the session keeps rows only while they are
    referred to) so that ``step.load`` finds each in the session instead of
    reading it again. An instance missing from the result was fired by a worker
    whose lease was newer, or moved meanwhile.
    """
    query = (select(Timer).where(Timer.instance_id.in_(instance_ids), Timer.claimed_by == policy.worker,
                                 Timer.due_at <= clock.now()).order_by(Timer.id))
    if uow.db.is_postgres:
        query = query.with_for_update()
    due: dict[str, list[Timer]] = {}
    for timer in uow.session.scalars(query):
        due.setdefault(timer.instance_id, []).append(timer)
    instances = {row.id: row for row in uow.session.scalars(
        select(ProcessInstance).where(ProcessInstance.id.in_(list(due))))} if due else {}
    return instances, due


def _fire_one(uow: UnitOfWork, instance_id: str, due: list[Timer], worker: str) -> None:
    instance, definition, workflow = step.load(uow, instance_id)
    before = step_changes.before(instance, workflow)
    since = time.time()
    engine.advance(workflow)
    for timer in due:
        audit(uow, instance_id, None, "timer_fired", timer.activity_id, timer.id,
              {"worker": worker, "due": timer.due_at.isoformat()})
    waiting = step.save(uow, instance, definition, workflow, None, since, before)
    # a fired timer's row is gone, a cycle's has moved to its next occurrence (its claim cleared with it);
    # one the engine still waits on at the same time was not taken: a failure, or the scheduler would spin on it
    still = {(t.task_id, t.due_at) for t in waiting if t.kind == "timer"}
    stuck = [t.id for t in due if (t.id, t.due_at) in still]
    if stuck:
        raise TimerNotFired(f"due timer(s) {', '.join(stuck)} of instance {instance_id} did not fire")


def _release(uow: UnitOfWork, instance_id: str, worker: str) -> None:
    uow.session.execute(update(Timer).where(Timer.instance_id == instance_id, Timer.claimed_by == worker)
                        .values(claimed_by=None, claimed_at=None, lease_until=None))


def record_failure(uow: UnitOfWork, instance_id: str, policy: FiringPolicy, error: BaseException) -> None:
    """Count a failed firing of this worker's claimed timers in a transaction of its own."""
    with uow:
        _count_failure(uow, instance_id, policy, error)
        uow.commit()


def _count_failure(uow: UnitOfWork, instance_id: str, policy: FiringPolicy, error: BaseException) -> None:
    """Back off this worker's claimed timers of the instance, or make them an incident at the last attempt."""
    message = f"{type(error).__name__}: {error}"
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
    """One scheduler pass: claim and fire due timers, ``policy.per_commit`` instances per transaction.

    ``policy.threads`` threads, each on its own connection, each claim a small
    batch and fire it, and go on while timers are due, so one waits on the
    database while another computes and none sits idle behind a slower one. A
    pass ends once ``policy.batch`` timers were claimed (or none is due), so the
    clock gets to plan, and to stop, between passes. Returns how many
    instances advanced; :func:`next_due` then says when to run again.
    """
    size = max(1, policy.per_commit)
    budget = [policy.batch]
    guard = threading.Lock()

    def take() -> int:
        with guard:
            n = min(size, budget[0])
            budget[0] -= n
            return n

    def work() -> int:
        fired = 0
        while (wanted := take()) > 0:
            claimed = claim_due(new_uow(), policy, wanted)
            if claimed:
                fired += _fire_chunk(new_uow, claimed, policy)
            if len(claimed) < wanted:
                break  # nothing more due that no one holds
        return fired

    if policy.threads <= 1:
        return work()
    with ThreadPoolExecutor(policy.threads, thread_name_prefix="timer-fire") as pool:
        # each thread runs in a copy of the caller's context: the app context (the working-day calendar that
        # expressions read) comes along, as it would were the pass firing on one thread
        return sum(future.result() for future in [pool.submit(contextvars.copy_context().run, work)
                                                  for _ in range(policy.threads)])


def _fire_chunk(new_uow: Callable[..., UnitOfWork], instance_ids: list[str], policy: FiringPolicy) -> int:
    """Fire one batch; if its transaction fails as a whole (say its commit), fire each instance alone,
    so that the one that breaks a commit counts its failure and the others fire."""
    try:
        return len(fire_claimed(new_uow(), instance_ids, policy).fired)
    except Exception as exc:  # noqa: BLE001 - the pass goes on; unfired claims are tried again
        if len(instance_ids) > 1:
            log.warning("a batch of %d timer firings failed (%s); firing them one by one", len(instance_ids), exc)
            return sum(_fire_chunk(new_uow, [instance_id], policy) for instance_id in instance_ids)
        log.warning("timer on instance %s could not fire: %s", instance_ids[0], exc)
        record_failure(new_uow(), instance_ids[0], policy, exc)
        return 0


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
