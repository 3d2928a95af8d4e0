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
from copy import deepcopy
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Iterable, Optional
from uuid import UUID

from lxml import etree
from SpiffWorkflow.bpmn.parser.TaskParser import TaskParser
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import BasePythonScriptEngineEnvironment
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.task_spec import BpmnTaskSpecConverter, MultiInstanceTaskConverter
from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter, WorkflowConverter
from SpiffWorkflow.bpmn.specs.defaults import (ManualTask, NoneTask, ParallelMultiInstanceTask,
                                               SequentialMultiInstanceTask, ServiceTask)
from SpiffWorkflow.bpmn.parser.BpmnParser import full_tag
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.camunda.parser import CamundaParser
from SpiffWorkflow.camunda.parser.task_spec import CamundaTaskParser
from SpiffWorkflow.camunda.serializer.config import CAMUNDA_CONFIG
from SpiffWorkflow.dmn.engine.DMNEngine import DMNEngine
from SpiffWorkflow.dmn.specs.model import HitPolicy
from SpiffWorkflow.camunda.serializer.event_definition import MessageEventDefinitionConverter
from SpiffWorkflow.camunda.specs.event_definitions import MessageEventDefinition as CamundaMessageEventDefinition
from SpiffWorkflow.exceptions import SpiffWorkflowException, WorkflowException
from SpiffWorkflow.camunda.parser.task_spec import BusinessRuleTaskParser, CallActivityParser
from SpiffWorkflow.camunda.specs.business_rule_task import BusinessRuleTask
from SpiffWorkflow.bpmn.specs.defaults import CallActivity
from SpiffWorkflow.bpmn.specs.mixins.bpmn_spec_mixin import BpmnSpecMixin
from SpiffWorkflow.dmn.serializer.task_spec import BaseBusinessRuleTaskConverter
from SpiffWorkflow.task import TaskState
from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.specs.event_definitions.timer import (CycleTimerEventDefinition, DurationTimerEventDefinition,
                                                              TimeDateEventDefinition, TimerEventDefinition)
from SpiffWorkflow.bpmn.specs.mixins.events.event_types import CatchingEvent
from SpiffWorkflow.bpmn.specs.control import BoundaryEventSplit
from SpiffWorkflow.bpmn.specs.event_definitions.item_aware_event import ErrorEventDefinition, SignalEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.events.intermediate_event import BoundaryEvent
from SpiffWorkflow.bpmn.specs.mixins.events.start_event import StartEvent
from SpiffWorkflow.bpmn.util import BpmnEvent

from app import activity_io, sandbox
from app.errors import ModelError, ScriptError

CAMUNDA_NS = "http://camunda.org/schema/1.0/bpmn"
BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"


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


class _ScriptEngine(PythonScriptEngine):
    """Checks a timer's value where SpiffWorkflow computes it (see "engine errors" below); lets a
    message be thrown without a payload expression."""

    def evaluate(self, task, expression, external_context=None):
        definition = getattr(task.task_spec, "event_definition", None)
        if expression is None and isinstance(definition, CamundaMessageEventDefinition):
            return None  # a message thrown without camunda:expression carries no payload
        value = super().evaluate(task, expression, external_context)
        if isinstance(definition, TimerEventDefinition) and expression == definition.expression:
            return _checked_timer_value(task, definition, value)
        return value


SCRIPT_ENGINE = _ScriptEngine(environment=SandboxEnvironment())


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


# runtime operations: message definitions that also accept variables from outside (POST /message)
_EXTERNAL = "correlated_variables"


class CorrelatedMessage(CamundaMessageEventDefinition):
    """Camunda's message definition, plus Camunda's REST semantics for a message correlated from outside.

    SpiffWorkflow's Camunda flavour stores a caught payload in one result
    variable; a correlated message instead carries ``processVariables`` that
    become instance variables, as in Camunda. A payload thrown inside the
    model keeps SpiffWorkflow's behaviour.
    """

    def update_task_data(self, my_task):
        event_data = my_task.internal_data.get(self.name)
        if isinstance(event_data, dict) and _EXTERNAL in event_data:
            my_task.set_data(**event_data[_EXTERNAL])
        else:
            super().update_task_data(my_task)


class _CorrelatedMessageParsing:
    def parse_message_event(self, message_event):
        parsed = super().parse_message_event(message_event)
        return CorrelatedMessage(parsed.name, parsed.correlation_properties, parsed.expression, parsed.result_var)


_MESSAGE_PARSERS = {
    tag: (type(f"Correlated{parser.__name__}", (_CorrelatedMessageParsing, parser), {}), spec)
    for tag, (parser, spec) in CamundaParser.OVERRIDE_PARSER_CLASSES.items()
    if tag in {full_tag(name) for name in ("startEvent", "endEvent", "intermediateCatchEvent",
                                           "intermediateThrowEvent", "boundaryEvent")}}


# ------------------------------------------------------------------ standard BPMN (bpmn area)
class PassThroughTask(NoneTask):
    """A plain ``<task>``: Camunda runs it straight through; SpiffWorkflow would wait for a person."""

    activity_type = "task"

    def __init__(self, wf_spec, bpmn_id, **kwargs):
        super().__init__(wf_spec, bpmn_id, **kwargs)
        self.manual = False


class PassThroughManualTask(ManualTask):
    """A ``<manualTask>`` is work done outside any system: Camunda passes it, nobody completes it here."""

    activity_type = "manualTask"

    def __init__(self, wf_spec, bpmn_id, **kwargs):
        super().__init__(wf_spec, bpmn_id, **kwargs)
        self.manual = False


class _LocalItem:
    """The element variable of one instance stays local to it, as in Camunda.

    Without an output collection SpiffWorkflow merges each finished instance's
    data, element variable included, into the multi-instance task; the next
    sequential instance then finds its variable "already exists" and fails.
    """

    def merge_child(self, workflow, child):
        name = self.input_item.bpmn_id if self.input_item is not None and self.data_output is None else None
        if name is None or name not in child.data:
            return super().merge_child(workflow, child)
        value = child.data.pop(name)
        try:
            return super().merge_child(workflow, child)
        finally:
            child.data[name] = value


class SequentialMultiInstance(_LocalItem, SequentialMultiInstanceTask):
    pass


class ParallelMultiInstance(_LocalItem, ParallelMultiInstanceTask):
    pass


class _MultiInstanceParsing(TaskParser):
    """Standard multi-instance on every kind of task.

    SpiffWorkflow's Camunda parser reads only ``camunda:collection`` and a
    cardinality; deployment normalises Camunda's dialect into the standard
    ``loopDataInputRef`` / ``inputDataItem``, so the standard reading serves both.
    """

    SEQUENTIAL_MI_CLASS = SequentialMultiInstance
    PARALLEL_MI_CLASS = ParallelMultiInstance

    def _add_multiinstance_task(self, loop_characteristics):
        # skip CamundaTaskParser's reading, which comes after this class in the MRO
        TaskParser._add_multiinstance_task(self, loop_characteristics)


def _with_multi_instance(classes: dict) -> dict:
    """The parser map with every task parser reading both multi-instance dialects."""
    result = {}
    for element, (parser, spec) in classes.items():
        if issubclass(parser, TaskParser) and not issubclass(parser, _MultiInstanceParsing):
            parser = type(parser.__name__, (_MultiInstanceParsing, parser), {})
        result[element] = (parser, spec)
    return result


class _Parser(CamundaParser):
    OVERRIDE_PARSER_CLASSES = _with_multi_instance({
        **CamundaParser.PARSER_CLASSES,
        **CamundaParser.OVERRIDE_PARSER_CLASSES,
        **_MESSAGE_PARSERS,
        full_tag("serviceTask"): (HandlerTaskParser, HandlerTask),
        full_tag("sendTask"): (HandlerTaskParser, HandlerTask),
        full_tag("task"): (CamundaTaskParser, PassThroughTask),
        full_tag("manualTask"): (CamundaTaskParser, PassThroughManualTask),
    })

    def __init__(self):
        super().__init__()
        # every activity reads its extensions (see "activity extensions" below)
        self.OVERRIDE_PARSER_CLASSES = {tag_: (_with_extensions(parser), spec) if tag_ in _ACTIVITIES else (parser, spec)
                                        for tag_, (parser, spec) in self.OVERRIDE_PARSER_CLASSES.items()}
        self.OVERRIDE_PARSER_CLASSES[full_tag("callActivity")] = (_with_extensions(CallActivityParser),
                                                                 MappedCallActivity)
        self.OVERRIDE_PARSER_CLASSES[full_tag("businessRuleTask")] = (_with_extensions(DecisionTaskParser),
                                                                     DecisionTask)
        self.OVERRIDE_PARSER_CLASSES = _with_multi_instance(self.OVERRIDE_PARSER_CLASSES)


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
            for decision_tree in _one_decision_each(tree):
                parser.add_dmn_xml(decision_tree, filename=f"dmn-{index}")
        spec = parser.get_spec(key)
        subprocess_specs = parser.get_subprocess_specs(key)
    except ValidationException as exc:
        raise ModelError(str(exc), element_id=getattr(exc, "id", None), line=getattr(exc, "line_number", None)) from exc
    except (SpiffWorkflowException, KeyError, ValueError, AttributeError, TypeError) as exc:
        raise ModelError(f"process {key!r} cannot be loaded: {exc!r}") from exc
    return ProcessSpec(key, spec, subprocess_specs)


def _one_decision_each(tree: etree._Element) -> list[etree._Element]:
    """A DMN file with several decisions (a DRD) as one tree per decision.

    SpiffWorkflow's DMN parser reads only the first decision of a file; a copy
    holding one decision each makes every decision reachable by its id.
    """
    decisions = [child for child in tree if isinstance(child.tag, str) and etree.QName(child).localname == "decision"]
    if len(decisions) < 2:
        return [tree]
    copies = []
    for keep in range(len(decisions)):
        copy = deepcopy(tree)
        for index, decision in enumerate([c for c in copy if isinstance(c.tag, str)
                                          and etree.QName(c).localname == "decision"]):
            if index != keep:
                copy.remove(decision)
        copies.append(copy)
    return copies


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
    """Call ``fn`` outside any instance (e.g. evaluating a decision alone): engine errors become ScriptError."""
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
        kind = "serviceTask" if isinstance(spec, HandlerTask) else getattr(spec, "activity_type", None) or (
            spec.__class__.__name__[:1].lower() + spec.__class__.__name__[1:])
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


def full_serialization(workflow: BpmnWorkflow) -> str:
    """SpiffWorkflow's own JSON (spec included): the baseline the benchmark compares against."""
    return FULL_SERIALIZER.serialize_json(workflow)


def restore_full(text: str) -> BpmnWorkflow:
    workflow = FULL_SERIALIZER.deserialize_json(text)
    workflow.script_engine = SCRIPT_ENGINE
    return workflow


# --------------------------------------------------------------------------- decisions (read API: evaluate)
@dataclass
class _DecisionSpec:
    """Stands in for a task spec and a workflow spec in SpiffWorkflow's error messages."""

    bpmn_id: str
    bpmn_name: str
    file: str


class _DecisionHost:
    """Stands in for the workflow around a business rule task: a script engine and a spec to name."""

    def __init__(self, spec: _DecisionSpec):
        self.script_engine = SCRIPT_ENGINE
        self.spec = spec
        self.top_workflow = self


@dataclass
class _DecisionScope:
    """What SpiffWorkflow's DMN engine reads from a task: its data, its spec and its workflow."""

    data: dict[str, Any]
    task_spec: _DecisionSpec
    workflow: _DecisionHost


def evaluate_decision(dmn_tree: etree._Element, decision_id: str, variables: dict[str, Any]) -> list[dict[str, Any]]:
    """Evaluate one decision of a checked DMN tree over ``variables``, in the sandbox.

    Returns Camunda's result list: the outputs of every matched rule under
    COLLECT, else of the first matched rule; no match is an empty list.
    """
    parser = _Parser()
    try:
        parser.add_dmn_xml(dmn_tree, filename=f"{decision_id}.dmn")
        table = parser.get_engine(decision_id, None).decision_table
    except (ValidationException, KeyError, IndexError) as exc:
        raise ModelError(f"decision {decision_id!r} cannot be loaded: {exc}") from exc
    spec = _DecisionSpec(decision_id, decision_id, f"{decision_id}.dmn")
    scope = _DecisionScope(dict(variables), spec, _DecisionHost(spec))
    rules = _wrap(DMNEngine(table).decide, scope)
    if table.hit_policy != HitPolicy.COLLECT.value:
        rules = rules[:1]
    return [dict(_wrap(rule.output_as_dict, scope)) for rule in rules]


# --------------------------------------------------------------------------- jobs (read API: move and fire timers)
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
    """Fire a waiting timer now and run on to the next wait.

    SpiffWorkflow compares timers with the system clock, not the service
    clock, so "now" here is the system's.
    """
    move_timer(workflow, task_id, datetime.now(timezone.utc) - timedelta(milliseconds=1))
    advance(workflow)


# --------------------------------------------------------------------------- runtime operations (runtime-api)
# Messages, signals, BPMN errors thrown from user tasks, and cancellation: what
# POST /message, POST /signal, POST /task/{id}/bpmnError and DELETE
# /process-instance/{id} ask of a workflow.


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


# --------------------------------------------------------------------------- engine errors -> incidents
# (engine semantics) Camunda keeps an instance whose step failed, with an
# incident on the failing element, and runs that element again on a retry.
# Here a failing element (a gateway where no condition holds, a script that
# raises, a timer whose value is no date, duration or cycle) is parked in
# SpiffWorkflow's ERROR state with the reason in its internal data; the rest
# of the instance runs on. The service layer turns parked tasks into incident
# rows; :func:`retry` runs the element again from the phase that failed.
_FAILURE = "engine_failure"  # internal data: {"message", "phase"}
_FAILURE_ATTEMPTS = "engine_failure_attempts"  # kept across retries: how often it failed
_PHASES = ("update", "run", "complete")  # becoming ready, running, finishing (post-script, outputs)


@dataclass
class Failure:
    task_id: str
    activity_id: str
    message: str
    attempts: int


def _guarded(workflow: BpmnWorkflow, fn, *args) -> None:
    """Call ``fn``; park each element that fails and go on, so the failure is kept, not raised."""
    while True:
        try:
            fn(*args)
            return
        except ModelError:
            raise
        except Exception as exc:  # noqa: BLE001 - any error of a model's element becomes its incident
            task = _blamed_task(workflow, exc)
            if task is None:
                raise ScriptError(_describe(exc)) from exc
            _park(task, exc)
            fn, args = _hand_over, (workflow, task)


def _blamed_task(workflow: BpmnWorkflow, exc: Exception):
    """The task an exception belongs to: the one SpiffWorkflow names, else one it just put in ERROR."""
    task = getattr(exc, "task", None)
    if task is not None and not (task.state == TaskState.ERROR and _FAILURE in task.internal_data):
        return task
    fresh = [t for t in _tasks(workflow, TaskState.ERROR) if _FAILURE not in t.internal_data]
    return fresh[0] if fresh else None


def _park(task, exc: Exception) -> None:
    phase = task.internal_data.pop("_failing_phase", None)
    if phase is None:
        phase = "run" if task.state == TaskState.ERROR else "update"
    previous = task.internal_data.get(_FAILURE_ATTEMPTS, 0)
    task.internal_data[_FAILURE] = {"message": _describe(exc), "phase": phase}
    task.internal_data[_FAILURE_ATTEMPTS] = previous + 1
    task._set_state(TaskState.ERROR)


def _hand_over(workflow: BpmnWorkflow, parked) -> None:
    """Finish what a failure while becoming ready interrupted (the parent's hand-over to its other children), then run on."""
    if parked.internal_data[_FAILURE]["phase"] == "update" and parked.parent is not None:
        for sibling in parked.parent.children:
            if sibling is not parked and sibling.state & (TaskState.PREDICTED_MASK | TaskState.FUTURE):
                sibling.task_spec._update(sibling)
    _advance(workflow)


def _describe(exc: Exception) -> str:
    """The failure as the incident shows it (SpiffWorkflow's text includes its notes)."""
    text = str(exc).strip() or type(exc).__name__
    cause = exc.__cause__ or getattr(exc, "exception", None)
    if cause is not None and cause is not exc and str(cause) and str(cause) not in text:
        text = f"{text}: {type(cause).__name__}: {cause}"
    return text


def failures(workflow: BpmnWorkflow) -> list[Failure]:
    """Elements parked after an engine error, each to become (or stay) an open incident."""
    result = []
    for task in _tasks(workflow, TaskState.ERROR):
        failure = task.internal_data.get(_FAILURE)
        if failure is not None:
            result.append(Failure(str(task.id), getattr(task.task_spec, "bpmn_id", None) or task.task_spec.name,
                                  failure["message"], task.internal_data.get(_FAILURE_ATTEMPTS, 1)))
    return result


def blocked_task_ids(workflow: BpmnWorkflow) -> set[str]:
    """Tasks that need a retry: parked engine failures and failed handler calls."""
    blocked = {f.task_id for f in failures(workflow)}
    blocked.update(str(t.id) for t in _tasks(workflow, TaskState.STARTED)
                   if isinstance(t.task_spec, HandlerTask) and t.internal_data.get("handler_failed"))
    return blocked


def retry(workflow: BpmnWorkflow, task_id: str) -> None:
    """Run a parked element again from the phase that failed; KeyError if it is not parked.

    A task that failed while becoming ready is entered afresh; since entering
    copies its parent's data, the (possibly repaired) data it holds is handed
    to the parent first, so a variable fixed meanwhile is what the retry sees.
    """
    task = _task(workflow, task_id)
    if isinstance(task.task_spec, HandlerTask) and task.state == TaskState.STARTED:
        mark_handler_failed(workflow, task_id, failed=False)
        return
    failure = task.internal_data.get(_FAILURE)
    if task.state != TaskState.ERROR or failure is None:
        raise KeyError(task_id)
    del task.internal_data[_FAILURE]
    if failure["phase"] == "update":
        if task.parent is not None:
            task.parent.data = dict(task.data)
        task._set_state(TaskState.FUTURE)
        _guarded(workflow, task.task_spec._update, task)
    elif failure["phase"] == "complete":
        _guarded(workflow, task.complete)
    else:
        task._set_state(TaskState.READY)
        _guarded(workflow, task.run)
    advance(workflow)


def _checked_timer_value(task, definition: TimerEventDefinition, value: Any) -> Any:
    """The timer's value as SpiffWorkflow's ISO-8601 parsers need it, or an error naming the element.

    A ``datetime`` or ``timedelta`` from a Python expression is turned into
    ISO-8601 text; anything that is no date, duration or cycle raises here
    instead of deep in SpiffWorkflow (or, worse, leaving a timer that never fires).
    """
    kinds = ((TimeDateEventDefinition, "a date", TimerEventDefinition.get_datetime),
             (DurationTimerEventDefinition, "a duration", TimerEventDefinition.parse_iso_duration),
             (CycleTimerEventDefinition, "a cycle", TimerEventDefinition.parse_iso_recurring_interval))
    for kind, wanted, parse in kinds:
        if not isinstance(definition, kind):
            continue
        if isinstance(value, datetime) and kind is TimeDateEventDefinition:
            value = (value if value.tzinfo else value.replace(tzinfo=timezone.utc)).isoformat()
        elif isinstance(value, timedelta) and kind is DurationTimerEventDefinition:
            value = f"PT{value.total_seconds():g}S"
        try:
            if not isinstance(value, str):
                raise TypeError
            parse(value)
        except Exception:  # noqa: BLE001 - SpiffWorkflow's parsers raise bare Exceptions
            raise WorkflowTaskException(f"timer {definition.expression.strip()!r} gave {value!r}, which is not "
                                        f"{wanted} in ISO-8601", task=task) from None
    return value


# --------------------------------------------------------------------------- activity extensions
# (engine semantics) What an activity's extension elements ask for, done the
# way their authors' engines do it: spiffworkflow:preScript / postScript run
# (sandboxed) before the activity becomes ready and after it finishes, as
# SpiffWorkflow's spiff parser wires them; camunda:inputOutput parameters are
# local to the activity (inputs set on entry, shadowed values restored on
# exit, outputs written to the process); camunda:in / camunda:out decide what
# a call activity passes, as in Camunda. Deployment refuses every extension
# not handled here (app/modelcheck/extensions.py).
SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"
_SHADOWED = "io_shadowed"  # internal data: values the input parameters hid, restored on exit
_ABSENT = "__absent__"


class _Extended(BpmnSpecMixin):
    """Runs an activity's scripts and parameters; placed after the activity's own class in the MRO."""

    prescript: Optional[str] = None
    postscript: Optional[str] = None
    io_inputs: tuple = ()
    io_outputs: tuple = ()

    def _update_hook(self, my_task):
        ready = super()._update_hook(my_task)
        try:
            if self.io_inputs:
                values = activity_io.evaluate_all(self.io_inputs, my_task.data)
                my_task.internal_data[_SHADOWED] = {name: my_task.data.get(name, _ABSENT) for name in values}
                my_task.data.update(values)
            if self.prescript is not None:
                my_task.workflow.script_engine.execute(my_task, self.prescript)
        except Exception as exc:  # noqa: BLE001 - parked as this element's incident
            raise _element_error(my_task, "pre-script or input parameter", exc) from exc
        return ready

    def _on_complete_hook(self, my_task):
        try:
            if self.postscript is not None:
                my_task.workflow.script_engine.execute(my_task, self.postscript)
            outputs = activity_io.evaluate_all(self.io_outputs, my_task.data) if self.io_outputs else {}
        except Exception as exc:  # noqa: BLE001 - parked as this element's incident
            my_task.internal_data["_failing_phase"] = "complete"
            raise _element_error(my_task, "post-script or output parameter", exc) from exc
        for name, value in my_task.internal_data.pop(_SHADOWED, {}).items():
            if value == _ABSENT:
                my_task.data.pop(name, None)
            else:
                my_task.data[name] = value
        my_task.data.update(outputs)
        super()._on_complete_hook(my_task)


def _element_error(task, what: str, exc: Exception) -> WorkflowTaskException:
    if isinstance(exc, WorkflowTaskException):
        return exc
    return WorkflowTaskException(f"{what} failed: {type(exc).__name__}: {exc}", task=task)


class MappedCallActivity(CallActivity, _Extended):
    """A call activity passing variables as Camunda does: only what camunda:in / camunda:out name.

    Without any camunda:in nothing goes in, without any camunda:out nothing
    comes back (Camunda 7's rule), unless the called process declares BPMN
    data inputs or outputs, which SpiffWorkflow maps by name as the standard says.
    """

    call_in: tuple = ()   # (kind, source, target): ("all", "", ""), ("source", name, target), ("expression", expr, target)
    call_out: tuple = ()

    def copy_data(self, my_task, subworkflow):
        if not self.call_in and _declares(subworkflow, "data_inputs"):
            return super().copy_data(my_task, subworkflow)
        start = subworkflow.get_next_task(subworkflow.task_tree, skip_subprocesses=True, spec_name="Start")
        start.set_data(**_mapped(self.call_in, my_task, my_task.data))

    def update_data(self, my_task, subworkflow):
        if not self.call_out and _declares(subworkflow, "data_outputs"):
            return super().update_data(my_task, subworkflow)
        my_task.data = {**my_task.data, **_mapped(self.call_out, my_task, subworkflow.last_task.data)}


def _declares(subworkflow, which: str) -> bool:
    io = subworkflow.spec.io_specification
    return io is not None and len(getattr(io, which)) > 0


def _mapped(mappings: tuple, task, source: dict) -> dict:
    result: dict[str, Any] = {}
    for kind, value, target in mappings:
        if kind == "all":
            result.update(deepcopy(source))
        elif kind == "source":
            if value in source:
                result[target] = deepcopy(source[value])
        else:
            try:
                result[target] = sandbox.evaluate(value, dict(source))
            except Exception as exc:  # noqa: BLE001 - parked as this element's incident
                raise WorkflowTaskException(f"sourceExpression {value!r} failed: {type(exc).__name__}: {exc}",
                                            task=task) from exc
    return result


_ACTIVITIES = frozenset(full_tag(name) for name in (
    "task", "userTask", "manualTask", "scriptTask", "businessRuleTask", "serviceTask", "sendTask",
    "callActivity", "subProcess", "transaction"))
_EXTENDED_SPECS: dict[type, type] = {}


def _extended_spec(spec_class: type) -> type:
    """The activity class with :class:`_Extended` mixed in after it (one class per activity class)."""
    if issubclass(spec_class, _Extended):
        return spec_class
    if spec_class not in _EXTENDED_SPECS:
        _EXTENDED_SPECS[spec_class] = type(f"Extended{spec_class.__name__}", (spec_class, _Extended), {})
    return _EXTENDED_SPECS[spec_class]


_EXTENDED_PARSERS: dict[type, type] = {}


def _with_extensions(parser_class: type) -> type:
    """``parser_class`` reading pre/post scripts, parameters and call mappings into the spec it creates."""
    if parser_class not in _EXTENDED_PARSERS:
        _EXTENDED_PARSERS[parser_class] = type(f"Extended{parser_class.__name__}", (_ExtensionReader, parser_class), {})
    return _EXTENDED_PARSERS[parser_class]


class _ExtensionReader:
    """Parser mixin: an activity with extensions gets the extended spec class, filled from its XML."""

    def create_task(self):
        scripts = {etree.QName(node).localname: node.text for node in self.node.iterfind(
            f"{{{BPMN_NS}}}extensionElements/{{{SPIFF_NS}}}*") if (node.text or "").strip()}
        inputs, outputs = activity_io.read_parameters(self.node)
        if scripts or inputs or outputs:
            self.spec_class = _extended_spec(self.spec_class)
        task = super().create_task()
        if isinstance(task, _Extended):
            task.prescript, task.postscript = scripts.get("preScript"), scripts.get("postScript")
            task.io_inputs, task.io_outputs = inputs, outputs
        if isinstance(task, MappedCallActivity):
            task.call_in, task.call_out = _call_mappings(self.node, "in"), _call_mappings(self.node, "out")
        return task


def _call_mappings(node, direction: str) -> tuple:
    mappings = []
    for mapping in node.iterfind(f"{{{BPMN_NS}}}extensionElements/{{{CAMUNDA_NS}}}{direction}"):
        target = (mapping.get("target") or "").strip()
        if (mapping.get("variables") or "").strip() == "all":
            mappings.append(("all", "", ""))
        elif mapping.get("sourceExpression") is not None:
            mappings.append(("expression", activity_io.python_of(mapping.get("sourceExpression")), target))
        elif mapping.get("source") is not None:
            mappings.append(("source", mapping.get("source").strip(), target or mapping.get("source").strip()))
    return tuple(mappings)


class DecisionTask(BusinessRuleTask):
    """A business rule task with Camunda's ``resultVariable`` and ``mapDecisionResult``.

    With a result variable the decision result goes into that one variable,
    shaped as Camunda shapes it (resultList by default); without one, the
    outputs are merged into the instance's variables, as SpiffWorkflow does.
    """

    result_variable: Optional[str] = None
    map_result: str = "resultList"

    def _run_hook(self, my_task):
        if self.result_variable is None:
            return super()._run_hook(my_task)
        rows = [rule.output_as_dict(my_task) for rule in self.dmnEngine.decide(my_task)]
        if self.dmnEngine.decision_table.hit_policy != "COLLECT":
            rows = rows[:1]
        my_task.data[self.result_variable] = _map_decision_result(self.map_result, [dict(r) for r in rows], my_task)
        return True


def _map_decision_result(mapping: str, rows: list[dict], task) -> Any:
    def fail(why: str):
        raise WorkflowTaskException(f"mapDecisionResult {mapping}: {why}", task=task)

    if mapping in ("singleEntry", "collectEntries") and any(len(row) != 1 for row in rows):
        fail("each matched rule must have exactly one output")
    if mapping in ("singleEntry", "singleResult") and len(rows) > 1:
        fail(f"{len(rows)} rules matched, at most one may")
    if mapping == "singleEntry":
        return next(iter(rows[0].values())) if rows else None
    if mapping == "singleResult":
        return rows[0] if rows else None
    if mapping == "collectEntries":
        return [next(iter(row.values())) for row in rows]
    return rows


class DecisionTaskParser(BusinessRuleTaskParser):
    def create_task(self):
        engine_ = self.process_parser.parser.get_engine(self.get_decision_ref(self.node), self.node)
        task = self.spec_class(self.spec, self.bpmn_id, dmnEngine=engine_, **self.bpmn_attributes)
        task.result_variable = (self.node.get(f"{{{CAMUNDA_NS}}}resultVariable") or "").strip() or None
        task.map_result = (self.node.get(f"{{{CAMUNDA_NS}}}mapDecisionResult") or "").strip() or "resultList"
        return task


# --------------------------------------------------------------------------- serializer configuration
class _DecisionTaskConverter(BaseBusinessRuleTaskConverter):
    def to_dict(self, spec):
        return {**super().to_dict(spec), "result_variable": spec.result_variable, "map_result": spec.map_result}

    def from_dict(self, dct):
        result_variable, map_result = dct.pop("result_variable", None), dct.pop("map_result", "resultList")
        spec = super().from_dict(dct)
        spec.result_variable, spec.map_result = result_variable, map_result
        return spec


class _MappedCallActivityConverter(CAMUNDA_CONFIG[CallActivity]):
    """Call mappings and scripts for the full serialization (input/output parameters are not carried)."""

    def to_dict(self, spec):
        return {**super().to_dict(spec), "call_in": [list(m) for m in spec.call_in],
                "call_out": [list(m) for m in spec.call_out], "prescript": spec.prescript,
                "postscript": spec.postscript}

    def from_dict(self, dct):
        extra = {name: dct.pop(name, None) for name in ("call_in", "call_out", "prescript", "postscript")}
        spec = super().from_dict(dct)
        spec.call_in = tuple(tuple(m) for m in extra["call_in"] or ())
        spec.call_out = tuple(tuple(m) for m in extra["call_out"] or ())
        spec.prescript, spec.postscript = extra["prescript"], extra["postscript"]
        return spec


_CONFIG = {**CAMUNDA_CONFIG, HandlerTask: _HandlerTaskConverter, DecisionTask: _DecisionTaskConverter,
           MappedCallActivity: _MappedCallActivityConverter, CorrelatedMessage: MessageEventDefinitionConverter,
           PassThroughTask: BpmnTaskSpecConverter, PassThroughManualTask: BpmnTaskSpecConverter,
           SequentialMultiInstance: MultiInstanceTaskConverter, ParallelMultiInstance: MultiInstanceTaskConverter}
_REGISTRY = BpmnWorkflowSerializer.configure(_CONFIG)
_SpeclessWorkflowConverter(BpmnWorkflow, _REGISTRY)
_SERIALIZER = BpmnWorkflowSerializer(_REGISTRY)
# SpiffWorkflow's own JSON, spec included: the benchmark's baseline. Activities with pre/post scripts or
# input/output parameters (the Extended* classes) have no converter there; the service never uses it.
FULL_SERIALIZER = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(_CONFIG))
