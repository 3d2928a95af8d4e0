"""Process-instance operations: POST query and count, cancel (one and many), the activity tree, suspension."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from app import clock
from app.db import UnitOfWork
from app.models import MessageSubscription, Timer
from app.services import timers
from app.store import database
from scheduler import tick
from tests.conftest import typed
from tests.helpers import DATA, deploy

RUNTIME = DATA / "runtime"


@pytest.fixture
def runtime_models(api):
    response = deploy(api, RUNTIME / "messages.bpmn", RUNTIME / "timer_wait.bpmn")
    assert response.status_code == 200, response.get_json()


pytestmark = pytest.mark.usefixtures("runtime_models")


def _paid(api, **kw) -> str:
    """An instance standing in its user task, with a message boundary event waiting on it."""
    instance_id = api.start("rt_wait_payment", {}, **kw)
    assert api.post("/message", json={"messageName": "payment_received", "processInstanceId": instance_id}
                    ).status_code == 204
    return instance_id


def _delete(api, path: str, user: str = "admin"):
    """DELETE on engine-rest as ``user`` (the shared Api helper has no delete)."""
    return api.client.delete(f"/engine-rest{path}", headers=api.headers(user))


def _rows(app, model, instance_id: str) -> list:
    with app.app_context(), UnitOfWork(database(app), write=False) as uow:
        return list(uow.session.scalars(select(model).where(model.instance_id == instance_id)))


def test_cancel_closes_tasks_drops_subscriptions_and_records_the_reason(app, api):
    instance_id = _paid(api)
    task_id = api.tasks(instance_id)[0]["id"]
    assert _rows(app, MessageSubscription, instance_id)
    response = _delete(api, f"/process-instance/{instance_id}?deleteReason=duplicate%20ticket", "desk")
    assert response.status_code == 204, response.get_json()
    assert api.get(f"/task/{task_id}").status_code == 404
    assert api.get(f"/process-instance/{instance_id}").status_code == 404
    history = api.get(f"/history/process-instance/{instance_id}").get_json()
    assert history["state"] == "EXTERNALLY_TERMINATED" and history["deleteReason"] == "duplicate ticket"
    assert history["endTime"] is not None
    assert _rows(app, MessageSubscription, instance_id) == []
    review = [a for a in api.get(f"/history/activity-instance?processInstanceId={instance_id}").get_json()
              if a["activityId"] == "review"]
    assert review[0]["canceled"] is True and review[0]["endTime"] is not None
    audit = api.get(f"/history/audit/{instance_id}").get_json()
    assert any(e["action"] == "instance_canceled" and e["userId"] == "desk" for e in audit)
    assert not any(e["action"] == "instance_completed" for e in audit)
    assert api.post("/message", json={"messageName": "request_withdrawn", "processInstanceId": instance_id}
                    ).status_code == 400
    assert _delete(api, f"/process-instance/{instance_id}").status_code == 404  # already ended


def test_cancel_removes_timers(app, api):
    instance_id = api.start("rt_timer_wait", {})
    assert len(_rows(app, Timer, instance_id)) == 1
    assert _delete(api, f"/process-instance/{instance_id}").status_code == 204
    assert _rows(app, Timer, instance_id) == []


def test_cancel_refusals(api):
    instance_id = _paid(api, user="requester")
    assert _delete(api, f"/process-instance/{instance_id}", "requester").status_code == 403
    assert _delete(api, "/process-instance/nope").status_code == 404
    assert _delete(api, "/process-instance/nope?failIfNotExists=false").status_code == 204
    assert _delete(api, f"/process-instance/{instance_id}?cascade=true").status_code == 400
    assert _delete(api, f"/process-instance/{instance_id}?skipCustomListeners=yes").status_code == 400
    assert api.history_state(instance_id) == "ACTIVE"


def test_delete_many_is_synchronous_and_all_or_nothing(api):
    first, second, third = (_paid(api, business_key=f"D-{n}") for n in range(3))
    refused = api.post("/process-instance/delete", json={"processInstanceIds": [first, "nope"]})
    assert refused.status_code == 404
    assert api.history_state(first) == "ACTIVE"
    response = api.post("/process-instance/delete", json={
        "processInstanceIds": [first], "processInstanceQuery": {"businessKey": "D-2"}, "deleteReason": "cleanup"})
    assert response.status_code == 200, response.get_json()
    batch = response.get_json()
    assert batch["type"] == "instance-deletion" and batch["totalJobs"] == 2
    assert [api.history_state(i) for i in (first, second, third)] == ["EXTERNALLY_TERMINATED", "ACTIVE",
                                                                       "EXTERNALLY_TERMINATED"]
    assert api.post("/process-instance/delete", json={}).status_code == 400
    assert api.post("/process-instance/delete", user="requester", json={"processInstanceIds": [second]}
                    ).status_code == 403


def test_post_query_and_count(api):
    a = api.start("rt_wait_payment", {}, business_key="Q-A")
    b = api.start("rt_wait_payment", {}, business_key="Q-B", user="desk")
    c = api.start("rt_timer_wait", {})
    response = api.post("/process-instance", json={"processDefinitionKey": "rt_wait_payment",
                                                    "sorting": [{"sortBy": "businessKey", "sortOrder": "desc"}]})
    assert response.status_code == 200, response.get_json()
    assert [r["id"] for r in response.get_json()] == [b, a]
    assert [r["id"] for r in api.post("/process-instance?firstResult=1&maxResults=1", json={
        "processDefinitionKey": "rt_wait_payment", "sorting": [{"sortBy": "businessKey", "sortOrder": "asc"}]}
    ).get_json()] == [b]
    assert {r["id"] for r in api.post("/process-instance", json={"processInstanceIds": [a, c]}).get_json()} == {a, c}
    assert api.post("/process-instance/count", json={"businessKey": "Q-A"}).get_json() == {"count": 1}
    assert api.post("/process-instance/count", json={}).get_json()["count"] == 3
    # a requester sees only what they started
    assert {r["id"] for r in api.post("/process-instance", user="requester", json={}).get_json()} == {a, c}
    for body in ({"processDefinitionKeyIn": ["x"]}, {"suspended": "yes"}, {"suspended": True, "active": True},
                 {"sorting": [{"sortBy": "startTime", "sortOrder": "asc"}]}, {"processInstanceIds": "a"}):
        response = api.post("/process-instance", json=body)
        assert response.status_code == 400, body
        assert api.post("/process-instance/count", json=body).status_code == 400, body


def test_activity_instance_tree(api):
    instance_id = _paid(api, user="requester")
    tree = api.get(f"/process-instance/{instance_id}/activity-instances", user="requester").get_json()
    assert tree["id"] == instance_id and tree["activityType"] == "processDefinition"
    assert tree["activityId"].startswith("rt_wait_payment:") and tree["parentActivityInstanceId"] is None
    assert tree["name"] == "Waits for a payment"
    assert [(c["activityId"], c["activityType"]) for c in tree["childActivityInstances"]] == [("review", "userTask")]
    child = tree["childActivityInstances"][0]
    assert child["parentActivityInstanceId"] == instance_id and child["executionIds"] == [instance_id]
    assert child["id"] == api.tasks(instance_id)[0]["id"]
    assert api.get(f"/process-instance/{instance_id}/activity-instances", user="tier2").status_code == 200
    assert api.get("/process-instance/nope/activity-instances").status_code == 404
    other = api.start("rt_wait_payment", {}, user="desk")
    assert api.get(f"/process-instance/{other}/activity-instances", user="requester").status_code == 403


def test_a_suspended_instance_refuses_changes_until_activated(app, api):
    instance_id = _paid(api)
    task_id = api.tasks(instance_id)[0]["id"]
    assert api.put(f"/process-instance/{instance_id}/suspended", user="desk", json={"suspended": True}
                   ).status_code == 204
    assert api.get(f"/process-instance/{instance_id}").get_json()["suspended"] is True
    assert api.get(f"/task/{task_id}").get_json()["suspended"] is True
    for response in (api.post(f"/task/{task_id}/claim", user="desk", json={}),
                     api.complete(task_id, "desk", {}),
                     api.post("/message", json={"messageName": "request_withdrawn",
                                                "processInstanceId": instance_id})):
        assert response.status_code == 400
    assert api.post(f"/task/{task_id}/claim", user="desk", json={}).get_json()["type"] == \
        "SuspendedEntityInteractionException"
    assert api.post("/process-instance/count", json={"suspended": True}).get_json() == {"count": 1}
    assert api.put(f"/process-instance/{instance_id}/suspended", json={"suspended": False}).status_code == 204
    assert api.complete(task_id, "desk", {}).status_code == 204
    assert api.history_state(instance_id) == "COMPLETED"


def test_timers_of_a_suspended_instance_wait_for_activation(app, api):
    instance_id = api.start("rt_timer_wait", {})
    later = datetime.now(timezone.utc) + timedelta(hours=2)
    assert api.put("/process-instance/suspended", json={"processDefinitionKey": "rt_timer_wait", "suspended": True}
                   ).status_code == 204
    with app.app_context(), clock.frozen(later):
        assert timers.next_due(UnitOfWork(database(app), write=False)) is None  # the clock does not even wake
        assert tick(app) == 0
    assert api.put("/process-instance/suspended", json={"processDefinitionKey": "rt_timer_wait",
                                                        "suspended": False}).status_code == 204
    with app.app_context(), clock.frozen(later):
        assert tick(app) == 1
    assert [t["taskDefinitionKey"] for t in api.tasks(instance_id)] == ["follow_up"]


def test_suspension_refusals(api):
    instance_id = _paid(api, user="requester")
    assert api.put(f"/process-instance/{instance_id}/suspended", user="requester", json={"suspended": True}
                   ).status_code == 403
    assert api.put(f"/process-instance/{instance_id}/suspended", json={"suspended": "yes"}).status_code == 400
    assert api.put(f"/process-instance/{instance_id}/suspended", json={}).status_code == 400
    assert api.put("/process-instance/nope/suspended", json={"suspended": True}).status_code == 404
    assert api.put("/process-instance/suspended", json={"suspended": True}).status_code == 400
    assert api.put("/process-definition/key/rt_wait_payment/suspended", user="desk", json={"suspended": True}
                   ).status_code == 403
    assert api.put("/process-definition/key/rt_wait_payment/suspended", user="owner", json={
        "suspended": True, "executionDate": "2030-01-01T00:00:00.000+0000"}).status_code == 400
    assert api.get(f"/process-instance/{instance_id}").get_json()["suspended"] is False


def test_a_suspended_definition_refuses_new_instances(api):
    running = _paid(api)
    definition_id = api.get("/process-definition/key/rt_wait_payment").get_json()["id"]
    response = api.put("/process-definition/key/rt_wait_payment/suspended", user="owner",
                       json={"suspended": True, "includeProcessInstances": False})
    assert response.status_code == 204
    assert api.get(f"/process-definition/{definition_id}").get_json()["suspended"] is True
    start = api.post("/process-definition/key/rt_wait_payment/start", user="requester", json={})
    assert start.status_code == 400 and start.get_json()["type"] == "SuspendedEntityInteractionException"
    assert api.get(f"/process-instance/{running}").get_json()["suspended"] is False  # instances not included
    # a message start event of a suspended definition does not start anything
    assert api.put(f"/process-definition/{api.get('/process-definition/key/rt_order').get_json()['id']}/suspended",
                   user="owner", json={"suspended": True}).status_code == 204
    assert api.post("/message", json={"messageName": "order_placed"}).status_code == 400
    # suspending with includeProcessInstances takes the running instances along
    assert api.put("/process-definition/suspended", user="owner", json={
        "processDefinitionKey": "rt_wait_payment", "suspended": True, "includeProcessInstances": True}
    ).status_code == 204
    assert api.get(f"/process-instance/{running}").get_json()["suspended"] is True
    assert api.put("/process-definition/suspended", user="admin", json={
        "processDefinitionId": definition_id, "suspended": False, "includeProcessInstances": True}
    ).status_code == 204
    assert api.get(f"/process-instance/{running}").get_json()["suspended"] is False
    assert api.start("rt_wait_payment", {"ok": True})
    assert api.put("/process-definition/nope/suspended", user="owner", json={"suspended": True}).status_code == 404
    assert api.post("/message", json={"messageName": "payment_received", "all": True,
                                      "processVariables": typed({"x": 1})}).status_code == 204
