"""The seams later features build on: per-app authentication, the injectable clock, handler discovery,
and domain rows that handlers record in the step's own transaction."""
from __future__ import annotations

import base64
import pkgutil
import sys
from datetime import datetime, timedelta, timezone

from sqlalchemy import select

import handlers
from app import clock, create_app
from app.db import UnitOfWork
from app.domain import SlaEvent
from app.services.users import create_user
from app.store import database
from tests.conftest import _base_config
from tests.integration.test_support_request_flow import CLASSIFY, PROCESS, intake, step


def _basic(user: str, password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


def test_a_login_remembered_by_one_app_does_not_open_another(tmp_path):
    """Two apps on two databases with the same secret: a user of the first is unknown to the second."""
    first = create_app(_base_config(f"sqlite:///{tmp_path / 'a.db'}"))
    second = create_app(_base_config(f"sqlite:///{tmp_path / 'b.db'}"))
    try:
        create_user(UnitOfWork(database(first)), "only_in_a", "pw-a", ["service_desk"])
        headers = _basic("only_in_a", "pw-a")
        assert first.test_client().get("/engine-rest/task", headers=headers).status_code == 200
        response = second.test_client().get("/engine-rest/task", headers=headers)
        assert response.status_code == 401, response.get_json()
    finally:
        database(first).dispose()
        database(second).dispose()


def test_every_module_of_the_handlers_package_is_registered():
    registry = handlers.load_all()
    modules = [m.name for m in pkgutil.iter_modules(handlers.__path__)]
    assert modules and all(f"handlers.{name}" in sys.modules for name in modules)
    assert {"register_ticket", "set_sla_deadlines", "close_ticket"} <= set(registry)


def test_the_clock_moves_without_sleeping_and_stamps_follow_it(app, api):
    at = datetime(2020, 3, 2, 1, 0, tzinfo=timezone.utc)
    with clock.frozen(at) as advance:
        instance_id = api.start(PROCESS, intake(), user="requester", business_key="SR-CLOCK")
        assert datetime.fromisoformat(api.variables(instance_id)["requested_at"]) == at
        advance(timedelta(hours=3))
        assert clock.now() == at + timedelta(hours=3)
        started = api.get(f"/history/process-instance/{instance_id}").get_json()["startTime"]
    assert started.startswith("2020-03-02T01:00:00")
    assert clock.now().year >= 2026  # the real clock is back after the block


def test_handlers_record_domain_rows_with_the_step(app, api):
    """set_sla_deadlines records the response and resolution deadlines as SLA events, in the step's commit."""
    instance_id = api.start(PROCESS, intake(vip=True), user="requester", business_key="SR-SLA-EVENT")
    step(api, instance_id, "classify_request", ["service_desk"], "desk", CLASSIFY)
    due = datetime.fromisoformat(api.variables(instance_id)["response_due_at"])
    with app.app_context(), UnitOfWork(database(app), write=False) as uow:
        events = uow.session.scalars(select(SlaEvent).where(SlaEvent.instance_id == instance_id)).all()
    assert [(e.sla, e.kind, e.business_key) for e in events] == [("response", "deadline_set", "SR-SLA-EVENT"),
                                                                 ("resolution", "deadline_set", "SR-SLA-EVENT")]
    assert events[0].deadline == due


WAIT_AN_HOUR = b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d_wait" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="wait_an_hour" isExecutable="true">
    <bpmn:startEvent id="s"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:intermediateCatchEvent id="an_hour"><bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
      <bpmn:timerEventDefinition><bpmn:timeDuration>PT1H</bpmn:timeDuration></bpmn:timerEventDefinition>
    </bpmn:intermediateCatchEvent>
    <bpmn:userTask id="after_the_wait" camunda:candidateGroups="service_desk">
      <bpmn:incoming>f2</bpmn:incoming><bpmn:outgoing>f3</bpmn:outgoing></bpmn:userTask>
    <bpmn:endEvent id="e"><bpmn:incoming>f3</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="an_hour" />
    <bpmn:sequenceFlow id="f2" sourceRef="an_hour" targetRef="after_the_wait" />
    <bpmn:sequenceFlow id="f3" sourceRef="after_the_wait" targetRef="e" />
  </bpmn:process>
</bpmn:definitions>
"""


def test_engine_timers_follow_the_service_clock(app, api):
    """An hour's timer fires when the service clock has moved an hour on, with no sleep and no real hour."""
    from scheduler import tick

    from tests.helpers import deploy

    assert deploy(api, ("wait_an_hour.bpmn", WAIT_AN_HOUR)).status_code == 200
    with clock.frozen(datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc)) as advance:
        instance_id = api.start("wait_an_hour", {}, user="desk")
        [job] = api.get(f"/job?processInstanceId={instance_id}").get_json()
        assert job["dueDate"].startswith("2026-12-01T10:00:00")
        advance(timedelta(minutes=59))
        tick(app)
        assert api.tasks(instance_id) == []
        advance(timedelta(minutes=2))
        tick(app)
        assert [t["taskDefinitionKey"] for t in api.tasks(instance_id)] == ["after_the_wait"]
