"""Filters (Camunda's ``/filter``): saved task queries and running them.

A stored query is parsed exactly as ``POST /task`` parses its body (the same
function), when it is saved and again on every run, so it understands every
task filter that endpoint does. ``POST .../list`` (and count, singleResult)
extend the stored query with the request body: a property in the body replaces
the stored one of the same name.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Any, Optional

from flask import jsonify

from app.api import bp, current_user, json_body, queries, shapes
from app.api.tasks import task_query_from_body
from app.errors import InvalidInput
from app.models import TaskFilter
from app.services import filters, tasks
from app.services.users import Principal
from app.store import new_uow


def filter_shape(row: TaskFilter, item_count: Optional[int] = None) -> dict[str, Any]:
    body = {"id": row.id, "resourceType": row.resource_type, "name": row.name, "owner": row.owner,
            "query": row.query, "properties": row.properties, "shared": row.shared}
    if item_count is not None:
        body["itemCount"] = item_count
    return body


def _task_query(stored: dict[str, Any], extending: dict[str, Any], viewer: Principal,
                paged: bool = False) -> tasks.TaskQuery:
    """The stored query, extended by the request body; paging from the query string only for lists."""
    page = queries.paging() if paged else None
    return task_query_from_body(filters.resolve_expressions({**stored, **extending}, viewer),
                                page.first if page else 0, page.limit if page else None)


def _checked(body: dict[str, Any]) -> dict[str, Any]:
    """Refuse a filter whose query POST /task would refuse, before it is stored.

    Parsing alone does not check everything (sort keys are checked when the
    query runs), so the query is run once for an empty page.
    """
    query = body.get("query")
    if query is not None:
        if not isinstance(query, dict):
            raise InvalidInput("query must be a JSON object")
        empty_page = replace(_task_query(query, {}, current_user()), first=0, limit=0)
        tasks.list_tasks(new_uow(write=False), empty_page, current_user())
    return body


def _item_count() -> bool:
    return bool(queries.bool_arg("itemCount", False))


@bp.get("/filter")
def list_filters():
    with_count = _item_count()
    query = queries.criteria(filters.FILTER_FILTERS, filters.FILTER_SORT_KEYS, tolerated=("itemCount",))
    rows = filters.list_filters(new_uow(write=False), query, current_user())
    return jsonify([filter_shape(r, _count(r, {}) if with_count else None) for r in rows])


@bp.get("/filter/count")
def count_filters():
    query = queries.criteria(filters.FILTER_FILTERS, paged=False)
    return jsonify({"count": filters.count_filters(new_uow(write=False), query, current_user())})


@bp.post("/filter/create")
def create_filter():
    return jsonify(filter_shape(filters.create_filter(new_uow(), current_user(), _checked(json_body()))))


@bp.get("/filter/<filter_id>")
def get_filter(filter_id: str):
    row = filters.get_filter(new_uow(write=False), filter_id, current_user())
    return jsonify(filter_shape(row, _count(row, {}) if _item_count() else None))


@bp.put("/filter/<filter_id>")
def update_filter(filter_id: str):
    filters.update_filter(new_uow(), current_user(), filter_id, _checked(json_body()))
    return "", 204


@bp.delete("/filter/<filter_id>")
def delete_filter(filter_id: str):
    filters.delete_filter(new_uow(), current_user(), filter_id)
    return "", 204


def _rows(filter_id: str, extending: dict[str, Any]) -> list:
    row = filters.get_filter(new_uow(write=False), filter_id, current_user())
    query = _task_query(row.query, extending, current_user(), paged=True)
    return tasks.list_tasks(new_uow(write=False), query, current_user())


def _count(row: TaskFilter, extending: dict[str, Any]) -> int:
    query = _task_query(row.query, extending, current_user())
    return tasks.count_tasks(new_uow(write=False), query, current_user())


def _single(filter_id: str, extending: dict[str, Any]):
    found = _rows(filter_id, extending)
    if len(found) > 1:
        raise InvalidInput(f"filter {filter_id} matches more than one task")
    return (jsonify(shapes.task(found[0])), 200) if found else ("", 204)


@bp.get("/filter/<filter_id>/list")
def filter_list(filter_id: str):
    return jsonify([shapes.task(t) for t in _rows(filter_id, {})])


@bp.post("/filter/<filter_id>/list")
def filter_list_extended(filter_id: str):
    return jsonify([shapes.task(t) for t in _rows(filter_id, json_body())])


@bp.get("/filter/<filter_id>/count")
def filter_count(filter_id: str):
    row = filters.get_filter(new_uow(write=False), filter_id, current_user())
    return jsonify({"count": _count(row, {})})


@bp.post("/filter/<filter_id>/count")
def filter_count_extended(filter_id: str):
    row = filters.get_filter(new_uow(write=False), filter_id, current_user())
    return jsonify({"count": _count(row, json_body())})


@bp.get("/filter/<filter_id>/singleResult")
def filter_single(filter_id: str):
    return _single(filter_id, {})


@bp.post("/filter/<filter_id>/singleResult")
def filter_single_extended(filter_id: str):
    return _single(filter_id, json_body())
