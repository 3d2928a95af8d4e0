"""Task-local variables: values that belong to one open task only.

They are not instance variables (the workflow never sees them) and they are
deleted when the task ends (``runtime_projections.sync`` drops them with the
step that closes the task). Reading follows task visibility; changing needs
someone who may work on the task, and an instance that is not suspended.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select

from app.db import UnitOfWork, insert_ignoring_existing
from app.errors import Forbidden, NotFound
from app.models import HumanTask, TaskLocalVariable
from app.services.audit import audit, jsonable
from app.services.tasks import _open_task, check_not_suspended
from app.services.users import Principal
from app.services.task_operations import MANAGER_GROUPS


def local_variables(uow: UnitOfWork, task_id: str, viewer: Principal) -> dict[str, Any]:
    with uow:
        _open_task(uow, task_id, viewer)
        return {row.name: row.value for row in uow.session.scalars(
            select(TaskLocalVariable).where(TaskLocalVariable.task_id == task_id).order_by(TaskLocalVariable.name))}


def local_variable(uow: UnitOfWork, task_id: str, name: str, viewer: Principal) -> Any:
    values = local_variables(uow, task_id, viewer)
    if name not in values:
        raise NotFound(f"task variable with name {name} does not exist for task {task_id}")
    return values[name]


def modify(uow: UnitOfWork, task_id: str, modifications: dict[str, Any], deletions: list[str],
           user: Principal) -> None:
    """Set and delete local variables in one transaction (POST, PUT and DELETE all come here)."""
    with uow:
        task = _changeable(uow, task_id, user)
        names = list(modifications) + list(deletions)
        if names:
            uow.session.execute(delete(TaskLocalVariable).where(TaskLocalVariable.task_id == task_id,
                                                                TaskLocalVariable.name.in_(names)))
        insert_ignoring_existing(uow.session, TaskLocalVariable, [
            {"task_id": task_id, "name": name, "value": jsonable(value)} for name, value in modifications.items()])
        audit(uow, task.instance_id, user.id, "task_local_variables", task.activity_id, task_id,
              {"modifications": jsonable(modifications), "deletions": list(deletions)})
        uow.commit()


def _changeable(uow: UnitOfWork, task_id: str, user: Principal) -> HumanTask:
    task = _open_task(uow, task_id, user)
    check_not_suspended(task)
    if not (user.groups & MANAGER_GROUPS or user.may_work_on(task.candidate_groups, task.candidate_users,
                                                                task.assignee)):
        raise Forbidden(f"user {user.id} may not change the variables of task {task_id}")
    return task
