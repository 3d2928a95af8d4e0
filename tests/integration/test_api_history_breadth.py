"""History through engine-rest beyond the basics: tasks, activities, instances (query and delete),
variables, details, the user operation log and the identity link log, with Camunda's filters."""
from __future__ import annotations

import pytest

from app.db import UnitOfWork
from app.services.users import create_user
from app.store import database
from tests.conftest import DEMO_PASSWORD, Api

pytestmark = pytest.mark.usefixtures("review_model")
DONE = {"decision": "done", "note": "fine"}


def delete(api: Api, path: str, user: str = "admin"):
    return api.client.delete(f"/engine-rest{path}", headers=api.headers(user))


@pytest.fixture
def finished_and_open(api):
    """One instance whose review desk claimed and completed (so it ended), one still waiting."""
    done = api.start("api_review", {"origin": "portal"}, business_key="B-1")
    task_id = api.tasks(done)[0]["id"]
    assert api.post(f"/task/{task_id}/claim", user="desk", json={}).status_code == 204
    assert api.complete(task_id, "desk", DONE).status_code == 204
    waiting = api.start("api_review", {"origin": "mail"}, business_key="B-2", user="tier1")
    return done, waiting, task_id


def test_historic_tasks_open_and_closed(api, finished_and_open):
    done, waiting, task_id = finished_and_open
    closed = api.get("/history/task?finished=true").get_json()
    assert [t["id"] for t in closed] == [task_id]
    assert closed[0]["assignee"] == "desk" and closed[0]["deleteReason"] == "completed"
    assert closed[0]["endTime"] is not None and closed[0]["duration"] >= 0
    assert closed[0]["taskDefinitionKey"] == "review" and closed[0]["processDefinitionKey"] == "api_review"
    assert [t["processInstanceId"] for t in api.get("/history/task?unfinished=true").get_json()] == [waiting]
    assert api.get("/history/task?finished=false").get_json().__len__() == 2  # false filters nothing
    assert api.get("/history/task?taskAssignee=desk").get_json()[0]["id"] == task_id
    assert api.get("/history/task/count?processFinished=true").get_json() == {"count": 1}
    assert api.get("/history/task/count?processInstanceBusinessKey=B-2").get_json() == {"count": 1}
    by_body = api.post("/history/task", json={"processDefinitionKey": "api_review", "unassigned": True,
                                              "sorting": [{"sortBy": "startTime", "sortOrder": "desc"}]})
    assert [t["processInstanceId"] for t in by_body.get_json()] == [waiting]
    assert api.post("/history/task/count", json={"taskDefinitionKeyIn": ["review"]}).get_json() == {"count": 2}
    ordered = api.get("/history/task?sortBy=startTime&sortOrder=desc&maxResults=1").get_json()
    assert [t["processInstanceId"] for t in ordered] == [waiting]
    refused = api.get("/history/task?taskHadCandidateGroup=service_desk")
    assert refused.status_code == 400 and "taskHadCandidateGroup" in refused.get_json()["message"]
    assert api.post("/history/task", json={"withCandidateGroups": True}).status_code == 400
    assert api.get("/history/task?finished=yes").status_code == 400
    assert api.get("/history/task?sortBy=duration&sortOrder=asc").status_code == 400
    # a requester reads the history of what they started only
    assert [t["processInstanceId"] for t in api.get("/history/task", user="requester").get_json()] == [done]


def test_historic_activities_query_count_and_single(api, finished_and_open):
    done, waiting, _ = finished_and_open
    rows = api.post("/history/activity-instance", json={"processInstanceId": done, "activityType": "userTask"})
    assert [r["activityId"] for r in rows.get_json()] == ["review"]
    one = rows.get_json()[0]
    assert api.get(f"/history/activity-instance/{one['id']}").get_json()["activityId"] == "review"
    assert api.get("/history/activity-instance/nope").status_code == 404
    total = api.get(f"/history/activity-instance/count?processInstanceId={done}").get_json()["count"]
    assert total == len(api.get(f"/history/activity-instance?processInstanceId={done}").get_json()) >= 3
    assert api.post("/history/activity-instance/count", json={"processInstanceId": waiting,
                                                              "unfinished": True}).get_json() == {"count": 1}
    by_name = api.post("/history/activity-instance?maxResults=2",
                       json={"processInstanceId": done, "sorting": [{"sortBy": "activityId", "sortOrder": "asc"}]})
    ids = [r["activityId"] for r in by_name.get_json()]
    assert ids == sorted(ids) and len(ids) == 2
    assert api.get("/history/activity-instance/count?activityInstanceIdIn=x").status_code == 400
    assert api.get(f"/history/activity-instance/{one['id']}", user="requester").status_code == 200
    assert api.get("/history/activity-instance/count", user="requester").get_json() == {"count": total}


def test_historic_instance_query_and_deleting_finished_history(api, finished_and_open):
    done, waiting, task_id = finished_and_open
    completed = api.post("/history/process-instance", json={"completed": True}).get_json()
    assert [i["id"] for i in completed] == [done]
    keys = api.post("/history/process-instance", json={"sorting": [{"sortBy": "businessKey", "sortOrder": "desc"}]})
    assert [i["businessKey"] for i in keys.get_json()] == ["B-2", "B-1"]
    assert api.post("/history/process-instance/count", json={"startedBy": "tier1"}).get_json() == {"count": 1}
    assert api.post("/history/process-instance", json={"caseInstanceId": "x"}).status_code == 400
    assert delete(api, f"/history/process-instance/{done}", user="owner").status_code == 403
    running = delete(api, f"/history/process-instance/{waiting}")
    assert running.status_code == 409
    assert delete(api, f"/history/process-instance/{done}").status_code == 204
    assert api.get(f"/history/process-instance/{done}").status_code == 404
    assert api.get(f"/history/task?processInstanceId={done}").get_json() == []
    assert delete(api, f"/history/process-instance/{done}").status_code == 404
    assert delete(api, f"/history/process-instance/{done}?failIfNotExists=false").status_code == 204
    deletions = api.get("/history/user-operation?operationType=Delete").get_json()
    assert [(d["processInstanceId"], d["userId"]) for d in deletions] == [(done, "admin")]


def test_bulk_deletion_is_all_or_nothing(api, finished_and_open):
    done, waiting, _ = finished_and_open
    both = api.post("/history/process-instance/delete", json={"historicProcessInstanceIds": [done, waiting]})
    assert both.status_code == 409
    assert api.get(f"/history/process-instance/{done}").status_code == 200
    batch = api.post("/history/process-instance/delete", json={"historicProcessInstanceQuery": {"finished": True},
                                                              "deleteReason": "retention"})
    assert batch.status_code == 200
    assert batch.get_json()["totalJobs"] == 1 and batch.get_json()["type"] == "historic-process-instance-deletion"
    assert [i["id"] for i in api.get("/history/process-instance").get_json()] == [waiting]
    assert api.post("/history/process-instance/delete", json={}).status_code == 400


def test_historic_variables_query_count_and_single(api, finished_and_open):
    done, waiting, _ = finished_and_open
    found = api.post("/history/variable-instance", json={"variableName": "origin"}).get_json()
    assert sorted((v["processInstanceId"], v["value"]) for v in found) == sorted([(done, "portal"), (waiting, "mail")])
    assert api.get("/history/variable-instance/count?processInstanceId=" + done).get_json()["count"] >= 3
    like = api.post("/history/variable-instance?maxResults=1", json={"variableNameLike": "de%",
                                                                   "sorting": [{"sortBy": "variableName",
                                                                                "sortOrder": "asc"}]})
    assert [v["name"] for v in like.get_json()] == ["decision"]
    assert api.post("/history/variable-instance/count", json={"processInstanceIdIn": [waiting]}).get_json() == {
        "count": 1}
    one = api.get(f"/history/variable-instance/{done}:note?deserializeValues=false")
    assert one.status_code == 200 and one.get_json()["value"] == "fine" and one.get_json()["type"] == "String"
    assert api.get(f"/history/variable-instance/{done}:missing").status_code == 404
    assert api.get(f"/history/variable-instance/{waiting}:origin", user="requester").status_code == 403
    assert api.post("/history/variable-instance", json={"variableValue": 1}).status_code == 400


def test_historic_details_from_the_audit_log(api, finished_and_open):
    done, _, task_id = finished_and_open
    details = api.get(f"/history/detail?processInstanceId={done}&sortBy=time&sortOrder=asc").get_json()
    updates = [(d["variableName"], d["value"], d["initial"], d["taskId"]) for d in details
               if d["type"] == "variableUpdate"]
    assert updates[0] == ("origin", "portal", True, None)
    assert ("decision", "done", False, task_id) in updates and ("note", "fine", False, task_id) in updates
    forms = {d["fieldId"]: d["fieldValue"] for d in details if d["type"] == "formField"}
    assert forms["decision"] == "done"  # the review task has a form
    assert api.get(f"/history/detail/count?processInstanceId={done}").get_json() == {"count": len(details)}
    assert api.get(f"/history/detail/count?processInstanceId={done}&excludeTaskDetails=true").get_json() == {
        "count": 1}
    only_updates = api.post("/history/detail", json={"processInstanceId": done, "variableUpdates": True,
                                                     "taskId": task_id}).get_json()
    assert {d["type"] for d in only_updates} == {"variableUpdate"} and len(only_updates) >= 2
    one = api.get(f"/history/detail/{only_updates[0]['id']}").get_json()
    assert one == only_updates[0]
    assert api.get("/history/detail/999999:x").status_code == 404
    assert api.get("/history/detail?variableTypeIn=String").status_code == 400


def test_user_operation_log_reads_the_audit_log(api, finished_and_open):
    done, _, task_id = finished_and_open
    ops = api.get(f"/history/user-operation?processInstanceId={done}&sortBy=timestamp&sortOrder=asc").get_json()
    assert [(o["operationType"], o["entityType"], o["userId"]) for o in ops] == [
        ("Create", "ProcessInstance", "requester"), ("Claim", "Task", "desk"), ("Complete", "Task", "desk")]
    claim = ops[1]
    assert (claim["property"], claim["orgValue"], claim["newValue"], claim["taskId"]) == ("assignee", None, "desk",
                                                                                          task_id)
    assert claim["processDefinitionKey"] == "api_review" and claim["category"] == "TaskWorker"
    assert api.get("/history/user-operation/count?operationType=Complete&userId=desk").get_json() == {"count": 1}
    assert api.get("/history/user-operation/count?entityType=Job").get_json() == {"count": 0}
    assert api.get("/history/user-operation/count?userId=desk", user="requester").get_json() == {"count": 2}
    assert api.get("/history/user-operation?sortBy=userId&sortOrder=asc").status_code == 400


def test_identity_link_log_from_claims_and_unclaims(app, api):
    instance_id = api.start("api_review", {})
    task_id = api.tasks(instance_id)[0]["id"]
    api.post(f"/task/{task_id}/claim", user="desk", json={})
    api.post(f"/task/{task_id}/unclaim", user="admin")
    links = api.get(f"/history/identity-link-log?taskId={task_id}&sortBy=time&sortOrder=asc").get_json()
    assert [(l["operationType"], l["userId"], l["assignerId"], l["type"]) for l in links] == [
        ("add", "desk", "desk", "assignee"), ("delete", "desk", "admin", "assignee")]
    assert api.get("/history/identity-link-log/count?operationType=delete").get_json() == {"count": 1}
    assert api.get("/history/identity-link-log/count?userId=desk").get_json() == {"count": 2}
    assert api.get("/history/identity-link-log/count?type=candidate").get_json() == {"count": 0}
    create_user(UnitOfWork(database(app)), "neighbour", DEMO_PASSWORD, ["requester"])
    assert api.get("/history/identity-link-log", user="neighbour").get_json() == []
    assert api.get("/history/identity-link-log?groupId=x").status_code == 400
