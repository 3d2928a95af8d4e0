"""Process definition extras: runtime statistics, start form and its variables, called processes, diagram."""
from __future__ import annotations

import json

import pytest

from tests.helpers import DATA, deploy, register_handler, unregister_handler

API = DATA / "api"


@pytest.fixture
def failing_handler():
    def fail(ctx):
        raise ConnectionError("ticket system unreachable")

    register_handler("test_record", fail)
    yield
    unregister_handler("test_record")


def test_statistics_count_running_instances_and_failed_jobs_per_definition_and_activity(api, failing_handler):
    assert deploy(api, API / "review.bpmn", API / "review.form").status_code == 200
    api.start("api_review", {})  # one instance stays waiting at its task
    failed = api.start("api_review", {})
    task_id = api.tasks(failed)[0]["id"]
    assert api.complete(task_id, "desk", {"decision": "done", "note": "fine"}).status_code == 204

    rows = api.get("/process-definition/statistics?failedJobs=true&incidents=true").get_json()
    review = next(r for r in rows if r["definition"]["key"] == "api_review")
    assert (review["instances"], review["failedJobs"]) == (2, 1)
    assert review["incidents"] == [{"incidentType": "failedJob", "incidentCount": 1}]
    shipped = next(r for r in rows if r["definition"]["key"] == "it_support_request")
    assert (shipped["instances"], shipped["failedJobs"], shipped["incidents"]) == (0, 0, [])
    plain = next(r for r in api.get("/process-definition/statistics").get_json() if r["id"] == review["id"])
    assert (plain["failedJobs"], plain["incidents"]) == (0, [])

    expected = [{"id": "record", "instances": 1, "failedJobs": 1}, {"id": "review", "instances": 1, "failedJobs": 0}]
    by_id = api.get(f"/process-definition/{review['id']}/statistics?failedJobs=true").get_json()
    assert [{k: r[k] for k in ("id", "instances", "failedJobs")} for r in by_id] == expected
    by_key = api.get("/process-definition/key/api_review/statistics?incidentsForType=failedJob").get_json()
    assert [r["incidents"] for r in by_key] == [[{"incidentType": "failedJob", "incidentCount": 1}],
                                                  [{"incidentType": "failedJob", "incidentCount": 0}]]
    assert api.get("/process-definition/statistics", user="requester").status_code == 403
    assert api.get("/process-definition/statistics?incidents=true&incidentsForType=x").status_code == 400
    assert api.get("/process-definition/statistics?failedJobs=1").status_code == 400
    assert api.get("/process-definition/key/nope/statistics").status_code == 404


def test_the_start_form_and_its_variables_are_served(api, failing_handler):
    form = api.get("/process-definition/key/it_support_request/deployed-start-form", user="requester")
    assert form.status_code == 200 and form.mimetype == "application/json"
    assert form.get_data() == (DATA.parent.parent / "forms" / "support_request_intake.form").read_bytes()
    definition_id = api.get("/process-definition/key/it_support_request").get_json()["id"]
    assert json.loads(api.get(f"/process-definition/{definition_id}/deployed-start-form").get_data())["id"] == \
        "support_request_intake"
    variables = api.get("/process-definition/key/it_support_request/form-variables", user="requester").get_json()
    assert {"requester", "symptom", "impact", "vip"} <= set(variables)
    assert variables["vip"]["type"] == "Boolean"
    only = api.get(f"/process-definition/{definition_id}/form-variables?variableNames=symptom,vip").get_json()
    assert set(only) == {"symptom", "vip"}

    assert deploy(api, API / "review.bpmn", API / "review.form").status_code == 200
    assert api.get("/process-definition/key/api_review/deployed-start-form").status_code == 404
    assert api.get("/process-definition/key/api_review/form-variables").get_json() == {}
    assert api.get("/process-definition/key/api_review/form-variables?names=x").status_code == 400


def test_called_processes_and_the_diagram(api):
    assert deploy(api, API / "call_pair.bpmn").status_code == 200
    caller = api.get("/process-definition/key/api_caller").get_json()
    [called] = api.get(f"/process-definition/{caller['id']}/static-called-process-definitions").get_json()
    assert called["key"] == "api_callee" and called["calledFromActivityIds"] == ["call_again", "call_first"]
    assert called["callingProcessDefinitionId"] == caller["id"]
    callee_id = api.get("/process-definition/key/api_callee").get_json()["id"]
    assert called["id"] == callee_id
    assert api.get(f"/process-definition/{callee_id}/static-called-process-definitions").get_json() == []

    diagram = api.get(f"/process-definition/{caller['id']}/diagram")
    assert diagram.status_code == 204 and diagram.get_data() == b""
    assert api.get("/process-definition/key/api_caller/diagram").status_code == 204
    assert api.get("/process-definition/key/nope/diagram").status_code == 404
