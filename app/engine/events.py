"""What messages, signals, BPMN errors thrown from tasks, cancellation and timer jobs ask of a workflow."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Optional

from SpiffWorkflow.bpmn.specs.control import BoundaryEventSplit
from SpiffWorkflow.bpmn.specs.event_definitions.item_aware_event import (
    ErrorEventDefinition,
    SignalEventDefinition,
)
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import CycleTimerEventDefinition, TimerEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.events.event_types import CatchingEvent
from SpiffWorkflow.bpmn.specs.mixins.events.intermediate_event import BoundaryEvent
from SpiffWorkflow.bpmn.specs.mixins.events.start_event import StartEvent
from SpiffWorkflow.bpmn.util import BpmnEvent
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.camunda.specs.event_definitions import (
    MessageEventDefinition as CamundaMessageEventDefinition,
)
from SpiffWorkflow.task import TaskState

from app import clock
from app.engine.base import SCRIPT_ENGINE, _task, _tasks, _wrap
from app.engine.failures import _guarded
from app.engine.parser import ProcessSpec
from app.engine.running import advance
from app.engine.specs import _EXTERNAL


def move_timer(workflow: BpmnWorkflow, task_id: str, due: datetime) -> None:
    """Make a waiting timer event fire at ``due`` instead; KeyError if ``task_id`` is no waiting timer.

    SpiffWorkflow keeps the evaluated due time in the task (a date, or for a
    cycle the next occurrence, later ones following from it), so that is what moves.
    """
    task = _task(workflow, task_id)
    value = task.internal_data.get("event_value")
    if task.state != TaskState.WAITING or not isinstance(task.task_spec, CatchingEvent) or value is None:
        raise KeyError(task_id)
    stamp = due.astimezone(timezone.utc).isoformat()
    if isinstance(value, dict):
        value["next"] = stamp
    else:
        task.internal_data["event_value"] = stamp


def fire_timer(workflow: BpmnWorkflow, task_id: str) -> None:
    """Fire a waiting timer now (by the service clock, which SpiffWorkflow's timers read) and run on.

    Due at the clock's present instant is due (``app.engine.base._DueAtNow``), so no back-dating is needed."""
    move_timer(workflow, task_id, clock.now())
    advance(workflow)


@dataclass(frozen=True)
class WaitingEvent:
    """A message or signal catch event (or receive task) an instance waits in; start events excluded."""

    task_id: str
    activity_id: str
    kind: str  # "message" | "signal"
    name: str


def _event_kind(spec) -> Optional[str]:
    definition = getattr(spec, "event_definition", None)
    if isinstance(definition, MessageEventDefinition):
        return "message"
    if isinstance(definition, SignalEventDefinition):
        return "signal"
    return None


def waiting_events(workflow: BpmnWorkflow) -> list[WaitingEvent]:
    """The instance's message and signal subscriptions: the source of the ``message_subscription`` projection."""
    result = []
    for task in _tasks(workflow, TaskState.WAITING):
        spec = task.task_spec
        kind = _event_kind(spec)
        if kind is not None and isinstance(spec, CatchingEvent) and not isinstance(spec, StartEvent):
            result.append(WaitingEvent(str(task.id), spec.bpmn_id, kind, spec.event_definition.name))
    return result


def start_events(process: ProcessSpec) -> list[tuple[str, str, str]]:
    """(activity id, kind, name) of the message and signal start events of the top-level process."""
    return [(spec.bpmn_id, kind, spec.event_definition.name) for spec in process.spec.task_specs.values()
            if isinstance(spec, StartEvent) and (kind := _event_kind(spec)) is not None]


def _catch(task, variables: dict[str, Any]) -> None:
    definition = task.task_spec.event_definition
    payload = {_EXTERNAL: dict(variables)} if isinstance(definition, CamundaMessageEventDefinition) else dict(variables)
    task.task_spec.catch(task, BpmnEvent(definition, payload=payload))
    task.task_spec._update(task)


def deliver_event(workflow: BpmnWorkflow, task_id: str, kind: str, name: str, variables: dict[str, Any]) -> None:
    """Let one waiting catch event (``task_id``) receive the message or signal, then advance.

    KeyError when that task no longer waits for it: the projection it was
    found in is older than the instance.
    """
    task = _task(workflow, task_id)
    if task.state != TaskState.WAITING or _event_kind(task.task_spec) != kind \
            or task.task_spec.event_definition.name != name:
        raise KeyError(task_id)
    _guarded(workflow, _catch, task, variables)
    advance(workflow)


def start_by_event(process: ProcessSpec, activity_id: str, variables: dict[str, Any]) -> BpmnWorkflow:
    """A new workflow started at the message or signal start event ``activity_id``, carrying ``variables``.

    Other start events of the process are cancelled first: the instance
    starts where the event arrived, not at its none start event too.
    """
    workflow = BpmnWorkflow(process.spec, process.subprocess_specs, script_engine=SCRIPT_ENGINE)
    target = None
    for task in list(workflow.get_tasks(state=TaskState.ANY_MASK)):
        if isinstance(task.task_spec, StartEvent) and task.state & TaskState.NOT_FINISHED_MASK:
            if task.task_spec.bpmn_id == activity_id:
                target = task
            else:
                task.cancel()
    if target is None:
        raise KeyError(activity_id)
    _guarded(workflow, workflow.do_engine_steps)
    _guarded(workflow, _catch, target, variables)
    advance(workflow)
    return workflow


def start_by_timer(process: ProcessSpec, activity_id: str) -> BpmnWorkflow:
    """A new workflow started at the timer start event ``activity_id``, its timer taken as fired.

    The schedule (the ``start_timer`` rows) decides when; SpiffWorkflow's own
    timer is not evaluated, since it cannot read a cron cycle and would wait
    again for a time that has already come.
    """
    workflow = BpmnWorkflow(process.spec, process.subprocess_specs, script_engine=SCRIPT_ENGINE)
    starts = _start_event_tasks(workflow)
    if activity_id not in {task.task_spec.bpmn_id for task in starts}:
        raise KeyError(activity_id)
    for task in starts:
        if task.task_spec.bpmn_id == activity_id:
            _fire_start_timer(task)
        else:
            task.cancel()
    advance(workflow)
    return workflow


def fire_timer_start_by_hand(workflow: BpmnWorkflow) -> None:
    """A start by hand goes at once, as in Camunda: it never waits in a timer start event.

    With a none (or message) start event beside them, the timer start events
    are left to the schedule; a process that has only timer start events
    starts at its first one.
    """
    starts = _start_event_tasks(workflow)
    timers = [task for task in starts if isinstance(task.task_spec.event_definition, TimerEventDefinition)]
    if not timers:
        return
    chosen = None if len(timers) < len(starts) else timers[0]
    for task in timers:
        if task is chosen:
            _fire_start_timer(task)
        else:
            task.cancel()


def _fire_start_timer(task) -> None:
    """Take a timer start event as fired. A cycle timer's outgoing path is not predicted
    (SpiffWorkflow adds it per occurrence), so the one occurrence's path is added here. Beside a
    none start event the timer's own task is only predicted (MAYBE); firing makes it definite first."""
    task._set_internal_data(event_fired=True)
    if isinstance(task.task_spec.event_definition, CycleTimerEventDefinition) and not task.children:
        if task.state & TaskState.PREDICTED_MASK:
            task._set_state(TaskState.FUTURE)
        for output in task.task_spec.outputs:
            child = task._add_child(output, TaskState.FUTURE)
            child.task_spec._predict(child, mask=TaskState.NOT_FINISHED_MASK)


def _start_event_tasks(workflow: BpmnWorkflow) -> list:
    return [task for task in workflow.get_tasks(state=TaskState.ANY_MASK)
            if isinstance(task.task_spec, StartEvent) and task.state & TaskState.NOT_FINISHED_MASK]


def throw_task_error(workflow: BpmnWorkflow, task_id: str, code: str, variables: dict[str, Any]) -> bool:
    """Throw a BPMN error from a READY user task to the nearest error boundary event that catches ``code``.

    Looks at the boundary events of the task, then of each enclosing
    subprocess. False (nothing changed) when no boundary event catches it;
    KeyError when the task is not waiting for a person.
    """
    task = _task(workflow, task_id)
    if task.state != TaskState.READY or not task.task_spec.manual:
        raise KeyError(task_id)
    scope = task
    while scope is not None:
        for boundary in _boundary_events(scope):
            definition = boundary.task_spec.event_definition
            if isinstance(definition, ErrorEventDefinition) and definition.code in (None, code):
                _guarded(workflow, _catch, boundary, {**task.data, **variables})
                advance(workflow)
                return True
        parent_id = scope.workflow.parent_task_id
        scope = workflow.get_task_from_id(parent_id) if parent_id is not None else None
    return False


def _boundary_events(task) -> list:
    parent = task.parent
    if parent is None or not isinstance(parent.task_spec, BoundaryEventSplit):
        return []
    return [child for child in parent.children if child is not task and child.state == TaskState.WAITING
            and isinstance(child.task_spec, BoundaryEvent)]


def cancel(workflow: BpmnWorkflow) -> None:
    """End the instance where it stands: every unfinished task, subprocesses included, is cancelled."""
    _wrap(workflow.cancel)


def set_user_task_data(workflow: BpmnWorkflow, task_id: str, values: dict[str, Any]) -> None:
    """Merge values into a READY user task's data (resolving a delegated task); KeyError if it is not waiting."""
    task = _task(workflow, task_id)
    if task.state != TaskState.READY or not task.task_spec.manual:
        raise KeyError(task_id)
    task.data.update(values)
