"""Timer start events: the schedule a deployment writes, fired by the scheduler exactly once per occurrence.

Deploying a new version of a process replaces its rows in ``start_timer``: a
start event the new version dropped stops firing; one with the same id and
expression keeps its due time (a redeploy neither fires twice nor restarts a
cycle); a new or changed one is computed from now (a date already past fires
at once). A row is deleted once its event has no occurrence left, so an
unchanged event without a row has run its course and stays so: a date fired
under the old version does not fire again under the new one. Deleting the
latest version puts the schedule of the version that becomes latest back by
the same rules.

Firing follows ``app.services.timers``: a pass claims due rows with a lease in a
short transaction (``FOR UPDATE SKIP LOCKED`` on PostgreSQL), then each row is
fired in its own transaction that re-checks the claim, starts the instance and
moves the row to its next occurrence (or deletes it when none is left), so the
start and the advance commit together and an occurrence starts one instance.
There is no instance to hold an incident: a failure is counted on the row and
retried with back-off; after the last attempt the occurrence is given up
(logged and audited) and the row moves on to the next one.
"""
from __future__ import annotations

import logging
import time
import uuid
from datetime import datetime
from typing import Callable, Optional

from flask import current_app, has_app_context
from sqlalchemy import Select, func, or_, select

from app import clock, engine, modelcheck
from app.db import UnitOfWork
from app.errors import Conflict, DeploymentError, InvalidInput, ModelError, SuspendedEntity
from app.models import ProcessDefinition, Resource, StartTimer
from app.services import timer_wake
from app.services.audit import audit
from app.services.definitions import definition_row, process_spec
from app.services.instances import store_new_instance
from app.services.timers import FiringPolicy
from app.start_schedule import Schedule, ScheduleError, due_after_firing, first_due, read_schedule

log = logging.getLogger(__name__)

DEFAULT_ZONE = "Asia/Shanghai"
TimerStart = tuple[str, str, str]  # a start event's id, timer kind (timeDate | timeCycle) and expression


def zone() -> str:
    """The zone cron cycles (and dates without an offset) are read in: ``TIMER_CRON_TIME_ZONE``."""
    return current_app.config.get("TIMER_CRON_TIME_ZONE", DEFAULT_ZONE) if has_app_context() else DEFAULT_ZONE


# ------------------------------------------------------------------ deployment
def replace_schedule(uow: UnitOfWork, definition: ProcessDefinition, timer_starts: list[TimerStart],
                     replaced: Optional[ProcessDefinition]) -> None:
    """Make ``definition``'s timer start events (id, kind, expression) its key's schedule.

    ``replaced`` is the version whose schedule this was (the latest before a
    deployment, or the deleted latest): an event it had unchanged that has no
    row ran its course, and is not started again. Runs in the caller's
    transaction, so a refused deployment changes no schedule.
    """
    session, now = uow.session, clock.now()
    rows = {row.activity_id: row for row in
            session.scalars(select(StartTimer).where(StartTimer.process_key == definition.key))}
    wanted = {activity_id: (kind, expression) for activity_id, kind, expression in timer_starts}
    for activity_id in rows.keys() - wanted.keys():
        session.delete(rows.pop(activity_id))
    finished = _finished(uow, replaced, wanted, rows)
    due_times = []
    for activity_id, (kind, expression) in wanted.items():
        row = rows.get(activity_id)
        if row is not None and (row.kind, row.expression) == (kind, expression):
            row.definition_id = definition.id  # unchanged: keeps its due time and count
            continue
        if (activity_id, kind, expression) in finished:
            continue
        due = first_due(_schedule(definition, activity_id, kind, expression), now)
        if row is not None:
            session.delete(row)
            session.flush()  # the (key, event) pair is unique: the old row goes before the new one
        if due is not None:
            session.add(StartTimer(id=str(uuid.uuid4()), process_key=definition.key, activity_id=activity_id,
                                   definition_id=definition.id, kind=kind, expression=expression, due_at=due))
            due_times.append(due)
    timer_wake.note_timers(uow, due_times)


def _finished(uow: UnitOfWork, replaced: Optional[ProcessDefinition], wanted: dict[str, tuple[str, str]],
              rows: dict[str, StartTimer]) -> set[TimerStart]:
    """The events of ``replaced`` that have no row: a wanted event among them, unchanged, has no occurrence left.

    The replaced version's model is read only when some wanted event has no row (a date that fired, a
    finished ``R3``, or a new event), which is rare: most schedules are cycles that keep their row.
    """
    if replaced is None or wanted.keys() <= rows.keys():
        return set()
    return {event for event in timer_starts_of(uow, replaced) if event[0] not in rows}


def timer_starts_of(uow: UnitOfWork, definition: ProcessDefinition) -> list[TimerStart]:
    """A stored version's timer start events (id, kind, expression), read from its BPMN file as deployed."""
    resource = uow.session.get(Resource, definition.resource_id)
    return next(p for p in modelcheck.check_bpmn(resource.content, resource.name)
                if p.key == definition.key).timer_starts


def restore_previous(uow: UnitOfWork, deleted: ProcessDefinition, previous: ProcessDefinition) -> None:
    """The latest version ``deleted`` is about to go: ``previous`` becomes latest and its timer starts are scheduled.

    As in Camunda, where deleting the latest version re-creates the previous one's timer start jobs; an
    event both versions share unchanged keeps its due time, one that ran its course stays done.
    """
    replace_schedule(uow, previous, timer_starts_of(uow, previous), deleted)


def _schedule(definition: ProcessDefinition, activity_id: str, kind: str, expression: str) -> Schedule:
    """The start event's schedule; what deployment's checks let through but cannot run refuses the deployment."""
    try:
        return read_schedule(kind, expression, zone())
    except ScheduleError as exc:
        raise DeploymentError([ModelError(str(exc), element_id=activity_id,
                                          resource=definition.resource_name)]) from None


# ------------------------------------------------------------------ firing
def _firable(now: datetime) -> Select:
    """Due rows nobody holds a live lease on, not backing off, of definitions that are not suspended."""
    return (select(StartTimer.id).join(ProcessDefinition, ProcessDefinition.id == StartTimer.definition_id)
            .where(StartTimer.due_at <= now, or_(StartTimer.attempts == 0, StartTimer.next_try_at <= now),
                   or_(StartTimer.lease_until.is_(None), StartTimer.lease_until <= now),
                   ProcessDefinition.suspended.is_(False))
            .order_by(StartTimer.due_at))


def claim_due(uow: UnitOfWork, policy: FiringPolicy) -> list[str]:
    """Lease up to ``policy.batch`` due start timers to this worker; their ids, earliest due first."""
    with uow:
        now = clock.now()
        query = _firable(now).limit(policy.batch)
        if uow.db.is_postgres:
            query = query.with_for_update(of=StartTimer, skip_locked=True)
        ids = list(uow.session.scalars(query))
        for row in uow.session.scalars(select(StartTimer).where(StartTimer.id.in_(ids))):
            row.claimed_by, row.claimed_at, row.lease_until = policy.worker, now, now + policy.lease
        uow.commit()
        return ids


def fire_claimed(uow: UnitOfWork, timer_id: str, worker: str) -> bool:
    """Start one instance for a start timer claimed by ``worker`` and move it on; False if it is no longer ours."""
    with uow:
        now = clock.now()
        query = select(StartTimer).where(StartTimer.id == timer_id, StartTimer.claimed_by == worker,
                                         StartTimer.due_at <= now)
        if uow.db.is_postgres:
            query = query.with_for_update()
        row = uow.session.scalars(query).first()
        if row is None:
            return False  # fired by a worker whose lease was newer, or replaced by a deployment meanwhile
        _start(uow, row, now, None, {"worker": worker})
        uow.commit()
        return True


def _start(uow: UnitOfWork, row: StartTimer, now: datetime, actor: Optional[str], data: dict) -> None:
    """Start the instance of the row's occurrence, audit it and move the row on, in the caller's transaction."""
    definition = definition_row(uow, row.definition_id)
    since = time.time()
    workflow = engine.start_by_timer(process_spec(uow, definition), row.activity_id)
    due = row.due_at.isoformat()
    instance = store_new_instance(uow, definition, workflow, None, None, since,
                                  {"start_timer": row.activity_id, "due": due})
    audit(uow, instance.id, actor, "start_timer_fired", row.activity_id, row.id,
          {**data, "due": due, "timer": row.expression})
    row.fired += 1
    row.last_error = None  # a firing succeeded: an earlier occurrence's failure is no longer news
    _move_on(uow, row, now)


def _move_on(uow: UnitOfWork, row: StartTimer, now: datetime) -> None:
    """To the first occurrence after now (missed ones are not fired one by one), or gone when none is left."""
    following = due_after_firing(read_schedule(row.kind, row.expression, zone()), row.due_at, row.fired, now)
    if following is None:
        uow.session.delete(row)
        return
    row.due_at, row.attempts, row.next_try_at = following, 0, None
    row.claimed_by = row.claimed_at = row.lease_until = None


# ------------------------------------------------------------------ by hand (Camunda's job operations)
def held(uow: UnitOfWork, timer_id: str) -> Optional[StartTimer]:
    """The start timer row, locked on PostgreSQL so that a scheduler firing it waits; None if there is none."""
    query = select(StartTimer).where(StartTimer.id == timer_id)
    if uow.db.is_postgres:
        query = query.with_for_update()
    return uow.session.scalars(query).first()


def move(uow: UnitOfWork, row: StartTimer, due: datetime, actor: str) -> None:
    """Set the next occurrence (a job's due date) in the caller's transaction; the cycle goes on from there."""
    audit(uow, None, actor, "start_timer_moved", row.activity_id, row.id,
          {"process": row.process_key, "from": row.due_at.isoformat(), "to": due.isoformat()})
    row.due_at, row.attempts, row.next_try_at = due, 0, None
    row.claimed_by = row.claimed_at = row.lease_until = None
    timer_wake.note_timers(uow, [due])


def fire_now(uow: UnitOfWork, row: StartTimer, actor: str) -> None:
    """Start the next occurrence's instance now (a job executed by hand) and move on, in the caller's transaction."""
    try:
        _start(uow, row, clock.now(), actor, {"by_hand": True})
    except ScheduleError as exc:  # parked for that reason: only a deployment of a readable timer mends it
        raise InvalidInput(f"timer start event {row.activity_id} of {row.process_key}: {exc}; "
                           "deploy a version with a valid timer") from None


def release_claim(uow: UnitOfWork, timer_id: str, worker: str) -> None:
    """Give back a claim that lost a race (definition suspended meanwhile), so a later pass decides again."""
    with uow:
        row = uow.session.get(StartTimer, timer_id)
        if row is not None and row.claimed_by == worker:
            row.claimed_by = row.claimed_at = row.lease_until = None
        uow.commit()


def record_failure(uow: UnitOfWork, timer_id: str, policy: FiringPolicy, error: BaseException) -> None:
    """Count a failed firing: back off, or at the last attempt give the occurrence up and move on."""
    message = f"{type(error).__name__}: {error}"
    with uow:
        now = clock.now()
        row = uow.session.get(StartTimer, timer_id)
        if row is None or row.claimed_by != policy.worker:
            return
        row.attempts += 1
        row.last_error = message
        row.claimed_by = row.claimed_at = row.lease_until = None
        if row.attempts < policy.max_attempts:
            row.next_try_at = now + policy.backoff * 2 ** (row.attempts - 1)
        else:
            _give_up(uow, row, now, message)
        uow.commit()


def _give_up(uow: UnitOfWork, row: StartTimer, now: datetime, message: str) -> None:
    log.error("timer start event %s of %s due %s gave up after %d attempts: %s",
              row.activity_id, row.process_key, row.due_at.isoformat(), row.attempts, message)
    audit(uow, None, None, "start_timer_failed", row.activity_id, row.id,
          {"process": row.process_key, "due": row.due_at.isoformat(), "attempts": row.attempts, "message": message})
    try:
        _move_on(uow, row, now)
        row.last_error = message  # kept for the operator until a firing succeeds
    except ScheduleError:
        row.next_try_at = None  # parked: only a deployment of a changed expression arms it again


def fire_due_start_timers(new_uow: Callable[..., UnitOfWork], policy: FiringPolicy) -> int:
    """One pass: claim a batch of due start timers and fire each in its own transaction; instances started."""
    started = 0
    for timer_id in claim_due(new_uow(), policy):
        try:
            started += fire_claimed(new_uow(), timer_id, policy.worker)
        except (Conflict, SuspendedEntity):
            release_claim(new_uow(), timer_id, policy.worker)
        except Exception as exc:  # noqa: BLE001 - one start event that cannot fire must not stop the others
            log.warning("timer start event %s could not fire: %s", timer_id, exc)
            record_failure(new_uow(), timer_id, policy, exc)
    return started


def next_due(uow: UnitOfWork) -> Optional[datetime]:
    """The earliest time a start timer nobody holds becomes firable (past if one is), or None."""
    with uow:
        now = clock.now()
        fresh = uow.session.scalar(_earliest_unheld(StartTimer.due_at, now).where(StartTimer.attempts == 0))
        retry = uow.session.scalar(_earliest_unheld(StartTimer.next_try_at, now).where(StartTimer.attempts > 0))
        times = [t for t in (fresh, retry) if t is not None]
        return min(times) if times else None


def _earliest_unheld(column, now: datetime) -> Select:
    return (select(func.min(column)).select_from(StartTimer)
            .join(ProcessDefinition, ProcessDefinition.id == StartTimer.definition_id)
            .where(or_(StartTimer.lease_until.is_(None), StartTimer.lease_until <= now),
                   ProcessDefinition.suspended.is_(False)))
