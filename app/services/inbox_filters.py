"""Named inbox views, saved as Camunda filters (``/filter``) so that a REST client sees the same filter.

The filter's ``query`` is the Camunda task query for as much of the view as
Camunda can say (whose tasks, priority range, process, group queue, inbox
order); the inbox's own criteria (category and text too) are kept whole in
``properties.inbox``, which the inbox applies when the filter is chosen.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from app.db import UnitOfWork
from app.errors import InvalidInput
from app.services import filters
from app.services.criteria import Criteria
from app.services.inbox import PRIORITY_RANGES, BadCriterion, InboxQuery, parse_query
from app.services.users import Principal

PROPERTY = "inbox"
NAME_LENGTH = 200
_WHOSE = {"mine": {"assignee": "${currentUser()}"},
          "groups": {"candidateUser": "${currentUser()}", "unassigned": True},
          "all": {}}
_INBOX_ORDER = [{"sortBy": "priority", "sortOrder": "desc"}, {"sortBy": "dueDate", "sortOrder": "asc"}]


@dataclass(frozen=True)
class SavedView:
    id: str
    name: str
    query: InboxQuery
    owned: bool


def camunda_query(query: InboxQuery) -> dict[str, Any]:
    """The Camunda task query of an inbox view, for what it can express."""
    body: dict[str, Any] = dict(_WHOSE[query.tab])
    if query.tab == "groups" and query.group:
        body = {"candidateGroup": query.group}
    if query.priority:
        low, high = PRIORITY_RANGES[query.priority]
        body.update({name: value for name, value in (("minPriority", low), ("maxPriority", high)) if value is not None})
    if query.process:
        body["processDefinitionKey"] = query.process
    body["sorting"] = _INBOX_ORDER
    return body


def save_view(uow: UnitOfWork, viewer: Principal, name: str, query: InboxQuery) -> SavedView:
    """Save the view (without its page) under ``name``, owned by the viewer."""
    name = (name or "").strip()
    if not name or len(name) > NAME_LENGTH:
        raise BadCriterion("name", name[:NAME_LENGTH])
    body = {"resourceType": "Task", "name": name, "query": camunda_query(query),
            "properties": {PROPERTY: query.criteria()}}
    row = filters.create_filter(uow, viewer, body)
    return SavedView(row.id, row.name, query, True)


def saved_views(uow: UnitOfWork, viewer: Principal) -> list[SavedView]:
    """The inbox views the viewer may use: their own and shared ones, oldest first.

    Filters made elsewhere (REST, without inbox criteria) are not inbox views and are left out, as is
    a view whose stored criteria no longer parse."""
    views = []
    for row in filters.list_filters(uow, Criteria(filters={"resourceType": "Task"}), viewer):
        criteria = (row.properties or {}).get(PROPERTY)
        if not isinstance(criteria, dict):
            continue
        try:
            query = parse_query(criteria)
        except InvalidInput:
            continue
        views.append(SavedView(row.id, row.name, query, row.owner == viewer.id))
    return views


def delete_view(uow: UnitOfWork, viewer: Principal, filter_id: str) -> None:
    """Delete a saved view; only its owner (or an administrator) may (``filters`` checks)."""
    filters.delete_filter(uow, viewer, filter_id)
