"""Running process instances and their variables."""
from __future__ import annotations

from typing import Optional

from flask import jsonify, request

from app.api import bp, current_user, int_arg, shapes
from app.errors import NotFound
from app.services import instances
from app.store import new_uow
from app.api.variables import to_rest


def _filters() -> dict[str, Optional[str]]:
    """The filters shared by the list and its count; only running instances, as in Camunda's runtime API."""
    return {"key": request.args.get("processDefinitionKey"), "business_key": request.args.get("businessKey"),
            "status": "ACTIVE"}


@bp.get("/process-instance")
def list_instances():
    rows = instances.list_instances(new_uow(write=False), current_user(), **_filters(),
                                    first=int_arg("firstResult", 0), limit=int_arg("maxResults", 100))
    return jsonify([shapes.instance(r) for r in rows])


@bp.get("/process-instance/count")
def count_instances():
    return jsonify({"count": instances.count_instances(new_uow(write=False), current_user(), **_filters())})


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
    return jsonify(to_rest(_active(instance_id).variables))


@bp.get("/process-instance/<instance_id>/variables/<name>")
def instance_variable(instance_id: str, name: str):
    row = _active(instance_id)
    if name not in row.variables:
        raise NotFound(f"variable {name} does not exist in process instance {instance_id}")
    return jsonify(to_rest({name: row.variables[name]})[name])
