"""Starting instances and reading their state and history (from projections, not blobs)."""
from __future__ import annotations

import time
import uuid
from typing import Any, Optional

from sqlalchemy import select

from app import engine
from app.db import UnitOfWork
from app.errors import NotFound
from app.forms import validate_submission
from app.models import ActivityInstance, AuditEntry, ProcessDefinition, ProcessInstance, utcnow
from app.services import runtime
from app.services.definitions import latest_definition_row, process_spec
from app.services.forms import start_form
from app.services.users import Principal


def start_instance(uow: UnitOfWork, user: Principal, variables: dict[str, Any], key: Optional[str] = None,
                   definition_id: Optional[str] = None, business_key: Optional[str] = None) -> ProcessInstance:
    """Start the latest version of ``key`` (or an exact definition) and run it to its first wait."""
    with uow:
        definition = (uow.session.get(ProcessDefinition, definition_id) if definition_id
                      else latest_definition_row(uow, key))
        if definition is None:
            raise NotFound(f"process definition {definition_id or key} does not exist")
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


def get_instance(uow: UnitOfWork, instance_id: str) -> ProcessInstance:
    with uow:
        instance = uow.session.get(ProcessInstance, instance_id)
        if instance is None:
            raise NotFound(f"process instance {instance_id} does not exist")
        return instance


def list_instances(uow: UnitOfWork, key: Optional[str] = None, business_key: Optional[str] = None,
                   status: Optional[str] = None, first: int = 0, limit: int = 100) -> list[ProcessInstance]:
    with uow:
        query = select(ProcessInstance).order_by(ProcessInstance.started_at.desc())
        if key:
            query = query.where(ProcessInstance.definition_key == key)
        if business_key:
            query = query.where(ProcessInstance.business_key == business_key)
        if status:
            query = query.where(ProcessInstance.status == status)
        return list(uow.session.scalars(query.offset(first).limit(limit)))


def activity_history(uow: UnitOfWork, instance_id: str) -> list[ActivityInstance]:
    with uow:
        return list(uow.session.scalars(select(ActivityInstance).where(ActivityInstance.instance_id == instance_id)
                                        .order_by(ActivityInstance.started_at, ActivityInstance.ended_at)))


def audit_log(uow: UnitOfWork, instance_id: str) -> list[AuditEntry]:
    with uow:
        return list(uow.session.scalars(select(AuditEntry).where(AuditEntry.instance_id == instance_id)
                                        .order_by(AuditEntry.id)))
