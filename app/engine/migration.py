"""Moving a running workflow onto another version of its process (instance migration).

SpiffWorkflow's own helper (``SpiffWorkflow.bpmn.util.diff.migrate_workflow``)
aligns task specs by name only and resets every waiting task, which would
restart a waiting timer (an SLA clock) from now. Here each task is pointed at
the target spec of the same element id, or of the id an explicit mapping
names; waiting and ready tasks keep their data and timers, only their
predicted future is drawn again from the target model. Completed tasks whose
element no longer exists are taken out of the tree (the activity history keeps
them): a stored workflow must only name specs its definition has.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.task import TaskState

from app.engine.base import _tasks
from app.engine.parser import ProcessSpec
from app.engine.running import _ACTIVE
from app.engine.specs import HandlerTask


@dataclass(frozen=True)
class ActiveElement:
    """An element an instance stands in: the one its migration must find a place for."""

    task_id: str
    activity_id: str
    activity_type: str


def element_type(spec) -> str:
    """The BPMN type of a task spec, as the activity history names it."""
    if isinstance(spec, HandlerTask):
        return "serviceTask"
    name = spec.__class__.__name__
    return getattr(spec, "activity_type", None) or name[:1].lower() + name[1:]


def element_types(process: ProcessSpec) -> dict[str, str]:
    """Element id → BPMN type of every element of the process and its subprocesses."""
    types: dict[str, str] = {}
    for flow in (process.spec, *process.subprocess_specs.values()):
        for spec in flow.task_specs.values():
            if getattr(spec, "bpmn_id", None):
                types[spec.bpmn_id] = element_type(spec)
    return types


def active_elements(workflow: BpmnWorkflow) -> list[ActiveElement]:
    return [ActiveElement(str(task.id), task.task_spec.bpmn_id, element_type(task.task_spec))
            for task in _tasks(workflow, _ACTIVE) if getattr(task.task_spec, "bpmn_id", None)]


def migrate(workflow: BpmnWorkflow, target: ProcessSpec, mapping: Mapping[str, str]) -> None:
    """Re-point ``workflow`` at ``target``; the caller has checked every active element maps (KeyError otherwise)."""
    workflow.spec = target.spec
    workflow.subprocess_specs = target.subprocess_specs
    _repoint(workflow, target.spec.task_specs, mapping)
    for sub in workflow.subprocesses.values():
        sub.spec = target.subprocess_specs[sub.spec.name]
        _repoint(sub, sub.spec.task_specs, mapping)
    for task in list(_tasks(workflow, _ACTIVE)):
        task._drop_children()  # only the predicted ones: nothing that has run is lost
        task.task_spec._predict(task, mask=TaskState.PREDICTED_MASK | TaskState.FUTURE | _ACTIVE)


def _repoint(flow, specs: Mapping, mapping: Mapping[str, str]) -> None:
    for task in list(flow.tasks.values()):
        if task.id not in flow.tasks:  # went with a predicted branch removed before it
            continue
        name = task.task_spec.name
        spec = specs.get(mapping.get(name, name))
        if spec is not None:
            task.task_spec = spec
        elif task.state & _ACTIVE:
            raise KeyError(name)
        elif task.state & (TaskState.COMPLETED | TaskState.CANCELLED):
            _splice(flow, task)
        else:  # a predicted task of a vanished element: its branch is predicted again from the target
            flow._remove_task(task.id)


def _splice(flow, task) -> None:
    """Take a finished task out of the tree, its children taking its place under its parent."""
    parent = task.parent
    for child_id in task._children:
        flow.tasks[child_id]._parent = task._parent
    if parent is not None:
        at = parent._children.index(task.id)
        parent._children[at:at + 1] = task._children
    del flow.tasks[task.id]
    if flow.last_task is task:
        flow.last_task = parent
