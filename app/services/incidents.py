"""Incidents — failed handler calls and elements the engine could not run — listed and retried on request.

Nothing is lost meanwhile: the instance keeps everything entered, and a
retry runs the failed element again (after its variables may have been fixed).
"""
from __future__ import annotations

import time
from typing import Optional

from sqlalchemy import select

from app import engine
from app.db import UnitOfWork
from app.errors import Forbidden, NotFound
from app.models import Incident
from app.services import step
from app.services.audit import audit
from app.services.users import Principal


def _require_staff(user: Principal) -> None:
    if not user.is_staff:
        raise Forbidden(f"user {user.id} may not see or retry incidents")


def list_incidents(uow: UnitOfWork, viewer: Principal, instance_id: Optional[str] = None,
                   open_only: bool = True) -> list[Incident]:
    _require_staff(viewer)
    with uow:
        query = select(Incident).order_by(Incident.created_at)
        if instance_id:
            query = query.where(Incident.instance_id == instance_id)
        if open_only:
            query = query.where(Incident.status == "open")
        return list(uow.session.scalars(query))


def retry(uow: UnitOfWork, job_id: str, user: Principal) -> Incident:
    """Run the failed handler or element (``job_id`` is its task id) again; a new failure updates the incident."""
    _require_staff(user)
    with uow:
        incident = uow.session.scalars(select(Incident).where(Incident.task_id == job_id,
                                                              Incident.status == "open")).first()
        if incident is None:
            raise NotFound(f"job {job_id} has no open incident")
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
