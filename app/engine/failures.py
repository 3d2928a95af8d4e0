"""Engine errors become incidents, as in Camunda.

A failing element (a gateway where no condition holds, a script that raises,
a timer whose value is no date, duration or cycle) is parked in SpiffWorkflow's
ERROR state with the reason in its internal data; the rest of the instance
runs on. The service layer turns parked tasks into incident rows, and
:func:`retry` runs the element again from the phase that failed.
"""
from __future__ import annotations

from dataclasses import dataclass

from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.task import TaskState

from app.engine import running  # module, not names: running imports this module too
from app.engine.base import _task, _tasks
from app.engine.specs import HandlerTask
from app.errors import ModelError, ScriptError

# (engine semantics) Camunda keeps an instance whose step failed, with an
# incident on the failing element, and runs that element again on a retry.
# Here a failing element (a gateway where no condition holds, a script that
# raises, a timer whose value is no date, duration or cycle) is parked in
# SpiffWorkflow's ERROR state with the reason in its internal data; the rest
# of the instance runs on. The service layer turns parked tasks into incident
# rows; :func:`retry` runs the element again from the phase that failed.
_FAILURE = "engine_failure"  # internal data: {"message", "phase"}


_FAILURE_ATTEMPTS = "engine_failure_attempts"  # kept across retries: how often it failed




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
    running._advance(workflow)


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
        running.mark_handler_failed(workflow, task_id, failed=False)
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
    running.advance(workflow)
