"""Deployments over engine-rest: read them and their files, redeploy, delete with Camunda's cascade rule."""
from __future__ import annotations

import pytest

from tests.helpers import DATA, deploy, register_handler, unregister_handler

API = DATA / "api"
CHANGED = ("review.bpmn", (API / "review.bpmn").read_bytes().replace(b'name="Record"', b'name="Record v2"'))


@pytest.fixture(autouse=True)
def record_handler():
    register_handler("test_record", lambda ctx: {"recorded": True})
    yield
    unregister_handler("test_record")


def _delete(api, path: str, user: str = "owner"):
    return api.client.delete(f"/engine-rest{path}", headers=api.headers(user))


def _review_deployment(api, *extra) -> dict:
    response = deploy(api, API / "review.bpmn", API / "review.form", *extra, name="review models")
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_a_deployment_and_its_files_are_served_as_deployed(api):
    created = _review_deployment(api)
    deployment = api.get(f"/deployment/{created['id']}").get_json()
    assert (deployment["id"], deployment["name"], deployment["deploymentTime"]) == \
        (created["id"], "review models", created["deploymentTime"])
    assert api.get("/deployment/count?name=review%20models").get_json() == {"count": 1}
    assert api.get("/deployment/count?nameLike=review%25").get_json() == {"count": 1}
    assert api.get("/deployment/count").get_json() == {"count": 2}  # with the shipped processes
    files = api.get(f"/deployment/{created['id']}/resources", user="requester").get_json()
    assert sorted(f["name"] for f in files) == ["review.bpmn", "review.form"]
    assert {f["deploymentId"] for f in files} == {created["id"]}
    for item in files:
        assert api.get(f"/deployment/{created['id']}/resources/{item['id']}").get_json() == item
        data = api.get(f"/deployment/{created['id']}/resources/{item['id']}/data")
        assert data.get_data() == (API / item["name"]).read_bytes()
        assert data.mimetype == ("application/xml" if item["name"].endswith(".bpmn") else "application/json")
        assert item["name"] in data.headers["Content-Disposition"]
    shipped = next(d for d in api.get("/deployment").get_json() if d["id"] != created["id"])
    assert api.get(f"/deployment/{shipped['id']}/resources/{files[0]['id']}").status_code == 404
    assert api.get("/deployment/registered").get_json() == []
    assert api.get("/deployment/nope").status_code == 404
    assert api.get("/deployment/count?after=2020-01-01").status_code == 400


def test_delete_refuses_while_instances_exist_and_cascade_deletes_them_with_their_history(api):
    created = _review_deployment(api)
    instance_id = api.start("api_review", {})
    task_id = api.tasks(instance_id)[0]["id"]
    assert _delete(api, f"/deployment/{created['id']}", user="desk").status_code == 403
    refused = _delete(api, f"/deployment/{created['id']}")
    assert refused.status_code == 409 and "1 running" in refused.get_json()["message"]
    assert api.get(f"/process-instance/{instance_id}").status_code == 200  # nothing deleted
    assert _delete(api, f"/deployment/{created['id']}?cascade=maybe").status_code == 400

    assert _delete(api, f"/deployment/{created['id']}?cascade=true&skipCustomListeners=true").status_code == 204
    assert api.get(f"/deployment/{created['id']}").status_code == 404
    assert api.get("/process-definition/key/api_review").status_code == 404
    assert api.get(f"/process-instance/{instance_id}").status_code == 404
    assert api.get(f"/history/process-instance/{instance_id}").status_code == 404
    assert api.get(f"/task/{task_id}").status_code == 404
    assert api.get("/history/activity-instance", query_string={"processInstanceId": instance_id}).status_code == 404
    # the forms and processes of the deleted deployment are gone: deploying the BPMN alone is refused again
    assert deploy(api, API / "review.bpmn").status_code == 400


def test_a_deployment_whose_files_another_deployment_uses_is_not_deleted(api):
    forms = deploy(api, API / "review.form", name="forms only")
    assert forms.status_code == 200
    assert deploy(api, API / "review.bpmn").status_code == 200  # uses the form of the first deployment
    refused = _delete(api, f"/deployment/{forms.get_json()['id']}?cascade=true")
    assert refused.status_code == 409 and "review.form" in refused.get_json()["message"]


def test_redeploy_makes_an_older_deployment_latest_and_the_latest_is_a_no_op(api):
    first = _review_deployment(api)
    assert deploy(api, CHANGED).status_code == 200
    assert api.post(f"/deployment/{first['id']}/redeploy", user="desk", json={}).status_code == 403
    again = api.post(f"/deployment/{first['id']}/redeploy", user="owner", json={"source": "rollback"})
    assert again.status_code == 200, again.get_json()
    [definition] = again.get_json()["deployedProcessDefinitions"].values()
    assert definition["version"] == 3 and again.get_json()["source"] == "rollback"
    xml = api.get("/process-definition/key/api_review/xml").get_json()["bpmn20Xml"]
    assert 'name="Record"' in xml
    same = api.post(f"/deployment/{again.get_json()['id']}/redeploy", user="owner",
                    json={"resourceNames": ["review.bpmn"]})
    assert same.status_code == 200 and same.get_json()["deployedProcessDefinitions"] is None
    assert len(api.get("/process-definition?key=api_review").get_json()) == 3
    assert api.post(f"/deployment/{first['id']}/redeploy", user="owner",
                    json={"resourceNames": ["nope.bpmn"]}).status_code == 404
    assert api.post(f"/deployment/{first['id']}/redeploy", user="owner", json={"tenantId": "x"}).status_code == 400


def test_process_definitions_are_deleted_by_id_and_by_key_with_the_same_cascade_rule(api):
    _review_deployment(api)
    assert deploy(api, CHANGED).status_code == 200
    v1, v2 = api.get("/process-definition?key=api_review").get_json()
    assert _delete(api, f"/process-definition/{v1['id']}").status_code == 204
    assert [d["version"] for d in api.get("/process-definition?key=api_review").get_json()] == [2]
    instance_id = api.start("api_review", {})
    assert _delete(api, "/process-definition/key/api_review").status_code == 409
    assert _delete(api, "/process-definition/key/api_review", user="tier1").status_code == 403
    assert _delete(api, "/process-definition/key/api_review?cascade=true").status_code == 204
    assert api.get(f"/process-instance/{instance_id}").status_code == 404
    assert _delete(api, "/process-definition/key/api_review").status_code == 404
