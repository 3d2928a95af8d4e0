"""The one module that imports SpiffWorkflow.

It parses deployed models into specs, runs workflows one step at a time and
turns their state into plain data for the service layer. Three things differ
from stock SpiffWorkflow on purpose:

* scripts, conditions, timers and DMN entries run in :mod:`app.sandbox`;
* service tasks do not run inside the engine loop: they stop as *pending
  handler calls* so that the service layer can call ``handlers/`` and turn an
  exception into an incident instead of losing the step;
* the serialized state carries no process spec. Specs are parsed once per
  definition version (and cached), so an instance blob holds only its own
  tasks and data.
"""
from __future__ import annotations

import json
import zlib
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Iterable, Optional
from uuid import UUID

from lxml import etree
from SpiffWorkflow.bpmn.parser.TaskParser import TaskParser
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import BasePythonScriptEngineEnvironment
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.task_spec import BpmnTaskSpecConverter
from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter, WorkflowConverter
from SpiffWorkflow.bpmn.specs.defaults import ServiceTask
from SpiffWorkflow.bpmn.parser.BpmnParser import full_tag
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.camunda.parser import CamundaParser
from SpiffWorkflow.camunda.serializer.config import CAMUNDA_CONFIG
from SpiffWorkflow.exceptions import SpiffWorkflowException, WorkflowException
from SpiffWorkflow.task import TaskState
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.events.event_types import CatchingEvent

from app import sandbox
from app.errors import ModelError, ScriptError

CAMUNDA_NS = "http://camunda.org/schema/1.0/bpmn"


# --------------------------------------------------------------------------- sandbox
class SandboxEnvironment(BasePythonScriptEngineEnvironment):
    """Routes every evaluation SpiffWorkflow makes through the RestrictedPython sandbox."""

    def evaluate(self, expression, context, external_context=None):
        return sandbox.evaluate(expression, context, external_context)

    def execute(self, script, context, external_context=None):
        sandbox.execute(script, context, external_context)
        return True

    def call_service(self, context, **kwargs):  # pragma: no cover - handlers run outside
        raise NotImplementedError("service tasks are run by the service layer")


SCRIPT_ENGINE = PythonScriptEngine(environment=SandboxEnvironment())


# --------------------------------------------------------------------------- parsing
class HandlerTask(ServiceTask):
    """A service task whose work is a named handler; it waits (STARTED) until the service layer runs it."""

    def __init__(self, wf_spec, bpmn_id, topic: str = "", **kwargs):
        super().__init__(wf_spec, bpmn_id, **kwargs)
        self.topic = topic

    def _run_hook(self, my_task):
        return None


class HandlerTaskParser(TaskParser):
    def create_task(self):
        topic = self.node.get(f"{{{CAMUNDA_NS}}}topic", "")
        return self.spec_class(self.spec, self.bpmn_id, topic=topic, **self.bpmn_attributes)


class _Parser(CamundaParser):
    OVERRIDE_PARSER_CLASSES = {
        **CamundaParser.OVERRIDE_PARSER_CLASSES,
        full_tag("serviceTask"): (HandlerTaskParser, HandlerTask),
        full_tag("sendTask"): (HandlerTaskParser, HandlerTask),
    }


@dataclass(frozen=True)
class ProcessSpec:
    """A parsed, runnable process: what instances of one definition version share."""

    key: str
    spec: Any
    subprocess_specs: dict


def parse_process(key: str, bpmn_trees: Iterable[etree._Element], dmn_trees: Iterable[etree._Element]) -> ProcessSpec:
    """Build the runnable spec of process ``key`` from checked, normalised XML trees."""
    parser = _Parser()
    try:
        for index, tree in enumerate(bpmn_trees):
            parser.add_bpmn_xml(tree, filename=f"bpmn-{index}")
        for index, tree in enumerate(dmn_trees):
            parser.add_dmn_xml(tree, filename=f"dmn-{index}")
        spec = parser.get_spec(key)
        subprocess_specs = parser.get_subprocess_specs(key)
    except ValidationException as exc:
        raise ModelError(str(exc), element_id=getattr(exc, "id", None), line=getattr(exc, "line_number", None)) from exc
    except (SpiffWorkflowException, KeyError, ValueError, AttributeError, TypeError) as exc:
        raise ModelError(f"process {key!r} cannot be loaded: {exc!r}") from exc
    return ProcessSpec(key, spec, subprocess_specs)


# --------------------------------------------------------------------------- state
class _SpeclessWorkflowConverter(BpmnWorkflowConverter):
    """Serializes a workflow without its spec; the spec is handed back in on restore."""

    def to_dict(self, workflow):
        dct = WorkflowConverter.to_dict(self, workflow)
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct

    def from_dict(self, dct, spec=None, subprocess_specs=None):
        workflow = self.target_class(spec, subprocess_specs, deserializing=True, script_engine=SCRIPT_ENGINE)
        workflow.tasks = self.mapping_from_dict(dct["tasks"], UUID, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(UUID(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow


class _HandlerTaskConverter(BpmnTaskSpecConverter):
    """Lets SpiffWorkflow's own full serialization (the benchmark baseline) include handler tasks."""

    def to_dict(self, spec):
        dct = super().to_dict(spec)
        dct["topic"] = spec.topic
        return dct


_CONFIG = {**CAMUNDA_CONFIG, HandlerTask: _HandlerTaskConverter}
_REGISTRY = BpmnWorkflowSerializer.configure(_CONFIG)
_SpeclessWorkflowConverter(BpmnWorkflow, _REGISTRY)
_SERIALIZER = BpmnWorkflowSerializer(_REGISTRY)
FULL_SERIALIZER = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(_CONFIG))


def dump_state(workflow: BpmnWorkflow) -> bytes:
    """The instance's running state, without spec, as compressed JSON."""
    _REGISTRY._encoder_mode = True
    try:
        text = json.dumps(_SERIALIZER.to_dict(workflow), cls=_SERIALIZER._encoder_cls, separators=(",", ":"),
                          ensure_ascii=False)  # UTF-8, not \u escapes: Chinese text costs 3 bytes, not 6
    finally:
        _REGISTRY._encoder_mode = False
    return zlib.compress(text.encode("utf-8"), 1)


def load_state(state: bytes, process: ProcessSpec) -> BpmnWorkflow:
    """Rebuild a workflow from :func:`dump_state` output and its definition's spec."""
    dct = json.loads(zlib.decompress(state))
    return _SERIALIZER.from_dict(dct, spec=process.spec, subprocess_specs=process.subprocess_specs)


def new_workflow(process: ProcessSpec, variables: dict[str, Any]) -> BpmnWorkflow:
    workflow = BpmnWorkflow(process.spec, process.subprocess_specs, script_engine=SCRIPT_ENGINE)
    start = workflow.get_tasks(state=TaskState.READY)
    for task in start:
        task.data.update(variables)
    return workflow


# --------------------------------------------------------------------------- running
def _tasks(workflow: BpmnWorkflow, states: int):
    """Tasks of the workflow and its subprocesses in the given states.

    Walks the flat task dicts rather than ``get_tasks``' tree iterator, which
    costs several times more and is called on every step.
    """
    for flow in (workflow, *workflow.subprocesses.values()):
        for task in flow.tasks.values():
            if task.state & states:
                yield task


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


def _wrap(fn, *args):
    try:
        return fn(*args)
    except ModelError:
        raise
    except sandbox.SandboxError as exc:
        raise ScriptError(str(exc)) from exc
    except WorkflowException as exc:
        task = getattr(exc, "task", None) or getattr(exc, "sender", None)
        element = getattr(getattr(task, "task_spec", None), "bpmn_id", None) or getattr(task, "bpmn_id", None)
        raise ScriptError(str(exc), element_id=element) from exc
    except SpiffWorkflowException as exc:
        raise ScriptError(str(exc)) from exc


def advance(workflow: BpmnWorkflow) -> None:
    """Run everything the engine can run by itself (gateways, scripts, DMN, due timers)."""
    _wrap(_advance, workflow)


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
    _wrap(task.run)
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
    _wrap(task.complete)
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


def _task(workflow: BpmnWorkflow, task_id: str):
    task = workflow.get_task_from_id(UUID(task_id))
    if task is None:
        raise KeyError(task_id)
    return task


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
        kind = "serviceTask" if isinstance(spec, HandlerTask) else spec.__class__.__name__[:1].lower() + spec.__class__.__name__[1:]
        result.append(ActivityChange(str(task.id), bpmn_id, spec.bpmn_name or bpmn_id, kind,
                                     task.state in (TaskState.COMPLETED, TaskState.CANCELLED),
                                     task.state == TaskState.CANCELLED))
    return result


def task_data(workflow: BpmnWorkflow, task_id: str) -> dict[str, Any]:
    return dict(_task(workflow, task_id).data)


def add_duration(start: datetime, duration: str) -> datetime:
    """``start`` plus an ISO-8601 duration, with SpiffWorkflow's calendar-aware month arithmetic."""
    try:
        parsed = TimerEventDefinition.parse_iso_duration(duration)
    except Exception as exc:  # noqa: BLE001 - SpiffWorkflow raises a bare Exception
        raise ScriptError(f"{duration!r} is not an ISO-8601 duration") from exc
    return start + TimerEventDefinition.get_timedelta_from_start(parsed, start)


def is_completed(workflow: BpmnWorkflow) -> bool:
    return workflow.is_completed()


def variables(workflow: BpmnWorkflow) -> dict[str, Any]:
    """What the instance "knows" now: the data of its active tasks, or of its last task when done."""
    merged: dict[str, Any] = dict(workflow.data)
    active = list(_tasks(workflow, TaskState.READY | TaskState.STARTED | TaskState.WAITING))
    source = active or ([workflow.last_task] if workflow.last_task is not None else [])
    for task in source:
        merged.update(task.data)
    return merged


def full_serialization(workflow: BpmnWorkflow) -> str:
    """SpiffWorkflow's own JSON (spec included): the baseline the benchmark compares against."""
    return FULL_SERIALIZER.serialize_json(workflow)


def restore_full(text: str) -> BpmnWorkflow:
    workflow = FULL_SERIALIZER.deserialize_json(text)
    workflow.script_engine = SCRIPT_ENGINE
    return workflow
