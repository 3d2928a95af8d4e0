"""Message correlation and signal broadcast: events from outside that move waiting instances or start new ones.

Who waits for what is the ``message_subscription`` projection, so finding the
receivers is a SQL lookup by name (narrowed by instance id and business key);
correlation keys are then compared with the matched instances' projected
variables. Start events belong to definitions: the latest, not suspended
version of each process is asked for its message and signal start events
(parsed specs are cached). Every receiver changes in one transaction: a
correlation either happens everywhere or nowhere.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Optional

from sqlalchemy import func, select

from app import engine
from app.db import UnitOfWork
from app.errors import Conflict, Forbidden, InvalidInput, MismatchingMessageCorrelation, NotFound
from app.models import MessageSubscription, ProcessDefinition, ProcessInstance
from app.services import starters, step, ticket_numbers
from app.services.audit import audit, jsonable
from app.services.definitions import process_spec
from app.services.instances import store_new_instance
from app.services.users import Principal


#: Who starts an instance that a step's message started when no person made that step (a timer).
SYSTEM_USER = "system"


@dataclass
class Correlation:
    """What POST /message asks for; ``correlation_keys`` are matched against instance variables."""

    message_name: str
    business_key: Optional[str] = None
    instance_id: Optional[str] = None
    correlation_keys: dict[str, Any] = field(default_factory=dict)
    variables: dict[str, Any] = field(default_factory=dict)
    all: bool = False


@dataclass
class CorrelationResult:
    """One receiver: a waiting instance ("Execution") or a new one ("ProcessDefinition")."""

    result_type: str
    instance: ProcessInstance
    variables: dict[str, Any]


def correlate(uow: UnitOfWork, request: Correlation, user: Principal) -> list[CorrelationResult]:
    """Deliver a message as Camunda does: waiting instances first, then message start events.

    Without ``all``, exactly one receiver must match: several waiting
    executions (or, when none waits, several start events) are refused. With
    ``all``, every match receives it, and no match is not an error.
    """
    if not request.message_name:
        raise InvalidInput("messageName is required")
    with uow:
        waiting = _matching_subscriptions(uow, "message", request.message_name, user, request.instance_id,
                                          request.business_key, request.correlation_keys)
        starts: list[tuple[ProcessDefinition, str]] = []
        if request.all or not waiting:
            if request.instance_id is None and not request.correlation_keys:
                starts = _start_events(uow, "message", request.message_name)
        _check_cardinality(request, waiting, starts)
        _check_starters(starts, user)
        results = []
        for instance_id, subscriptions in _by_instance(waiting).items():
            instance = _deliver(uow, instance_id, subscriptions, "message", request.message_name,
                                request.variables, user)
            results.append(CorrelationResult("Execution", instance, dict(instance.variables)))
        for definition, activity_id in starts:
            instance = _start(uow, definition, activity_id, "message", request.message_name, request.variables,
                              user, request.business_key)
            results.append(CorrelationResult("ProcessDefinition", instance, dict(instance.variables)))
        uow.commit()
        return results


def _check_cardinality(request: Correlation, waiting: list, starts: list) -> None:
    name = request.message_name
    if not waiting and not starts:
        if request.all:
            return
        raise MismatchingMessageCorrelation(
            f"Cannot correlate message '{name}': No process definition or execution matches the parameters")
    if request.all:
        return
    if len(waiting) > 1:
        raise MismatchingMessageCorrelation(
            f"Cannot correlate a message with name '{name}' to a single execution. {len(waiting)} executions "
            "match the correlation keys; pass processInstanceId, businessKey or correlationKeys, or all=true")
    if not waiting and len(starts) > 1:
        raise MismatchingMessageCorrelation(
            f"Cannot correlate a message with name '{name}' to a single process definition. {len(starts)} "
            "process definitions match: " + ", ".join(sorted(d.key for d, _ in starts)))


def signal(uow: UnitOfWork, name: str, variables: dict[str, Any], user: Principal,
           instance_id: Optional[str] = None) -> int:
    """Broadcast a signal to every waiting signal catch event and start every process with that signal start.

    With ``instance_id`` (Camunda's executionId: executions are instances
    here) only that instance receives it. Staff only: a signal reaches every
    ticket. Returns how many catch events and start events received it.
    """
    if not user.is_staff:
        raise Forbidden(f"user {user.id} may not throw signals")
    if not name:
        raise InvalidInput("name is required")
    with uow:
        waiting = _matching_subscriptions(uow, "signal", name, user, instance_id, None, {})
        if instance_id is not None and not waiting:
            raise InvalidInput(f"process instance {instance_id} does not wait for signal '{name}'")
        starts = _start_events(uow, "signal", name) if instance_id is None else []
        _check_starters(starts, user)
        for target, subscriptions in _by_instance(waiting).items():
            _deliver(uow, target, subscriptions, "signal", name, variables, user)
        for definition, activity_id in starts:
            _start(uow, definition, activity_id, "signal", name, variables, user, None)
        uow.commit()
        return len(waiting) + len(starts)


def _check_starters(starts: list[tuple[ProcessDefinition, str]], user: Principal) -> None:
    """A person's message or signal starts only what they may start, checked before anything moves: one
    refused start refuses the whole delivery, as a transaction does."""
    for definition, _ in starts:
        starters.check_may_start(user, definition)


def _matching_subscriptions(uow: UnitOfWork, kind: str, name: str, user: Principal, instance_id: Optional[str],
                            business_key: Optional[str], keys: dict[str, Any]) -> list[MessageSubscription]:
    """Subscriptions of running, active instances the user may see, matching every given criterion."""
    query = (select(MessageSubscription, ProcessInstance.variables)
             .join(ProcessInstance, ProcessInstance.id == MessageSubscription.instance_id)
             .where(MessageSubscription.kind == kind, MessageSubscription.name == name,
                    ProcessInstance.status == "ACTIVE", ProcessInstance.suspended.is_(False))
             .order_by(ProcessInstance.started_at, MessageSubscription.instance_id, MessageSubscription.created_at,
                       MessageSubscription.id))
    if not user.is_staff:
        query = query.where(ProcessInstance.started_by == user.id)
    if instance_id is not None:
        query = query.where(ProcessInstance.id == instance_id)
    if business_key is not None:
        query = query.where(ProcessInstance.business_key == business_key)
    return [row for row, variables in uow.session.execute(query)
            if all(name in variables and _same(variables[name], value) for name, value in keys.items())]


def _same(stored: Any, wanted: Any) -> bool:
    """Equality without Python's True == 1: a Boolean key matches only a boolean variable."""
    if isinstance(stored, bool) or isinstance(wanted, bool):
        return isinstance(stored, bool) and isinstance(wanted, bool) and stored == wanted
    return stored == wanted


def _by_instance(subscriptions: list[MessageSubscription]) -> dict[str, list[MessageSubscription]]:
    grouped: dict[str, list[MessageSubscription]] = {}
    for row in subscriptions:
        grouped.setdefault(row.instance_id, []).append(row)
    return grouped


def _start_events(uow: UnitOfWork, kind: str, name: str) -> list[tuple[ProcessDefinition, str]]:
    """(definition, start event id) for the latest, active version of each process with such a start event."""
    latest = (select(ProcessDefinition.key, func.max(ProcessDefinition.version).label("version"))
              .group_by(ProcessDefinition.key).subquery())
    rows = uow.session.scalars(select(ProcessDefinition).join(
        latest, (latest.c.key == ProcessDefinition.key) & (latest.c.version == ProcessDefinition.version))
        .where(ProcessDefinition.suspended.is_(False)).order_by(ProcessDefinition.key))
    found = []
    for definition in rows:
        for activity_id, event_kind, event_name in engine.start_events(process_spec(uow, definition)):
            if event_kind == kind and event_name == name:
                found.append((definition, activity_id))
    return found


def _deliver(uow: UnitOfWork, instance_id: str, subscriptions: list[MessageSubscription], kind: str, name: str,
             variables: dict[str, Any], user: Principal) -> ProcessInstance:
    instance, definition, workflow = step.load(uow, instance_id)
    since = time.time()
    for subscription in subscriptions:
        try:
            engine.deliver_event(workflow, subscription.id, kind, name, variables)
        except KeyError:
            raise Conflict(f"process instance {instance_id} changed meanwhile; send the {kind} again") from None
        audit(uow, instance_id, user.id, f"{kind}_received", subscription.activity_id, subscription.id,
              {"name": name, "variables": jsonable(variables)})
    step.save(uow, instance, definition, workflow, user.id, since)
    return instance


def start_from_step(uow: UnitOfWork, name: str, variables: dict[str, Any], actor: Optional[str],
                    owner: Optional[str] = None) -> list[ProcessInstance]:
    """Start what a handler's message asks for (a callback complaint starting Flow 2), in the sending
    step's transaction: the message is sent if and only if the step commits. Only start events are
    looked for; a message no deployed process starts on is an error of the model, not silence.
    ``owner``: whose the new instances are (the requester who complained at the callback), when not
    the sender's."""
    starts = _start_events(uow, "message", name)
    if not starts:
        raise NotFound(f"no deployed process starts on the message '{name}'")
    sender = Principal(actor or SYSTEM_USER, frozenset())
    return [_start(uow, definition, activity_id, "message", name, variables, sender, None, owner)
            for definition, activity_id in starts]


def _start(uow: UnitOfWork, definition: ProcessDefinition, activity_id: str, kind: str, name: str,
           variables: dict[str, Any], user: Principal, business_key: Optional[str],
           owner: Optional[str] = None) -> ProcessInstance:
    business_key = business_key or ticket_numbers.number_for(uow, definition.key)
    since = time.time()
    workflow = engine.start_by_event(process_spec(uow, definition), activity_id, variables)
    return store_new_instance(uow, definition, workflow, user, business_key, since,
                              {kind: name, "activity_id": activity_id, "variables": jsonable(variables)},
                              owner=owner)
