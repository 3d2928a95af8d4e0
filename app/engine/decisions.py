"""Evaluating one DMN decision on its own (``POST /decision-definition/.../evaluate``), in the sandbox."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lxml import etree
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.dmn.engine.DMNEngine import DMNEngine
from SpiffWorkflow.dmn.specs.model import HitPolicy

from app.engine.base import SCRIPT_ENGINE, _wrap
from app.engine.parser import _one_decision_each, _Parser
from app.errors import ModelError


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
        for index, tree in enumerate(_one_decision_each(dmn_tree)):  # every decision, not only the file's first
            parser.add_dmn_xml(tree, filename=f"{decision_id}-{index}.dmn")
        table = parser.get_engine(decision_id, None).decision_table
    except (ValidationException, KeyError, IndexError) as exc:
        raise ModelError(f"decision {decision_id!r} cannot be loaded: {exc}") from exc
    spec = _DecisionSpec(decision_id, decision_id, f"{decision_id}.dmn")
    scope = _DecisionScope(dict(variables), spec, _DecisionHost(spec))
    rules = _wrap(DMNEngine(table).decide, scope)
    if table.hit_policy != HitPolicy.COLLECT.value:
        rules = rules[:1]
    return [dict(_wrap(rule.output_as_dict, scope)) for rule in rules]
