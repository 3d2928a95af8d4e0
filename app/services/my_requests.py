"""What the portal shows a person: the tickets they reported, and the steps a process asks of them by name.

Both lists are built for the reader alone, so they hold nothing of anyone else
by construction: tickets *started by* the reader, and open tasks offered to the
reader *by name* (candidate user or assignee). Tasks offered to a whole group
are the desk's queues and belong in the inbox, not here. Each page is a few
SQL queries over the projections, whatever the number of tickets.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Optional

from sqlalchemy import func, or_, select

from app.db import UnitOfWork
from app.errors import InvalidInput
from app.models import AuditEntry, HumanTask, ProcessInstance, TaskCandidate
from app.services.ticket_view import ticket_state
from app.services.users import Principal

PER_PAGE = 20


@dataclass(frozen=True)
class Request:
    """One ticket in the reporter's list."""

    instance_id: str
    business_key: Optional[str]
    symptom: str
    state: str  # see ticket_view.ticket_state
    current_steps: tuple[str, ...]  # names of the open user tasks
    reported_at: datetime
    last_changed_at: datetime


@dataclass(frozen=True)
class RequestPage:
    requests: tuple[Request, ...]
    page: int
    pages: int
    total: int


@dataclass(frozen=True)
class WaitingStep:
    """An open task a process asks the reader to do (confirm a resolution, rate the service)."""

    task_id: str
    name: str
    instance_id: str
    business_key: Optional[str]
    symptom: str
    created_at: datetime
    due_at: Optional[datetime]


def my_requests(uow: UnitOfWork, reader: Principal, page: int = 1, per_page: int = PER_PAGE) -> RequestPage:
    """The tickets ``reader`` reported, newest first, one page of them (a page past the end shows the last)."""
    if page < 1 or not 1 <= per_page <= 100:
        raise InvalidInput("page must be 1 or more, and a page holds 1 to 100 requests")
    with uow:
        total = uow.session.scalar(select(func.count(ProcessInstance.id))
                                   .where(ProcessInstance.started_by == reader.id)) or 0
        pages = max(1, -(-total // per_page))
        page = min(page, pages)
        rows = uow.session.execute(
            select(ProcessInstance.id, ProcessInstance.business_key, ProcessInstance.status,
                   ProcessInstance.variables, ProcessInstance.started_at)
            .where(ProcessInstance.started_by == reader.id)
            .order_by(ProcessInstance.started_at.desc(), ProcessInstance.id)
            .offset((page - 1) * per_page).limit(per_page)).all()
        ids = [row.id for row in rows]
        steps = _open_steps(uow, ids, reader)
        changed = dict(uow.session.execute(select(AuditEntry.instance_id, func.max(AuditEntry.at))
                                           .where(AuditEntry.instance_id.in_(ids))
                                           .group_by(AuditEntry.instance_id)).all()) if ids else {}
        requests = tuple(_request(row, steps.get(row.id, []), changed.get(row.id)) for row in rows)
        return RequestPage(requests, page, pages, total)


def _open_steps(uow: UnitOfWork, instance_ids: list[str], reader: Principal) -> dict[str, list[tuple[str, bool]]]:
    """Per instance: (name, offered to the reader) of each open user task."""
    if not instance_ids:
        return {}
    result: dict[str, list[tuple[str, bool]]] = {}
    for task in uow.session.execute(select(HumanTask.instance_id, HumanTask.name, HumanTask.assignee,
                                           HumanTask.candidate_users)
                                    .where(HumanTask.instance_id.in_(instance_ids), HumanTask.status == "open")
                                    .order_by(HumanTask.created_at)):
        mine = task.assignee == reader.id or (task.assignee is None and reader.id in (task.candidate_users or []))
        result.setdefault(task.instance_id, []).append((task.name, mine))
    return result


def _request(row: Any, steps: list[tuple[str, bool]], changed: Optional[datetime]) -> Request:
    variables = row.variables or {}
    # a support request is known by its symptom, a complaint by what it says
    return Request(row.id, row.business_key, _text(variables.get("symptom") or variables.get("complaint")),
                   ticket_state(row.status, variables, any(mine for _, mine in steps)),
                   tuple(dict.fromkeys(name for name, _ in steps)), row.started_at, changed or row.started_at)


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def waiting_for(uow: UnitOfWork, reader: Principal, limit: int = 50) -> tuple[WaitingStep, ...]:
    """Open tasks offered to ``reader`` by name, oldest first (the one waiting longest comes first)."""
    with uow:
        offered = select(TaskCandidate.task_id).where(TaskCandidate.kind == "user", TaskCandidate.name == reader.id)
        rows = uow.session.execute(
            select(HumanTask.id, HumanTask.name, HumanTask.instance_id, HumanTask.created_at, HumanTask.due_at,
                   ProcessInstance.business_key, ProcessInstance.variables)
            .join(ProcessInstance, ProcessInstance.id == HumanTask.instance_id)
            .where(HumanTask.id.in_(offered), HumanTask.status == "open",
                   or_(HumanTask.assignee.is_(None), HumanTask.assignee == reader.id))
            .order_by(HumanTask.created_at, HumanTask.id).limit(limit)).all()
        return tuple(WaitingStep(row.id, row.name, row.instance_id, row.business_key,
                                 _text((row.variables or {}).get("symptom")), row.created_at, row.due_at)
                     for row in rows)
