"""Incidents (failed handler calls) and retrying them the Camunda way: PUT /job/{id}/retries."""
from __future__ import annotations

from flask import jsonify, request

from app.api import bp, current_user, json_body, queries, shapes
from app.errors import InvalidInput
from app.services import incidents
from app.store import new_uow


@bp.get("/incident")
def list_incidents():
    queries.check_args(queries.PAGING_ARGS | {"processInstanceId"})
    rows = incidents.list_incidents(new_uow(write=False), current_user(), instance_id=request.args.get("processInstanceId"))
    return jsonify([shapes.incident(r) for r in queries.paging().apply(rows)])


@bp.put("/job/<job_id>/retries")
def set_job_retries(job_id: str):
    retries = json_body().get("retries")
    if not isinstance(retries, int) or isinstance(retries, bool) or retries < 0:
        raise InvalidInput("retries must be a non-negative integer")
    if retries > 0:
        incidents.retry(new_uow(), job_id, current_user())
    return "", 204
