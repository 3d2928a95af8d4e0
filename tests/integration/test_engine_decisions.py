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
