"""Starting instances and reading their state and history (from projections, not blobs)."""
from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from typing import Any, Optional

from sqlalchemy import Select, func, select

from app import engine
from app.db import UnitOfWork
from app.errors import Forbidden, NotFound
from app.forms import validate_submission
from app.models import ActivityInstance, AuditEntry, ProcessDefinition, ProcessInstance, utcnow
from app.services import runtime
from app.services.definitions import definition_row, latest_definition_id, process_spec
from app.services.forms import start_form
from app.services.users import Principal


def start_instance(uow: UnitOfWork, user: Principal, variables: dict[str, Any], key: Optional[str] = None,
                   definition_id: Optional[str] = None, business_key: Optional[str] = None) -> ProcessInstance:
    """Start the latest version of ``key`` (or an exact definition) and run it to its first wait."""
    with uow:
        definition = _definition(uow, key, definition_id)
        form = start_form(uow, definition)
        if form is not None:
            variables = validate_submission(form, variables)
        since = time.time()
        workflow = engine.new_workflow(process_spec(uow, definition), variables)
        engine.advance(workflow)
        instance = ProcessInstance(id=str(uuid.uuid4()), definition_id=definition.id, definition_key=definition.key,
                                   business_key=business_key, status="ACTIVE", state=b"", variables={},
                                   started_at=utcnow(), started_by=user.id)
        uow.session.add(instance)
        uow.session.flush()  # projections reference the instance row
        runtime.audit(uow, instance.id, user.id, "instance_started", data={"variables": runtime.jsonable(variables)})
        runtime.save(uow, instance, definition, workflow, user.id, since)
        uow.commit()
        return instance


def get_instance(uow: UnitOfWork, instance_id: str, viewer: Principal) -> ProcessInstance:
    with uow:
        return _visible_instance(uow, instance_id, viewer)


def _visible_instance(uow: UnitOfWork, instance_id: str, viewer: Principal) -> ProcessInstance:
    instance = uow.session.get(ProcessInstance, instance_id)
    if instance is None:
        raise NotFound(f"process instance {instance_id} does not exist")
    if not viewer.may_see_instance(instance.started_by):
        raise Forbidden(f"user {viewer.id} may not see process instance {instance_id}")
    return instance


def list_instances(uow: UnitOfWork, viewer: Principal, key: Optional[str] = None, business_key: Optional[str] = None,
                   status: Optional[str] = None, first: int = 0, limit: int = 100) -> list[ProcessInstance]:
    with uow:
        query = _instance_filters(select(ProcessInstance), viewer, key=key, business_key=business_key,
                                  status=status)
        query = query.order_by(ProcessInstance.started_at.desc(), ProcessInstance.id)
        return list(uow.session.scalars(query.offset(first).limit(limit)))


def count_instances(uow: UnitOfWork, viewer: Principal, key: Optional[str] = None,
                    business_key: Optional[str] = None, status: Optional[str] = None) -> int:
    """What ``list_instances`` would return without paging, counted by the database."""
    with uow:
        query = _instance_filters(select(func.count(ProcessInstance.id)), viewer, key=key,
                                  business_key=business_key, status=status)
        return uow.session.scalar(query) or 0


@dataclass
class HistoryQuery:
    """Filters of the historic instance list; ``finished`` and ``unfinished`` together match nothing, as in Camunda."""

    instance_id: Optional[str] = None
    key: Optional[str] = None
    business_key: Optional[str] = None
    finished: bool = False
    unfinished: bool = False
    first: int = 0
    limit: int = 100


def list_history(uow: UnitOfWork, query: HistoryQuery, viewer: Principal) -> list[ProcessInstance]:
    """Instances running or ended, newest first: the ``process_instance`` row is its own history."""
    with uow:
        stmt = _history_filters(select(ProcessInstance), query, viewer)
        stmt = stmt.order_by(ProcessInstance.started_at.desc(), ProcessInstance.id)
        return list(uow.session.scalars(stmt.offset(query.first).limit(query.limit)))


def count_history(uow: UnitOfWork, query: HistoryQuery, viewer: Principal) -> int:
    with uow:
        return uow.session.scalar(_history_filters(select(func.count(ProcessInstance.id)), query, viewer)) or 0


def _instance_filters(stmt: Select, viewer: Principal, key: Optional[str] = None, business_key: Optional[str] = None,
                      status: Optional[str] = None, instance_id: Optional[str] = None) -> Select:
    """The list filters, plus what the viewer may see: a requester only the tickets they reported."""
    if not viewer.is_staff:
        stmt = stmt.where(ProcessInstance.started_by == viewer.id)
    if instance_id:
        stmt = stmt.where(ProcessInstance.id == instance_id)
    if key:
        stmt = stmt.where(ProcessInstance.definition_key == key)
    if business_key:
        stmt = stmt.where(ProcessInstance.business_key == business_key)
    if status:
        stmt = stmt.where(ProcessInstance.status == status)
    return stmt


def _history_filters(stmt: Select, query: HistoryQuery, viewer: Principal) -> Select:
    stmt = _instance_filters(stmt, viewer, key=query.key, business_key=query.business_key, instance_id=query.instance_id)
    if query.finished:
        stmt = stmt.where(ProcessInstance.status != "ACTIVE")
    if query.unfinished:
        stmt = stmt.where(ProcessInstance.status == "ACTIVE")
    return stmt


def start_form_key(uow: UnitOfWork, key: Optional[str] = None, definition_id: Optional[str] = None) -> Optional[str]:
    """The start event's form key as Tasklist reads it, or None when the process starts without a form.

    A linked Camunda Form is named ``camunda-forms:deployment:FORM_ID``, the
    same form key the process's user tasks report.
    """
    with uow:
        definition = _definition(uow, key, definition_id)
        spec = definition.meta.get("start") or {}
        if spec.get("form_ref"):
            return f"camunda-forms:deployment:{spec['form_ref']}"
        return spec.get("form_key")


def _definition(uow: UnitOfWork, key: Optional[str], definition_id: Optional[str]) -> ProcessDefinition:
    """The given version, or the latest of ``key``; every start asks, so only the id is read each time."""
    if not definition_id:
        definition_id = latest_definition_id(uow, key)
        if definition_id is None:
            raise NotFound(f"process definition {key} does not exist")
    return definition_row(uow, definition_id)


def activity_history(uow: UnitOfWork, instance_id: str, viewer: Principal) -> list[ActivityInstance]:
    with uow:
        _visible_instance(uow, instance_id, viewer)
        return list(uow.session.scalars(select(ActivityInstance).where(ActivityInstance.instance_id == instance_id)
                                        .order_by(ActivityInstance.started_at, ActivityInstance.ended_at)))


def audit_log(uow: UnitOfWork, instance_id: str, viewer: Principal) -> list[AuditEntry]:
    with uow:
        _visible_instance(uow, instance_id, viewer)
        return list(uow.session.scalars(select(AuditEntry).where(AuditEntry.instance_id == instance_id)
                                        .order_by(AuditEntry.id)))
