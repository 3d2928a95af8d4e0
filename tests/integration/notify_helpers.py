"""Real receivers for notification tests: an SMTP server (aiosmtpd) and a webhook (http.server) on loopback,
a tiny process whose service task asks for a notification, and one relay pass as the scheduler would run it."""
from __future__ import annotations

import socket
import threading
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Iterator, Optional

import pytest
from aiosmtpd.controller import Controller

from app.db import UnitOfWork
from app.services import relay
from app.store import database
from app.texts import N_
from tests.helpers import deploy, register_handler, unregister_handler

TOPIC = "test_tell_people"
PROCESS = "tell_people"
TELL = f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="Definitions_tell" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="{PROCESS}" name="tell people" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:serviceTask id="tell" name="Tell" camunda:type="external" camunda:topic="{TOPIC}">
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
    </bpmn:serviceTask>
    <bpmn:endEvent id="end"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="tell" />
    <bpmn:sequenceFlow id="f2" sourceRef="tell" targetRef="end" />
  </bpmn:process>
</bpmn:definitions>
""".encode()


def _tell(ctx) -> None:
    """Flow 1's escalation texts, to a group or to one person, about the started ticket."""
    variables = ctx.variables
    subject, body = N_("Ticket %(ticket)s escalated to tier 2"), N_("Why: %(reason)s")
    if variables.get("user"):
        ctx.notify_user(variables["user"], subject, body, ticket=ctx.business_key, reason=variables["reason"])
    else:
        ctx.notify(variables["group"], subject, body, ticket=ctx.business_key, reason=variables["reason"])


@pytest.fixture
def tell(api):
    """``tell(group=…|user=…, reason=…, ticket=…)`` runs an instance that notifies them; returns its id."""
    register_handler(TOPIC, _tell)
    assert deploy(api, ("tell_people.bpmn", TELL)).status_code == 200

    def start(reason: str = "printer on fire", ticket: str = "SD-TEST-1", **to: str) -> str:
        return api.start(PROCESS, {"reason": reason, **to}, user="admin", business_key=ticket)

    yield start
    unregister_handler(TOPIC)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class SmtpInbox:
    """An aiosmtpd handler keeping every accepted message; the first ``refuse`` DATA commands get 451."""

    def __init__(self, refuse: int = 0):
        self.refuse = refuse
        self.refused = 0
        self.messages: list[EmailMessage] = []
        self._lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 - aiosmtpd's hook name
        with self._lock:
            if self.refused < self.refuse:
                self.refused += 1
                return "451 4.3.0 Try again later"
            self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        return [message for message in self.messages if address in message["To"]]


@pytest.fixture
def smtp() -> Iterator[tuple[SmtpInbox, dict[str, Any]]]:
    """A real SMTP server on loopback and the settings that point the relay at it."""
    inbox = SmtpInbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield inbox, {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": controller.port, "MAIL_FROM": "desk@example.com"}
    controller.stop()


class WebhookReceiver(BaseHTTPRequestHandler):
    """Keeps each POST (headers and raw body); answers the codes queued in ``server.answers``, then 204."""

    def do_POST(self) -> None:  # noqa: N802 - http.server's hook name
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.calls.append((dict(self.headers), body))
        status = self.server.answers.pop(0) if self.server.answers else 204
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        """Quiet: the test reads the calls, not the log."""


@pytest.fixture
def webhook() -> Iterator[ThreadingHTTPServer]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), WebhookReceiver)
    server.calls, server.answers = [], []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join()


def relay_pass(app, settings: dict[str, Any], worker: str = "relay-test", limit: Optional[int] = None) -> int:
    """One relay pass, as the relay's clock runs it in a process with the scheduler."""
    with app.app_context():
        db = database(app)
        return relay.deliver_pending(lambda write=True: UnitOfWork(db, write=write), settings, worker,
                                     **({"limit": limit} if limit else {}))
