"""The audit log as Camunda's user operation log and identity link log (read only)."""
from __future__ import annotations

from typing import Any

from flask import jsonify

from app.api import bp, current_user, queries, shapes
from app.services import history_log as history
from app.store import new_uow


def operation_shape(item: history.LogEntry) -> dict[str, Any]:
    entry, op = item.entry, item.operation
    org_value, new_value = item.values()
    return {"id": str(entry.id), "deploymentId": None, "processDefinitionId": item.definition_id,
            "processDefinitionKey": item.definition_key, "processInstanceId": entry.instance_id,
            "executionId": entry.instance_id if op.entity_type != "Job" else None,
            "caseDefinitionId": None, "caseInstanceId": None, "caseExecutionId": None,
            "taskId": entry.task_id if op.entity_type == "Task" else None,
            "jobId": entry.task_id if op.entity_type == "Job" else None, "jobDefinitionId": None,
            "batchId": None, "userId": entry.actor, "timestamp": shapes.camunda_date(entry.at),
            "operationId": str(entry.id), "externalTaskId": None, "operationType": op.operation_type,
            "entityType": op.entity_type, "property": op.property, "orgValue": org_value, "newValue": new_value,
            "removalTime": None, "rootProcessInstanceId": entry.instance_id, "category": op.category,
            "annotation": None}


def link_shape(item: history.LogEntry) -> dict[str, Any]:
    entry = item.entry
    return {"id": str(entry.id), "time": shapes.camunda_date(entry.at), "type": "assignee",
            "userId": item.link_user(), "groupId": None, "taskId": entry.task_id,
            "processDefinitionId": item.definition_id, "processDefinitionKey": item.definition_key,
            "operationType": "add" if entry.action == "task_claimed" else "delete", "assignerId": entry.actor,
            "tenantId": None, "removalTime": None, "rootProcessInstanceId": entry.instance_id}


@bp.get("/history/user-operation")
def user_operations():
    query = queries.criteria(history.OPERATION_FILTERS, history.OPERATION_SORT_KEYS)
    return jsonify([operation_shape(e) for e in history.list_operations(new_uow(write=False), query, current_user())])


@bp.get("/history/user-operation/count")
def count_user_operations():
    query = queries.criteria(history.OPERATION_FILTERS, paged=False)
    return jsonify({"count": history.count_operations(new_uow(write=False), query, current_user())})


@bp.get("/history/identity-link-log")
def identity_link_log():
    query = queries.criteria(history.LINK_FILTERS, history.LINK_SORT_KEYS)
    return jsonify([link_shape(e) for e in history.list_links(new_uow(write=False), query, current_user())])


@bp.get("/history/identity-link-log/count")
def count_identity_link_log():
    query = queries.criteria(history.LINK_FILTERS, paged=False)
    return jsonify({"count": history.count_links(new_uow(write=False), query, current_user())})
