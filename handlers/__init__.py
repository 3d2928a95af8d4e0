"""Service-task handlers: the only Python a process model may call.

A BPMN service task names its handler the way Camunda Modeler writes an external
task: ``camunda:type="external" camunda:topic="close_ticket"``. Deployment refuses
a model whose topic is not registered here, so a typo is caught before any
instance runs.

A handler receives a :class:`HandlerContext` and returns a dict of variables to
merge into the instance (or ``None``). An exception raised by a handler becomes an
incident on the instance: the instance is kept and the step can be retried.
Handlers never open transactions: what they ask for (notifications, domain
rows) is written with the step, so a retried step cannot write it twice. They
may read domain rows (``ctx.rows``) in the step's transaction, never change them there.

Every module of this package is imported on first use, so a new flow's
handlers only need a new module here.
"""
from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable, Optional, Protocol

from sqlalchemy import select

Handler = Callable[["HandlerContext"], Optional[dict]]

HANDLERS: dict[str, Handler] = {}


@dataclass
class Notification:
    """A message a handler asks to send; the engine stores it with the step.

    ``subject`` and ``body`` are English msgids (marked with ``N_`` so they reach
    the catalogs); each recipient reads them in their own language, with
    ``params`` filled into their ``%(name)s`` places. A parameter named ``link``
    or ``…_link`` holds a site path (``/portal/surveys/…``): mails and webhooks
    carry it as an absolute address from ``SITE_URL`` (``app.links``).
    """

    group: Optional[str]
    subject: str
    body: str
    params: dict[str, str] = field(default_factory=dict)
    user: Optional[str] = None


@dataclass
class Message:
    """A BPMN message a handler sends, starting every process whose start event waits for ``name``
    (as ``POST /message`` would); sent with the step, so a retried step cannot send it twice."""

    name: str
    variables: dict[str, Any]
    owner: Optional[str] = None  # whose the started instances are, when not the step's actor's


@dataclass
class RowUpdate:
    """New values for the one existing domain row whose columns equal ``where``; written with the step.

    A row a handler keeps up to date (an article moving from draft to published) is found by
    a natural key it knows from its variables, such as the instance id, never by a database id
    it cannot see. No such row, or several, fails the handler (an incident), nothing written.
    """

    table: type
    where: dict[str, Any]
    values: dict[str, Any]


class StepReader(Protocol):
    """The database access a step lends its handlers (``app.services.dispatch.StepReader``)."""

    def execute(self, statement: Any) -> Any: ...

    def unit(self) -> Any: ...


@dataclass
class HandlerContext:
    """What a handler may see and do: read variables, ask for notifications, send messages, record domain rows.

    ``actor`` is who made the step that reached the handler (the person completing a task,
    starting the instance or retrying the job); None when the scheduler fired a timer.

    ``reader`` runs ``read``: the step's session, set by the service layer.

    ``calendar`` is the working-day calendar in effect (holidays, 调休, working hours), for
    ``app.workcal.add_working_days(ctx.calendar, ctx.now, 2)`` and its siblings.

    ``reader`` (set by the service layer) is how handlers read domain rows: ``rows`` and ``read``
    in the step's own transaction, ``read_only_unit`` for a service-layer query that opens its
    own unit (the monthly report's figures). Reading never writes: a change goes through
    ``record`` or ``update``, so it is written with the step.
    """

    instance_id: str
    business_key: Optional[str]
    activity_id: str
    variables: dict[str, Any]
    now: datetime = field(default_factory=lambda: _clock_now())
    calendar: Any = field(default_factory=lambda: _current_calendar())
    notifications: list[Notification] = field(default_factory=list)
    records: list[Any] = field(default_factory=list)
    messages: list[Message] = field(default_factory=list)
    updates: list[RowUpdate] = field(default_factory=list)
    actor: Optional[str] = None
    reader: Optional[StepReader] = field(default=None, repr=False)

    def notify(self, group: str, subject: str, body: str, /, **params: Any) -> None:
        """Queue a notification to every active member of ``group``; stored in the same transaction."""
        self.notifications.append(Notification(group, subject, body, _texts(params)))

    def notify_user(self, user_id: str, subject: str, body: str, /, **params: Any) -> None:
        """Queue a notification to one person (an assignee, a requester); stored in the same transaction."""
        self.notifications.append(Notification(None, subject, body, _texts(params), user=user_id))

    def send_message(self, name: str, /, *, owner: Optional[str] = None, **variables: Any) -> None:
        """Start the processes that begin with message ``name`` (a complaint, from a callback), with the step;
        ``owner`` is the user they belong to (the requester who complained), else the step's actor."""
        self.messages.append(Message(name, dict(variables), owner))

    def record(self, row: Any) -> None:
        """Add a domain row (a table instance from ``app.domain``); inserted with the step."""
        self.records.append(row)

    def update(self, table: type, where: dict[str, Any], /, **values: Any) -> None:
        """Change the domain row of ``table`` matching ``where``; updated with the step."""
        self.updates.append(RowUpdate(table, dict(where), values))

    def rows(self, table: type, /, **where: Any) -> list[Any]:
        """The domain rows of ``table`` whose columns equal ``where`` (a list or tuple value: any of its items),
        read in the step's transaction, rows recorded earlier in it included (a department's open tickets, last
        week's survey items)."""
        conditions = [getattr(table, column).in_(value) if isinstance(value, (list, tuple))
                      else getattr(table, column) == value for column, value in where.items()]
        return list(self._reader().execute(select(table).where(*conditions)).scalars())

    def read(self, statement: Any) -> list:
        """The rows of a SELECT over domain tables, in the step's transaction (a campaign's audience and
        answers, the tickets closed last week)."""
        return list(self._reader().execute(statement).all())

    def read_only_unit(self) -> Any:
        """A read-only unit of work of its own, not yet entered, for a service query over committed rows."""
        return self._reader().unit()

    def _reader(self) -> StepReader:
        if self.reader is None:
            raise RuntimeError("this handler context has no database to read")
        return self.reader


def _texts(params: dict[str, Any]) -> dict[str, str]:
    """Parameters as text, so they keep in JSON and read the same in every language."""
    return {name: "" if value is None else str(value) for name, value in params.items()}


def _clock_now() -> datetime:
    from app import clock

    return clock.now()


def _current_calendar() -> Any:
    from app import workcal

    return workcal.current()


def handler(name: str) -> Callable[[Handler], Handler]:
    """Register ``fn`` under ``name`` (the BPMN topic)."""

    def register(fn: Handler) -> Handler:
        if name in HANDLERS:
            raise ValueError(f"handler {name!r} registered twice")
        HANDLERS[name] = fn
        return fn

    return register


_loaded = False


def load_all() -> dict[str, Handler]:
    """Import every module of this package once so that their decorators run, then return the registry."""
    global _loaded
    if not _loaded:
        for module in pkgutil.iter_modules(__path__):
            importlib.import_module(f"{__name__}.{module.name}")
        _loaded = True
    return HANDLERS
