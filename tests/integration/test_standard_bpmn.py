"""Standard BPMN that Camunda runs and this engine must run too: plain and manual tasks, tasks nobody
is named for, multi-instance, form keys that are not Camunda Forms. Each model goes through the REST API."""
from __future__ import annotations

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
