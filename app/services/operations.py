"""The live view (cockpit): where a process's instances stand, one instance's path, and repairs.

Every count is a grouped query on the projections (``activity_instance``,
``incident``, ``process_instance``), never a look into workflow blobs, so the
view stays fast at 100 k instances. Repairs — variables, retry, cancel — go
through the same services as the REST API; this module adds who may use them
here: process owners, admins and the project manager look, admins also change
variables, and owners and admins cancel and retry.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Any, Optional

from sqlalchemy import Select, func, select

from app.db import UnitOfWork
from app.errors import Forbidden, InvalidInput, NotFound
from app.modelcheck.xml import parse_xml
from app.models import ActivityInstance, Incident, ProcessDefinition, ProcessInstance, Resource
from app.services import incidents, instance_operations, ticket_path, variables
from app.services.users import ADMIN_GROUP, Principal
from app.values import is_variable_name, parse_boolean, parse_date, parse_json, parse_number

#: who may open the live view
VIEWING_GROUPS = frozenset({"process_owner", ADMIN_GROUP, "project_manager"})
#: who may retry and cancel there (the project manager watches, the owners act)
ACTING_GROUPS = frozenset({"process_owner", ADMIN_GROUP})
#: a boundary event waits beside its task: the task is where the token is
_NOT_TOKENS = ("boundaryEvent",)
STATES = ("ACTIVE", "COMPLETED", "EXTERNALLY_TERMINATED")
PAGE_SIZE = 25
VALUE_TYPES = ("String", "Integer", "Double", "Boolean", "Date", "Json", "Null")


def may_view(user: Principal) -> bool:
    return bool(user.groups & VIEWING_GROUPS)


def may_act(user: Principal) -> bool:
    return bool(user.groups & ACTING_GROUPS)


def may_edit_variables(user: Principal) -> bool:
    return ADMIN_GROUP in user.groups


def _require(allowed: bool, user: Principal, what: str) -> None:
    if not allowed:
        raise Forbidden(f"user {user.id} may not {what}")


# ------------------------------------------------------------------ the list of processes
@dataclass(frozen=True)
class ProcessLine:
    key: str
    name: str
    latest_version: int
    running: int
    open_incidents: int


def processes(uow: UnitOfWork, user: Principal) -> list[ProcessLine]:
    """Every deployed process with its running instances and open incidents, by name."""
    _require(may_view(user), user, "open the live view")
    with uow:
        latest = dict(uow.session.execute(select(ProcessDefinition.key, func.max(ProcessDefinition.version))
                                          .group_by(ProcessDefinition.key)).all())
        names = {row.key: row.name for row in uow.session.execute(
            select(ProcessDefinition.key, ProcessDefinition.name, ProcessDefinition.version))
            if latest[row.key] == row.version}
        running = dict(uow.session.execute(select(ProcessInstance.definition_key, func.count())
                                           .where(ProcessInstance.status == "ACTIVE")
                                           .group_by(ProcessInstance.definition_key)).all())
        failing = dict(uow.session.execute(
            select(ProcessDefinition.key, func.count(Incident.id))
            .join(ProcessDefinition, ProcessDefinition.id == Incident.definition_id)
            .where(Incident.status == "open").group_by(ProcessDefinition.key)).all())
        return sorted((ProcessLine(key, names[key], version, running.get(key, 0), failing.get(key, 0))
                       for key, version in latest.items()), key=lambda line: (line.name, line.key))


# ------------------------------------------------------------------ counts per element
@dataclass(frozen=True)
class ElementCount:
    activity_id: str
    name: str
    tokens: int
    incidents: int


@dataclass(frozen=True)
class LiveView:
    key: str
    versions: list[ProcessDefinition]  # newest first
    shown: ProcessDefinition           # the version whose diagram is drawn
    all_versions: bool
    counts: list[ElementCount]


def live_view(uow: UnitOfWork, user: Principal, key: str, version: Optional[int] = None) -> LiveView:
    """Tokens and open incidents per element of one version, or of all versions (``version`` None)."""
    _require(may_view(user), user, "open the live view")
    with uow:
        versions = list(uow.session.scalars(select(ProcessDefinition).where(ProcessDefinition.key == key)
                                            .order_by(ProcessDefinition.version.desc())))
        if not versions:
            raise NotFound(f"process {key} is not deployed")
        chosen = versions if version is None else [v for v in versions if v.version == version]
        if not chosen:
            raise NotFound(f"process {key} has no version {version}")
        counts = element_counts(uow, [v.id for v in chosen])
        names = _names_of(uow, chosen[0])
        named = [ElementCount(c.activity_id, names.get(c.activity_id) or c.name, c.tokens, c.incidents) for c in counts]
        return LiveView(key, versions, chosen[0], version is None, named)


#: element names per definition id, read once: a deployed version never changes
_NAMES: dict[str, dict[str, str]] = {}


def _names_of(uow: UnitOfWork, definition: ProcessDefinition) -> dict[str, str]:
    names = _NAMES.get(definition.id)
    if names is None:
        names = _element_names(uow.session.get(Resource, definition.resource_id).content, definition.resource_name)
        if len(_NAMES) >= 256:
            _NAMES.clear()
        _NAMES[definition.id] = names
    return names


def _element_names(xml: bytes, resource: str) -> dict[str, str]:
    """Element id → name as the drawn model has it (a failed gateway has no history row to take it from)."""
    return {node.get("id"): node.get("name") for node in parse_xml(xml, resource).iter()
            if isinstance(node.tag, str) and node.get("id") and node.get("name")}


def element_counts(uow: UnitOfWork, definition_ids: list[str]) -> list[ElementCount]:
    """The two grouped queries the live view's badges come from (each answered from one index)."""
    tokens = {row.activity_id: (row.name, row.n) for row in uow.session.execute(
        select(ActivityInstance.activity_id, func.max(ActivityInstance.activity_name).label("name"),
               func.count().label("n"))
        .where(ActivityInstance.definition_id.in_(definition_ids), ActivityInstance.ended_at.is_(None),
               ActivityInstance.activity_type.notin_(_NOT_TOKENS))
        .group_by(ActivityInstance.activity_id))}
    failing = dict(uow.session.execute(
        select(Incident.activity_id, func.count())
        .where(Incident.definition_id.in_(definition_ids), Incident.status == "open")
        .group_by(Incident.activity_id)).all())
    return [ElementCount(element, tokens.get(element, (element, 0))[0] or element, tokens.get(element, (None, 0))[1],
                         failing.get(element, 0)) for element in sorted(set(tokens) | set(failing))]


def diagram_xml(uow: UnitOfWork, user: Principal, definition_id: str) -> bytes:
    _require(may_view(user), user, "open the live view")
    with uow:
        definition = uow.session.get(ProcessDefinition, definition_id)
        if definition is None:
            raise NotFound(f"process definition {definition_id} does not exist")
        return uow.session.get(Resource, definition.resource_id).content


# ------------------------------------------------------------------ the instance list
@dataclass(frozen=True)
class InstanceFilter:
    state: Optional[str] = None
    business_key: Optional[str] = None
    started_from: Optional[date] = None
    started_until: Optional[date] = None  # inclusive: the whole day
    has_incident: Optional[bool] = None
    version: Optional[int] = None


@dataclass(frozen=True)
class InstanceLine:
    id: str
    business_key: Optional[str]
    version: int
    status: str
    started_at: datetime
    ended_at: Optional[datetime]
    open_incidents: int


def parse_filter(args: dict[str, str]) -> InstanceFilter:
    """The list's filters from query text; a bad value is a 400 naming the field."""
    state = args.get("state") or None
    if state is not None and state not in STATES:
        raise InvalidInput(f"state must be one of {', '.join(STATES)}")
    incident = args.get("incident") or None
    if incident not in (None, "yes", "no"):
        raise InvalidInput("incident must be yes or no")
    version = args.get("version") or None
    if version is not None and not version.isdigit():
        raise InvalidInput("version must be a version number")
    return InstanceFilter(state, (args.get("business_key") or "").strip() or None,
                          _day(args.get("started_from"), "started_from"),
                          _day(args.get("started_until"), "started_until"),
                          None if incident is None else incident == "yes", int(version) if version else None)


def _day(text: Optional[str], name: str) -> Optional[date]:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"{name} must be a date like 2026-12-01, not {text!r}") from None


def instances(uow: UnitOfWork, user: Principal, key: str, filters: InstanceFilter, page: int = 1
              ) -> tuple[list[InstanceLine], int]:
    """One page of the process's instances, newest first, and how many match in all."""
    _require(may_view(user), user, "open the live view")
    if page < 1:
        raise InvalidInput("page must be 1 or more")
    with uow:
        failing = (select(func.count(Incident.id)).where(Incident.instance_id == ProcessInstance.id,
                                                          Incident.status == "open").scalar_subquery())
        stmt = _filtered(select(ProcessInstance.id, ProcessInstance.business_key, ProcessDefinition.version,
                                ProcessInstance.status, ProcessInstance.started_at, ProcessInstance.ended_at,
                                failing.label("failing")), key, filters)
        rows = uow.session.execute(stmt.order_by(ProcessInstance.started_at.desc(), ProcessInstance.id)
                                   .offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)).all()
        total = uow.session.scalar(_filtered(select(func.count(ProcessInstance.id)), key, filters)) or 0
        return [InstanceLine(*row) for row in rows], total


def _filtered(stmt: Select, key: str, filters: InstanceFilter) -> Select:
    stmt = stmt.select_from(ProcessInstance).join(ProcessDefinition,
                                                  ProcessDefinition.id == ProcessInstance.definition_id)
    stmt = stmt.where(ProcessInstance.definition_key == key)
    if filters.state:
        stmt = stmt.where(ProcessInstance.status == filters.state)
    if filters.business_key:
        stmt = stmt.where(ProcessInstance.business_key.contains(filters.business_key, autoescape=True))
    if filters.started_from:
        stmt = stmt.where(ProcessInstance.started_at >= _midnight(filters.started_from))
    if filters.started_until:
        stmt = stmt.where(ProcessInstance.started_at < _midnight(filters.started_until + timedelta(days=1)))
    if filters.version is not None:
        stmt = stmt.where(ProcessDefinition.version == filters.version)
    if filters.has_incident is not None:  # from the few open incidents, not a probe per instance
        failing = ProcessInstance.id.in_(select(Incident.instance_id).where(Incident.status == "open"))
        stmt = stmt.where(failing if filters.has_incident else ~failing)
    return stmt


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=timezone.utc)


# ------------------------------------------------------------------ one instance
@dataclass(frozen=True)
class Variable:
    name: str
    type: str
    value: Any


@dataclass(frozen=True)
class InstanceDetail:
    instance: ProcessInstance
    definition: ProcessDefinition
    path: ticket_path.Path
    variables: list[Variable]
    incidents: list[Incident]


def instance_detail(uow: UnitOfWork, user: Principal, instance_id: str) -> InstanceDetail:
    _require(may_view(user), user, "open the live view")
    with uow:
        instance = uow.session.get(ProcessInstance, instance_id)
        if instance is None:
            raise NotFound(f"process instance {instance_id} does not exist")
        definition = uow.session.get(ProcessDefinition, instance.definition_id)
        history = uow.session.scalars(select(ActivityInstance).where(ActivityInstance.instance_id == instance_id)
                                      .order_by(ActivityInstance.started_at, ActivityInstance.id))
        model = ticket_path.read_model(uow.session.get(Resource, definition.resource_id).content, definition.id)
        path = ticket_path.taken_path(model, (ticket_path.Passage(r.activity_id, r.activity_type, r.started_at,
                                                                  r.ended_at, r.canceled) for r in history))
        found = list(uow.session.scalars(select(Incident).where(Incident.instance_id == instance_id)
                                         .order_by(Incident.status, Incident.created_at.desc())))
        types = instance.variable_types or {}
        shown = [Variable(name, _type_of(value, types.get(name, {})), value)
                 for name, value in sorted((instance.variables or {}).items())]
        return InstanceDetail(instance, definition, path, shown, found)


def _type_of(value: Any, marker: dict) -> str:
    if marker.get("type") == "Date":
        return "Date"
    if value is None:
        return "Null"
    if isinstance(value, bool):
        return "Boolean"
    if isinstance(value, int):
        return "Integer"
    if isinstance(value, float):
        return "Double"
    if isinstance(value, (dict, list)):
        return "Json"
    return "String"


# ------------------------------------------------------------------ repairs
def parse_value(kind: str, text: str) -> Any:
    """A typed value typed into the page; ValueError says why it is not one."""
    if kind == "String":
        return text
    if kind == "Integer":
        number = parse_number(text)
        if not isinstance(number, int):
            raise ValueError("expected a whole number")
        return number
    if kind == "Double":
        return float(parse_number(text))
    if kind == "Boolean":
        return parse_boolean(text)
    if kind == "Date":
        return parse_date(text)
    if kind == "Json":
        return parse_json(text)
    if kind == "Null":
        return None
    raise ValueError(f"type must be one of {', '.join(VALUE_TYPES)}")


def set_variable(uow: UnitOfWork, user: Principal, instance_id: str, name: str, kind: str, text: str) -> None:
    """An admin's change of one variable (audited by the variables service); the value is checked first."""
    _require(may_edit_variables(user), user, "change process variables here")
    if not is_variable_name(name):
        raise InvalidInput(f"{name!r} is not a variable name (letters, digits and _, not starting with _)")
    try:
        value = parse_value(kind, text)
    except ValueError as exc:
        raise InvalidInput(f"variable '{name}': {exc}") from None
    variables.modify_instance_variables(uow, instance_id, user, {name: value})


def retry_incident(uow: UnitOfWork, user: Principal, incident_id: str) -> str:
    """Run the failed element of an open incident again; returns its instance."""
    _require(may_act(user), user, "retry incidents")
    with uow:
        incident = uow.session.get(Incident, incident_id)
        if incident is None or incident.status != "open":
            raise NotFound(f"incident {incident_id} does not exist or is already resolved")
        task_id, instance_id = incident.task_id, incident.instance_id
    incidents.retry(uow, task_id, user)
    return instance_id


def cancel(uow: UnitOfWork, user: Principal, instance_id: str, reason: str) -> None:
    _require(may_act(user), user, "cancel process instances")
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("say why the instance is canceled")
    if len(reason) > 500:
        raise InvalidInput("the reason may be at most 500 characters")
    instance_operations.cancel_instance(uow, instance_id, user, reason)
