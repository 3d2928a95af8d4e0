"""Failed handler calls: listed as incidents and retried on request, with nothing lost meanwhile."""
from __future__ import annotations

import time
from typing import Optional

from sqlalchemy import select

from app import engine
from app.db import UnitOfWork
from app.errors import Forbidden, NotFound
from app.models import Incident, utcnow
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
    """Run the failed handler (``job_id`` is its task id) again; a new failure updates the incident."""
    _require_staff(user)
    with uow:
        incident = uow.session.scalars(select(Incident).where(Incident.task_id == job_id,
                                                              Incident.status == "open")).first()
        if incident is None:
            raise NotFound(f"job {job_id} has no open incident")
        instance, definition, workflow = step.load(uow, incident.instance_id)
        since = time.time()
        try:
            engine.mark_handler_failed(workflow, job_id, failed=False)
        except KeyError:
            raise NotFound(f"job {job_id} is no longer active") from None
        audit(uow, instance.id, user.id, "incident_retry", incident.activity_id, job_id)
        step.save(uow, instance, definition, workflow, user.id, since)
        if not engine.is_pending_handler(workflow, job_id):
            incident.status, incident.resolved_at = "resolved", utcnow()
        uow.commit()
        return incident
