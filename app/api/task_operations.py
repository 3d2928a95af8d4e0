"""Task operations: body count, assignee, delegate/resolve, identity links, BPMN error, form key, group report."""
from __future__ import annotations

from flask import jsonify, request

from app.api import bp, current_user, json_body
from app.api.body import refuse_unknown, text
from app.api.tasks import task_query_from_body
from app.api.variables import from_rest
from app.errors import InvalidInput
from app.services import task_operations, tasks
from app.store import new_uow


@bp.post("/task/count")
def count_tasks_by_body():
    """The filters of POST /task; like Camunda, sorting and paging do not apply to a count."""
    return jsonify({"count": tasks.count_tasks(new_uow(write=False), task_query_from_body(json_body()), current_user())})


@bp.post("/task/<task_id>/assignee")
def set_assignee(task_id: str):
    body = json_body()
    refuse_unknown(body, {"userId"})
    task_operations.set_assignee(new_uow(), task_id, text(body, "userId"), current_user())
    return "", 204


@bp.post("/task/<task_id>/delegate")
def delegate(task_id: str):
    body = json_body()
    refuse_unknown(body, {"userId"})
    task_operations.delegate(new_uow(), task_id, text(body, "userId") or "", current_user())
    return "", 204


@bp.post("/task/<task_id>/resolve")
def resolve(task_id: str):
    body = json_body()
    refuse_unknown(body, {"variables"})
    task_operations.resolve(new_uow(), task_id, from_rest(body.get("variables") or {}), current_user())
    return "", 204


@bp.get("/task/<task_id>/identity-links")
def identity_links(task_id: str):
    return jsonify(task_operations.identity_links(new_uow(write=False), task_id, current_user(),
                                                  request.args.get("type")))


def _link() -> dict:
    body = json_body()
    refuse_unknown(body, {"userId", "groupId", "type"})
    return {"userId": text(body, "userId"), "groupId": text(body, "groupId"), "type": text(body, "type")}


@bp.post("/task/<task_id>/identity-links")
def add_identity_link(task_id: str):
    task_operations.change_identity_link(new_uow(), task_id, _link(), True, current_user())
    return "", 204


@bp.post("/task/<task_id>/identity-links/delete")
def delete_identity_link(task_id: str):
    task_operations.change_identity_link(new_uow(), task_id, _link(), False, current_user())
    return "", 204


@bp.post("/task/<task_id>/bpmnError")
def bpmn_error(task_id: str):
    body = json_body()
    refuse_unknown(body, {"errorCode", "errorMessage", "variables"})
    code = text(body, "errorCode")
    if not code:
        raise InvalidInput("errorCode is required")
    task_operations.throw_bpmn_error(new_uow(), task_id, code, text(body, "errorMessage"),
                                     from_rest(body.get("variables") or {}), current_user())
    return "", 204


@bp.get("/task/<task_id>/form")
def form_key(task_id: str):
    key = task_operations.form_key(new_uow(write=False), task_id, current_user())
    return jsonify({"key": key, "contextPath": None, "camundaFormRef": None})


@bp.get("/task/report/candidate-group-count")
def candidate_group_count():
    counts = task_operations.candidate_group_counts(new_uow(write=False), current_user())
    return jsonify([{"groupName": group, "taskCount": count} for group, count in counts])
