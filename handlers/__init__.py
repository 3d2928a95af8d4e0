"""Service-task handlers: the only Python a process model may call.

A BPMN service task names its handler the way Camunda Modeler writes an external
task: ``camunda:type="external" camunda:topic="close_ticket"``. Deployment refuses
a model whose topic is not registered here, so a typo is caught before any
instance runs.

A handler receives a :class:`HandlerContext` and returns a dict of variables to
merge into the instance (or ``None``). An exception raised by a handler becomes an
incident on the instance: the instance is kept and the step can be retried.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Optional

Handler = Callable[["HandlerContext"], Optional[dict]]

HANDLERS: dict[str, Handler] = {}


@dataclass
class Notification:
    """A message a handler asks to send; the engine stores it with the step."""

    group: str
    subject: str
    body: str


@dataclass
class HandlerContext:
    """What a handler may see and do: read variables, ask for notifications."""

    instance_id: str
    business_key: Optional[str]
    activity_id: str
    variables: dict[str, Any]
    notifications: list[Notification] = field(default_factory=list)

    def notify(self, group: str, subject: str, body: str) -> None:
        """Queue a notification to everyone in ``group``; stored in the same transaction."""
        self.notifications.append(Notification(group, subject, body))


def handler(name: str) -> Callable[[Handler], Handler]:
    """Register ``fn`` under ``name`` (the BPMN topic)."""

    def register(fn: Handler) -> Handler:
        if name in HANDLERS:
            raise ValueError(f"handler {name!r} registered twice")
        HANDLERS[name] = fn
        return fn

    return register


def load_all() -> dict[str, Handler]:
    """Import the handler modules so that their decorators run, then return the registry."""
    from handlers import support_request  # noqa: F401  (registration by import)

    return HANDLERS
