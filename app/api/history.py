"""History: finished and running instances, every activity they passed, and the audit trail."""
from __future__ import annotations

from flask import jsonify, request

from app.api import bp, shapes
from app.errors import InvalidInput
from app.services import instances
from app.store import new_uow
from app.variables import to_rest


@bp.get("/history/process-instance/<instance_id>")
def history_instance(instance_id: str):
    return jsonify(shapes.history_instance(instances.get_instance(new_uow(write=False), instance_id)))


@bp.get("/history/activity-instance")
def history_activities():
    instance_id = request.args.get("processInstanceId")
    if not instance_id:
        raise InvalidInput("processInstanceId is required")
    rows = instances.activity_history(new_uow(write=False), instance_id)
    return jsonify([shapes.activity(r) for r in rows])


@bp.get("/history/variable-instance")
def history_variables():
    instance_id = request.args.get("processInstanceId")
    if not instance_id:
        raise InvalidInput("processInstanceId is required")
    row = instances.get_instance(new_uow(write=False), instance_id)
    return jsonify([{"id": f"{row.id}:{name}", "name": name, **value, "processInstanceId": row.id,
                     "processDefinitionKey": row.definition_key, "processDefinitionId": row.definition_id,
                     "state": "CREATED"} for name, value in to_rest(row.variables).items()])


@bp.get("/history/audit/<instance_id>")
def history_audit(instance_id: str):
    instances.get_instance(new_uow(write=False), instance_id)
    rows = instances.audit_log(new_uow(write=False), instance_id)
    return jsonify([{"id": r.id, "time": shapes.camunda_date(r.at), "userId": r.actor, "action": r.action,
                     "activityId": r.activity_id, "taskId": r.task_id, "data": r.data} for r in rows])
