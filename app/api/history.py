"""History: finished and running instances, every activity they passed, and the audit trail."""
from __future__ import annotations

from flask import jsonify, request

from app.api import bp, current_user, queries, shapes
from app.services.criteria import DATE, FLAG, LIKE, TEXT, TEXTS
from app.errors import InvalidInput
from app.services import instances
from app.store import new_uow
from app.api.variables import to_rest


#: the filters of GET /history/process-instance and its count (see app.api.queries)
HISTORY_FILTERS = {
    "processInstanceId": ("instance_id", TEXT), "processInstanceIds": ("instance_ids", TEXTS),
    "processDefinitionId": ("definition_id", TEXT), "processDefinitionKey": ("key", TEXT),
    "processDefinitionKeyIn": ("keys", TEXTS), "processInstanceBusinessKey": ("business_key", TEXT),
    "processInstanceBusinessKeyLike": ("business_key_like", LIKE),
    "finished": ("finished", FLAG), "unfinished": ("unfinished", FLAG),
    "startedBy": ("started_by", TEXT), "startedBefore": ("started_before", DATE),
    "startedAfter": ("started_after", DATE), "finishedBefore": ("finished_before", DATE),
    "finishedAfter": ("finished_after", DATE),
}
#: Camunda's state flags and the status each selects; only one may be true at a time
_STATES = {"active": "ACTIVE", "completed": "COMPLETED", "externallyTerminated": "EXTERNALLY_TERMINATED",
           "internallyTerminated": "INTERNALLY_TERMINATED"}


def _history_query() -> instances.InstanceQuery:
    filters = queries.from_args(HISTORY_FILTERS, queries.PAGING_ARGS | {"businessKey", *_STATES})
    chosen = [status for flag, status in _STATES.items() if queries.bool_arg(flag, False)]
    if len(chosen) > 1:
        raise InvalidInput(f"only one of {', '.join(_STATES)} may be true")
    short = request.args.get("businessKey")  # as on /process-instance; Camunda's own name is the long one
    if short is not None:
        if filters.setdefault("business_key", short) != short:
            raise InvalidInput("processInstanceBusinessKey and businessKey disagree")
    page = queries.paging()
    return instances.InstanceQuery(**filters, status=chosen[0] if chosen else None, first=page.first,
                                   limit=page.limit)


@bp.get("/history/process-instance")
def history_instances():
    rows = instances.list_instances(new_uow(write=False), _history_query(), current_user())
    return jsonify([shapes.history_instance(r) for r in rows])


@bp.get("/history/process-instance/count")
def count_history_instances():
    return jsonify({"count": instances.count_instances(new_uow(write=False), _history_query(), current_user())})


@bp.get("/history/process-instance/<instance_id>")
def history_instance(instance_id: str):
    return jsonify(shapes.history_instance(instances.get_instance(new_uow(write=False), instance_id, current_user())))


@bp.get("/history/activity-instance")
def history_activities():
    queries.check_args(queries.PAGING_ARGS | {"processInstanceId"})
    instance_id = request.args.get("processInstanceId")
    if not instance_id:
        raise InvalidInput("processInstanceId is required")
    rows = instances.activity_history(new_uow(write=False), instance_id, current_user())
    return jsonify([shapes.activity(r) for r in queries.paging().apply(rows)])


@bp.get("/history/variable-instance")
def history_variables():
    queries.check_args(queries.PAGING_ARGS | {"processInstanceId", "deserializeValues"})
    instance_id = request.args.get("processInstanceId")
    if not instance_id:
        raise InvalidInput("processInstanceId is required")
    row = instances.get_instance(new_uow(write=False), instance_id, current_user())
    typed = to_rest(row.variables, row.variable_types, queries.bool_arg("deserializeValues", True))
    return jsonify([{"id": f"{row.id}:{name}", "name": name, **value, "processInstanceId": row.id,
                     "processDefinitionKey": row.definition_key, "processDefinitionId": row.definition_id,
                     "state": "CREATED"} for name, value in queries.paging().apply(list(typed.items()))])


@bp.get("/history/audit/<instance_id>")
def history_audit(instance_id: str):
    queries.check_args(queries.PAGING_ARGS)
    rows = queries.paging().apply(instances.audit_log(new_uow(write=False), instance_id, current_user()))
    return jsonify([{"id": r.id, "time": shapes.camunda_date(r.at), "userId": r.actor, "action": r.action,
                     "activityId": r.activity_id, "taskId": r.task_id, "data": r.data} for r in rows])
