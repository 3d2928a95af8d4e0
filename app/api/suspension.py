"""Suspension of process instances and definitions (Camunda's PUT …/suspended operations)."""
from __future__ import annotations

from typing import Any

from app.api import bp, current_user, json_body
from app.api.body import flag, text
from app.errors import InvalidInput
from app.services import suspension
from app.store import new_uow


def _body(known: set[str]) -> dict[str, Any]:
    body = json_body()
    unknown = sorted(set(body) - known - {"suspended"})
    if unknown:
        raise InvalidInput(f"unsupported properties: {', '.join(unknown)}")
    if not isinstance(body.get("suspended"), bool):
        raise InvalidInput("suspended must be true or false")
    if body.get("executionDate") is not None:
        raise InvalidInput("executionDate is not supported: suspension takes effect at once")
    return body


@bp.put("/process-instance/<instance_id>/suspended")
def suspend_instance(instance_id: str):
    suspension.suspend_instance(new_uow(), instance_id, _body(set())["suspended"], current_user())
    return "", 204


@bp.put("/process-instance/suspended")
def suspend_instances():
    body = _body({"processDefinitionId", "processDefinitionKey"})
    suspension.suspend_instances(new_uow(), body["suspended"], current_user(),
                                 definition_id=text(body, "processDefinitionId"),
                                 definition_key=text(body, "processDefinitionKey"))
    return "", 204


_DEFINITION_FIELDS = {"includeProcessInstances", "executionDate"}


@bp.put("/process-definition/<definition_id>/suspended")
def suspend_definition(definition_id: str):
    body = _body(_DEFINITION_FIELDS)
    suspension.suspend_definitions(new_uow(), body["suspended"], current_user(), definition_id=definition_id,
                                   include_instances=flag(body, "includeProcessInstances"))
    return "", 204


@bp.put("/process-definition/key/<key>/suspended")
def suspend_definitions_by_key(key: str):
    body = _body(_DEFINITION_FIELDS)
    suspension.suspend_definitions(new_uow(), body["suspended"], current_user(), definition_key=key,
                                   include_instances=flag(body, "includeProcessInstances"))
    return "", 204


@bp.put("/process-definition/suspended")
def suspend_definitions():
    body = _body(_DEFINITION_FIELDS | {"processDefinitionId", "processDefinitionKey"})
    suspension.suspend_definitions(new_uow(), body["suspended"], current_user(),
                                   definition_id=text(body, "processDefinitionId"),
                                   definition_key=text(body, "processDefinitionKey"),
                                   include_instances=flag(body, "includeProcessInstances"))
    return "", 204
