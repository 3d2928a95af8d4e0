"""The read models of an instance, rewritten by every step: tasks, candidate index, timers, history.

The inbox, the API lists and the scheduler read only these tables, never the
workflow blob. Writes go through the tables (Core), not the ORM: no
identity-map bookkeeping per row.
"""
from __future__ import annotations

import functools
import re
import uuid
from datetime import datetime, timezone
from typing import Any, Optional

from sqlalchemy import bindparam, func, select

from app import engine, sandbox
from app.db import UnitOfWork, insert_ignoring_existing
from app.errors import ScriptError
from app.models import ActivityInstance, HumanTask, Incident, TaskCandidate, Timer
from app.services import inbox_search, timer_wake
from app.services.audit import audit
from app.services.inbox_projection import new_task_inbox_due, ticket_facts
from app.services.users import ADMIN_GROUP

_VAR_REF = re.compile(r"^\$\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}$")
PRIORITY_WORDS = {"urgent": 100, "important": 75, "normal": 50}
_HISTORY = ActivityInstance.__table__
_TASKS = HumanTask.__table__
_TIMERS = Timer.__table__
_CANDIDATES = TaskCandidate.__table__
# prepared statements, run with one parameter set per row (executemany)
_CLOSE_TASK = (_TASKS.update().where(_TASKS.c.id == bindparam("b_id"))
               .values(status=bindparam("b_status"), completed_at=func.coalesce(_TASKS.c.completed_at,
                                                                               bindparam("b_now"))))
_UNINDEX_TASK = _CANDIDATES.delete().where(_CANDIDATES.c.task_id == bindparam("b_id"))
# a new task's inbox sort time is computed in its INSERT (no read of the response deadline first),
# and its candidate rows copy it from the task row
_INSERT_TASK = _TASKS.insert().values(inbox_due_at=new_task_inbox_due())
_INDEX_TASK = _CANDIDATES.insert().values(inbox_due_at=select(_TASKS.c.inbox_due_at)
                                          .where(_TASKS.c.id == bindparam("b_task")).scalar_subquery())
_END_ACTIVITY = (_HISTORY.update()
                 .where(_HISTORY.c.id == bindparam("b_id"), _HISTORY.c.ended_at.is_(None))
                 .values(ended_at=bindparam("b_ended"), canceled=bindparam("b_canceled"),
                         assignee=func.coalesce(bindparam("b_assignee"), _HISTORY.c.assignee)))


def sync_human_tasks(uow, instance, definition, workflow, active, actor, now,
                     was_open: Optional[frozenset[str]] = None) -> dict[str, Optional[str]]:
    """Open rows for new user tasks, close rows of finished ones; returns closed task id → assignee.

    ``was_open``, the user tasks the step found open (``step_changes.Before``),
    spares reading the open rows: only those of tasks that finished are read.
    """
    user_tasks = {t.task_id: t for t in active if t.kind == "user"}
    query = (select(_TASKS.c.id, _TASKS.c.assignee, _TASKS.c.completed_at)
             .where(_TASKS.c.instance_id == instance.id, _TASKS.c.status == "open"))
    if was_open is not None:
        finished = was_open - user_tasks.keys()
        query = query.where(_TASKS.c.id.in_(finished)) if finished else None
    open_rows = {row.id: row for row in uow.session.execute(query)} if query is not None else {}
    closed = {task_id: row for task_id, row in open_rows.items() if task_id not in user_tasks}
    if closed:
        uow.session.execute(_CLOSE_TASK, [{"b_id": task_id, "b_status": "done" if row.completed_at else "canceled",
                                           "b_now": now} for task_id, row in closed.items()])
        uow.session.execute(_UNINDEX_TASK, [{"b_id": task_id} for task_id in closed])
        inbox_search.unindex_tasks(uow.session, closed)
    meta = definition.meta.get("user_tasks", {})
    facts: Optional[dict] = None  # the ticket's category and text, read only when a task opens (most steps open none)
    created = []
    for task_id, task in user_tasks.items():
        if task_id in open_rows or (was_open is not None and task_id in was_open):
            continue
        if facts is None:
            facts = ticket_facts(instance.variables or {}, instance.business_key)
        spec = meta.get(task.activity_id, {})
        data = engine.task_data(workflow, task_id)
        assignee = (resolve_names([spec["assignee"]], data) or [None])[0] if spec.get("assignee") else None
        groups = resolve_names(spec.get("candidate_groups", []), data)
        users = resolve_names(spec.get("candidate_users", []), data)
        if not (assignee or groups or users):
            groups = [ADMIN_GROUP]  # a task nobody is named for must still be someone's to do
        due_at = _due(spec.get("due_date"), data, task.activity_id, now)
        created.append({
            "id": task_id, "instance_id": instance.id, "definition_id": definition.id,
            "activity_id": task.activity_id, "name": task.name, "status": "open", "assignee": assignee,
            "candidate_groups": groups, "candidate_users": users, "form_key": _form_key(spec),
            "priority": _priority(spec.get("priority"), data, task.activity_id), "created_at": now,
            "due_at": due_at, "completed_at": None, "completed_by": None,
            "item": item_text(engine.multi_instance_item(workflow, task_id)), "category": facts["category"],
            "b_due": due_at, "b_created": now, "b_instance": instance.id})
        audit(uow, instance.id, actor, "task_created", task.activity_id, task_id)
    if created:
        uow.session.execute(_INSERT_TASK, created)
        index_candidates(uow, created)
        inbox_search.index_tasks(uow.session, created, facts)
    return {task_id: row.assignee for task_id, row in closed.items()}


#: Keys of a multi-instance element (a decision's row, say) that name it, in the order they are looked for.
_ITEM_KEYS = ("department", "name", "title", "label")
_ITEM_LENGTH = 200


def item_text(item: Any) -> Optional[str]:
    """A multi-instance element as one line: itself if text or a number, a record by its naming field."""
    if isinstance(item, dict):
        named = [item.get(key) for key in _ITEM_KEYS] + list(item.values())
        item = next((value for value in named if isinstance(value, (str, int, float)) and str(value).strip()), None)
    if isinstance(item, bool) or not isinstance(item, (str, int, float)):
        return None
    return " ".join(str(item).split())[:_ITEM_LENGTH] or None


def index_candidates(uow: UnitOfWork, open_tasks: list[dict]) -> None:
    """Write the inbox index of open tasks: groups while unassigned, candidate users and assignee always.

    Each row takes the inbox sort time of its task's row, which is therefore written first.
    """
    rows = []
    for task in open_tasks:
        groups = task["candidate_groups"] if task["assignee"] is None else []
        users = list(task["candidate_users"]) + ([task["assignee"]] if task["assignee"] else [])
        for kind, name in dict.fromkeys([("group", g) for g in groups] + [("user", u) for u in users]):
            rows.append({"task_id": task["id"], "kind": kind, "name": name, "priority": task["priority"],
                         "created_at": task["created_at"], "group_count": len(task["candidate_groups"]),
                         "b_task": task["id"]})
    if rows:
        uow.session.execute(_INDEX_TASK, rows)


def resolve_names(values: list[str], data: dict) -> list[str]:
    """Static names pass through; a ``${var}`` reference takes the variable's value (string or list)."""
    names: list[str] = []
    for value in values:
        match = _VAR_REF.match(value)
        if not match:
            names.append(value)
            continue
        resolved = data.get(match.group(1))
        if isinstance(resolved, str):
            names.extend(part.strip() for part in resolved.split(",") if part.strip())
        elif isinstance(resolved, (list, tuple)):
            names.extend(str(part) for part in resolved)
    return names


def _priority(raw: Optional[str], data: dict, activity_id: str) -> int:
    """Camunda's numeric task priority from ``camunda:priority`` (a number or a Python expression).

    Without one, a ``priority`` variable holding urgent/important/normal maps to 100/75/50,
    so VIP and urgent tickets come first in every queue.
    """
    value: Any = data.get("priority") if raw is None else (int(raw) if raw.lstrip("-").isdigit()
                                                           else _evaluate(raw, data, activity_id, "priority"))
    if isinstance(value, str) and value.lower() in PRIORITY_WORDS:
        return PRIORITY_WORDS[value.lower()]
    if isinstance(value, bool):
        return 50
    try:
        return int(value)
    except (TypeError, ValueError):
        return 50


def _due(raw: Optional[str], data: dict, activity_id: str, now: datetime) -> Optional[datetime]:
    """``camunda:dueDate``: an ISO date, an ISO duration from now (P2D), or a Python expression giving either."""
    if not raw:
        return None
    value: Any = raw if raw[:1].isdigit() or raw[:1] in "Pp" else _evaluate(raw, data, activity_id, "dueDate")
    if isinstance(value, datetime):
        due = value
    elif isinstance(value, str) and value.strip()[:1] in "Pp":
        return engine.add_duration(now, value.strip())
    else:
        try:
            due = datetime.fromisoformat(str(value))
        except ValueError:
            raise ScriptError(f"dueDate {raw!r} gave {value!r}, not an ISO-8601 date or duration",
                              element_id=activity_id) from None
    return due if due.tzinfo else due.replace(tzinfo=timezone.utc)


def _evaluate(expression: str, data: dict, activity_id: str, what: str) -> Any:
    try:
        return sandbox.evaluate(expression, dict(data))
    except Exception as exc:  # noqa: BLE001 - any failure of a model expression is the model's error
        raise ScriptError(f"{what} {expression!r} failed: {type(exc).__name__}: {exc}", element_id=activity_id) from exc


def _form_key(spec: dict) -> Optional[str]:
    if spec.get("form_ref"):
        return f"camunda-forms:deployment:{spec['form_ref']}"
    return spec.get("form_key")


def sync_timers(uow, instance, active) -> bool:
    """One timer row per waiting timer event: drop the ones that went away, add the new ones, move the changed.

    A row whose due time changed (a cycle's next occurrence, a moved timer) is
    a new firing: its claim and failed attempts are cleared. A row that did not
    change keeps them, so a lease or a back-off survives the instance's other steps.
    Returns whether a dropped row was one the scheduler gave up on (its incident may now resolve).
    """
    wanted = [t for t in active if t.kind == "timer" and t.due_at is not None]
    gone = _TIMERS.delete().where(_TIMERS.c.instance_id == instance.id)
    if wanted:
        gone = gone.where(_TIMERS.c.id.notin_([t.task_id for t in wanted]))
    dropped = uow.session.execute(gone.returning(_TIMERS.c.attempts, _TIMERS.c.next_try_at)).all()
    parked_dropped = any(row.attempts > 0 and row.next_try_at is None for row in dropped)
    if not wanted:
        return parked_dropped
    uow.session.execute(_timer_upsert(uow.session.get_bind().dialect.name), [
        {"id": t.task_id, "instance_id": instance.id, "activity_id": t.activity_id, "due_at": t.due_at,
         "attempts": 0} for t in wanted])
    timer_wake.note_timers(uow, [t.due_at for t in wanted])
    return parked_dropped


@functools.lru_cache(maxsize=None)
def _timer_upsert(dialect: str):
    """INSERT a timer row, or move an existing one whose due time changed (built once per dialect)."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    else:
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    statement = dialect_insert(_TIMERS)
    return statement.on_conflict_do_update(
        index_elements=[_TIMERS.c.id],
        set_={"due_at": statement.excluded.due_at, "claimed_by": None, "claimed_at": None, "lease_until": None,
              "attempts": 0, "next_try_at": None},
        where=_TIMERS.c.due_at != statement.excluded.due_at)


def sync_history(uow, instance, workflow, since: float, now: datetime, assignees: dict[str, Optional[str]]) -> None:
    """Record activity instances that changed during this step (start, end, cancel, who worked them).

    Rows are keyed by the engine's task id: a start inserts (ignored if the row
    exists), an end updates only rows still open, so no read is needed.
    """
    changes = engine.changed_activities(workflow, since)
    insert_ignoring_existing(uow.session, ActivityInstance, [
        {"id": c.task_id, "instance_id": instance.id, "definition_id": instance.definition_id,
         "activity_id": c.activity_id, "activity_name": c.name, "activity_type": c.activity_type,
         "started_at": now, "ended_at": None, "canceled": False, "assignee": None}
        for c in changes if not c.canceled])  # a canceled task not yet recorded was never reached
    ended = [{"b_id": c.task_id, "b_ended": now, "b_canceled": c.canceled, "b_assignee": assignees.get(c.task_id)}
             for c in changes if c.finished]
    if ended:
        uow.session.execute(_END_ACTIVITY, ended)


def sync_incidents(uow: UnitOfWork, instance, definition, workflow, now: datetime) -> None:
    """Open an incident for each element the engine parked, and resolve those no longer blocked.

    Handler failures open their own incident when they happen (``dispatch``);
    both kinds are resolved here, once their task has run on or gone away.
    """
    open_rows = {row.task_id: row for row in uow.session.scalars(
        select(Incident).where(Incident.instance_id == instance.id, Incident.status == "open"))}
    for failure in engine.failures(workflow):
        row = open_rows.get(failure.task_id)
        if row is None:
            uow.session.add(Incident(id=str(uuid.uuid4()), instance_id=instance.id, definition_id=definition.id,
                                     activity_id=failure.activity_id, task_id=failure.task_id,
                                     message=failure.message, attempts=failure.attempts, status="open",
                                     created_at=now))
            audit(uow, instance.id, None, "incident", failure.activity_id, failure.task_id,
                  {"message": failure.message})
        elif (row.message, row.attempts) != (failure.message, failure.attempts):
            row.message, row.attempts = failure.message, failure.attempts
    blocked = engine.blocked_task_ids(workflow)
    if open_rows:  # a timer the scheduler gave up on stays an incident until retried (or gone)
        blocked.update(uow.session.scalars(select(Timer.id).where(
            Timer.instance_id == instance.id, Timer.attempts > 0, Timer.next_try_at.is_(None))))
    for task_id, row in open_rows.items():
        if task_id not in blocked:
            row.status, row.resolved_at = "resolved", now
