"""Groups and memberships (Camunda's ``/group``).

A membership change alters what a user may do, so the member's remembered
logins are dropped (``auth.forget``) and their next request reads the new groups.
"""
from __future__ import annotations

from typing import Any

from flask import jsonify

from app import auth
from app.api import bp, current_user, json_body, queries
from app.models import Group
from app.services import groups
from app.store import new_uow


def group_shape(group: Group) -> dict[str, Any]:
    return {"id": group.id, "name": group.name, "type": None}


@bp.get("/group")
def list_groups():
    query = queries.criteria(groups.GROUP_FILTERS, groups.GROUP_SORT_KEYS)
    return jsonify([group_shape(g) for g in groups.list_groups(new_uow(write=False), query, current_user())])


@bp.post("/group")
def query_groups():
    query = queries.body_criteria(json_body(), groups.GROUP_FILTERS, groups.GROUP_SORT_KEYS)
    return jsonify([group_shape(g) for g in groups.list_groups(new_uow(write=False), query, current_user())])


@bp.get("/group/count")
def count_groups():
    query = queries.criteria(groups.GROUP_FILTERS, paged=False)
    return jsonify({"count": groups.count_groups(new_uow(write=False), query, current_user())})


@bp.post("/group/count")
def count_groups_by_body():
    query = queries.body_criteria(json_body(), groups.GROUP_FILTERS, groups.GROUP_SORT_KEYS, paged=False)
    return jsonify({"count": groups.count_groups(new_uow(write=False), query, current_user())})


@bp.post("/group/create")
def create_group():
    groups.create_group(new_uow(), current_user(), json_body())
    return "", 204


@bp.get("/group/<group_id>")
def get_group(group_id: str):
    return jsonify(group_shape(groups.get_group(new_uow(write=False), group_id, current_user())))


@bp.put("/group/<group_id>")
def update_group(group_id: str):
    groups.update_group(new_uow(), current_user(), group_id, json_body())
    return "", 204


@bp.delete("/group/<group_id>")
def delete_group(group_id: str):
    for member in groups.delete_group(new_uow(), current_user(), group_id):
        auth.forget(member)
    return "", 204


@bp.put("/group/<group_id>/members/<user_id>")
def add_member(group_id: str, user_id: str):
    groups.add_member(new_uow(), current_user(), group_id, user_id)
    auth.forget(user_id)
    return "", 204


@bp.delete("/group/<group_id>/members/<user_id>")
def remove_member(group_id: str, user_id: str):
    groups.remove_member(new_uow(), current_user(), group_id, user_id)
    auth.forget(user_id)
    return "", 204
