"""Task specs that differ from SpiffWorkflow's defaults on purpose.

Service tasks wait for the service layer's handlers; plain and manual tasks
pass straight through as in Camunda; a multi-instance element variable stays
local to its instance; activities run their extensions (pre/post scripts,
input/output parameters, call mappings, decision result variables) the way
the engines that defined them do.
"""
from __future__ import annotations

from copy import deepcopy
from typing import Any, Optional

from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.specs.defaults import (
    CallActivity,
    ManualTask,
    NoneTask,
    ParallelMultiInstanceTask,
    SequentialMultiInstanceTask,
    ServiceTask,
)
from SpiffWorkflow.bpmn.specs.mixins.bpmn_spec_mixin import BpmnSpecMixin
from SpiffWorkflow.camunda.specs.business_rule_task import BusinessRuleTask
from SpiffWorkflow.camunda.specs.event_definitions import (
    MessageEventDefinition as CamundaMessageEventDefinition,
)

from app import activity_io, sandbox


class HandlerTask(ServiceTask):
    """A service task whose work is a named handler; it waits (STARTED) until the service layer runs it."""

    def __init__(self, wf_spec, bpmn_id, topic: str = "", **kwargs):
        super().__init__(wf_spec, bpmn_id, **kwargs)
        self.topic = topic

    def _run_hook(self, my_task):
        return None


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


_EXTENDED_SPECS: dict[type, type] = {}


def _extended_spec(spec_class: type) -> type:
    """The activity class with :class:`_Extended` mixed in after it (one class per activity class)."""
    if issubclass(spec_class, _Extended):
        return spec_class
    if spec_class not in _EXTENDED_SPECS:
        _EXTENDED_SPECS[spec_class] = type(f"Extended{spec_class.__name__}", (spec_class, _Extended), {})
    return _EXTENDED_SPECS[spec_class]


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
