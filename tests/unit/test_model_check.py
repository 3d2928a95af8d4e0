"""Deployment-time model checks: what is read from a model, and what is refused and where.

Every refusal must name the resource, the element id and the line, because a
process owner fixes the model in a modeler, not in a stack trace.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from lxml import etree

from app.errors import DeploymentError, ModelError
from app.modelcheck import check_bpmn, check_dmn, check_expression, parse_xml
from app.modelcheck.timers import iso_kind

MODELS = Path(__file__).resolve().parent.parent / "data" / "models"
MIWG = Path("/work/shared/corpus/miwg")
BPMN = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
HEADER = ('<?xml version="1.0" encoding="UTF-8"?>\n'
          '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
          'xmlns:camunda="http://camunda.org/schema/1.0/bpmn" '
          'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" id="Definitions_t" '
          'targetNamespace="http://bpmn.io/schema/bpmn">\n')


def load(name: str) -> bytes:
    return (MODELS / name).read_bytes()


def line_of(data: bytes, needle: str) -> int:
    """1-based line of the first occurrence of ``needle``: the line a problem must point at."""
    return data.count(b"\n", 0, data.index(needle.encode())) + 1


def problems_of(data: bytes, resource: str = "model.bpmn") -> list[ModelError]:
    with pytest.raises(DeploymentError) as refused:
        check_bpmn(data, resource)
    assert refused.value.problems
    return refused.value.problems


def snippet_model(body: str, process: str = '<bpmn:process id="p" isExecutable="true">') -> bytes:
    """A process holding ``body`` after a start event that leads to each of its top-level flow nodes,
    so only what ``body`` gets wrong is refused (nothing is unreachable)."""
    start = '    <bpmn:startEvent id="start" />\n'
    reach = "".join(f'    <bpmn:sequenceFlow id="reach_{node}" sourceRef="start" targetRef="{node}" />\n'
                    for kind, node in _TOP_LEVEL.findall(body) if kind in _REACHABLE)
    return (HEADER + f"  {process}\n{start}{body}{reach}  </bpmn:process>\n</bpmn:definitions>\n").encode()


_TOP_LEVEL = re.compile(r'^    <bpmn:(\w+) id="([^"]+)"', re.MULTILINE)
_REACHABLE = {"task", "userTask", "manualTask", "serviceTask", "sendTask", "receiveTask", "scriptTask",
              "businessRuleTask", "callActivity", "subProcess", "transaction", "adHocSubProcess", "endEvent",
              "intermediateCatchEvent", "intermediateThrowEvent", "exclusiveGateway", "inclusiveGateway",
              "parallelGateway", "eventBasedGateway"}


def assert_one(problems: list[ModelError], element_id: str | None, line: int, *fragments: str,
               resource: str = "model.bpmn") -> None:
    matching = [p for p in problems if all(f in p.message for f in fragments)]
    assert matching, [p.message for p in problems]
    problem = matching[0]
    assert (problem.element_id, problem.line, problem.resource) == (element_id, line, resource)


# --------------------------------------------------------------------------- accepted models
def test_valid_model_exposes_tasks_forms_and_references() -> None:
    [info] = check_bpmn(load("valid_request.bpmn"), "valid_request.bpmn")
    data = load("valid_request.bpmn")
    assert (info.key, info.name, info.resource) == ("it_request", "IT request", "valid_request.bpmn")
    assert info.line == line_of(data, 'id="it_request"')
    assert info.root.tag == f"{BPMN}definitions"
    assert info.start_form_ref == "request-form" and info.start_form_fields == []
    assert info.topics == {"send_reminder": ("remind", line_of(data, 'id="remind"')),
                           "order_hardware": ("order_hardware", line_of(data, 'id="order_hardware"'))}
    assert info.decision_refs == {"request_priority": ("classify", line_of(data, 'id="classify"'))}
    assert info.form_refs == {"request-form": ("start_request", line_of(data, 'id="start_request"'))}
    assert info.form_files == {"approve.form": ("approve", line_of(data, 'id="approve"'))}
    assert info.groups == {"tier1": ("triage", line_of(data, 'id="triage"')),
                           "managers": ("approve", line_of(data, 'id="approve"'))}
    assert not info.has_timer_start and info.timer_starts == []

    triage = info.user_tasks["triage"]
    assert (triage.activity_id, triage.name, triage.line) == ("triage", "Triage request", line_of(data, 'id="triage"'))
    assert triage.candidate_groups == ["tier1", "${escalation_group}"]
    assert triage.candidate_users == ["alice", "bob"]
    assert triage.assignee == "${initiator}"
    assert (triage.due_date, triage.priority) == ("P2D", "50")
    assert triage.documentation == "Check the request and pick a category."
    assert triage.form_ref is None and triage.form_key is None
    assert triage.form_fields == [
        {"id": "category", "type": "enum", "label": "Category", "default": "software",
         "values": [("software", "Software"), ("hardware", "Hardware")], "constraints": []},
        {"id": "summary", "type": "string", "label": "Summary", "default": None, "values": [],
         "constraints": [("required", None), ("maxlength", "200")]},
        {"id": "urgent", "type": "boolean", "label": "Urgent", "default": "false", "values": [],
         "constraints": []},
    ]
    approve = info.user_tasks["approve"]
    assert approve.form_key == "camunda-forms:deployment:approve.form" and approve.form_fields == []


def test_bare_timer_literals_are_quoted_in_a_copy_only() -> None:
    data = load("valid_request.bpmn")
    [info] = check_bpmn(data, "valid_request.bpmn")
    durations = {event.get("id"): event.find(f".//{BPMN}timeDuration").text
                 for event in info.root.iter(f"{BPMN}boundaryEvent", f"{BPMN}intermediateCatchEvent")}
    assert durations == {"triage_reminder": '"PT3S"', "wait_delivery": '"PT2H"', "approve_sla": "response_sla"}
    assert b">PT3S<" in data  # the stored source is never rewritten
    reparsed = parse_xml(data, "valid_request.bpmn")
    assert reparsed.find(f".//{BPMN}timeDuration").text == "PT3S"


def test_timer_start_events_and_non_executable_processes() -> None:
    [info] = check_bpmn(load("valid_weekly_report.bpmn"), "valid_weekly_report.bpmn")
    assert info.key == "weekly_report"  # customer_side is isExecutable="false": skipped, not checked
    assert info.has_timer_start
    assert info.timer_starts == [("every_monday", "timeCycle", '"R/2026-01-05T09:00:00Z/P7D"'),
                                 ("on_new_year", "timeDate", '"2027-01-01T09:00:00+08:00"')]


def test_utf8_bom_is_accepted() -> None:
    [info] = check_bpmn(b"\xef\xbb\xbf" + load("valid_weekly_report.bpmn"), "bom.bpmn")
    assert info.key == "weekly_report"


def test_processes_of_one_file_share_the_normalised_root() -> None:
    body = '    <bpmn:startEvent id="s1" />\n'
    data = (HEADER + '  <bpmn:process id="a" isExecutable="true">\n' + body + "  </bpmn:process>\n"
            '  <bpmn:process id="b">\n    <bpmn:startEvent id="s2" />\n  </bpmn:process>\n'
            "</bpmn:definitions>\n").encode()
    first, second = check_bpmn(data, "two.bpmn")
    assert (first.key, second.key) == ("a", "b")  # no isExecutable attribute means executable
    assert first.root is second.root


# --------------------------------------------------------------------------- refused files
@pytest.mark.parametrize("name, element_id, needle, fragment", [
    ("refuse_data_store.bpmn", "store_1", 'id="store_1"', "data stores are not supported"),
    ("refuse_java_class.bpmn", "notify", 'id="notify"', "Java classes (camunda:class)"),
    ("refuse_delegate_expression.bpmn", "notify", 'id="notify"', "camunda:delegateExpression"),
    ("refuse_juel_condition.bpmn", "Flow_yes", "<bpmn:conditionExpression", "JUEL expression"),
    ("refuse_js_listener.bpmn", "review", "<camunda:executionListener", "JavaScript script listener"),
    ("refuse_groovy_script.bpmn", "compute", 'id="compute"', "Groovy scripts are not supported"),
    ("refuse_cmmn_case.bpmn", "open_case", 'id="open_case"', "CMMN cases cannot be called"),
    ("refuse_rule_task_no_decision.bpmn", "decide", 'id="decide"', "camunda:decisionRef"),
    ("refuse_bad_condition.bpmn", "Flow_yes", "<bpmn:conditionExpression", "is not valid Python"),
    ("refuse_cron_cycle.bpmn", "wait_friday", "<bpmn:timeCycle", "is supported on timer start events only"),
])
def test_refused_models_name_element_and_line(name: str, element_id: str, needle: str, fragment: str) -> None:
    data = load(name)
    problems = problems_of(data, name)
    assert len(problems) == 1, [p.message for p in problems]
    assert_one(problems, element_id, line_of(data, needle), fragment, resource=name)
    assert f"resource {name}, element '{element_id}', line {line_of(data, needle)}: " in problems[0].message


def test_juel_condition_gets_a_python_hint() -> None:
    [problem] = problems_of(load("refuse_juel_condition.bpmn"))
    assert problem.message.endswith("e.g. amount > 1000")


@pytest.mark.parametrize("name", ["refuse_billion_laughs.bpmn", "refuse_xxe.bpmn"])
def test_doctype_is_refused_before_any_entity_is_read(name: str) -> None:
    data = load(name)
    [problem] = problems_of(data, name)
    assert "DOCTYPE is not allowed" in problem.message
    assert (problem.resource, problem.element_id, problem.line) == (name, None, line_of(data, "<!DOCTYPE"))
    assert "root:" not in problem.message  # nothing of /etc/passwd leaks into the message


def test_doctype_in_utf16_is_refused() -> None:
    data = '<?xml version="1.0" encoding="UTF-16"?>\n<!DOCTYPE a>\n<a/>'.encode("utf-16")
    with pytest.raises(ModelError, match="DOCTYPE is not allowed") as refused:
        parse_xml(data, "wide.bpmn")
    assert refused.value.line == 2


def test_malformed_xml_reports_the_parser_line() -> None:
    data = load("refuse_malformed.bpmn")
    [problem] = problems_of(data, "refuse_malformed.bpmn")
    assert "not well-formed XML" in problem.message and "mismatch" in problem.message
    assert (problem.resource, problem.line) == ("refuse_malformed.bpmn", line_of(data, "</bpmn:userTask>"))


@pytest.mark.parametrize("data", [b"", b"   \n", b"<not-closed"])
def test_empty_or_truncated_input_is_malformed(data: bytes) -> None:
    [problem] = problems_of(data)
    assert "not well-formed XML" in problem.message and problem.line


# --------------------------------------------------------------------------- refused snippets
TASK = '    <bpmn:{tag} id="t1" name="T" {attrs}>\n{inner}    </bpmn:{tag}>\n'
FLOW = ('    <bpmn:exclusiveGateway id="g" />\n    <bpmn:endEvent id="e" />\n'
        '    <bpmn:sequenceFlow id="f1" sourceRef="g" targetRef="e">\n'
        '      <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression"{attrs}>{text}</bpmn:conditionExpression>\n'
        '    </bpmn:sequenceFlow>\n')
TIMER = ('    <bpmn:intermediateCatchEvent id="wait">\n      <bpmn:timerEventDefinition>\n'
         '        <bpmn:{kind}>{text}</bpmn:{kind}>\n      </bpmn:timerEventDefinition>\n'
         '    </bpmn:intermediateCatchEvent>\n')
EXT = "      <bpmn:extensionElements>\n        {}\n      </bpmn:extensionElements>\n"


def task(tag: str = "userTask", attrs: str = "", inner: str = "") -> str:
    return TASK.format(tag=tag, attrs=attrs, inner=inner)


@pytest.mark.parametrize("body, element_id, needle, fragment", [
    (task("serviceTask", 'camunda:expression="${mailer.send()}"'), "t1", 'id="t1"', "camunda:expression"),
    (task("serviceTask"), "t1", 'id="t1"', 'service tasks must name a handler: camunda:type="external"'),
    (task("sendTask", 'camunda:type="external" camunda:topic="${topic}"'), "t1", 'id="t1"', "must name a handler"),
    (task("serviceTask", 'camunda:type="external" camunda:topic="x"',
          EXT.format('<camunda:connector><camunda:connectorId>http-connector</camunda:connectorId></camunda:connector>')),
     "t1", "<camunda:connector>", "connectors are not supported"),
    (task(inner=EXT.format('<camunda:inputOutput><camunda:inputParameter name="a"><camunda:script '
                           'scriptFormat="javascript">1</camunda:script></camunda:inputParameter>'
                           '</camunda:inputOutput>')), "t1", "<camunda:inputOutput>", "script format 'javascript'"),
    (task(inner=EXT.format('<camunda:taskListener class="com.example.Assign" event="create" />')),
     "t1", "<camunda:taskListener", "task listeners are not run"),
    (task("scriptTask", 'scriptFormat="python" camunda:resource="deployment://calc.py"'),
     "t1", 'id="t1"', "external script files"),
    (task("scriptTask", 'scriptFormat="python"', "      <bpmn:script>import os\nos.remove('x')</bpmn:script>\n"),
     "t1", "<bpmn:script>", "cannot import modules"),
    (task("scriptTask", 'scriptFormat="python"', "      <bpmn:script>total = (1 +</bpmn:script>\n"),
     "t1", "<bpmn:script>", "not valid sandboxed Python"),
    (task("businessRuleTask", 'camunda:decisionRef="${which}"'), "t1", 'id="t1"', "must name a decision"),
    (task("businessRuleTask", 'camunda:decisionRef="d" camunda:class="com.example.Rules"'), "t1", 'id="t1"', "Java classes"),
    (task("callActivity"), "t1", 'id="t1"', "must name the process it calls"),
    (task(attrs='camunda:candidateGroups="${groupService.forCategory(category)}"'), "t1", 'id="t1"',
     "only plain names or a plain ${variable} reference"),
    (task(attrs='camunda:assignee="${a}${b}"'), "t1", 'id="t1"', "assignee"),
    (task(attrs='camunda:dueDate="${dateTime().plusDays(2).toDate()}"'), "t1", 'id="t1"', "dueDate '${dateTime"),
    (task(attrs='camunda:priority="${rank}"'), "t1", 'id="t1"', "priority '${rank}' is a JUEL expression"),
    (task(attrs='camunda:formKey="${formName}"'), "t1", 'id="t1"', "is a JUEL expression; name the form"),
    (task(inner=EXT.format('<camunda:formData><camunda:formField id="x" type="color" /></camunda:formData>')),
     "t1", "<camunda:formField", "has type 'color'"),
    (task(inner=EXT.format('<camunda:formData><camunda:formField id="x" type="string"><camunda:validation>'
                           '<camunda:constraint name="validator" config="com.example.Check" /></camunda:validation>'
                           '</camunda:formField></camunda:formData>')),
     "t1", "<camunda:constraint", "custom validators are Java classes"),
    (FLOW.format(attrs=' language="javascript"', text="a &gt; 1"), "f1", "<bpmn:conditionExpression",
     "language 'javascript' is not supported"),
    (FLOW.format(attrs="", text="= approved"), "f1", "<bpmn:conditionExpression", "FEEL expression"),
    (FLOW.format(attrs="", text="__import__('os')"), "f1", "<bpmn:conditionExpression", "not valid Python"),
    (FLOW.format(attrs="", text=" "), "f1", "<bpmn:conditionExpression", "condition is empty"),
    (TIMER.format(kind="timeDuration", text="P3X"), "wait", "<bpmn:timeDuration", "is not a duration such as"),
    (TIMER.format(kind="timeDuration", text="sla +"), "wait", "<bpmn:timeDuration", "nor a valid Python expression"),
    (TIMER.format(kind="timeDate", text="PT3S"), "wait", "<bpmn:timeDate", "is not a date"),
    (TIMER.format(kind="timeDate", text="2026-13-01T09:00:00Z"), "wait", "<bpmn:timeDate", "is not a date"),
    (TIMER.format(kind="timeCycle", text="R/P1D/P2D"), "wait", "<bpmn:timeCycle", "is not a cycle such as"),
    (TIMER.format(kind="timeDuration", text="${sla}"), "wait", "<bpmn:timeDuration", "JUEL"),
    (TIMER.format(kind="timeDuration", text="5"), "wait", "<bpmn:timeDuration", "is not a duration"),
    ('    <bpmn:startEvent id="s">\n      <bpmn:timerEventDefinition>\n        <bpmn:timeCycle>every_week'
     "</bpmn:timeCycle>\n      </bpmn:timerEventDefinition>\n    </bpmn:startEvent>\n",
     "s", "<bpmn:timeCycle", "runs before any variable exists"),
    ('    <bpmn:startEvent id="s">\n      <bpmn:timerEventDefinition />\n    </bpmn:startEvent>\n',
     "s", "<bpmn:timerEventDefinition", "exactly one of timeDate"),
    ('    <bpmn:complexGateway id="cg" />\n', "cg", 'id="cg"', "complex gateways are not supported"),
    ('    <bpmn:subProcess id="sub">\n      <bpmn:task id="inner" />\n    </bpmn:subProcess>\n', "sub",
     'id="sub"', "exactly one start event and an end event (found 0 start and 0 end events)"),
    ('    <bpmn:task id="  " />\n', "p", 'id="  "', "empty id"),
    ('    <bpmn:userTask id="z">\n      <bpmn:extensionElements>\n        <zeebe:assignmentDefinition '
     'xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" assignee="x" />\n      </bpmn:extensionElements>\n'
     "    </bpmn:userTask>\n", "z", "<zeebe:assignmentDefinition", "Camunda 8 extension"),
    ('    <bpmn:userTask id="old" xmlns:activiti="http://activiti.org/bpmn" activiti:assignee="kermit" />\n',
     "old", 'id="old"', "old Activiti namespace"),
])
def test_refused_snippets_name_element_and_line(body: str, element_id: str, needle: str, fragment: str) -> None:
    data = snippet_model(body)
    problems = problems_of(data)
    assert_one(problems, element_id, line_of(data, needle), fragment)


def test_duplicate_ids_point_at_the_second_use() -> None:
    data = snippet_model('    <bpmn:task id="dup" />\n    <bpmn:task id="dup" />\n')
    first = line_of(data, 'id="dup"')
    assert_one(problems_of(data), "dup", first + 1, f"id 'dup' is used twice (first on line {first})")


def test_every_problem_of_a_file_is_listed() -> None:
    data = snippet_model(task("serviceTask", 'camunda:class="A"') + task("scriptTask", 'scriptFormat="groovy"')
                         .replace('id="t1"', 'id="t2"') + '    <bpmn:dataStoreReference id="ds" />\n')
    problems = problems_of(data)
    assert [p.element_id for p in problems] == ["ds", "t1", "t2"]


def test_a_process_without_start_event_is_refused() -> None:
    data = (HEADER + '  <bpmn:process id="p" isExecutable="true">\n    <bpmn:task id="t" />\n'
            "  </bpmn:process>\n</bpmn:definitions>\n").encode()
    assert_one(problems_of(data), "p", line_of(data, 'id="p"'), "the process has no start event")


def test_hash_variable_reference_is_kept_as_dollar_reference() -> None:
    data = snippet_model(task(attrs='camunda:candidateGroups="#{ team }, ops"'))
    [info] = check_bpmn(data, "m.bpmn")
    assert info.user_tasks["t1"].candidate_groups == ["${team}", "ops"]
    assert info.groups == {"ops": ("t1", line_of(data, 'id="t1"'))}


def test_no_executable_process_is_refused() -> None:
    data = snippet_model('    <bpmn:task id="t" />\n', '<bpmn:process id="p" isExecutable="false">')
    [problem] = problems_of(data)
    assert "no executable process" in problem.message
    assert (problem.element_id, problem.line) == ("Definitions_t", 2)


def test_a_dmn_file_is_not_a_bpmn_file() -> None:
    [problem] = problems_of(load("request_priority.dmn"))
    assert "not a BPMN 2.0 file" in problem.message and problem.line == 2


# --------------------------------------------------------------------------- expressions and literals
@pytest.mark.parametrize("source, ok", [
    ("amount > 1000", True), ('category == "hardware"', True), ("", False), ("${approved}", False),
    ("x ==", False), ("__import__('os')", False), ("obj.__class__", False),
])
def test_check_expression(source: str, ok: bool) -> None:
    error = check_expression(source)
    assert error is None if ok else bool(error)


def test_deeply_nested_expression_is_refused_not_crashed() -> None:
    assert check_expression("1" + " + 1" * 20000) == "it is nested too deeply"


@pytest.mark.parametrize("text, kind", [
    ("PT3S", "timeDuration"), ("P2D", "timeDuration"), ("P1DT2H", "timeDuration"), ("P1W", "timeDuration"),
    ("PT1.5H", "timeDuration"), ("P1Y2M3DT4H5M6S", "timeDuration"),
    ("R/P7D", "timeCycle"), ("R3/PT10M", "timeCycle"), ("R/2026-01-01T09:00:00Z/P7D", "timeCycle"),
    ("R2/PT1H/2026-01-01T09:00:00Z", "timeCycle"),
    ("2026-01-01T09:00:00Z", "timeDate"), ("2026-01-01T09:00:00+08:00", "timeDate"), ("2026-01-01", "timeDate"),
    ("P", None), ("PT", None), ("P1H", None), ("PT1D", None), ("P1W2D", None), ("P1.5DT2H", None),
    ("P2D1Y", None), ("R/P1D/P2D", None), ("R/2026-01-01T09:00:00Z", None), ("2026-02-30", None),
    ("response_sla", None), ("0 0 9 ? * FRI", None),
])
def test_iso_literals(text: str, kind: str | None) -> None:
    assert iso_kind(text) == kind


# --------------------------------------------------------------------------- DMN
def test_valid_decision_table() -> None:
    info = check_dmn(load("request_priority.dmn"), "request_priority.dmn")
    assert info.resource == "request_priority.dmn"
    assert info.decision_ids == {"request_priority": "Request priority"}
    assert etree.QName(info.root).localname == "definitions"


def test_dmn_refusals_name_entry_and_line() -> None:
    data = load("refuse_feel_entries.dmn")
    with pytest.raises(DeploymentError) as refused:
        check_dmn(data, "refuse_feel_entries.dmn")
    problems = refused.value.problems
    expected = [
        ("InformationRequirement_level", '<requiredDecision', "requires decision 'approval_level'"),
        ("Input_empty", 'id="Input_empty"', "input column 1 'Region' (id 'Input_empty') has no expression"),
        ("Output_unnamed", 'id="Output_unnamed"', "output column 1 (id 'Output_unnamed') has neither a name"),
        ("DecisionTable_level", 'id="DecisionTable_level"', "hit policy RULE ORDER is not supported"),
        ("UnaryTests_range", 'id="UnaryTests_range"', "write a range as 1 <= ? <= 5"),
        ("UnaryTests_juel", 'id="UnaryTests_juel"', "JUEL"),
        ("LiteralExpression_broken", 'id="LiteralExpression_broken"', "not valid Python"),
    ]
    assert len(problems) == len(expected)
    for element_id, needle, fragment in expected:
        assert_one(problems, element_id, line_of(data, needle), fragment, resource="refuse_feel_entries.dmn")


def test_dmn_doctype_is_refused() -> None:
    data = b'<?xml version="1.0"?>\n<!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/hostname">]>\n<definitions/>'
    with pytest.raises(DeploymentError, match="DOCTYPE is not allowed"):
        check_dmn(data, "x.dmn")


def test_a_bpmn_file_is_not_a_dmn_file() -> None:
    with pytest.raises(DeploymentError, match="not a DMN 1.1–1.3 file"):
        check_dmn(load("valid_request.bpmn"), "valid_request.bpmn")


# --------------------------------------------------------------------------- MIWG corpus
MIWG_FILES = sorted(MIWG.glob("*.bpmn")) if MIWG.is_dir() else []


@pytest.mark.skipif(not MIWG.is_dir(), reason="MIWG corpus not present")
@pytest.mark.parametrize("path", MIWG_FILES, ids=[path.name for path in MIWG_FILES])
def test_miwg_reference_models_are_accepted_or_refused_cleanly(path: Path) -> None:
    try:
        processes = check_bpmn(path.read_bytes(), path.name)
    except DeploymentError as refused:
        assert refused.problems
        for problem in refused.problems:
            assert problem.resource == path.name
            assert problem.element_id and problem.line, problem.message
    else:
        assert processes and all(process.resource == path.name for process in processes)


def test_every_unknown_extension_is_refused_where_it_is() -> None:
    """No extension is accepted and then ignored: each one the engine does not run is named with its line."""
    data = load("refuse_unknown_extensions.bpmn")
    problems = problems_of(data, "refuse_unknown_extensions.bpmn")
    expected = [
        ("refuse_unknown_extensions", "camunda:startableBy=", "camunda:startableBy"),
        ("work", 'acme:color="red"', "namespace http://example.com/acme"),
        ("work", "<spiffworkflow:instructionsForEndUser>", "spiffworkflow:instructionsForEndUser"),
        ("work", "<camunda:failedJobRetryTimeCycle>", "automatic retries are not supported"),
        ("work", '<camunda:in source="a"', "camunda:in maps variables of a call activity"),
        ("work", "<acme:note>", "extension <note>"),
        ("gate", "<spiffworkflow:preScript>", "runs on activities"),
        ("wait_x", 'camunda:expression="1"', "a catching event receives it"),
        ("call", 'camunda:resultVariable="r"', "camunda:resultVariable on a serviceTask"),
    ]
    assert len(problems) == len(expected), [p.message for p in problems]
    for element_id, needle, fragment in expected:
        assert_one(problems, element_id, line_of(data, needle), fragment, resource="refuse_unknown_extensions.bpmn")


def test_the_process_names_its_starters_as_plain_names_and_each_group_must_exist():
    data = snippet_model('    <bpmn:endEvent id="end" />\n', process='<bpmn:process id="p" isExecutable="true" '
                         'camunda:candidateStarterGroups=" sales, project_manager ," '
                         'camunda:candidateStarterUsers="zhangsan">')
    [process] = check_bpmn(data, "model.bpmn")
    assert (process.starter_groups, process.starter_users) == (["sales", "project_manager"], ["zhangsan"])
    assert process.groups["sales"] == ("p", line_of(data, '<bpmn:process id="p"'))  # checked like task groups
    data = snippet_model('    <bpmn:endEvent id="end" />\n', process='<bpmn:process id="p" isExecutable="true" '
                         'camunda:candidateStarterUsers="${initiator}">')
    [problem] = problems_of(data)
    assert problem.element_id == "p" and "JUEL" in problem.message


def test_a_user_task_names_who_must_not_do_it_in_a_property() -> None:
    excluded = ('<camunda:properties><camunda:property name="excludedUsers" value="#{ author }, auditor" />'
                '<camunda:property name="colour" value="blue" /></camunda:properties>')
    [info] = check_bpmn(snippet_model(task(attrs='camunda:candidateGroups="ops"', inner=EXT.format(excluded))), "m.bpmn")
    assert info.user_tasks["t1"].excluded_users == ["${author}", "auditor"]
    data = snippet_model(task(inner=EXT.format('<camunda:properties><camunda:property name="excludedUsers" '
                                               'value="${author.boss()}" /></camunda:properties>')))
    assert_one(problems_of(data), "t1", line_of(data, 'id="t1"'), "excludedUsers", "only plain names")


def test_is_startable_in_tasklist_is_read_and_must_be_a_boolean() -> None:
    [info] = check_bpmn(snippet_model(task(), '<bpmn:process id="p" isExecutable="true" '
                                              'camunda:isStartableInTasklist="false">'), "m.bpmn")
    assert info.startable_directly is False
    data = snippet_model(task(), '<bpmn:process id="p" isExecutable="true" camunda:isStartableInTasklist="no">')
    assert_one(problems_of(data), "p", line_of(data, 'id="p"'), "isStartableInTasklist", "true or false")
