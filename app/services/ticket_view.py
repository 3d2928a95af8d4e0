"""The ticket as people read it: its facts, where it stands, its history and its path through the diagram.

A read model over the projections (instance row, open tasks, activity history,
audit log, incidents); it never loads the workflow blob. Pages call it: the
ticket view, the portal, and the task page beside its form. Authorization is
here, as everywhere in the service layer: a requester reads only the tickets
they reported, and even then not what is internal to the desk (incidents,
automatic steps, engineers' working notes); staff read everything.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Optional

from sqlalchemy import select

from app import sla
from app.db import UnitOfWork
from app.domain import Complaint
from app.errors import Forbidden, NotFound
from app.models import ActivityInstance, AuditEntry, HumanTask, Incident, ProcessInstance, Resource, User
from app.services import case_identity, ticket_path
from app.services.definitions import definition_row
from app.services.users import Principal

TICKET_PROCESS_KEY = "it_support_request"  # complaints are filed about support requests
COMPLAINT_PROCESS_KEY = "complaint_handling"

#: The facts a ticket is recognised by, in the order people look for them (DOMAIN.md, Flow 1 intake and
#: classification). ``business_key`` is the ticket number, not a variable.
KEY_FACTS = ("business_key", "requester", "contact", "department", "channel", "symptom", "occurred_at",
             "impact_scope", "impact", "urgency", "business_stopped", "already_tried", "request_type", "category",
             "priority", "vip", "ticket_status",
             # a complaint (Flow 2): who, from where, what, how serious, and where it stands
             "complainant", "complaint_source", "complaint", "severity", "complaint_status")
#: Facts a requester is not shown about their own ticket: whether the desk flagged them as VIP, and the
#: internal id of the ticket a complaint is about (the page links to that ticket by its number instead).
STAFF_ONLY_FACTS = frozenset({"vip", "ticket_instance_id"})
#: What a requester may read of the data others entered: the classification and what was done for them.
#: Diagnoses, escalation notes, vendor details and callback notes are the desk's working notes.
SHARED_WITH_REQUESTER = frozenset({"request_type", "category", "priority", "first_contact_answer", "progress_note",
                                   "cause", "solution", "steps", "callback_solved", "rating_attitude",
                                   "rating_speed", "rating_effect", "reply", "customer_satisfied"})
#: History a requester reads: their ticket moving, not the machinery behind it.
REQUESTER_ACTIONS = frozenset({"instance_started", "task_claimed", "task_completed", "instance_completed",
                               "instance_canceled"})


@dataclass(frozen=True)
class OpenStep:
    """A user task waiting on the ticket now, and who holds it."""

    task_id: str
    activity_id: str
    name: str
    assignee: Optional[str]
    assignee_name: Optional[str]
    groups: tuple[str, ...]
    people: tuple[str, ...]  # display names of the candidate users (a reporter asked to confirm, say)
    created_at: datetime
    due_at: Optional[datetime]
    for_viewer: bool  # offered to the reader by name (a requester's confirmation or rating)


@dataclass(frozen=True)
class IncidentNote:
    activity_id: str
    activity_name: str
    message: str
    created_at: datetime
    open: bool


@dataclass(frozen=True)
class Summary:
    instance_id: str
    business_key: Optional[str]
    process_name: str
    status: str  # ACTIVE | COMPLETED | INTERNALLY_TERMINATED, the instance's own
    state: str  # open | waiting | resolved | closed | canceled: the ticket in the requester's words
    started_at: datetime
    started_by: Optional[str]
    started_by_name: Optional[str]
    ended_at: Optional[datetime]
    last_changed_at: datetime
    key_facts: tuple[tuple[str, Any], ...]  # (name, value), present ones only, in KEY_FACTS order
    other_facts: tuple[tuple[str, Any], ...]
    open_steps: tuple[OpenStep, ...]
    groups: tuple[str, ...]  # who has the ticket now (or who resolved it)
    engineer_name: Optional[str]
    incidents: tuple[IncidentNote, ...]  # empty for requesters
    staff_view: bool
    sla_clock: Optional[sla.Clock]  # the clock that matters now (response, resolution, close), if any
    complaints: tuple["Linked", ...] = ()  # complaints about this ticket the viewer may open
    takes_complaints: bool = False  # a support request: complaints can be filed about it
    is_complaint: bool = False  # a complaint (Flow 2): the page calls it one
    about_ticket: Optional["Linked"] = None  # for a complaint: the ticket it is about
    case: Optional[case_identity.Case] = None  # what the instance is (a ticket, a week's survey...), its page


@dataclass(frozen=True)
class Linked:
    """Another instance this one is linked to (a ticket and its complaints), as a page names it."""

    instance_id: str
    number: Optional[str]
    at: datetime
    status: str


@dataclass(frozen=True)
class Entry:
    """One line of the history: who did what to which step, when, with which data."""

    at: datetime
    action: str
    actor: Optional[str]
    actor_name: Optional[str]  # None: the service itself
    activity_id: Optional[str]
    activity_name: Optional[str]
    data: tuple[tuple[str, Any], ...]
    note: Optional[str]  # an incident's message, a cancellation reason, who was assigned


@dataclass(frozen=True)
class Ticket:
    summary: Summary
    timeline: tuple[Entry, ...]
    path: ticket_path.Path
    incident_activities: tuple[str, ...]


def ticket(uow: UnitOfWork, instance_id: str, viewer: Principal,
           task_values: Optional[dict[str, Any]] = None) -> Ticket:
    """Everything the ticket view shows, read in one transaction.

    ``task_values``: the data of one task of a multi-instance activity, shown over the instance's: beside
    the survey of 财务部 the facts are 财务部's, not those of whichever department finished last."""
    with uow:
        instance = _visible(uow, instance_id, viewer)
        context = _Context(uow, instance, viewer, task_values or {})
        summary = _summary(context)
        return Ticket(summary, _timeline(context), _path(context),
                      tuple(i.activity_id for i in summary.incidents if i.open))


def summary(uow: UnitOfWork, instance_id: str, viewer: Principal) -> Summary:
    with uow:
        return _summary(_Context(uow, _visible(uow, instance_id, viewer), viewer))


def timeline(uow: UnitOfWork, instance_id: str, viewer: Principal) -> tuple[Entry, ...]:
    with uow:
        return _timeline(_Context(uow, _visible(uow, instance_id, viewer), viewer))


def diagram_xml(uow: UnitOfWork, instance_id: str, viewer: Principal) -> bytes:
    """The BPMN file the instance runs on, for the viewer to draw."""
    with uow:
        instance = _visible(uow, instance_id, viewer)
        return _model_source(uow, instance.definition_id)


def _visible(uow: UnitOfWork, instance_id: str, viewer: Principal) -> ProcessInstance:
    instance = uow.session.get(ProcessInstance, instance_id)
    if instance is None:
        raise NotFound(f"ticket {instance_id} does not exist")
    if not viewer.may_see_instance(instance.started_by):
        raise Forbidden(f"user {viewer.id} may not see ticket {instance_id}")
    return instance


def _model_source(uow: UnitOfWork, definition_id: str) -> bytes:
    return uow.session.get(Resource, definition_row(uow, definition_id).resource_id).content


class _Context:
    """The rows of one ticket, read once and shared by its summary, history and path."""

    def __init__(self, uow: UnitOfWork, instance: ProcessInstance, viewer: Principal,
                 task_values: Optional[dict[str, Any]] = None):
        self.uow, self.instance, self.viewer = uow, instance, viewer
        self.variables = {**(instance.variables or {}), **(task_values or {})}
        session = uow.session
        self.history = list(session.scalars(select(ActivityInstance).where(
            ActivityInstance.instance_id == instance.id).order_by(ActivityInstance.started_at)))
        self.audit = list(session.scalars(select(AuditEntry).where(AuditEntry.instance_id == instance.id)
                                          .order_by(AuditEntry.id)))
        self.open_tasks = list(session.scalars(select(HumanTask).where(
            HumanTask.instance_id == instance.id, HumanTask.status == "open").order_by(HumanTask.created_at)))
        self.activity_names = {row.activity_id: row.activity_name for row in self.history}
        self.activity_names.update({task.activity_id: task.name for task in self.open_tasks})
        actors = {entry.actor for entry in self.audit} | {t.assignee for t in self.open_tasks} | {instance.started_by}
        actors |= {user for task in self.open_tasks for user in task.candidate_users or ()}
        actors |= {(entry.data or {}).get("assignee") for entry in self.audit
                   if isinstance((entry.data or {}).get("assignee"), str)}
        self.names = display_names(uow, actors)

    @property
    def staff(self) -> bool:
        return self.viewer.is_staff


def display_names(uow: UnitOfWork, user_ids: set[Optional[str]]) -> dict[str, str]:
    """How people are called on pages; a user id without a row (deleted, external) stays as it is."""
    wanted = sorted(u for u in user_ids if u)
    if not wanted:
        return {}
    names = dict(uow.session.execute(select(User.id, User.display_name).where(User.id.in_(wanted))).all())
    return {user_id: names.get(user_id, user_id) for user_id in wanted}


def _summary(context: _Context) -> Summary:
    instance, viewer = context.instance, context.viewer
    variables = context.variables
    steps = tuple(_open_step(context, task) for task in context.open_tasks)
    definition = definition_row(context.uow, instance.definition_id)
    return Summary(
        instance_id=instance.id, business_key=instance.business_key, process_name=definition.name,
        status=instance.status, state=ticket_state(instance.status, variables, any(s.for_viewer for s in steps)),
        started_at=instance.started_at, started_by=instance.started_by,
        started_by_name=context.names.get(instance.started_by or ""), ended_at=instance.ended_at,
        last_changed_at=context.audit[-1].at if context.audit else instance.started_at,
        key_facts=_key_facts(instance, variables, context.staff),
        other_facts=_other_facts(variables, context.staff, _entry_order(context.audit)),
        open_steps=steps, groups=_groups(steps, variables), engineer_name=_engineer(context, steps),
        incidents=_incidents(context) if viewer.is_staff else (), staff_view=viewer.is_staff,
        complaints=_complaints(context), about_ticket=_about_ticket(context),
        takes_complaints=definition.key == TICKET_PROCESS_KEY, is_complaint=definition.key == COMPLAINT_PROCESS_KEY,
        case=case_identity.identify(context.uow, instance, definition.key, definition.name, viewer),
        sla_clock=sla.current_clock(variables) if instance.status == "ACTIVE" and variables.get("requested_at")
        else None)


def _complaints(context: _Context) -> tuple[Linked, ...]:
    """Complaints recorded against this ticket (from a callback or naming its number), oldest first."""
    rows = context.uow.session.execute(
        select(Complaint.instance_id, Complaint.number, Complaint.received_at, ProcessInstance.status,
               ProcessInstance.started_by)
        .join(ProcessInstance, ProcessInstance.id == Complaint.instance_id)
        .where(Complaint.ticket_instance_id == context.instance.id).order_by(Complaint.received_at))
    return tuple(Linked(row.instance_id, row.number, row.received_at, row.status) for row in rows
                 if context.viewer.may_see_instance(row.started_by))


def _about_ticket(context: _Context) -> Optional[Linked]:
    """The ticket a complaint is about, when it names one the viewer may open."""
    row = context.uow.session.execute(
        select(ProcessInstance.id, ProcessInstance.business_key, ProcessInstance.started_at, ProcessInstance.status,
               ProcessInstance.started_by)
        .join(Complaint, Complaint.ticket_instance_id == ProcessInstance.id)
        .where(Complaint.instance_id == context.instance.id)).first()
    if row is None or not context.viewer.may_see_instance(row.started_by):
        return None
    return Linked(row.id, row.business_key, row.started_at, row.status)


def ticket_state(status: str, variables: dict[str, Any], waiting_for_viewer: bool) -> str:
    """The ticket in the words a requester uses: open, waiting for you, resolved (awaiting callback), closed."""
    if status == "INTERNALLY_TERMINATED":
        return "canceled"
    if status == "COMPLETED" or variables.get("ticket_status") == "closed":
        return "closed"
    if waiting_for_viewer:
        return "waiting"
    if variables.get("ticket_status") == "resolved":
        return "resolved"
    return "open"


def _open_step(context: _Context, task: HumanTask) -> OpenStep:
    viewer = context.viewer
    for_viewer = task.assignee == viewer.id or (task.assignee is None and viewer.id in (task.candidate_users or []))
    return OpenStep(task.id, task.activity_id, task.name, task.assignee, context.names.get(task.assignee or ""),
                    tuple(task.candidate_groups or ()),
                    tuple(context.names.get(user, user) for user in task.candidate_users or ()),
                    task.created_at, task.due_at, for_viewer)


def _key_facts(instance: ProcessInstance, variables: dict[str, Any], staff: bool) -> tuple[tuple[str, Any], ...]:
    values = {**variables, "business_key": instance.business_key}
    return tuple((name, values[name]) for name in KEY_FACTS
                 if values.get(name) not in (None, "") and (staff or name not in STAFF_ONLY_FACTS))


def _other_facts(variables: dict[str, Any], staff: bool, order: dict[str, int]) -> tuple[tuple[str, Any], ...]:
    """The remaining variables in the order they were entered (so a step's fields stay together), then by name."""
    shown = [name for name in variables if name not in KEY_FACTS and (staff or name in SHARED_WITH_REQUESTER)]
    shown.sort(key=lambda name: (order.get(name, len(order)), name))
    return tuple((name, variables[name]) for name in shown)


def _entry_order(audit: list[AuditEntry]) -> dict[str, int]:
    """Variable name → position of its first appearance in the submitted or computed data of the history."""
    order: dict[str, int] = {}
    for entry in audit:
        values = (entry.data or {}).get("variables") or (entry.data or {}).get("result") or {}
        for name in values if isinstance(values, dict) else ():
            order.setdefault(name, len(order))
    return order


def _groups(steps: tuple[OpenStep, ...], variables: dict[str, Any]) -> tuple[str, ...]:
    """The groups the open steps are offered to; once none is open, the group that resolved the ticket."""
    groups = tuple(dict.fromkeys(g for step in steps for g in step.groups))
    if groups:
        return groups
    fallback = variables.get("resolver_group") or variables.get("tier1_group")
    return (fallback,) if isinstance(fallback, str) and fallback else ()


def _engineer(context: _Context, steps: tuple[OpenStep, ...]) -> Optional[str]:
    """Who holds an open step now; else who requested completion (申请完成), i.e. the resolving engineer."""
    holders = [step.assignee_name for step in steps if step.assignee_name]
    if holders:
        return ", ".join(dict.fromkeys(holders))
    for entry in reversed(context.audit):
        if entry.action == "handler_completed" and entry.data.get("topic") == "request_completion" and entry.actor:
            return context.names.get(entry.actor, entry.actor)
    return None


def _incidents(context: _Context) -> tuple[IncidentNote, ...]:
    rows = context.uow.session.scalars(select(Incident).where(Incident.instance_id == context.instance.id)
                                       .order_by(Incident.created_at))
    return tuple(IncidentNote(row.activity_id, context.activity_names.get(row.activity_id, row.activity_id),
                              row.message, row.created_at, row.status == "open") for row in rows)


def _timeline(context: _Context) -> tuple[Entry, ...]:
    return tuple(_entry(context, row) for row in context.audit if context.staff or row.action in REQUESTER_ACTIONS)


def _entry(context: _Context, row: AuditEntry) -> Entry:
    data = row.data or {}
    values = data.get("variables") if row.action in ("instance_started", "task_completed") else data.get("result")
    shown = _shown_values(values if isinstance(values, dict) else {}, context, row.actor)
    return Entry(at=row.at, action=row.action, actor=row.actor,
                 actor_name=context.names.get(row.actor) if row.actor else None,
                 activity_id=row.activity_id, activity_name=context.activity_names.get(row.activity_id or ""),
                 data=shown, note=_note(context, row))


def _shown_values(values: dict[str, Any], context: _Context, actor: Optional[str]) -> tuple[tuple[str, Any], ...]:
    """Staff read every value; a requester what they entered themselves and what the desk shares with them."""
    if context.staff:
        return tuple(values.items())
    if actor == context.viewer.id:
        return tuple((name, value) for name, value in values.items() if name not in STAFF_ONLY_FACTS)
    return tuple((name, value) for name, value in values.items() if name in SHARED_WITH_REQUESTER)


def _note(context: _Context, row: AuditEntry) -> Optional[str]:
    data = row.data or {}
    if row.action == "incident":
        return str(data.get("message", ""))
    if "assignee" in data and isinstance(data["assignee"], str):
        return context.names.get(data["assignee"], data["assignee"])
    if row.action == "instance_canceled" and context.staff:
        return data.get("deleteReason")
    return None


def _path(context: _Context) -> ticket_path.Path:
    instance = context.instance
    model = ticket_path.read_model(_model_source(context.uow, instance.definition_id), instance.definition_id)
    return ticket_path.taken_path(model, (ticket_path.Passage(row.activity_id, row.activity_type, row.started_at,
                                                              row.ended_at, row.canceled) for row in context.history))
