"""Process definitions beyond starting them: statistics, start form, form variables, called processes, diagram, delete."""
from __future__ import annotations

from typing import Any

from flask import Response, jsonify

from app.api import bp, current_user, queries, shapes
from app.api.deployment_resources import DELETE_OPTIONS
from app.api.variables import form_to_rest
from app.errors import InvalidInput
from app.services.criteria import FLAG, TEXT, TEXTS
from app.services import definition_details, deployments, statistics
from app.store import new_uow

_STAT_OPTIONS = {"failedJobs": FLAG, "incidents": FLAG, "incidentsForType": TEXT, "rootIncidents": FLAG}


def _stat_options() -> dict[str, Any]:
    """Which counts to include: failedJobs, and incidents (all types, or one type); rootIncidents = incidents here."""
    options = queries.from_args(_STAT_OPTIONS)
    failed, incidents, roots = (options.get(name) for name in ("failedJobs", "incidents", "rootIncidents"))
    only_type = options.get("incidentsForType")
    if sum(bool(x) for x in (incidents, roots, only_type)) > 1:
        raise InvalidInput("incidents, rootIncidents and incidentsForType exclude each other")
    return {"failed": bool(failed), "incidents": bool(incidents or roots or only_type), "type": only_type}


def _stat(row: statistics.Statistics, options: dict[str, Any]) -> dict[str, Any]:
    counts = row.incidents if options["type"] is None else {options["type"]: row.incidents.get(options["type"], 0)}
    body: dict[str, Any] = {"id": row.id, "instances": row.instances,
                            "failedJobs": row.failed_jobs if options["failed"] else 0,
                            "incidents": [{"incidentType": t, "incidentCount": n} for t, n in sorted(counts.items())
                                          if n or options["type"]] if options["incidents"] else []}
    if row.definition is not None:
        body["@class"] = "org.camunda.bpm.engine.rest.dto.repository.ProcessDefinitionStatisticsResultDto"
        body["definition"] = shapes.definition(row.definition)
    else:
        body["@class"] = "org.camunda.bpm.engine.rest.dto.repository.ActivityStatisticsResultDto"
    return body


@bp.get("/process-definition/statistics")
def definition_statistics():
    options = _stat_options()
    return jsonify([_stat(r, options) for r in statistics.definition_statistics(new_uow(write=False), current_user())])


@bp.get("/process-definition/<definition_id>/statistics")
def activity_statistics(definition_id: str):
    options = _stat_options()
    rows = statistics.activity_statistics(new_uow(write=False), current_user(), definition_id=definition_id)
    return jsonify([_stat(r, options) for r in rows])


@bp.get("/process-definition/key/<key>/statistics")
def activity_statistics_by_key(key: str):
    options = _stat_options()
    rows = statistics.activity_statistics(new_uow(write=False), current_user(), key=key)
    return jsonify([_stat(r, options) for r in rows])


def _deployed_start_form(**which):
    queries.check_args()
    return Response(definition_details.start_form_source(new_uow(write=False), **which), mimetype="application/json")


@bp.get("/process-definition/<definition_id>/deployed-start-form")
def deployed_start_form(definition_id: str):
    return _deployed_start_form(definition_id=definition_id)


@bp.get("/process-definition/key/<key>/deployed-start-form")
def deployed_start_form_by_key(key: str):
    return _deployed_start_form(key=key)


def _form_variables(**which):
    # deserializeValues changes nothing: values are plain JSON here, serialized and deserialized alike
    names = queries.from_args({"variableNames": TEXTS, "deserializeValues": FLAG}).get("variableNames", [])
    form = definition_details.start_form_spec(new_uow(write=False), **which)
    values = form_to_rest(form, {}) if form is not None else {}
    return jsonify({k: v for k, v in values.items() if not names or k in names})


@bp.get("/process-definition/<definition_id>/form-variables")
def start_form_variables(definition_id: str):
    return _form_variables(definition_id=definition_id)


@bp.get("/process-definition/key/<key>/form-variables")
def start_form_variables_by_key(key: str):
    return _form_variables(key=key)


@bp.get("/process-definition/<definition_id>/static-called-process-definitions")
def called_process_definitions(definition_id: str):
    queries.check_args()
    return jsonify([{**shapes.definition(c.definition), "calledFromActivityIds": c.activity_ids,
                     "callingProcessDefinitionId": definition_id}
                    for c in definition_details.called_definitions(new_uow(write=False), definition_id)])


def _diagram(**which):
    """Camunda serves a PNG or SVG deployed beside the BPMN; none is kept here, so the answer is 204."""
    queries.check_args()
    definition_details.get_definition(new_uow(write=False), **which)
    return "", 204


@bp.get("/process-definition/<definition_id>/diagram")
def definition_diagram(definition_id: str):
    return _diagram(definition_id=definition_id)


@bp.get("/process-definition/key/<key>/diagram")
def definition_diagram_by_key(key: str):
    return _diagram(key=key)


def _delete(**which):
    cascade = queries.from_args(DELETE_OPTIONS).get("cascade", False)
    deployments.delete_definitions(new_uow(), current_user(), cascade, **which)
    return "", 204


@bp.delete("/process-definition/<definition_id>")
def delete_definition(definition_id: str):
    return _delete(definition_id=definition_id)


@bp.delete("/process-definition/key/<key>")
def delete_definitions_by_key(key: str):
    return _delete(key=key)
