"""Runtime variable instances (GET and POST queries, count, one by id, its data) and the engine version."""
from __future__ import annotations

from typing import Any, Optional

from flask import jsonify

from app.api import bp, current_user, json_body, query
from app.api.variables import to_rest
from app.errors import InvalidInput
from app.services import variable_instances as service
from app.store import new_uow

#: The Camunda 7 REST version whose shapes this API follows.
CAMUNDA_VERSION = "7.22.0"
_FILTERS = ("variableName", "variableNameLike", "processInstanceIdIn", "executionIdIn", "activityInstanceIdIn",
            "variableValues")
_BODY = (*_FILTERS, "sorting")


def _values_from_text(raw: Optional[str]) -> list[tuple[str, str, Any]]:
    """``name_op_value`` items, comma-separated; the value is text (Camunda parses numbers and booleans too)."""
    result = []
    for item in (raw.split(",") if raw else []):
        parts = item.split("_")
        if len(parts) < 3:
            raise InvalidInput(f"variableValues item {item!r} must be name_operator_value")
        op_index = next((i for i in range(1, len(parts) - 1) if parts[i] in ("eq", "neq", "gt", "gteq", "lt",
                                                                           "lteq", "like")), None)
        if op_index is None:
            raise InvalidInput(f"variableValues item {item!r} has no operator (eq, neq, gt, gteq, lt, lteq, like)")
        text = "_".join(parts[op_index + 1:])
        result.append(("_".join(parts[:op_index]), parts[op_index], _typed_text(text)))
    return result


def _typed_text(text: str) -> Any:
    if text in ("true", "false"):
        return text == "true"
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def _values_from_body(raw: Any) -> list[tuple[str, str, Any]]:
    if raw is None:
        return []
    if not isinstance(raw, list) or not all(isinstance(v, dict) and isinstance(v.get("name"), str)
                                            and isinstance(v.get("operator"), str) for v in raw):
        raise InvalidInput("variableValues must be a list of {name, operator, value}")
    return [(v["name"], v["operator"], v.get("value")) for v in raw]


def _query(body: Optional[dict[str, Any]] = None) -> service.VariableQuery:
    instance_ids = [i for name in ("processInstanceIdIn", "executionIdIn", "activityInstanceIdIn")
                    for i in query.text_list(name, body)]
    values = _values_from_body(body.get("variableValues")) if body is not None \
        else _values_from_text(query.text("variableValues"))
    return service.VariableQuery(name=query.text("variableName", body), name_like=query.text("variableNameLike", body),
                                 instance_ids=instance_ids, values=values)


def _body_query() -> service.VariableQuery:
    body = json_body()
    unknown = sorted(set(body) - set(_BODY))
    if unknown:
        raise InvalidInput(f"unsupported variable query properties: {', '.join(unknown)}")
    result = _query(body)
    sorting = body.get("sorting")
    if sorting is not None:
        if not isinstance(sorting, list) or len(sorting) != 1 or not isinstance(sorting[0], dict) \
                or sorting[0].get("sortOrder") not in ("asc", "desc"):
            raise InvalidInput("sorting must be a list of one {sortBy, sortOrder}")
        result.sort_by, result.descending = sorting[0].get("sortBy"), sorting[0]["sortOrder"] == "desc"
    return result


def _shape(row: service.VariableRow) -> dict[str, Any]:
    return {"id": row.id, "name": row.name, **to_rest({row.name: row.value})[row.name],
            "processDefinitionId": row.instance.definition_id, "processInstanceId": row.instance.id,
            "executionId": row.instance.id, "activityInstanceId": row.instance.id, "caseInstanceId": None,
            "caseExecutionId": None, "taskId": None, "batchId": None, "errorMessage": None, "tenantId": None}


@bp.get("/variable-instance")
def list_variable_instances():
    query.only(*_FILTERS, "deserializeValues", "sortBy", "sortOrder", *query.PAGING)
    query.flag("deserializeValues")  # values are plain JSON here: serialized and deserialized are the same
    filters = _query()
    filters.sort_by, filters.descending = query.sorting(service.SORT_KEYS)
    filters.first, filters.limit = query.paging()
    return jsonify([_shape(r) for r in service.query_variables(new_uow(write=False), current_user(), filters)])


@bp.post("/variable-instance")
def query_variable_instances():
    query.only("deserializeValues", *query.PAGING)
    query.flag("deserializeValues")
    filters = _body_query()
    filters.first, filters.limit = query.paging()
    return jsonify([_shape(r) for r in service.query_variables(new_uow(write=False), current_user(), filters)])


@bp.get("/variable-instance/count")
def count_variable_instances():
    query.only(*_FILTERS)
    return jsonify({"count": service.count_variables(new_uow(write=False), current_user(), _query())})


@bp.post("/variable-instance/count")
def query_variable_instances_count():
    query.only()
    return jsonify({"count": service.count_variables(new_uow(write=False), current_user(), _body_query())})


@bp.get("/variable-instance/<variable_id>")
def get_variable_instance(variable_id: str):
    query.only("deserializeValue")
    query.flag("deserializeValue")
    return jsonify(_shape(service.get_variable(new_uow(write=False), current_user(), variable_id)))


@bp.get("/variable-instance/<variable_id>/data")
def variable_instance_data(variable_id: str):
    """Camunda serves Bytes and File variables here; this engine stores neither, so every variable is a 400."""
    query.only()
    row = service.get_variable(new_uow(write=False), current_user(), variable_id)
    kind = to_rest({row.name: row.value})[row.name]["type"]
    raise InvalidInput(f"variable instance {variable_id} is of type {kind}, not Bytes or File; read its value instead")


@bp.get("/version")
def version():
    return jsonify({"version": CAMUNDA_VERSION})
