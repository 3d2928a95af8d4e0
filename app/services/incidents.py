"""Incidents — failed handler calls and elements the engine could not run — listed and retried on request.

Nothing is lost meanwhile: the instance keeps everything entered, and a
retry runs the failed element again (after its variables may have been fixed).
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Optional

from sqlalchemy import Select, func, select

from app import engine
from app.db import UnitOfWork
from app.errors import Forbidden, InvalidInput, NotFound
from app.models import Incident
from app.services import step, timers
from app.services.audit import audit
from app.services.users import Principal


def _require_staff(user: Principal) -> None:
    if not user.is_staff:
        raise Forbidden(f"user {user.id} may not see or retry incidents")


def retry(uow: UnitOfWork, job_id: str, user: Principal) -> Incident:
    """Run the failed handler or element (``job_id`` is its task id) again; a new failure updates the incident."""
    _require_staff(user)
    with uow:
        incident = uow.session.scalars(select(Incident).where(Incident.task_id == job_id,
                                                              Incident.status == "open")).first()
        if incident is None:
            raise NotFound(f"job {job_id} has no open incident")
        if timers.rearm(uow, incident, user.id):  # the scheduler fires it on its next pass
            uow.commit()
            return incident
        instance, definition, workflow = step.load(uow, incident.instance_id)
        since = time.time()
        try:
            engine.retry(workflow, job_id)
        except KeyError:
            raise NotFound(f"job {job_id} is no longer active") from None
        audit(uow, instance.id, user.id, "incident_retry", incident.activity_id, job_id)
        step.save(uow, instance, definition, workflow, user.id, since)  # resolves the incident if it ran
        uow.commit()
        return incident


# ------------------------------------------------------------------ reading and annotating (read API)
_INCIDENT_SORT = {"incidentId": Incident.id, "incidentTimestamp": Incident.created_at, "createTime": Incident.created_at,
                  "endTime": Incident.resolved_at, "incidentType": Incident.incident_type,
                  "activityId": Incident.activity_id, "processInstanceId": Incident.instance_id,
                  "processDefinitionId": Incident.definition_id, "incidentMessage": Incident.message}


@dataclass
class IncidentQuery:
    """Camunda's incident filters kept here; ``state`` None means open and resolved (history)."""

    incident_id: Optional[str] = None
    incident_type: Optional[str] = None
    message: Optional[str] = None
    definition_id: Optional[str] = None
    definition_key: Optional[str] = None
    instance_id: Optional[str] = None
    activity_id: Optional[str] = None
    configuration: Optional[str] = None
    state: Optional[str] = "open"
    sort_by: Optional[str] = None
    descending: bool = False
    first: int = 0
    limit: Optional[int] = None


def query_incidents(uow: UnitOfWork, viewer: Principal, query: IncidentQuery) -> list[Incident]:
    """Incidents matching ``query``, oldest first unless sorted; staff only."""
    _require_staff(viewer)
    with uow:
        column = _INCIDENT_SORT.get(query.sort_by or "createTime")
        if column is None:
            raise InvalidInput(f"sortBy {query.sort_by!r} is not supported (use {', '.join(_INCIDENT_SORT)})")
        stmt = _incident_filters(select(Incident), query)
        stmt = stmt.order_by(column.desc() if query.descending else column.asc(), Incident.id).offset(query.first)
        if query.limit is not None:
            stmt = stmt.limit(query.limit)
        return list(uow.session.scalars(stmt))


def count_incidents(uow: UnitOfWork, viewer: Principal, query: IncidentQuery) -> int:
    _require_staff(viewer)
    with uow:
        return uow.session.scalar(_incident_filters(select(func.count(Incident.id)), query)) or 0


def _incident_filters(stmt: Select, query: IncidentQuery) -> Select:
    for value, column in ((query.incident_id, Incident.id), (query.incident_type, Incident.incident_type),
                          (query.message, Incident.message), (query.definition_id, Incident.definition_id),
                          (query.instance_id, Incident.instance_id), (query.activity_id, Incident.activity_id),
                          (query.configuration, Incident.task_id), (query.state, Incident.status)):
        if value is not None:
            stmt = stmt.where(column == value)
    if query.definition_key is not None:
        stmt = stmt.where(Incident.definition_id.like(query.definition_key.replace("%", r"\%").replace("_", r"\_")
                                                      + ":%", escape="\\"))
    return stmt


def get_incident(uow: UnitOfWork, incident_id: str, viewer: Principal) -> Incident:
    """An open incident (a resolved one is history only, as in Camunda)."""
    _require_staff(viewer)
    with uow:
        return _open_incident(uow, incident_id)


def _open_incident(uow: UnitOfWork, incident_id: str) -> Incident:
    incident = uow.session.get(Incident, incident_id)
    if incident is None or incident.status != "open":
        raise NotFound(f"incident {incident_id} does not exist or is resolved")
    return incident


def annotate(uow: UnitOfWork, incident_id: str, annotation: Optional[str], user: Principal) -> None:
    """Set (or with None clear) an operator's note on an open incident; audited."""
    _require_staff(user)
    with uow:
        incident = _open_incident(uow, incident_id)
        incident.annotation = annotation
        audit(uow, incident.instance_id, user.id, "incident_annotated", incident.activity_id, incident.task_id,
              {"incident": incident.id, "annotation": annotation})
        uow.commit()
