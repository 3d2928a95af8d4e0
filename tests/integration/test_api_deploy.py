"""Deployment through engine-rest: versions, no-op redeploys, pinning, refusals, authorization."""
from __future__ import annotations

import pytest

from lxml import etree

from tests.helpers import DATA, deploy, register_handler, unregister_handler

API = DATA / "api"


@pytest.fixture(autouse=True)
def record_handler():
    register_handler("test_record", lambda ctx: {"recorded": True})
    yield
    unregister_handler("test_record")


def test_engine_and_openapi_need_no_login(api):
    assert api.get("/engine", user=None).get_json() == [{"name": "default"}]
    doc = api.get("/openapi.json", user=None).get_json()
    assert doc["openapi"].startswith("3.")


def test_shipped_process_is_deployed_with_xml(api):
    rows = api.get("/process-definition?key=it_support_request&latestVersion=true").get_json()
    assert len(rows) == 1 and rows[0]["version"] == 1
    xml = api.get("/process-definition/key/it_support_request/xml").get_json()
    assert xml["id"] == rows[0]["id"]
    assert "<bpmndi:BPMNDiagram" in xml["bpmn20Xml"]


def test_deploy_bpmn_with_form_then_identical_is_noop_and_change_is_new_version(api):
    first = deploy(api, API / "review.bpmn", API / "review.form")
    assert first.status_code == 200, first.get_json()
    deployed = first.get_json()["deployedProcessDefinitions"]
    assert [d["key"] for d in deployed.values()] == ["api_review"]
    assert list(deployed.values())[0]["version"] == 1

    again = deploy(api, API / "review.bpmn", API / "review.form")
    assert again.status_code == 200
    assert again.get_json()["deployedProcessDefinitions"] is None
    assert len(api.get("/process-definition?key=api_review").get_json()) == 1

    changed = (API / "review.bpmn").read_bytes().replace(b'name="Record"', b'name="Record v2"')
    third = deploy(api, ("review.bpmn", changed))
    assert third.status_code == 200, third.get_json()
    versions = [d["version"] for d in api.get("/process-definition?key=api_review").get_json()]
    assert versions == [1, 2]


def test_running_instance_stays_on_its_version(api):
    assert deploy(api, API / "review.bpmn", API / "review.form").status_code == 200
    old = api.start("api_review", {})
    # v2 sends the review straight to the end: no service task, a different path (the task and the
    # gateway after it go too, or deployment refuses them as unreachable)
    v2 = (API / "review.bpmn").read_bytes().replace(b'targetRef="record"', b'targetRef="end"').replace(
        b'<bpmn:incoming>finish</bpmn:incoming>', b'<bpmn:incoming>finish</bpmn:incoming><bpmn:incoming>to_record</bpmn:incoming>')
    v2 = _without(v2, "record", "decide", "to_gateway", "again", "finish")
    assert deploy(api, ("review.bpmn", v2)).status_code == 200
    new = api.start("api_review", {})
    definitions = {api.get(f"/process-instance/{i}").get_json()["definitionId"].split(":")[1] for i in (old, new)}
    assert definitions == {"1", "2"}

    for instance_id in (old, new):
        task = api.only_task(instance_id, "review")
        response = api.complete(task["id"], "desk", {"decision": "done", "note": "fine"})
        assert response.status_code == 204, response.get_json()
        assert api.history_state(instance_id) == "COMPLETED"
    assert api.variables_after_end(old)["recorded"] is True  # v1 ran the service task
    assert "recorded" not in api.variables_after_end(new)      # v2 did not


def _without(model: bytes, *element_ids: str) -> bytes:
    """The model with these process elements (not their diagram shapes) taken out."""
    root = etree.fromstring(model)
    for element in list(root.iter()):
        if element.get("id") in element_ids and "BPMN/20100524/MODEL" in element.tag:
            element.getparent().remove(element)
    return etree.tostring(root)


def test_refused_model_names_element_and_line(api):
    response = deploy(api, API / "sandbox_escape.bpmn")
    assert response.status_code == 400
    body = response.get_json()
    assert body["type"] == "ParseException"
    problem = body["details"]["problems"][0]
    assert problem["elementId"] == "f2"
    assert problem["line"] == 14
    assert "f2" in body["message"]


def test_malformed_xml_is_a_clear_400(api):
    response = deploy(api, ("broken.bpmn", b"<bpmn:definitions><oops"))
    assert response.status_code == 400
    assert "broken.bpmn" in response.get_json()["message"]


def test_unknown_form_reference_is_refused(api):
    response = deploy(api, API / "review.bpmn")  # the form is not deployed
    assert response.status_code == 400
    assert "api_review_form" in response.get_json()["message"]


def test_only_process_owners_deploy(api):
    response = deploy(api, API / "review.bpmn", API / "review.form", user="desk")
    assert response.status_code == 403
    assert response.get_json()["type"] == "AuthorizationException"


def test_authentication_is_required(api):
    response = api.get("/process-definition", user=None)
    assert response.status_code == 401
    assert response.get_json()["type"] == "AuthenticationException"
    wrong = api.client.get("/engine-rest/process-definition", headers=api.headers("desk", "wrong"))
    assert wrong.status_code == 401


def test_unknown_definition_is_404(api):
    response = api.get("/process-definition/key/nope/xml")
    assert response.status_code == 404
    assert response.get_json()["type"] == "InvalidRequestException"
    start = api.post("/process-definition/key/nope/start", json={})
    assert start.status_code == 404
