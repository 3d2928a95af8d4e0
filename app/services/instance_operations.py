"""Operations on running instances: the query of POST /process-instance, cancelling, the activity tree.

Cancelling ends the workflow where it stands and writes the same projections
as any step: its open tasks are closed as canceled, its timers and message
subscriptions disappear, its history shows the canceled activities, and the
instance's state becomes ``EXTERNALLY_TERMINATED`` with the reason given.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Optional

from sqlalchemy import Select, func, select, update

from app import engine
from app.db import UnitOfWork
from app.errors import Forbidden, InvalidInput, NotFound
from app.models import ActivityInstance, Incident, ProcessInstance, utcnow
from app.services import step
from app.services.audit import audit
from app.services.definitions import definition_row
from app.services.users import Principal

SORT_COLUMNS = {"instanceId": ProcessInstance.id, "definitionKey": ProcessInstance.definition_key,
                "definitionId": ProcessInstance.definition_id, "businessKey": ProcessInstance.business_key}
#: element types that are bookkeeping of the engine, not activities a person would see in the tree
_HIDDEN_TYPES = ("boundaryEvent", "startEvent")


@dataclass
class InstanceQuery:
    """The body of POST /process-instance and its count: running instances only, as Camunda's runtime API."""

    instance_ids: Optional[list[str]] = None
    definition_id: Optional[str] = None
    definition_key: Optional[str] = None
    business_key: Optional[str] = None
    suspended: Optional[bool] = None  # True: only suspended, False: only active
    sorting: list[tuple[str, str]] = field(default_factory=list)
    first: int = 0
    limit: Optional[int] = None


def query_instances(uow: UnitOfWork, query: InstanceQuery, viewer: Principal) -> list[ProcessInstance]:
    with uow:
        stmt = _filtered(select(ProcessInstance), query, viewer)
        order = [SORT_COLUMNS[by].desc() if direction == "desc" else SORT_COLUMNS[by].asc()
                 for by, direction in query.sorting]
        stmt = stmt.order_by(*order, ProcessInstance.started_at.desc(), ProcessInstance.id).offset(query.first)
        if query.limit is not None:
            stmt = stmt.limit(query.limit)
        return list(uow.session.scalars(stmt))


def count_instances(uow: UnitOfWork, query: InstanceQuery, viewer: Principal) -> int:
    with uow:
        return uow.session.scalar(_filtered(select(func.count(ProcessInstance.id)), query, viewer)) or 0


def _filtered(stmt: Select, query: InstanceQuery, viewer: Principal) -> Select:
    for by, direction in query.sorting:
        if by not in SORT_COLUMNS or direction not in ("asc", "desc"):
            raise InvalidInput(f"cannot sort by {by!r} {direction!r}; sortBy is one of "
                               f"{', '.join(SORT_COLUMNS)} and sortOrder asc or desc")
    stmt = stmt.where(ProcessInstance.status == "ACTIVE")
    if not viewer.is_staff:
        stmt = stmt.where(ProcessInstance.started_by == viewer.id)
    if query.instance_ids is not None:
        stmt = stmt.where(ProcessInstance.id.in_(query.instance_ids))
    if query.definition_id is not None:
        stmt = stmt.where(ProcessInstance.definition_id == query.definition_id)
    if query.definition_key is not None:
        stmt = stmt.where(ProcessInstance.definition_key == query.definition_key)
    if query.business_key is not None:
        stmt = stmt.where(ProcessInstance.business_key == query.business_key)
    if query.suspended is not None:
        stmt = stmt.where(ProcessInstance.suspended.is_(query.suspended))
    return stmt


def _require_staff(user: Principal, action: str) -> None:
    if not user.is_staff:
        raise Forbidden(f"user {user.id} may not {action}")


def cancel_instance(uow: UnitOfWork, instance_id: str, user: Principal, reason: Optional[str] = None,
                    fail_if_missing: bool = True) -> None:
    """DELETE /process-instance/{id}: end a running instance (staff only); suspended ones too, as in Camunda."""
    _require_staff(user, "cancel process instances")
    with uow:
        if _cancel(uow, instance_id, user, reason, fail_if_missing):
            uow.commit()


def cancel_instances(uow: UnitOfWork, instance_ids: list[str], user: Principal, reason: Optional[str] = None) -> int:
    """POST /process-instance/delete, synchronously: all of them in one transaction, or none if one is missing."""
    _require_staff(user, "cancel process instances")
    if not instance_ids:
        raise InvalidInput("no process instances to delete: give processInstanceIds or a processInstanceQuery")
    with uow:
        for instance_id in dict.fromkeys(instance_ids):
            _cancel(uow, instance_id, user, reason, True)
        uow.commit()
        return len(set(instance_ids))


def _cancel(uow: UnitOfWork, instance_id: str, user: Principal, reason: Optional[str],
            fail_if_missing: bool) -> bool:
    row = uow.session.get(ProcessInstance, instance_id)
    if row is None or row.status != "ACTIVE":
        if fail_if_missing:
            raise NotFound(f"process instance {instance_id} does not exist or has already ended")
        return False
    instance, definition, workflow = step.load(uow, instance_id, allow_suspended=True)
    since = time.time()
    engine.cancel(workflow)
    instance.status, instance.ended_at, instance.delete_reason = "EXTERNALLY_TERMINATED", utcnow(), reason
    audit(uow, instance_id, user.id, "instance_canceled", data={"deleteReason": reason})
    step.save(uow, instance, definition, workflow, user.id, since)
    uow.session.execute(update(Incident).where(Incident.instance_id == instance_id, Incident.status == "open")
                        .values(status="resolved", resolved_at=utcnow()))
    return True


@dataclass
class ActivityNode:
    row: ActivityInstance
    incident_ids: list[str]


def activity_tree(uow: UnitOfWork, instance_id: str, viewer: Principal
                  ) -> tuple[ProcessInstance, str, list[ActivityNode]]:
    """The instance, its definition's name, and the activities it currently stands in (from the history projection).

    Flat below the root: the projection does not record which subprocess an
    activity ran in.
    """
    with uow:
        instance = uow.session.get(ProcessInstance, instance_id)
        if instance is None or instance.status != "ACTIVE":
            raise NotFound(f"process instance {instance_id} does not exist or has ended")
        if not viewer.may_see_instance(instance.started_by):
            raise Forbidden(f"user {viewer.id} may not see process instance {instance_id}")
        rows = list(uow.session.scalars(
            select(ActivityInstance).where(ActivityInstance.instance_id == instance_id,
                                           ActivityInstance.ended_at.is_(None),
                                           ActivityInstance.activity_type.notin_(_HIDDEN_TYPES))
            .order_by(ActivityInstance.started_at, ActivityInstance.id)))
        incidents: dict[str, list[str]] = {}
        for incident in uow.session.scalars(select(Incident).where(Incident.instance_id == instance_id,
                                                                   Incident.status == "open")):
            incidents.setdefault(incident.task_id, []).append(incident.id)
        name = definition_row(uow, instance.definition_id).name
        return instance, name, [ActivityNode(r, incidents.get(r.id, [])) for r in rows]
