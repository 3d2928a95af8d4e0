"""Hostile input to /engine-rest: always a 4xx with a JSON ``{"type", "message"}`` body, never a 5xx,
and nothing stored. Every probe runs on SQLite and on PostgreSQL (the ``backend`` parameter)."""
from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import typed

BACKENDS = ["sqlite"]  # what is checked here does not depend on the database (see tests/conftest.py)

pytestmark = pytest.mark.usefixtures("review_model")

#: every list endpoint that pages, with the query it needs besides paging
LISTS = ["/task", "/process-instance", "/history/process-instance", "/process-definition", "/deployment",
         "/incident"]


def assert_json_error(response, status: int) -> dict:
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True)[:300])
    assert response.mimetype == "application/json", response.get_data(as_text=True)[:300]
    body = response.get_json()
    assert isinstance(body["type"], str) and isinstance(body["message"], str) and body["message"], body
    return body


def stored(api) -> dict[str, Any]:
    """What a refused request must not change: every instance (running or ended) and every open task."""
    instances = api.get("/history/process-instance").get_json()
    return {"instances": sorted(row["id"] for row in instances),
            "tasks": sorted(row["id"] for row in api.get("/task").get_json()),
            "audit": {row["id"]: len(api.get(f"/history/audit/{row['id']}").get_json()) for row in instances}}


def raw_post(api, path: str, text: str | bytes, user: str = "desk"):
    return api.post(path, user=user, data=text, content_type="application/json")


@pytest.mark.parametrize("path", LISTS)
@pytest.mark.parametrize("name", ["firstResult", "maxResults"])
@pytest.mark.parametrize("value", [str(2 ** 31), str(2 ** 63), str(2 ** 64), "9" * 5000, "-1", "1.5", "abc"])
def test_paging_beyond_int32_or_negative_is_400(api, path, name, value):
    body = assert_json_error(api.get(f"{path}?{name}={value}"), 400)
    assert name in body["message"]


def test_paging_in_post_task_query_is_checked_too(api):
    for query in ("firstResult=-1", f"maxResults={2 ** 31}"):
        assert_json_error(api.post(f"/task?{query}", json={}), 400)
    assert api.get(f"/task?firstResult=0&maxResults={2 ** 31 - 1}").status_code == 200


def test_deeply_nested_json_body_is_400_and_stores_nothing(api):
    before = stored(api)
    deep = '{"variables": {"x": {"value": ' + "[" * 5000 + "]" * 5000 + "}}}"
    for path in ("/process-definition/key/api_review/start", "/task"):
        body = assert_json_error(raw_post(api, path, deep), 400)
        assert "nested" in body["message"]
    assert stored(api) == before


def test_deeply_nested_json_variable_value_is_400_and_stores_nothing(api):
    instance_id = api.start("api_review", {"origin": "portal"})
    task_id = api.tasks(instance_id)[0]["id"]
    before = stored(api)
    deep_text = "[" * 5000 + "]" * 5000
    for kind in ("Json", "Object"):
        entry = {"value": deep_text, "type": kind, "valueInfo": {"serializationDataFormat": "application/json"}}
        start = api.post("/process-definition/key/api_review/start", json={"variables": {"doc": entry}})
        assert "nested" in assert_json_error(start, 400)["message"]
        complete = api.post(f"/task/{task_id}/complete", user="desk", json={"variables": {"doc": entry}})
        assert "nested" in assert_json_error(complete, 400)["message"]
    assert stored(api) == before


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity", "1e400", "-1e400"])
def test_non_finite_numbers_in_a_body_are_400_and_store_nothing(api, literal):
    before = stored(api)
    for text in ('{"variables": {"x": {"value": %s, "type": "Double"}}}' % literal,
                 '{"variables": {"x": {"value": %s}}}' % literal,
                 '{"variables": {"x": {"value": [1, {"y": %s}], "type": "Json"}}}' % literal,
                 '{"businessKey": "k", "withVariablesInReturn": %s}' % literal):
        assert_json_error(raw_post(api, "/process-definition/key/api_review/start", text), 400)
    assert stored(api) == before


@pytest.mark.parametrize("text", ["NaN", "[Infinity]", '{"a": 1e400}', "-1e999"])
def test_non_finite_numbers_in_json_variable_text_are_400_and_store_nothing(api, text):
    before = stored(api)
    response = api.post("/process-definition/key/api_review/start",
                        json={"variables": {"doc": {"value": text, "type": "Json"}}})
    assert "doc" in assert_json_error(response, 400)["message"]
    assert stored(api) == before


def test_business_key_longer_than_its_column_or_with_nul_is_400_and_stores_nothing(api):
    before = stored(api)
    for key in ("K" * 201, "SR-\u00001"):
        response = api.post("/process-definition/key/api_review/start", user="requester", json={"businessKey": key})
        assert "businessKey" in assert_json_error(response, 400)["message"] or "NUL" in response.get_json()["message"]
    assert stored(api) == before
    assert api.post("/process-definition/key/api_review/start", user="requester",
                    json={"businessKey": "长" * 200}).status_code == 200


@pytest.mark.parametrize("path", ["/task/abc%00def", "/task/abc%00def/variables", "/process-instance/x%00y",
                                  "/history/process-instance/x%00y", "/task?processInstanceId=a%00b",
                                  "/process-instance?businessKey=%00", "/history/audit/%00",
                                  "/process-definition/key/a%00b"])
def test_nul_in_a_path_or_query_is_400(api, path):
    assert "NUL" in assert_json_error(api.get(path), 400)["message"]


def test_nul_in_body_text_is_400_and_stores_nothing(api):
    instance_id = api.start("api_review", {})
    task_id = api.tasks(instance_id)[0]["id"]
    before = stored(api)
    assert_json_error(api.post(f"/task/{task_id}/claim", user="desk", json={"userId": "de\u0000sk"}), 400)
    assert_json_error(api.post("/process-definition/key/api_review/start",
                               json={"variables": {"note": {"value": "a\u0000b", "type": "String"}}}), 400)
    assert_json_error(api.post("/process-definition/key/api_review/start",
                               json={"variables": {"doc": {"value": '{"k": "\\u0000"}', "type": "Json"}}}), 400)
    lone_surrogate = '{"variables": {"note": {"value": "a\\ud800b", "type": "String"}}}'  # not Unicode: no UTF-8 form
    assert_json_error(raw_post(api, "/process-definition/key/api_review/start", lone_surrogate), 400)
    assert stored(api) == before


def test_a_20_megabyte_body_is_413_json_and_stores_nothing(api):
    before = stored(api)
    text = '{"variables": {"blob": {"value": "' + "x" * (20 * 1024 * 1024) + '", "type": "String"}}}'
    response = raw_post(api, "/process-definition/key/api_review/start", text, user="admin")
    assert_json_error(response, 413)
    assert stored(api) == before


def test_too_many_or_too_large_variables_are_400_and_store_nothing(app, api):
    before = stored(api)
    many = {f"v{i}": {"value": i, "type": "Integer"} for i in range(app.config["MAX_VARIABLES"] + 1)}
    response = api.post("/process-definition/key/api_review/start", json={"variables": many})
    assert "at most" in assert_json_error(response, 400)["message"]
    big = "长" * (app.config["MAX_VARIABLE_BYTES"] // 3 + 1)  # fewer characters than bytes: UTF-8 counts
    response = api.post("/process-definition/key/api_review/start",
                        json={"variables": {"big": {"value": big, "type": "String"}}})
    assert "'big'" in assert_json_error(response, 400)["message"]
    response = api.post("/process-definition/key/api_review/start",
                        json={"variables": {"big": {"value": {"k": big}, "type": "Json"}}})
    assert "'big'" in assert_json_error(response, 400)["message"]
    assert stored(api) == before
    at_limit = {f"v{i}": i for i in range(app.config["MAX_VARIABLES"])}
    assert api.post("/process-definition/key/api_review/start",
                    json={"variables": typed(at_limit)}).status_code == 200


@pytest.mark.parametrize("method, path, status", [
    ("get", "/nope", 404), ("get", "/task/x/nope", 404), ("post", "/nope/deeper", 404), ("get", "", 404),
    ("delete", "/task", 405), ("put", "/process-definition/key/api_review/start", 405),
    ("get", "/task/x/complete", 405),
])
def test_unknown_routes_and_wrong_methods_are_json(api, method, path, status):
    for user in ("desk", None):
        response = getattr(api.client, method)(f"/engine-rest{path}", headers=api.headers(user))
        assert_json_error(response, status)
    if status == 405:
        assert response.headers["Allow"]


def test_routes_outside_the_api_keep_their_own_errors(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404 and response.mimetype != "application/json"


def test_a_typename_key_in_a_variable_value_is_400_and_stores_nothing(api):
    """SpiffWorkflow's serializer would read such an object back as one of its typed values and fail."""
    before = stored(api)
    for entry in ({"value": '{"order": {"typename": "x"}}', "type": "Json"}, {"value": [{"typename": "datetime"}]},
                  {"value": '{"typename": "x"}', "type": "Object",
                   "valueInfo": {"serializationDataFormat": "application/json"}}):
        response = api.post("/process-definition/key/api_review/start", json={"variables": {"doc": entry}})
        assert "typename" in assert_json_error(response, 400)["message"]
    assert stored(api) == before
