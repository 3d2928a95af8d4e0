"""Four eyes: a user task may name people who must not do it (``camunda:property name="excludedUsers"``).

The knowledge article's review names its author: whoever wrote the text must not approve it. Offering
alone cannot hold the rule (the service desk may assign a task to anyone, themselves included), so every
way of taking or finishing a task asks here: claiming, being assigned, completing.
"""
from __future__ import annotations

from sqlalchemy import select

from app.db import UnitOfWork
from app.errors import ExcludedFromTask
from app.models import HumanTask, ProcessInstance
from app.services.definitions import definition_row
from app.services.projections import resolve_names


def excluded_users(uow: UnitOfWork, task: HumanTask) -> frozenset[str]:
    """Who the task's model excludes, its ``${variable}`` references read from the instance now (the author
    known when the review opens)."""
    spec = (definition_row(uow, task.definition_id).meta or {}).get("user_tasks", {}).get(task.activity_id, {})
    names = spec.get("excluded_users") or []
    if not names:
        return frozenset()
    variables = uow.session.scalar(select(ProcessInstance.variables).where(ProcessInstance.id == task.instance_id))
    return frozenset(resolve_names(names, variables or {}))


def check_not_excluded(uow: UnitOfWork, task: HumanTask, user_id: str) -> None:
    """Refused (403) with the reason when the model says ``user_id`` must not do ``task``."""
    if user_id in excluded_users(uow, task):
        raise ExcludedFromTask(f"user {user_id} may not do task {task.id} ({task.name}): the process wants "
                               "someone else to do it (four eyes: not the author of what is checked)")
