"""User tasks: query (GET, or POST with a JSON body), count, claim, unclaim, complete, variables, forms."""
from __future__ import annotations

from typing import Any, Optional

from flask import Response, jsonify, request

from app.api import bp, current_user, json_body, queries, shapes
from app.services.criteria import DATE, FLAG, INT, LIKE, TEXT, TEXTS
from app.errors import InvalidInput, NotFound
from app.services import tasks
from app.store import new_uow
from app.api.variables import form_to_rest, from_rest, object_info, to_rest

#: the filters GET /task takes as query parameters and POST /task as body properties (see app.api.queries)
TASK_FILTERS = {
    "processInstanceId": ("instance_id", TEXT), "processInstanceIdIn": ("instance_ids", TEXTS),
    "processInstanceBusinessKey": ("business_key", TEXT),
    "processInstanceBusinessKeyIn": ("business_keys", TEXTS),
    "processDefinitionId": ("definition_id", TEXT), "processDefinitionKey": ("definition_key", TEXT),
    "processDefinitionKeyIn": ("definition_keys", TEXTS),
    "taskId": ("task_id", TEXT), "name": ("name", TEXT), "nameLike": ("name_like", LIKE),
    "taskDefinitionKey": ("activity_id", TEXT), "taskDefinitionKeyIn": ("activity_ids", TEXTS),
    "candidateGroup": ("candidate_group", TEXT), "candidateGroups": ("candidate_groups", TEXTS),
    "candidateUser": ("candidate_user", TEXT), "assignee": ("assignee", TEXT),
    "assigned": ("assigned", FLAG), "unassigned": ("unassigned", FLAG),
    "dueBefore": ("due_before", DATE), "dueAfter": ("due_after", DATE),
    "priority": ("priority", INT), "minPriority": ("min_priority", INT), "maxPriority": ("max_priority", INT),
}


def _query() -> tasks.TaskQuery:
    """GET /task: the filters, a sort and a page."""
    page = queries.paging()
    return tasks.TaskQuery(**queries.from_args(TASK_FILTERS, queries.LIST_ARGS),
                           sorting=queries.args_sorting(tasks.SORT_KEYS), first=page.first, limit=page.limit)


def _body_query(body: dict[str, Any]) -> tasks.TaskQuery:
    """The task query of POST /task: the body's filters, with paging from the query string."""
    queries.check_args(queries.PAGING_ARGS)
    page = queries.paging()
    return task_query_from_body(body, page.first, page.limit)


def task_query_from_body(body: dict[str, Any], first: int = 0, limit: Optional[int] = None) -> tasks.TaskQuery:
    """A task query from a JSON body (POST /task, saved filters): the GET filters as JSON properties,
    ``sorting`` as a list; anything else is a 400 naming it."""
    return tasks.TaskQuery(**queries.from_body(TASK_FILTERS, body, {"sorting"}),
                           sorting=queries.body_sorting(body.get("sorting"), tasks.SORT_KEYS), first=first,
                           limit=limit)


@bp.get("/task")
def list_tasks():
    return jsonify([shapes.task(t) for t in tasks.list_tasks(new_uow(write=False), _query(), current_user())])


@bp.post("/task")
def query_tasks():
    query = _body_query(json_body())
    return jsonify([shapes.task(t) for t in tasks.list_tasks(new_uow(write=False), query, current_user())])


@bp.get("/task/count")
def count_tasks():
    """Like Camunda, the count takes the filters only: sort and paging parameters are allowed and do not apply."""
    query = tasks.TaskQuery(**queries.from_args(TASK_FILTERS, queries.LIST_ARGS))
    return jsonify({"count": tasks.count_tasks(new_uow(write=False), query, current_user())})


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
    payload = body.get("variables") or {}
    row = tasks.complete(new_uow(), task_id, current_user(), from_rest(payload), object_info(payload))
    if body.get("withVariablesInReturn"):
        return jsonify(to_rest(row.variables, row.variable_types))
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
    queries.check_args({"deserializeValues"})
    row = tasks.task_variables(new_uow(write=False), task_id, current_user())
    return jsonify(to_rest(row.variables, row.variable_types, queries.bool_arg("deserializeValues", True)))


@bp.get("/task/<task_id>/variables/<name>")
def task_variable(task_id: str, name: str):
    queries.check_args({"deserializeValue"})
    row = tasks.task_variables(new_uow(write=False), task_id, current_user())
    if name not in row.variables:
        raise NotFound(f"task variable with name {name} does not exist for task {task_id}")
    deserialize = queries.bool_arg("deserializeValue", True)
    return jsonify(to_rest({name: row.variables[name]}, row.variable_types, deserialize)[name])


@bp.get("/task/<task_id>/form-variables")
def form_variables(task_id: str):
    """Every variable the task sees, its form's fields typed (and defaulted) as the form says, as Camunda
    answers; ``variableNames`` (comma-separated) picks some of them."""
    queries.check_args({"variableNames", "deserializeValues"})
    form, scope = tasks.task_form_variables(new_uow(write=False), task_id, current_user())
    values = to_rest(scope.variables, scope.variable_types, queries.bool_arg("deserializeValues", True))
    if form is not None:
        values.update(form_to_rest(form, scope.variables))
    names = request.args.get("variableNames")
    if names is not None:
        wanted = {name.strip() for name in names.split(",")}
        values = {name: value for name, value in values.items() if name in wanted}
    return jsonify(values)


@bp.get("/task/<task_id>/deployed-form")
def deployed_form(task_id: str):
    return Response(tasks.deployed_form(new_uow(write=False), task_id, current_user()), mimetype="application/json")
