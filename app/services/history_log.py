"""The audit log in Camunda's shapes: the user operation log and the identity link log.

Only what people did is a user operation (claim, unclaim, complete, start,
retry, delete history); what the engine did by itself (timers, handlers, task
creation) is not, as in Camunda. The identity link log is the assignee links
that claims and unclaims added and removed. Entries of an instance whose history
was deleted stay in the audit log; staff still see them here, requesters see
entries of their own existing instances only.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

from sqlalchemy import Select, func, select

from app.db import UnitOfWork
from app.models import AuditEntry, ProcessInstance
from app.services.criteria import DATE, TEXT, TEXTS, Criteria, order_and_page, sort_and_page
from app.services.users import Principal


@dataclass(frozen=True)
class Operation:
    """How one audit action reads as a Camunda user operation."""

    operation_type: str
    entity_type: str
    category: str
    property: Optional[str] = None


OPERATIONS = {
    "task_claimed": Operation("Claim", "Task", "TaskWorker", "assignee"),
    "task_unclaimed": Operation("Claim", "Task", "TaskWorker", "assignee"),
    "task_completed": Operation("Complete", "Task", "TaskWorker", "delete"),
    "instance_started": Operation("Create", "ProcessInstance", "Operator"),
    "incident_retry": Operation("SetJobRetries", "Job", "Operator", "retries"),
    "history_deleted": Operation("Delete", "ProcessInstance", "Operator", "cascadeToHistory"),
}
OPERATION_FILTERS = {"processInstanceId": TEXT, "processDefinitionId": TEXT, "processDefinitionKey": TEXT,
                     "taskId": TEXT, "userId": TEXT, "operationType": TEXT, "entityType": TEXT,
                     "entityTypeIn": TEXTS, "category": TEXT, "categoryIn": TEXTS, "property": TEXT,
                     "afterTimestamp": DATE, "beforeTimestamp": DATE}
OPERATION_SORT_KEYS = ("timestamp",)
LINK_FILTERS = {"type": TEXT, "userId": TEXT, "taskId": TEXT, "processDefinitionId": TEXT,
                "processDefinitionKey": TEXT, "operationType": TEXT, "assignerId": TEXT, "dateBefore": DATE,
                "dateAfter": DATE}
LINK_SORT_KEYS = ("time", "type", "userId", "taskId", "processDefinitionId", "processDefinitionKey",
                  "operationType", "assignerId")
_LINK_ACTIONS = {"task_claimed": "add", "task_unclaimed": "delete"}


@dataclass(frozen=True)
class LogEntry:
    entry: AuditEntry
    definition_id: Optional[str]
    definition_key: Optional[str]

    @property
    def operation(self) -> Operation:
        return OPERATIONS[self.entry.action]

    def values(self) -> tuple[Optional[str], Optional[str]]:
        """orgValue and newValue of the changed property."""
        data: dict[str, Any] = self.entry.data or {}
        if self.entry.action == "task_claimed":
            return None, data.get("assignee")
        if self.entry.action == "task_unclaimed":
            return data.get("assignee"), None
        if self.entry.action == "task_completed":
            return "false", "true"
        if self.entry.action == "history_deleted":
            return None, "true"
        return None, None

    def link_user(self) -> Optional[str]:
        """The assignee a claim linked or an unclaim unlinked (unknown for unclaims logged before it was kept)."""
        return (self.entry.data or {}).get("assignee")


def _joined(stmt: Select, viewer: Principal, actions: list[str]) -> Select:
    stmt = stmt.outerjoin(ProcessInstance, ProcessInstance.id == AuditEntry.instance_id).where(
        AuditEntry.action.in_(actions))
    if not viewer.is_staff:
        stmt = stmt.where(ProcessInstance.started_by == viewer.id)
    return stmt


def _common(stmt: Select, criteria: Criteria) -> Select:
    for name, column in (("processInstanceId", AuditEntry.instance_id), ("taskId", AuditEntry.task_id),
                         ("processDefinitionId", ProcessInstance.definition_id),
                         ("processDefinitionKey", ProcessInstance.definition_key)):
        if criteria.get(name) is not None:
            stmt = stmt.where(column == criteria.get(name))
    return stmt


# ------------------------------------------------------------------ user operations
def _operation_actions(criteria: Criteria) -> list[str]:
    """The audit actions whose Camunda reading matches the operation-level filters."""
    def keep(op: Operation) -> bool:
        return all((criteria.get("operationType") in (None, op.operation_type),
                    criteria.get("entityType") in (None, op.entity_type),
                    criteria.get("entityTypeIn") is None or op.entity_type in criteria.get("entityTypeIn"),
                    criteria.get("category") in (None, op.category),
                    criteria.get("categoryIn") is None or op.category in criteria.get("categoryIn"),
                    criteria.get("property") in (None, op.property)))
    return [action for action, op in OPERATIONS.items() if keep(op)]


def _operation_filters(stmt: Select, criteria: Criteria, viewer: Principal) -> Select:
    stmt = _common(_joined(stmt, viewer, _operation_actions(criteria)), criteria)
    if criteria.get("userId") is not None:
        stmt = stmt.where(AuditEntry.actor == criteria.get("userId"))
    if criteria.get("afterTimestamp") is not None:
        stmt = stmt.where(AuditEntry.at >= criteria.get("afterTimestamp"))
    if criteria.get("beforeTimestamp") is not None:
        stmt = stmt.where(AuditEntry.at <= criteria.get("beforeTimestamp"))
    return stmt


def list_operations(uow: UnitOfWork, criteria: Criteria, viewer: Principal) -> list[LogEntry]:
    with uow:
        stmt = _operation_filters(select(AuditEntry, ProcessInstance.definition_id, ProcessInstance.definition_key),
                                  criteria, viewer)
        stmt = order_and_page(stmt, criteria, {"timestamp": AuditEntry.at}, (AuditEntry.id,))
        return [LogEntry(*row) for row in uow.session.execute(stmt)]


def count_operations(uow: UnitOfWork, criteria: Criteria, viewer: Principal) -> int:
    with uow:
        return uow.session.scalar(_operation_filters(select(func.count(AuditEntry.id)), criteria, viewer)) or 0


# ------------------------------------------------------------------ identity links
def list_links(uow: UnitOfWork, criteria: Criteria, viewer: Principal) -> list[LogEntry]:
    keys = {"time": lambda e: (e.entry.at, e.entry.id), "type": lambda e: "assignee", "userId": LogEntry.link_user,
            "taskId": lambda e: e.entry.task_id, "processDefinitionId": lambda e: e.definition_id,
            "processDefinitionKey": lambda e: e.definition_key,
            "operationType": lambda e: _LINK_ACTIONS[e.entry.action], "assignerId": lambda e: e.entry.actor}
    return sort_and_page(_links(uow, criteria, viewer), criteria, keys)


def count_links(uow: UnitOfWork, criteria: Criteria, viewer: Principal) -> int:
    return len(_links(uow, criteria, viewer))


def _links(uow: UnitOfWork, criteria: Criteria, viewer: Principal) -> list[LogEntry]:
    if criteria.get("type") not in (None, "assignee"):
        return []  # only assignee links are logged here
    actions = [a for a, kind in _LINK_ACTIONS.items() if criteria.get("operationType") in (None, kind)]
    with uow:
        stmt = _common(_joined(select(AuditEntry, ProcessInstance.definition_id, ProcessInstance.definition_key),
                               viewer, actions), criteria)
        if criteria.get("assignerId") is not None:
            stmt = stmt.where(AuditEntry.actor == criteria.get("assignerId"))
        if criteria.get("dateBefore") is not None:
            stmt = stmt.where(AuditEntry.at <= criteria.get("dateBefore"))
        if criteria.get("dateAfter") is not None:
            stmt = stmt.where(AuditEntry.at >= criteria.get("dateAfter"))
        rows = [LogEntry(*row) for row in uow.session.execute(stmt.order_by(AuditEntry.id))]
    return [r for r in rows if criteria.get("userId") in (None, r.link_user())]
