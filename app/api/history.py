"""History: finished and running instances, every activity they passed, and the audit trail."""
from __future__ import annotations

from typing import Optional

from flask import jsonify, request

from app.api import bp, current_user, int_arg, shapes
from app.errors import InvalidInput
from app.services import instances
from app.store import new_uow
from app.api.variables import to_rest


def _flag(name: str) -> bool:
    """A boolean query parameter; anything but true/false is a 400 rather than a silent false."""
    raw = request.args.get(name)
    if raw is None:
        return False
    if raw.lower() not in ("true", "false"):
        raise InvalidInput(f"query parameter {name} must be true or false")
    return raw.lower() == "true"


def _business_key() -> Optional[str]:
    """Camunda names this filter processInstanceBusinessKey; businessKey (as on /process-instance) works too."""
    camunda, short = request.args.get("processInstanceBusinessKey"), request.args.get("businessKey")
    if camunda is not None and short is not None and camunda != short:
        raise InvalidInput("processInstanceBusinessKey and businessKey disagree")
    return camunda if camunda is not None else short


def _history_query(first: int = 0, limit: int = 100) -> instances.HistoryQuery:
    return instances.HistoryQuery(instance_id=request.args.get("processInstanceId"),
                                  key=request.args.get("processDefinitionKey"), business_key=_business_key(),
                                  finished=_flag("finished"), unfinished=_flag("unfinished"),
                                  first=first, limit=limit)


@bp.get("/history/process-instance")
def history_instances():
    query = _history_query(int_arg("firstResult", 0), int_arg("maxResults", 100))
    return jsonify([shapes.history_instance(r) for r in instances.list_history(new_uow(write=False), query, current_user())])


@bp.get("/history/process-instance/count")
def count_history_instances():
    return jsonify({"count": instances.count_history(new_uow(write=False), _history_query(), current_user())})


@bp.get("/history/process-instance/<instance_id>")
def history_instance(instance_id: str):
    return jsonify(shapes.history_instance(instances.get_instance(new_uow(write=False), instance_id, current_user())))


@bp.get("/history/activity-instance")
def history_activities():
    instance_id = request.args.get("processInstanceId")
    if not instance_id:
        raise InvalidInput("processInstanceId is required")
    rows = instances.activity_history(new_uow(write=False), instance_id, current_user())
    return jsonify([shapes.activity(r) for r in rows])


@bp.get("/history/variable-instance")
def history_variables():
    instance_id = request.args.get("processInstanceId")
    if not instance_id:
        raise InvalidInput("processInstanceId is required")
    row = instances.get_instance(new_uow(write=False), instance_id, current_user())
    return jsonify([{"id": f"{row.id}:{name}", "name": name, **value, "processInstanceId": row.id,
                     "processDefinitionKey": row.definition_key, "processDefinitionId": row.definition_id,
                     "state": "CREATED"} for name, value in to_rest(row.variables).items()])


@bp.get("/history/audit/<instance_id>")
def history_audit(instance_id: str):
    rows = instances.audit_log(new_uow(write=False), instance_id, current_user())
    return jsonify([{"id": r.id, "time": shapes.camunda_date(r.at), "userId": r.actor, "action": r.action,
                     "activityId": r.activity_id, "taskId": r.task_id, "data": r.data} for r in rows])
