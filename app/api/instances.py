"""Running process instances and their variables."""
from __future__ import annotations

from flask import jsonify

from app.api import bp, current_user, queries, shapes
from app.services.criteria import LIKE, TEXT, TEXTS
from app.errors import NotFound
from app.services import instances
from app.store import new_uow
from app.api.variables import to_rest


#: the filters of GET /process-instance and its count; only running instances, as in Camunda's runtime API
INSTANCE_FILTERS = {
    "processInstanceIds": ("instance_ids", TEXTS), "processDefinitionId": ("definition_id", TEXT),
    "processDefinitionKey": ("key", TEXT), "processDefinitionKeyIn": ("keys", TEXTS),
    "businessKey": ("business_key", TEXT), "businessKeyLike": ("business_key_like", LIKE),
}


def _query() -> instances.InstanceQuery:
    page = queries.paging()
    return instances.InstanceQuery(**queries.from_args(INSTANCE_FILTERS, queries.PAGING_ARGS), status="ACTIVE",
                                   first=page.first, limit=page.limit)


@bp.get("/process-instance")
def list_instances():
    return jsonify([shapes.instance(r) for r in instances.list_instances(new_uow(write=False), _query(), current_user())])


@bp.get("/process-instance/count")
def count_instances():
    return jsonify({"count": instances.count_instances(new_uow(write=False), _query(), current_user())})


@bp.get("/process-instance/<instance_id>")
def get_instance(instance_id: str):
    return jsonify(shapes.instance(_active(instance_id)))


def _active(instance_id: str):
    row = instances.get_instance(new_uow(write=False), instance_id, current_user())
    if row.status != "ACTIVE":
        raise NotFound(f"process instance {instance_id} has ended; see /history/variable-instance")
    return row


@bp.get("/process-instance/<instance_id>/variables")
def instance_variables(instance_id: str):
    queries.check_args({"deserializeValues"})
    row = _active(instance_id)
    return jsonify(to_rest(row.variables, row.variable_types, queries.bool_arg("deserializeValues", True)))


@bp.get("/process-instance/<instance_id>/variables/<name>")
def instance_variable(instance_id: str, name: str):
    queries.check_args({"deserializeValue"})
    row = _active(instance_id)
    if name not in row.variables:
        raise NotFound(f"variable {name} does not exist in process instance {instance_id}")
    deserialize = queries.bool_arg("deserializeValue", True)
    return jsonify(to_rest({name: row.variables[name]}, row.variable_types, deserialize)[name])
