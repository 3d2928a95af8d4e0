"""Retrying a failed job the Camunda way: PUT /job/{id}/retries (queries of incidents: incident_queries.py)."""
from __future__ import annotations

from app.api import bp, current_user, json_body
from app.errors import InvalidInput
from app.services import incidents
from app.store import new_uow


@bp.put("/job/<job_id>/retries")
def set_job_retries(job_id: str):
    retries = json_body().get("retries")
    if not isinstance(retries, int) or isinstance(retries, bool) or retries < 0:
        raise InvalidInput("retries must be a non-negative integer")
    if retries > 0:
        incidents.retry(new_uow(), job_id, current_user())
    return "", 204
