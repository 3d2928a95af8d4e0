"""Scripts in deployed models run as Python would run them, on both databases."""
from __future__ import annotations

import json

from tests.helpers import DATA, deploy

MODELS = DATA / "engine"


def ended_variables(api, instance_id: str) -> dict:
    """Variables of a finished instance, Json ones decoded."""
    response = api.get(f"/history/variable-instance?processInstanceId={instance_id}")
    assert response.status_code == 200, response.get_json()
    return {v["name"]: json.loads(v["value"]) if v["type"] == "Json" else v["value"] for v in response.get_json()}


def test_unpacking_in_a_deployed_script(api):
    assert deploy(api, MODELS / "unpacking.bpmn").status_code == 200
    instance_id = api.start("engine_unpacking", {})
    values = ended_variables(api, instance_id)
    assert (values["a"], values["b"]) == (1, 2)
    assert (values["first"], values["second"]) == ("xy", "zw")
    assert (values["n1"], values["n2"], values["n3"]) == (1, 2, 3)
    assert (values["head"], values["rest"]) == (1, [2, 3])
    assert values["joined"] == ["x1", "y2"]
    assert values["keys"] == ["p", "q"]
    assert values["mapping"] == {"p": 1, "q": 2}
