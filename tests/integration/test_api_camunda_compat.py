"""The Camunda 7 calls Tasklist-like clients make beyond the basics: form submits, task variables,
counts, the POST task query, sorting, start forms and the historic instance list."""
from __future__ import annotations

from typing import Any, Optional

import pytest

from tests.conftest import typed
from tests.helpers import DATA, deploy, one_task_process

API = DATA / "api"
FLOW_1 = "it_support_request"
VALID_REVIEW = {"decision": "done", "note": "fine"}


pytestmark = pytest.mark.usefixtures("review_model")


def intake(**overrides: Any) -> dict[str, Any]:
    """Valid Flow-1 start form values."""
    values = {"requester": "张三", "contact": "13800000000", "department": "财务部", "channel": "hotline",
              "symptom": "打印机无法打印", "occurred_at": "2026-11-24T09:00:00+08:00", "impact_scope": "本人",
              "already_tried": "重启打印机", "impact": "low", "urgency": "low", "vip": False,
              "business_stopped": False}
    values.update(overrides)
    return values


def task_of(api, instance_id: str) -> str:
    return api.tasks(instance_id)[0]["id"]


def ids(response) -> list[str]:
    assert response.status_code == 200, response.get_json()
    return [row["id"] for row in response.get_json()]


def count(api, path: str) -> int:
    response = api.get(path)
    assert response.status_code == 200, response.get_json()
    return response.get_json()["count"]


def assert_error(response, status: int, kind: str, text: Optional[str] = None) -> None:
    assert response.status_code == status, (response.status_code, response.get_json())
    body = response.get_json()
    assert body["type"] == kind and body["message"], body
    if text is not None:
        assert text in body["message"], body


def assert_needs_login(api, method: str, path: str) -> None:
    """No credentials and a wrong password are both 401 with the Basic challenge."""
    call = getattr(api.client, method)
    for headers in ({}, api.headers("desk", "wrong-password")):
        response = call(f"/engine-rest{path}", headers=headers, json={})
        assert_error(response, 401, "AuthenticationException")
        assert response.headers["WWW-Authenticate"].startswith("Basic")


# ------------------------------------------------------------------ POST /task/{id}/submit-form
def test_submit_form_completes_the_task(api):
    instance_id = api.start("api_review", {})
    response = api.post(f"/task/{task_of(api, instance_id)}/submit-form", user="desk",
                        json={"variables": typed({**VALID_REVIEW, "score": 4})})
    assert response.status_code == 204
    assert api.history_state(instance_id) == "COMPLETED"
    assert api.variables_after_end(instance_id)["score"] == 4
    other = api.start("api_review", {"origin": "mail"})
    returned = api.post(f"/task/{task_of(api, other)}/submit-form", user="desk",
                        json={"variables": typed(VALID_REVIEW), "withVariablesInReturn": True})
    assert returned.status_code == 200
    assert returned.get_json()["origin"] == {"value": "mail", "type": "String", "valueInfo": {}}


def test_submit_form_by_a_non_candidate_is_403(api):
    instance_id = api.start("api_review", {})
    task_id = task_of(api, instance_id)
    response = api.post(f"/task/{task_id}/submit-form", user="tier2", json={"variables": typed(VALID_REVIEW)})
    assert_error(response, 403, "AuthorizationException")
    assert task_of(api, instance_id) == task_id


def test_submit_form_breaking_a_form_rule_is_400_and_stores_nothing(api):
    instance_id = api.start("api_review", {"origin": "portal"})
    task_id = task_of(api, instance_id)
    for values, field in (({"decision": "done", "note": "ab"}, "note"), ({"note": "fine"}, "decision"),
                          ({**VALID_REVIEW, "score": 9}, "score")):
        response = api.post(f"/task/{task_id}/submit-form", user="desk", json={"variables": typed(values)})
        assert_error(response, 400, "InvalidRequestException", field)
    assert task_of(api, instance_id) == task_id
    assert api.variables(instance_id) == {"origin": "portal"}
    audit = api.get(f"/history/audit/{instance_id}").get_json()
    assert "task_completed" not in [entry["action"] for entry in audit]
    not_object = api.post(f"/task/{task_id}/submit-form", user="desk", data="[1]", content_type="application/json")
    assert_error(not_object, 400, "InvalidRequestException")


def test_submit_form_unknown_or_done_task_is_404_and_needs_login(api):
    assert_error(api.post("/task/nope/submit-form", user="desk", json={}), 404, "InvalidRequestException")
    instance_id = api.start("api_review", {})
    task_id = task_of(api, instance_id)
    assert_needs_login(api, "post", f"/task/{task_id}/submit-form")
    assert api.complete(task_id, "desk", VALID_REVIEW).status_code == 204
    again = api.post(f"/task/{task_id}/submit-form", user="desk", json={"variables": typed(VALID_REVIEW)})
    assert_error(again, 404, "InvalidRequestException")


# ------------------------------------------------------------------ GET /task/{id}/variables[/{name}]
def test_task_variables_are_the_instance_variables(api):
    instance_id = api.start("api_review", {"origin": "portal", "count": 3, "urgent": True})
    task_id = task_of(api, instance_id)
    response = api.get(f"/task/{task_id}/variables", user="desk")
    assert response.status_code == 200
    assert response.get_json() == api.get(f"/process-instance/{instance_id}/variables").get_json()
    assert response.get_json()["count"] == {"value": 3, "type": "Integer", "valueInfo": {}}
    one = api.get(f"/task/{task_id}/variables/origin", user="desk")
    assert one.status_code == 200 and one.get_json() == {"value": "portal", "type": "String", "valueInfo": {}}
    assert_error(api.get(f"/task/{task_id}/variables/missing"), 404, "InvalidRequestException", "missing")


def test_task_variables_of_unknown_or_finished_task_are_404_and_need_login(api):
    for path in ("/task/nope/variables", "/task/nope/variables/origin"):
        assert_error(api.get(path), 404, "InvalidRequestException")
    instance_id = api.start("api_review", {"origin": "portal"})
    task_id = task_of(api, instance_id)
    assert_needs_login(api, "get", f"/task/{task_id}/variables")
    assert_needs_login(api, "get", f"/task/{task_id}/variables/origin")
    assert api.complete(task_id, "desk", VALID_REVIEW).status_code == 204
    for path in (f"/task/{task_id}/variables", f"/task/{task_id}/variables/origin"):
        assert_error(api.get(path), 404, "InvalidRequestException")


# ------------------------------------------------------------------ counts
def test_task_count_equals_the_list_length_for_each_filter(api):
    first = api.start("api_review", {})
    api.start("api_review", {})
    claimed = api.start("api_review", {})
    assert api.post(f"/task/{task_of(api, claimed)}/claim", user="desk", json={}).status_code == 204
    for filters in ("", "candidateGroup=service_desk", "candidateUser=desk", "candidateUser=tier2",
                    "assignee=desk", "unassigned=true", f"processInstanceId={first}", "taskDefinitionKey=review",
                    "taskDefinitionKey=nope", "candidateUser=desk&unassigned=true"):
        listed = api.get(f"/task?{filters}").get_json()
        assert count(api, f"/task/count?{filters}") == len(listed), filters
    assert count(api, "/task/count") == 3
    assert count(api, "/task/count?candidateGroup=service_desk") == 2
    assert count(api, "/task/count?assignee=desk") == 1
    assert_needs_login(api, "get", "/task/count")


def test_process_instance_count_equals_the_list_length(api):
    api.start("api_review", {}, business_key="A")
    api.start("api_review", {}, business_key="B")
    done = api.start("api_review", {}, business_key="A")
    assert api.complete(task_of(api, done), "desk", VALID_REVIEW).status_code == 204
    for filters in ("", "processDefinitionKey=api_review", "businessKey=A", "businessKey=nope",
                    f"processDefinitionKey={FLOW_1}"):
        listed = api.get(f"/process-instance?{filters}").get_json()
        assert count(api, f"/process-instance/count?{filters}") == len(listed), filters
    assert count(api, "/process-instance/count?businessKey=A") == 1  # the ended one is history
    assert_needs_login(api, "get", "/process-instance/count")


# ------------------------------------------------------------------ POST /task
def test_post_task_query_filters_like_get(api):
    first = api.start("api_review", {})
    second = api.start("api_review", {})
    assert api.post(f"/task/{task_of(api, second)}/claim", user="desk", json={}).status_code == 204
    cases = [({}, ""), ({"processInstanceId": first}, f"processInstanceId={first}"),
             ({"candidateGroup": "service_desk"}, "candidateGroup=service_desk"),
             ({"candidateUser": "desk"}, "candidateUser=desk"), ({"assignee": "desk"}, "assignee=desk"),
             ({"unassigned": True}, "unassigned=true"), ({"taskDefinitionKey": "review"}, "taskDefinitionKey=review"),
             ({"candidateUser": "desk", "unassigned": True}, "candidateUser=desk&unassigned=true")]
    for body, query in cases:
        assert ids(api.post("/task", json=body)) == ids(api.get(f"/task?{query}")), body
    assert ids(api.post("/task", json={"assignee": "desk", "processDefinitionKeyIn": ["api_review"],
                                       "unassigned": None})) == [task_of(api, second)]
    assert ids(api.post("/task", json={"assignee": "desk", "processDefinitionKeyIn": ["x"]})) == []
    assert ids(api.post("/task", data="", content_type="application/json")) == ids(api.get("/task"))
    everything = ids(api.get("/task"))
    assert ids(api.post("/task?firstResult=1&maxResults=1", json={})) == everything[1:2]


def test_post_task_query_refuses_wrong_types_and_needs_login(api):
    for body in ({"candidateGroup": 5}, {"assignee": ["desk"]}, {"unassigned": "yes"}, {"unassigned": 1},
                 {"sorting": "created"}, {"sorting": [{"sortBy": "created"}]}, {"sorting": [["created", "asc"]]},
                 {"sorting": [{"sortBy": "name", "sortOrder": "asc"}]}):
        assert_error(api.post("/task", json=body), 400, "InvalidRequestException")
    assert_error(api.post("/task", data="[1]", content_type="application/json"), 400, "InvalidRequestException")
    assert_error(api.post("/task?maxResults=lots", json={}), 400, "InvalidRequestException")
    assert_needs_login(api, "post", "/task")


# ------------------------------------------------------------------ sorting
@pytest.fixture
def sortable(api) -> dict[str, str]:
    """Three open tasks, created in the order a, b, c, with distinct priorities and due dates (c has none)."""
    specs = {"a": (50, "2026-12-03T00:00:00Z"), "b": (90, "2026-12-01T00:00:00Z"), "c": (10, None)}
    files = [one_task_process(f"sort_{name}", priority=priority, due=due) for name, (priority, due) in specs.items()]
    assert deploy(api, *files).status_code == 200
    return {name: task_of(api, api.start(f"sort_{name}", {})) for name in specs}


@pytest.mark.parametrize("path", ["/task?", "/task?candidateGroup=service_desk&", "/task?candidateUser=desk&"])
def test_sort_by_and_sort_order(api, sortable, path):
    t = sortable
    expected = {("priority", "desc"): "bac", ("priority", "asc"): "cab", ("created", "asc"): "abc",
                ("created", "desc"): "cba", ("dueDate", "asc"): "bac", ("dueDate", "desc"): "abc"}
    for (sort_by, order), names in expected.items():
        listed = ids(api.get(f"{path}sortBy={sort_by}&sortOrder={order}&taskDefinitionKey=work"))
        assert listed == [t[n] for n in names], (path, sort_by, order)
    assert ids(api.get(f"{path}taskDefinitionKey=work")) == [t[n] for n in "bac"]  # default: priority, created
    paged = ids(api.get(f"{path}sortBy=created&sortOrder=desc&taskDefinitionKey=work&firstResult=1&maxResults=1"))
    assert paged == [t["b"]]


def test_post_task_query_sorts_by_each_sorting_entry(api, sortable):
    t = sortable
    body = {"taskDefinitionKey": "work", "sorting": [{"sortBy": "dueDate", "sortOrder": "asc"}]}
    assert ids(api.post("/task", json=body)) == [t["b"], t["a"], t["c"]]
    body["sorting"] = [{"sortBy": "created", "sortOrder": "desc"}, {"sortBy": "priority", "sortOrder": "asc"}]
    assert ids(api.post("/task", json=body)) == [t["c"], t["b"], t["a"]]


def test_invalid_sort_parameters_are_400(api):
    for query in ("sortBy=name&sortOrder=asc", "sortBy=created&sortOrder=up", "sortBy=created",
                  "sortOrder=desc", "sortBy=&sortOrder=asc", "candidateGroup=service_desk&sortBy=id&sortOrder=asc"):
        assert_error(api.get(f"/task?{query}"), 400, "InvalidRequestException")
        assert count(api, f"/task/count?{query}") == 0  # a count is not sorted, so Camunda ignores these


# ------------------------------------------------------------------ start form
def test_start_form_key_by_key_and_id(api):
    flow = api.get(f"/process-definition/key/{FLOW_1}/startForm", user="requester")
    assert flow.status_code == 200
    assert flow.get_json() == {"key": "camunda-forms:deployment:support_request_intake", "contextPath": None}
    definition_id = api.get(f"/process-definition/key/{FLOW_1}").get_json()["id"]
    assert api.get(f"/process-definition/{definition_id}/startForm").get_json() == flow.get_json()
    review = api.get("/process-definition/key/api_review/startForm")
    assert review.status_code == 200 and review.get_json() == {"key": None, "contextPath": None}
    for path in ("/process-definition/key/nope/startForm", "/process-definition/nope:1:x/startForm"):
        assert_error(api.get(path), 404, "InvalidRequestException")
    assert_needs_login(api, "get", f"/process-definition/key/{FLOW_1}/startForm")


def test_submit_start_form_starts_an_instance(api):
    by_key = api.post(f"/process-definition/key/{FLOW_1}/submit-form", user="requester",
                      json={"variables": typed(intake()), "businessKey": "SR-F1"})
    assert by_key.status_code == 200, by_key.get_json()
    started = by_key.get_json()
    assert started["businessKey"] == "SR-F1" and started["ended"] is False
    assert api.variables(started["id"])["requester"] == "张三"
    definition_id = started["definitionId"]
    by_id = api.post(f"/process-definition/{definition_id}/submit-form", user="requester",
                     json={"variables": typed(intake())})
    assert by_id.status_code == 200 and by_id.get_json()["definitionId"] == definition_id
    assert count(api, f"/process-instance/count?processDefinitionKey={FLOW_1}") == 2


def test_submit_start_form_checks_the_form_and_stores_nothing(api):
    path = f"/process-definition/key/{FLOW_1}/submit-form"
    missing = intake()
    del missing["requester"]
    cases = ((missing, "requester"), (intake(contact="12"), "contact"), (intake(channel="fax"), "channel"))
    for values, field in cases:
        assert_error(api.post(path, user="requester", json={"variables": typed(values)}), 400,
                     "InvalidRequestException", field)
    bad_key = api.post(path, user="requester", json={"variables": typed(intake()), "businessKey": 7})
    assert_error(bad_key, 400, "InvalidRequestException", "businessKey")
    assert count(api, f"/history/process-instance/count?processDefinitionKey={FLOW_1}") == 0
    assert_error(api.post("/process-definition/key/nope/submit-form", json={}), 404, "InvalidRequestException")
    assert_error(api.post("/process-definition/nope:1:x/submit-form", json={}), 404, "InvalidRequestException")
    assert_needs_login(api, "post", path)


# ------------------------------------------------------------------ history list
@pytest.fixture
def history(api) -> dict[str, str]:
    """Three review instances: ``done`` ended, ``open_a`` and ``open_b`` running."""
    rows = {"done": api.start("api_review", {}, business_key="H-1"),
            "open_a": api.start("api_review", {}, business_key="H-1"),
            "open_b": api.start("api_review", {}, business_key="H-2")}
    assert api.complete(task_of(api, rows["done"]), "desk", VALID_REVIEW).status_code == 204
    return rows


def test_history_list_splits_finished_and_unfinished(api, history):
    h = history
    finished = api.get("/history/process-instance?finished=true").get_json()
    assert [row["id"] for row in finished] == [h["done"]]
    assert finished[0]["state"] == "COMPLETED" and finished[0]["endTime"]
    unfinished = api.get("/history/process-instance?unfinished=true&processDefinitionKey=api_review").get_json()
    assert {row["id"] for row in unfinished} == {h["open_a"], h["open_b"]}
    assert all(row["state"] == "ACTIVE" and row["endTime"] is None for row in unfinished)
    everything = ids(api.get("/history/process-instance"))
    assert everything == [h["open_b"], h["open_a"], h["done"]]  # newest first
    assert ids(api.get("/history/process-instance?firstResult=1&maxResults=1")) == [h["open_a"]]
    assert ids(api.get("/history/process-instance?finished=true&unfinished=true")) == []
    assert ids(api.get("/history/process-instance?finished=false")) == everything


def test_history_filters_and_count(api, history):
    h = history
    cases = {f"processInstanceId={h['done']}": {h["done"]},
             "processDefinitionKey=api_review": set(h.values()),
             f"processDefinitionKey={FLOW_1}": set(),
             "businessKey=H-1": {h["done"], h["open_a"]},
             "processInstanceBusinessKey=H-1&finished=true": {h["done"]},
             "processInstanceBusinessKey=H-2&businessKey=H-2": {h["open_b"]},
             "finished=true": {h["done"]}, "unfinished=true": {h["open_a"], h["open_b"]}}
    for query, expected in cases.items():
        assert set(ids(api.get(f"/history/process-instance?{query}"))) == expected, query
        assert count(api, f"/history/process-instance/count?{query}") == len(expected), query
    assert count(api, "/history/process-instance/count") == 3


def test_history_list_bad_parameters_are_400_and_need_login(api):
    for path in ("/history/process-instance", "/history/process-instance/count"):
        for query in ("finished=yes", "unfinished=1", "processInstanceBusinessKey=A&businessKey=B"):
            assert_error(api.get(f"{path}?{query}"), 400, "InvalidRequestException")
        assert_needs_login(api, "get", path)
    for query in ("maxResults=-1", "firstResult=x"):
        assert_error(api.get(f"/history/process-instance?{query}"), 400, "InvalidRequestException")
