"""Historic process instances: the query with Camunda's body filters, and deleting finished history.

Deleting the history of an instance removes its row and, by the foreign keys,
its tasks, activities, timers and incidents. The audit log is append-only and
keeps its rows (history views no longer show them, since they list only
existing instances); the deletion itself is audited. Running instances are
refused: their history is still being written.
"""
from __future__ import annotations

from typing import Optional

from sqlalchemy import Select, delete, func, select

from app.db import UnitOfWork
from app.errors import Conflict, NotFound
from app.models import ProcessInstance
from app.services.accounts import require_admin
from app.services.audit import audit
from app.services.criteria import DATE, FLAG, LIKE, TEXT, TEXTS, Criteria, order_and_page, where
from app.services.users import Principal

INSTANCE_FILTERS = {"processInstanceId": TEXT, "processInstanceIds": TEXTS, "processInstanceBusinessKey": TEXT,
                    "processInstanceBusinessKeyLike": LIKE, "processDefinitionId": TEXT,
                    "processDefinitionKey": TEXT, "processDefinitionKeyIn": TEXTS, "startedBy": TEXT,
                    "finished": FLAG, "unfinished": FLAG, "active": FLAG, "completed": FLAG,
                    "internallyTerminated": FLAG, "externallyTerminated": FLAG, "startedBefore": DATE,
                    "startedAfter": DATE, "finishedBefore": DATE, "finishedAfter": DATE}
INSTANCE_SORT_KEYS = ("instanceId", "definitionId", "definitionKey", "businessKey", "startTime", "endTime")
_COLUMNS = {"processInstanceId": ProcessInstance.id, "processInstanceIds": ProcessInstance.id,
            "processInstanceBusinessKey": ProcessInstance.business_key,
            "processInstanceBusinessKeyLike": ProcessInstance.business_key,
            "processDefinitionId": ProcessInstance.definition_id,
            "processDefinitionKey": ProcessInstance.definition_key,
            "processDefinitionKeyIn": ProcessInstance.definition_key, "startedBy": ProcessInstance.started_by}
_SORT = {"instanceId": ProcessInstance.id, "definitionId": ProcessInstance.definition_id,
         "definitionKey": ProcessInstance.definition_key, "businessKey": ProcessInstance.business_key,
         "startTime": ProcessInstance.started_at, "endTime": ProcessInstance.ended_at}
# Camunda's state flags and the status each one means
_STATES = {"active": "ACTIVE", "completed": "COMPLETED", "internallyTerminated": "INTERNALLY_TERMINATED",
           "externallyTerminated": "EXTERNALLY_TERMINATED"}


def list_instances(uow: UnitOfWork, criteria: Criteria, viewer: Principal) -> list[ProcessInstance]:
    with uow:
        stmt = order_and_page(_filters(select(ProcessInstance), criteria, viewer), criteria, _SORT,
                              (ProcessInstance.started_at.desc(), ProcessInstance.id))
        return list(uow.session.scalars(stmt))


def count_instances(uow: UnitOfWork, criteria: Criteria, viewer: Principal) -> int:
    with uow:
        return uow.session.scalar(_filters(select(func.count(ProcessInstance.id)), criteria, viewer)) or 0


def _filters(stmt: Select, criteria: Criteria, viewer: Principal) -> Select:
    if not viewer.is_staff:
        stmt = stmt.where(ProcessInstance.started_by == viewer.id)
    stmt = where(stmt, criteria, _COLUMNS, INSTANCE_FILTERS)
    if criteria.flag("finished"):
        stmt = stmt.where(ProcessInstance.status != "ACTIVE")
    if criteria.flag("unfinished"):
        stmt = stmt.where(ProcessInstance.status == "ACTIVE")
    for flag, status in _STATES.items():
        if criteria.flag(flag):
            stmt = stmt.where(ProcessInstance.status == status)
    for name, column, before in (("startedBefore", ProcessInstance.started_at, True),
                                 ("startedAfter", ProcessInstance.started_at, False),
                                 ("finishedBefore", ProcessInstance.ended_at, True),
                                 ("finishedAfter", ProcessInstance.ended_at, False)):
        if criteria.get(name) is not None:
            stmt = stmt.where(column <= criteria.get(name) if before else column >= criteria.get(name))
    return stmt


def delete_history(uow: UnitOfWork, actor: Principal, instance_ids: Optional[list[str]],
                   criteria: Optional[Criteria], fail_if_missing: bool = True,
                   reason: Optional[str] = None) -> list[str]:
    """Delete the history of finished instances named by id and/or matched by a query; all or nothing.

    Returns the ids deleted. A running instance refuses the whole request (409);
    an unknown id does too (404) unless ``fail_if_missing`` is false.
    """
    require_admin(actor)
    with uow:
        wanted = set(instance_ids or [])
        if criteria is not None:
            wanted |= set(uow.session.scalars(_filters(select(ProcessInstance.id), criteria, actor)))
        rows = {r.id: r.status for r in uow.session.execute(
            select(ProcessInstance.id, ProcessInstance.status).where(ProcessInstance.id.in_(sorted(wanted))))}
        missing = sorted(wanted - set(rows))
        if missing and fail_if_missing:
            raise NotFound(f"historic process instance {', '.join(missing)} does not exist")
        running = sorted(i for i, status in rows.items() if status == "ACTIVE")
        if running:
            raise Conflict(f"process instance {', '.join(running)} is still running; only finished history "
                           f"can be deleted")
        if rows:
            uow.session.execute(delete(ProcessInstance).where(ProcessInstance.id.in_(sorted(rows))))
            for instance_id in sorted(rows):
                audit(uow, instance_id, actor.id, "history_deleted", data={"reason": reason} if reason else None)
        uow.commit()
        return sorted(rows)
