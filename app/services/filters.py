"""Saved task queries (Camunda's filters) that inboxes list as "My tasks", "Tier 2 queue", ...

A filter belongs to its owner. ``shared`` (an extension of Camunda's shape:
Camunda shares filters through authorizations, which this service does not
have) makes it visible to every user; only the owner or an administrator may
change or delete it. Running a filter always runs the query as the caller, so a
shared filter never shows anyone a task they could not list themselves.

The query is stored as the raw JSON body of ``POST /task``; the REST layer
parses it with the same parser on every run. Two of Camunda's expressions are
understood in its values: ``${currentUser()}`` and ``${currentUserGroups()}``.
"""
from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Select, func, or_, select

from app.db import UnitOfWork
from app.errors import Forbidden, InvalidInput, NotFound
from app.models import TaskFilter
from app.services.criteria import LIKE, TEXT, Criteria, order_and_page, where
from app.services.users import ADMIN_GROUP, Principal

FILTER_FILTERS = {"filterId": TEXT, "resourceType": TEXT, "name": TEXT, "nameLike": LIKE, "owner": TEXT}
FILTER_SORT_KEYS = ("filterId", "resourceType", "name", "owner")
_COLUMNS = {"filterId": TaskFilter.id, "resourceType": TaskFilter.resource_type, "name": TaskFilter.name,
            "nameLike": TaskFilter.name, "owner": TaskFilter.owner}


def list_filters(uow: UnitOfWork, criteria: Criteria, viewer: Principal) -> list[TaskFilter]:
    with uow:
        stmt = order_and_page(_visible(select(TaskFilter), criteria, viewer), criteria, _COLUMNS,
                              (TaskFilter.created_at, TaskFilter.id))
        return list(uow.session.scalars(stmt))


def count_filters(uow: UnitOfWork, criteria: Criteria, viewer: Principal) -> int:
    with uow:
        return uow.session.scalar(_visible(select(func.count(TaskFilter.id)), criteria, viewer)) or 0


def _visible(stmt: Select, criteria: Criteria, viewer: Principal) -> Select:
    stmt = stmt.where(or_(TaskFilter.owner == viewer.id, TaskFilter.shared.is_(True)))
    return where(stmt, criteria, _COLUMNS, FILTER_FILTERS)


def get_filter(uow: UnitOfWork, filter_id: str, viewer: Principal) -> TaskFilter:
    """A filter the viewer may see; one they may not is reported as missing, as if it did not exist."""
    with uow:
        return _visible_filter(uow, filter_id, viewer)


def _visible_filter(uow: UnitOfWork, filter_id: str, viewer: Principal) -> TaskFilter:
    row = uow.session.get(TaskFilter, filter_id)
    if row is None or not (row.shared or row.owner == viewer.id):
        raise NotFound(f"filter {filter_id} does not exist")
    return row


def create_filter(uow: UnitOfWork, actor: Principal, body: dict[str, Any]) -> TaskFilter:
    """Store a filter whose query the caller has already checked with the task query parser."""
    with uow:
        row = TaskFilter(id=str(uuid.uuid4()), **_fields(body, actor, owner_default=actor.id))
        uow.session.add(row)
        uow.commit()
        return row


def update_filter(uow: UnitOfWork, actor: Principal, filter_id: str, body: dict[str, Any]) -> None:
    """Replace name, query, properties, owner and sharing: Camunda's PUT sends the whole filter."""
    with uow:
        row = _owned(uow, filter_id, actor)
        for name, value in _fields(body, actor, owner_default=row.owner).items():
            setattr(row, name, value)
        uow.commit()


def delete_filter(uow: UnitOfWork, actor: Principal, filter_id: str) -> None:
    with uow:
        uow.session.delete(_owned(uow, filter_id, actor))
        uow.commit()


def _owned(uow: UnitOfWork, filter_id: str, actor: Principal) -> TaskFilter:
    row = _visible_filter(uow, filter_id, actor)
    if row.owner != actor.id and ADMIN_GROUP not in actor.groups:
        raise Forbidden(f"filter {filter_id} belongs to {row.owner}; only they or an administrator may change it")
    return row


def _fields(body: dict[str, Any], actor: Principal, owner_default: str) -> dict[str, Any]:
    if body.get("resourceType") != "Task":
        raise InvalidInput("resourceType must be Task: only task filters are supported")
    name, query, properties = body.get("name"), body.get("query") or {}, body.get("properties") or {}
    if not isinstance(name, str) or not name.strip() or len(name) > 200:
        raise InvalidInput("name must be a non-empty string of at most 200 characters")
    if not isinstance(query, dict) or not isinstance(properties, dict):
        raise InvalidInput("query and properties must be JSON objects")
    owner = body.get("owner") or owner_default
    if owner != owner_default and ADMIN_GROUP not in actor.groups:
        raise Forbidden(f"user {actor.id} may not give a filter to {owner}")
    shared = body.get("shared", False)
    if not isinstance(shared, bool):
        raise InvalidInput("shared must be true or false")
    return {"resource_type": "Task", "name": name.strip(), "owner": owner, "shared": shared, "query": query,
            "properties": properties}


def resolve_expressions(query: dict[str, Any], viewer: Principal) -> dict[str, Any]:
    """The stored query with ``${currentUser()}`` and ``${currentUserGroups()}`` replaced for the viewer."""
    resolved: dict[str, Any] = {}
    for name, value in query.items():
        if isinstance(value, str) and value.startswith(("${", "#{")):
            if value[2:-1].strip() == "currentUser()":
                value = viewer.id
            elif value[2:-1].strip() == "currentUserGroups()":
                value = sorted(viewer.groups)
            else:
                raise InvalidInput(f"{name}: only the expressions ${{currentUser()}} and ${{currentUserGroups()}} "
                                   f"are supported in filters, not {value!r}")
        resolved[name] = value
    return resolved
