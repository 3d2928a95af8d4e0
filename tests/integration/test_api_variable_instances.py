"""Runtime variable instances over engine-rest: one row per name per running instance, as its reader may see."""
from __future__ import annotations

from tests.helpers import DATA, deploy

TIMER = ("timer_hour.bpmn", (DATA / "api" / "timer_literal.bpmn").read_bytes().replace(b">PT1S<", b">PT1H<"))


def _instances(api) -> tuple[str, str]:
    assert deploy(api, TIMER).status_code == 200
    mine = api.start("api_timer", {"city": "上海", "seats": 3, "urgent": True}, user="requester")
    staff = api.start("api_timer", {"city": "北京", "seats": 12}, user="desk")
    return mine, staff


def test_variable_instances_are_listed_counted_and_read_by_id(api):
    mine, staff = _instances(api)
    rows = api.get(f"/variable-instance?processInstanceIdIn={mine},{staff}").get_json()
    assert sorted((r["processInstanceId"], r["name"]) for r in rows) == sorted(
        [(mine, "city"), (mine, "seats"), (mine, "urgent"), (staff, "city"), (staff, "seats")])
    city = next(r for r in rows if r["processInstanceId"] == mine and r["name"] == "city")
    assert (city["id"], city["value"], city["type"]) == (f"{mine}:city", "上海", "String")
    assert api.get(f"/variable-instance/{city['id']}").get_json() == city
    assert api.get("/variable-instance/count?variableName=seats").get_json() == {"count": 2}
    big = api.get("/variable-instance?variableValues=seats_gt_5").get_json()
    assert [(r["processInstanceId"], r["name"]) for r in big] == [(staff, "city"), (staff, "seats")]
    assert api.get("/variable-instance/count?variableNameLike=se%25").get_json() == {"count": 2}
    body = {"variableValues": [{"name": "city", "operator": "like", "value": "上%"}], "variableName": "seats"}
    assert [r["value"] for r in api.post("/variable-instance", json=body).get_json()] == [3]
    assert api.post("/variable-instance/count", json=body).get_json() == {"count": 1}
    page = api.get(f"/variable-instance?processInstanceIdIn={mine}&sortBy=variableName&sortOrder=desc"
                   "&firstResult=1&maxResults=1").get_json()
    assert [r["name"] for r in page] == ["seats"]
    data = api.get(f"/variable-instance/{city['id']}/data")
    assert data.status_code == 400 and "String" in data.get_json()["message"]
    assert api.get(f"/variable-instance/{mine}:nope").status_code == 404
    assert api.get("/version", user="requester").get_json() == {"version": "7.22.0"}


def test_a_requester_sees_only_the_variables_of_their_own_instances(api):
    mine, staff = _instances(api)
    rows = api.get("/variable-instance", user="requester").get_json()
    assert {r["processInstanceId"] for r in rows} == {mine}
    assert api.get(f"/variable-instance/{staff}:city", user="requester").status_code == 404
    assert api.get("/variable-instance/count", user="requester").get_json() == {"count": 3}


def test_unknown_filters_operators_and_properties_are_refused(api):
    for bad in ("/variable-instance?taskIdIn=x", "/variable-instance?variableValues=seats_between_1",
                "/variable-instance?sortBy=tenantId&sortOrder=asc", "/variable-instance/count?maxResults=1",
                "/variable-instance?deserializeValues=yes"):
        response = api.get(bad)
        assert response.status_code == 400, bad
        assert response.get_json()["type"] == "InvalidRequestException"
    assert "taskIdIn" in api.post("/variable-instance", json={"taskIdIn": ["x"]}).get_json()["message"]
    assert api.post("/variable-instance/count", json={"variableValues": "x"}).status_code == 400
