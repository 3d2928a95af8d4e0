"""Suspending and activating instances and definitions, as Camunda does.

A suspended instance can be read but refuses every change (claim, complete,
variables, messages: ``step.load`` and the task operations check it) and its
timers do not fire until it is activated. A suspended definition refuses new
instances; with ``include_instances`` its running instances follow it.
Suspension is an UPDATE of the instance row, so it takes part in the row's
optimistic locking: a step that loaded the instance before it was suspended
loses with a conflict instead of slipping through.
"""
from __future__ import annotations

from typing import Optional

from sqlalchemy import select, update

from app.db import UnitOfWork
from app.errors import Forbidden, InvalidInput, NotFound
from app.models import HumanTask, ProcessDefinition, ProcessInstance
from app.services.audit import audit
from app.services.definitions import DEPLOYER_GROUP
from app.services.users import ADMIN_GROUP, Principal


def suspend_instance(uow: UnitOfWork, instance_id: str, suspended: bool, user: Principal) -> None:
    """PUT /process-instance/{id}/suspended (staff only)."""
    _require_staff(user)
    with uow:
        instance = uow.session.get(ProcessInstance, instance_id)
        if instance is None or instance.status != "ACTIVE":
            raise NotFound(f"process instance {instance_id} does not exist or has ended")
        _set_instances(uow, [instance], suspended, user)
        uow.commit()


def suspend_instances(uow: UnitOfWork, suspended: bool, user: Principal, definition_id: Optional[str] = None,
                      definition_key: Optional[str] = None) -> int:
    """PUT /process-instance/suspended: every running instance of one definition, or of every version of a key."""
    _require_staff(user)
    if (definition_id is None) == (definition_key is None):
        raise InvalidInput("give exactly one of processDefinitionId and processDefinitionKey")
    with uow:
        _definitions(uow, definition_id, definition_key)  # NotFound for an unknown definition
        instances = _running(uow, definition_id, definition_key)
        _set_instances(uow, instances, suspended, user)
        uow.commit()
        return len(instances)


def suspend_definitions(uow: UnitOfWork, suspended: bool, user: Principal, definition_id: Optional[str] = None,
                        definition_key: Optional[str] = None, include_instances: bool = False) -> None:
    """PUT /process-definition/{id}|key/{key}|/suspended: process owners and admins only.

    By key it means every version of that key, as in Camunda.
    """
    if not user.groups & {DEPLOYER_GROUP, ADMIN_GROUP}:
        raise Forbidden(f"user {user.id} may not suspend or activate process definitions")
    if (definition_id is None) == (definition_key is None):
        raise InvalidInput("give exactly one of processDefinitionId and processDefinitionKey")
    with uow:
        definitions = _definitions(uow, definition_id, definition_key)
        for definition in definitions:
            definition.suspended = suspended
            audit(uow, None, user.id, "definition_suspended" if suspended else "definition_activated",
                  data={"processDefinitionId": definition.id, "includeProcessInstances": include_instances})
        if include_instances:
            _set_instances(uow, _running(uow, definition_id, definition_key), suspended, user)
        uow.commit()


def _require_staff(user: Principal) -> None:
    if not user.is_staff:
        raise Forbidden(f"user {user.id} may not suspend or activate process instances")


def _definitions(uow: UnitOfWork, definition_id: Optional[str], key: Optional[str]) -> list[ProcessDefinition]:
    query = select(ProcessDefinition)
    query = query.where(ProcessDefinition.id == definition_id) if definition_id else query.where(
        ProcessDefinition.key == key)
    rows = list(uow.session.scalars(query))
    if not rows:
        raise NotFound(f"process definition {definition_id or key} does not exist")
    return rows


def _running(uow: UnitOfWork, definition_id: Optional[str], key: Optional[str]) -> list[ProcessInstance]:
    query = select(ProcessInstance).where(ProcessInstance.status == "ACTIVE").order_by(ProcessInstance.id)
    query = query.where(ProcessInstance.definition_id == definition_id) if definition_id else query.where(
        ProcessInstance.definition_key == key)
    return list(uow.session.scalars(query))


def _set_instances(uow: UnitOfWork, instances: list[ProcessInstance], suspended: bool, user: Principal) -> None:
    changed = [i for i in instances if i.suspended != suspended]
    for instance in changed:
        instance.suspended = suspended
        audit(uow, instance.id, user.id, "instance_suspended" if suspended else "instance_activated")
    uow.session.flush()  # versioned UPDATEs: a concurrent step on one of them now loses
    if changed:
        uow.session.execute(update(HumanTask).where(HumanTask.instance_id.in_([i.id for i in changed]),
                                                    HumanTask.status == "open").values(suspended=suspended))
