"""What one step changed that the projections read, so that saving it rewrites only what can differ.

The projections of an instance were written, in the same versioned
transaction, from the workflow as the next step loads it. A :class:`Before`
taken of that workflow right after loading, compared with the workflow the
step leaves, says which projection can be out of date: the user tasks that
opened or finished, whether the message waits, failures, timers or variables
moved, whether a handler wrote an ``sla_event``. A projection none of whose
inputs changed still holds what it would be rewritten to, so it is left alone;
a timer firing that opens a user task costs 6.5 statements instead of 16.5.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Iterable, Mapping, Optional

from app import engine
from app.domain import SlaEvent
from app.models import ProcessInstance


@dataclass(frozen=True)
class Before:
    """The projections' source as the step found it (the workflow just loaded, the row as stored)."""

    user_tasks: frozenset[str]
    timers: Mapping[str, datetime]
    events: frozenset[engine.WaitingEvent]
    failures: frozenset[tuple[str, str, int]]
    blocked: frozenset[str]
    variables: Any
    business_key: Optional[str]


def before(instance: ProcessInstance, workflow: Any) -> Before:
    """Take the :class:`Before` of a loaded instance, ahead of any change to its workflow."""
    active = engine.active_tasks(workflow)
    return Before(user_tasks(active), timers(active), frozenset(engine.waiting_events(workflow)),
                  failures(workflow), frozenset(engine.blocked_task_ids(workflow)),
                  instance.variables, instance.business_key)


def user_tasks(active: Iterable[engine.ActiveTask]) -> frozenset[str]:
    return frozenset(t.task_id for t in active if t.kind == "user")


def timers(active: Iterable[engine.ActiveTask]) -> dict[str, datetime]:
    """Waiting timers with a due time, as the ``timer`` projection holds them."""
    return {t.task_id: t.due_at for t in active if t.kind == "timer" and t.due_at is not None}


def failures(workflow: Any) -> frozenset[tuple[str, str, int]]:
    """What an open incident of a parked element shows: its task, message and attempts."""
    return frozenset((f.task_id, f.message, f.attempts) for f in engine.failures(workflow))


def inbox_facts_changed(before: Before, instance: ProcessInstance, touched: Iterable[Any]) -> bool:
    """Whether the inbox row's sources moved: the variables, the business key, or an ``sla_event``
    a handler recorded or updated (the response deadline is read from those rows)."""
    return (instance.variables != before.variables or instance.business_key != before.business_key
            or any(isinstance(row, SlaEvent) for row in touched))
