"""The inbox: listing, claiming and completing user tasks.

Lists are SQL over the ``human_task``/``task_candidate`` projection. Completing
loads the one instance, checks the form on the server, advances the workflow
and saves it under the instance's version: of two people completing the same
task at once, exactly one wins and the other gets a conflict (or "not found"
once the task is gone).
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Optional

from sqlalchemy import Select, delete, func, or_, select

from app import engine
from app.db import UnitOfWork
from app.errors import Conflict, Forbidden, InvalidInput, NotFound, SuspendedEntity
from app.forms import FormSpec, validate_submission
from app.models import HumanTask, Membership, ProcessDefinition, ProcessInstance, TaskCandidate, utcnow
from app.services import notifications, step, task_exclusions, ticket_response
from app.services.audit import audit, jsonable, retyped
from app.services import projections
from app.services.definitions import definition_row
from app.services.forms import form_source, task_form
from app.services.users import Principal


# the sortBy values of Camunda's task query supported here; _order maps them to columns
SORT_KEYS = ("created", "priority", "dueDate")
SORT_ORDERS = ("asc", "desc")


@dataclass
class TaskQuery:
    """Camunda's task filters (all given ones must hold); ``limit`` None returns every match.

    ``assigned``/``unassigned`` False mean "no restriction", as in Camunda; ``name_like`` is an SQL
    LIKE pattern (``%`` and ``_`` are wildcards) as Camunda passes it to its query."""

    instance_id: Optional[str] = None
    instance_ids: Optional[list[str]] = None
    business_key: Optional[str] = None
    business_keys: Optional[list[str]] = None
    definition_id: Optional[str] = None
    definition_key: Optional[str] = None
    definition_keys: Optional[list[str]] = None
    task_id: Optional[str] = None
    name: Optional[str] = None
    name_like: Optional[str] = None
    activity_id: Optional[str] = None
    activity_ids: Optional[list[str]] = None
    candidate_group: Optional[str] = None
    candidate_groups: Optional[list[str]] = None
    candidate_user: Optional[str] = None
    assignee: Optional[str] = None
    assigned: bool = False
    unassigned: bool = False
    due_before: Optional[datetime] = None
    due_after: Optional[datetime] = None
    priority: Optional[int] = None
    min_priority: Optional[int] = None
    max_priority: Optional[int] = None
    first: int = 0
    limit: Optional[int] = None
    sorting: tuple[tuple[str, str], ...] = ()  # (sortBy, sortOrder) pairs, most significant first


def list_tasks(uow: UnitOfWork, query: TaskQuery, viewer: Principal) -> list[HumanTask]:
    """Open tasks, most urgent first, then oldest first, unless ``query.sorting`` asks otherwise.

    A group queue is read through the candidate index alone (kind, name,
    priority, created), so its first page costs the same with 100 or 100,000
    open tasks. Claimed tasks have left their group queue, as in Camunda.
    An explicit sort comes before that order; it is then a sort of the
    matching rows, which the caller asked for.
    """
    _check_sorting(query.sorting)
    with uow:
        stmt = _filtered(select(HumanTask), query, viewer).order_by(*_order(query)).offset(query.first)
        return list(uow.session.scalars(stmt if query.limit is None else stmt.limit(query.limit)))


def count_tasks(uow: UnitOfWork, query: TaskQuery, viewer: Principal) -> int:
    """How many tasks ``list_tasks`` would return without paging: one SQL COUNT on the same filters."""
    with uow:
        return uow.session.scalar(_filtered(select(func.count()).select_from(HumanTask), query, viewer)) or 0


def _check_sorting(sorting: tuple[tuple[str, str], ...]) -> None:
    for sort_by, sort_order in sorting:
        if sort_by not in SORT_KEYS:
            raise InvalidInput(f"sortBy must be one of {', '.join(SORT_KEYS)}, not {sort_by!r}")
        if sort_order not in SORT_ORDERS:
            raise InvalidInput(f"sortOrder must be asc or desc, not {sort_order!r}")


def _filtered(stmt: Select, query: TaskQuery, viewer: Principal) -> Select:
    """Every filter of ``query`` applied to ``stmt`` (a select of tasks or of their count).

    Staff see every open task; a requester only those offered to them by name, or to one of their
    groups on a ticket they reported (see :func:`_offered_to_requester`). A single candidate group
    joins the candidate index (the inbox's fast path); the other filters narrow what it yields.
    """
    if not viewer.is_staff:
        named = select(TaskCandidate.task_id).where(TaskCandidate.kind == "user", TaskCandidate.name == viewer.id)
        grouped = select(TaskCandidate.task_id).where(TaskCandidate.kind == "group",
                                                      TaskCandidate.name.in_(sorted(viewer.groups)))
        reported = select(ProcessInstance.id).where(ProcessInstance.started_by == viewer.id)
        stmt = stmt.where(or_(HumanTask.id.in_(named),
                              HumanTask.id.in_(grouped) & HumanTask.instance_id.in_(reported)))
    if query.candidate_group:
        stmt = (stmt.select_from(HumanTask).join(TaskCandidate, TaskCandidate.task_id == HumanTask.id)
                .where(TaskCandidate.kind == "group", TaskCandidate.name == query.candidate_group))
    else:
        stmt = stmt.where(HumanTask.status == "open")
    if query.candidate_groups:  # group rows exist only while a task is unassigned, as Camunda offers them
        stmt = stmt.where(HumanTask.id.in_(select(TaskCandidate.task_id).where(
            TaskCandidate.kind == "group", TaskCandidate.name.in_(query.candidate_groups))))
    if query.candidate_user:
        groups = select(Membership.group_id).where(Membership.user_id == query.candidate_user)
        visible = select(TaskCandidate.task_id).where(or_(
            (TaskCandidate.kind == "user") & (TaskCandidate.name == query.candidate_user),
            (TaskCandidate.kind == "group") & TaskCandidate.name.in_(groups)))
        stmt = stmt.where(HumanTask.id.in_(visible),
                          or_(HumanTask.assignee.is_(None), HumanTask.assignee == query.candidate_user))
    return _instance_filters(_task_filters(stmt, query), query)


def _task_filters(stmt: Select, query: TaskQuery) -> Select:
    """Filters on the task row itself."""
    equal = ((HumanTask.id, query.task_id), (HumanTask.instance_id, query.instance_id),
             (HumanTask.definition_id, query.definition_id), (HumanTask.name, query.name),
             (HumanTask.activity_id, query.activity_id), (HumanTask.assignee, query.assignee),
             (HumanTask.priority, query.priority))
    stmt = stmt.where(*(column == value for column, value in equal if value is not None))
    within = ((HumanTask.instance_id, query.instance_ids), (HumanTask.activity_id, query.activity_ids))
    stmt = stmt.where(*(column.in_(values) for column, values in within if values is not None))
    if query.name_like is not None:
        stmt = stmt.where(HumanTask.name.like(query.name_like))
    if query.assigned:
        stmt = stmt.where(HumanTask.assignee.is_not(None))
    if query.unassigned:
        stmt = stmt.where(HumanTask.assignee.is_(None))
    if query.due_before is not None:
        stmt = stmt.where(HumanTask.due_at < query.due_before)
    if query.due_after is not None:
        stmt = stmt.where(HumanTask.due_at > query.due_after)
    if query.min_priority is not None:
        stmt = stmt.where(HumanTask.priority >= query.min_priority)
    if query.max_priority is not None:
        stmt = stmt.where(HumanTask.priority <= query.max_priority)
    return stmt


def _instance_filters(stmt: Select, query: TaskQuery) -> Select:
    """Filters on the task's definition or instance, as sub-selects over their indexed key columns."""
    for keys in (_one(query.definition_key), query.definition_keys):
        if keys is not None:
            stmt = stmt.where(HumanTask.definition_id.in_(
                select(ProcessDefinition.id).where(ProcessDefinition.key.in_(keys))))
    for business_keys in (_one(query.business_key), query.business_keys):
        if business_keys is not None:
            stmt = stmt.where(HumanTask.instance_id.in_(
                select(ProcessInstance.id).where(ProcessInstance.business_key.in_(business_keys))))
    return stmt


def _one(value: Optional[str]) -> Optional[list[str]]:
    return None if value is None else [value]


def _order(query: TaskQuery) -> list:
    """The requested sort keys, then the inbox order; a group queue takes its columns from the candidate index."""
    row = TaskCandidate if query.candidate_group else HumanTask
    columns = {"created": row.created_at, "priority": row.priority, "dueDate": HumanTask.due_at}
    order: list = []
    for sort_by, sort_order in query.sorting:
        if sort_by == "dueDate":
            order.append(HumanTask.due_at.is_(None))  # tasks without a due date last, on every backend
        column = columns[sort_by]
        order.append(column.desc() if sort_order == "desc" else column.asc())
    tie = TaskCandidate.task_id if query.candidate_group else HumanTask.id
    return order + [row.priority.desc(), row.created_at, tie]


def get_task(uow: UnitOfWork, task_id: str, viewer: Principal) -> HumanTask:
    with uow:
        return _open_task(uow, task_id, viewer)


def _open_task(uow: UnitOfWork, task_id: str, viewer: Principal) -> HumanTask:
    """An open task the viewer may look at: staff see all, a requester only tasks offered to them."""
    task = uow.session.get(HumanTask, task_id)
    if task is None or task.status != "open":
        raise NotFound(f"task {task_id} does not exist or is already completed")
    if not viewer.is_staff and not _offered_to_requester(uow, task, viewer):
        raise Forbidden(f"user {viewer.id} may not see task {task_id}")
    return task


def _offered_to_requester(uow: UnitOfWork, task: HumanTask, viewer: Principal) -> bool:
    """A requester's tasks: named to them, or offered to one of their groups on a ticket they reported.

    A task offered to the whole ``requester`` group would otherwise let every requester into every
    other person's ticket; the group offer is read as "whoever of this group reported it"."""
    if task.assignee is not None or viewer.id in (task.candidate_users or ()):
        return task.assignee in (None, viewer.id)
    if not viewer.groups.intersection(task.candidate_groups or ()):
        return False
    started_by = uow.session.scalar(select(ProcessInstance.started_by).where(ProcessInstance.id == task.instance_id))
    return started_by == viewer.id


def check_not_suspended(task: HumanTask) -> None:
    """A task of a suspended instance can be read but not claimed, completed or changed (as in Camunda)."""
    if task.suspended:
        raise SuspendedEntity(f"task {task.id} belongs to a suspended process instance")


def _authorize(task: HumanTask, user: Principal) -> None:
    if not user.may_work_on(task.candidate_groups, task.candidate_users, task.assignee):
        if task.assignee is not None and task.assignee != user.id:
            raise Forbidden(f"task {task.id} is assigned to {task.assignee}")
        raise Forbidden(f"user {user.id} is not a candidate for task {task.id}")


def claim(uow: UnitOfWork, task_id: str, user: Principal, user_id: Optional[str] = None) -> None:
    """Take a task so that it leaves the group queue; claiming a task someone else holds is a conflict."""
    with uow:
        task = _open_task(uow, task_id, user)
        check_not_suspended(task)
        target = user_id or user.id
        if task.assignee is not None and task.assignee != target:
            raise Conflict(f"task {task_id} is already claimed by {task.assignee}")
        task_exclusions.check_not_excluded(uow, task, target)
        if not user.may_work_on(task.candidate_groups, task.candidate_users, None):
            raise Forbidden(f"user {user.id} is not a candidate for task {task_id}")
        if target != user.id and not _candidate(uow, target).may_work_on(task.candidate_groups,
                                                                         task.candidate_users, None):
            raise Forbidden(f"user {target} is not a candidate for task {task_id}; it cannot be claimed for them")
        # conditional write: of two people claiming at once, only the first finds it unassigned
        taken = uow.session.execute(HumanTask.__table__.update().where(
            HumanTask.id == task_id, HumanTask.status == "open",
            or_(HumanTask.assignee.is_(None), HumanTask.assignee == target)).values(assignee=target))
        if taken.rowcount != 1:
            raise Conflict(f"task {task_id} was claimed by someone else meanwhile")
        task.assignee = target
        _reindex_assignee(uow, task)
        ticket_response.note_claim(uow, task)
        notifications.tell_assignee(uow, task, user.id)
        audit(uow, task.instance_id, user.id, "task_claimed", task.activity_id, task.id, {"assignee": target})
        uow.commit()


def _candidate(uow: UnitOfWork, user_id: str) -> Principal:
    """Another user as a principal, to check that a task handed to them is theirs to do."""
    groups = frozenset(uow.session.scalars(select(Membership.group_id).where(Membership.user_id == user_id)))
    return Principal(user_id, groups)


def unclaim(uow: UnitOfWork, task_id: str, user: Principal) -> None:
    with uow:
        task = _open_task(uow, task_id, user)
        check_not_suspended(task)
        if task.assignee is not None and task.assignee != user.id and not user.may_work_on(
                task.candidate_groups, task.candidate_users, None):
            raise Forbidden(f"task {task_id} is assigned to {task.assignee}")
        previous, task.assignee = task.assignee, None
        _reindex_assignee(uow, task)
        # the identity link log reads who was unlinked from here
        audit(uow, task.instance_id, user.id, "task_unclaimed", task.activity_id, task.id, {"assignee": previous})
        uow.commit()


def _reindex_assignee(uow: UnitOfWork, task: HumanTask) -> None:
    """Keep the candidate index in step: an assigned task is in its assignee's list, not the group queue."""
    uow.session.execute(delete(TaskCandidate).where(TaskCandidate.task_id == task.id))
    projections.index_candidates(uow, [{"id": task.id, "assignee": task.assignee, "priority": task.priority,
                                    "candidate_groups": task.candidate_groups,
                                    "candidate_users": task.candidate_users, "created_at": task.created_at}])


def complete(uow: UnitOfWork, task_id: str, user: Principal, values: dict[str, Any],
             object_info: Optional[dict[str, dict]] = None) -> ProcessInstance:
    """Validate the form, complete the task, advance the instance; returns the instance as saved.

    ``object_info`` holds the ``valueInfo`` of variables sent as Camunda Objects, kept beside the
    instance so that they read back as the Objects they were sent as."""
    with uow:
        task = _open_task(uow, task_id, user)
        task_exclusions.check_not_excluded(uow, task, user.id)  # first: the clearer reason of the two
        _authorize(task, user)
        if task.delegation_state == "PENDING":
            raise InvalidInput(f"task {task_id} is delegated: it cannot be completed, but needs to be resolved")
        definition = definition_row(uow, task.definition_id)
        form = task_form(uow, definition, task.activity_id)
        instance, definition, workflow = step.load(uow, task.instance_id)
        clean = (validate_submission(form, values, context=dict(instance.variables))
                 if form is not None else dict(values))
        since = time.time()
        try:
            engine.complete_user_task(workflow, task_id, clean)
        except KeyError:
            raise NotFound(f"task {task_id} is no longer active") from None
        task.completed_at, task.completed_by = utcnow(), user.id
        task.assignee = task.assignee or user.id
        uow.session.flush()  # the projection sync below reads this row with plain SQL
        audit(uow, instance.id, user.id, "task_completed", task.activity_id, task_id,
                      {"variables": jsonable(clean)})
        instance.variable_types = retyped(instance.variable_types, clean, object_info or {})
        step.save(uow, instance, definition, workflow, user.id, since)
        uow.commit()
        return instance


def task_form_spec(uow: UnitOfWork, task_id: str, viewer: Principal) -> tuple[HumanTask, Optional[FormSpec], dict[str, Any]]:
    """The task, its form and the variables it sees (for form-variables and rendering): its own data, so that
    each instance of a multi-instance task (one department's weekly survey) shows its own values rather than
    those the last finished instance merged into the process."""
    with uow:
        task = _open_task(uow, task_id, viewer)
        definition = definition_row(uow, task.definition_id)
        _, _, workflow = step.load(uow, task.instance_id, allow_suspended=True)
        return task, task_form(uow, definition, task.activity_id), jsonable(engine.task_data(workflow, task_id))


@dataclass(frozen=True)
class TaskScope:
    """What an open task sees: its own data (so each instance of a multi-instance task shows its own
    element variable) and the instance's variable types (so a Date reads back as a Date)."""

    variables: dict[str, Any]
    variable_types: dict[str, Any]


def task_variables(uow: UnitOfWork, task_id: str, viewer: Principal) -> TaskScope:
    with uow:
        task = _open_task(uow, task_id, viewer)
        instance, _, workflow = step.load(uow, task.instance_id, allow_suspended=True)
        return TaskScope(jsonable(engine.task_data(workflow, task_id)), dict(instance.variable_types or {}))


def task_form_variables(uow: UnitOfWork, task_id: str, viewer: Principal) -> tuple[Optional[FormSpec], TaskScope]:
    """The task's form and everything the task sees: Camunda's form-variables answers every visible variable,
    the form's fields typed and defaulted as the form says."""
    with uow:
        task = _open_task(uow, task_id, viewer)
        definition = definition_row(uow, task.definition_id)
        instance, _, workflow = step.load(uow, task.instance_id, allow_suspended=True)
        scope = TaskScope(jsonable(engine.task_data(workflow, task_id)), dict(instance.variable_types or {}))
        return task_form(uow, definition, task.activity_id), scope


def deployed_form(uow: UnitOfWork, task_id: str, viewer: Principal) -> bytes:
    with uow:
        task = _open_task(uow, task_id, viewer)
        definition = definition_row(uow, task.definition_id)
        source = form_source(uow, definition, task.activity_id)
        if source is None:
            raise NotFound(f"task {task_id} has no deployed Camunda form")
        return source
