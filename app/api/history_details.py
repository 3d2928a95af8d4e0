"""Historic variable instances and details (Camunda's ``/history/variable-instance``, ``/history/detail``).

The GET list of variable instances lives in ``history.py``; its ids
(``instance:name``) are the ones ``GET /history/variable-instance/{id}`` reads.
``deserializeValues`` is accepted and changes nothing: values are JSON already.
"""
from __future__ import annotations

from typing import Any

from flask import jsonify

from app.api import bp, current_user, json_body, queries, shapes
from app.api.variables import to_rest
from app.services import history_details as history
from app.store import new_uow

_TOLERATED = ("deserializeValues",)


def variable_shape(variable: history.Variable) -> dict[str, Any]:
    row = variable.instance
    return {"id": variable.id, "name": variable.name, **to_rest({variable.name: variable.value})[variable.name],
            "processDefinitionKey": row.definition_key, "processDefinitionId": row.definition_id,
            "processInstanceId": row.id, "executionId": row.id, "activityInstanceId": row.id,
            "caseDefinitionKey": None, "caseDefinitionId": None, "caseInstanceId": None, "caseExecutionId": None,
            "taskId": None, "errorMessage": None, "tenantId": None, "state": "CREATED",
            "createTime": shapes.camunda_date(row.started_at), "removalTime": None, "rootProcessInstanceId": row.id}


def detail_shape(detail: history.Detail) -> dict[str, Any]:
    row, entry = detail.instance, detail.entry
    body = {"type": detail.kind, "id": detail.id, "processDefinitionKey": row.definition_key,
            "processDefinitionId": row.definition_id, "processInstanceId": row.id,
            "activityInstanceId": entry.task_id or row.id, "executionId": row.id, "caseDefinitionKey": None,
            "caseDefinitionId": None, "caseInstanceId": None, "caseExecutionId": None, "taskId": entry.task_id,
            "tenantId": None, "userOperationId": str(entry.id), "time": shapes.camunda_date(entry.at),
            "removalTime": None, "rootProcessInstanceId": row.id}
    if detail.kind == "formField":
        return {**body, "fieldId": detail.name, "fieldValue": detail.value}
    typed = to_rest({detail.name: detail.value})[detail.name]
    return {**body, "variableName": detail.name, "variableInstanceId": f"{row.id}:{detail.name}",
            "variableType": typed["type"], "value": typed["value"], "valueInfo": typed.get("valueInfo", {}),
            "initial": entry.action == "instance_started", "revision": detail.revision, "errorMessage": None}


@bp.post("/history/variable-instance")
def query_historic_variables():
    query = queries.body_criteria(json_body(), history.VARIABLE_FILTERS, history.VARIABLE_SORT_KEYS,
                               tolerated=_TOLERATED)
    return jsonify([variable_shape(v) for v in history.list_variables(new_uow(write=False), query, current_user())])


@bp.get("/history/variable-instance/count")
def count_historic_variables():
    query = queries.criteria(history.VARIABLE_FILTERS, paged=False)
    return jsonify({"count": history.count_variables(new_uow(write=False), query, current_user())})


@bp.post("/history/variable-instance/count")
def count_historic_variables_by_body():
    query = queries.body_criteria(json_body(), history.VARIABLE_FILTERS, history.VARIABLE_SORT_KEYS, paged=False,
                               tolerated=_TOLERATED)
    return jsonify({"count": history.count_variables(new_uow(write=False), query, current_user())})


@bp.get("/history/variable-instance/<variable_id>")
def historic_variable(variable_id: str):
    queries.criteria({}, paged=False, tolerated=_TOLERATED)
    return jsonify(variable_shape(history.get_variable(new_uow(write=False), variable_id, current_user())))


@bp.get("/history/detail")
def historic_details():
    query = queries.criteria(history.DETAIL_FILTERS, history.DETAIL_SORT_KEYS, tolerated=_TOLERATED)
    return jsonify([detail_shape(d) for d in history.list_details(new_uow(write=False), query, current_user())])


@bp.post("/history/detail")
def query_historic_details():
    query = queries.body_criteria(json_body(), history.DETAIL_FILTERS, history.DETAIL_SORT_KEYS, tolerated=_TOLERATED)
    return jsonify([detail_shape(d) for d in history.list_details(new_uow(write=False), query, current_user())])


@bp.get("/history/detail/count")
def count_historic_details():
    query = queries.criteria(history.DETAIL_FILTERS, paged=False)
    return jsonify({"count": history.count_details(new_uow(write=False), query, current_user())})


@bp.get("/history/detail/<detail_id>")
def historic_detail(detail_id: str):
    queries.criteria({}, paged=False, tolerated=_TOLERATED)
    return jsonify(detail_shape(history.get_detail(new_uow(write=False), detail_id, current_user())))
