"""Variable modification (Camunda's POST/PUT/DELETE …/variables): how an incident is repaired before its retry."""
from __future__ import annotations

import pytest

from tests.helpers import DATA, deploy

MODELS = DATA / "engine"


@pytest.fixture
def gateway(api):
    assert deploy(api, MODELS / "gateway_no_default.bpmn").status_code == 200


def only_incident(api, instance_id: str) -> dict:
    [incident] = api.get(f"/incident?processInstanceId={instance_id}", user="desk").get_json()
    return incident


def retry(api, incident: dict) -> None:
    response = api.put(f"/job/{incident['configuration']}/retries", user="desk", json={"retries": 1})
    assert response.status_code == 204, response.get_json()


def test_fix_the_variable_then_retry_runs_the_gateway_again(api, gateway):
    instance_id = api.start("engine_gateway", {"kind": "neither", "note": "n"})
    incident = only_incident(api, instance_id)
    response = api.post(f"/process-instance/{instance_id}/variables", user="desk",
                        json={"modifications": {"kind": {"value": "fix", "type": "String"}}, "deletions": ["note"]})
    assert response.status_code == 204, response.get_json()
    assert api.variables(instance_id) == {"kind": "fix"}
    retry(api, incident)
    assert api.get(f"/incident?processInstanceId={instance_id}", user="desk").get_json() == []
    task = api.only_task(instance_id, "fix")
    # the incident found on completion is repaired the same way, through the variable PUT
    assert api.complete(task["id"], "tier1", {"outcome": "unexpected"}).status_code == 204
    incident = only_incident(api, instance_id)
    assert incident["activityId"] == "check"
    response = api.put(f"/process-instance/{instance_id}/variables/outcome", user="desk",
                       json={"value": "ok", "type": "String"})
    assert response.status_code == 204, response.get_json()
    retry(api, incident)
    assert api.history_state(instance_id) == "COMPLETED"
    actions = [(e["action"], e["userId"]) for e in api.get(f"/history/audit/{instance_id}").get_json()]
    assert actions.count(("variables_modified", "desk")) == 2
    assert ("incident_retry", "desk") in actions


def test_fix_a_timer_value_then_retry(api):
    assert deploy(api, MODELS / "timer_expressions.bpmn").status_code == 200
    instance_id = api.start("engine_timers", {"wait_until": "someday", "remind_after": "PT1H"})
    incident = only_incident(api, instance_id)
    assert api.put(f"/process-instance/{instance_id}/variables/wait_until", user="desk",
                   json={"value": "2020-01-01T00:00:00Z"}).status_code == 204
    retry(api, incident)
    api.only_task(instance_id, "work")  # the timer date is past: it fired on the retry


def test_task_variables_change_the_instance(api, gateway):
    instance_id = api.start("engine_gateway", {"kind": "fix", "note": "n"})
    task = api.only_task(instance_id, "fix")
    response = api.post(f"/task/{task['id']}/variables", user="tier1",
                        json={"modifications": {"count": {"value": 3, "type": "Integer"}}})
    assert response.status_code == 204, response.get_json()
    assert api.put(f"/task/{task['id']}/variables/label", user="tier1",
                   json={"value": "x", "type": "String"}).status_code == 204
    assert api.client.delete(f"/engine-rest/task/{task['id']}/variables/note",
                             headers=api.headers("tier1")).status_code == 204
    assert api.variables(instance_id) == {"kind": "fix", "count": 3, "label": "x"}
    assert api.get(f"/task/{task['id']}/variables").get_json()["count"] == {"value": 3, "type": "Integer",
                                                                          "valueInfo": {}}
    assert api.client.delete(f"/engine-rest/process-instance/{instance_id}/variables/count",
                             headers=api.headers("desk")).status_code == 204
    assert "count" not in api.variables(instance_id)


def test_refusals(api, gateway):
    instance_id = api.start("engine_gateway", {"kind": "fix"})
    path = f"/process-instance/{instance_id}/variables"
    body = {"modifications": {"kind": {"value": "done", "type": "String"}}}
    assert api.post(path, user="requester", json=body).status_code == 403
    assert api.post("/process-instance/nope/variables", user="desk", json=body).status_code == 404
    bad = api.post(path, user="desk", json={"modifications": {"kind": {"value": "x", "type": "Integer"}}})
    assert bad.status_code == 400 and "kind" in bad.get_json()["message"]
    assert api.post(path, user="desk", json={"deletions": "kind"}).status_code == 400
    assert api.post(path, user="desk", json={"modifications": {}, "extra": 1}).status_code == 400
    assert api.variables(instance_id) == {"kind": "fix"}  # nothing changed by any refusal
    task = api.only_task(instance_id, "fix")
    assert api.complete(task["id"], "tier1", {"outcome": "ok"}).status_code == 204
    ended = api.post(path, user="desk", json=body)
    assert ended.status_code == 409, ended.get_json()
