"""Instance migration through /engine-rest/migration: plans generated, refused and executed; migrated instances finish
on the target version."""
from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from app.db import UnitOfWork
from app.models import Timer
from app.store import database
from tests.helpers import deploy
from tests.integration.test_support_request_flow import SOLVED, TIER1_RESOLVED, assert_closed, step, walk_to_tier1

pytestmark = pytest.mark.parametrize("backend", ["sqlite"])


def model(tasks: list[tuple[str, str]], key: str = "mig_proc") -> tuple[str, bytes]:
    """start → the given (id, kind) elements in a row → end (kind: userTask, manualTask, ...)."""
    nodes, flows, previous = [], [], "start"
    for index, (element, kind) in enumerate(tasks):
        extra = ' camunda:candidateGroups="service_desk"' if kind == "userTask" else ""
        nodes.append(f'<bpmn:{kind} id="{element}" name="{element}"{extra}/>')
        flows.append(f'<bpmn:sequenceFlow id="f{index}" sourceRef="{previous}" targetRef="{element}"/>')
        previous = element
    flows.append(f'<bpmn:sequenceFlow id="f_end" sourceRef="{previous}" targetRef="end"/>')
    xml = f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d_{key}" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="{key}" name="{key}" isExecutable="true">
    <bpmn:startEvent id="start"/>{''.join(nodes)}<bpmn:endEvent id="end"/>{''.join(flows)}
  </bpmn:process>
</bpmn:definitions>"""
    return f"{key}.bpmn", xml.encode()


def deployed(api, tasks) -> str:
    response = deploy(api, model(tasks))
    assert response.status_code == 200, response.get_json()
    return next(iter(response.get_json()["deployedProcessDefinitions"]))


def two_versions(api) -> tuple[str, str, str]:
    """Version 1 with an instance waiting in its task, and version 2 that adds a step after it."""
    v1 = deployed(api, [("review", "userTask")])
    instance_id = api.start("mig_proc", {"ticket": "T-1"})
    return v1, deployed(api, [("review", "userTask"), ("approve", "userTask")]), instance_id


def generate(api, source, target, user="owner"):
    return api.post("/migration/generate", user=user, json={"sourceProcessDefinitionId": source,
                                                            "targetProcessDefinitionId": target})


def test_generated_plan_maps_same_ids_and_a_migrated_instance_finishes_on_the_new_version(api):
    v1, v2, instance_id = two_versions(api)
    response = generate(api, v1, v2)
    assert response.status_code == 200, response.get_json()
    plan = response.get_json()
    assert plan["sourceProcessDefinitionId"] == v1 and plan["targetProcessDefinitionId"] == v2
    assert {"sourceActivityIds": ["review"], "targetActivityIds": ["review"],
            "updateEventTrigger": False} in plan["instructions"]
    assert all(i["sourceActivityIds"] != ["start"] for i in plan["instructions"])
    task_before = api.only_task(instance_id, "review")["id"]
    response = api.post("/migration/execute", user="owner",
                        json={"migrationPlan": plan, "processInstanceIds": [instance_id]})
    assert response.status_code == 204, response.get_json()
    assert api.get(f"/process-instance/{instance_id}").get_json()["definitionId"] == v2
    assert api.only_task(instance_id, "review")["id"] == task_before  # the same task, still claimable
    assert api.complete(task_before, "desk", {}).status_code == 204
    approve = api.only_task(instance_id, "approve")  # the step version 2 added
    assert approve["processDefinitionId"] == v2
    assert api.complete(approve["id"], "desk", {}).status_code == 204
    assert api.history_state(instance_id) == "COMPLETED"
    assert api.variables_after_end(instance_id)["ticket"] == "T-1"
    audit = api.get(f"/history/audit/{instance_id}").get_json()
    assert any(e["action"] == "instance_migrated" and e["userId"] == "owner" for e in audit)


def test_an_active_element_without_instruction_refuses_every_instance(api):
    v1 = deployed(api, [("review", "userTask")])
    waiting = [api.start("mig_proc", {}) for _ in range(2)]
    v2 = deployed(api, [("check", "userTask")])
    plan = generate(api, v1, v2).get_json()
    assert [i["sourceActivityIds"] for i in plan["instructions"]] == [["end"]]
    response = api.post("/migration/execute", user="owner",
                        json={"migrationPlan": plan, "processInstanceQuery": {"processDefinitionId": v1}})
    assert response.status_code == 400
    body = response.get_json()
    assert body["type"] == "MigratingProcessInstanceValidationException"
    report = body["validationReport"]
    assert report["processInstanceId"] in waiting
    assert report["activityInstanceValidationReports"][0]["sourceScopeId"] == "review"
    assert "no instruction" in report["activityInstanceValidationReports"][0]["failures"][0]
    assert {api.get(f"/process-instance/{i}").get_json()["definitionId"] for i in waiting} == {v1}
    # an explicit instruction maps the renamed task, and all instances of the version move
    plan["instructions"] = [{"sourceActivityIds": ["review"], "targetActivityIds": ["check"]}]
    response = api.post("/migration/execute", user="owner",
                        json={"migrationPlan": plan, "processInstanceQuery": {"processDefinitionId": v1}})
    assert response.status_code == 204, response.get_json()
    for instance_id in waiting:
        task = api.only_task(instance_id, "check")
        assert api.complete(task["id"], "desk", {}).status_code == 204
        assert api.history_state(instance_id) == "COMPLETED"


def test_a_plan_mapping_to_another_type_or_unknown_element_is_refused(api):
    v1, _, instance_id = two_versions(api)
    v3 = deployed(api, [("review", "manualTask")])
    assert all(i["sourceActivityIds"] != ["review"] for i in generate(api, v1, v3).get_json()["instructions"])
    bad = {"sourceProcessDefinitionId": v1, "targetProcessDefinitionId": v3,
           "instructions": [{"sourceActivityIds": ["review"], "targetActivityIds": ["review"]},
                            {"sourceActivityIds": ["nothing"], "targetActivityIds": ["end"]}]}
    response = api.post("/migration/execute", user="owner", json={"migrationPlan": bad,
                                                                  "processInstanceIds": [instance_id]})
    assert response.status_code == 400
    body = response.get_json()
    assert body["type"] == "MigrationPlanValidationException"
    failures = {r["instruction"]["sourceActivityIds"][0]: r["failures"]
                for r in body["validationReport"]["instructionReports"]}
    assert failures["review"] == ["a userTask cannot become a manualTask"]
    assert "no element 'nothing'" in failures["nothing"][0]
    assert api.get(f"/process-instance/{instance_id}").get_json()["definitionId"] == v1


def test_refusals_of_people_and_requests(api):
    v1, v2, instance_id = two_versions(api)
    assert generate(api, v1, v2, user="desk").status_code == 403
    assert generate(api, v1, "nope:1:x").status_code == 404
    assert api.post("/migration/generate", user="owner", json={"sourceProcessDefinitionId": v1}).status_code == 400
    plan = generate(api, v1, v2).get_json()
    assert api.post("/migration/execute", user="tier1", json={"migrationPlan": plan,
                                                              "processInstanceIds": [instance_id]}).status_code == 403
    assert api.post("/migration/execute", user="owner", json={"migrationPlan": plan}).status_code == 400
    assert api.post("/migration/execute", user="owner", json={"migrationPlan": plan,
                                                              "processInstanceIds": ["missing"]}).status_code == 404
    assert api.post("/migration/execute", user="admin", json={"migrationPlan": "x",
                                                              "processInstanceIds": [instance_id]}).status_code == 400


def test_an_element_already_passed_may_be_gone_from_the_target_version(api):
    v1 = deployed(api, [("review", "userTask"), ("handle", "userTask")])
    instance_id = api.start("mig_proc", {})
    assert api.complete(api.only_task(instance_id, "review")["id"], "desk", {"note": "seen"}).status_code == 204
    v2 = deployed(api, [("handle", "userTask"), ("close", "userTask")])
    plan = generate(api, v1, v2).get_json()
    response = api.post("/migration/execute", user="admin", json={"migrationPlan": plan,
                                                                  "processInstanceIds": [instance_id]})
    assert response.status_code == 204, response.get_json()
    assert api.complete(api.only_task(instance_id, "handle")["id"], "desk", {}).status_code == 204
    assert api.complete(api.only_task(instance_id, "close")["id"], "desk", {}).status_code == 204
    assert api.history_state(instance_id) == "COMPLETED"
    assert api.variables_after_end(instance_id)["note"] == "seen"
    assert v1 != v2


def test_a_flow1_ticket_keeps_its_waiting_sla_timer_and_closes_on_the_new_version(app, api):
    def timers(instance_id):
        with app.app_context(), UnitOfWork(database(app), write=False) as uow:
            return [(t.activity_id, t.due_at) for t in uow.session.scalars(select(Timer).where(
                Timer.instance_id == instance_id))]

    instance_id = walk_to_tier1(api, "SR-MIG-1")
    source = api.get(f"/process-instance/{instance_id}").get_json()["definitionId"]
    before = timers(instance_id)
    assert "response_sla_timer" in [activity for activity, _ in before]
    changed = Path("processes/it_support_request.bpmn").read_text(encoding="utf-8").replace(
        'name="一线诊断"', 'name="一线排障"')
    response = deploy(api, ("it_support_request.bpmn", changed.encode()))
    assert response.status_code == 200, response.get_json()
    target = next(iter(response.get_json()["deployedProcessDefinitions"]))
    plan = generate(api, source, target).get_json()
    response = api.post("/migration/execute", user="owner", json={"migrationPlan": plan,
                                                                  "processInstanceIds": [instance_id]})
    assert response.status_code == 204, response.get_json()
    assert timers(instance_id) == before  # the response clock was not restarted by the move
    task = api.only_task(instance_id, "tier1_diagnose")
    assert task["processDefinitionId"] == target
    step(api, instance_id, "tier1_diagnose", ["tier1_hardware"], "tier1", TIER1_RESOLVED)
    assert "response_sla_timer" not in [activity for activity, _ in timers(instance_id)]
    step(api, instance_id, "callback_rating", ["service_desk"], "desk", SOLVED)
    assert assert_closed(api, instance_id)["resolver_tier"] == "tier1"
