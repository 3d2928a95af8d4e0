"""Process-instance operations: POST query and count, cancel (DELETE, and POST /delete for many), activity tree."""
from __future__ import annotations

import uuid
from typing import Any, Optional

from flask import jsonify, request

from app.api import bp, current_user, json_body, queries, shapes
from app.api.body import flag, text
from app.errors import InvalidInput
from app.services import instance_operations as operations
from app.store import new_uow

_QUERY_FIELDS = {"processInstanceIds", "processDefinitionId", "processDefinitionKey", "businessKey", "suspended",
                 "active", "sorting"}
_DELETE_FLAGS = {"skipCustomListeners", "skipIoMappings", "skipSubprocesses", "failIfNotExists"}


def _query(body: dict[str, Any], paged: bool) -> operations.InstanceQuery:
    unknown = sorted(set(body) - _QUERY_FIELDS)
    if unknown:
        raise InvalidInput(f"unsupported process instance filters: {', '.join(unknown)}")
    ids = body.get("processInstanceIds")
    if ids is not None and (not isinstance(ids, list) or not all(isinstance(i, str) for i in ids)):
        raise InvalidInput("processInstanceIds must be a list of strings")
    suspended, active = flag(body, "suspended"), flag(body, "active")
    if suspended and active:
        raise InvalidInput("suspended and active exclude each other")
    query = operations.InstanceQuery(
        instance_ids=ids, definition_id=text(body, "processDefinitionId"),
        definition_key=text(body, "processDefinitionKey"), business_key=text(body, "businessKey"),
        suspended=True if suspended else (False if active else None), sorting=_sorting(body.get("sorting")))
    if paged:
        page = queries.paging()
        query.first, query.limit = page.first, page.limit
    return query


def _sorting(sorting: Any) -> list[tuple[str, str]]:
    if sorting is None:
        return []
    if not isinstance(sorting, list) or not all(isinstance(s, dict) for s in sorting):
        raise InvalidInput("sorting must be a list of {sortBy, sortOrder} objects")
    return [(str(s.get("sortBy")), str(s.get("sortOrder"))) for s in sorting]


@bp.post("/process-instance")
def query_instances():
    rows = operations.query_instances(new_uow(write=False), _query(json_body(), True), current_user())
    return jsonify([shapes.instance(r) for r in rows])


@bp.post("/process-instance/count")
def count_instances_by_body():
    return jsonify({"count": operations.count_instances(new_uow(write=False), _query(json_body(), False),
                                                        current_user())})


@bp.delete("/process-instance/<instance_id>")
def delete_instance(instance_id: str):
    """Camunda's query parameters are accepted; listeners, I/O mappings and called instances do not exist here."""
    unknown = sorted(set(request.args) - _DELETE_FLAGS - {"deleteReason"})
    if unknown:
        raise InvalidInput(f"unsupported query parameters: {', '.join(unknown)}")
    flags = {}
    for name in _DELETE_FLAGS:
        raw = request.args.get(name, "true" if name == "failIfNotExists" else "false")
        if raw not in ("true", "false"):
            raise InvalidInput(f"query parameter {name} must be true or false")
        flags[name] = raw == "true"
    operations.cancel_instance(new_uow(), instance_id, current_user(), request.args.get("deleteReason"),
                               fail_if_missing=flags["failIfNotExists"])
    return "", 204


@bp.post("/process-instance/delete")
def delete_instances():
    """Camunda answers with an asynchronous batch; here the deletion is done before the answer, in one transaction."""
    body = json_body()
    unknown = sorted(set(body) - {"processInstanceIds", "processInstanceQuery", "deleteReason",
                                  "skipCustomListeners", "skipSubprocesses", "skipIoMappings", "skipIoMapping"})
    if unknown:
        raise InvalidInput(f"unsupported properties: {', '.join(unknown)}")
    ids = body.get("processInstanceIds") or []
    if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
        raise InvalidInput("processInstanceIds must be a list of strings")
    selection = body.get("processInstanceQuery")
    if selection is not None:
        if not isinstance(selection, dict):
            raise InvalidInput("processInstanceQuery must be an object")
        ids = ids + [r.id for r in operations.query_instances(new_uow(write=False), _query(selection, False),
                                                               current_user())]
    reason: Optional[str] = text(body, "deleteReason")
    total = operations.cancel_instances(new_uow(), ids, current_user(), reason)
    return jsonify({"id": str(uuid.uuid4()), "type": "instance-deletion", "totalJobs": total, "jobsCreated": total,
                    "batchJobsPerSeed": total, "invocationsPerBatchJob": 1, "seedJobDefinitionId": None,
                    "monitorJobDefinitionId": None, "batchJobDefinitionId": None, "suspended": False,
                    "tenantId": None, "createUserId": current_user().id})


@bp.get("/process-instance/<instance_id>/activity-instances")
def activity_instances(instance_id: str):
    instance, name, nodes = operations.activity_tree(new_uow(write=False), instance_id, current_user())
    children = [{"id": n.row.id, "parentActivityInstanceId": instance.id, "activityId": n.row.activity_id,
                 "activityType": n.row.activity_type, "processInstanceId": instance.id,
                 "processDefinitionId": instance.definition_id, "childActivityInstances": [],
                 "childTransitionInstances": [], "executionIds": [instance.id], "activityName": n.row.activity_name,
                 "incidentIds": n.incident_ids,
                 "incidents": [{"id": i, "activityId": n.row.activity_id} for i in n.incident_ids],
                 "name": n.row.activity_name} for n in nodes]
    return jsonify({"id": instance.id, "parentActivityInstanceId": None, "activityId": instance.definition_id,
                    "activityType": "processDefinition", "processInstanceId": instance.id,
                    "processDefinitionId": instance.definition_id, "childActivityInstances": children,
                    "childTransitionInstances": [], "executionIds": [instance.id], "activityName": name,
                    "incidentIds": [], "incidents": [], "name": name})
