"""Task-local variables: /task/{id}/localVariables and its per-name resources."""
from __future__ import annotations

from flask import jsonify

from app.api import bp, current_user, json_body
from app.api.body import refuse_unknown
from app.api.variables import from_rest, to_rest
from app.errors import InvalidInput
from app.services import task_locals
from app.store import new_uow


@bp.get("/task/<task_id>/localVariables")
def local_variables(task_id: str):
    return jsonify(to_rest(task_locals.local_variables(new_uow(write=False), task_id, current_user())))


@bp.post("/task/<task_id>/localVariables")
def modify_local_variables(task_id: str):
    body = json_body()
    refuse_unknown(body, {"modifications", "deletions"})
    deletions = body.get("deletions") or []
    if not isinstance(deletions, list) or not all(isinstance(name, str) for name in deletions):
        raise InvalidInput("deletions must be a list of variable names")
    task_locals.modify(new_uow(), task_id, from_rest(body.get("modifications") or {}), deletions, current_user())
    return "", 204


@bp.get("/task/<task_id>/localVariables/<name>")
def local_variable(task_id: str, name: str):
    value = task_locals.local_variable(new_uow(write=False), task_id, name, current_user())
    return jsonify(to_rest({name: value})[name])


@bp.put("/task/<task_id>/localVariables/<name>")
def put_local_variable(task_id: str, name: str):
    task_locals.modify(new_uow(), task_id, from_rest({name: json_body()}), [], current_user())
    return "", 204


@bp.delete("/task/<task_id>/localVariables/<name>")
def delete_local_variable(task_id: str, name: str):
    task_locals.modify(new_uow(), task_id, {}, [name], current_user())
    return "", 204
