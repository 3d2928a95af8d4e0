"""One step of one instance: load it, change it, then write its state and projections together.

A *step* is: change the workflow (start it, complete a task, fire a timer,
retry a handler), run the handlers that became due (``dispatch``), then write
the state blob and every projection (``projections``) in the caller's
transaction. Because the instance row carries a version column, two steps on
the same instance never both commit.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any, Optional

from sqlalchemy.orm.attributes import flag_modified

from app import clock, engine
from app.db import UnitOfWork
from app.errors import NotFound, SuspendedEntity
from app.models import ProcessDefinition, ProcessInstance
from app.services import dispatch, inbox_projection, projections, runtime_projections, step_changes
from app.services.audit import audit, jsonable, variable_types
from app.services.definitions import definition_row, process_spec


def load(uow: UnitOfWork, instance_id: str, allow_suspended: bool = False
         ) -> tuple[ProcessInstance, ProcessDefinition, Any]:
    """The instance row, its definition and its live workflow; a suspended instance refuses every change but cancelling."""
    instance = uow.session.get(ProcessInstance, instance_id)
    if instance is None:
        raise NotFound(f"process instance {instance_id} does not exist")
    if instance.suspended and not allow_suspended:
        raise SuspendedEntity(f"process instance {instance_id} is suspended")
    definition = definition_row(uow, instance.definition_id)
    workflow = engine.load_state(instance.state, process_spec(uow, definition))
    return instance, definition, workflow


def save(uow: UnitOfWork, instance: ProcessInstance, definition: ProcessDefinition, workflow: Any,
         actor: Optional[str], since: float, before: Optional[step_changes.Before] = None
         ) -> list[engine.ActiveTask]:
    """Run due handlers, then write state and projections; raise Conflict if someone else won.

    With ``before`` (``step_changes.before`` taken right after :func:`load`),
    only the projections whose inputs this step changed are rewritten; without
    it, every one is. Returns the tasks left waiting (what the projections were
    written from), so a caller can tell what the step did without reading the
    projections back.
    """
    touched = dispatch.run_handlers(uow, instance, definition, workflow, actor)
    now = clock.now()
    active = engine.active_tasks(workflow)
    instance.state = engine.dump_state(workflow)
    values = engine.variables(workflow)
    instance.variables = jsonable(values)
    instance.variable_types = variable_types(values, instance.variable_types or {})
    if engine.is_completed(workflow) and instance.status == "ACTIVE":  # not when cancelled
        instance.status, instance.ended_at = "COMPLETED", now
        audit(uow, instance.id, actor, "instance_completed")
    # The versioned instance UPDATE goes first, even when the state did not change:
    # a writer that lost the race fails here (Conflict) before it touches any
    # projection, and the winner holds the row lock while it rewrites them.
    flag_modified(instance, "state")
    uow.session.flush()
    if before is None:
        _write_all(uow, instance, definition, workflow, active, actor, since, now)
    else:
        _write_changed(uow, instance, definition, workflow, active, actor, since, now, before, touched)
    uow.session.flush()
    return active


def _write_all(uow: UnitOfWork, instance: ProcessInstance, definition: ProcessDefinition, workflow: Any,
               active: list[engine.ActiveTask], actor: Optional[str], since: float, now: datetime) -> None:
    assignees = projections.sync_human_tasks(uow, instance, definition, workflow, active, actor, now)
    projections.sync_timers(uow, instance, active)
    projections.sync_history(uow, instance, workflow, since, now, assignees)
    runtime_projections.sync(uow, instance, workflow)
    projections.sync_incidents(uow, instance, definition, workflow, now)
    inbox_projection.sync(uow, instance)


def _write_changed(uow: UnitOfWork, instance: ProcessInstance, definition: ProcessDefinition, workflow: Any,
                   active: list[engine.ActiveTask], actor: Optional[str], since: float, now: datetime,
                   before: step_changes.Before, touched: list[Any]) -> None:
    """Rewrite each projection only if something it is written from changed between ``before`` and now."""
    open_tasks = step_changes.user_tasks(active)
    inbox_changed = step_changes.inbox_facts_changed(before, instance, touched)
    opened, finished = open_tasks - before.user_tasks, before.user_tasks - open_tasks
    assignees = (projections.sync_human_tasks(uow, instance, definition, workflow, active, actor, now,
                                              was_open=before.user_tasks) if opened or finished else {})
    timers = step_changes.timers(active)
    parked_dropped = projections.sync_timers(uow, instance, active) if timers != before.timers else False
    projections.sync_history(uow, instance, workflow, since, now, assignees)
    events = engine.waiting_events(workflow)
    if frozenset(events) != before.events:
        runtime_projections.sync_subscriptions(uow, instance, events)
    if finished:
        runtime_projections.drop_locals(uow, finished)
    moved = any(task_id in before.timers and before.timers[task_id] != due for task_id, due in timers.items())
    if (parked_dropped or moved or step_changes.failures(workflow) != before.failures
            or frozenset(engine.blocked_task_ids(workflow)) != before.blocked):
        projections.sync_incidents(uow, instance, definition, workflow, now)
    if inbox_changed:
        inbox_projection.sync(uow, instance)
