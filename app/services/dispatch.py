"""Calling service-task handlers during a step; a failing handler becomes an incident, not a lost step.

What a handler asks for — notifications to send, domain rows to record — is
written in the step's own transaction, so a step either happens with all of it
or not at all.
"""
from __future__ import annotations

import traceback
import uuid
from typing import Any, Optional

from sqlalchemy import select

import handlers as handler_registry
from app import engine
from app.db import UnitOfWork
from app.models import Incident, ProcessDefinition, ProcessInstance
from app.services import notifications
from app.services.audit import audit, jsonable


def run_handlers(uow: UnitOfWork, instance: ProcessInstance, definition: ProcessDefinition, workflow: Any,
                 actor: Optional[str]) -> list[Any]:
    """Call every due handler; a raising handler becomes an open incident and its task waits for a retry.

    Returns the domain rows the handlers recorded or updated, so that a
    projection read from such rows (the inbox's response deadline) knows to
    read them again.
    """
    registry = handler_registry.load_all()
    pending = engine.pending_handlers(workflow)
    touched: list[Any] = []
    while pending:
        call = pending[0]
        context = handler_registry.HandlerContext(instance.id, instance.business_key, call.activity_id,
                                                  dict(call.variables), actor=actor,
                                                  reader=StepReader(uow))
        try:
            result = registry[call.topic](context)
            if result is not None and not isinstance(result, dict):
                raise TypeError(f"handler {call.topic} returned {type(result).__name__}, not a dict of variables")
            updated = _rows_to_update(uow, context.updates)
            started = _send_messages(uow, context.messages, actor)
        except Exception as exc:  # noqa: BLE001 - any handler failure must become an incident
            engine.mark_handler_failed(workflow, call.task_id)
            open_incident(uow, instance, definition, call, f"{type(exc).__name__}: {exc}",
                          "".join(traceback.format_exception(exc)))
        else:
            engine.finish_handler(workflow, call.task_id, result)
            for note in context.notifications:
                notifications.queue(uow, instance.id, note)
            uow.session.add_all(context.records)
            for row, change in updated:
                for name, value in change.values.items():
                    setattr(row, name, value)
            touched += context.records + [row for row, _ in updated]
            audit(uow, instance.id, actor, "handler_completed", call.activity_id, call.task_id,
                  {"topic": call.topic, "result": jsonable(result or {}),
                   **({"started": started} if started else {})})
        pending = engine.pending_handlers(workflow)
    return touched


def _send_messages(uow: UnitOfWork, messages: list[handler_registry.Message], actor: Optional[str]) -> list[str]:
    """Start what the handler's messages start; all or none (a savepoint), so a failure is only an incident."""
    if not messages:
        return []
    from app.services import messages as message_service  # it steps the new instances: imports this module

    with uow.session.begin_nested():
        return [started.id for message in messages
                for started in message_service.start_from_step(uow, message.name, message.variables, actor,
                                                                         message.owner)]


class StepReader:
    """What a step lends its handlers to read with (``HandlerContext.rows``/``read``/``read_only_unit``).

    Reads in the step's session are flushed first, so rows an earlier handler of this step recorded
    are seen; a read-only unit of its own serves a service query that enters its unit itself.
    """

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    def execute(self, statement: Any) -> Any:
        self._uow.session.flush()
        return self._uow.session.execute(statement)

    def unit(self) -> UnitOfWork:
        return UnitOfWork(self._uow.db, write=False)


def _rows_to_update(uow: UnitOfWork, updates: list[handler_registry.RowUpdate]
                    ) -> list[tuple[Any, handler_registry.RowUpdate]]:
    """Find every row a handler asked to change before changing any, so a missing one changes nothing.

    A row an earlier handler of the same step recorded is not in the table yet (the session does
    not autoflush): it is looked for among the session's new rows first.
    """
    found = []
    for change in updates:
        rows = [row for row in uow.session.new if isinstance(row, change.table)
                and all(getattr(row, column) == value for column, value in change.where.items())]
        if not rows:
            conditions = [getattr(change.table, column) == value for column, value in change.where.items()]
            rows = list(uow.session.scalars(select(change.table).where(*conditions).limit(2)))
        if len(rows) != 1:
            raise LookupError(f"{'no' if not rows else 'more than one'} {change.table.__tablename__} row "
                              f"with {change.where}")
        found.append((rows[0], change))
    return found


def open_incident(uow: UnitOfWork, instance, definition, call, message: str,
                  stack_trace: Optional[str] = None) -> None:
    """Open an incident for a failed call, or count another attempt on the open one; the last trace is kept."""
    existing = uow.session.scalars(select(Incident).where(Incident.task_id == call.task_id,
                                                          Incident.status == "open")).first()
    if existing is not None:
        existing.attempts += 1
        existing.message = message
        existing.stack_trace = stack_trace
    else:
        uow.session.add(Incident(id=str(uuid.uuid4()), instance_id=instance.id, definition_id=definition.id,
                                 activity_id=call.activity_id, task_id=call.task_id, message=message,
                                 status="open", stack_trace=stack_trace))
    audit(uow, instance.id, None, "incident", call.activity_id, call.task_id, {"message": message})
