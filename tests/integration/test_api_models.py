"""Models as Camunda Modeler writes them; incidents and retry; sandbox; bare ISO timers fired by the scheduler."""
from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from app import clock, sandbox
from scheduler import tick
from tests.helpers import DATA, deploy, register_handler, unregister_handler

BACKENDS = ["sqlite"]  # flow rules and deadlines, not SQL: the same on both databases (tests/conftest.py)

API = DATA / "api"


def test_camunda_modeler_formfield_model_runs_with_its_constraints(api):
    assert deploy(api, API / "formfield_approval.bpmn").status_code == 200
    bad_start = api.post("/process-definition/key/purchase_approval/start", user="requester",
                         json={"variables": {"item": {"value": "laptop", "type": "String"},
                                             "amount": {"value": 0, "type": "Long"}}})
    assert bad_start.status_code == 400 and "amount" in bad_start.get_json()["message"]
    instance_id = api.start("purchase_approval", {"item": "laptop", "amount": 1200})
    task = api.only_task(instance_id, "Activity_approve")
    assert task["candidateUsers"] == ["desk"] and task["candidateGroups"] == ["project_manager"]
    short = api.complete(task["id"], "pm", {"approved": True, "reason": "ok"})
    assert short.status_code == 400 and "reason" in short.get_json()["message"]
    wrong_option = api.complete(task["id"], "pm", {"approved": True, "reason": "needed", "budget": "misc"})
    assert wrong_option.status_code == 400 and "budget" in wrong_option.get_json()["message"]
    # a candidate user (not in the group) may complete it
    assert api.complete(task["id"], "desk", {"approved": True, "reason": "needed", "budget": "capex"}).status_code == 204
    history = api.get(f"/history/activity-instance?processInstanceId={instance_id}").get_json()
    assert history[-1]["activityId"] == "Event_bought"


class Flaky:
    """A handler that fails until told to recover, to show that failures become incidents."""

    def __init__(self):
        self.fail = True
        self.calls = 0

    def __call__(self, ctx):
        self.calls += 1
        if self.fail:
            raise ConnectionError("ticket system unreachable")
        return {"recorded": True, "seen_decision": ctx.variables["decision"]}


@pytest.fixture
def flaky():
    handler = Flaky()
    register_handler("test_record", handler)
    yield handler
    unregister_handler("test_record")


def test_handler_failure_becomes_incident_and_retry_continues(api, flaky):
    assert deploy(api, API / "review.bpmn", API / "review.form").status_code == 200
    instance_id = api.start("api_review", {})
    task_id = api.tasks(instance_id)[0]["id"]
    assert api.complete(task_id, "desk", {"decision": "done", "note": "fine"}).status_code == 204
    assert api.history_state(instance_id) == "ACTIVE"       # kept, not lost
    assert api.variables(instance_id)["note"] == "fine"      # the desk's input is stored
    incidents = api.get(f"/incident?processInstanceId={instance_id}").get_json()
    assert len(incidents) == 1
    incident = incidents[0]
    assert incident["activityId"] == "record" and "ticket system unreachable" in incident["incidentMessage"]

    assert api.put(f"/job/{incident['configuration']}/retries", json={"retries": 1}).status_code == 204
    assert api.get(f"/incident?processInstanceId={instance_id}").get_json()[0]["attempts"] == 2
    flaky.fail = False
    assert api.put(f"/job/{incident['configuration']}/retries", json={"retries": 1}).status_code == 204
    assert api.get(f"/incident?processInstanceId={instance_id}").get_json() == []
    assert api.history_state(instance_id) == "COMPLETED"
    assert api.variables_after_end(instance_id)["seen_decision"] == "done"
    assert flaky.calls == 3
    assert api.put("/job/unknown/retries", json={"retries": 1}).status_code == 404
    assert api.put(f"/job/{incident['configuration']}/retries", json={"retries": "x"}).status_code == 400


def test_sandbox_refuses_dunder_escape_at_deployment(api, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    response = deploy(api, API / "sandbox_escape.bpmn")
    assert response.status_code == 400
    assert not Path("SENTINEL").exists()
    assert api.get("/process-definition?key=api_escape").get_json() == []


def test_sandbox_blocks_io_at_run_time_and_the_script_becomes_an_incident(api, tmp_path):
    """The refused call fails the script task: an incident on it, like any failing script, and no file."""
    assert deploy(api, API / "script_io.bpmn").status_code == 200
    target = tmp_path / "owned.txt"
    response = api.post("/process-definition/key/api_script_io/start", user="requester",
                        json={"variables": {"target": {"value": str(target), "type": "String"}}})
    assert response.status_code == 200, response.get_json()
    instance_id = response.get_json()["id"]
    [incident] = api.get(f"/incident?processInstanceId={instance_id}").get_json()
    assert incident["activityId"] == "write_file" and "open" in incident["incidentMessage"]
    assert not target.exists()
    assert "total" not in api.variables(instance_id)  # nothing after the failed script ran


def test_bare_iso_timer_fires_through_the_scheduler(app, api):
    assert deploy(api, API / "timer_literal.bpmn").status_code == 200
    with clock.frozen(clock.now()) as advance:  # a loaded machine must not make it due before the first look
        instance_id = api.start("api_timer", {})
        assert api.tasks(instance_id) == []
        assert tick(app) == 0  # not yet due
        advance(timedelta(seconds=1.2))
        assert tick(app) == 1
        assert api.only_task(instance_id, "after")
        assert tick(app) == 0  # fired exactly once
    history = api.get(f"/history/activity-instance?processInstanceId={instance_id}").get_json()
    assert [h["activityId"] for h in history][:3] == ["start", "wait", "after"]


def test_bpmn_dmn_and_form_deployed_together_with_form_keys_and_assignee(api):
    """One Camunda-style deployment: formKey deployment:/app: forms, a ${var} assignee and group, a DMN."""
    response = deploy(api, API / "formkey_assignee.bpmn", API / "route.dmn", API / "review.form")
    assert response.status_code == 200, response.get_json()
    instance_id = api.start("api_formkey", {"initiator": "tier1"})
    check = api.only_task(instance_id, "check")
    assert check["assignee"] == "tier1"
    assert check["formKey"] == "camunda-forms:deployment:review.form"
    assert api.complete(check["id"], "desk", {"decision": "done", "note": "fine"}).status_code == 403
    bad = api.complete(check["id"], "tier1", {"decision": "done", "note": "x"})
    assert bad.status_code == 400 and "note" in bad.get_json()["message"]   # the .form's rules apply
    assert api.complete(check["id"], "tier1", {"decision": "done", "note": "fine", "score": 2}).status_code == 204
    follow = api.only_task(instance_id, "follow_up")
    assert follow["candidateGroups"] == ["tier2"]                            # from the decision table
    assert api.complete(follow["id"], "tier2", {"decision": "done", "note": "x" * 30}).status_code == 400
    assert api.complete(follow["id"], "tier2", {"decision": "done", "note": "all good"}).status_code == 204
    assert api.variables_after_end(instance_id)["follow_group"] == "tier2"


def test_due_dates_and_priorities_as_literals_and_expressions(api):
    from datetime import datetime, timedelta, timezone

    assert deploy(api, API / "due_priority.bpmn").status_code == 200
    instance_id = api.start("api_due_priority", {"vip": True, "deadline": "2026-12-01T09:00:00+08:00",
                                                 "priority": "urgent"})
    first = api.only_task(instance_id, "first")
    assert first["priority"] == 90                                   # "90 if vip else 40"
    due = datetime.strptime(first["due"], "%Y-%m-%dT%H:%M:%S.%f%z")
    assert abs(due - (datetime.now(timezone.utc) + timedelta(days=2))) < timedelta(minutes=1)   # P2D
    assert api.complete(first["id"], "desk", {}).status_code == 204
    second = api.only_task(instance_id, "second")
    assert second["due"] == "2026-12-01T01:00:00.000+0000"           # the variable, in UTC
    assert second["priority"] == 100                                 # no camunda:priority: the urgent ticket


def test_a_handler_returning_garbage_is_an_incident_not_a_crash(api):
    register_handler("test_record", lambda ctx: ["not", "variables"])
    try:
        assert deploy(api, API / "review.bpmn", API / "review.form").status_code == 200
        instance_id = api.start("api_review", {})
        task_id = api.tasks(instance_id)[0]["id"]
        assert api.complete(task_id, "desk", {"decision": "done", "note": "fine"}).status_code == 204
        [incident] = api.get(f"/incident?processInstanceId={instance_id}").get_json()
        assert "returned list" in incident["incidentMessage"]
        assert api.variables(instance_id)["note"] == "fine"
    finally:
        unregister_handler("test_record")


def test_a_script_that_never_ends_becomes_an_incident_and_the_service_goes_on(api, monkeypatch):
    """A model's endless loop must not hold the request (and the database's writer) for ever."""
    monkeypatch.setattr(sandbox, "TIME_LIMIT_SECONDS", 0.3)
    assert deploy(api, API / "script_endless.bpmn").status_code == 200
    response = api.post("/process-definition/key/api_script_endless/start", user="requester", json={})
    assert response.status_code == 200, response.get_json()
    instance_id = response.get_json()["id"]
    [incident] = api.get(f"/incident?processInstanceId={instance_id}").get_json()
    assert incident["activityId"] == "spin" and "longer than 0.3 s" in incident["incidentMessage"]
    assert "total" not in api.variables(instance_id)
    assert api.get("/process-definition?key=api_script_endless").status_code == 200  # the next request is served
