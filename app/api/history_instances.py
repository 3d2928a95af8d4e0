"""Historic process instances: the POST query and count, and deleting finished history.

The GET list, count and single instance live in ``history.py``. Deleting is
for the admin group; Camunda runs the bulk deletion as a batch, this service
deletes at once and answers with a batch that is already done.
"""
from __future__ import annotations

import uuid

from flask import jsonify, request

from app.api import bp, current_user, json_body, queries, shapes
from app.errors import InvalidInput
from app.services import history_instances as history
from app.store import new_uow


@bp.post("/history/process-instance")
def query_historic_instances():
    query = queries.body_criteria(json_body(), history.INSTANCE_FILTERS, history.INSTANCE_SORT_KEYS)
    rows = history.list_instances(new_uow(write=False), query, current_user())
    return jsonify([shapes.history_instance(r) for r in rows])


@bp.post("/history/process-instance/count")
def count_historic_instances_by_body():
    query = queries.body_criteria(json_body(), history.INSTANCE_FILTERS, history.INSTANCE_SORT_KEYS, paged=False)
    return jsonify({"count": history.count_instances(new_uow(write=False), query, current_user())})


@bp.delete("/history/process-instance/<instance_id>")
def delete_historic_instance(instance_id: str):
    fail = request.args.get("failIfNotExists", "true")
    if fail not in ("true", "false") or set(request.args) - {"failIfNotExists"}:
        raise InvalidInput("only failIfNotExists=true|false is supported here")
    history.delete_history(new_uow(), current_user(), [instance_id], None, fail_if_missing=fail == "true")
    return "", 204


@bp.post("/history/process-instance/delete")
def delete_historic_instances():
    body = json_body()
    unknown = sorted(set(body) - {"historicProcessInstanceIds", "historicProcessInstanceQuery", "deleteReason",
                                  "failIfNotExists"})
    if unknown:
        raise InvalidInput(f"unsupported properties: {', '.join(unknown)}")
    ids, query_body = body.get("historicProcessInstanceIds"), body.get("historicProcessInstanceQuery")
    reason, fail = body.get("deleteReason"), body.get("failIfNotExists", True)
    if ids is not None and not (isinstance(ids, list) and all(isinstance(i, str) for i in ids)):
        raise InvalidInput("historicProcessInstanceIds must be a list of strings")
    if query_body is not None and not isinstance(query_body, dict):
        raise InvalidInput("historicProcessInstanceQuery must be an object")
    if ids is None and query_body is None:
        raise InvalidInput("give historicProcessInstanceIds or historicProcessInstanceQuery")
    if (reason is not None and not isinstance(reason, str)) or not isinstance(fail, bool):
        raise InvalidInput("deleteReason must be a string and failIfNotExists a boolean")
    query = (queries.body_criteria(query_body, history.INSTANCE_FILTERS, history.INSTANCE_SORT_KEYS, paged=False)
             if query_body is not None else None)
    deleted = history.delete_history(new_uow(), current_user(), ids, query, fail_if_missing=fail, reason=reason)
    return jsonify({"id": str(uuid.uuid4()), "type": "historic-process-instance-deletion",
                    "totalJobs": len(deleted), "jobsCreated": len(deleted), "batchJobsPerSeed": len(deleted),
                    "invocationsPerBatchJob": 1, "seedJobDefinitionId": None, "monitorJobDefinitionId": None,
                    "batchJobDefinitionId": None, "suspended": False, "tenantId": None,
                    "createUserId": current_user().id})
