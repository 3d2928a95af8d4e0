"""Changing an instance's variables from outside, as Camunda's variable modification does.

Repairing an incident usually means fixing a variable (a gateway found no
matching condition, a timer got a bad date) and then retrying. The change is
a step like any other: load, change the data where the waiting and failed
tasks read it, save with projections, audited with who changed what. Nothing
runs because of it; a retry or the next completion does.
"""
from __future__ import annotations

import time
from typing import Any, Optional

from app import engine
from app.db import UnitOfWork
from app.errors import Conflict, Forbidden, InvalidInput, NotFound
from app.models import HumanTask
from app.services import step
from app.services.audit import audit, jsonable
from app.services.users import Principal


def modify_instance_variables(uow: UnitOfWork, instance_id: str, user: Principal, modifications: dict[str, Any],
                              deletions: Optional[list[str]] = None) -> None:
    """Set ``modifications`` and remove ``deletions`` on a running instance; staff only."""
    _require_staff(user)
    with uow:
        _modify(uow, instance_id, user, modifications, deletions or [], task_id=None)
        uow.commit()


def modify_task_variables(uow: UnitOfWork, task_id: str, user: Principal, modifications: dict[str, Any],
                          deletions: Optional[list[str]] = None) -> None:
    """The same through an open task: a task sees its instance's variables here (no task-local scope)."""
    _require_staff(user)
    with uow:
        task = uow.session.get(HumanTask, task_id)
        if task is None or task.status != "open":
            raise NotFound(f"task {task_id} does not exist or is already completed")
        _modify(uow, task.instance_id, user, modifications, deletions or [], task_id=task_id)
        uow.commit()


def _require_staff(user: Principal) -> None:
    if not user.is_staff:
        raise Forbidden(f"user {user.id} may not change process variables")


def _modify(uow: UnitOfWork, instance_id: str, user: Principal, modifications: dict[str, Any],
            deletions: list[str], task_id: Optional[str]) -> None:
    if any(not isinstance(name, str) for name in deletions):
        raise InvalidInput("deletions must be a list of variable names")
    both = sorted(set(modifications) & set(deletions))
    if both:
        raise InvalidInput(f"variables {', '.join(both)} are both modified and deleted")
    instance, definition, workflow = step.load(uow, instance_id)
    if instance.status != "ACTIVE":
        raise Conflict(f"process instance {instance_id} has ended; its variables can no longer change")
    since = time.time()
    engine.set_variables(workflow, modifications, deletions)
    audit(uow, instance.id, user.id, "variables_modified", task_id=task_id,
          data={"modifications": jsonable(modifications), "deletions": list(deletions)})
    step.save(uow, instance, definition, workflow, user.id, since)
