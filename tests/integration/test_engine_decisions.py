"""Business rule tasks: a DRD's decision is picked by id; resultVariable and mapDecisionResult as in Camunda."""
from __future__ import annotations

import json

from tests.helpers import DATA, deploy

MODELS = DATA / "engine"


def test_decision_ref_selects_a_decision_that_is_not_the_first(api):
    response = deploy(api, MODELS / "drd.dmn", MODELS / "drd.bpmn")
    assert response.status_code == 200, response.get_json()
    instance_id = api.start("engine_drd", {"size": 3})
    assert json.loads(api.variables(instance_id)["picked"]) == ["second-small", "second-any"]


def test_every_decision_of_a_drd_is_evaluated_alone_by_its_key(api):
    """POST /decision-definition/key/{key}/evaluate reaches a decision that is not the file's first."""
    assert deploy(api, MODELS / "drd.dmn").status_code == 200
    size = {"size": {"value": 3, "type": "Integer"}}
    first = api.post("/decision-definition/key/engine_first/evaluate", json={"variables": size})
    assert first.status_code == 200, first.get_json()
    assert [row["picked"]["value"] for row in first.get_json()] == ["first"]
    second = api.post("/decision-definition/key/engine_second/evaluate", json={"variables": size})
    assert second.status_code == 200, second.get_json()
    assert second.get_json()[0]["picked"]["value"] == "second-small"
