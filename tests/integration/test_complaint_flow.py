"""Flow 2, complaint handling (DOMAIN.md; 003 4.1), from each way a complaint arrives to its close.

Every path of ``processes/complaint_handling.bpmn``: settled at the first answer; answered again after
the customer was not satisfied; past the limit agreed with the customer (working days, decision
``complaint_limit``) → the project manager is told while the handling goes on. A complaint arrives by
the start form, by the message ``complaint_received`` (POST /message), or from a callback in Flow 1,
which links the two both ways.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from app import clock
from app.db import UnitOfWork
from app.domain import Complaint, ComplaintEvent
from app.models import Notification
from app.store import database
from scheduler import tick
from tests.conftest import typed
from tests.integration.test_support_request_flow import (SOLVED, activity_ids, handler_results, step,
                                                         walk_to_callback)

BACKENDS = ["sqlite"]  # flow rules and deadlines, not SQL: the same on both databases (tests/conftest.py)

PROCESS = "complaint_handling"
SHANGHAI = ZoneInfo("Asia/Shanghai")
INVESTIGATED = {"investigation": "工程师未按约定时间上门", "responsible_group": "tier2"}
CORRECTED = {"corrective_action": "重新安排上门时间并致歉"}
SATISFIED = {"reply": "已重新安排工程师并向您致歉", "customer_satisfied": "yes", "customer_feedback": ""}
NOT_SATISFIED = {"reply": "已提醒工程师注意", "customer_satisfied": "no", "customer_feedback": "只是提醒不够，需要书面说明"}


def complaint(**overrides: Any) -> dict[str, Any]:
    """The complaint feedback form (客户投诉反馈表), as staff fill it in for a phone complaint."""
    values = {"complainant": "张三", "contact": "13800000000", "department": "财务部", "complaint_source": "direct",
              "ticket_business_key": "", "complaint": "工程师上门迟到两小时，且态度冷淡", "severity": "general"}
    values.update(overrides)
    return values


def _rows(app, instance_id: str) -> tuple[Complaint, list[ComplaintEvent]]:
    with app.app_context():
        uow = UnitOfWork(database(app))
        with uow:
            row = uow.session.get(Complaint, instance_id)
            events = list(uow.session.scalars(select(ComplaintEvent).where(ComplaintEvent.instance_id == instance_id)
                                              .order_by(ComplaintEvent.id)))
            uow.session.expunge_all()
            return row, events


def _told(app, group: str, subject: str) -> int:
    with app.app_context():
        uow = UnitOfWork(database(app))
        with uow:
            return len(list(uow.session.scalars(select(Notification).where(Notification.group_id == group,
                                                                          Notification.subject == subject))))


def _handle(api, instance_id: str, *answers: dict[str, Any]) -> None:
    """Investigate, then put right and answer once per answer given."""
    step(api, instance_id, "investigate_complaint", ["service_desk"], "desk", INVESTIGATED)
    for answer in answers:
        step(api, instance_id, "take_corrective_action", ["tier2"], "tier2", CORRECTED)
        step(api, instance_id, "reply_to_customer", ["service_desk"], "desk", answer)


def test_a_complaint_settled_at_the_first_answer_is_closed_within_its_limit(app, api):
    instance_id = api.start(PROCESS, complaint(), user="desk")
    variables = api.variables(instance_id)
    assert variables["agreed_working_days"] == 3 and variables["complaint_status"] == "open"
    _handle(api, instance_id, SATISFIED)

    assert api.tasks(instance_id) == [] and api.history_state(instance_id) == "COMPLETED"
    row, events = _rows(app, instance_id)
    assert (row.source, row.severity, row.agreed_working_days, row.complainant) == ("direct", "general", 3, "张三")
    assert row.due_at > row.received_at
    assert [(e.kind, e.within_limit) for e in events] == [("closed", True)]
    assert _told(app, "service_desk", "Complaint %(complaint)s received") == 1
    assert "complaint_escalated" not in activity_ids(api, instance_id)


def test_an_unsatisfied_customer_sends_it_back_to_corrective_action(app, api):
    instance_id = api.start(PROCESS, complaint(), user="desk")
    _handle(api, instance_id, NOT_SATISFIED, SATISFIED)
    ids = activity_ids(api, instance_id)
    assert ids.count("take_corrective_action") == 2 and ids.count("reply_to_customer") == 2
    assert api.history_state(instance_id) == "COMPLETED"
    assert [e.kind for e in _rows(app, instance_id)[1]] == ["closed"]


def test_only_the_responsible_group_and_nobody_else_takes_the_corrective_action(api):
    instance_id = api.start(PROCESS, complaint(), user="desk")
    step(api, instance_id, "investigate_complaint", ["service_desk"], "desk", INVESTIGATED)
    task = api.only_task(instance_id, "take_corrective_action")
    assert api.complete(task["id"], "tier1", CORRECTED).status_code == 403
    assert api.complete(task["id"], "tier2", {"corrective_action": "好"}).status_code == 400  # too short to say


@pytest.mark.parametrize("severity, days, due_local", [
    ("serious", 1, datetime(2026, 12, 7, 10, 0)),    # Friday → Monday, over the weekend
    ("general", 3, datetime(2026, 12, 9, 10, 0)),    # Friday → Wednesday
])
def test_past_the_agreed_working_days_the_project_manager_is_told_and_handling_goes_on(app, api, severity, days,
                                                                                        due_local):
    filed = datetime(2026, 12, 4, 10, 0, tzinfo=SHANGHAI)  # a Friday
    with clock.frozen(filed) as advance:
        instance_id = api.start(PROCESS, complaint(severity=severity), user="desk")
        due = datetime.fromisoformat(api.variables(instance_id)["complaint_due_at"])
        assert due == due_local.replace(tzinfo=SHANGHAI)
        step(api, instance_id, "investigate_complaint", ["service_desk"], "desk", INVESTIGATED)

        advance(due - filed - timedelta(minutes=1))
        tick(app)
        assert _told(app, "project_manager", "Complaint %(complaint)s not settled in time") == 0

        advance(timedelta(minutes=2))
        tick(app)
        assert _told(app, "project_manager", "Complaint %(complaint)s not settled in time") == 1
        api.only_task(instance_id, "take_corrective_action")  # non-interrupting: the handling goes on
        step(api, instance_id, "take_corrective_action", ["tier2"], "tier2", CORRECTED)
        step(api, instance_id, "reply_to_customer", ["service_desk"], "desk", SATISFIED)

    assert api.history_state(instance_id) == "COMPLETED"
    row, events = _rows(app, instance_id)
    assert row.agreed_working_days == days
    assert [(e.kind, e.within_limit) for e in events] == [("escalated", None), ("closed", False)]


def test_a_message_starts_a_numbered_complaint(app, api):
    response = api.post("/message", user="servicedept", json={
        "messageName": "complaint_received", "resultEnabled": True,
        "processVariables": typed(complaint(complaint_source="satisfaction_survey", complaint="满意度调查：响应太慢"))})
    assert response.status_code == 200, response.get_json()
    [started] = response.get_json()
    instance = api.get(f"/process-instance/{started['processInstance']['id']}").get_json()
    assert instance["businessKey"].startswith("TS-") and len(instance["businessKey"]) == len("TS-20261201-0001")
    row, _ = _rows(app, instance["id"])
    assert (row.source, row.number) == ("satisfaction_survey", instance["businessKey"])


def test_a_complaint_at_callback_starts_complaint_handling_linked_to_the_ticket(app, api):
    instance_id = walk_to_callback(api, "tier1", "SD-20261201-0042")
    step(api, instance_id, "callback_rating", ["service_desk"], "desk",
         {**SOLVED, "complaint": "工程师态度冷淡"})
    [result] = [a["data"] for a in api.get(f"/history/audit/{instance_id}").get_json()
                if a["action"] == "handler_completed" and a["data"].get("topic") == "return_to_engineer"]
    [complaint_id] = result["started"]
    row, _ = _rows(app, complaint_id)
    assert (row.ticket_instance_id, row.ticket_business_key, row.source) == (instance_id, "SD-20261201-0042",
                                                                             "callback")
    assert (row.content, row.complainant, row.department) == ("工程师态度冷淡", "张三", "财务部")
    assert row.number.startswith("TS-")
    api.only_task(complaint_id, "investigate_complaint")
    assert len(handler_results(api, instance_id, "return_to_engineer")) == 1


def test_an_unknown_source_is_refused_by_the_form_and_stops_a_message_with_an_incident(api):
    refused = api.post(f"/process-definition/key/{PROCESS}/start", user="desk",
                       json={"variables": typed(complaint(complaint_source="rumour"))})
    assert refused.status_code == 400 and "complaint_source" in refused.get_json()["message"]
    response = api.post("/message", user="admin", json={
        "messageName": "complaint_received", "resultEnabled": True,
        "processVariables": typed(complaint(complaint_source="rumour"))})
    instance_id = response.get_json()[0]["processInstance"]["id"]
    incidents = api.get(f"/incident?processInstanceId={instance_id}").get_json()
    assert [i["activityId"] for i in incidents] == ["register_complaint"]
    assert "complaint_source 'rumour'" in incidents[0]["incidentMessage"]


def test_a_callback_complaint_without_complaint_handling_deployed_is_an_incident_not_lost(app, api):
    """If Flow 2 is missing, the callback's step stops with an incident instead of dropping the complaint."""
    suspend = api.put("/process-definition/key/complaint_handling/suspended", user="admin",
                      json={"suspended": True, "includeProcessInstances": False})
    assert suspend.status_code == 204, suspend.get_json()
    instance_id = walk_to_callback(api, "tier1", "SD-20261201-0043")
    step(api, instance_id, "callback_rating", ["service_desk"], "desk", {**SOLVED, "complaint": "态度冷淡"})
    incidents = api.get(f"/incident?processInstanceId={instance_id}").get_json()
    assert [i["activityId"] for i in incidents] == ["return_to_engineer"]
    assert "complaint_received" in incidents[0]["incidentMessage"]
