"""Saved task queries (filters): owner and sharing, the stored query run through POST /task's parser,
extension by the request body, counts and single results."""
from __future__ import annotations

import pytest

from tests.conftest import Api

pytestmark = pytest.mark.usefixtures("review_model")


def delete(api: Api, path: str, user: str = "admin"):
    return api.client.delete(f"/engine-rest{path}", headers=api.headers(user))


def make(api: Api, user: str, name: str, query: dict, **extra):
    response = api.post("/filter/create", user=user, json={"resourceType": "Task", "name": name, "query": query,
                                                           "properties": {"color": "#3e4d2f", "priority": 1},
                                                           **extra})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_filter_runs_its_stored_query_for_the_caller(api):
    first, second = api.start("api_review", {}), api.start("api_review", {})
    mine = make(api, "desk", "Service desk queue", {"candidateGroup": "service_desk"})
    assert mine["owner"] == "desk" and mine["properties"]["color"] == "#3e4d2f" and mine["shared"] is False
    listed = api.get(f"/filter/{mine['id']}/list", user="desk").get_json()
    assert {t["processInstanceId"] for t in listed} == {first, second}
    assert api.get(f"/filter/{mine['id']}/count", user="desk").get_json() == {"count": 2}
    narrowed = api.post(f"/filter/{mine['id']}/list", user="desk", json={"processInstanceId": second})
    assert [t["processInstanceId"] for t in narrowed.get_json()] == [second]
    assert api.post(f"/filter/{mine['id']}/count", user="desk", json={"processInstanceId": first}).get_json() == {
        "count": 1}
    single = api.post(f"/filter/{mine['id']}/singleResult", user="desk", json={"processInstanceId": first})
    assert single.status_code == 200 and single.get_json()["processInstanceId"] == first
    assert api.get(f"/filter/{mine['id']}/singleResult", user="desk").status_code == 400  # two tasks
    none = api.post(f"/filter/{mine['id']}/singleResult", user="desk", json={"processInstanceId": "nope"})
    assert none.status_code == 204
    page = api.get(f"/filter/{mine['id']}/list?firstResult=1&maxResults=1", user="desk").get_json()
    assert len(page) == 1 and page[0]["id"] == listed[1]["id"]


def test_current_user_expression_follows_the_caller(api):
    instance_id = api.start("api_review", {})
    task_id = api.tasks(instance_id)[0]["id"]
    assert api.post(f"/task/{task_id}/claim", user="desk", json={}).status_code == 204
    assigned = make(api, "admin", "My tasks", {"assignee": "${currentUser()}"}, shared=True)
    assert [t["id"] for t in api.get(f"/filter/{assigned['id']}/list", user="desk").get_json()] == [task_id]
    assert api.get(f"/filter/{assigned['id']}/list", user="tier2").get_json() == []
    assert api.get(f"/filter/{assigned['id']}?itemCount=true", user="desk").get_json()["itemCount"] == 1
    bad = api.post("/filter/create", json={"resourceType": "Task", "name": "x", "query": {"assignee": "${evil()}"}})
    assert bad.status_code == 400


def test_visibility_sharing_and_who_may_change(api):
    private = make(api, "desk", "Mine", {})
    shared = make(api, "desk", "Everyone", {"unassigned": True}, shared=True)
    assert {f["id"] for f in api.get("/filter", user="tier2").get_json()} == {shared["id"]}
    assert api.get(f"/filter/{private['id']}", user="tier2").status_code == 404
    assert api.get(f"/filter/{private['id']}/list", user="tier2").status_code == 404
    assert api.get("/filter/count", user="desk").get_json() == {"count": 2}
    assert [f["name"] for f in api.get("/filter?nameLike=Ever%25", user="desk").get_json()] == ["Everyone"]
    names = [f["name"] for f in api.get("/filter?sortBy=name&sortOrder=desc", user="desk").get_json()]
    assert names == ["Mine", "Everyone"]
    change = {"resourceType": "Task", "name": "Renamed", "query": {}, "properties": {}, "shared": True}
    assert api.put(f"/filter/{shared['id']}", user="tier2", json=change).status_code == 403
    assert delete(api, f"/filter/{shared['id']}", user="tier2").status_code == 403
    assert api.put(f"/filter/{shared['id']}", user="desk", json=change).status_code == 204
    assert api.get(f"/filter/{shared['id']}", user="tier2").get_json()["name"] == "Renamed"
    assert delete(api, f"/filter/{shared['id']}", user="admin").status_code == 204
    assert api.get(f"/filter/{shared['id']}", user="desk").status_code == 404


def test_refused_filters(api):
    base = {"resourceType": "Task", "name": "x", "query": {}}
    assert api.post("/filter/create", json={**base, "resourceType": "ProcessInstance"}).status_code == 400
    assert api.post("/filter/create", json={**base, "name": ""}).status_code == 400
    assert api.post("/filter/create", json={**base, "query": {"unassigned": "yes"}}).status_code == 400
    assert api.post("/filter/create", json={**base, "query": {"sorting": [{"sortBy": "nope", "sortOrder": "asc"}]}
                                            }).status_code == 400
    assert api.post("/filter/create", user="desk", json={**base, "owner": "tier2"}).status_code == 403
    assert api.get("/filter?colour=red").status_code == 400
    assert api.get("/filter/count").get_json() == {"count": 0}
