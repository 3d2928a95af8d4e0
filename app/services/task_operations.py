"""Task operations beyond claim and complete: assignee, delegation, identity links, BPMN errors, form key, report.

Who may do what: the assignee, a candidate (user or group) or a manager
(service desk, project manager, admin) may set the assignee or delegate;
only managers change candidate lists; a delegate resolves their own task.
Every change keeps the candidate index in step, so inboxes follow at once.
"""
from __future__ import annotations

import time
from collections import Counter
from typing import Any, Optional

from sqlalchemy import select

from app import engine
from app.db import UnitOfWork
from app.errors import Forbidden, InvalidInput, NotFound
from app.models import Group, HumanTask
from app.services import notifications, step, task_exclusions
from app.services.audit import audit, jsonable
from app.services.tasks import _open_task, _reindex_assignee, check_not_suspended
from app.services.users import ADMIN_GROUP, Principal

MANAGER_GROUPS = frozenset({"service_desk", "project_manager", ADMIN_GROUP})
LINK_TYPES = ("assignee", "candidate", "owner")


def _is_manager(user: Principal) -> bool:
    return bool(user.groups & MANAGER_GROUPS)


def _may_assign(task: HumanTask, user: Principal) -> bool:
    return (_is_manager(user) or task.assignee == user.id
            or user.may_work_on(task.candidate_groups, task.candidate_users, None))


def _changeable(uow: UnitOfWork, task_id: str, user: Principal) -> HumanTask:
    task = _open_task(uow, task_id, user)
    check_not_suspended(task)
    if not _may_assign(task, user):
        raise Forbidden(f"user {user.id} may not reassign task {task_id}")
    return task


def set_assignee(uow: UnitOfWork, task_id: str, user_id: Optional[str], user: Principal) -> None:
    """POST /task/{id}/assignee: set or (``None``) clear the assignee, whoever holds the task now."""
    with uow:
        task = _changeable(uow, task_id, user)
        if user_id is not None:
            task_exclusions.check_not_excluded(uow, task, user_id)
        task.assignee = user_id
        _reindex_assignee(uow, task)
        notifications.tell_assignee(uow, task, user.id)
        audit(uow, task.instance_id, user.id, "task_assigned", task.activity_id, task.id, {"assignee": user_id})
        uow.commit()


def delegate(uow: UnitOfWork, task_id: str, user_id: str, user: Principal) -> None:
    """Hand the task to ``user_id`` for help; the current assignee becomes its owner (if it has none yet)."""
    if not user_id:
        raise InvalidInput("userId is required")
    with uow:
        task = _changeable(uow, task_id, user)
        task_exclusions.check_not_excluded(uow, task, user_id)
        task.owner = task.owner or task.assignee
        task.assignee, task.delegation_state = user_id, "PENDING"
        _reindex_assignee(uow, task)
        notifications.tell_assignee(uow, task, user.id)
        audit(uow, task.instance_id, user.id, "task_delegated", task.activity_id, task.id,
              {"assignee": user_id, "owner": task.owner})
        uow.commit()


def resolve(uow: UnitOfWork, task_id: str, variables: dict[str, Any], user: Principal) -> None:
    """The delegate is done: the task goes back to its owner (RESOLVED), with the variables set on it."""
    with uow:
        task = _open_task(uow, task_id, user)
        check_not_suspended(task)
        if task.delegation_state != "PENDING":
            raise InvalidInput(f"task {task_id} is not delegated; only a PENDING task can be resolved")
        if task.assignee != user.id and not _is_manager(user):
            raise Forbidden(f"task {task_id} is delegated to {task.assignee}")
        if variables:
            instance, definition, workflow = step.load(uow, task.instance_id)
            since = time.time()
            try:
                engine.set_user_task_data(workflow, task_id, variables)
            except KeyError:
                raise NotFound(f"task {task_id} is no longer active") from None
            step.save(uow, instance, definition, workflow, user.id, since)
        task.assignee, task.delegation_state = task.owner, "RESOLVED"
        _reindex_assignee(uow, task)
        audit(uow, task.instance_id, user.id, "task_resolved", task.activity_id, task.id,
              {"variables": jsonable(variables), "assignee": task.owner})
        uow.commit()


def identity_links(uow: UnitOfWork, task_id: str, viewer: Principal, link_type: Optional[str] = None) -> list[dict]:
    """Camunda's identity links: assignee, owner and every candidate user and group."""
    if link_type is not None and link_type not in LINK_TYPES:
        raise InvalidInput(f"type must be one of {', '.join(LINK_TYPES)}")
    with uow:
        task = _open_task(uow, task_id, viewer)
        links = ([{"userId": task.assignee, "groupId": None, "type": "assignee"}] if task.assignee else []) + \
                ([{"userId": task.owner, "groupId": None, "type": "owner"}] if task.owner else []) + \
                [{"userId": u, "groupId": None, "type": "candidate"} for u in task.candidate_users] + \
                [{"userId": None, "groupId": g, "type": "candidate"} for g in task.candidate_groups]
        return [link for link in links if link_type is None or link["type"] == link_type]


def change_identity_link(uow: UnitOfWork, task_id: str, link: dict[str, Optional[str]], add: bool,
                         user: Principal) -> None:
    """Add or delete one link ({userId | groupId, type}); candidate lists are for managers only."""
    link_type, user_id, group_id = link.get("type"), link.get("userId"), link.get("groupId")
    if link_type not in LINK_TYPES:
        raise InvalidInput(f"type must be one of {', '.join(LINK_TYPES)}")
    if (user_id is None) == (group_id is None):
        raise InvalidInput("give exactly one of userId and groupId")
    if group_id is not None and link_type != "candidate":
        raise InvalidInput(f"a group can only be a candidate, not the {link_type}")
    with uow:
        task = _changeable(uow, task_id, user)
        if link_type == "candidate" and not _is_manager(user):
            raise Forbidden(f"user {user.id} may not change the candidates of task {task_id}")
        if group_id is not None and add and uow.session.get(Group, group_id) is None:
            raise InvalidInput(f"group {group_id} does not exist")
        if link_type == "candidate" and group_id is not None:
            task.candidate_groups = _changed(task.candidate_groups, group_id, add)
        elif link_type == "candidate":
            task.candidate_users = _changed(task.candidate_users, user_id, add)
        elif link_type == "assignee":
            if add:
                task_exclusions.check_not_excluded(uow, task, user_id)
            task.assignee = user_id if add else (None if task.assignee == user_id else task.assignee)
        else:
            task.owner = user_id if add else (None if task.owner == user_id else task.owner)
        _reindex_assignee(uow, task)
        audit(uow, task.instance_id, user.id, "identity_link_added" if add else "identity_link_deleted",
              task.activity_id, task.id, {"type": link_type, "userId": user_id, "groupId": group_id})
        uow.commit()


def _changed(names: list, name: str, add: bool) -> list:
    """A new list (so the JSON column is written), with ``name`` added once or removed."""
    return list(dict.fromkeys([*names, name])) if add else [n for n in names if n != name]


def throw_bpmn_error(uow: UnitOfWork, task_id: str, code: str, message: Optional[str], variables: dict[str, Any],
                     user: Principal) -> None:
    """POST /task/{id}/bpmnError: the error boundary event on the task (or an enclosing subprocess) takes over.

    Nothing changes when no boundary event catches the code (400), rather than
    ending the path silently.
    """
    if not code:
        raise InvalidInput("errorCode is required")
    with uow:
        task = _open_task(uow, task_id, user)
        if not user.may_work_on(task.candidate_groups, task.candidate_users, task.assignee):
            raise Forbidden(f"user {user.id} may not work on task {task_id}")
        instance, definition, workflow = step.load(uow, task.instance_id)
        since = time.time()
        try:
            caught = engine.throw_task_error(workflow, task_id, code, variables)
        except KeyError:
            raise NotFound(f"task {task_id} is no longer active") from None
        if not caught:
            raise InvalidInput(f"no error boundary event on task {task.activity_id} catches error code '{code}'")
        task.completed_by = user.id
        audit(uow, instance.id, user.id, "task_bpmn_error", task.activity_id, task_id,
              {"errorCode": code, "errorMessage": message, "variables": jsonable(variables)})
        step.save(uow, instance, definition, workflow, user.id, since)
        uow.commit()


def form_key(uow: UnitOfWork, task_id: str, viewer: Principal) -> Optional[str]:
    with uow:
        return _open_task(uow, task_id, viewer).form_key


def candidate_group_counts(uow: UnitOfWork, viewer: Principal) -> list[tuple[Optional[str], int]]:
    """Open tasks per candidate group (None: tasks without one), by group name; staff only."""
    if not viewer.is_staff:
        raise Forbidden(f"user {viewer.id} may not read task reports")
    with uow:
        counts: Counter = Counter()
        for groups in uow.session.scalars(select(HumanTask.candidate_groups).where(HumanTask.status == "open")):
            counts.update(groups or [None])
        return sorted(counts.items(), key=lambda item: (item[0] is not None, item[0] or ""))
