"""The inbox's read model, written by every step in the step's own transaction.

Per instance, one ``inbox_ticket`` row holds what a row of the inbox shows and
filters by (ticket number, requester, symptom, category, VIP, response
deadline, and the SLA clock that matters now: response, resolution or close, with its
state and deadline, from ``app.sla.current_clock``); per open task, ``inbox_due_at`` holds the due time the inbox sorts by,
on the task and on its candidate rows, so that every inbox list is an index scan
in inbox order. The ticket's category is copied onto its open tasks and their text into their
search rows (``inbox_search``) whenever the row changes, so the category and text filters
read indexes of their own. Facts come from the variables Flow 1's intake and classification
record; a process without them simply shows none. The row also names the case (``case_names``): a
weekly survey reads as its week, not as an id.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any, Optional

from sqlalchemy import Select, and_, bindparam, case, func, literal, select

from app import sla
from app.db import UnitOfWork
from app.domain import SlaEvent
from app.services import inbox_search
from app.services.case_names import naming
from app.models import NO_DUE_DATE, HumanTask, InboxTicket, ProcessInstance, TaskCandidate, UTCDateTime

SYMPTOM_LENGTH = 300
_TICKETS = InboxTicket.__table__
_TASKS = HumanTask.__table__
_CANDIDATES = TaskCandidate.__table__
_FACTS = ("business_key", "requester", "symptom", "category", "vip", "response_due_at", "response_set_at",
          "sla_clock", "sla_state", "sla_due_at", "sla_started_at", "case_kind", "case_subject", "case_detail")


def ticket_facts(variables: dict[str, Any], business_key: Optional[str]) -> dict[str, Any]:
    """The inbox facts of an instance's variables (plain JSON values, as stored on the instance)."""
    return {"business_key": business_key, "requester": _text(variables.get("requester"), 200),
            "symptom": _text(variables.get("symptom"), SYMPTOM_LENGTH),
            "category": _text(variables.get("category"), 40), "vip": variables.get("vip") is True}


def sla_facts(variables: dict[str, Any]) -> dict[str, Any]:
    """The SLA clock a reader should see now, as the inbox row stores it (all None without one)."""
    shown = sla.current_clock(variables) if variables.get("requested_at") else None
    if shown is None:
        return {"sla_clock": None, "sla_state": None, "sla_due_at": None, "sla_started_at": None}
    return {"sla_clock": shown.name, "sla_state": shown.state, "sla_due_at": shown.due,
            "sla_started_at": shown.started}


def _text(value: Any, length: int) -> Optional[str]:
    """Free text on one line, clipped to its column; the inbox shows one line of it anyway."""
    if not isinstance(value, str) or not value.strip():
        return None
    return " ".join(value.split())[:length]


def sync(uow: UnitOfWork, instance: ProcessInstance) -> None:
    """Bring the instance's inbox row and its open tasks' sort time in line with this step."""
    deadline, set_at = _response_deadline(uow, instance.id)
    facts = {**ticket_facts(instance.variables or {}, instance.business_key), "response_due_at": deadline,
             "response_set_at": set_at, **sla_facts(instance.variables or {}),
             **dict(zip(("case_kind", "case_subject", "case_detail"),
                        naming(instance.definition_key, instance.variables or {})))}
    stored = uow.session.execute(select(*(_TICKETS.c[name] for name in _FACTS))
                                 .where(_TICKETS.c.instance_id == instance.id)).first()
    if stored is None:
        uow.session.execute(_TICKETS.insert().values(instance_id=instance.id, **facts))
    elif tuple(stored) != tuple(facts[name] for name in _FACTS):
        uow.session.execute(_TICKETS.update().where(_TICKETS.c.instance_id == instance.id).values(**facts))
    _copy_to_open_tasks(uow.session, instance.id, stored, facts)
    resort_open_tasks(uow.session, instance.id, deadline)


def _copy_to_open_tasks(session, instance_id: str, stored: Any, facts: dict[str, Any]) -> None:
    """Carry a changed category and ticket text to the open tasks (tasks opened in this step already have
    them: ``projections`` writes them from the same variables, and before the first row there is nothing)."""
    if stored is None:
        return
    if stored.category != facts["category"]:
        session.execute(_TASKS.update().where(_TASKS.c.instance_id == instance_id, _TASKS.c.status == "open")
                        .values(category=facts["category"]))
    if any(getattr(stored, name) != facts[name] for name in inbox_search.TICKET_TEXT):
        inbox_search.reindex_instance(session, instance_id, facts)


def _response_deadline(uow: UnitOfWork, instance_id: str) -> tuple[Optional[datetime], Optional[datetime]]:
    """The latest response deadline recorded for the instance (``sla_event``) and when it was set."""
    row = uow.session.execute(_latest_deadline(instance_id, SlaEvent.deadline, SlaEvent.at)).first()
    return (row.deadline, row.at) if row else (None, None)


def _latest_deadline(instance_id: Any, *columns: Any) -> Select:
    return (select(*columns)
            .where(SlaEvent.instance_id == instance_id, SlaEvent.sla == "response", SlaEvent.kind == "deadline_set")
            .order_by(SlaEvent.at.desc(), SlaEvent.id.desc()).limit(1))


def inbox_due(due_at: Any, created_at: Any, deadline: Optional[datetime]) -> Any:
    """SQL for a task's inbox due time: its own due date, else the ticket's response deadline when the task
    was opened before it (work opened later, such as the callback, is past the first response), else none."""
    never = literal(NO_DUE_DATE, UTCDateTime())
    if deadline is None:
        return func.coalesce(due_at, never)
    deadline_value = literal(deadline, UTCDateTime())
    return case((due_at.is_not(None), due_at), (created_at <= deadline_value, deadline_value), else_=never)


def new_task_inbox_due() -> Any:
    """SQL for :func:`inbox_due` of a task row being inserted, the response deadline read in the same statement.

    Parameters per row: ``b_due`` (the task's due date), ``b_created`` and ``b_instance``.
    """
    due, created = bindparam("b_due", type_=UTCDateTime()), bindparam("b_created", type_=UTCDateTime())
    deadline = _latest_deadline(bindparam("b_instance"), SlaEvent.deadline).scalar_subquery()
    return case((due.is_not(None), due), (created <= deadline, deadline),
                else_=literal(NO_DUE_DATE, UTCDateTime()))


def resort_open_tasks(session, instance_id: str, deadline: Optional[datetime]) -> None:
    """Set ``inbox_due_at`` of the instance's open tasks and their candidate rows where it changed."""
    wanted = inbox_due(_TASKS.c.due_at, _TASKS.c.created_at, deadline)
    session.execute(_TASKS.update().where(_TASKS.c.instance_id == instance_id, _TASKS.c.status == "open",
                                          _TASKS.c.inbox_due_at != wanted).values(inbox_due_at=wanted))
    task_due = (select(_TASKS.c.inbox_due_at).where(_TASKS.c.id == _CANDIDATES.c.task_id)
                .scalar_subquery())
    open_tasks = select(_TASKS.c.id).where(_TASKS.c.instance_id == instance_id, _TASKS.c.status == "open")
    session.execute(_CANDIDATES.update().where(and_(_CANDIDATES.c.task_id.in_(open_tasks),
                                                    _CANDIDATES.c.inbox_due_at != task_due))
                    .values(inbox_due_at=task_due))
