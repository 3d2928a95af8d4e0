"""Standard BPMN that Camunda runs and this engine must run too: plain and manual tasks, tasks nobody
is named for, multi-instance, form keys that are not Camunda Forms. Each model goes through the REST API."""
from __future__ import annotations

import json

from tests.helpers import DATA, deploy

MODELS = DATA / "bpmn"


def test_plain_and_manual_tasks_pass_straight_through(api):
    assert deploy(api, MODELS / "pass_through.bpmn").status_code == 200
    instance_id = api.start("pass_through", {})
    task = api.only_task(instance_id, "confirm")
    assert api.complete(task["id"], "desk", {}).status_code == 204
    assert api.history_state(instance_id) == "COMPLETED"
    history = api.get(f"/history/activity-instance?processInstanceId={instance_id}").get_json()
    types = {h["activityId"]: h["activityType"] for h in history}
    assert types["note"] == "task" and types["hand_over"] == "manualTask"


def test_a_task_nobody_is_named_for_goes_to_admin_and_the_deployment_warns(api):
    response = deploy(api, MODELS / "nobody_named.bpmn")
    assert response.status_code == 200, response.get_json()
    warnings = {(w["elementId"], w["line"], w["resource"]): w["message"] for w in response.get_json()["warnings"]}
    assert set(warnings) == {("decide", 5, "nobody_named.bpmn"), ("approve", 8, "nobody_named.bpmn")}
    assert "names no assignee and no candidates; it is offered to the admin group" in warnings[("decide", 5, "nobody_named.bpmn")]
    instance_id = api.start("nobody_named", {})
    task = api.only_task(instance_id, "decide")
    assert task["candidateGroups"] == ["admin"] and task["formKey"] == "embedded:app:forms/decide.html"
    assert api.complete(task["id"], "desk", {"anything": 1}).status_code == 403
    assert api.complete(task["id"], "admin", {"anything": 1}).status_code == 204


def test_a_form_key_that_is_no_camunda_form_deploys_with_a_warning(api):
    response = deploy(api, MODELS / "nobody_named.bpmn")
    assert response.status_code == 200, response.get_json()
    messages = [w["message"] for w in response.get_json()["warnings"]]
    assert any("'embedded:app:forms/decide.html' is not a Camunda Form" in m and "no server-side form" in m
               for m in messages)
    assert any("'Approval' is not a Camunda Form" in m and "checks only the camunda:formField" in m for m in messages)
    instance_id = api.start("nobody_named", {})
    api.complete(api.only_task(instance_id, "decide")["id"], "admin", {})
    task = api.only_task(instance_id, "approve")
    assert task["formKey"] == "Approval"
    missing = api.complete(task["id"], "desk", {})
    assert missing.status_code == 400 and "approved" in missing.get_json()["message"]
    assert api.complete(task["id"], "desk", {"approved": True}).status_code == 204
    assert api.history_state(instance_id) == "COMPLETED"


def test_a_form_without_id_resolves_by_file_name(api):
    response = deploy(api, MODELS / "quickstart.bpmn", MODELS / "quickstart_request.form")
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["warnings"] == []
    instance_id = api.start("quickstart_forms", {})
    for activity_id in ("enter", "check"):
        task = api.only_task(instance_id, activity_id)
        assert api.get(f"/task/{task['id']}/deployed-form").get_json()["components"][0]["key"] == "summary"
        missing = api.complete(task["id"], "desk", {})
        assert missing.status_code == 400 and "summary" in missing.get_json()["message"]
        assert api.complete(task["id"], "desk", {"summary": "printer jammed"}).status_code == 204
    assert api.history_state(instance_id) == "COMPLETED"


def _start_with_list(api, key: str, name: str, values: list) -> str:
    body = {"variables": {name: {"value": json.dumps(values), "type": "Json"}}}
    response = api.post(f"/process-definition/key/{key}/start", user="requester", json=body)
    assert response.status_code == 200, response.get_json()
    return response.get_json()["id"]


def test_parallel_multi_instance_over_a_camunda_collection_opens_one_task_per_element(api):
    assert deploy(api, MODELS / "multi_instance.bpmn").status_code == 200
    instance_id = _start_with_list(api, "mi_collection", "reviewers", ["tier1", "tier2"])
    tasks = api.tasks(instance_id)
    assert sorted(t["assignee"] for t in tasks) == ["tier1", "tier2"]
    for task in tasks:
        seen = api.get(f"/task/{task['id']}/variables", user=task["assignee"]).get_json()
        assert seen["reviewer"]["value"] == task["assignee"]  # the element variable is the task's own
    by_assignee = {t["assignee"]: t for t in tasks}
    assert api.complete(by_assignee["tier1"]["id"], "tier2", {}).status_code == 403
    assert api.complete(by_assignee["tier1"]["id"], "tier1", {}).status_code == 204
    assert api.history_state(instance_id) == "ACTIVE"
    assert api.complete(by_assignee["tier2"]["id"], "tier2", {}).status_code == 204
    assert api.history_state(instance_id) == "COMPLETED"


def test_sequential_multi_instance_over_a_standard_loop_data_input(api):
    assert deploy(api, MODELS / "multi_instance.bpmn").status_code == 200
    instance_id = _start_with_list(api, "mi_standard", "items", ["mouse", "keyboard"])
    for expected in ("mouse", "keyboard"):
        task = api.only_task(instance_id, "check")
        assert api.get(f"/task/{task['id']}/variables").get_json()["item"]["value"] == expected
        assert api.complete(task["id"], "desk", {}).status_code == 204
    assert api.history_state(instance_id) == "COMPLETED"


def test_cardinality_with_a_completion_condition_ends_early(api):
    assert deploy(api, MODELS / "multi_instance.bpmn").status_code == 200
    instance_id = api.start("mi_vote", {})
    tasks = api.tasks(instance_id)
    assert [t["taskDefinitionKey"] for t in tasks] == ["vote"] * 3
    assert api.complete(tasks[0]["id"], "desk", {"approved": False}).status_code == 204
    assert len(api.tasks(instance_id)) == 2
    assert api.complete(tasks[1]["id"], "desk", {"approved": True}).status_code == 204
    assert api.tasks(instance_id) == [] and api.history_state(instance_id) == "COMPLETED"
