"""Typed values round-trip through /engine-rest: a Date stays a Date, an Object keeps its valueInfo,
``deserializeValues=false`` returns serialized text, ``form-variables?variableNames=`` filters, and
Chinese text is stored as UTF-8 (not ``\\u`` escapes). SQLite and PostgreSQL."""
from __future__ import annotations

import json
import zlib

import pytest
from sqlalchemy import text

from app.store import database
from tests.helpers import DATA, deploy

ORDER_INFO = {"objectTypeName": "com.example.Order", "serializationDataFormat": "application/json"}
ORDER_TEXT = '{"id": 7, "lines": ["打印纸", "硒鼓"]}'


def date(value: str) -> dict:
    return {"value": value, "type": "Date"}


def start(api, key: str, variables: dict, user: str = "admin") -> str:
    response = api.post(f"/process-definition/key/{key}/start", user=user, json={"variables": variables})
    assert response.status_code == 200, response.get_json()
    return response.get_json()["id"]


@pytest.fixture
def date_gate(api):
    assert deploy(api, DATA / "api" / "date_gate.bpmn").status_code == 200


def test_a_date_variable_reads_back_as_a_date_at_every_step(api, date_gate, review_model):
    instance_id = start(api, "date_gate", {"answered_at": date("2026-11-24T12:30:00.250+0200"),
                                           "due_at": date("2026-11-24T11:00:00.000+0000")})
    expected = {"value": "2026-11-24T10:30:00.250+0000", "type": "Date", "valueInfo": {}}
    assert api.get(f"/process-instance/{instance_id}/variables/answered_at").get_json() == expected
    [task] = api.tasks(instance_id)
    assert api.get(f"/task/{task['id']}/variables").get_json()["answered_at"] == expected
    assert api.complete(task["id"], "desk", {"note": "after another step"}).status_code == 204
    ended = {v["name"]: v for v in api.get(f"/history/variable-instance?processInstanceId={instance_id}").get_json()}
    assert (ended["answered_at"]["type"], ended["answered_at"]["value"]) == ("Date", expected["value"])
    assert (ended["note"]["type"], ended["due_at"]["type"]) == ("String", "Date")


@pytest.mark.parametrize("answered, expected_task", [
    ("2026-11-24T12:59:59.999+0200", "in_time"),  # 10:59:59.999 UTC, before the 11:00 UTC deadline
    ("2026-11-24T06:00:01.000-0500", "late"),  # 11:00:01 UTC
])
def test_a_condition_compares_dates_as_instants(api, date_gate, answered, expected_task):
    instance_id = start(api, "date_gate", {"answered_at": date(answered), "due_at": date("2026-11-24T11:00:00.000Z")})
    assert [t["taskDefinitionKey"] for t in api.tasks(instance_id)] == [expected_task]


def test_an_object_keeps_its_value_info_and_deserialize_values_false_returns_its_text(api, date_gate):
    instance_id = start(api, "date_gate", {
        "order": {"value": ORDER_TEXT, "type": "Object", "valueInfo": ORDER_INFO},
        "answered_at": date("2026-11-24T10:00:00.000+0000"), "due_at": date("2026-11-24T11:00:00.000+0000")})
    decoded = {"value": json.loads(ORDER_TEXT), "type": "Object", "valueInfo": ORDER_INFO}
    serialized = {"value": json.dumps(json.loads(ORDER_TEXT), ensure_ascii=False), "type": "Object",
                  "valueInfo": ORDER_INFO}
    [task] = api.tasks(instance_id)
    base = f"/process-instance/{instance_id}/variables"
    assert api.get(base).get_json()["order"] == decoded
    assert api.get(f"{base}?deserializeValues=false").get_json()["order"] == serialized
    assert api.get(f"{base}/order").get_json() == decoded
    assert api.get(f"{base}/order?deserializeValue=false").get_json() == serialized
    assert api.get(f"/task/{task['id']}/variables?deserializeValues=false").get_json()["order"] == serialized
    assert api.get(f"/task/{task['id']}/variables/order?deserializeValue=false").get_json() == serialized
    for query in ("deserializeValues=no", "deserializeValue=false"):
        assert api.get(f"{base}?{query}").status_code == 400, query
    assert api.complete(task["id"], "desk", {}).status_code == 204
    history = f"/history/variable-instance?processInstanceId={instance_id}"
    ended = {v["name"]: v for v in api.get(f"{history}&deserializeValues=false").get_json()}
    assert {k: ended["order"][k] for k in ("value", "type", "valueInfo")} == serialized


def test_an_object_keeps_its_type_across_later_steps(api, review_model):
    instance_id = start(api, "api_review", {"order": {"value": ORDER_TEXT, "type": "Object", "valueInfo": ORDER_INFO}})
    assert api.get(f"/process-instance/{instance_id}/variables/order").get_json()["type"] == "Object"
    [task] = api.tasks(instance_id)
    response = api.post(f"/task/{task['id']}/complete", user="desk", json={
        "variables": {"decision": {"value": "again"}, "note": {"value": "once more"}}})
    assert response.status_code == 204, response.get_json()
    assert api.get(f"/process-instance/{instance_id}/variables/order").get_json()["type"] == "Object"


def test_form_variables_filter_by_variable_names(api, review_model):
    instance_id = start(api, "api_review", {"note": {"value": "kept", "type": "String"}})
    [task] = api.tasks(instance_id)
    everything = api.get(f"/task/{task['id']}/form-variables").get_json()
    assert set(everything) == {"decision", "note", "score"}
    some = api.get(f"/task/{task['id']}/form-variables?variableNames=note,score,unknown").get_json()
    assert some == {name: everything[name] for name in ("note", "score")}
    assert some["note"]["value"] == "kept"
    assert api.get(f"/task/{task['id']}/form-variables?variableNames=").get_json() == {}
    assert api.get(f"/task/{task['id']}/form-variables?names=note").status_code == 400


def _stored_sizes(app, instance_id: str) -> dict[str, int]:
    """Bytes the database holds for the instance's JSON variables and audit data, and its state blob decompressed."""
    db = database(app)
    octets = "length(CAST({} AS BLOB))" if db.is_sqlite else "octet_length(CAST({} AS TEXT))"
    with db.write_engine.connect() as connection:
        variables = connection.execute(text(f"SELECT {octets.format('variables')}, state FROM process_instance "
                                            "WHERE id = :id"), {"id": instance_id}).one()
        audit = connection.execute(text(f"SELECT max({octets.format('data')}) FROM audit_log "
                                        "WHERE instance_id = :id"), {"id": instance_id}).scalar()
    return {"variables": variables[0], "audit": audit, "state": zlib.decompress(variables[1])}


def test_chinese_text_is_stored_as_utf8_not_escapes(app, api, review_model):
    description = "打印机卡纸，硒鼓需要更换。" * 2000  # 26,000 characters, 78,000 bytes in UTF-8
    utf8 = len(description.encode("utf-8"))
    instance_id = start(api, "api_review", {"description": {"value": description, "type": "String"}})
    sizes = _stored_sizes(app, instance_id)
    assert utf8 <= sizes["variables"] < utf8 + 2000, sizes["variables"]  # escaped it would be 2x: 156,000
    assert utf8 <= sizes["audit"] < utf8 + 2000, sizes["audit"]
    assert description.encode("utf-8") in sizes["state"]
    assert b"\\u6253" not in sizes["state"]  # 打 as an escape
    assert api.get(f"/process-instance/{instance_id}/variables/description").get_json()["value"] == description


def test_form_variables_hold_every_variable_the_task_sees_with_the_forms_fields_typed(api, review_model):
    """As Camunda: not only the form's fields, also what the process carries (a Tasklist form prefills from it)."""
    instance_id = start(api, "api_review", {"note": {"value": "kept", "type": "String"},
                                            "origin": {"value": "hotline", "type": "String"},
                                            "order": {"value": ORDER_TEXT, "type": "Object", "valueInfo": ORDER_INFO}})
    [task] = api.tasks(instance_id)
    everything = api.get(f"/task/{task['id']}/form-variables").get_json()
    assert set(everything) == {"decision", "note", "score", "origin", "order"}
    assert everything["origin"] == {"value": "hotline", "type": "String", "valueInfo": {}}
    assert everything["order"]["type"] == "Object"
    serialized = api.get(f"/task/{task['id']}/form-variables?variableNames=order&deserializeValues=false").get_json()
    assert serialized["order"]["value"] == ORDER_TEXT
