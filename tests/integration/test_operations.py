"""The live view: counts per element equal the projections, the instance list filters, repairs and who may do what."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app import clock
from app.db import UnitOfWork
from app.models import ActivityInstance, Incident, ProcessDefinition
from app.store import database
from tests.helpers import deploy, register_handler, unregister_handler
from tests.page_client import PageClient

SQLITE_ONLY = pytest.mark.parametrize("backend", ["sqlite"])


def model(version_name: str) -> tuple[str, bytes]:
    """start → check (handler ``test_ops_check``: fails unless ``ok``) → review (user task) → end."""
    xml = f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d_ops" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="ops_proc" name="运维测试" isExecutable="true">
    <bpmn:startEvent id="start"/>
    <bpmn:serviceTask id="check" name="检查" camunda:type="external" camunda:topic="test_ops_check"/>
    <bpmn:userTask id="review" name="{version_name}" camunda:candidateGroups="service_desk"/>
    <bpmn:endEvent id="end"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="check"/>
    <bpmn:sequenceFlow id="f2" sourceRef="check" targetRef="review"/>
    <bpmn:sequenceFlow id="f3" sourceRef="review" targetRef="end"/>
  </bpmn:process>
</bpmn:definitions>"""
    return "ops_proc.bpmn", xml.encode()


def _check(ctx):
    if ctx.variables.get("ok") is not True:
        raise RuntimeError("ok is not true")
    return {"checked": True}


@pytest.fixture
def running(api):
    """Version 1: two waiting in review, one failed in check; version 2: one waiting, two failed."""
    register_handler("test_ops_check", _check)
    assert deploy(api, model("审核")).status_code == 200
    started = {"v1_review": [api.start("ops_proc", {"ok": True}, business_key=f"OPS-1{i}") for i in range(2)],
               "v1_failed": [api.start("ops_proc", {"ok": False}, business_key="OPS-19")]}
    assert deploy(api, model("复核")).status_code == 200
    started["v2_review"] = [api.start("ops_proc", {"ok": True}, business_key="OPS-21")]
    started["v2_failed"] = [api.start("ops_proc", {"ok": False}, business_key=f"OPS-2{i}") for i in (8, 9)]
    yield started
    unregister_handler("test_ops_check")


def _direct_counts(app, version=None) -> dict[str, tuple[int, int]]:
    """Tokens and open incidents per element, counted straight from the projection tables."""
    with app.app_context(), UnitOfWork(database(app), write=False) as uow:
        ids = select(ProcessDefinition.id).where(ProcessDefinition.key == "ops_proc")
        if version:
            ids = ids.where(ProcessDefinition.version == version)
        tokens = dict(uow.session.execute(select(ActivityInstance.activity_id, func.count())
                                          .where(ActivityInstance.definition_id.in_(ids),
                                                 ActivityInstance.ended_at.is_(None))
                                          .group_by(ActivityInstance.activity_id)).all())
        failing = dict(uow.session.execute(select(Incident.activity_id, func.count())
                                           .where(Incident.definition_id.in_(ids), Incident.status == "open")
                                           .group_by(Incident.activity_id)).all())
    return {k: (tokens.get(k, 0), failing.get(k, 0)) for k in set(tokens) | set(failing)}


def _page_counts(page) -> dict[str, tuple[int, int]]:
    html = page.get_data(as_text=True)
    rows = re.findall(r'<tr data-element="([^"]+)">.*?ops-tokens">(\d+)<.*?ops-incidents">(\d+)<', html, re.S)
    return {element: (int(tokens), int(incidents)) for element, tokens, incidents in rows}


def test_counts_per_element_equal_the_projections_for_each_version_and_all(app, running):
    owner = PageClient(app, "owner", "en")
    everything = _page_counts(owner.get("/operations/ops_proc"))
    assert everything == _direct_counts(app) == {"review": (3, 0), "check": (3, 3)}
    assert _page_counts(owner.get("/operations/ops_proc?version=1")) == _direct_counts(app, 1) == {
        "review": (2, 0), "check": (1, 1)}
    assert _page_counts(owner.get("/operations/ops_proc?version=2")) == _direct_counts(app, 2) == {
        "review": (1, 0), "check": (2, 2)}
    listing = owner.get("/operations").get_data(as_text=True)
    assert re.search(r"ops_proc</td>\s*<td class=\"num\">2</td>\s*<td class=\"num\">6</td>", listing)


@SQLITE_ONLY
def test_the_instance_list_filters_and_pages(app, running):
    owner = PageClient(app, "pm", "en")

    def keys(query: str) -> set[str]:
        response = owner.get(f"/operations/ops_proc?{query}")
        assert response.status_code == 200, response.get_data(as_text=True)
        return set(re.findall(r">(OPS-\d+)</a>", response.get_data(as_text=True)))

    assert keys("") == {"OPS-10", "OPS-11", "OPS-19", "OPS-21", "OPS-28", "OPS-29"}
    assert keys("incident=yes") == {"OPS-19", "OPS-28", "OPS-29"}
    assert keys("incident=no&version=1") == {"OPS-10", "OPS-11"}
    assert keys("business_key=OPS-2") == {"OPS-21", "OPS-28", "OPS-29"}
    assert keys("state=COMPLETED") == set()
    today = clock.now().date()
    assert len(keys(f"started_from={today}&started_until={today}")) == 6
    assert keys(f"started_from={today + timedelta(days=1)}") == set()
    assert keys(f"started_until={today - timedelta(days=1)}") == set()
    for bad in ("started_from=yesterday", "state=LOST", "incident=maybe", "page=0", "version=x"):
        response = owner.get(f"/operations/ops_proc?{bad}")
        assert response.status_code == 400, bad
    assert owner.get("/operations/no_such_process").status_code == 404
    assert owner.get("/operations/ops_proc?version=9").status_code == 404


@SQLITE_ONLY
def test_retry_after_an_admin_fixed_the_variable(app, api, running):
    admin = PageClient(app, "admin", "en")
    instance_id = running["v1_failed"][0]
    page = admin.get(f"/operations/instances/{instance_id}").get_data(as_text=True)
    assert "ok is not true" in page and "Stack trace" in page
    [incident] = api.get(f"/incident?processInstanceId={instance_id}").get_json()
    # a bad typed value is refused with its reason, nothing changed
    refused = admin.post_form(f"/operations/instances/{instance_id}/variables",
                              {"name": "ok", "type": "Boolean", "value": "perhaps"})
    assert refused.status_code == 400 and "expected true or false" in refused.get_data(as_text=True)
    assert api.variables(instance_id)["ok"] is False
    saved = admin.post_form(f"/operations/instances/{instance_id}/variables",
                            {"name": "ok", "type": "Boolean", "value": "true"})
    assert saved.status_code == 302
    assert api.variables(instance_id)["ok"] is True
    retried = admin.post_form(f"/operations/incidents/{incident['id']}/retry")
    assert retried.status_code == 302
    assert api.get(f"/incident?processInstanceId={instance_id}").get_json() == []
    assert [t["taskDefinitionKey"] for t in api.tasks(instance_id)] == ["review"]
    audit = api.get(f"/history/audit/{instance_id}").get_json()
    assert any(e["action"] == "variables_modified" and e["userId"] == "admin" for e in audit)
    assert any(e["action"] == "incident_retry" and e["userId"] == "admin" for e in audit)
    assert admin.post_form(f"/operations/incidents/{incident['id']}/retry").status_code == 404  # resolved now


@SQLITE_ONLY
def test_cancel_needs_a_reason_and_is_audited(app, api, running):
    owner = PageClient(app, "owner", "en")
    instance_id = running["v1_review"][0]
    assert owner.post_form(f"/operations/instances/{instance_id}/cancel", {"reason": "  "}).status_code == 400
    assert api.history_state(instance_id) == "ACTIVE"
    assert owner.post_form(f"/operations/instances/{instance_id}/cancel",
                           {"reason": "duplicate"}).status_code == 302
    history = api.get(f"/history/process-instance/{instance_id}").get_json()
    assert history["state"] == "EXTERNALLY_TERMINATED" and history["deleteReason"] == "duplicate"
    page = owner.get(f"/operations/instances/{instance_id}").get_data(as_text=True)
    assert "duplicate" in page and "Cancel instance" not in page
    assert any(e["action"] == "instance_canceled" and e["userId"] == "owner"
               for e in api.get(f"/history/audit/{instance_id}").get_json())


@SQLITE_ONLY
def test_who_may_look_and_act(app, api, running):
    instance_id = running["v2_failed"][0]
    [incident] = api.get(f"/incident?processInstanceId={instance_id}").get_json()
    desk = PageClient(app, "desk", "en")
    for path in ("/operations", "/operations/ops_proc", f"/operations/instances/{instance_id}",
                 "/operations/ops_proc/migrate"):
        assert desk.get(path).status_code == 403, path
    assert desk.post_form(f"/operations/instances/{instance_id}/cancel", {"reason": "x"}).status_code == 403
    pm = PageClient(app, "pm", "en")
    page = pm.get(f"/operations/instances/{instance_id}").get_data(as_text=True)
    assert "Retry" not in page and "Set a variable" not in page and "Cancel instance" not in page
    assert pm.post_form(f"/operations/incidents/{incident['id']}/retry").status_code == 403
    assert pm.get("/operations/ops_proc/migrate").status_code == 403
    owner = PageClient(app, "owner", "en")
    page = owner.get(f"/operations/instances/{instance_id}").get_data(as_text=True)
    assert "Retry" in page and "Set a variable" not in page  # variables are the admins' to change
    assert owner.post_form(f"/operations/instances/{instance_id}/variables",
                           {"name": "ok", "type": "Boolean", "value": "true"}).status_code == 403
    # without the CSRF token nothing is done
    admin = PageClient(app, "admin", "en")
    assert admin.post_form(f"/operations/instances/{instance_id}/cancel", {"reason": "x"},
                           token=False).status_code == 400
    assert api.history_state(instance_id) == "ACTIVE"


@SQLITE_ONLY
def test_the_migrate_page_previews_refuses_and_moves(app, api, running):
    owner = PageClient(app, "owner", "en")
    preview = owner.get("/operations/ops_proc/migrate?source=1&target=2").get_data(as_text=True)
    assert re.search(r'data-element="review"[^>]*>\s*<td>review</td><td class="num">2</td>', preview)
    assert "Cannot migrate yet" not in preview
    moved = owner.post_form("/operations/ops_proc/migrate", {"source": "1", "target": "2", "action": "execute",
                                                             "instance": running["v1_review"][0]})
    assert moved.status_code == 302
    assert api.get(f"/process-instance/{running['v1_review'][0]}").get_json()["definitionId"].startswith("ops_proc:2:")
    assert api.get(f"/process-instance/{running['v1_review'][1]}").get_json()["definitionId"].startswith("ops_proc:1:")
    # mapping the waiting task onto an element of another type is refused, before and at execution
    refused = owner.post_form("/operations/ops_proc/migrate", {"source": "1", "target": "2", "action": "preview",
                                                               "map-review": "check"}).get_data(as_text=True)
    assert "Cannot migrate yet" in refused and "a userTask cannot become a serviceTask" in refused
    response = owner.post_form("/operations/ops_proc/migrate", {"source": "1", "target": "2", "action": "execute",
                                                                "map-review": "check"})
    assert response.status_code == 400
    assert api.get(f"/process-instance/{running['v1_review'][1]}").get_json()["definitionId"].startswith("ops_proc:1:")
