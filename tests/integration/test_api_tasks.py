"""Tasks through engine-rest: queries, claim rules, authorization, server-side form rules, bad input."""
from __future__ import annotations

import pytest

from tests.helpers import DATA

API = DATA / "api"


pytestmark = pytest.mark.usefixtures("review_model")


def test_task_list_filters_and_shape(api):
    instance_id = api.start("api_review", {"origin": "portal"}, business_key="T-1")
    other = api.start("api_review", {})
    by_group = api.get("/task?candidateGroup=service_desk", user="desk").get_json()
    assert {t["processInstanceId"] for t in by_group} == {instance_id, other}
    by_user = api.get("/task?candidateUser=desk", user="desk").get_json()
    assert {t["processInstanceId"] for t in by_user} == {instance_id, other}
    assert api.get("/task?candidateGroup=tier2").get_json() == []
    task = api.get(f"/task?processInstanceId={instance_id}").get_json()[0]
    assert task["taskDefinitionKey"] == "review"
    assert task["name"] == "Review request"
    assert task["formKey"] == "camunda-forms:deployment:api_review_form"
    assert api.get(f"/task/{task['id']}").get_json()["id"] == task["id"]


def test_claim_unclaim_and_assignee_filter(api):
    instance_id = api.start("api_review", {})
    task_id = api.tasks(instance_id)[0]["id"]
    assert api.post(f"/task/{task_id}/claim", user="desk", json={"userId": "desk"}).status_code == 204
    assert [t["id"] for t in api.get("/task?assignee=desk").get_json()] == [task_id]
    assert api.get("/task?candidateGroup=service_desk").get_json() == []  # left the group queue
    taken = api.post(f"/task/{task_id}/claim", user="admin", json={"userId": "admin"})
    assert taken.status_code == 409
    forbidden = api.complete(task_id, "admin", {"decision": "done", "note": "fine"})
    assert forbidden.status_code == 403
    assert api.post(f"/task/{task_id}/unclaim", user="desk").status_code == 204
    assert api.get(f"/task/{task_id}").get_json()["assignee"] is None


def test_non_candidate_gets_403_on_claim_and_complete(api):
    instance_id = api.start("api_review", {})
    task_id = api.tasks(instance_id)[0]["id"]
    assert api.post(f"/task/{task_id}/claim", user="tier2", json={}).status_code == 403
    response = api.complete(task_id, "tier2", {"decision": "done", "note": "fine"})
    assert response.status_code == 403
    assert response.get_json()["type"] == "AuthorizationException"
    assert api.tasks(instance_id)[0]["id"] == task_id  # still open


def test_form_rules_enforced_and_nothing_stored(api):
    instance_id = api.start("api_review", {"origin": "portal"})
    task_id = api.tasks(instance_id)[0]["id"]
    cases = [
        ({"note": "fine"}, "decision"),                                   # required
        ({"decision": "maybe", "note": "fine"}, "decision"),              # not an option
        ({"decision": "done", "note": "ab"}, "note"),                     # minLength 3
        ({"decision": "done", "note": "x" * 21}, "note"),                 # maxLength 20
        ({"decision": "done", "note": "digits 123"}, "note"),             # pattern
        ({"decision": "done", "note": "fine", "score": 6}, "score"),      # max 5
        ({"decision": "done", "note": "fine", "score": 0}, "score"),      # min 1
    ]
    for values, field in cases:
        response = api.complete(task_id, "desk", values)
        assert response.status_code == 400, (values, response.get_json())
        assert field in response.get_json()["message"], (values, response.get_json())
    assert api.tasks(instance_id)[0]["id"] == task_id
    assert api.variables(instance_id) == {"origin": "portal"}
    ok = api.complete(task_id, "desk", {"decision": "done", "note": "fine", "score": 5})
    assert ok.status_code == 204
    assert api.history_state(instance_id) == "COMPLETED"


def test_form_variables_and_deployed_form(api):
    instance_id = api.start("api_review", {"note": "prefilled"})
    task_id = api.tasks(instance_id)[0]["id"]
    form_vars = api.get(f"/task/{task_id}/form-variables").get_json()
    assert form_vars["note"]["value"] == "prefilled"
    assert set(form_vars) == {"decision", "note", "score"}
    deployed = api.get(f"/task/{task_id}/deployed-form").get_json()
    assert deployed["id"] == "api_review_form"


def test_bad_requests_are_clear_400s(api):
    instance_id = api.start("api_review", {})
    task_id = api.tasks(instance_id)[0]["id"]
    not_json = api.post(f"/task/{task_id}/complete", user="desk", data="{nope", content_type="application/json")
    assert not_json.status_code == 400
    assert not_json.get_json()["type"] == "InvalidRequestException"
    wrong_type = api.post(f"/task/{task_id}/complete", user="desk",
                          json={"variables": {"score": {"value": "high", "type": "Integer"}}})
    assert wrong_type.status_code == 400
    assert "score" in wrong_type.get_json()["message"]
    not_object = api.post(f"/task/{task_id}/complete", user="desk", json={"variables": [1, 2]})
    assert not_object.status_code == 400
    bad_paging = api.get("/task?maxResults=lots")
    assert bad_paging.status_code == 400
    assert api.tasks(instance_id)[0]["id"] == task_id


def test_unknown_ids_are_404(api):
    for path in ("/task/does-not-exist", "/process-instance/nope", "/process-instance/nope/variables",
                 "/history/process-instance/nope"):
        response = api.get(path)
        assert response.status_code == 404, path
        assert response.get_json()["type"] == "InvalidRequestException"
    assert api.post("/task/nope/complete", user="desk", json={}).status_code == 404
    assert api.post("/task/nope/claim", user="desk", json={}).status_code == 404


def test_completed_task_is_gone(api):
    instance_id = api.start("api_review", {})
    task_id = api.tasks(instance_id)[0]["id"]
    assert api.complete(task_id, "desk", {"decision": "again", "note": "more"}).status_code == 204
    again = api.complete(task_id, "desk", {"decision": "done", "note": "fine"})
    assert again.status_code == 404
    next_task = api.only_task(instance_id, "review")
    assert next_task["id"] != task_id


def test_history_lists_activities_in_order(api):
    instance_id = api.start("api_review", {})
    task_id = api.tasks(instance_id)[0]["id"]
    api.complete(task_id, "desk", {"decision": "done", "note": "fine"})
    history = api.get(f"/history/activity-instance?processInstanceId={instance_id}").get_json()
    assert [h["activityId"] for h in history] == ["start", "review", "record", "decide", "end"]
    assert all(h["endTime"] for h in history)
    review = history[1]
    assert review["activityType"] == "userTask" and review["assignee"] == "desk"
    state = api.get(f"/history/process-instance/{instance_id}").get_json()
    assert state["state"] == "COMPLETED" and state["endTime"]
    audit = api.get(f"/history/audit/{instance_id}").get_json()
    completed = [a for a in audit if a["action"] == "task_completed"]
    assert completed[0]["userId"] == "desk"
    assert completed[0]["data"]["variables"]["note"] == "fine"
