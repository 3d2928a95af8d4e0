"""Instance state as stored: the workflow without its spec, compressed; and SpiffWorkflow's own full
JSON, which only the benchmark uses as its baseline.
"""
from __future__ import annotations

import json
import zlib
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.task_spec import (
    BpmnTaskSpecConverter,
    MultiInstanceTaskConverter,
)
from SpiffWorkflow.bpmn.serializer.default.workflow import (
    BpmnWorkflowConverter,
    WorkflowConverter,
)
from SpiffWorkflow.bpmn.specs.defaults import CallActivity
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.camunda.serializer.config import CAMUNDA_CONFIG
from SpiffWorkflow.camunda.serializer.event_definition import (
    MessageEventDefinitionConverter,
)
from SpiffWorkflow.dmn.serializer.task_spec import BaseBusinessRuleTaskConverter
from SpiffWorkflow.task import TaskState

from app.engine.base import SCRIPT_ENGINE
from app.engine.events import fire_timer_start_by_hand
from app.engine.parser import ProcessSpec
from app.engine.specs import (
    CorrelatedMessage,
    DecisionTask,
    HandlerTask,
    MappedCallActivity,
    ParallelMultiInstance,
    PassThroughManualTask,
    PassThroughTask,
    SequentialMultiInstance,
)


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
    """A workflow started by hand (API, portal): it does not wait in a timer start event."""
    workflow = BpmnWorkflow(process.spec, process.subprocess_specs, script_engine=SCRIPT_ENGINE)
    fire_timer_start_by_hand(workflow)
    start = workflow.get_tasks(state=TaskState.READY)
    for task in start:
        task.data.update(variables)
    return workflow


def full_serialization(workflow: BpmnWorkflow) -> str:
    """SpiffWorkflow's own JSON (spec included): the baseline the benchmark compares against."""
    return FULL_SERIALIZER.serialize_json(workflow)


def restore_full(text: str) -> BpmnWorkflow:
    workflow = FULL_SERIALIZER.deserialize_json(text)
    workflow.script_engine = SCRIPT_ENGINE
    return workflow


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
