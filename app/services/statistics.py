"""Runtime statistics per process definition and per activity, counted from projections (no workflow is loaded).

Camunda's ``instances`` are running instances; ``failedJobs`` and incidents are
the open incidents of failed handler calls (each failed call is one failed job).
An activity counts the instances waiting in it: its activity-history rows not yet ended.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Optional

from sqlalchemy import func, select

from app.db import UnitOfWork
from app.errors import Forbidden
from app.models import ActivityInstance, Incident, ProcessDefinition, ProcessInstance
from app.services.definitions import get_definition
from app.services.users import Principal


@dataclass
class Statistics:
    id: str
    instances: int = 0
    failed_jobs: int = 0
    incidents: dict[str, int] = field(default_factory=dict)  # incident type -> count
    definition: Optional[ProcessDefinition] = None


def _require_staff(viewer: Principal) -> None:
    if not viewer.is_staff:
        raise Forbidden(f"user {viewer.id} may not read runtime statistics")


def _incidents(uow: UnitOfWork, group_by, *where) -> dict[str, dict[str, int]]:
    rows = uow.session.execute(select(group_by, Incident.incident_type, func.count(Incident.id))
                               .where(Incident.status == "open", *where).group_by(group_by, Incident.incident_type))
    found: dict[str, dict[str, int]] = defaultdict(dict)
    for owner, kind, count in rows:
        found[owner][kind] = count
    return found


def definition_statistics(uow: UnitOfWork, viewer: Principal) -> list[Statistics]:
    """Every deployed definition with its running instances and open incidents."""
    _require_staff(viewer)
    with uow:
        running = dict(uow.session.execute(select(ProcessInstance.definition_id, func.count(ProcessInstance.id))
                                           .where(ProcessInstance.status == "ACTIVE")
                                           .group_by(ProcessInstance.definition_id)).all())
        incidents = _incidents(uow, Incident.definition_id)
        definitions = uow.session.scalars(select(ProcessDefinition)
                                          .order_by(ProcessDefinition.key, ProcessDefinition.version))
        return [Statistics(d.id, running.get(d.id, 0), sum(incidents.get(d.id, {}).values()),
                           incidents.get(d.id, {}), d) for d in definitions]


def activity_statistics(uow: UnitOfWork, viewer: Principal, definition_id: Optional[str] = None,
                        key: Optional[str] = None) -> list[Statistics]:
    """Activities of one definition (by id, or the latest of ``key``) where instances wait or calls failed."""
    _require_staff(viewer)
    definition = get_definition(uow, definition_id=definition_id, key=key)
    with uow:
        waiting = dict(uow.session.execute(
            select(ActivityInstance.activity_id, func.count(ActivityInstance.id))
            .join(ProcessInstance, ProcessInstance.id == ActivityInstance.instance_id)
            .where(ActivityInstance.definition_id == definition.id, ActivityInstance.ended_at.is_(None),
                   ProcessInstance.status == "ACTIVE")
            .group_by(ActivityInstance.activity_id)).all())
        incidents = _incidents(uow, Incident.activity_id, Incident.definition_id == definition.id)
    return [Statistics(activity, waiting.get(activity, 0), sum(incidents.get(activity, {}).values()),
                       incidents.get(activity, {}))
            for activity in sorted(set(waiting) | set(incidents))]
