"""An element the engine cannot run becomes an incident on that element; the instance is kept and a retry runs it again."""
from __future__ import annotations

import pytest

from tests.helpers import DATA, deploy

MODELS = DATA / "engine"


@pytest.fixture
def gateway(api):
    assert deploy(api, MODELS / "gateway_no_default.bpmn").status_code == 200


def incidents_of(api, instance_id: str) -> list[dict]:
    response = api.get(f"/incident?processInstanceId={instance_id}", user="desk")
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_gateway_without_match_at_start_is_an_incident_not_a_500(api, gateway):
    instance_id = api.start("engine_gateway", {"kind": "neither", "note": "typed by the requester"})
    [incident] = incidents_of(api, instance_id)
    assert incident["activityId"] == "route" and incident["processInstanceId"] == instance_id
    assert "No conditions satisfied" in incident["incidentMessage"]
    assert api.variables(instance_id) == {"kind": "neither", "note": "typed by the requester"}
    assert api.history_state(instance_id) == "ACTIVE"
    # retried unchanged, it fails again: still one open incident, one more attempt
    assert api.put(f"/job/{incident['configuration']}/retries", user="desk", json={"retries": 1}).status_code == 204
    [again] = incidents_of(api, instance_id)
    assert (again["id"], again["attempts"]) == (incident["id"], 2)


def test_gateway_without_match_on_complete_is_an_incident_not_a_500(api, gateway):
    instance_id = api.start("engine_gateway", {"kind": "fix"})
    task = api.only_task(instance_id, "fix")
    response = api.complete(task["id"], "tier1", {"outcome": "unexpected"})
    assert response.status_code == 204, response.get_json()
    [incident] = incidents_of(api, instance_id)
    assert incident["activityId"] == "check"
    assert api.variables(instance_id)["outcome"] == "unexpected"
    assert api.tasks(instance_id) == []


@pytest.mark.parametrize("variables, element, fragment", [
    ({"wait_until": "next tuesday", "remind_after": "PT1H"}, "wait", "'next tuesday'"),
    ({"wait_until": 5, "remind_after": "PT1H"}, "wait", "5, which is not a date"),
    ({"wait_until": "2020-01-01T00:00:00Z", "remind_after": "soon"}, "remind", "which is not a duration"),
    ({"remind_after": "PT1H"}, "wait", "wait_until"),
], ids=["text", "number", "duration", "undefined"])
def test_timer_with_a_bad_value_is_an_incident(api, variables, element, fragment):
    assert deploy(api, MODELS / "timer_expressions.bpmn").status_code == 200
    instance_id = api.start("engine_timers", variables)
    [incident] = incidents_of(api, instance_id)
    assert incident["activityId"] == element and fragment in incident["incidentMessage"], incident
    assert api.history_state(instance_id) == "ACTIVE"


def test_deployment_warns_about_each_gateway_without_default(api):
    response = deploy(api, MODELS / "gateway_no_default.bpmn")
    assert response.status_code == 200, response.get_json()
    warnings = response.get_json()["warnings"]
    data = (MODELS / "gateway_no_default.bpmn").read_text()
    lines = {gateway: data[:data.index(f'id="{gateway}"')].count("\n") + 1 for gateway in ("route", "check")}
    assert sorted((w["elementId"], w["line"], w["resource"]) for w in warnings) == [
        ("check", lines["check"], "gateway_no_default.bpmn"), ("route", lines["route"], "gateway_no_default.bpmn")]
    assert all("no default flow" in w["message"] for w in warnings)


def test_no_warning_for_a_gateway_with_a_default_flow(api):
    response = deploy(api, MODELS / "gateway_with_default.bpmn")
    assert response.status_code == 200 and response.get_json()["warnings"] == []
