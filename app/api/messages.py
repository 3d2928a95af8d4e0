"""POST /message and POST /signal: Camunda's message correlation and signal broadcast."""
from __future__ import annotations

from typing import Any

from flask import jsonify

from app.api import bp, current_user, json_body, shapes
from app.api.body import flag, refuse_unknown, text
from app.api.variables import from_rest, to_rest
from app.errors import InvalidInput
from app.services import messages
from app.store import new_uow

_MESSAGE_FIELDS = {"messageName", "businessKey", "processInstanceId", "correlationKeys", "processVariables",
                   "processVariablesLocal", "all", "resultEnabled", "variablesInResultEnabled", "tenantId",
                   "withoutTenantId", "localCorrelationKeys", "processVariablesToTriggeredScope"}
_SIGNAL_FIELDS = {"name", "executionId", "variables", "tenantId", "withoutTenantId"}


def _no_local_keys(body: dict[str, Any], name: str) -> None:
    if body.get(name):
        raise InvalidInput(f"{name} is not supported: executions here have no local variables")


@bp.post("/message")
def correlate_message():
    """Camunda's ``processVariablesLocal`` are set like ``processVariables``: executions have no local scope here."""
    body = json_body()
    refuse_unknown(body, _MESSAGE_FIELDS)
    _no_local_keys(body, "localCorrelationKeys")
    _no_local_keys(body, "processVariablesToTriggeredScope")
    variables = {**from_rest(body.get("processVariables") or {}),
                 **from_rest(body.get("processVariablesLocal") or {})}
    request = messages.Correlation(
        message_name=text(body, "messageName") or "", business_key=text(body, "businessKey"),
        instance_id=text(body, "processInstanceId"),
        correlation_keys=from_rest(body.get("correlationKeys") or {}), variables=variables, all=flag(body, "all"))
    with_variables = flag(body, "variablesInResultEnabled")
    results = messages.correlate(new_uow(), request, current_user())
    if not flag(body, "resultEnabled"):
        return "", 204
    return jsonify([_result(r, with_variables) for r in results])


def _result(result: messages.CorrelationResult, with_variables: bool) -> dict[str, Any]:
    row = result.instance
    shown: dict[str, Any] = {"resultType": result.result_type, "execution": None, "processInstance": None}
    if result.result_type == "Execution":
        shown["execution"] = {"id": row.id, "processInstanceId": row.id, "ended": row.status != "ACTIVE",
                              "tenantId": None}
    else:
        shown["processInstance"] = shapes.instance(row)
    if with_variables:
        shown["variables"] = to_rest(result.variables)
    return shown


@bp.post("/signal")
def throw_signal():
    body = json_body()
    refuse_unknown(body, _SIGNAL_FIELDS)
    messages.signal(new_uow(), text(body, "name") or "", from_rest(body.get("variables") or {}), current_user(),
                    instance_id=text(body, "executionId"))
    return "", 204
