"""The diff between two versions of a model: what the engine runs, element by element, not the file's text."""
from __future__ import annotations

import json

from app.services.model_diff import ADDED, CHANGED, REMOVED, Detail, diff

_HEAD = ('<?xml version="1.0" encoding="UTF-8"?>\n'
         '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
         'xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" '
         'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:camunda="http://camunda.org/schema/1.0/bpmn" '
         'id="defs" targetNamespace="http://example.com" exporterVersion="{exporter}">\n'
         '<bpmn:process id="p" isExecutable="true">\n')


def _bpmn(body: str, x: int = 100, exporter: str = "5.31.0") -> bytes:
    di = (f'<bpmndi:BPMNDiagram id="d"><bpmndi:BPMNPlane id="pl" bpmnElement="p">'
          f'<bpmndi:BPMNShape id="approve_di" bpmnElement="approve"><dc:Bounds x="{x}" y="80" width="100" '
          f'height="80"/></bpmndi:BPMNShape></bpmndi:BPMNPlane></bpmndi:BPMNDiagram>')
    return (_HEAD.replace("{exporter}", exporter) + body + "</bpmn:process>\n" + di
            + "</bpmn:definitions>").encode()


_BEFORE = """
<bpmn:startEvent id="start" name="收到"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
<bpmn:userTask id="approve" name="审批" camunda:candidateGroups="service_desk" camunda:formRef="approve_form">
  <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing></bpmn:userTask>
<bpmn:boundaryEvent id="late" attachedToRef="approve"><bpmn:timerEventDefinition id="t1">
  <bpmn:timeDuration>PT4H</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:boundaryEvent>
<bpmn:exclusiveGateway id="ok" default="f_no"/>
<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="approve"/>
<bpmn:sequenceFlow id="f2" sourceRef="approve" targetRef="ok"/>
<bpmn:sequenceFlow id="f_yes" sourceRef="ok" targetRef="done">
  <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">approved == True</bpmn:conditionExpression>
</bpmn:sequenceFlow>
<bpmn:sequenceFlow id="f_no" sourceRef="ok" targetRef="done"/>
<bpmn:scriptTask id="old_step" name="旧步骤"/>
<bpmn:endEvent id="done" name="结束"/>
"""


def _after() -> str:
    return (_BEFORE
            .replace('camunda:candidateGroups="service_desk"', 'camunda:candidateGroups="tier2"')
            .replace('approve_form"', 'approve_form_v2"').replace("PT4H", "PT2H")
            .replace("approved == True", "approved == True and amount &lt; 1000")
            .replace('<bpmn:scriptTask id="old_step" name="旧步骤"/>', "")
            .replace('<bpmn:endEvent id="done" name="结束"/>',
                     '<bpmn:endEvent id="done" name="结束"/><bpmn:serviceTask id="notify" name="通知" '
                     'camunda:type="external" camunda:topic="notify_requester"/>'))


def _by_id(changes):
    return {c.element_id: c for c in changes}


def test_bpmn_lists_added_removed_and_changed_elements_with_what_changed():
    changes = _by_id(diff("bpmn", _bpmn(_BEFORE), _bpmn(_after())))
    assert {key: c.change for key, c in changes.items()} == {
        "notify": ADDED, "old_step": REMOVED, "approve": CHANGED, "late": CHANGED, "f_yes": CHANGED}
    assert changes["approve"].details == [Detail("camunda:candidateGroups", "service_desk", "tier2"),
                                          Detail("camunda:formRef", "approve_form", "approve_form_v2")]
    assert changes["approve"].name == "审批" and changes["approve"].element_type == "userTask"
    assert changes["late"].details == [Detail("timerEventDefinition/timeDuration", "PT4H", "PT2H")]
    assert changes["f_yes"].details == [Detail("conditionExpression", "approved == True",
                                               "approved == True and amount < 1000")]
    assert changes["notify"].details == [Detail("name", None, "通知"), Detail("camunda:type", None, "external"),
                                         Detail("camunda:topic", None, "notify_requester")]
    assert changes["old_step"].details == [Detail("name", "旧步骤", None)]
    assert [c.change for c in diff("bpmn", _bpmn(_BEFORE), _bpmn(_after()))] == [ADDED, CHANGED, CHANGED, CHANGED,
                                                                                   REMOVED]


def test_moved_shapes_and_another_modeler_version_are_no_change():
    assert diff("bpmn", _bpmn(_BEFORE, x=100, exporter="5.31.0"), _bpmn(_BEFORE, x=460, exporter="5.40.0")) == []


def test_an_element_that_changed_its_type_says_so():
    after = _BEFORE.replace('<bpmn:scriptTask id="old_step" name="旧步骤"/>',
                            '<bpmn:manualTask id="old_step" name="旧步骤"/>')
    [change] = diff("bpmn", _bpmn(_BEFORE), _bpmn(after))
    assert change.change == CHANGED and change.details == [Detail("type", "scriptTask", "manualTask")]


_DMN = """<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="d" name="分派" namespace="x">
  <decision id="dispatch" name="一线分派">
    <decisionTable id="table" hitPolicy="FIRST">
      <input id="in_category" label="类别">
        <inputExpression id="ie" typeRef="string"><text>category</text></inputExpression></input>
      <output id="out_group" label="一线组" name="tier1_group" typeRef="string"/>
      <rule id="rule_network"><inputEntry id="a"><text>"network"</text></inputEntry>
        <outputEntry id="b"><text>"{group}"</text></outputEntry></rule>
      {extra}
    </decisionTable>
  </decision>
</definitions>"""


def test_dmn_lists_rules_by_their_columns():
    before = _DMN.format(group="tier1_network", extra="").encode()
    after = _DMN.format(group="tier2", extra='<rule id="rule_other"><inputEntry id="c"><text></text></inputEntry>'
                                            '<outputEntry id="e"><text>"tier1"</text></outputEntry></rule>').encode()
    changes = _by_id(diff("dmn", before, after))
    assert {key: c.change for key, c in changes.items()} == {"rule_network": CHANGED, "rule_other": ADDED}
    assert changes["rule_network"].details == [Detail("then 一线组", '"tier1_network"', '"tier2"')]
    assert changes["rule_other"].details == [Detail("when 类别", None, "-"),
                                             Detail("then 一线组", None, '"tier1"')]


def _form(*components: dict) -> bytes:
    return json.dumps({"id": "f", "type": "default", "components": list(components)}, ensure_ascii=False).encode()


def test_form_fields_are_compared_by_key_groups_included():
    reason = {"id": "Field_1", "key": "reason", "type": "textarea", "label": "原因"}
    amount = {"id": "Field_2", "key": "amount", "type": "number", "label": "金额"}
    before = _form({"type": "group", "id": "g", "components": [reason]}, amount)
    after = _form({"type": "group", "id": "g", "components": [
        dict(reason, id="Field_9", validate={"required": True})],
    }, {"id": "Field_3", "key": "due", "type": "datetime", "label": "期限"})
    changes = _by_id(diff("form", before, after))
    assert {key: c.change for key, c in changes.items()} == {"reason": CHANGED, "amount": REMOVED, "due": ADDED}
    assert changes["reason"].details == [Detail("validate.required", None, "true")]
    assert changes["due"].element_type == "datetime" and changes["due"].name == "期限"


def test_a_lane_change_names_only_the_elements_that_moved():
    lanes = ('<bpmn:laneSet id="ls"><bpmn:lane id="desk" name="服务台">{desk}</bpmn:lane>'
             '<bpmn:lane id="tier2" name="二线">{tier2}</bpmn:lane></bpmn:laneSet>')
    refs = lambda *ids: "".join(f"<bpmn:flowNodeRef>{i}</bpmn:flowNodeRef>" for i in ids)  # noqa: E731
    before = _bpmn(lanes.format(desk=refs("start", "approve", "ok"), tier2=refs("old_step", "done")) + _BEFORE)
    after = _bpmn(lanes.format(desk=refs("start", "ok"), tier2=refs("approve", "old_step", "done")) + _BEFORE)
    changes = _by_id(diff("bpmn", before, after))
    assert changes["desk"].details == [Detail("flowNodeRef", "approve", None)]
    assert changes["tier2"].details == [Detail("flowNodeRef", None, "approve")]
