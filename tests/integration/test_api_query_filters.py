"""Filters mean what they say: each supported Camunda filter narrows the list (and its count) the way
Camunda's does, an unsupported one is a 400 naming it, booleans are true/false only, and a list without
``maxResults`` is returned whole. Runs on SQLite and PostgreSQL."""
from __future__ import annotations


import pytest

from tests.helpers import deploy, one_task_process


def ids(response) -> set[str]:
    assert response.status_code == 200, response.get_json()
    return {row["id"] for row in response.get_json()}


def count(api, path: str) -> int:
    response = api.get(path)
    assert response.status_code == 200, response.get_json()
    return response.get_json()["count"]


def refused(response, *names: str) -> None:
    assert response.status_code == 400, (response.status_code, response.get_json())
    body = response.get_json()
    assert body["type"] == "InvalidRequestException", body
    for name in names:
        assert name in body["message"], body


@pytest.fixture
def tasks(api) -> dict[str, dict]:
    """Four open tasks in two processes: ``a1``/``a2`` of ``flt_a`` (desk, prio 80, due Dec 1), ``b1``
    of ``flt_b`` (tier 2, prio 20, due Dec 3), ``c1`` of ``flt_c`` (desk, prio 50, no due date);
    ``a2`` is claimed by desk."""
    assert deploy(api,
                  one_task_process("flt_a", "flt_a_work", "打印机报修 Printer", "service_desk", 80, "2026-12-01T00:00:00Z"),
                  one_task_process("flt_b", "flt_b_work", "Network check", "tier2", 20, "2026-12-03T00:00:00Z"),
                  one_task_process("flt_c", "flt_c_work", "Printer toner", "service_desk", 50)).status_code == 200
    started = {"a1": ("flt_a", "K-1"), "a2": ("flt_a", "K-2"), "b1": ("flt_b", "K-1"), "c1": ("flt_c", "K-3")}
    result = {}
    for name, (key, business_key) in started.items():
        instance_id = api.start(key, {}, business_key=business_key)
        result[name] = api.tasks(instance_id)[0]
    assert api.post(f"/task/{result['a2']['id']}/claim", user="desk", json={}).status_code == 204
    return result


def test_each_task_filter_narrows_the_list_and_its_count(api, tasks):
    t = {name: task["id"] for name, task in tasks.items()}
    instance = {name: task["processInstanceId"] for name, task in tasks.items()}
    cases = {
        "processDefinitionKey=flt_a": {"a1", "a2"},
        "processDefinitionKeyIn=flt_a,flt_c": {"a1", "a2", "c1"},
        f"processDefinitionId={tasks['b1']['processDefinitionId']}": {"b1"},
        "processInstanceBusinessKey=K-1": {"a1", "b1"},
        "processInstanceBusinessKeyIn=K-2,K-3": {"a2", "c1"},
        "name=Network check": {"b1"},
        "nameLike=%25Printer%25": {"a1", "a2", "c1"},
        "nameLike=Printer%25": {"c1"},
        "nameLike=Printer": set(),
        f"processInstanceIdIn={instance['a1']},{instance['b1']}": {"a1", "b1"},
        f"taskId={t['c1']}": {"c1"},
        "taskDefinitionKeyIn=flt_b_work,flt_c_work": {"b1", "c1"},
        "candidateGroups=tier2,nobody": {"b1"},
        "candidateGroups=service_desk": {"a1", "c1"},  # a2 is claimed: no longer offered to the group
        "assigned=true": {"a2"}, "unassigned=true": {"a1", "b1", "c1"},
        "assigned=false": {"a1", "a2", "b1", "c1"}, "unassigned=FALSE": {"a1", "a2", "b1", "c1"},
        "dueBefore=2026-12-02T00:00:00.000%2B0000": {"a1", "a2"},
        "dueAfter=2026-12-02T00:00:00.000%2B0000": {"b1"},
        "dueAfter=2026-12-01T00:00:00.000%2B0000": {"b1"},  # strictly after, as in Camunda
        "priority=50": {"c1"}, "minPriority=50": {"a1", "a2", "c1"}, "maxPriority=50": {"b1", "c1"},
        "minPriority=21&maxPriority=79": {"c1"},
        "processDefinitionKey=flt_a&assigned=true": {"a2"},
        "candidateGroup=service_desk&processDefinitionKey=flt_c": {"c1"},
        "candidateGroup=service_desk&nameLike=%25Printer%25&maxPriority=60": {"c1"},
    }
    for query, expected in cases.items():
        assert ids(api.get(f"/task?{query}")) == {t[n] for n in expected}, query
        assert count(api, f"/task/count?{query}") == len(expected), query


def test_post_task_query_takes_the_same_filters_with_lists_as_arrays(api, tasks):
    t = {name: task["id"] for name, task in tasks.items()}
    instance = {name: task["processInstanceId"] for name, task in tasks.items()}
    cases = [({"processInstanceIdIn": [instance["a1"], instance["c1"]]}, {"a1", "c1"}),
             ({"processDefinitionKey": "flt_b"}, {"b1"}), ({"processInstanceBusinessKey": "K-2"}, {"a2"}),
             ({"name": "Printer toner"}, {"c1"}), ({"nameLike": "%check"}, {"b1"}),
             ({"candidateGroups": ["service_desk", "tier2"]}, {"a1", "b1", "c1"}),
             ({"taskDefinitionKeyIn": ["flt_a_work"], "assigned": True}, {"a2"}),
             ({"dueBefore": "2026-12-04T00:00:00.000+0000", "minPriority": 30}, {"a1", "a2"}),
             ({"processInstanceIdIn": [instance["a1"]], "processDefinitionKey": "flt_b"}, set())]
    for body, expected in cases:
        assert ids(api.post("/task", json=body)) == {t[n] for n in expected}, body


@pytest.mark.parametrize("query, name", [
    ("includeAssignedTasks=true", "includeAssignedTasks"), ("withCandidateGroups=true", "withCandidateGroups"),
    ("processVariables=a_eq_1", "processVariables"), ("descriptionLike=x", "descriptionLike"),
    ("candidateGroup=service_desk&tenantIdIn=t", "tenantIdIn"),
])
def test_unsupported_task_filters_are_400_naming_them(api, tasks, query, name):
    refused(api.get(f"/task?{query}"), name)
    refused(api.get(f"/task/count?{query}"), name)


def test_unsupported_or_mistyped_post_task_query_properties_are_400(api, tasks):
    refused(api.post("/task", json={"active": True}), "active")
    refused(api.post("/task", json={"processVariables": [], "orQueries": []}), "orQueries", "processVariables")
    refused(api.post("/task", json={"processInstanceIdIn": "a,b"}), "processInstanceIdIn")
    refused(api.post("/task", json={"candidateGroups": [1]}), "candidateGroups")
    refused(api.post("/task", json={"priority": "high"}), "priority")
    refused(api.post("/task", json={"dueBefore": "tomorrow"}), "dueBefore")
    refused(api.post("/task?sortBy=created", json={}), "sortBy")


@pytest.mark.parametrize("path", ["/task?unassigned=", "/task?assigned=yes", "/task?unassigned=1",
                                  "/task/count?assigned=0", "/process-definition?latestVersion=yes",
                                  "/process-definition/count?latestVersion=1",
                                  "/history/process-instance?finished=on", "/history/process-instance?active=1",
                                  "/history/process-instance/count?completed=t"])
def test_booleans_are_true_or_false_only(api, tasks, path):
    refused(api.get(path), path.split("?")[1].split("=")[0])


def test_other_dates_and_numbers_are_checked(api, tasks):
    refused(api.get("/task?dueBefore=soon"), "dueBefore")
    refused(api.get("/task?priority=high"), "priority")
    refused(api.get(f"/task?minPriority={2 ** 31}"), "minPriority")
    refused(api.get("/history/process-instance?startedAfter=2026-13-01"), "startedAfter")
    assert ids(api.get("/task?minPriority=-5&maxPriority=-1")) == set()


@pytest.mark.parametrize("path, name", [
    ("/process-instance?withIncident=true", "withIncident"), ("/process-instance/count?variables=a_eq_1", "variables"),
    ("/history/process-instance?withIncidents=true", "withIncidents"),
    ("/history/process-instance?sortBy=startTime&sortOrder=asc", "sortBy"),
    ("/process-definition?name=x", "name"), ("/deployment?name=x", "name"), ("/incident?jobDefinitionId=x", "jobDefinitionId"),
    ("/history/activity-instance?activityType=userTask", "activityType"),
])
def test_unsupported_filters_elsewhere_are_400_naming_them(api, tasks, path, name):
    refused(api.get(path), name)


@pytest.fixture
def history(api, tasks) -> dict[str, str]:
    """The four instances of ``tasks`` (started by requester in the order a1, a2, b1, c1); a1 and b1 completed."""
    assert api.complete(tasks["a1"]["id"], "desk", {}).status_code == 204
    assert api.complete(tasks["b1"]["id"], "tier2", {}).status_code == 204
    return {name: task["processInstanceId"] for name, task in tasks.items()}


def test_history_filters_mean_what_they_say(api, history):
    h = history
    started = {row["id"]: row["startTime"] for row in api.get("/history/process-instance").get_json()}
    c1_started = started[h["c1"]].replace("+", "%2B")
    cases = {
        "completed=true": {"a1", "b1"}, "active=true": {"a2", "c1"},
        "finished=true": {"a1", "b1"}, "unfinished=true": {"a2", "c1"},
        "completed=false": {"a1", "a2", "b1", "c1"}, "externallyTerminated=true": set(),
        "processDefinitionKey=flt_a": {"a1", "a2"}, "processDefinitionKeyIn=flt_b,flt_c": {"b1", "c1"},
        "processInstanceBusinessKey=K-1": {"a1", "b1"}, "processInstanceBusinessKeyLike=K-%25": set("a1 a2 b1 c1".split()),
        "businessKey=K-3": {"c1"}, "startedBy=requester": {"a1", "a2", "b1", "c1"}, "startedBy=admin": set(),
        f"startedAfter={c1_started}": {"c1"}, "startedBefore=2999-01-01T00:00:00.000%2B0000": {"a1", "a2", "b1", "c1"},
        "startedBefore=2000-01-01T00:00:00.000%2B0000": set(),
        "finishedAfter=2000-01-01T00:00:00.000%2B0000": {"a1", "b1"},
        f"processInstanceIds={h['a1']},{h['c1']}": {"a1", "c1"},
        "completed=true&processDefinitionKey=flt_b": {"b1"},
    }
    for query, expected in cases.items():
        assert ids(api.get(f"/history/process-instance?{query}")) == {h[n] for n in expected}, query
        assert count(api, f"/history/process-instance/count?{query}") == len(expected), query
    refused(api.get("/history/process-instance?active=true&completed=true"), "active")


def test_running_instance_filters(api, history):
    h = history
    cases = {"processDefinitionKey=flt_a": {"a2"}, "processDefinitionKeyIn=flt_a,flt_c": {"a2", "c1"},
             "businessKey=K-3": {"c1"}, "businessKeyLike=K-%25": {"a2", "c1"},
             f"processInstanceIds={h['a1']},{h['a2']}": {"a2"}}
    for query, expected in cases.items():
        assert ids(api.get(f"/process-instance?{query}")) == {h[n] for n in expected}, query
        assert count(api, f"/process-instance/count?{query}") == len(expected), query


def test_lists_without_max_results_return_everything(api):
    assert deploy(api, one_task_process("flt_many", "flt_many_work", "Many", priority=50)).status_code == 200
    for _ in range(105):
        api.start("flt_many", {})
    for path in ("/task?processDefinitionKey=flt_many", "/process-instance?processDefinitionKey=flt_many",
                 "/history/process-instance?processDefinitionKey=flt_many"):
        rows = api.get(path).get_json()
        assert len(rows) == 105, path
        assert len(api.get(f"{path}&firstResult=100").get_json()) == 5, path
        assert len(api.get(f"{path}&maxResults=7").get_json()) == 7, path
    assert len(api.post("/task", json={"processDefinitionKey": "flt_many"}).get_json()) == 105
    assert len(api.get("/task?candidateGroup=service_desk").get_json()) >= 105
    definitions = api.get("/process-definition").get_json()
    assert api.get("/process-definition?firstResult=1&maxResults=2").get_json() == definitions[1:3]
