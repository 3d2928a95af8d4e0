"""Starting instances and reading their state and history (from projections, not blobs)."""
from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable, Optional

from sqlalchemy import Select, func, select

from app import engine
from app.db import UnitOfWork
from app.errors import Forbidden, InvalidInput, NotFound, SuspendedEntity
from app.forms import validate_submission
from app.models import ActivityInstance, AuditEntry, ProcessDefinition, ProcessInstance, utcnow
from app.services import starters, step, ticket_numbers
from app.services.audit import audit, jsonable, retyped
from app.services.definitions import definition_row, latest_definition_id, process_spec
from app.services.forms import start_form
from app.services.users import Principal


def start_instance(uow: UnitOfWork, user: Principal, variables: dict[str, Any], key: Optional[str] = None,
                   definition_id: Optional[str] = None, business_key: Optional[str] = None,
                   object_info: Optional[dict[str, dict]] = None,
                   business_key_from: Optional[Callable[[UnitOfWork], str]] = None,
                   decided: Optional[dict[str, Any]] = None, owner: Optional[str] = None,
                   directly: bool = True) -> ProcessInstance:
    """Start the latest version of ``key`` (or an exact definition) and run it to its first wait.

    ``object_info``: the ``valueInfo`` of variables sent as Camunda Objects (see ``tasks.complete``).
    ``business_key_from`` names the instance inside the start's transaction once the start form is valid
    (a ticket number drawn from a counter): a refused start draws nothing, a failed one rolls it back.
    ``decided``: variables the calling service worked out itself (the ticket a complaint names), added after
    the start form is checked, since the form holds only what the person may set. ``owner``: whose case it is
    when someone records it for them (staff filing a customer's complaint); ``user`` stays who started it. Every
    caller is a person: one the model does not name as a starter is refused before anything is drawn or written.
    ``directly`` False: the service owning a process its model keeps from direct starts has checked the start."""
    _check_business_key(business_key)
    with uow:
        definition = _definition(uow, key, definition_id)
        starters.check_may_start(user, definition, directly)
        form = start_form(uow, definition)
        if form is not None:
            variables = validate_submission(form, variables)
        variables = {**variables, **(decided or {})}
        if business_key_from is not None:
            business_key = business_key_from(uow)
        if business_key is None:  # a ticket or complaint started over REST without one still gets its number
            business_key = ticket_numbers.number_for(uow, definition.key)
        since = time.time()
        workflow = engine.new_workflow(process_spec(uow, definition), variables)
        engine.advance(workflow)
        instance = store_new_instance(uow, definition, workflow, user, business_key, since,
                                      {"variables": jsonable(variables)},
                                      retyped({}, variables, object_info or {}), owner)
        uow.commit()
        return instance


def store_new_instance(uow: UnitOfWork, definition: ProcessDefinition, workflow: Any, user: Optional[Principal],
                       business_key: Optional[str], since: float, audit_data: dict,
                       variable_types: Optional[dict] = None, owner: Optional[str] = None) -> ProcessInstance:
    """Insert the row of a just-started workflow and write its first step (any start: API, message, signal,
    timer; ``user`` None is the service itself).

    The instance belongs to ``owner`` when given (who sees it as theirs: the customer whose complaint the desk
    recorded), else to whoever started it; the history keeps ``user`` as who started it either way."""
    actor = user.id if user is not None else None
    # read afresh: definition rows are cached per process, but suspension changes
    if uow.session.scalar(select(ProcessDefinition.suspended).where(ProcessDefinition.id == definition.id)):
        raise SuspendedEntity(f"process definition {definition.id} is suspended; it cannot start new instances")
    instance = ProcessInstance(id=str(uuid.uuid4()), definition_id=definition.id, definition_key=definition.key,
                               business_key=business_key, status="ACTIVE", state=b"", variables={},
                               variable_types=variable_types or {}, started_at=utcnow(),
                               started_by=owner or actor)
    uow.session.add(instance)
    uow.session.flush()  # projections reference the instance row
    audit(uow, instance.id, actor, "instance_started", data=audit_data)
    step.save(uow, instance, definition, workflow, actor, since)
    return instance


_BUSINESS_KEY_LENGTH = ProcessInstance.__table__.c.business_key.type.length


def _check_business_key(business_key: Optional[str]) -> None:
    """Refused up front: PostgreSQL would fail on a longer key or on NUL, SQLite would store it silently."""
    if business_key is None:
        return
    if len(business_key) > _BUSINESS_KEY_LENGTH:
        raise InvalidInput(f"businessKey is {len(business_key)} characters long; at most "
                           f"{_BUSINESS_KEY_LENGTH} are allowed")
    if "\x00" in business_key:
        raise InvalidInput("businessKey must not contain the NUL character (U+0000)")


def get_instance(uow: UnitOfWork, instance_id: str, viewer: Principal) -> ProcessInstance:
    with uow:
        return _visible_instance(uow, instance_id, viewer)


def _visible_instance(uow: UnitOfWork, instance_id: str, viewer: Principal) -> ProcessInstance:
    instance = uow.session.get(ProcessInstance, instance_id)
    if instance is None:
        raise NotFound(f"process instance {instance_id} does not exist")
    if not viewer.may_see_instance(instance.started_by):
        raise Forbidden(f"user {viewer.id} may not see process instance {instance_id}")
    return instance


@dataclass
class InstanceQuery:
    """Filters of the running and historic instance lists; ``limit`` None returns every match.

    The state flags (``active``, ``completed``, ...) and ``finished``/``unfinished`` are Camunda's
    booleans where False means "no restriction"; ``finished`` and ``unfinished`` together match
    nothing, as in Camunda. ``started_before``/``started_after`` include the instant itself."""

    instance_id: Optional[str] = None
    instance_ids: Optional[list[str]] = None
    definition_id: Optional[str] = None
    key: Optional[str] = None
    keys: Optional[list[str]] = None
    business_key: Optional[str] = None
    business_key_like: Optional[str] = None
    status: Optional[str] = None
    finished: bool = False
    unfinished: bool = False
    started_by: Optional[str] = None
    started_before: Optional[datetime] = None
    started_after: Optional[datetime] = None
    finished_before: Optional[datetime] = None
    finished_after: Optional[datetime] = None
    first: int = 0
    limit: Optional[int] = None


def list_instances(uow: UnitOfWork, query: InstanceQuery, viewer: Principal) -> list[ProcessInstance]:
    """Instances (running or ended, as ``query`` says), newest first: the row is its own history."""
    with uow:
        stmt = _instance_filters(select(ProcessInstance), query, viewer)
        stmt = stmt.order_by(ProcessInstance.started_at.desc(), ProcessInstance.id).offset(query.first)
        return list(uow.session.scalars(stmt if query.limit is None else stmt.limit(query.limit)))


def count_instances(uow: UnitOfWork, query: InstanceQuery, viewer: Principal) -> int:
    """What ``list_instances`` would return without paging, counted by the database."""
    with uow:
        return uow.session.scalar(_instance_filters(select(func.count(ProcessInstance.id)), query, viewer)) or 0


def _instance_filters(stmt: Select, query: InstanceQuery, viewer: Principal) -> Select:
    """The filters of ``query``, plus what the viewer may see: a requester only the tickets they reported."""
    row = ProcessInstance
    if not viewer.is_staff:
        stmt = stmt.where(row.started_by == viewer.id)
    equal = ((row.id, query.instance_id), (row.definition_id, query.definition_id), (row.definition_key, query.key),
             (row.business_key, query.business_key), (row.status, query.status), (row.started_by, query.started_by))
    stmt = stmt.where(*(column == value for column, value in equal if value is not None))
    within = ((row.id, query.instance_ids), (row.definition_key, query.keys))
    stmt = stmt.where(*(column.in_(values) for column, values in within if values is not None))
    if query.business_key_like is not None:
        stmt = stmt.where(row.business_key.like(query.business_key_like))
    if query.finished:
        stmt = stmt.where(row.status != "ACTIVE")
    if query.unfinished:
        stmt = stmt.where(row.status == "ACTIVE")
    for column, bound, op in ((row.started_at, query.started_before, "le"), (row.started_at, query.started_after, "ge"),
                              (row.ended_at, query.finished_before, "le"), (row.ended_at, query.finished_after, "ge")):
        if bound is not None:
            stmt = stmt.where(column <= bound if op == "le" else column >= bound)
    return stmt


def start_form_key(uow: UnitOfWork, key: Optional[str] = None, definition_id: Optional[str] = None) -> Optional[str]:
    """The start event's form key as Tasklist reads it, or None when the process starts without a form.

    A linked Camunda Form is named ``camunda-forms:deployment:FORM_ID``, the
    same form key the process's user tasks report.
    """
    with uow:
        definition = _definition(uow, key, definition_id)
        spec = definition.meta.get("start") or {}
        if spec.get("form_ref"):
            return f"camunda-forms:deployment:{spec['form_ref']}"
        return spec.get("form_key")


def _definition(uow: UnitOfWork, key: Optional[str], definition_id: Optional[str]) -> ProcessDefinition:
    """The given version, or the latest of ``key``; every start asks, so only the id is read each time."""
    if not definition_id:
        definition_id = latest_definition_id(uow, key)
        if definition_id is None:
            raise NotFound(f"process definition {key} does not exist")
    return definition_row(uow, definition_id)


def activity_history(uow: UnitOfWork, instance_id: str, viewer: Principal) -> list[ActivityInstance]:
    with uow:
        _visible_instance(uow, instance_id, viewer)
        return list(uow.session.scalars(select(ActivityInstance).where(ActivityInstance.instance_id == instance_id)
                                        .order_by(ActivityInstance.started_at, ActivityInstance.ended_at)))


def audit_log(uow: UnitOfWork, instance_id: str, viewer: Principal) -> list[AuditEntry]:
    with uow:
        _visible_instance(uow, instance_id, viewer)
        return list(uow.session.scalars(select(AuditEntry).where(AuditEntry.instance_id == instance_id)
                                        .order_by(AuditEntry.id)))
