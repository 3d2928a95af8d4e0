"""POST /message and POST /signal: waiting instances and start events receive them, as in Camunda."""
from __future__ import annotations

import pytest

from tests.conftest import typed
from tests.helpers import DATA, deploy

RUNTIME = DATA / "runtime"


@pytest.fixture
def event_models(api):
    response = deploy(api, RUNTIME / "messages.bpmn", RUNTIME / "signals.bpmn")
    assert response.status_code == 200, response.get_json()


pytestmark = pytest.mark.usefixtures("event_models")


def _activities(api, instance_id: str) -> list[str]:
    return [t["taskDefinitionKey"] for t in api.tasks(instance_id)]


def test_message_reaches_the_instance_with_the_business_key_and_sets_variables(api):
    first = api.start("rt_wait_payment", {}, business_key="T-1")
    second = api.start("rt_wait_payment", {}, business_key="T-2")
    response = api.post("/message", user="desk", json={
        "messageName": "payment_received", "businessKey": "T-2",
        "processVariables": typed({"amount": 120}), "resultEnabled": True, "variablesInResultEnabled": True})
    assert response.status_code == 200, response.get_json()
    [result] = response.get_json()
    assert result["resultType"] == "Execution"
    assert result["execution"]["processInstanceId"] == second and result["processInstance"] is None
    assert result["variables"]["amount"] == {"value": 120, "type": "Integer", "valueInfo": {}}
    assert _activities(api, second) == ["review"]
    assert api.variables(second) == {"amount": 120}
    assert _activities(api, first) == []  # still waiting for its own payment
    audit = api.get(f"/history/audit/{second}").get_json()
    assert any(e["action"] == "message_received" and e["userId"] == "desk" and e["activityId"] == "wait_payment"
               for e in audit)


def test_without_result_enabled_the_answer_is_204(api):
    instance_id = api.start("rt_wait_payment", {})
    response = api.post("/message", json={"messageName": "payment_received", "processInstanceId": instance_id})
    assert response.status_code == 204
    assert _activities(api, instance_id) == ["review"]


def test_two_matches_without_all_are_refused_and_nothing_changes(api):
    first = api.start("rt_wait_payment", {})
    second = api.start("rt_wait_payment", {})
    response = api.post("/message", json={"messageName": "payment_received"})
    assert response.status_code == 400
    assert response.get_json()["type"] == "MismatchingMessageCorrelationException"
    assert "2 executions" in response.get_json()["message"]
    assert _activities(api, first) == _activities(api, second) == []
    response = api.post("/message", json={"messageName": "payment_received", "all": True, "resultEnabled": True})
    assert response.status_code == 200
    assert {r["execution"]["processInstanceId"] for r in response.get_json()} == {first, second}
    assert _activities(api, first) == _activities(api, second) == ["review"]


def test_no_match_is_a_400_mismatching_correlation(api):
    api.start("rt_wait_payment", {}, business_key="T-1")
    for body in ({"messageName": "payment_received", "businessKey": "T-9"},
                 {"messageName": "no_such_message"},
                 {"messageName": "payment_received", "processInstanceId": "nope"}):
        response = api.post("/message", json=body)
        assert response.status_code == 400, body
        assert response.get_json()["type"] == "MismatchingMessageCorrelationException"
        assert "No process definition or execution matches" in response.get_json()["message"]
    # all=true with nothing to receive it is not an error in Camunda
    assert api.post("/message", json={"messageName": "no_such_message", "all": True}).status_code == 204


def test_correlation_keys_match_instance_variables_by_value_and_type(api):
    order_7 = api.start("rt_wait_payment", {"orderId": 7, "vip": True})
    order_8 = api.start("rt_wait_payment", {"orderId": 8, "vip": True})
    response = api.post("/message", json={"messageName": "payment_received", "correlationKeys": typed({"orderId": 8})})
    assert response.status_code == 204
    assert _activities(api, order_8) == ["review"] and _activities(api, order_7) == []
    # a Boolean key does not match a number, even though Python says True == 1
    response = api.post("/message", json={"messageName": "payment_received",
                                           "correlationKeys": typed({"orderId": True})})
    assert response.status_code == 400


def test_message_start_event_starts_the_latest_definition(api):
    response = api.post("/message", user="requester", json={
        "messageName": "order_placed", "businessKey": "ORD-1", "processVariables": typed({"item": "laptop"}),
        "resultEnabled": True})
    assert response.status_code == 200, response.get_json()
    [result] = response.get_json()
    assert result["resultType"] == "ProcessDefinition" and result["execution"] is None
    started = result["processInstance"]
    assert started["businessKey"] == "ORD-1" and started["definitionId"].startswith("rt_order:")
    assert _activities(api, started["id"]) == ["handle_order"]
    assert api.variables(started["id"]) == {"item": "laptop"}
    assert api.get(f"/history/process-instance/{started['id']}").get_json()["startUserId"] == "requester"


def test_boundary_message_interrupts_the_user_task(api):
    instance_id = api.start("rt_wait_payment", {})
    assert api.post("/message", json={"messageName": "payment_received", "processInstanceId": instance_id}
                    ).status_code == 204
    task_id = api.tasks(instance_id)[0]["id"]
    response = api.post("/message", json={"messageName": "request_withdrawn", "processInstanceId": instance_id,
                                           "processVariables": typed({"why": "solved itself"})})
    assert response.status_code == 204
    assert api.history_state(instance_id) == "COMPLETED"
    assert api.get(f"/task/{task_id}").status_code == 404
    assert api.variables_after_end(instance_id)["why"] == "solved itself"
    # the instance no longer waits for anything
    assert api.post("/message", json={"messageName": "request_withdrawn", "processInstanceId": instance_id}
                    ).status_code == 400


def test_receive_task_receives_the_message(api):
    instance_id = api.start("rt_receive", {})
    response = api.post("/message", json={"messageName": "shipment_arrived", "processVariables": typed({"boxes": 3})})
    assert response.status_code == 204
    assert _activities(api, instance_id) == ["unpack"]
    assert api.variables(instance_id) == {"boxes": 3}


def test_a_requester_reaches_only_their_own_tickets(api):
    own = api.start("rt_wait_payment", {}, user="requester")
    other = api.start("rt_wait_payment", {}, user="desk")
    response = api.post("/message", user="requester", json={"messageName": "payment_received", "all": True,
                                                             "resultEnabled": True})
    assert [r["execution"]["processInstanceId"] for r in response.get_json()] == [own]
    assert _activities(api, other) == []
    response = api.post("/message", user="requester", json={"messageName": "payment_received",
                                                             "processInstanceId": other})
    assert response.status_code == 400


@pytest.mark.parametrize("body", [
    {"messageName": "payment_received", "tenantId": "t1"},
    {"messageName": "payment_received", "unknownFilter": 1},
    {"messageName": "payment_received", "all": "yes"},
    {"messageName": "payment_received", "localCorrelationKeys": typed({"a": 1})},
    {"messageName": "payment_received", "processVariables": {"x": 1}},
    {"businessKey": "T-1"},
])
def test_bad_message_requests_are_400_and_change_nothing(api, body):
    instance_id = api.start("rt_wait_payment", {}, business_key="T-1")
    response = api.post("/message", json=body)
    assert response.status_code == 400, response.get_json()
    assert set(response.get_json()) == {"type", "message"}
    assert _activities(api, instance_id) == []


def test_signal_reaches_every_waiting_instance_and_starts_signal_start_processes(api):
    first = api.start("rt_wait_outage", {})
    second = api.start("rt_wait_outage", {})
    response = api.post("/signal", user="tier2", json={"name": "network_outage",
                                                       "variables": typed({"area": "B2"})})
    assert response.status_code == 204, response.get_json()
    assert _activities(api, first) == _activities(api, second) == ["check_line"]
    assert api.variables(first) == {"area": "B2"}
    started = api.get("/process-instance?processDefinitionKey=rt_on_outage").get_json()
    assert len(started) == 1
    assert _activities(api, started[0]["id"]) == ["inform_users"]
    assert api.variables(started[0]["id"]) == {"area": "B2"}


def test_signal_to_one_execution_and_refusals(api):
    first = api.start("rt_wait_outage", {})
    second = api.start("rt_wait_outage", {})
    assert api.post("/signal", json={"name": "network_outage", "executionId": second}).status_code == 204
    assert _activities(api, first) == [] and _activities(api, second) == ["check_line"]
    assert api.get("/process-instance/count?processDefinitionKey=rt_on_outage").get_json()["count"] == 0
    assert api.post("/signal", user="requester", json={"name": "network_outage"}).status_code == 403
    assert api.post("/signal", json={}).status_code == 400
    assert api.post("/signal", json={"name": "network_outage", "tenantId": "x"}).status_code == 400
    assert _activities(api, first) == []
