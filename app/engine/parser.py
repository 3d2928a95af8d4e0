"""Deployed models into runnable specs: our parser classes over SpiffWorkflow's Camunda parser."""
from __future__ import annotations

from copy import deepcopy
from dataclasses import dataclass
from typing import Any, Iterable

from lxml import etree
from SpiffWorkflow.bpmn.parser.BpmnParser import full_tag
from SpiffWorkflow.bpmn.parser.TaskParser import TaskParser
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.camunda.parser import CamundaParser
from SpiffWorkflow.camunda.parser.task_spec import (
    BusinessRuleTaskParser,
    CallActivityParser,
    CamundaTaskParser,
)
from SpiffWorkflow.exceptions import SpiffWorkflowException

from app import activity_io
from app.engine.base import BPMN_NS, CAMUNDA_NS, SPIFF_NS
from app.engine.specs import (
    CorrelatedMessage,
    DecisionTask,
    HandlerTask,
    MappedCallActivity,
    ParallelMultiInstance,
    PassThroughManualTask,
    PassThroughTask,
    SequentialMultiInstance,
    _Extended,
    _extended_spec,
)
from app.errors import ModelError


class HandlerTaskParser(TaskParser):
    def create_task(self):
        topic = self.node.get(f"{{{CAMUNDA_NS}}}topic", "")
        return self.spec_class(self.spec, self.bpmn_id, topic=topic, **self.bpmn_attributes)


class _CorrelatedMessageParsing:
    def parse_message_event(self, message_event):
        parsed = super().parse_message_event(message_event)
        return CorrelatedMessage(parsed.name, parsed.correlation_properties, parsed.expression, parsed.result_var)


_MESSAGE_PARSERS = {
    tag: (type(f"Correlated{parser.__name__}", (_CorrelatedMessageParsing, parser), {}), spec)
    for tag, (parser, spec) in CamundaParser.OVERRIDE_PARSER_CLASSES.items()
    if tag in {full_tag(name) for name in ("startEvent", "endEvent", "intermediateCatchEvent",
                                           "intermediateThrowEvent", "boundaryEvent")}}


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


_ACTIVITIES = frozenset(full_tag(name) for name in (
    "task", "userTask", "manualTask", "scriptTask", "businessRuleTask", "serviceTask", "sendTask",
    "callActivity", "subProcess", "transaction"))


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


class DecisionTaskParser(BusinessRuleTaskParser):
    def create_task(self):
        engine_ = self.process_parser.parser.get_engine(self.get_decision_ref(self.node), self.node)
        task = self.spec_class(self.spec, self.bpmn_id, dmnEngine=engine_, **self.bpmn_attributes)
        task.result_variable = (self.node.get(f"{{{CAMUNDA_NS}}}resultVariable") or "").strip() or None
        task.map_result = (self.node.get(f"{{{CAMUNDA_NS}}}mapDecisionResult") or "").strip() or "resultList"
        return task
