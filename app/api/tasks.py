"""User tasks: query (GET, or POST with a JSON body), count, claim, unclaim, complete, variables, forms."""
from __future__ import annotations

from typing import Any, Optional

from flask import Response, jsonify, request

from app.api import bp, current_user, int_arg, json_body, shapes
from app.errors import InvalidInput
from app.services import tasks
from app.store import new_uow
from app.api.variables import form_to_rest, from_rest, to_rest

# filters that GET takes as query parameters and POST /task as body properties
_TEXT_FILTERS = {"processInstanceId": "instance_id", "candidateGroup": "candidate_group",
                 "candidateUser": "candidate_user", "assignee": "assignee", "taskDefinitionKey": "activity_id"}
_MAX_RESULTS = 1000


def _paging() -> dict[str, int]:
    return {"first": int_arg("firstResult", 0), "limit": min(int_arg("maxResults", 100), _MAX_RESULTS)}


def _sort_pair(sort_by: Any, sort_order: Any) -> tuple[tuple[str, str], ...]:
    """Camunda refuses one of sortBy/sortOrder without the other rather than guess a default."""
    if sort_by is None and sort_order is None:
        return ()
    if sort_by is None or sort_order is None:
        raise InvalidInput("sortBy and sortOrder must be given together")
    if not isinstance(sort_by, str) or not isinstance(sort_order, str):
        raise InvalidInput("sortBy and sortOrder must be strings")
    return ((sort_by, sort_order),)


def _filters() -> dict[str, Any]:
    """The filters of GET /task and GET /task/count, from query parameters."""
    filters: dict[str, Any] = {field: request.args.get(name) for name, field in _TEXT_FILTERS.items()}
    return {**filters, "unassigned": request.args.get("unassigned", "false").lower() == "true"}


def _query() -> tasks.TaskQuery:
    """GET /task: the filters, a sort and a page."""
    return tasks.TaskQuery(**_filters(), sorting=_sort_pair(request.args.get("sortBy"), request.args.get("sortOrder")),
                           **_paging())


def _body_query(body: dict[str, Any]) -> tasks.TaskQuery:
    """The task query of POST /task: the GET filters as JSON properties; other properties are ignored."""
    filters: dict[str, Optional[str]] = {}
    for name, field in _TEXT_FILTERS.items():
        value = body.get(name)
        if value is not None and not isinstance(value, str):
            raise InvalidInput(f"{name} must be a string")
        filters[field] = value
    unassigned = body.get("unassigned")
    if unassigned is not None and not isinstance(unassigned, bool):
        raise InvalidInput("unassigned must be a boolean")
    return tasks.TaskQuery(**filters, unassigned=bool(unassigned), sorting=_body_sorting(body.get("sorting")),
                           **_paging())


def _body_sorting(sorting: Any) -> tuple[tuple[str, str], ...]:
    """Camunda's ``sorting`` list of ``{"sortBy", "sortOrder"}``, most significant first."""
    if sorting is None:
        return ()
    if not isinstance(sorting, list) or not all(isinstance(item, dict) for item in sorting):
        raise InvalidInput("sorting must be a list of {sortBy, sortOrder} objects")
    pairs: tuple[tuple[str, str], ...] = ()
    for item in sorting:
        pair = _sort_pair(item.get("sortBy"), item.get("sortOrder"))
        if not pair:
            raise InvalidInput("each sorting entry needs sortBy and sortOrder")
        pairs += pair
    return pairs


@bp.get("/task")
def list_tasks():
    return jsonify([shapes.task(t) for t in tasks.list_tasks(new_uow(write=False), _query(), current_user())])


@bp.post("/task")
def query_tasks():
    query = _body_query(json_body())
    return jsonify([shapes.task(t) for t in tasks.list_tasks(new_uow(write=False), query, current_user())])


@bp.get("/task/count")
def count_tasks():
    """Like Camunda, the count takes the filters only: sort and paging parameters do not apply."""
    return jsonify({"count": tasks.count_tasks(new_uow(write=False), tasks.TaskQuery(**_filters()), current_user())})


@bp.get("/task/<task_id>")
def get_task(task_id: str):
    return jsonify(shapes.task(tasks.get_task(new_uow(write=False), task_id, current_user())))


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


def _complete(task_id: str):
    body = json_body()
    variables = tasks.complete(new_uow(), task_id, current_user(), from_rest(body.get("variables") or {}))
    if body.get("withVariablesInReturn"):
        return jsonify(to_rest(variables))
    return "", 204


@bp.post("/task/<task_id>/complete")
def complete(task_id: str):
    return _complete(task_id)


@bp.post("/task/<task_id>/submit-form")
def submit_form(task_id: str):
    """Tasklist submits forms here; the server checks every form on completion anyway, so it is complete."""
    return _complete(task_id)


@bp.get("/task/<task_id>/variables")
def task_variables(task_id: str):
    return jsonify(to_rest(tasks.task_variables(new_uow(write=False), task_id, current_user())))


@bp.get("/task/<task_id>/variables/<name>")
def task_variable(task_id: str, name: str):
    value = tasks.task_variable(new_uow(write=False), task_id, name, current_user())
    return jsonify(to_rest({name: value})[name])


@bp.get("/task/<task_id>/form-variables")
def form_variables(task_id: str):
    _task, form, current = tasks.task_form_spec(new_uow(write=False), task_id, current_user())
    return jsonify(form_to_rest(form, current) if form is not None else {})


@bp.get("/task/<task_id>/deployed-form")
def deployed_form(task_id: str):
    return Response(tasks.deployed_form(new_uow(write=False), task_id, current_user()), mimetype="application/json")
