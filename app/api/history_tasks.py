"""History of user tasks and activity instances (Camunda's ``/history/task``, ``/history/activity-instance``).

The GET list of activity instances lives in ``history.py``; the POST query,
counts and single lookup are here, with every filter Camunda's query takes
that this service can answer, and a 400 naming any other.
"""
from __future__ import annotations

from typing import Any

from flask import jsonify

from app.api import bp, current_user, json_body, queries, shapes
from app.models import HumanTask
from app.services import history_tasks as history
from app.store import new_uow

_END_REASON = {"done": "completed", "canceled": "deleted"}
_STATE = {"open": "Created", "done": "Completed", "canceled": "Deleted"}


def historic_task(row: HumanTask) -> dict[str, Any]:
    duration = None
    if row.completed_at is not None:
        duration = int((row.completed_at - row.created_at).total_seconds() * 1000)
    return {"id": row.id, "processDefinitionKey": row.definition_id.split(":")[0],
            "processDefinitionId": row.definition_id, "processInstanceId": row.instance_id,
            "executionId": row.instance_id, "caseDefinitionKey": None, "caseDefinitionId": None,
            "caseInstanceId": None, "caseExecutionId": None, "activityInstanceId": row.id, "name": row.name,
            "description": None, "deleteReason": _END_REASON.get(row.status), "owner": None,
            "assignee": row.assignee, "startTime": shapes.camunda_date(row.created_at),
            "endTime": shapes.camunda_date(row.completed_at), "duration": duration,
            "taskDefinitionKey": row.activity_id, "priority": row.priority, "due": shapes.camunda_date(row.due_at),
            "parentTaskId": None, "followUp": None, "tenantId": None, "removalTime": None,
            "rootProcessInstanceId": row.instance_id, "taskState": _STATE.get(row.status)}


@bp.get("/history/task")
def historic_tasks():
    query = queries.criteria(history.TASK_FILTERS, history.TASK_SORT_KEYS)
    return jsonify([historic_task(t) for t in history.list_tasks(new_uow(write=False), query, current_user())])


@bp.post("/history/task")
def query_historic_tasks():
    query = queries.body_criteria(json_body(), history.TASK_FILTERS, history.TASK_SORT_KEYS)
    return jsonify([historic_task(t) for t in history.list_tasks(new_uow(write=False), query, current_user())])


@bp.get("/history/task/count")
def count_historic_tasks():
    query = queries.criteria(history.TASK_FILTERS, paged=False)
    return jsonify({"count": history.count_tasks(new_uow(write=False), query, current_user())})


@bp.post("/history/task/count")
def count_historic_tasks_by_body():
    query = queries.body_criteria(json_body(), history.TASK_FILTERS, history.TASK_SORT_KEYS, paged=False)
    return jsonify({"count": history.count_tasks(new_uow(write=False), query, current_user())})


@bp.post("/history/activity-instance")
def query_historic_activities():
    query = queries.body_criteria(json_body(), history.ACTIVITY_FILTERS, history.ACTIVITY_SORT_KEYS)
    rows = history.list_activities(new_uow(write=False), query, current_user())
    return jsonify([shapes.activity(r) for r in rows])


@bp.get("/history/activity-instance/count")
def count_historic_activities():
    query = queries.criteria(history.ACTIVITY_FILTERS, paged=False)
    return jsonify({"count": history.count_activities(new_uow(write=False), query, current_user())})


@bp.post("/history/activity-instance/count")
def count_historic_activities_by_body():
    query = queries.body_criteria(json_body(), history.ACTIVITY_FILTERS, history.ACTIVITY_SORT_KEYS, paged=False)
    return jsonify({"count": history.count_activities(new_uow(write=False), query, current_user())})


@bp.get("/history/activity-instance/<activity_instance_id>")
def historic_activity(activity_instance_id: str):
    return jsonify(shapes.activity(history.get_activity(new_uow(write=False), activity_instance_id, current_user())))
