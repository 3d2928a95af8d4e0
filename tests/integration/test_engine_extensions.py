"""Extensions run with their documented meaning: pre/post scripts, input/output parameters, call mappings, results."""
from __future__ import annotations

import json

from tests.helpers import DATA, deploy

MODELS = DATA / "engine"


def test_scripts_and_parameters_of_a_user_task(api):
    response = deploy(api, MODELS / "extensions.bpmn")
    assert response.status_code == 200, response.get_json()
    instance_id = api.start("engine_extensions", {"count": 2, "name": "ann", "label": "kept"})
    task = api.only_task(instance_id, "review")
    seen = {k: v["value"] for k, v in api.get(f"/task/{task['id']}/variables").get_json().items()}
    assert seen["before"] == 3  # the pre-script ran before the task was offered
    assert (seen["greeting"], seen["label"], seen["doubled"], seen["scripted"]) == ("hello", "plain text",
                                                                                   4, "Ann")
    assert json.loads(seen["items"]) == ["a", 2] and json.loads(seen["info"]) == {"who": "ann", "kind": "review"}
    assert api.complete(task["id"], "tier1", {"answer": "yes"}).status_code == 204
    after = api.variables(instance_id)
    assert after["after"] == "YES"  # the post-script ran when the task finished
    assert after["summary"] == "plain text:4:yes"  # output parameter, computed from the locals
    assert after["label"] == "kept"  # the input parameter was local: the process value is back
    assert not {"greeting", "doubled", "scripted", "items", "info"} & set(after)


def test_call_activity_passes_only_what_camunda_in_and_out_name(api):
    response = deploy(api, MODELS / "call_mapping.bpmn")
    assert response.status_code == 200, response.get_json()
    instance_id = api.start("engine_call_parent", {"a": 3, "secret": "s"})
    api.only_task(instance_id, "look")
    values = api.variables(instance_id)
    # mapped: x=a, y=a*2 in; z and secret_seen out. Unmapped (Camunda): nothing in, nothing out.
    assert values == {"a": 3, "secret": "s", "result": 9, "secret_seen": None}


def test_business_rule_result_variable_and_map_decision_result(api):
    response = deploy(api, MODELS / "drd.dmn", MODELS / "decision_results.bpmn")
    assert response.status_code == 200, response.get_json()
    instance_id = api.start("engine_decision_results", {"size": 3})
    values = api.variables(instance_id)
    assert values["as_entry"] == "first"
    assert json.loads(values["as_single"]) == {"picked": "first"}
    assert json.loads(values["as_entries"]) == ["first"]
    assert json.loads(values["as_list"]) == [{"picked": "second-small", "rank": 1},
                                             {"picked": "second-any", "rank": 2}]
    assert "picked" not in values and "rank" not in values  # the result went into its variable, not merged
    [incident] = api.get(f"/incident?processInstanceId={instance_id}").get_json()
    assert incident["activityId"] == "too_many" and "2 rules matched" in incident["incidentMessage"]


def test_message_payload_from_camunda_expression_arrives_at_the_catch_event(api):
    response = deploy(api, MODELS / "message_payload.bpmn")
    assert response.status_code == 200, response.get_json()
    instance_id = api.start("engine_message_payload", {"n": 21, "who": "desk"})
    api.only_task(instance_id, "look")
    assert json.loads(api.variables(instance_id)["ping"]) == {"n": 42, "who": "desk"}


def test_a_failing_post_script_is_an_incident_repaired_and_retried(api):
    assert deploy(api, MODELS / "extensions.bpmn").status_code == 200
    instance_id = api.start("engine_extensions", {"count": 2, "name": "ann", "label": "kept"})
    task = api.only_task(instance_id, "review")
    assert api.complete(task["id"], "tier1", {"answer": 7}).status_code == 204  # 7.upper() fails
    [incident] = api.get(f"/incident?processInstanceId={instance_id}").get_json()
    assert incident["activityId"] == "review" and "'int' object has no attribute 'upper'" in incident["incidentMessage"]
    assert api.tasks(instance_id) == []
    assert api.put(f"/process-instance/{instance_id}/variables/answer", user="desk",
                   json={"value": "no", "type": "String"}).status_code == 204
    assert api.put(f"/job/{incident['configuration']}/retries", user="desk", json={"retries": 1}).status_code == 204
    api.only_task(instance_id, "next")
    values = api.variables(instance_id)
    assert (values["after"], values["summary"], values["label"]) == ("NO", "plain text:4:no", "kept")


def test_a_message_thrown_without_payload_still_arrives(api):
    assert deploy(api, MODELS / "message_plain.bpmn").status_code == 200
    instance_id = api.start("engine_message_plain", {})
    api.only_task(instance_id, "look")
    assert api.get(f"/incident?processInstanceId={instance_id}").get_json() == []
