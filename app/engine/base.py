"""The sandboxed script engine every workflow runs with, and small helpers over a workflow's tasks.

SpiffWorkflow would evaluate conditions, scripts, timer expressions and DMN
entries with plain ``eval``; here each goes through :mod:`app.sandbox`. Timer
values are checked where SpiffWorkflow computes them, so a bad one fails on
its element (and becomes an incident) instead of leaving a timer that never fires.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import (
    BasePythonScriptEngineEnvironment,
)
from SpiffWorkflow.bpmn.specs.event_definitions import timer as timer_module
from SpiffWorkflow.bpmn.specs.event_definitions.timer import (
    CycleTimerEventDefinition,
    DurationTimerEventDefinition,
    TimeDateEventDefinition,
    TimerEventDefinition,
)
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.camunda.specs.event_definitions import (
    MessageEventDefinition as CamundaMessageEventDefinition,
)
from SpiffWorkflow.exceptions import SpiffWorkflowException, WorkflowException

from app import clock, sandbox
from app.errors import ModelError, ScriptError

CAMUNDA_NS = "http://camunda.org/schema/1.0/bpmn"
BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"


class _AnyDatetime(type):
    """isinstance() against the clock-reading class still accepts every datetime."""

    def __instancecheck__(cls, value: Any) -> bool:
        return isinstance(value, datetime)


class _ClockDatetime(datetime, metaclass=_AnyDatetime):
    """``datetime`` as SpiffWorkflow's timer code sees it: ``now()`` reads :mod:`app.clock`.

    SpiffWorkflow decides whether a timer is due with ``datetime.now``; reading
    the service clock instead keeps timers, projections and the scheduler on
    one time, and lets tests move it (``clock.frozen``) instead of sleeping.
    """

    @classmethod
    def now(cls, tz=None):
        current = clock.now()
        if tz is None:
            return current.astimezone().replace(tzinfo=None)
        instant = current.astimezone(tz)
        return _DueAtNow(instant.year, instant.month, instant.day, instant.hour, instant.minute, instant.second,
                         instant.microsecond, tzinfo=instant.tzinfo)


class _DueAtNow(_ClockDatetime):
    """The service clock's "now" as SpiffWorkflow's timers compare it: a timer due at this very instant is due.

    SpiffWorkflow fires a timer when ``due < now``; the scheduler claims timers
    with ``due_at <= now`` (``app.services.timers``). Left alone, a timer due
    exactly at the pass would be claimed, not fired, counted as a failure and
    retried. ``due < now`` asks this class (a subclass of the due time's class
    is asked first) for ``now > due``, answered here as ``now >= due``.
    """

    def __gt__(self, other):
        return datetime.__ge__(self, other)


timer_module.datetime = _ClockDatetime


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


def _tasks(workflow: BpmnWorkflow, states: int):
    """Tasks of the workflow and its subprocesses in the given states.

    Walks the flat task dicts rather than ``get_tasks``' tree iterator, which
    costs several times more and is called on every step.
    """
    for flow in (workflow, *workflow.subprocesses.values()):
        for task in flow.tasks.values():
            if task.state & states:
                yield task


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


def _task(workflow: BpmnWorkflow, task_id: str):
    task = workflow.get_task_from_id(UUID(task_id))
    if task is None:
        raise KeyError(task_id)
    return task


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


# (engine semantics) What an activity's extension elements ask for, done the
# way their authors' engines do it: spiffworkflow:preScript / postScript run
# (sandboxed) before the activity becomes ready and after it finishes, as
# SpiffWorkflow's spiff parser wires them; camunda:inputOutput parameters are
# local to the activity (inputs set on entry, shadowed values restored on
# exit, outputs written to the process); camunda:in / camunda:out decide what
# a call activity passes, as in Camunda. Deployment refuses every extension
# not handled here (app/modelcheck/extensions.py).
SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"
