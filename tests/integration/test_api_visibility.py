"""Who may read what: requesters see the tickets they reported, staff see all; tasks go only to candidates."""
from __future__ import annotations

import pytest

from app.db import UnitOfWork
from app.services.users import create_user
from app.store import database
from tests.conftest import DEMO_PASSWORD
from tests.helpers import deploy, one_task_process

INTAKE = {"requester": "王五", "contact": "13800000000", "department": "财务部", "channel": "portal",
          "symptom": "邮箱无法登录", "occurred_at": "2026-11-24T09:00:00", "impact_scope": "本人",
          "already_tried": "重置密码", "impact": "low", "urgency": "low", "vip": False, "business_stopped": False}


@pytest.fixture
def ticket(app, api):
    create_user(UnitOfWork(database(app)), "neighbour", DEMO_PASSWORD, ["requester"])
    return api.start("it_support_request", INTAKE, user="requester")


def test_requester_reads_own_ticket_only(api, ticket):
    for path in (f"/process-instance/{ticket}", f"/process-instance/{ticket}/variables",
                 f"/history/process-instance/{ticket}", f"/history/activity-instance?processInstanceId={ticket}",
                 f"/history/variable-instance?processInstanceId={ticket}", f"/history/audit/{ticket}"):
        assert api.get(path, user="requester").status_code == 200, path
        other = api.get(path, user="neighbour")
        assert other.status_code == 403, path
        assert other.get_json()["type"] == "AuthorizationException"
    assert [i["id"] for i in api.get("/process-instance", user="requester").get_json()] == [ticket]
    assert api.get("/process-instance", user="neighbour").get_json() == []
    assert api.get("/process-instance/count", user="neighbour").get_json() == {"count": 0}
    assert api.get("/history/process-instance", user="neighbour").get_json() == []
    assert api.get("/history/process-instance/count", user="requester").get_json() == {"count": 1}


def test_requester_sees_no_staff_tasks_and_no_incidents(api, ticket):
    task_id = api.only_task(ticket, "classify_request")["id"]
    assert api.get(f"/task?processInstanceId={ticket}", user="requester").get_json() == []
    assert api.get("/task/count", user="requester").get_json() == {"count": 0}
    for path in (f"/task/{task_id}", f"/task/{task_id}/variables", f"/task/{task_id}/form-variables"):
        assert api.get(path, user="requester").status_code == 403, path
    assert api.get("/incident", user="requester").status_code == 403
    assert api.put(f"/job/{task_id}/retries", user="requester", json={"retries": 1}).status_code == 403


def test_staff_see_every_ticket(api, ticket):
    for user in ("desk", "tier2", "pm"):
        assert api.get(f"/process-instance/{ticket}/variables", user=user).status_code == 200, user
        assert [t["taskDefinitionKey"] for t in api.get(f"/task?processInstanceId={ticket}", user=user).get_json()] \
            == ["classify_request"]


def test_a_task_is_claimed_for_someone_else_only_if_they_are_a_candidate(api, ticket):
    task_id = api.only_task(ticket, "classify_request")["id"]
    refused = api.post(f"/task/{task_id}/claim", user="desk", json={"userId": "tier2"})
    assert refused.status_code == 403 and "tier2" in refused.get_json()["message"]
    assert api.get(f"/task/{task_id}").get_json()["assignee"] is None
    assert api.post(f"/task/{task_id}/claim", user="desk", json={"userId": "admin"}).status_code == 204
    assert api.get(f"/task/{task_id}").get_json()["assignee"] == "admin"


def test_a_task_offered_to_the_requester_group_is_only_for_whoever_reported_that_ticket(app, api, ticket):
    """Offered to group ``requester``, a task is the reporter's: other requesters neither list nor open it."""
    assert deploy(api, one_task_process("requester_confirms", "confirm_fix", "确认已修复",
                                        group="requester")).status_code == 200
    own = api.start("requester_confirms", {}, user="neighbour")
    task_id = api.only_task(own, "confirm_fix")["id"]
    assert [t["id"] for t in api.get("/task", user="neighbour").get_json()] == [task_id]
    assert api.get(f"/task/{task_id}", user="neighbour").status_code == 200
    assert api.get("/task", user="requester").get_json() == []
    assert api.get("/task/count", user="requester").get_json() == {"count": 0}
    assert api.get(f"/task/{task_id}", user="requester").status_code == 403
    assert api.post(f"/task/{task_id}/claim", user="requester", json={"userId": "requester"}).status_code == 403
    assert api.complete(task_id, "requester", {}).status_code == 403
    assert api.complete(task_id, "neighbour", {}).status_code == 204
