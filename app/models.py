"""Tables: definitions apart from running state, and the projections read by inbox, API and scheduler.

The serialized workflow in ``process_instance.state`` is read only to advance
that one instance. Everything listed or searched (tasks, timers, incidents,
history) is a projection row written in the same transaction as the state.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Optional

from sqlalchemy import JSON, false, text, true, ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import DateTime, TypeDecorator

from app import clock


#: ``inbox_due_at`` of a task without a due time: sorts after every real one on every backend
NO_DUE_DATE = datetime(9999, 12, 31, tzinfo=timezone.utc)


def utcnow() -> datetime:
    """Column default: the service clock, so stamps follow a frozen clock in tests."""
    return clock.now()


class UTCDateTime(TypeDecorator):
    """Aware UTC datetimes on every backend (SQLite would otherwise hand back naive ones)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None and value.tzinfo is not None:
            value = value.astimezone(timezone.utc).replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        return value.replace(tzinfo=timezone.utc) if value is not None else None


class Base(DeclarativeBase):
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSON, list[Any]: JSON}


# ------------------------------------------------------------------ people


class Group(Base):
    __tablename__ = "app_group"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))


class User(Base):
    __tablename__ = "app_user"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    display_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(256))
    email: Mapped[Optional[str]] = mapped_column(String(200))
    # what the pages use: None follows the browser's Accept-Language; a deactivated user keeps history
    language: Mapped[Optional[str]] = mapped_column(String(10))
    time_zone: Mapped[str] = mapped_column(String(64), default="Asia/Shanghai", server_default="Asia/Shanghai")
    active: Mapped[bool] = mapped_column(default=True, server_default=true())


class Membership(Base):
    __tablename__ = "app_membership"
    user_id: Mapped[str] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), primary_key=True)
    group_id: Mapped[str] = mapped_column(ForeignKey("app_group.id", ondelete="CASCADE"), primary_key=True)


# ------------------------------------------------------------------ definitions


class Deployment(Base):
    __tablename__ = "deployment"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    source: Mapped[Optional[str]] = mapped_column(String(200))
    deployed_at: Mapped[datetime] = mapped_column(default=utcnow)
    deployed_by: Mapped[Optional[str]] = mapped_column(String(64))


class Resource(Base):
    """A file of a deployment (BPMN, DMN or form), stored once, addressed by checksum."""

    __tablename__ = "resource"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    deployment_id: Mapped[str] = mapped_column(ForeignKey("deployment.id"), index=True)
    name: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(10))  # bpmn | dmn | form
    content: Mapped[bytes] = mapped_column(LargeBinary)
    checksum: Mapped[str] = mapped_column(String(64), index=True)
    form_id: Mapped[Optional[str]] = mapped_column(String(200), index=True)
    decision_ids: Mapped[list[Any]] = mapped_column(default=list)
    deployed_at: Mapped[datetime] = mapped_column(default=utcnow)


class ProcessDefinition(Base):
    """One version of one process; its instances run on exactly these sources forever."""

    __tablename__ = "process_definition"
    __table_args__ = (UniqueConstraint("key", "version"),)
    id: Mapped[str] = mapped_column(String(120), primary_key=True)
    key: Mapped[str] = mapped_column(String(100), index=True)
    version: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(300))
    deployment_id: Mapped[str] = mapped_column(ForeignKey("deployment.id"))
    resource_id: Mapped[str] = mapped_column(ForeignKey("resource.id"))
    resource_name: Mapped[str] = mapped_column(String(300))
    dmn_resource_ids: Mapped[list[Any]] = mapped_column(default=list)
    checksum: Mapped[str] = mapped_column(String(64))
    meta: Mapped[dict[str, Any]] = mapped_column(default=dict)  # user tasks, forms, start form
    deployed_at: Mapped[datetime] = mapped_column(default=utcnow)
    deployed_by: Mapped[Optional[str]] = mapped_column(String(64))
    suspended: Mapped[bool] = mapped_column(default=False, server_default=false())


# ------------------------------------------------------------------ running state


class ProcessInstance(Base):
    __tablename__ = "process_instance"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    definition_id: Mapped[str] = mapped_column(ForeignKey("process_definition.id"), index=True)
    definition_key: Mapped[str] = mapped_column(String(100), index=True)
    business_key: Mapped[Optional[str]] = mapped_column(String(200), index=True)
    status: Mapped[str] = mapped_column(String(30), index=True)  # ACTIVE | COMPLETED | INTERNALLY_TERMINATED
    state: Mapped[bytes] = mapped_column(LargeBinary)
    variables: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # typed values (REST input area): {name: {"type": "Date"} | {"type": "Object", "valueInfo": {...}}} for
    # the variables whose JSON form in ``variables`` does not say their type; see app.services.audit
    variable_types: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default=text("'{}'"))
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_by: Mapped[Optional[str]] = mapped_column(String(64))
    ended_at: Mapped[Optional[datetime]]
    suspended: Mapped[bool] = mapped_column(default=False, server_default=false())
    delete_reason: Mapped[Optional[str]] = mapped_column(String(500))

    __mapper_args__ = {"version_id_col": version}


class HumanTask(Base):
    __tablename__ = "human_task"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    instance_id: Mapped[str] = mapped_column(ForeignKey("process_instance.id", ondelete="CASCADE"), index=True)
    definition_id: Mapped[str] = mapped_column(String(120))
    activity_id: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(10), index=True)  # open | done | canceled
    assignee: Mapped[Optional[str]] = mapped_column(String(64), index=True)
    candidate_groups: Mapped[list[Any]] = mapped_column(default=list)
    candidate_users: Mapped[list[Any]] = mapped_column(default=list)
    form_key: Mapped[Optional[str]] = mapped_column(String(300))
    priority: Mapped[int] = mapped_column(Integer, default=50)
    due_at: Mapped[Optional[datetime]]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    completed_at: Mapped[Optional[datetime]]
    completed_by: Mapped[Optional[str]] = mapped_column(String(64))
    owner: Mapped[Optional[str]] = mapped_column(String(64))  # who delegated it (Camunda delegation)
    delegation_state: Mapped[Optional[str]] = mapped_column(String(10))  # PENDING | RESOLVED
    suspended: Mapped[bool] = mapped_column(default=False, server_default=false())
    # the due time the inbox sorts by (app.services.inbox_projection): never NULL, so one index orders it alike
    # on SQLite and PostgreSQL
    inbox_due_at: Mapped[datetime] = mapped_column(default=lambda: NO_DUE_DATE,
                                                   server_default=text("'9999-12-31 00:00:00'"))
    # what tells apart the tasks one multi-instance activity opens (its element: a department), as text
    item: Mapped[Optional[str]] = mapped_column(String(200))
    # the ticket's category while the task is open (app.services.inbox_projection), so that the inbox's
    # category filter reads its own index (ix_task_category) instead of joining every open task's ticket
    category: Mapped[Optional[str]] = mapped_column(String(40))


class TaskCandidate(Base):
    """Who may see an open task; rows exist only while the task is open, so inbox queries stay small."""

    __tablename__ = "task_candidate"
    # priority DESC in the index itself, so "most urgent, then oldest" is an index scan, not a sort
    __table_args__ = (Index("ix_candidate_inbox", "kind", "name", text("priority DESC"), "created_at", "task_id"),)
    task_id: Mapped[str] = mapped_column(ForeignKey("human_task.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(5), primary_key=True)  # group | user
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    priority: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime]
    inbox_due_at: Mapped[datetime] = mapped_column(default=lambda: NO_DUE_DATE,
                                                   server_default=text("'9999-12-31 00:00:00'"))
    # how many groups offer the task: the inbox counts a task offered to two of someone's groups once
    group_count: Mapped[int] = mapped_column(Integer, default=1, server_default=text("1"))


class Timer(Base):
    __tablename__ = "timer"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    instance_id: Mapped[str] = mapped_column(ForeignKey("process_instance.id", ondelete="CASCADE"), index=True)
    activity_id: Mapped[str] = mapped_column(String(200))
    due_at: Mapped[datetime] = mapped_column(index=True)
    claimed_by: Mapped[Optional[str]] = mapped_column(String(120))
    claimed_at: Mapped[Optional[datetime]]


class Incident(Base):
    __tablename__ = "incident"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    instance_id: Mapped[str] = mapped_column(ForeignKey("process_instance.id", ondelete="CASCADE"), index=True)
    definition_id: Mapped[str] = mapped_column(String(120))
    activity_id: Mapped[str] = mapped_column(String(200))
    task_id: Mapped[str] = mapped_column(String(36), index=True)
    incident_type: Mapped[str] = mapped_column(String(40), default="failedJob")
    message: Mapped[str] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    status: Mapped[str] = mapped_column(String(10), index=True)  # open | resolved
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[Optional[datetime]]
    stack_trace: Mapped[Optional[str]] = mapped_column(Text)  # of the last failure, served as the job's stacktrace
    annotation: Mapped[Optional[str]] = mapped_column(Text)  # an operator's note (Camunda's incident annotation)


class ActivityInstance(Base):
    """History of every BPMN element an instance passed, kept outside the workflow blob."""

    __tablename__ = "activity_instance"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    instance_id: Mapped[str] = mapped_column(ForeignKey("process_instance.id", ondelete="CASCADE"), index=True)
    definition_id: Mapped[str] = mapped_column(String(120))
    activity_id: Mapped[str] = mapped_column(String(200))
    activity_name: Mapped[str] = mapped_column(String(300))
    activity_type: Mapped[str] = mapped_column(String(60))
    started_at: Mapped[datetime]
    ended_at: Mapped[Optional[datetime]]
    canceled: Mapped[bool] = mapped_column(default=False)
    assignee: Mapped[Optional[str]] = mapped_column(String(64))


class AuditEntry(Base):
    """Append-only: who did what to which instance, with the data they gave."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    instance_id: Mapped[Optional[str]] = mapped_column(String(36), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor: Mapped[Optional[str]] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(40))
    activity_id: Mapped[Optional[str]] = mapped_column(String(200))
    task_id: Mapped[Optional[str]] = mapped_column(String(36))
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)


class Notification(Base):
    """Outbox of messages handlers asked for; delivery (mail) reads it later."""

    __tablename__ = "notification"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    instance_id: Mapped[Optional[str]] = mapped_column(String(36), index=True)
    group_id: Mapped[Optional[str]] = mapped_column(String(64))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[Optional[datetime]]
    # addressed to one person instead of a group; subject and body are English msgids rendered per
    # reader with these parameters (None: text stored as written, as before notifications were translated)
    user_id: Mapped[Optional[str]] = mapped_column(String(64))
    params: Mapped[Optional[dict[str, Any]]]


# ------------------------------------------------------------------ decisions and operations (read API)


class DecisionDefinition(Base):
    """One version of one DMN decision, versioned like processes: a changed DMN file is a new version.

    The decision's table lives in its DMN resource; this row makes decisions
    listable, addressable by id and key, and evaluable without scanning resources.
    """

    __tablename__ = "decision_definition"
    __table_args__ = (UniqueConstraint("key", "version"),)
    id: Mapped[str] = mapped_column(String(120), primary_key=True)
    key: Mapped[str] = mapped_column(String(100), index=True)
    version: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(300))
    deployment_id: Mapped[str] = mapped_column(ForeignKey("deployment.id"), index=True)
    resource_id: Mapped[str] = mapped_column(ForeignKey("resource.id"))
    resource_name: Mapped[str] = mapped_column(String(300))
    checksum: Mapped[str] = mapped_column(String(64))
    deployed_at: Mapped[datetime] = mapped_column(default=utcnow)


# activity statistics count the open activities of one definition without scanning the history table
Index("ix_activity_open_by_definition", ActivityInstance.definition_id, ActivityInstance.ended_at)
# the live view counts tokens and open incidents per element of a definition from the indexes alone
Index("ix_activity_open_elements", ActivityInstance.definition_id, ActivityInstance.ended_at,
      ActivityInstance.activity_id, ActivityInstance.activity_type)
Index("ix_incident_open_elements", Incident.definition_id, Incident.status, Incident.activity_id)
# the live view's instance list: one process, newest first
Index("ix_instance_key_started", ProcessInstance.definition_key, ProcessInstance.started_at)


# ------------------------------------------------------------------ saved task filters (admin API)


class TaskFilter(Base):
    """A saved task query (Camunda's filter), kept as the raw JSON body of POST /task.

    Keeping the body rather than parsed columns means a filter runs through the
    same parser as POST /task and gains every task filter added there.
    """

    __tablename__ = "task_filter"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    resource_type: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(200))
    owner: Mapped[str] = mapped_column(String(64), index=True)
    shared: Mapped[bool] = mapped_column(default=False)
    query: Mapped[dict[str, Any]] = mapped_column(default=dict)
    properties: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


# ------------------------------------------------------------------ runtime operations (messages, comments, task locals)
class MessageSubscription(Base):
    """A waiting message or signal catch event of a running instance, so that correlation is a SQL lookup.

    Keyed by the engine's task id; rewritten with every step, like timers. Start
    events are not listed: they belong to definitions, not instances.
    """

    __tablename__ = "message_subscription"
    __table_args__ = (Index("ix_message_subscription_event", "kind", "name"),)
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    instance_id: Mapped[str] = mapped_column(ForeignKey("process_instance.id", ondelete="CASCADE"), index=True)
    activity_id: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(10))  # message | signal
    name: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Comment(Base):
    """A note on a task or an instance; kept after the task is done, as Camunda's comments are."""

    __tablename__ = "comment"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    task_id: Mapped[Optional[str]] = mapped_column(String(36), index=True)
    instance_id: Mapped[Optional[str]] = mapped_column(String(36), index=True)
    user_id: Mapped[Optional[str]] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    message: Mapped[str] = mapped_column(Text)


class TaskLocalVariable(Base):
    """A variable local to one open task: not an instance variable, and gone when the task ends."""

    __tablename__ = "task_local_variable"
    task_id: Mapped[str] = mapped_column(ForeignKey("human_task.id", ondelete="CASCADE"), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON, nullable=True)


# ------------------------------------------------------------------ web sessions
class WebSession(Base):
    """A signed-in browser. The cookie carries only this random id, so signing out or deactivating a
    user ends the session on the server, and every sign-in gets a new id (no session fixation)."""

    __tablename__ = "web_session"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column()
    address: Mapped[Optional[str]] = mapped_column(String(64))


# ------------------------------------------------------------------ inbox (staff work lists)
class InboxTicket(Base):
    """What the inbox shows and filters by for each instance, kept beside the workflow blob.

    Rewritten by every step (``app.services.inbox_projection``) from the instance's
    variables and its latest response deadline, so that the inbox filters 100,000
    open tasks by category or text with SQL and never reads a variable blob.
    """

    __tablename__ = "inbox_ticket"
    instance_id: Mapped[str] = mapped_column(ForeignKey("process_instance.id", ondelete="CASCADE"),
                                             primary_key=True)
    business_key: Mapped[Optional[str]] = mapped_column(String(200))
    requester: Mapped[Optional[str]] = mapped_column(String(200))
    symptom: Mapped[Optional[str]] = mapped_column(String(300))
    category: Mapped[Optional[str]] = mapped_column(String(40), index=True)
    vip: Mapped[bool] = mapped_column(default=False, server_default=false())
    response_due_at: Mapped[Optional[datetime]]
    response_set_at: Mapped[Optional[datetime]]
    # the SLA clock a reader should look at now (app.sla.current_clock): response, resolution or close
    sla_clock: Mapped[Optional[str]] = mapped_column(String(20))
    sla_state: Mapped[Optional[str]] = mapped_column(String(20))
    sla_due_at: Mapped[Optional[datetime]]
    sla_started_at: Mapped[Optional[datetime]]
    # what the case is and what names it (app.services.case_names): a row reads "week 49's survey", not an id
    case_kind: Mapped[Optional[str]] = mapped_column(String(30))
    case_subject: Mapped[Optional[str]] = mapped_column(String(200))
    case_detail: Mapped[Optional[str]] = mapped_column(String(200))


# open tasks in inbox order (most urgent, then due soonest, then oldest): the "all" list is an index scan
Index("ix_task_inbox", HumanTask.status, HumanTask.priority.desc(), HumanTask.inbox_due_at, HumanTask.created_at,
      HumanTask.id)
# open tasks of one category in inbox order: the "all" list filtered by category is an index scan
Index("ix_task_category", HumanTask.status, HumanTask.category, HumanTask.priority.desc(), HumanTask.inbox_due_at,
      HumanTask.created_at, HumanTask.id)
# the tasks assigned to one person, in inbox order
Index("ix_task_mine", HumanTask.assignee, HumanTask.status, HumanTask.priority.desc(), HumanTask.inbox_due_at,
      HumanTask.created_at, HumanTask.id)
# the few tasks offered to several groups, which a count over several queues must not count twice
Index("ix_candidate_shared", TaskCandidate.kind, TaskCandidate.group_count, TaskCandidate.name, TaskCandidate.task_id)
# a group's queue in inbox order, read straight from the candidate index
Index("ix_candidate_inbox_due", TaskCandidate.kind, TaskCandidate.name, TaskCandidate.priority.desc(),
      TaskCandidate.inbox_due_at, TaskCandidate.created_at, TaskCandidate.task_id)


class InboxSearch(Base):
    """The words the inbox's text filter finds an open task by (``app.services.inbox_search``).

    One row per open task, deleted when it closes: the jieba-segmented words of its name,
    item, ticket number, requester and symptom. The database indexes them (migration 0034):
    the FTS5 table ``inbox_search_fts`` kept by triggers on SQLite, the generated column
    ``search_vector`` with a GIN index on PostgreSQL. Neither is mapped, see below.
    """

    __tablename__ = "inbox_search"
    # an integer key, because FTS5 indexes rows by rowid (the task's id is a string)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    task_id: Mapped[str] = mapped_column(ForeignKey("human_task.id", ondelete="CASCADE"), unique=True)
    words: Mapped[str] = mapped_column(Text)


#: The inbox search index as migration 0034 builds it, one kind per database and kept by the database
#: itself, so not mapped: schema comparison and autogenerate leave them alone (``migrations/env.py``).
INBOX_SEARCH_OBJECTS = frozenset({"inbox_search_fts", "inbox_search_fts_data", "inbox_search_fts_idx",
                                  "inbox_search_fts_docsize", "inbox_search_fts_config", "search_vector",
                                  "ix_inbox_search_vector"})


# ------------------------------------------------------------------ notification deliveries


class NotificationDelivery(Base):
    """One notification to one recipient over one channel (``app``, ``mail``, ``webhook``).

    Written with the step that asked for the notification (so it is never lost);
    the relay (``app.services.relay``) claims pending rows with a lease, sends them
    outside any step, and marks each sent in its own transaction. ``app`` rows are
    the in-app list: delivered when written, read once ``read_at`` is set. A mail or
    webhook that failed ``RELAY_MAX_ATTEMPTS`` times is given up (``given_up_at``):
    kept for the outbox page, sent again only when an administrator asks.
    """

    __tablename__ = "notification_delivery"
    __table_args__ = (UniqueConstraint("notification_id", "recipient", "channel"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    notification_id: Mapped[int] = mapped_column(ForeignKey("notification.id", ondelete="CASCADE"))
    recipient: Mapped[str] = mapped_column(String(64))  # a user id; "*" for the webhook
    channel: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    next_try_at: Mapped[datetime] = mapped_column(default=utcnow)
    attempts: Mapped[int] = mapped_column(default=0, server_default=text("0"))
    claimed_by: Mapped[Optional[str]] = mapped_column(String(200))
    lease_until: Mapped[Optional[datetime]]
    last_error: Mapped[Optional[str]] = mapped_column(Text)
    sent_at: Mapped[Optional[datetime]]
    read_at: Mapped[Optional[datetime]]
    given_up_at: Mapped[Optional[datetime]]


# what the relay claims: pending rows of a channel, soonest first
Index("ix_delivery_pending", NotificationDelivery.channel, NotificationDelivery.sent_at, NotificationDelivery.next_try_at)
# a person's in-app list and unread count
Index("ix_delivery_inbox", NotificationDelivery.recipient, NotificationDelivery.channel, NotificationDelivery.read_at,
      NotificationDelivery.notification_id)


# ------------------------------------------------------------------ timer leases and back-off (scheduler)
# Added to the timer projection here rather than in its class so that the scheduler's columns stay in one
# place. The projection inserts a timer row once and leaves it alone afterwards (insert-or-ignore), so a
# lease or a count of failed attempts survives every later step of the instance.
#: who fired it last claimed it, until when; another scheduler may take it over once the lease has run out
Timer.lease_until = mapped_column(UTCDateTime(), nullable=True)
#: failed firings so far; at ``TIMER_MAX_ATTEMPTS`` the timer becomes an incident and waits for a retry
Timer.attempts = mapped_column(Integer, nullable=False, default=0, server_default=text("0"))
#: not before this time again after a failed firing (exponential back-off); NULL when it never failed
Timer.next_try_at = mapped_column(UTCDateTime(), nullable=True)
# what the scheduler asks on every pass: the next timers it may fire, in due order
Index("ix_timer_firable", Timer.due_at, Timer.next_try_at)


# ------------------------------------------------------------------ timer start events (scheduler)
class StartTimer(Base):
    """When a timer start event of the latest version of a process next starts an instance.

    One row per (process key, start event); deployment replaces a process's rows
    (an unchanged event keeps its due time, so a redeploy neither fires twice nor
    resets a cycle). The scheduler claims due rows with a lease, as it does timers,
    and starts the instance and moves ``due_at`` on in one transaction. There is
    no instance to hold an incident, so a failure is counted and kept here.
    """

    __tablename__ = "start_timer"
    __table_args__ = (UniqueConstraint("process_key", "activity_id"),)
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    process_key: Mapped[str] = mapped_column(String(100))
    activity_id: Mapped[str] = mapped_column(String(200))
    definition_id: Mapped[str] = mapped_column(ForeignKey("process_definition.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # timeDate | timeCycle
    expression: Mapped[str] = mapped_column(Text)  # as deployed (a Python literal), compared on redeploy
    due_at: Mapped[datetime] = mapped_column(index=True)
    fired: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))  # for R3/...: how many so far
    claimed_by: Mapped[Optional[str]] = mapped_column(String(120))
    claimed_at: Mapped[Optional[datetime]]
    lease_until: Mapped[Optional[datetime]]
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    next_try_at: Mapped[Optional[datetime]]
    last_error: Mapped[Optional[str]] = mapped_column(Text)
