"""What a model may ask of this engine, refused element by element in plain words.

Camunda Modeler happily writes things only a Java engine can run: delegate
classes, JUEL, listeners, connectors, Groovy scripts, CMMN calls. SpiffWorkflow
would either crash on them (often with a bare ``KeyError``) or silently skip
them, and the process would then do something its owner never drew. Each such
construct is refused at deployment, naming the element, the line and what to
write instead.
"""
from __future__ import annotations

import ast
import re
from typing import Optional

from lxml import etree

from app.modelcheck.extensions import check_attributes, check_extension_element
from app.modelcheck.xml import (BPMN_NS, CAMUNDA_NS, ZEEBE_NS, Problems, camunda, check_expression,
                           check_script, has_juel, is_standard, local_name, namespace, quote_short, tag)

ACTIVITI_NS = "http://activiti.org/bpmn"
HANDLER_HINT = 'service tasks must name a handler: camunda:type="external" camunda:topic="handler-name"'

#: BPMN elements that must carry an id for the engine to address them.
FLOW_ELEMENTS = frozenset((
    "task", "userTask", "manualTask", "serviceTask", "sendTask", "receiveTask", "scriptTask",
    "businessRuleTask", "callActivity", "subProcess", "transaction", "adHocSubProcess",
    "startEvent", "endEvent", "intermediateCatchEvent", "intermediateThrowEvent", "boundaryEvent",
    "exclusiveGateway", "inclusiveGateway", "parallelGateway", "eventBasedGateway", "complexGateway",
    "sequenceFlow",
))

_UNSUPPORTED_BPMN = {
    "complexGateway": "complex gateways are not supported; use an inclusive or exclusive gateway with conditions",
    "linkEventDefinition": "link events are not supported; draw the sequence flow instead",
    "compensateEventDefinition": "compensation events are not supported; model the undo steps explicitly",
    "conditionalEventDefinition": "conditional events are not supported: the condition is read once, when the "
                                  "token arrives, and never again; route with a gateway, or wait for a message "
                                  "or a timer",
}

_UNSUPPORTED_CAMUNDA = {
    "connector": "connectors are not supported; " + HANDLER_HINT,
    "failedJobRetryTimeCycle": "automatic retries are not supported; an incident is retried with "
                               "PUT /job/{id}/retries",
    "field": "field injection (camunda:field) only configures Java classes, which cannot run here",
    "errorEventDefinition": "error definitions on external tasks (camunda:errorEventDefinition) are not "
                            "supported; let the handler raise the BPMN error",
}

#: camunda: extension elements read elsewhere (forms) or pure metadata: not checked here.
_READ_ELSEWHERE = frozenset(("formData", "properties"))

#: camunda: attributes with their own rule; any other one must not hold JUEL.
_OWN_RULE = frozenset((
    "class", "delegateExpression", "expression", "caseRef", "resource", "type", "topic",
    "decisionRef", "candidateGroups", "candidateUsers", "assignee", "dueDate", "followUpDate",
    "priority", "formRef", "formKey", "collection", "elementVariable",
))

_JAVA = {
    "class": "Java classes (camunda:class)",
    "delegateExpression": "Java delegate expressions (camunda:delegateExpression)",
    "expression": "JUEL/Java expressions (camunda:expression)",
}

_LANGUAGES = {"javascript": "JavaScript", "js": "JavaScript", "ecmascript": "JavaScript",
              "groovy": "Groovy", "juel": "JUEL", "python": "Python", "ruby": "Ruby", "jython": "Jython"}

_NAME_OR_REFERENCE = re.compile(r"\s*(?:\$\{\s*([A-Za-z_]\w*)\s*\}|([A-Za-z_]\w*))\s*")

_EXPRESSIONS = {"conditionExpression": "condition", "condition": "condition",
                "loopCardinality": "loop cardinality", "completionCondition": "completion condition",
                "loopCondition": "loop condition"}


def check_document(root: etree._Element, problems: Problems) -> None:
    """Whole-file rules: ids are present, unique and blank-free; no data stores anywhere.

    Only standard (OMG: BPMN, DMN and their diagram interchange) elements are
    considered: vendor metadata may repeat ids, and a Camunda form field's id
    is a variable name that several tasks rightly share.
    """
    seen: dict[str, int] = {}
    for element in root.iter(tag=etree.Element):
        value = element.get("id")
        if value is None or not is_standard(element):
            continue
        if not value.strip():
            problems.add(element, f"a {local_name(element)} has an empty id")
        elif value != value.strip() or len(value.split()) > 1:
            problems.add(element, f"id {quote_short(value)} contains spaces")
        elif value in seen:
            problems.add(element, f"id '{value}' is used twice (first on line {seen[value]})")
        else:
            seen[value] = element.sourceline
    for element in root.iter(tag(BPMN_NS, "dataStore"), tag(BPMN_NS, "dataStoreReference")):
        problems.add(element, "data stores are not supported; keep the data in process variables")
    activiti = next((element for element in root.iter(tag=etree.Element) if namespace(element) == ACTIVITI_NS
                     or any(etree.QName(name).namespace == ACTIVITI_NS for name in element.attrib)), None)
    if activiti is not None:
        problems.add(activiti, f"the file uses the old Activiti namespace ({ACTIVITI_NS}), which this engine "
                     f"does not read; open and save it in Camunda Modeler to get {CAMUNDA_NS}")


def check_element(element: etree._Element, problems: Problems) -> bool:
    """Refusals for one element of an executable process; True means: do not look inside it."""
    element_ns, name = namespace(element), local_name(element)
    if element_ns == ZEEBE_NS:
        problems.add(element, f"zeebe:{name} is a Camunda 8 extension; this engine reads Camunda 7 "
                     "extensions (camunda:...)")
        return True
    parent = element.getparent()
    if (element_ns != BPMN_NS and parent is not None and local_name(parent) == "extensionElements"
            and check_extension_element(element, problems)):
        return True
    if element_ns == CAMUNDA_NS:
        return _check_camunda_element(element, name, problems)
    if element_ns != BPMN_NS:
        problems.add(element, f"<{name}> in namespace {element_ns} is not understood by this engine")
        return True
    if name in FLOW_ELEMENTS and element.get("id") is None:
        problems.add(element, f"this {name} has no id")
    _check_camunda_attributes(element, problems)
    check_attributes(element, problems)
    if name in _UNSUPPORTED_BPMN:
        problems.add(element, _UNSUPPORTED_BPMN[name])
        return True
    if name in ("process", "subProcess", "transaction", "adHocSubProcess"):
        _check_start_and_end(element, name, problems)
    elif name in _EXPRESSIONS:
        check_condition(element, _EXPRESSIONS[name], problems)
    elif name == "scriptTask":
        check_script_task(element, problems)
    elif name == "multiInstanceLoopCharacteristics":
        _check_multi_instance(element, problems)
    elif name == "standardLoopCharacteristics":
        if element.get("loopMaximum") is None and element.find(tag(BPMN_NS, "loopCondition")) is None:
            problems.add(element, "a loop needs a loopCondition or a loopMaximum, or it never ends")
    return False


def _check_multi_instance(element: etree._Element, problems: Problems) -> None:
    """What to repeat over: a cardinality, a standard loopDataInputRef or a Camunda collection.

    The engine reads the standard form only, so Camunda's ``camunda:collection``
    (``reviewers`` or ``${reviewers}``) and ``camunda:elementVariable`` are
    normalised in place into ``loopDataInputRef`` and ``inputDataItem``, as
    timers are: one runtime meaning for both dialects.
    """
    collection = camunda(element, "collection")
    if collection is not None:
        match = _NAME_OR_REFERENCE.fullmatch(collection)
        if match is None:
            problems.add(element, f"camunda:collection {quote_short(collection)} must name a list variable "
                         "(reviewers or ${reviewers})")
        elif element.find(tag(BPMN_NS, "loopDataInputRef")) is None:
            _append(element, "loopDataInputRef").text = match.group(1) or match.group(2)
    variable = camunda(element, "elementVariable")
    if variable is not None and not variable.strip().isidentifier():
        problems.add(element, f"camunda:elementVariable {quote_short(variable)} must be a variable name")
    elif variable is not None and element.find(tag(BPMN_NS, "inputDataItem")) is None:
        item = _append(element, "inputDataItem")
        item.set("id", variable.strip())
        item.set("name", variable.strip())
    has_cardinality = element.find(tag(BPMN_NS, "loopCardinality")) is not None
    has_input = element.find(tag(BPMN_NS, "loopDataInputRef")) is not None
    if has_cardinality and has_input:
        problems.add(element, "a multi-instance activity repeats either a loop cardinality or over a "
                     "collection (loopDataInputRef, camunda:collection), not both")
    elif not (has_cardinality or has_input or _has_zeebe(element, "loopCharacteristics")):
        problems.add(element, "a multi-instance activity needs a loop cardinality, a loopDataInputRef "
                     "or camunda:collection")


def _append(element: etree._Element, name: str) -> etree._Element:
    child = etree.SubElement(element, tag(BPMN_NS, name))
    child.sourceline = element.sourceline  # problems found later point at the element the owner wrote
    return child


def _check_start_and_end(container: etree._Element, name: str, problems: Problems) -> None:
    """Where a run begins and ends: the engine needs this before it can build the process."""
    starts = len(container.findall(tag(BPMN_NS, "startEvent")))
    ends = len(container.findall(tag(BPMN_NS, "endEvent")))
    if name == "process" and not starts:
        problems.add(container, "the process has no start event")
    elif name == "adHocSubProcess" and (starts or ends):
        problems.add(container, "an ad-hoc sub-process cannot contain start or end events")
    elif name in ("subProcess", "transaction") and (starts != 1 or not ends):
        problems.add(container, f"a sub-process needs exactly one start event and an end event "
                     f"(found {starts} start and {ends} end events)")


def _check_camunda_element(element: etree._Element, name: str, problems: Problems) -> bool:
    if name in _READ_ELSEWHERE:
        return True
    if name in ("executionListener", "taskListener"):
        problems.add(element, _listener_message(element, name))
        return True
    if name in _UNSUPPORTED_CAMUNDA:
        problems.add(element, _UNSUPPORTED_CAMUNDA[name])
        return True
    problems.add(element, f"camunda:{name} is not supported by this engine")
    return True


def _listener_message(element: etree._Element, name: str) -> str:
    kind = "execution listeners" if name == "executionListener" else "task listeners"
    script = element.find(tag(CAMUNDA_NS, "script"))
    if script is not None:
        language = (script.get("scriptFormat") or "").strip()
        what = f"a {_LANGUAGES.get(language.lower(), language or 'script')} script listener"
    elif element.get("class"):
        what = f"Java class {element.get('class')}"
    elif element.get("delegateExpression") or element.get("expression"):
        what = "a Java expression"
    else:
        what = "a listener"
    return (f"{kind} are not run by this engine (this one is {what}); put the logic in a "
            "Python script task or a service task handler")


def _check_camunda_attributes(element: etree._Element, problems: Problems) -> None:
    payload = local_name(element) == "messageEventDefinition"
    if payload and camunda(element, "expression") is not None:
        _check_payload(element, camunda(element, "expression") or "", problems)
    java = [label for attribute, label in _JAVA.items()
            if camunda(element, attribute) is not None and not (payload and attribute == "expression")]
    if java:
        problems.add(element, f"{' and '.join(java)} cannot run here; {HANDLER_HINT}")
    if camunda(element, "caseRef") is not None:
        problems.add(element, "CMMN cases cannot be called (camunda:caseRef); call a BPMN process "
                     "with calledElement instead")
    if camunda(element, "resource") is not None:
        problems.add(element, "external script files (camunda:resource) are not supported; "
                     "write the Python inline")
    for qualified, value in element.attrib.items():
        qname = etree.QName(qualified)
        if qname.namespace == CAMUNDA_NS and qname.localname not in _OWN_RULE and has_juel(value):
            problems.add(element, f"camunda:{qname.localname} {quote_short(value)} is a JUEL expression, "
                         "which cannot run here")


def _check_payload(definition: etree._Element, text: str, problems: Problems) -> None:
    """``camunda:expression`` on a message event definition: the message payload, a Python expression."""
    if local_name(definition.getparent()) not in ("intermediateThrowEvent", "endEvent"):
        problems.add(definition, "a message payload (camunda:expression) is sent by throwing events; "
                     "a catching event receives it")
        return
    error = check_expression(text)
    if error is None:
        return
    inner = text.strip()[2:-1].strip() if text.strip()[:2] in ("${", "#{") and text.strip().endswith("}") else ""
    hint = f", e.g. {inner}" if inner and check_expression(inner) is None else ""
    problems.add(definition, f"message payload {quote_short(text)} must be a Python expression{hint}: {error}")


def _has_zeebe(element: etree._Element, name: str) -> bool:
    """Whether a Camunda 8 extension (refused on its own) stands in for a Camunda 7 attribute."""
    return element.find(f"{tag(BPMN_NS, 'extensionElements')}/{tag(ZEEBE_NS, name)}") is not None


def service_topic(task: etree._Element, problems: Problems) -> Optional[str]:
    """The handler topic of a ``serviceTask``/``sendTask``, or None after recording why not."""
    task_type, topic = camunda(task, "type"), (camunda(task, "topic") or "").strip()
    if any(camunda(task, attribute) is not None for attribute in _JAVA):
        return None  # already refused as a Java delegate
    if _has_zeebe(task, "taskDefinition"):
        return None  # already refused as a Camunda 8 extension
    if task_type != "external" or not topic:
        problems.add(task, HANDLER_HINT)
        return None
    if has_juel(topic):
        problems.add(task, f"camunda:topic {quote_short(topic)} must name a handler, not compute one")
        return None
    return topic


def decision_ref(task: etree._Element, problems: Problems) -> Optional[str]:
    """The DMN decision id a ``businessRuleTask`` evaluates, or None after recording why not."""
    reference = (camunda(task, "decisionRef") or "").strip()
    if any(camunda(task, attribute) is not None for attribute in _JAVA) or _has_zeebe(task, "calledDecision"):
        return None  # already refused as a Java delegate or a Camunda 8 extension
    if not reference:
        problems.add(task, "a business rule task must name its DMN decision in camunda:decisionRef")
        return None
    if has_juel(reference):
        problems.add(task, f"camunda:decisionRef {quote_short(reference)} must name a decision, "
                     "not compute it (${...})")
        return None
    return reference


def called_element(activity: etree._Element, problems: Problems) -> Optional[str]:
    """The process key a ``callActivity`` starts, or None after recording why not."""
    if camunda(activity, "caseRef") is not None:
        return None  # already refused as a CMMN call
    called = (activity.get("calledElement") or "").strip()
    if not called:
        problems.add(activity, "a call activity must name the process it calls in calledElement")
        return None
    if has_juel(called):
        problems.add(activity, f"calledElement {quote_short(called)} must name a process, not compute it")
        return None
    return called


def check_condition(element: etree._Element, what: str, problems: Problems) -> None:
    """A condition or loop expression must be a sandboxed Python expression."""
    language = (element.get("language") or "").strip()
    if camunda(element, "resource") is not None:
        return  # already refused as an external script
    if language and language.lower() != "python":
        problems.add(element, f"{what} language {quote_short(language)} is not supported; "
                     f"{what}s are Python expressions")
        return
    text = (element.text or "").strip()
    if not text:
        problems.add(element, f"the {what} is empty")
        return
    error = check_expression(text)
    if error is None:
        return
    if text.startswith("="):
        problems.add(element, f"{what} {quote_short(text)} is a FEEL expression (Camunda 8); "
                     f"{what}s are Python expressions here")
        return
    if has_juel(text):
        inner = text[2:-1].strip() if text[:2] in ("${", "#{") and text.endswith("}") else ""
        hint = f", e.g. {inner}" if inner and check_expression(inner) is None else ""
        problems.add(element, f"{what} {quote_short(text)} is a JUEL expression; {what}s are "
                     f"Python expressions here{hint}")
        return
    problems.add(element, f"{what} {quote_short(text)} is not valid Python: {error}")


def check_script_task(task: etree._Element, problems: Problems) -> None:
    """Script tasks run inline Python in the sandbox, nothing else."""
    script_format = (task.get("scriptFormat") or "").strip()
    if script_format and script_format.lower() != "python":
        name = _LANGUAGES.get(script_format.lower(), script_format)
        problems.add(task, f"{name} scripts are not supported; scripts must be Python (scriptFormat=\"python\")")
        return
    if camunda(task, "resultVariable") is not None:
        problems.add(task, "camunda:resultVariable is not supported for scripts; assign the variable "
                     "in the script (name = value)")
    script = task.find(tag(BPMN_NS, "script"))
    text = script.text if script is not None and script.text else ""
    if not text.strip() or camunda(task, "resource") is not None:
        return
    if text.strip().startswith(("${", "#{")):
        problems.add(script, f"the script {quote_short(text)} is a JUEL expression; scripts are Python")
        return
    error = check_script(text)
    if error is not None:
        problems.add(script, f"the script is not valid sandboxed Python: {error}")
        return
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            problems.add(script, f"scripts cannot import modules (script line {node.lineno})")
            return
