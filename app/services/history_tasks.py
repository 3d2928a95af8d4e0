"""History of user tasks and activities, read from the ``human_task`` and ``activity_instance`` projections.

Both tables keep closed rows, so the history is a query, never a workflow load.
A requester sees the history of the instances they started, staff all of it.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import Select, func, select

from app.db import UnitOfWork
from app.errors import Forbidden, NotFound
from app.models import ActivityInstance, HumanTask, ProcessInstance
from app.services.criteria import DATE, FLAG, LIKE, TEXT, TEXTS, Criteria, order_and_page, where
from app.services.users import Principal

TASK_FILTERS = {"taskId": TEXT, "processInstanceId": TEXT, "processInstanceBusinessKey": TEXT,
                "processDefinitionId": TEXT, "processDefinitionKey": TEXT, "taskName": TEXT, "taskNameLike": LIKE,
                "taskDefinitionKey": TEXT, "taskDefinitionKeyIn": TEXTS, "taskAssignee": TEXT,
                "taskAssigneeLike": LIKE, "assigned": FLAG, "unassigned": FLAG, "finished": FLAG,
                "unfinished": FLAG, "processFinished": FLAG, "processUnfinished": FLAG, "taskDueBefore": DATE,
                "taskDueAfter": DATE, "startedBefore": DATE, "startedAfter": DATE, "finishedBefore": DATE,
                "finishedAfter": DATE}
TASK_SORT_KEYS = ("taskId", "processInstanceId", "processDefinitionId", "taskName", "assignee", "startTime",
                  "endTime", "dueDate", "taskDefinitionKey", "priority")
_TASK_COLUMNS = {"taskId": HumanTask.id, "processInstanceId": HumanTask.instance_id,
                 "processDefinitionId": HumanTask.definition_id, "taskName": HumanTask.name,
                 "taskNameLike": HumanTask.name, "taskDefinitionKey": HumanTask.activity_id,
                 "taskDefinitionKeyIn": HumanTask.activity_id, "taskAssignee": HumanTask.assignee,
                 "taskAssigneeLike": HumanTask.assignee}
_TASK_SORT = {"taskId": HumanTask.id, "processInstanceId": HumanTask.instance_id,
              "processDefinitionId": HumanTask.definition_id, "taskName": HumanTask.name,
              "assignee": HumanTask.assignee, "startTime": HumanTask.created_at, "endTime": HumanTask.completed_at,
              "dueDate": HumanTask.due_at, "taskDefinitionKey": HumanTask.activity_id,
              "priority": HumanTask.priority}

ACTIVITY_FILTERS = {"activityInstanceId": TEXT, "processInstanceId": TEXT, "processDefinitionId": TEXT,
                    "executionId": TEXT, "activityId": TEXT, "activityName": TEXT, "activityNameLike": LIKE,
                    "activityType": TEXT, "taskAssignee": TEXT, "finished": FLAG, "unfinished": FLAG,
                    "canceled": FLAG, "startedBefore": DATE, "startedAfter": DATE, "finishedBefore": DATE,
                    "finishedAfter": DATE}
ACTIVITY_SORT_KEYS = ("activityInstanceId", "instanceId", "executionId", "activityId", "activityName",
                      "activityType", "startTime", "endTime", "definitionId")
_ACTIVITY_COLUMNS = {"activityInstanceId": ActivityInstance.id, "processInstanceId": ActivityInstance.instance_id,
                     "processDefinitionId": ActivityInstance.definition_id,
                     "executionId": ActivityInstance.instance_id, "activityId": ActivityInstance.activity_id,
                     "activityName": ActivityInstance.activity_name,
                     "activityNameLike": ActivityInstance.activity_name,
                     "activityType": ActivityInstance.activity_type, "taskAssignee": ActivityInstance.assignee}
_ACTIVITY_SORT = {"activityInstanceId": ActivityInstance.id, "instanceId": ActivityInstance.instance_id,
                  "executionId": ActivityInstance.instance_id, "activityId": ActivityInstance.activity_id,
                  "activityName": ActivityInstance.activity_name, "activityType": ActivityInstance.activity_type,
                  "startTime": ActivityInstance.started_at, "endTime": ActivityInstance.ended_at,
                  "definitionId": ActivityInstance.definition_id}


def visible_instance_ids(viewer: Principal) -> Select:
    """The instances whose history the viewer may read, as a subquery: a requester's own tickets."""
    return select(ProcessInstance.id).where(ProcessInstance.started_by == viewer.id)


def _dates(stmt: Select, criteria: Criteria, started: Any, ended: Any) -> Select:
    for name, column, before in (("startedBefore", started, True), ("startedAfter", started, False),
                                 ("finishedBefore", ended, True), ("finishedAfter", ended, False)):
        value = criteria.get(name)
        if value is not None:
            stmt = stmt.where(column <= value if before else column >= value)
    return stmt


# ------------------------------------------------------------------ tasks
def list_tasks(uow: UnitOfWork, criteria: Criteria, viewer: Principal) -> list[HumanTask]:
    with uow:
        stmt = order_and_page(_task_filters(select(HumanTask), criteria, viewer), criteria, _TASK_SORT,
                              (HumanTask.created_at, HumanTask.id))
        return list(uow.session.scalars(stmt))


def count_tasks(uow: UnitOfWork, criteria: Criteria, viewer: Principal) -> int:
    with uow:
        return uow.session.scalar(_task_filters(select(func.count(HumanTask.id)), criteria, viewer)) or 0


def _task_filters(stmt: Select, criteria: Criteria, viewer: Principal) -> Select:
    if not viewer.is_staff:
        stmt = stmt.where(HumanTask.instance_id.in_(visible_instance_ids(viewer)))
    stmt = where(stmt, criteria, _TASK_COLUMNS, TASK_FILTERS)
    instances = []
    if criteria.get("processInstanceBusinessKey") is not None:
        instances.append(ProcessInstance.business_key == criteria.get("processInstanceBusinessKey"))
    if criteria.get("processDefinitionKey") is not None:
        instances.append(ProcessInstance.definition_key == criteria.get("processDefinitionKey"))
    if criteria.flag("processFinished"):
        instances.append(ProcessInstance.status != "ACTIVE")
    if criteria.flag("processUnfinished"):
        instances.append(ProcessInstance.status == "ACTIVE")
    if instances:
        stmt = stmt.where(HumanTask.instance_id.in_(select(ProcessInstance.id).where(*instances)))
    for flag, clause in (("assigned", HumanTask.assignee.is_not(None)), ("unassigned", HumanTask.assignee.is_(None)),
                         ("finished", HumanTask.status != "open"), ("unfinished", HumanTask.status == "open")):
        if criteria.flag(flag):
            stmt = stmt.where(clause)
    if criteria.get("taskDueBefore") is not None:
        stmt = stmt.where(HumanTask.due_at <= criteria.get("taskDueBefore"))
    if criteria.get("taskDueAfter") is not None:
        stmt = stmt.where(HumanTask.due_at >= criteria.get("taskDueAfter"))
    return _dates(stmt, criteria, HumanTask.created_at, HumanTask.completed_at)


# ------------------------------------------------------------------ activities
def list_activities(uow: UnitOfWork, criteria: Criteria, viewer: Principal) -> list[ActivityInstance]:
    with uow:
        stmt = order_and_page(_activity_filters(select(ActivityInstance), criteria, viewer), criteria,
                              _ACTIVITY_SORT, (ActivityInstance.started_at, ActivityInstance.id))
        return list(uow.session.scalars(stmt))


def count_activities(uow: UnitOfWork, criteria: Criteria, viewer: Principal) -> int:
    with uow:
        stmt = _activity_filters(select(func.count(ActivityInstance.id)), criteria, viewer)
        return uow.session.scalar(stmt) or 0


def get_activity(uow: UnitOfWork, activity_instance_id: str, viewer: Principal) -> ActivityInstance:
    with uow:
        row = uow.session.get(ActivityInstance, activity_instance_id)
        if row is None:
            raise NotFound(f"historic activity instance {activity_instance_id} does not exist")
        instance = uow.session.get(ProcessInstance, row.instance_id)
        if not viewer.may_see_instance(instance.started_by):
            raise Forbidden(f"user {viewer.id} may not see process instance {row.instance_id}")
        return row


def _activity_filters(stmt: Select, criteria: Criteria, viewer: Principal) -> Select:
    if not viewer.is_staff:
        stmt = stmt.where(ActivityInstance.instance_id.in_(visible_instance_ids(viewer)))
    stmt = where(stmt, criteria, _ACTIVITY_COLUMNS, ACTIVITY_FILTERS)
    for flag, clause in (("finished", ActivityInstance.ended_at.is_not(None)),
                         ("unfinished", ActivityInstance.ended_at.is_(None)),
                         ("canceled", ActivityInstance.canceled.is_(True))):
        if criteria.flag(flag):
            stmt = stmt.where(clause)
    return _dates(stmt, criteria, ActivityInstance.started_at, ActivityInstance.ended_at)
