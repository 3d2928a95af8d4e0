"""Advancing a workflow one step at a time and reading what it waits for (the projections' source)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Iterable, Optional
from uuid import UUID

from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.events.event_types import CatchingEvent
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.task import TaskState

from app.engine.base import _task, _tasks
from app.engine.failures import _guarded
from app.engine.specs import HandlerTask
from app.errors import ScriptError


@dataclass
class PendingHandler:
    task_id: str
    activity_id: str
    topic: str
    variables: dict


@dataclass
class ActiveTask:
    """A task visible outside the engine: a waiting user task, handler call or timer."""

    task_id: str
    activity_id: str
    name: str
    kind: str  # "user" | "handler" | "timer" | "other"
    state: str
    due_at: Optional[datetime] = None


def advance(workflow: BpmnWorkflow) -> None:
    """Run everything the engine can run by itself (gateways, scripts, DMN, due timers).

    An element that fails is parked in ERROR (see :func:`failures`) and the
    rest of the instance runs on; only a failure no element can be blamed for
    raises ScriptError.
    """
    _guarded(workflow, _advance, workflow)


def _advance(workflow: BpmnWorkflow) -> None:
    workflow.refresh_timers()
    workflow.do_engine_steps()


def complete_user_task(workflow: BpmnWorkflow, task_id: str, data: dict[str, Any]) -> None:
    """Complete a READY user task; KeyError if it is not (any more) waiting for a person.

    Finished tasks stay in the tree, so without the state check a stale request
    would run the task a second time and duplicate everything after it.
    """
    task = _task(workflow, task_id)
    if task.state != TaskState.READY or not task.task_spec.manual:
        raise KeyError(task_id)
    task.data.update(data)
    _guarded(workflow, task.run)
    advance(workflow)


def pending_handlers(workflow: BpmnWorkflow) -> list[PendingHandler]:
    """Service tasks waiting for their handler that have not failed since their last retry."""
    result = []
    for task in _tasks(workflow, TaskState.STARTED):
        if isinstance(task.task_spec, HandlerTask) and not task.internal_data.get("handler_failed"):
            result.append(PendingHandler(str(task.id), task.task_spec.bpmn_id, task.task_spec.topic, dict(task.data)))
    return result


def is_pending_handler(workflow: BpmnWorkflow, task_id: str) -> bool:
    """True while the handler task still waits (it failed again, or has not run)."""
    task = workflow.get_task_from_id(UUID(task_id))
    return task is not None and task.state == TaskState.STARTED and isinstance(task.task_spec, HandlerTask)


def finish_handler(workflow: BpmnWorkflow, task_id: str, result: Optional[dict]) -> None:
    task = _task(workflow, task_id)
    if task.state != TaskState.STARTED:
        raise KeyError(task_id)
    task.internal_data.pop("handler_failed", None)
    if result:
        task.data.update(result)
    _guarded(workflow, task.complete)
    advance(workflow)


def mark_handler_failed(workflow: BpmnWorkflow, task_id: str, failed: bool = True) -> None:
    """Park a failed handler call (no automatic re-run) or release it for a retry."""
    task = _task(workflow, task_id)
    if task.state != TaskState.STARTED:
        raise KeyError(task_id)
    if failed:
        task.internal_data["handler_failed"] = True
    else:
        task.internal_data.pop("handler_failed", None)


def active_tasks(workflow: BpmnWorkflow) -> list[ActiveTask]:
    """User tasks that are READY, handler calls pending, and timers waiting — the projection's source."""
    result = []
    for task in _tasks(workflow, TaskState.READY | TaskState.STARTED | TaskState.WAITING):
        spec = task.task_spec
        bpmn_id = getattr(spec, "bpmn_id", None)
        if bpmn_id is None:
            continue
        name = spec.bpmn_name or bpmn_id
        if task.state == TaskState.READY and spec.manual:
            result.append(ActiveTask(str(task.id), bpmn_id, name, "user", "READY"))
        elif isinstance(spec, HandlerTask) and task.state == TaskState.STARTED:
            result.append(ActiveTask(str(task.id), bpmn_id, name, "handler", "STARTED"))
        elif task.state == TaskState.WAITING and isinstance(spec, CatchingEvent):
            result.append(ActiveTask(str(task.id), bpmn_id, name, "timer", "WAITING", _timer_due(task)))
    return result


def _timer_due(task) -> Optional[datetime]:
    value = task.internal_data.get("event_value")
    if isinstance(value, dict):
        value = value.get("next")
    if not isinstance(value, str):
        return None
    try:
        due = datetime.fromisoformat(value)
    except ValueError:
        return None
    return due if due.tzinfo else due.replace(tzinfo=timezone.utc)


@dataclass
class ActivityChange:
    task_id: str
    activity_id: str
    name: str
    activity_type: str
    finished: bool
    canceled: bool


_SEEN = TaskState.READY | TaskState.STARTED | TaskState.WAITING | TaskState.COMPLETED | TaskState.CANCELLED


def changed_activities(workflow: BpmnWorkflow, since: float) -> list[ActivityChange]:
    """BPMN elements whose state changed at or after ``since`` (a ``time.time()`` value), for history."""
    result = []
    for task in _tasks(workflow, _SEEN):
        spec = task.task_spec
        bpmn_id = getattr(spec, "bpmn_id", None)
        if bpmn_id is None or task.last_state_change < since:
            continue
        kind = "serviceTask" if isinstance(spec, HandlerTask) else getattr(spec, "activity_type", None) or (
            spec.__class__.__name__[:1].lower() + spec.__class__.__name__[1:])
        result.append(ActivityChange(str(task.id), bpmn_id, spec.bpmn_name or bpmn_id, kind,
                                     task.state in (TaskState.COMPLETED, TaskState.CANCELLED),
                                     task.state == TaskState.CANCELLED))
    return result


def task_data(workflow: BpmnWorkflow, task_id: str) -> dict[str, Any]:
    return dict(_task(workflow, task_id).data)


def multi_instance_item(workflow: BpmnWorkflow, task_id: str) -> Any:
    """The element a task's nearest multi-instance activity gave it (one department of a collection), else None.

    The inbox tells a multi-instance activity's tasks apart by it; they share a name. The walk goes up
    through enclosing subprocesses, so a task inside a multi-instance subprocess finds its element too.
    """
    task = _task(workflow, task_id)
    data = task.data
    while task is not None:
        parent = task.parent
        if parent is None and task.workflow.parent_task_id is not None:
            parent = workflow.get_task_from_id(task.workflow.parent_task_id)
        item = getattr(getattr(parent, "task_spec", None), "input_item", None)
        if item is not None and item.bpmn_id in data:
            return data[item.bpmn_id]
        task = parent
    return None


def add_duration(start: datetime, duration: str) -> datetime:
    """``start`` plus an ISO-8601 duration, with SpiffWorkflow's calendar-aware month arithmetic."""
    try:
        parsed = TimerEventDefinition.parse_iso_duration(duration)
    except Exception as exc:  # noqa: BLE001 - SpiffWorkflow raises a bare Exception
        raise ScriptError(f"{duration!r} is not an ISO-8601 duration") from exc
    return start + TimerEventDefinition.get_timedelta_from_start(parsed, start)


def is_completed(workflow: BpmnWorkflow) -> bool:
    return workflow.is_completed()


_ACTIVE = TaskState.READY | TaskState.STARTED | TaskState.WAITING | TaskState.ERROR


def variables(workflow: BpmnWorkflow) -> dict[str, Any]:
    """What the instance "knows" now: the data of its active (or failed) tasks, or of its last task when done."""
    merged: dict[str, Any] = dict(workflow.data)
    active = list(_tasks(workflow, _ACTIVE))
    source = active or ([workflow.last_task] if workflow.last_task is not None else [])
    for task in source:
        merged.update(task.data)
    return merged


def set_variables(workflow: BpmnWorkflow, values: dict[str, Any], deletions: Iterable[str] = ()) -> None:
    """Change the data every active (or failed) task reads, so the next thing that runs sees the change."""
    targets = list(_tasks(workflow, _ACTIVE)) or ([workflow.last_task] if workflow.last_task is not None else [])
    for task in targets:
        task.data.update(values)
        for name in deletions:
            task.data.pop(name, None)
