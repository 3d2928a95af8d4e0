"""Validation before deploy, through the editor's endpoint and engine-rest: every problem at once, nothing stored.

``POST /models/validate`` runs the deployment's own checks (so the rules that
need what is deployed — handlers, forms, decisions, groups, called processes,
who waits for a message, who is in a group — are proven here), and a refused
REST deployment returns the same problems in Camunda's error shape.
"""
from __future__ import annotations

import io
from pathlib import Path

import pytest
from sqlalchemy import select

from app.models import AuditEntry
from app.store import new_uow
from tests.helpers import deploy
from tests.integration.signed_in import csrf_token, sign_in

ROOT = Path(__file__).resolve().parents[2]
HEADER = ('<?xml version="1.0" encoding="UTF-8"?>\n'
          '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
          'xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="defs" targetNamespace="t">\n')


@pytest.fixture
def backend() -> str:
    """Validation reads and never writes models: SQLite is enough (deployment itself runs on both elsewhere)."""
    return "sqlite"


def model(key: str, middle: str, before: str = "") -> tuple[str, bytes]:
    """``key.bpmn``: start → the elements of ``middle`` (their ids must be ``a``, then ``b`` …) → end."""
    return f"{key}.bpmn", (HEADER + before + f'<bpmn:process id="{key}" isExecutable="true">\n'
                           '<bpmn:startEvent id="start" />\n' + middle + '<bpmn:endEvent id="end" />\n'
                           '</bpmn:process>\n</bpmn:definitions>\n').encode()


def chain(*elements: tuple[str, str]) -> str:
    """Elements ``(id, xml)`` connected start → each → end."""
    ids = ["start", *(element_id for element_id, _ in elements), "end"]
    flows = "".join(f'<bpmn:sequenceFlow id="f{i}" sourceRef="{a}" targetRef="{b}" />\n'
                    for i, (a, b) in enumerate(zip(ids, ids[1:])))
    return "".join(xml + "\n" for _, xml in elements) + flows


def owner_client(app, user: str = "owner"):
    client = app.test_client()
    assert sign_in(client, user).status_code == 302
    return client


def validate(client, *files: tuple[str, bytes]):
    payload = {"files": [{"name": name, "content": data.decode()} for name, data in files]}
    return client.post("/models/validate", json=payload)


def problems_of(response) -> dict[tuple[str, str], dict]:
    assert response.status_code == 200, response.get_data(as_text=True)
    return {(p["severity"], p["element"]): p for p in response.get_json()["problems"]}


def line_of(data: bytes, needle: str) -> int:
    return data.count(b"\n", 0, data.index(needle.encode())) + 1


def definitions_count(api) -> int:
    return api.get("/process-definition/count").get_json()["count"]


BROKEN = model("broken", chain(
    ("a", '<bpmn:serviceTask id="a" camunda:type="external" camunda:topic="no_such_handler" />'),
    ("b", '<bpmn:userTask id="b" camunda:candidateGroups="no_such_group" camunda:formRef="no_such_form" '
          'camunda:formRefBinding="latest" />'),
    ("c", '<bpmn:businessRuleTask id="c" camunda:decisionRef="no_such_decision" />'),
    ("d", '<bpmn:callActivity id="d" calledElement="no_such_process" />'),
    ("e", '<bpmn:intermediateThrowEvent id="e"><bpmn:messageEventDefinition messageRef="m_lost" />'
          '</bpmn:intermediateThrowEvent>'),
) + '<bpmn:task id="orphan" />\n', before='<bpmn:message id="m_lost" name="nobody_listens" />\n')

#: (element, what its problem says) for every rule BROKEN breaks.
BROKEN_RULES = {
    "a": "no handler named 'no_such_handler'",
    "b": "group 'no_such_group' is not deployed",
    "c": "decision 'no_such_decision' is not deployed",
    "e": "unknown message 'nobody_listens'",
    "orphan": "no path from a start event reaches this task",
}


def test_every_problem_of_a_model_is_listed_with_element_line_and_severity(app, api):
    before = definitions_count(api)
    response = validate(owner_client(app), BROKEN)
    found = problems_of(response)
    data = BROKEN[1]
    for element, fragment in BROKEN_RULES.items():
        problem = found[("error", element)]
        assert fragment in problem["message"], problem
        assert problem["line"] == line_of(data, f'id="{element}"') and problem["resource"] == "broken.bpmn"
    messages = [p["message"] for p in response.get_json()["problems"]]
    assert any("form 'no_such_form' is not deployed" in m for m in messages)
    assert not any(m.startswith("resource ") for m in messages)  # the reason alone: element and line stand apart
    assert definitions_count(api) == before  # validating deploys nothing


def test_a_call_of_a_process_nobody_deployed_is_refused(app):
    data = model("caller", chain(("a", '<bpmn:callActivity id="a" calledElement="no_such_process" />')))
    [problem] = validate(owner_client(app), data).get_json()["problems"]
    assert problem["element"] == "a" and "called process 'no_such_process' is not deployed" in problem["message"]
    assert problem["severity"] == "error"


def test_a_message_some_deployed_process_waits_for_may_be_sent(app, api):
    waiting = model("listener", chain(("a", '<bpmn:intermediateCatchEvent id="a"><bpmn:messageEventDefinition '
                                            'messageRef="m" /></bpmn:intermediateCatchEvent>')),
                    before='<bpmn:message id="m" name="ping_listener" />\n')
    sending = model("sender", chain(("a", '<bpmn:intermediateThrowEvent id="a"><bpmn:messageEventDefinition '
                                          'messageRef="m" /></bpmn:intermediateThrowEvent>')),
                    before='<bpmn:message id="m" name="ping_listener" />\n')
    client = owner_client(app)
    assert "unknown message" in validate(client, sending).get_json()["problems"][0]["message"]
    assert validate(client, sending, waiting).get_json() == {"problems": []}  # in the same deployment
    assert deploy(api, waiting).status_code == 200
    assert validate(client, sending).get_json() == {"problems": []}           # or deployed before


KINDS_FORM = ("kinds.form", b'{"id": "kinds_form", "type": "default", "components": [{"type": "select", '
              b'"key": "kind", "label": "Kind", "validate": {"required": true}, "values": ['
              b'{"label": "Fix", "value": "fix"}, {"label": "Done", "value": "done"}, {"label": "Wait", "value": "wait"}]}]}')


def routed(second: str) -> tuple[str, bytes]:
    """start → ask (the kinds form) → route: ``kind == "fix"`` or ``second``, no default flow."""
    return "route.bpmn", (HEADER + '<bpmn:process id="route" isExecutable="true">\n<bpmn:startEvent id="start" />\n'
                          '<bpmn:userTask id="ask" camunda:candidateGroups="service_desk" camunda:formRef="kinds_form" '
                          'camunda:formRefBinding="latest" />\n<bpmn:exclusiveGateway id="route_gateway" />\n'
                          '<bpmn:endEvent id="end" />\n'
                          '<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="ask" />\n'
                          '<bpmn:sequenceFlow id="f2" sourceRef="ask" targetRef="route_gateway" />\n'
                          '<bpmn:sequenceFlow id="g1" sourceRef="route_gateway" targetRef="end"><bpmn:conditionExpression>'
                          'kind == "fix"</bpmn:conditionExpression></bpmn:sequenceFlow>\n'
                          '<bpmn:sequenceFlow id="g2" sourceRef="route_gateway" targetRef="end"><bpmn:conditionExpression>'
                          f'{second}</bpmn:conditionExpression></bpmn:sequenceFlow>\n'
                          '</bpmn:process>\n</bpmn:definitions>\n').encode()


def test_a_gateway_that_leaves_a_form_option_without_a_way_out_is_refused(app):
    client = owner_client(app)
    found = problems_of(validate(client, routed('kind == "done"'), KINDS_FORM))
    assert "when kind is 'wait', no condition of this exclusive gateway holds" in \
        found[("error", "route_gateway")]["message"]
    assert validate(client, routed('kind in ("done", "wait")'), KINDS_FORM).get_json() == {"problems": []}
    found = problems_of(validate(client, routed('other == "x"'), KINDS_FORM))
    assert "has conditions but no default flow" in found[("warning", "route_gateway")]["message"]


TEAMS_DMN = ("teams.dmn", b"""<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="teams" name="Teams"
    namespace="http://camunda.org/schema/1.0/dmn">
  <decision id="team_table" name="Team"><decisionTable id="t" hitPolicy="FIRST">
    <input id="i" label="Category"><inputExpression id="ie" typeRef="string"><text>category</text></inputExpression></input>
    <output id="o" label="Team" name="team" typeRef="string" />
    <rule id="r1"><inputEntry id="r1i"><text>"network"</text></inputEntry><outputEntry id="r1o"><text>"net"</text></outputEntry></rule>
    <rule id="r2"><inputEntry id="r2i"><text>"hardware"</text></inputEntry><outputEntry id="r2o"><text>"hw"</text></outputEntry></rule>
  </decisionTable></decision>
</definitions>""")


def test_a_gateway_that_leaves_a_decision_without_a_way_out_is_refused(app):
    """No rule matches a category besides network and hardware: ``team`` is then empty, and no flow takes it."""
    decided = model("decided", chain(
        ("a", '<bpmn:businessRuleTask id="a" camunda:decisionRef="team_table" />'),
        ("route", '<bpmn:exclusiveGateway id="route" />'))
        .replace('<bpmn:sequenceFlow id="f2" sourceRef="route" targetRef="end" />',
                 '<bpmn:sequenceFlow id="f2" sourceRef="route" targetRef="end"><bpmn:conditionExpression>'
                 'team in ("net", "hw")</bpmn:conditionExpression></bpmn:sequenceFlow>'))
    found = problems_of(validate(owner_client(app), decided, TEAMS_DMN))
    assert "when team is empty, no condition of this exclusive gateway holds" in found[("error", "route")]["message"]


def test_warnings_do_not_block_and_are_returned_and_audited(app, api):
    # the demo users: only the administrator is in the admin group itself
    unstaffed = model("unstaffed", chain(("a", '<bpmn:userTask id="a" camunda:candidateGroups="admin" />')))
    found = problems_of(validate(owner_client(app), unstaffed))
    assert found[("warning", "a")]["message"] == ("nobody but an administrator can take this task: no one outside "
                                                  "the admin group is in admin")
    staffed = model("staffed", chain(("a", '<bpmn:userTask id="a" camunda:candidateGroups="sales, admin" />')))
    assert validate(owner_client(app), staffed).get_json() == {"problems": []}
    computed = model("computed", chain(("a", '<bpmn:userTask id="a" camunda:candidateGroups="${tier1_group}" />')))
    assert validate(owner_client(app), computed).get_json() == {"problems": []}  # named at run time: no judgement
    response = deploy(api, unstaffed)
    assert response.status_code == 200, response.get_json()
    assert [w["elementId"] for w in response.get_json()["warnings"]] == ["a"]
    with app.app_context():
        uow = new_uow(write=False)
        with uow:
            [entry] = uow.session.scalars(select(AuditEntry).where(AuditEntry.action == "deployment_warnings"))
    assert entry.actor == "owner" and "no one outside the admin group is in admin" in entry.data["warnings"][0]


def test_a_rest_deployment_with_a_fatal_problem_returns_them_all_and_stores_nothing(api):
    before = definitions_count(api)
    response = deploy(api, BROKEN)
    assert response.status_code == 400
    body = response.get_json()
    assert body["type"] == "ParseException"
    errors = body["details"]["broken.bpmn"]["errors"]
    assert {e["mainElementId"] for e in errors} >= set(BROKEN_RULES)
    orphan = next(e for e in errors if e["mainElementId"] == "orphan")
    assert orphan["line"] == line_of(BROKEN[1], 'id="orphan"') and orphan["elementIds"] == ["orphan"]
    assert {p["elementId"] for p in body["details"]["problems"]} >= set(BROKEN_RULES)
    assert definitions_count(api) == before


def test_only_process_owners_and_administrators_may_validate(app):
    good = model("fine", chain(("a", '<bpmn:userTask id="a" camunda:candidateGroups="service_desk" />')))
    assert validate(owner_client(app, "admin"), good).get_json() == {"problems": []}
    refused = validate(owner_client(app, "desk"), good)
    assert refused.status_code == 403 and refused.get_json()["error"] == "只有流程负责人和管理员可以校验模型。"  # zh: the demo users' language
    anonymous = app.test_client().post("/models/validate", json={"files": []})
    assert anonymous.status_code == 401


def test_a_form_post_needs_its_csrf_token_and_bad_input_is_a_clear_400(app):
    client = owner_client(app)
    name, data = model("fine", chain(("a", '<bpmn:userTask id="a" camunda:candidateGroups="service_desk" />')))
    forged = client.post("/models/validate", data={"model": (io.BytesIO(data), name)}, content_type="multipart/form-data")
    assert forged.status_code == 400
    posted = client.post("/models/validate", data={"model": (io.BytesIO(data), name), "csrf_token": csrf_token(client, "/account")},
                         content_type="multipart/form-data")
    assert posted.status_code == 200 and posted.get_json() == {"problems": []}
    for body, fragment in (({"files": "x"}, "必须是由"), ({"files": [{"name": "x.bpmn"}]}, "需要文件名"),
                           ({"files": []}, "至少发送一个"), ([1], "JSON 对象")):
        response = client.post("/models/validate", json=body)
        assert response.status_code == 400 and fragment in response.get_json()["error"], response.get_json()
    malformed = validate(client, ("x.bpmn", b"<bpmn:definitions"))
    [problem] = malformed.get_json()["problems"]
    assert problem["severity"] == "error" and "not well-formed XML" in problem["message"]


def test_every_shipped_model_validates_without_a_problem_or_warning(app):
    files = [(path.name, path.read_bytes()) for folder in ("processes", "forms") for path in sorted((ROOT / folder).iterdir())]
    assert validate(owner_client(app), *files).get_json() == {"problems": []}  # neither errors nor warnings
