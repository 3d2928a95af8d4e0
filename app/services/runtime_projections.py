"""Projections the runtime operations add to every step: message subscriptions and task-local variables.

Subscriptions are rewritten like timers, so that correlating a message or
broadcasting a signal is a SQL lookup by name instead of a scan of workflow
blobs. Task-local variables live only as long as their task is open.
"""
from __future__ import annotations

from typing import Iterable

from sqlalchemy import select

from app import clock, engine
from app.db import UnitOfWork, insert_ignoring_existing
from app.models import HumanTask, MessageSubscription, ProcessInstance, TaskLocalVariable

_SUBSCRIPTIONS = MessageSubscription.__table__
_LOCALS = TaskLocalVariable.__table__


def sync(uow: UnitOfWork, instance: ProcessInstance, workflow) -> None:
    """Bring the instance's subscriptions in line with the workflow; drop locals of tasks that ended."""
    sync_subscriptions(uow, instance, engine.waiting_events(workflow))
    ended = select(HumanTask.id).where(HumanTask.instance_id == instance.id, HumanTask.status != "open")
    uow.session.execute(_LOCALS.delete().where(_LOCALS.c.task_id.in_(ended)))


def sync_subscriptions(uow: UnitOfWork, instance: ProcessInstance, waiting: list[engine.WaitingEvent]) -> None:
    """One subscription row per message or signal wait: the gone ones deleted, the new ones added."""
    gone = _SUBSCRIPTIONS.delete().where(_SUBSCRIPTIONS.c.instance_id == instance.id)
    if waiting:
        gone = gone.where(_SUBSCRIPTIONS.c.id.notin_([w.task_id for w in waiting]))
    uow.session.execute(gone)
    now = clock.now()
    insert_ignoring_existing(uow.session, MessageSubscription, [
        {"id": w.task_id, "instance_id": instance.id, "activity_id": w.activity_id, "kind": w.kind,
         "name": w.name, "created_at": now} for w in waiting])


def drop_locals(uow: UnitOfWork, task_ids: Iterable[str]) -> None:
    """Delete the local variables of tasks this step finished (they live only while their task is open)."""
    uow.session.execute(_LOCALS.delete().where(_LOCALS.c.task_id.in_(list(task_ids))))
