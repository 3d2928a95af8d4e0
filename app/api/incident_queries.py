"""Incidents one by one, counted, annotated; and their history (open and resolved)."""
from __future__ import annotations

from typing import Any

from flask import jsonify

from app.api import bp, current_user, json_body, queries, shapes
from app.errors import InvalidInput
from app.models import Incident
from app.services.criteria import FLAG, TEXT
from app.services import incidents
from app.store import new_uow

_FILTERS = {"incidentId": ("incident_id", TEXT), "incidentType": ("incident_type", TEXT),
            "incidentMessage": ("message", TEXT), "processDefinitionId": ("definition_id", TEXT),
            "processDefinitionKey": ("definition_key", TEXT), "processInstanceId": ("instance_id", TEXT),
            "activityId": ("activity_id", TEXT), "configuration": TEXT}
#: the history's state flags, which exclude each other
_STATES = {"open": FLAG, "resolved": FLAG}
_SORT = ("incidentId", "createTime", "endTime", "incidentType", "activityId", "processInstanceId",
         "processDefinitionId", "incidentMessage")


def _query(history: bool, with_page: bool) -> incidents.IncidentQuery:
    filters = queries.from_args({**_FILTERS, **(_STATES if history else {})}, queries.LIST_ARGS if with_page else ())
    result = incidents.IncidentQuery(**{field: value for field, value in filters.items() if field not in _STATES})
    if history:
        wanted = [state for state in _STATES if filters.get(state)]
        if len(wanted) > 1:
            raise InvalidInput("open and resolved exclude each other; give one of them or neither")
        result.state = wanted[0] if wanted else None
    if with_page:
        result.sort_by, result.descending = queries.one_sort(queries.args_sorting(_SORT))
        page = queries.paging()
        result.first, result.limit = page.first, page.limit
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


@bp.get("/incident")
def list_incidents():
    """Open incidents with the same filters and sorting as their count and their history."""
    rows = incidents.query_incidents(new_uow(write=False), current_user(), _query(False, True))
    return jsonify([shapes.incident(r) for r in rows])


@bp.get("/incident/count")
def count_incidents():
    return jsonify({"count": incidents.count_incidents(new_uow(write=False), current_user(), _query(False, False))})


@bp.get("/incident/<incident_id>")
def get_incident(incident_id: str):
    queries.check_args()
    return jsonify(shapes.incident(incidents.get_incident(new_uow(write=False), incident_id, current_user())))


@bp.put("/incident/<incident_id>/annotation")
def annotate_incident(incident_id: str):
    queries.check_args()
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
    queries.check_args()
    incidents.annotate(new_uow(), incident_id, None, current_user())
    return "", 204


@bp.get("/history/incident")
def history_incidents():
    rows = incidents.query_incidents(new_uow(write=False), current_user(), _query(True, True))
    return jsonify([history_incident(r) for r in rows])


@bp.get("/history/incident/count")
def count_history_incidents():
    return jsonify({"count": incidents.count_incidents(new_uow(write=False), current_user(), _query(True, False))})
