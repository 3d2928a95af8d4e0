"""The validation rules a model meets before it is deployed, one small inline model per rule and per warning.

Rules that need what is deployed (handlers, forms, decisions, groups, called
processes, who waits for a message, who is in a group) are proven through the
service in tests/integration/test_model_validation.py.
"""
from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from lxml import etree

from app.errors import DeploymentError, ModelError
from app.modelcheck import check_bpmn
from app.modelcheck.coverage import Choice, decision_domains, judge

HEADER = ('<?xml version="1.0" encoding="UTF-8"?>\n'
          '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
          'xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="defs" targetNamespace="t">\n')


def model(body: str, before: str = "") -> bytes:
    """A process ``p`` whose start event ``start`` leads along ``body``'s flows."""
    return (HEADER + before + '<bpmn:process id="p" isExecutable="true">\n<bpmn:startEvent id="start" />\n'
            + body + "</bpmn:process>\n</bpmn:definitions>\n").encode()


def flow(source: str, target: str, condition: str | None = None) -> str:
    inner = f"<bpmn:conditionExpression>{condition}</bpmn:conditionExpression>" if condition else ""
    return f'<bpmn:sequenceFlow id="{source}_{target}" sourceRef="{source}" targetRef="{target}">{inner}</bpmn:sequenceFlow>\n'


def line_of(data: bytes, needle: str) -> int:
    return data.count(b"\n", 0, data.index(needle.encode())) + 1


def refused(data: bytes) -> list[ModelError]:
    with pytest.raises(DeploymentError) as caught:
        check_bpmn(data, "m.bpmn")
    return caught.value.problems


def found(problems: list[ModelError], fragment: str) -> list[tuple[str | None, int | None]]:
    return [(p.element_id, p.line) for p in problems if fragment in p.detail]


ENUM_TASK = ('<bpmn:userTask id="ask" camunda:candidateGroups="service_desk"><bpmn:extensionElements>'
             '<camunda:formData><camunda:formField id="kind" type="enum">'
             '<camunda:validation><camunda:constraint name="required" /></camunda:validation>'
             '<camunda:value id="fix" name="Fix" /><camunda:value id="done" name="Done" />'
             '<camunda:value id="wait" name="Wait" /></camunda:formField></camunda:formData>'
             '</bpmn:extensionElements></bpmn:userTask>\n')


def gateway_model(*conditions: str, task: str = ENUM_TASK) -> bytes:
    """start → ask → route, with one flow per condition to the end."""
    flows = "".join(flow("route", "end", c).replace('id="route_end"', f'id="out{i}"')
                    for i, c in enumerate(conditions))
    return model(task + '<bpmn:exclusiveGateway id="route" />\n<bpmn:endEvent id="end" />\n'
                 + flow("start", "ask") + flow("ask", "route") + flows)


def judged(data: bytes) -> tuple[list[ModelError], list[ModelError]]:
    [info] = check_bpmn(data, "m.bpmn")
    [choice] = info.choices
    return judge(choice, info.field_domains, "m.bpmn")


# ------------------------------------------------------------------ unreachable elements
def test_an_element_no_flow_leads_to_is_refused_with_its_line():
    data = model('<bpmn:userTask id="orphan" camunda:candidateGroups="service_desk" />\n<bpmn:endEvent id="end" />\n'
                 + flow("start", "end"))
    assert found(refused(data), "no path from a start event reaches this userTask") == [
        ("orphan", line_of(data, 'id="orphan"'))]


def test_an_element_reached_only_from_an_unreachable_one_is_refused_too():
    data = model('<bpmn:task id="a" /><bpmn:task id="b" />\n<bpmn:endEvent id="end" />\n'
                 + flow("start", "end") + flow("a", "b"))
    assert sorted(e for e, _ in found(refused(data), "no path from a start event")) == ["a", "b"]


def test_boundary_events_event_sub_processes_and_sub_process_starts_are_reachable():
    data = model('<bpmn:subProcess id="sub"><bpmn:startEvent id="s_start" /><bpmn:endEvent id="s_end" />'
                 + flow("s_start", "s_end") + '</bpmn:subProcess>\n'
                 '<bpmn:boundaryEvent id="late" attachedToRef="sub"><bpmn:timerEventDefinition>'
                 '<bpmn:timeDuration>PT1H</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:boundaryEvent>\n'
                 '<bpmn:subProcess id="on_cancel" triggeredByEvent="true"><bpmn:startEvent id="e_start">'
                 '<bpmn:timerEventDefinition><bpmn:timeDuration>PT2H</bpmn:timeDuration></bpmn:timerEventDefinition>'
                 '</bpmn:startEvent><bpmn:endEvent id="e_end" />' + flow("e_start", "e_end") + '</bpmn:subProcess>\n'
                 '<bpmn:endEvent id="end" /><bpmn:endEvent id="late_end" />\n'
                 + flow("start", "sub") + flow("sub", "end") + flow("late", "late_end"))
    [info] = check_bpmn(data, "m.bpmn")
    assert info.key == "p"


def test_an_unreachable_element_inside_a_sub_process_is_refused():
    data = model('<bpmn:subProcess id="sub"><bpmn:startEvent id="s_start" /><bpmn:endEvent id="s_end" />'
                 '<bpmn:task id="stray" />' + flow("s_start", "s_end") + '</bpmn:subProcess>\n'
                 '<bpmn:endEvent id="end" />\n' + flow("start", "sub") + flow("sub", "end"))
    assert found(refused(data), "no path from a start event reaches this task") == [("stray", line_of(data, 'id="stray"'))]


# ------------------------------------------------------------------ messages
def test_a_message_reference_naming_no_message_is_refused():
    data = model('<bpmn:intermediateCatchEvent id="wait"><bpmn:messageEventDefinition id="wait_def" '
                 'messageRef="nowhere" /></bpmn:intermediateCatchEvent>\n<bpmn:endEvent id="end" />\n'
                 + flow("start", "wait") + flow("wait", "end"))
    assert found(refused(data), "unknown message 'nowhere'") == [("wait", line_of(data, 'id="wait_def"'))]


def test_a_message_event_without_a_message_is_refused():
    data = model('<bpmn:intermediateCatchEvent id="wait"><bpmn:messageEventDefinition id="wait_def" />'
                 '</bpmn:intermediateCatchEvent>\n<bpmn:endEvent id="end" />\n' + flow("start", "wait") + flow("wait", "end"))
    assert found(refused(data), "names no message") == [("wait", line_of(data, 'id="wait_def"'))]


def test_messages_sent_and_awaited_are_read_by_name():
    data = model('<bpmn:parallelGateway id="fork" /><bpmn:intermediateThrowEvent id="send">'
                 '<bpmn:messageEventDefinition messageRef="m_ping" /></bpmn:intermediateThrowEvent>'
                 '<bpmn:receiveTask id="receive" messageRef="m_ping" /><bpmn:endEvent id="end" /><bpmn:endEvent id="end2" />\n'
                 + flow("start", "fork") + flow("fork", "send") + flow("fork", "receive") + flow("send", "end")
                 + flow("receive", "end2"), before='<bpmn:message id="m_ping" name="ping" />\n')
    [info] = check_bpmn(data, "m.bpmn")
    assert info.thrown_messages == {"ping": ("send", line_of(data, 'id="send"'))}
    assert info.caught_messages == {"ping"}


# ------------------------------------------------------------------ conditions, timers, what cannot run
def test_an_unparseable_condition_is_refused():
    data = gateway_model('kind == "fix"', "kind ==")
    assert found(refused(data), "is not valid Python") == [("out1", line_of(data, 'id="out1"'))]


def test_an_unparseable_timer_is_refused():
    data = model('<bpmn:intermediateCatchEvent id="wait"><bpmn:timerEventDefinition><bpmn:timeDuration>'
                 'in two days</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>\n'
                 '<bpmn:endEvent id="end" />\n' + flow("start", "wait") + flow("wait", "end"))
    assert found(refused(data), "timer 'in two days' is neither a duration") == [("wait", line_of(data, "in two days"))]


@pytest.mark.parametrize("element, fragment", [
    ('<bpmn:complexGateway id="odd" />', "complex gateways are not supported"),
    ('<bpmn:intermediateThrowEvent id="odd"><bpmn:compensateEventDefinition /></bpmn:intermediateThrowEvent>',
     "compensation events are not supported"),
    ('<bpmn:intermediateCatchEvent id="odd"><bpmn:conditionalEventDefinition><bpmn:condition>go</bpmn:condition>'
     '</bpmn:conditionalEventDefinition></bpmn:intermediateCatchEvent>', "conditional events are not supported"),
])
def test_elements_the_engine_cannot_run_are_refused(element, fragment):
    data = model(element + '\n<bpmn:endEvent id="end" />\n' + flow("start", "odd") + flow("odd", "end"))
    assert found(refused(data), fragment) == [("odd", line_of(data, 'id="odd"'))]


def test_every_problem_is_listed_at_once():
    data = model('<bpmn:task id="orphan" /><bpmn:complexGateway id="odd" />\n'
                 '<bpmn:intermediateCatchEvent id="wait"><bpmn:messageEventDefinition messageRef="nowhere" />'
                 '</bpmn:intermediateCatchEvent><bpmn:endEvent id="end" />\n'
                 + flow("start", "odd") + flow("odd", "wait") + flow("wait", "end", "x ="))
    messages = [p.detail for p in refused(data)]
    for fragment in ("no path from a start event", "complex gateways", "unknown message", "not valid Python"):
        assert any(fragment in m for m in messages), messages


# ------------------------------------------------------------------ gateways whose conditions can all be false
def test_conditions_missing_an_option_of_a_required_enum_field_are_refused():
    data = gateway_model('kind == "fix"', 'kind == "done"')
    problems, warnings = judged(data)
    assert warnings == [] and [(p.element_id, p.line) for p in problems] == [("route", line_of(data, 'id="route"'))]
    assert "when kind is 'wait', no condition of this exclusive gateway holds" in problems[0].detail


def test_conditions_covering_every_option_pass_without_a_warning():
    assert judged(gateway_model('kind in ("fix", "done")', 'kind == "wait"')) == ([], [])
    assert judged(gateway_model('kind == "fix"', 'kind != "fix"')) == ([], [])


def test_an_optional_enum_field_can_be_left_empty():
    optional = ENUM_TASK.replace('<camunda:validation><camunda:constraint name="required" /></camunda:validation>', "")
    problems, _ = judged(gateway_model('kind == "fix"', 'kind in ("done", "wait")', task=optional))
    assert "when kind is empty" in problems[0].detail


def test_a_yes_no_field_tested_one_way_only_is_refused():
    yes_no = ENUM_TASK.replace('type="enum"', 'type="boolean"').replace("kind", "approved")
    assert judged(gateway_model("approved", "not approved", task=yes_no)) == ([], [])
    problems, _ = judged(gateway_model("approved == True", task=yes_no))
    assert "when approved is False" in problems[0].detail


def test_conditions_over_values_nobody_can_list_only_warn():
    problems, warnings = judged(gateway_model('other == "x"', 'other == "y"'))
    assert problems == [] and "has conditions but no default flow" in warnings[0].detail


def test_a_gateway_with_a_default_flow_is_not_judged():
    data = gateway_model('kind == "fix"').replace(b'<bpmn:exclusiveGateway id="route" />',
                                                  b'<bpmn:exclusiveGateway id="route" default="out9" />')
    data = data.replace(b"</bpmn:process>", flow("route", "end").replace('id="route_end"', 'id="out9"').encode()
                        + b"</bpmn:process>")
    [info] = check_bpmn(data, "m.bpmn")
    assert info.choices == []


DMN = """<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="d" name="d" namespace="n">
  <decision id="route_table"><decisionTable hitPolicy="FIRST">
    <input><inputExpression><text>category</text></inputExpression></input>
    <output name="team" />
    <rule><inputEntry><text>"network"</text></inputEntry><outputEntry><text>"net"</text></outputEntry></rule>
    <rule><inputEntry><text>"hardware"</text></inputEntry><outputEntry><text>"hw"</text></outputEntry></rule>
    {catch_all}
  </decisionTable></decision>
</definitions>"""


def test_a_decision_output_not_covered_by_the_conditions_is_refused():
    catch_all = '<rule><inputEntry><text></text></inputEntry><outputEntry><text>"desk"</text></outputEntry></rule>'
    domains = decision_domains(etree.fromstring(DMN.format(catch_all=catch_all)), "route_table")
    assert domains == {"team": frozenset({"net", "hw", "desk"})}
    problems, _ = judge(Choice("route", 7, "exclusive", ['team == "net"', 'team == "hw"']), domains, "m.bpmn")
    assert "when team is 'desk'" in problems[0].detail and (problems[0].element_id, problems[0].line) == ("route", 7)
    assert judge(Choice("route", 7, "inclusive", ['team in ("net", "hw", "desk")']), domains, "m.bpmn") == ([], [])


def test_a_decision_without_a_catch_all_rule_may_give_nothing():
    domains = decision_domains(etree.fromstring(DMN.format(catch_all="")), "route_table")
    problems, _ = judge(Choice("route", 7, "exclusive", ['team == "net"', 'team == "hw"']), domains, "m.bpmn")
    assert "when team is empty" in problems[0].detail


# ------------------------------------------------------------------ warnings read from the file alone
def test_a_task_naming_nobody_deploys_with_a_warning():
    data = model('<bpmn:userTask id="decide" />\n<bpmn:endEvent id="end" />\n' + flow("start", "decide")
                 + flow("decide", "end"))
    [info] = check_bpmn(data, "m.bpmn")
    assert [(w.element_id, w.line) for w in info.warnings] == [("decide", line_of(data, 'id="decide"'))]
    assert "offered to the admin group" in info.warnings[0].detail


# ------------------------------------------------------------------ bpmnlint in the editor
ROOT = Path(__file__).resolve().parents[2]
BUNDLE = ROOT / "app" / "static" / "vendor" / "bpmnlint" / "bpmnlint-bundle.js"
LINT = """
import { readFileSync } from 'node:fs';
import vm from 'node:vm';
import { BpmnModdle } from 'bpmn-moddle';
const page = {}; page.window = page;  // the bundle runs as a classic <script>: it only sets window.BpmnLint
vm.createContext(page);
vm.runInContext(readFileSync(process.argv[1], 'utf8'), page);
const { config, Linter, lintModule } = page.BpmnLint;
const { rootElement } = await new BpmnModdle().fromXML(readFileSync(0, 'utf8'));
const reports = await new Linter(config).lint(rootElement);
console.log(JSON.stringify({ module: Object.keys(lintModule), rules: Object.keys(page.BpmnLint.rules).length,
  reports: Object.fromEntries(Object.entries(reports).map(([rule, found]) => [rule, found.map(r => r.id)])) }));
"""


def test_the_editor_bundle_lints_with_bpmnlints_recommended_rules():
    """The bundle ``npm run build`` writes holds the recommended rules and the bpmn-js module, without a bundler."""
    assert BUNDLE.exists(), "run npm run build: it writes the bpmnlint bundle"
    data = model('<bpmn:task id="loose" name="Loose" /><bpmn:endEvent id="end" name="End" />\n' + flow("start", "end"))
    ran = subprocess.run(["node", "--input-type=module", "-e", LINT, str(BUNDLE)], input=data, cwd=ROOT,
                         capture_output=True, timeout=60, check=True)
    result = json.loads(ran.stdout)
    assert result["module"] == ["__init__", "linting", "lintingEditorActions"] and result["rules"] == 26
    assert "loose" in result["reports"]["no-disconnected"]
    assert result["reports"]["label-required"] == ["start"]  # the only element without a name
