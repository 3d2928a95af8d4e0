"""Camunda's jobs, mapped onto what this engine has: waiting timers, timer start events and failed calls.

Camunda runs timers and asynchronous steps as jobs, and a job whose retries
ran out carries an incident. Here a waiting timer is a row of the ``timer``
projection, a timer start event's next occurrence a row of ``start_timer`` (a
job of its definition, with no instance, as in Camunda), and a failed handler
call its open incident (retries 0, with the error and stack trace). A timer
that kept failing to fire is one job too: its row and its incident (retrying
the incident arms the timer again) are shown as the failed timer, with its due
date. Retries are the attempts left of ``TIMER_MAX_ATTEMPTS``. A job's id is
the engine task id: the timer row's id, the incident's ``configuration``, or
the start timer row's id. All are read in one SQL query, so lists, counts and
paging stay in the database.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable, Optional

from flask import current_app, has_app_context
from sqlalchemy import (Integer, Select, String, Text, case, cast, exists, func, literal, null, or_, select,
                        union_all, update)

from app import clock, engine
from app.db import UnitOfWork
from app.errors import Forbidden, InvalidInput, NotFound
from app.models import ActivityInstance, Incident, ProcessDefinition, ProcessInstance, StartTimer, Timer
from app.services import incidents, start_timers, step
from app.services.audit import audit
from app.services.users import ADMIN_GROUP, Principal

TIMER_RETRIES = 3  # Camunda's default for a job that has not failed, and TIMER_MAX_ATTEMPTS's
OPERATOR_GROUPS = frozenset({"process_owner", ADMIN_GROUP})


@dataclass
class JobQuery:
    """Camunda's job filters that apply to timers, timer start events and failed handler calls."""

    job_ids: list[str] = field(default_factory=list)
    instance_ids: list[str] = field(default_factory=list)
    definition_id: Optional[str] = None
    definition_key: Optional[str] = None
    activity_id: Optional[str] = None
    timers: Optional[bool] = None
    messages: Optional[bool] = None
    with_exception: Optional[bool] = None
    no_retries_left: Optional[bool] = None
    with_retries_left: Optional[bool] = None
    executable: Optional[bool] = None
    due_before: Optional[datetime] = None
    due_after: Optional[datetime] = None
    sort_by: Optional[str] = None
    descending: bool = False
    first: int = 0
    limit: Optional[int] = None


@dataclass(frozen=True)
class Job:
    id: str
    kind: str  # timer | start (a timer start event) | failed (a handler call, or a timer given up on)
    is_timer: bool
    instance_id: Optional[str]
    definition_id: str
    definition_key: str
    activity_id: str
    due_at: Optional[datetime]
    retries: int
    message: Optional[str]
    created_at: Optional[datetime]
    suspended: bool


def _max_attempts() -> int:
    return current_app.config.get("TIMER_MAX_ATTEMPTS", TIMER_RETRIES) if has_app_context() else TIMER_RETRIES


def _retries_left(attempts) -> Any:
    """Camunda counts a job's retries down with each failure: the attempts left before the scheduler gives up."""
    most = _max_attempts()
    return case((attempts >= most, 0), else_=most - attempts)


def _jobs() -> Select:
    """Every job as one row shape: waiting timers, timer start events, then open incidents of failed calls."""
    parked = exists().where(Incident.task_id == Timer.id, Incident.status == "open")
    timers = (select(Timer.id.label("id"), literal("timer", String).label("kind"),
                     literal(1, Integer).label("is_timer"), Timer.instance_id.label("instance_id"),
                     ProcessInstance.definition_id.label("definition_id"),
                     ProcessInstance.definition_key.label("definition_key"), Timer.activity_id.label("activity_id"),
                     Timer.due_at.label("due_at"), _retries_left(Timer.attempts).label("retries"),
                     cast(null(), Text).label("message"), ActivityInstance.started_at.label("created_at"),
                     ProcessInstance.suspended.label("suspended"))
              .join(ProcessInstance, ProcessInstance.id == Timer.instance_id)
              .outerjoin(ActivityInstance, ActivityInstance.id == Timer.id)
              .where(~parked))  # given up on: shown once, as its incident below
    starts = (select(StartTimer.id, literal("start", String), literal(1, Integer), cast(null(), String),
                     StartTimer.definition_id, StartTimer.process_key, StartTimer.activity_id, StartTimer.due_at,
                     _retries_left(StartTimer.attempts), StartTimer.last_error, ProcessDefinition.deployed_at,
                     ProcessDefinition.suspended)  # a suspended definition's start timers wait, as in Camunda
              .join(ProcessDefinition, ProcessDefinition.id == StartTimer.definition_id))
    failed = (select(Incident.task_id, literal("failed", String), case((Timer.id.is_(None), 0), else_=1),
                     Incident.instance_id, Incident.definition_id, ProcessInstance.definition_key,
                     Incident.activity_id, Timer.due_at, literal(0, Integer), Incident.message,
                     Incident.created_at, ProcessInstance.suspended)
              .join(ProcessInstance, ProcessInstance.id == Incident.instance_id)
              .outerjoin(Timer, Timer.id == Incident.task_id)
              .where(Incident.status == "open"))
    return union_all(timers, starts, failed).subquery("job")


_SORT = {"jobId": "id", "processInstanceId": "instance_id", "executionId": "instance_id",
         "processDefinitionId": "definition_id", "processDefinitionKey": "definition_key", "jobRetries": "retries",
         "jobDueDate": "due_at", "jobPriority": None}


def _filtered(query: JobQuery, columns: Callable) -> tuple[Select, Any]:
    job = _jobs()
    stmt = select(*columns(job))
    for values, column in ((query.job_ids, job.c.id), (query.instance_ids, job.c.instance_id)):
        if values:
            stmt = stmt.where(column.in_(values))
    for value, column in ((query.definition_id, job.c.definition_id), (query.definition_key, job.c.definition_key),
                          (query.activity_id, job.c.activity_id)):
        if value is not None:
            stmt = stmt.where(column == value)
    if query.timers is not None:
        stmt = stmt.where(job.c.is_timer == int(query.timers))
    if query.messages:  # no asynchronous continuations here: message jobs never exist
        stmt = stmt.where(literal(False))
    for flag, condition in ((query.with_exception, job.c.message.is_not(None)),
                            (query.no_retries_left, job.c.retries == 0), (query.with_retries_left, job.c.retries > 0)):
        if flag:
            stmt = stmt.where(condition)
    if query.executable:  # Camunda: retries left, and due (or no due date)
        stmt = stmt.where(job.c.retries > 0, or_(job.c.due_at.is_(None), job.c.due_at <= clock.now()))
    if query.due_before is not None:
        stmt = stmt.where(job.c.due_at < query.due_before)
    if query.due_after is not None:
        stmt = stmt.where(job.c.due_at > query.due_after)
    return stmt, job


def _check(user: Principal, query: JobQuery) -> None:
    if not user.is_staff:
        raise Forbidden(f"user {user.id} may not see jobs")
    if query.sort_by is not None and query.sort_by not in _SORT:
        raise InvalidInput(f"sortBy {query.sort_by!r} is not supported (use {', '.join(_SORT)})")


def list_jobs(uow: UnitOfWork, user: Principal, query: JobQuery) -> list[Job]:
    """Jobs matching ``query``: by due date (timers first), then id, unless sorted. Staff only."""
    _check(user, query)
    with uow:
        stmt, job = _filtered(query, lambda j: list(j.c))
        name = _SORT.get(query.sort_by or "jobDueDate") or "id"  # every job has priority 0
        column = job.c[name]
        order = [column.desc() if query.descending else column.asc()]
        if name == "due_at":  # NULLs last ascending on both databases
            order.insert(0, column.is_(None).desc() if query.descending else column.is_(None).asc())
        stmt = stmt.order_by(*order, job.c.id).offset(query.first)
        if query.limit is not None:
            stmt = stmt.limit(query.limit)
        return [Job(**{**row._mapping, "is_timer": bool(row.is_timer), "suspended": bool(row.suspended)})
                for row in uow.session.execute(stmt)]


def count_jobs(uow: UnitOfWork, user: Principal, query: JobQuery) -> int:
    _check(user, query)
    with uow:
        stmt, _job = _filtered(query, lambda j: [func.count(j.c.id)])
        return uow.session.scalar(stmt) or 0


def get_job(uow: UnitOfWork, user: Principal, job_id: str) -> Job:
    found = list_jobs(uow, user, JobQuery(job_ids=[job_id]))
    if not found:
        raise NotFound(f"job {job_id} does not exist")
    return found[0]


def stacktrace(uow: UnitOfWork, user: Principal, job_id: str) -> str:
    """The stack trace of a failed handler call's last failure."""
    job = get_job(uow, user, job_id)
    with uow:
        trace = uow.session.scalar(select(Incident.stack_trace).where(Incident.task_id == job.id,
                                                                      Incident.status == "open"))
    if not trace:
        raise NotFound(f"job {job_id} has no exception stacktrace")
    return trace


def set_retries(new_uow: Callable[..., UnitOfWork], user: Principal, job_ids: list[str], retries: int) -> int:
    """Set retries of several jobs; returns how many. Positive retries run each failed call again at once.

    Every id must be a failed handler call (a timer has not failed, so it has
    no retries to set): checked for all before any runs, each run in its own transaction.
    """
    if not job_ids:
        raise InvalidInput("no jobs selected")
    jobs = {job.id: job for job in list_jobs(new_uow(write=False), user, JobQuery(job_ids=job_ids))}
    missing = [j for j in job_ids if j not in jobs]
    if missing:
        raise NotFound(f"job(s) {', '.join(missing)} do not exist")
    timers = [j for j in job_ids if jobs[j].kind in ("timer", "start")]
    if timers:
        raise InvalidInput(f"job(s) {', '.join(timers)} are timers, which have no retries to set")
    if retries > 0:
        for job_id in dict.fromkeys(job_ids):
            incidents.retry(new_uow(), job_id, user)
    return len(set(job_ids))


def _require_operator(user: Principal) -> None:
    if not user.groups & OPERATOR_GROUPS:
        raise Forbidden(f"user {user.id} may not move or fire timers (needs group process_owner or admin)")


def _timer(uow: UnitOfWork, job_id: str) -> Timer:
    timer = uow.session.get(Timer, job_id)
    if timer is None:
        if uow.session.scalar(select(Incident.id).where(Incident.task_id == job_id, Incident.status == "open")):
            raise InvalidInput(f"job {job_id} is a failed handler call, not a timer; it has no due date")
        raise NotFound(f"job {job_id} does not exist")
    return timer


def set_due_date(uow: UnitOfWork, user: Principal, job_id: str, due: datetime) -> None:
    """Move a waiting timer or a timer start event's next occurrence (the scheduler fires it when due);
    audited with the old and new time."""
    _require_operator(user)
    with uow:
        start = start_timers.held(uow, job_id)
        if start is not None:
            start_timers.move(uow, start, due, user.id)
            uow.commit()
            return
        timer = _timer(uow, job_id)
        instance, definition, workflow = step.load(uow, timer.instance_id)
        since = time.time()
        try:
            engine.move_timer(workflow, job_id, due)
        except KeyError:
            raise NotFound(f"job {job_id} is no longer waiting") from None
        audit(uow, instance.id, user.id, "timer_moved", timer.activity_id, job_id,
              {"from": timer.due_at.isoformat(), "to": due.isoformat()})
        step.save(uow, instance, definition, workflow, user.id, since)
        # the projection keeps an existing timer row as it is: write the new time (and release any claim)
        uow.session.execute(update(Timer).where(Timer.id == job_id)
                            .values(due_at=due, claimed_by=None, claimed_at=None))
        uow.commit()


def execute(new_uow: Callable[..., UnitOfWork], user: Principal, job_id: str) -> None:
    """Run a job now: fire a timer, start a timer start event's instance (its schedule moves on), or call a
    failed handler again (a new failure keeps the incident open)."""
    job = get_job(new_uow(write=False), user, job_id)
    if job.kind == "failed":
        incidents.retry(new_uow(), job_id, user)
        return
    _require_operator(user)
    uow = new_uow()
    with uow:
        start = start_timers.held(uow, job_id) if job.kind == "start" else None
        if start is not None:
            start_timers.fire_now(uow, start, user.id)
            uow.commit()
            return
        timer = _timer(uow, job_id)
        instance, definition, workflow = step.load(uow, timer.instance_id)
        since = time.time()
        try:
            engine.fire_timer(workflow, job_id)
        except KeyError:
            raise NotFound(f"job {job_id} is no longer waiting") from None
        audit(uow, instance.id, user.id, "timer_executed", timer.activity_id, job_id)
        step.save(uow, instance, definition, workflow, user.id, since)
        uow.commit()
