"""A task or start event with a form accepts exactly that form's fields: a variable the form has no field
for is a 400 naming it and nothing is stored, so whoever completes a step cannot overwrite what the
process controls. Tasks without a form keep Camunda's behaviour (any variables). SQLite and PostgreSQL."""
from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import typed
from tests.helpers import DATA, deploy, one_task_process
from tests.integration.test_support_request_flow import (PROCESS, TIER1_ESCALATE, assert_refused,
                                                         handler_results, intake, step, walk_to_tier1)


@pytest.mark.parametrize("forged", [{"escalation_level": "abc"}, {"response_due_at": "9999-12-31"},
                                    {"ticket_status": "closed", "priority": "urgent"}])
def test_tier1_cannot_set_what_the_process_controls(api, forged):
    instance_id = walk_to_tier1(api, "SR-FORGE")
    before = api.variables(instance_id)
    assert_refused(api, instance_id, "tier1_diagnose", "tier1", {**TIER1_ESCALATE, **forged},
                   *(f"'{name}'" for name in forged))
    assert api.variables(instance_id) == before
    assert handler_results(api, instance_id, "escalate_to_tier2") == []
    audit = api.get(f"/history/audit/{instance_id}").get_json()
    assert [a for a in audit if a["action"] == "task_completed" and a["activityId"] == "tier1_diagnose"] == []
    step(api, instance_id, "tier1_diagnose", ["tier1_hardware"], "tier1", TIER1_ESCALATE)  # the form alone: fine
    assert api.variables(instance_id)["escalation_level"] == 1


def test_start_form_accepts_only_its_fields(api):
    def histories() -> int:
        return api.get("/history/process-instance/count").get_json()["count"]

    before = histories()
    for path in (f"/process-definition/key/{PROCESS}/start", f"/process-definition/key/{PROCESS}/submit-form"):
        response = api.post(path, user="requester",
                            json={"variables": typed(intake(escalation_level=3, reopen_count=-1))})
        assert response.status_code == 400, response.get_json()
        message = response.get_json()["message"]
        assert "'escalation_level'" in message and "'reopen_count'" in message
    assert histories() == before
    response = api.post(f"/process-definition/key/{PROCESS}/submit-form", user="requester",
                        json={"variables": typed(intake())})
    assert response.status_code == 200, response.get_json()


def test_camunda_form_field_task_accepts_only_its_fields(api):
    assert deploy(api, DATA / "api" / "formfield_approval.bpmn").status_code == 200
    instance_id = api.start("purchase_approval", {"item": "笔记本电脑", "amount": 5000})
    [task] = api.tasks(instance_id)
    before = api.variables(instance_id)
    response = api.complete(task["id"], "pm", {"approved": True, "reason": "预算内", "amount": 1})
    assert response.status_code == 400 and "'amount'" in response.get_json()["message"], response.get_json()
    assert api.variables(instance_id) == before and [t["id"] for t in api.tasks(instance_id)] == [task["id"]]
    assert api.complete(task["id"], "pm", {"approved": True, "reason": "预算内"}).status_code == 204


def test_a_task_without_a_form_accepts_any_variables(api):
    assert deploy(api, one_task_process("free_task")).status_code == 200
    instance_id = api.start("free_task", {"anything": 1})
    values: dict[str, Any] = {"whatever": "值", "count": 2}
    assert api.complete(api.tasks(instance_id)[0]["id"], "desk", values).status_code == 204
    assert api.variables_after_end(instance_id) == {"anything": 1, **values}

