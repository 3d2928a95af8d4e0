"""Runtime variable instances (GET and POST queries, count, one by id, its data) and the engine version."""
from __future__ import annotations

from typing import Any, Optional

from flask import jsonify, request

from app.api import bp, current_user, json_body, queries
from app.api.variables import to_rest
from app.errors import InvalidInput
from app.services import variable_instances as service
from app.services.criteria import LIKE, TEXT, TEXTS
from app.store import new_uow

#: The Camunda 7 REST version whose shapes this API follows.
CAMUNDA_VERSION = "7.22.0"
_FILTERS = {"variableName": ("name", TEXT), "variableNameLike": ("name_like", LIKE), "processInstanceIdIn": TEXTS,
            "executionIdIn": TEXTS, "activityInstanceIdIn": TEXTS}
#: the ids that each name the instance here (an execution and an activity instance are the instance itself)
_ID_LISTS = ("processInstanceIdIn", "executionIdIn", "activityInstanceIdIn")
#: ``variableValues`` is text in a query and a list of objects in a body, so it is read beside the spec
_VALUES = "variableValues"


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


def _variable_query(filters: dict[str, Any], values: list[tuple[str, str, Any]]) -> service.VariableQuery:
    ids = [i for name in _ID_LISTS for i in filters.pop(name, [])]
    return service.VariableQuery(**filters, instance_ids=ids, values=values)


def _query(also_allowed: frozenset[str] = frozenset()) -> service.VariableQuery:
    """GET: the filters of the query string."""
    filters = queries.from_args(_FILTERS, {_VALUES, *also_allowed})
    return _variable_query(filters, _values_from_text(request.args.get(_VALUES)))


def _body_query() -> service.VariableQuery:
    """POST: the filters and a sorting of one entry from the JSON body."""
    body = json_body()
    result = _variable_query(queries.from_body(_FILTERS, body, {_VALUES, "sorting"}),
                             _values_from_body(body.get(_VALUES)))
    result.sort_by, result.descending = queries.one_sort(queries.body_sorting(body.get("sorting"), service.SORT_KEYS))
    return result


def _shape(row: service.VariableRow) -> dict[str, Any]:
    return {"id": row.id, "name": row.name, **to_rest({row.name: row.value})[row.name],
            "processDefinitionId": row.instance.definition_id, "processInstanceId": row.instance.id,
            "executionId": row.instance.id, "activityInstanceId": row.instance.id, "caseInstanceId": None,
            "caseExecutionId": None, "taskId": None, "batchId": None, "errorMessage": None, "tenantId": None}


@bp.get("/variable-instance")
def list_variable_instances():
    # deserializeValues changes nothing: values are plain JSON here, serialized and deserialized alike
    filters = _query(queries.LIST_ARGS | {"deserializeValues"})
    queries.bool_arg("deserializeValues")
    filters.sort_by, filters.descending = queries.one_sort(queries.args_sorting(service.SORT_KEYS))
    page = queries.paging()
    filters.first, filters.limit = page.first, page.limit
    return jsonify([_shape(r) for r in service.query_variables(new_uow(write=False), current_user(), filters)])


@bp.post("/variable-instance")
def query_variable_instances():
    queries.check_args(queries.PAGING_ARGS | {"deserializeValues"})
    queries.bool_arg("deserializeValues")
    filters = _body_query()
    page = queries.paging()
    filters.first, filters.limit = page.first, page.limit
    return jsonify([_shape(r) for r in service.query_variables(new_uow(write=False), current_user(), filters)])


@bp.get("/variable-instance/count")
def count_variable_instances():
    return jsonify({"count": service.count_variables(new_uow(write=False), current_user(), _query())})


@bp.post("/variable-instance/count")
def query_variable_instances_count():
    queries.check_args()
    return jsonify({"count": service.count_variables(new_uow(write=False), current_user(), _body_query())})


@bp.get("/variable-instance/<variable_id>")
def get_variable_instance(variable_id: str):
    queries.check_args({"deserializeValue"})
    queries.bool_arg("deserializeValue")
    return jsonify(_shape(service.get_variable(new_uow(write=False), current_user(), variable_id)))


@bp.get("/variable-instance/<variable_id>/data")
def variable_instance_data(variable_id: str):
    """Camunda serves Bytes and File variables here; this engine stores neither, so every variable is a 400."""
    queries.check_args()
    row = service.get_variable(new_uow(write=False), current_user(), variable_id)
    kind = to_rest({row.name: row.value})[row.name]["type"]
    raise InvalidInput(f"variable instance {variable_id} is of type {kind}, not Bytes or File; read its value instead")


@bp.get("/version")
def version():
    return jsonify({"version": CAMUNDA_VERSION})
