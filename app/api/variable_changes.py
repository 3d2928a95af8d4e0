"""Camunda's variable modification: POST …/variables, PUT and DELETE …/variables/{name}, on instances and tasks.

Values arrive typed (``{"value", "type", "valueInfo"}``) and go through the
same codec as every other variable; the change itself is one service call.
"""
from __future__ import annotations

from typing import Any

from flask import request

from app.api import bp, current_user, json_body
from app.api.variables import from_rest
from app.errors import InvalidInput
from app.services import variables
from app.store import new_uow


def _modification() -> tuple[dict[str, Any], list[str]]:
    body = json_body()
    unknown = sorted(set(body) - {"modifications", "deletions"})
    if unknown:
        raise InvalidInput(f"unknown fields {', '.join(unknown)}; send modifications and deletions")
    deletions = body.get("deletions") or []
    if not isinstance(deletions, list):
        raise InvalidInput("deletions must be a list of variable names")
    return from_rest(body.get("modifications") or {}), deletions


def _one(name: str) -> dict[str, Any]:
    if not request.get_data():
        raise InvalidInput("send the variable as {\"value\": ..., \"type\": ...}")
    return from_rest({name: json_body()})


@bp.post("/process-instance/<instance_id>/variables")
def modify_instance_variables(instance_id: str):
    modifications, deletions = _modification()
    variables.modify_instance_variables(new_uow(), instance_id, current_user(), modifications, deletions)
    return "", 204


@bp.put("/process-instance/<instance_id>/variables/<name>")
def put_instance_variable(instance_id: str, name: str):
    variables.modify_instance_variables(new_uow(), instance_id, current_user(), _one(name))
    return "", 204


@bp.delete("/process-instance/<instance_id>/variables/<name>")
def delete_instance_variable(instance_id: str, name: str):
    variables.modify_instance_variables(new_uow(), instance_id, current_user(), {}, [name])
    return "", 204


@bp.post("/task/<task_id>/variables")
def modify_task_variables(task_id: str):
    modifications, deletions = _modification()
    variables.modify_task_variables(new_uow(), task_id, current_user(), modifications, deletions)
    return "", 204


@bp.put("/task/<task_id>/variables/<name>")
def put_task_variable(task_id: str, name: str):
    variables.modify_task_variables(new_uow(), task_id, current_user(), _one(name))
    return "", 204


@bp.delete("/task/<task_id>/variables/<name>")
def delete_task_variable(task_id: str, name: str):
    variables.modify_task_variables(new_uow(), task_id, current_user(), {}, [name])
    return "", 204
