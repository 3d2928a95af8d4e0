"""Process definitions: list, read, XML, start form, start an instance (directly or by submitting the start form)."""
from __future__ import annotations

from flask import jsonify, request

from app.api import bp, current_user, json_body, queries, shapes
from app.services import definitions, instances, starters
from app.store import new_uow
from app.errors import InvalidInput
from app.api.variables import from_rest, object_info, to_rest


def _definitions() -> list:
    """The rows GET /process-definition and its count share: filtered by ``key``, ``latestVersion`` and
    ``startableBy`` (the versions that user may start; none for an unknown or inactive user)."""
    queries.check_args(queries.PAGING_ARGS | {"key", "latestVersion", "startableBy"})
    rows = definitions.list_definitions(new_uow(write=False), key=request.args.get("key"),
                                        latest_only=queries.bool_arg("latestVersion", False))
    starter_id = request.args.get("startableBy")
    if starter_id is None:
        return rows
    starter = starters.principal_of(new_uow(write=False), starter_id)
    return [row for row in rows if starter is not None and starters.may_start(starter, row)]


@bp.get("/process-definition")
def list_definitions():
    return jsonify([shapes.definition(r) for r in queries.paging().apply(_definitions())])


@bp.get("/process-definition/count")
def count_definitions():
    return jsonify({"count": len(_definitions())})


@bp.get("/process-definition/<definition_id>")
def get_definition(definition_id: str):
    return jsonify(shapes.definition(definitions.get_definition(new_uow(write=False), definition_id=definition_id)))


@bp.get("/process-definition/key/<key>")
def get_definition_by_key(key: str):
    return jsonify(shapes.definition(definitions.get_definition(new_uow(write=False), key=key)))


@bp.get("/process-definition/<definition_id>/xml")
def definition_xml(definition_id: str):
    row, xml = definitions.definition_xml(new_uow(write=False), definition_id=definition_id)
    return jsonify({"id": row.id, "bpmn20Xml": xml})


@bp.get("/process-definition/key/<key>/xml")
def definition_xml_by_key(key: str):
    row, xml = definitions.definition_xml(new_uow(write=False), key=key)
    return jsonify({"id": row.id, "bpmn20Xml": xml})


def _start(**which):
    body = json_body()
    payload = body.get("variables") or {}
    variables = from_rest(payload)
    business_key = body.get("businessKey")
    if business_key is not None and not isinstance(business_key, str):
        raise InvalidInput("businessKey must be a string")
    row = instances.start_instance(new_uow(), current_user(), variables, business_key=business_key,
                                   object_info=object_info(payload), **which)
    result = shapes.instance(row)
    if body.get("withVariablesInReturn"):
        result["variables"] = to_rest(row.variables, row.variable_types)
    return jsonify(result)


# Tasklist starts through submit-form; the start form is checked on every start, so both are start.
@bp.post("/process-definition/key/<key>/start")
@bp.post("/process-definition/key/<key>/submit-form")
def start_by_key(key: str):
    return _start(key=key)


@bp.post("/process-definition/<definition_id>/start")
@bp.post("/process-definition/<definition_id>/submit-form")
def start_by_id(definition_id: str):
    return _start(definition_id=definition_id)


def _start_form(**which):
    """Tasklist asks for the start form before it starts; a form-less process answers key null (Camunda: 400)."""
    key = instances.start_form_key(new_uow(write=False), **which)
    return jsonify({"key": key, "contextPath": None})


@bp.get("/process-definition/key/<key>/startForm")
def start_form_by_key(key: str):
    return _start_form(key=key)


@bp.get("/process-definition/<definition_id>/startForm")
def start_form_by_id(definition_id: str):
    return _start_form(definition_id=definition_id)

