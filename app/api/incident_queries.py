"""Incidents one by one, counted, annotated; and their history (open and resolved)."""
from __future__ import annotations

from typing import Any

from flask import jsonify

from app.api import bp, current_user, json_body, query, shapes
from app.errors import InvalidInput
from app.models import Incident
from app.services import incidents
from app.store import new_uow

_FILTERS = {"incidentId": "incident_id", "incidentType": "incident_type", "incidentMessage": "message",
            "processDefinitionId": "definition_id", "processDefinitionKey": "definition_key",
            "processInstanceId": "instance_id", "activityId": "activity_id", "configuration": "configuration"}
_SORT = ("incidentId", "createTime", "endTime", "incidentType", "activityId", "processInstanceId",
         "processDefinitionId", "incidentMessage")


def _query(history: bool, with_page: bool) -> incidents.IncidentQuery:
    states = ("open", "resolved") if history else ()
    query.only(*_FILTERS, *states, *(("sortBy", "sortOrder", *query.PAGING) if with_page else ()))
    result = incidents.IncidentQuery(**{field: query.text(name) for name, field in _FILTERS.items()})
    if history:
        wanted = [state for state in states if query.flag(state)]
        if len(wanted) > 1:
            raise InvalidInput("open and resolved exclude each other; give one of them or neither")
        result.state = wanted[0] if wanted else None
    if with_page:
        result.sort_by, result.descending = query.sorting(_SORT)
        result.first, result.limit = query.paging()
    return result


def history_incident(row: Incident) -> dict[str, Any]:
    return {"id": row.id, "processDefinitionKey": row.definition_id.split(":")[0],
            "processDefinitionId": row.definition_id, "processInstanceId": row.instance_id,
            "executionId": row.instance_id, "rootProcessInstanceId": row.instance_id,
            "createTime": shapes.camunda_date(row.created_at), "endTime": shapes.camunda_date(row.resolved_at),
            "removalTime": None, "incidentType": row.incident_type, "activityId": row.activity_id,
            "failedActivityId": row.activity_id, "causeIncidentId": row.id, "rootCauseIncidentId": row.id,
            "configuration": row.task_id, "historyConfiguration": row.task_id, "incidentMessage": row.message,
            "tenantId": None, "jobDefinitionId": None, "open": row.status == "open", "deleted": False,
            "resolved": row.status == "resolved", "annotation": row.annotation}


@bp.get("/incident/count")
def count_incidents():
    return jsonify({"count": incidents.count_incidents(new_uow(write=False), current_user(), _query(False, False))})


@bp.get("/incident/<incident_id>")
def get_incident(incident_id: str):
    query.only()
    return jsonify(shapes.incident(incidents.get_incident(new_uow(write=False), incident_id, current_user())))


@bp.put("/incident/<incident_id>/annotation")
def annotate_incident(incident_id: str):
    query.only()
    body = json_body()
    unknown = sorted(set(body) - {"annotation"})
    if unknown:
        raise InvalidInput(f"unsupported properties: {', '.join(unknown)}")
    annotation = body.get("annotation")
    if not isinstance(annotation, str):
        raise InvalidInput("annotation must be a string")
    incidents.annotate(new_uow(), incident_id, annotation, current_user())
    return "", 204


@bp.delete("/incident/<incident_id>/annotation")
def clear_incident_annotation(incident_id: str):
    query.only()
    incidents.annotate(new_uow(), incident_id, None, current_user())
    return "", 204


@bp.get("/history/incident")
def history_incidents():
    rows = incidents.query_incidents(new_uow(write=False), current_user(), _query(True, True))
    return jsonify([history_incident(r) for r in rows])


@bp.get("/history/incident/count")
def count_history_incidents():
    return jsonify({"count": incidents.count_incidents(new_uow(write=False), current_user(), _query(True, False))})
