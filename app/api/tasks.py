"""User tasks: query, claim, unclaim, complete, form variables, deployed form."""
from __future__ import annotations

from flask import Response, jsonify, request

from app.api import bp, current_user, int_arg, json_body, shapes
from app.errors import InvalidInput
from app.services import tasks
from app.store import new_uow
from app.variables import from_rest, to_rest


def _query() -> tasks.TaskQuery:
    return tasks.TaskQuery(instance_id=request.args.get("processInstanceId"),
                           candidate_group=request.args.get("candidateGroup"),
                           candidate_user=request.args.get("candidateUser"),
                           assignee=request.args.get("assignee"),
                           unassigned=request.args.get("unassigned", "false").lower() == "true",
                           activity_id=request.args.get("taskDefinitionKey"),
                           first=int_arg("firstResult", 0), limit=min(int_arg("maxResults", 100), 1000))


@bp.get("/task")
def list_tasks():
    return jsonify([shapes.task(t) for t in tasks.list_tasks(new_uow(write=False), _query())])


@bp.get("/task/<task_id>")
def get_task(task_id: str):
    return jsonify(shapes.task(tasks.get_task(new_uow(write=False), task_id)))


@bp.post("/task/<task_id>/claim")
def claim(task_id: str):
    user_id = json_body().get("userId")
    if user_id is not None and not isinstance(user_id, str):
        raise InvalidInput("userId must be a string")
    tasks.claim(new_uow(), task_id, current_user(), user_id)
    return "", 204


@bp.post("/task/<task_id>/unclaim")
def unclaim(task_id: str):
    tasks.unclaim(new_uow(), task_id, current_user())
    return "", 204


@bp.post("/task/<task_id>/complete")
def complete(task_id: str):
    body = json_body()
    variables = tasks.complete(new_uow(), task_id, current_user(), from_rest(body.get("variables") or {}))
    if body.get("withVariablesInReturn"):
        return jsonify(to_rest(variables))
    return "", 204


@bp.get("/task/<task_id>/form-variables")
def form_variables(task_id: str):
    return jsonify(tasks.task_form_variables(new_uow(write=False), task_id))


@bp.get("/task/<task_id>/deployed-form")
def deployed_form(task_id: str):
    return Response(tasks.deployed_form(new_uow(write=False), task_id), mimetype="application/json")
