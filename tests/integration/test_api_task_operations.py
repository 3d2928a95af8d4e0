"""Task operations: assignee, delegation, identity links, comments, local variables, BPMN errors, form, reports."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from app.db import UnitOfWork
from app.models import TaskLocalVariable
from app.store import database

from tests.conftest import typed
from tests.helpers import DATA, deploy

RUNTIME = DATA / "runtime"


@pytest.fixture
def error_model(api):
    response = deploy(api, RUNTIME / "task_error.bpmn")
    assert response.status_code == 200, response.get_json()


pytestmark = pytest.mark.usefixtures("error_model")


def _task(api, **variables) -> tuple[str, str]:
    instance_id = api.start("rt_task_error", variables)
    return instance_id, api.only_task(instance_id, "approve")["id"]


def _inbox(api, user: str) -> set[str]:
    return {t["id"] for t in api.get(f"/task?candidateUser={user}", user=user).get_json()}


def test_post_task_count_takes_the_body_filters(api):
    first, _ = _task(api)
    _task(api)
    assert api.post("/task/count", json={"processInstanceId": first}).get_json() == {"count": 1}
    assert api.post("/task/count", json={"candidateGroup": "service_desk", "taskDefinitionKey": "approve"}
                    ).get_json()["count"] == 2
    assert api.post("/task/count", json={"unassigned": "yes"}).status_code == 400


def test_set_and_clear_the_assignee_and_the_inbox_follows(api):
    _, task_id = _task(api)
    assert api.post(f"/task/{task_id}/assignee", user="desk", json={"userId": "tier2"}).status_code == 204
    assert api.get(f"/task/{task_id}").get_json()["assignee"] == "tier2"
    assert task_id in _inbox(api, "tier2") and task_id not in _inbox(api, "desk")
    # tier2 is the assignee now and may hand it back; a stranger may not touch it
    assert api.post(f"/task/{task_id}/assignee", user="vendor", json={"userId": "vendor"}).status_code == 403
    assert api.post(f"/task/{task_id}/assignee", user="tier2", json={"userId": None}).status_code == 204
    assert api.get(f"/task/{task_id}").get_json()["assignee"] is None
    assert task_id in _inbox(api, "desk")
    assert api.post(f"/task/{task_id}/assignee", json={"userId": 5}).status_code == 400
    assert api.post("/task/nope/assignee", json={"userId": "desk"}).status_code == 404


def test_delegate_then_resolve_returns_the_task_to_its_owner(api):
    instance_id, task_id = _task(api)
    assert api.post(f"/task/{task_id}/claim", user="desk", json={}).status_code == 204
    assert api.post(f"/task/{task_id}/delegate", user="desk", json={"userId": "tier2"}).status_code == 204
    task = api.get(f"/task/{task_id}").get_json()
    assert (task["owner"], task["assignee"], task["delegationState"]) == ("desk", "tier2", "PENDING")
    refused = api.complete(task_id, "tier2", {})
    assert refused.status_code == 400 and "resolved" in refused.get_json()["message"]
    assert api.post(f"/task/{task_id}/resolve", user="vendor", json={}).status_code == 403
    response = api.post(f"/task/{task_id}/resolve", user="tier2", json={"variables": typed({"advice": "reboot"})})
    assert response.status_code == 204, response.get_json()
    task = api.get(f"/task/{task_id}").get_json()
    assert (task["owner"], task["assignee"], task["delegationState"]) == ("desk", "desk", "RESOLVED")
    assert api.get(f"/task/{task_id}/variables").get_json()["advice"]["value"] == "reboot"
    assert api.post(f"/task/{task_id}/resolve", user="desk", json={}).status_code == 400  # not pending any more
    assert api.complete(task_id, "desk", {}).status_code == 204
    assert api.history_state(instance_id) == "COMPLETED"


def test_identity_links_change_candidates_and_the_inbox(api):
    _, task_id = _task(api)
    links = api.get(f"/task/{task_id}/identity-links").get_json()
    assert links == [{"userId": None, "groupId": "service_desk", "type": "candidate"}]
    assert api.post(f"/task/{task_id}/identity-links", user="desk",
                    json={"groupId": "tier2", "type": "candidate"}).status_code == 204
    assert api.post(f"/task/{task_id}/identity-links", user="desk",
                    json={"userId": "vendor", "type": "candidate"}).status_code == 204
    assert task_id in _inbox(api, "tier2") and task_id in _inbox(api, "vendor")
    assert api.post(f"/task/{task_id}/identity-links/delete", user="desk",
                    json={"groupId": "service_desk", "type": "candidate"}).status_code == 204
    assert task_id not in _inbox(api, "desk")
    assert {(l["userId"], l["groupId"]) for l in api.get(f"/task/{task_id}/identity-links").get_json()} == {
        ("vendor", None), (None, "tier2")}
    assert api.get(f"/task/{task_id}/identity-links?type=assignee").get_json() == []
    # a candidate may not widen the candidate list; unknown groups and shapes are refused
    assert api.post(f"/task/{task_id}/identity-links", user="vendor",
                    json={"userId": "sales", "type": "candidate"}).status_code == 403
    assert api.post(f"/task/{task_id}/identity-links", json={"groupId": "nobody", "type": "candidate"}
                    ).status_code == 400
    assert api.post(f"/task/{task_id}/identity-links", json={"groupId": "tier2", "type": "assignee"}
                    ).status_code == 400
    assert api.post(f"/task/{task_id}/identity-links", json={"userId": "a", "groupId": "b", "type": "candidate"}
                    ).status_code == 400


def test_comments_on_tasks_and_instances(api):
    instance_id, task_id = _task(api)
    response = api.post(f"/task/{task_id}/comment/create", user="desk", json={"message": "Called the user"})
    assert response.status_code == 200, response.get_json()
    comment = response.get_json()
    assert (comment["userId"], comment["taskId"], comment["processInstanceId"], comment["message"]) == (
        "desk", task_id, instance_id, "Called the user")
    assert comment["links"][0]["href"].endswith(f"/task/{task_id}/comment/{comment['id']}")
    assert api.get(f"/task/{task_id}/comment/{comment['id']}").get_json()["message"] == "Called the user"
    assert api.get(f"/task/{task_id}/comment/nope").status_code == 404
    assert api.complete(task_id, "desk", {}).status_code == 204
    # comments outlive the task, and the reporter reads them on their ticket
    assert [c["id"] for c in api.get(f"/task/{task_id}/comment", user="requester").get_json()] == [comment["id"]]
    assert [c["id"] for c in api.get(f"/process-instance/{instance_id}/comment", user="requester").get_json()] == [
        comment["id"]]
    assert api.post(f"/task/{task_id}/comment/create", user="desk", json={"message": "late"}).status_code == 400
    other, other_task = _task(api)
    assert api.post(f"/task/{other_task}/comment/create", json={"message": ""}).status_code == 400
    assert api.post(f"/task/{other_task}/comment/create", json={"message": "x", "processInstanceId": instance_id}
                    ).status_code == 400
    stranger = api.start("rt_task_error", {}, user="desk")
    assert api.get(f"/process-instance/{stranger}/comment", user="requester").status_code == 403


def test_local_variables_stay_on_the_task_and_go_with_it(app, api):
    instance_id, task_id = _task(api, shared=1)
    assert api.put(f"/task/{task_id}/localVariables/note", user="desk",
                   json={"value": "draft", "type": "String"}).status_code == 204
    response = api.post(f"/task/{task_id}/localVariables", user="desk", json={
        "modifications": typed({"count": 2, "note": "final"}), "deletions": []})
    assert response.status_code == 204, response.get_json()
    assert api.get(f"/task/{task_id}/localVariables").get_json() == {
        "count": {"value": 2, "type": "Integer", "valueInfo": {}},
        "note": {"value": "final", "type": "String", "valueInfo": {}}}
    assert api.get(f"/task/{task_id}/localVariables/note").get_json()["value"] == "final"
    assert api.variables(instance_id) == {"shared": 1}  # not instance variables
    deleted = api.client.delete(f"/engine-rest/task/{task_id}/localVariables/count", headers=api.headers("desk"))
    assert deleted.status_code == 204
    assert api.get(f"/task/{task_id}/localVariables/count").status_code == 404
    assert api.put(f"/task/{task_id}/localVariables/x", user="vendor", json={"value": 1, "type": "Integer"}
                   ).status_code == 403
    assert api.post(f"/task/{task_id}/localVariables", json={"deletions": "note"}).status_code == 400
    assert api.complete(task_id, "desk", {}).status_code == 204
    assert api.variables_after_end(instance_id) == {"shared": 1}
    assert api.get(f"/task/{task_id}/localVariables").status_code == 404
    with app.app_context(), UnitOfWork(database(app), write=False) as uow:
        assert uow.session.scalars(select(TaskLocalVariable).where(TaskLocalVariable.task_id == task_id)).all() == []


def test_bpmn_error_goes_to_the_error_boundary_event(api):
    instance_id, task_id = _task(api)
    missed = api.post(f"/task/{task_id}/bpmnError", user="desk", json={"errorCode": "OTHER"})
    assert missed.status_code == 400
    assert api.only_task(instance_id, "approve")["id"] == task_id  # nothing changed
    assert api.post(f"/task/{task_id}/bpmnError", user="vendor", json={"errorCode": "REJECTED"}).status_code == 403
    assert api.post(f"/task/{task_id}/bpmnError", json={}).status_code == 400
    response = api.post(f"/task/{task_id}/bpmnError", user="desk", json={
        "errorCode": "REJECTED", "errorMessage": "budget", "variables": typed({"reason": "too expensive"})})
    assert response.status_code == 204, response.get_json()
    assert api.only_task(instance_id, "explain")
    assert api.variables(instance_id)["reason"] == "too expensive"
    assert api.get(f"/task/{task_id}").status_code == 404
    audit = api.get(f"/history/audit/{instance_id}").get_json()
    assert any(e["action"] == "task_bpmn_error" and e["data"]["errorMessage"] == "budget" for e in audit)


def test_form_key_and_candidate_group_report(api):
    _, task_id = _task(api)
    _task(api)
    assert api.get(f"/task/{task_id}/form").get_json() == {"key": None, "contextPath": None, "camundaFormRef": None}
    report = api.get("/task/report/candidate-group-count", user="desk").get_json()
    assert {"groupName": "service_desk", "taskCount": 2} in report
    assert report == sorted(report, key=lambda r: (r["groupName"] is not None, r["groupName"] or ""))
    assert api.get("/task/report/candidate-group-count", user="requester").status_code == 403
