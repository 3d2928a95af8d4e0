"""Every extension a model carries either runs with its documented meaning or is refused here.

Camunda Modeler, bpmn.io and SpiffWorkflow's editor write vendor extensions
(extension elements and attributes in their own namespaces). An extension the
engine silently skipped would make the process do something its owner never
drew, so each one is looked up in an explicit list: supported (and run by
``app.engine``), accepted because it only documents or decorates the model,
or refused with the element and line. Anything not listed is refused.
"""
from __future__ import annotations

from lxml import etree

from app import activity_io
from app.modelcheck.xml import (BPMN_NS, CAMUNDA_NS, ZEEBE_NS, Problems, check_expression, check_script,
                                local_name, namespace, quote_short, tag)

SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"

#: namespaces whose attributes only decorate the diagram (bpmn.io and OMG colours) or type XML (xsi:type)
DECORATION_NAMESPACES = frozenset((
    XSI_NS, "http://bpmn.io/schema/bpmn/biocolor/1.0", "http://www.omg.org/spec/BPMN/non-normative/color/1.0",
))

#: camunda: attributes with a meaning this engine gives them (checked where they are read)
CAMUNDA_SUPPORTED = frozenset((
    "candidateGroups", "candidateUsers", "assignee", "dueDate", "followUpDate", "priority", "formRef", "formKey",
    "type", "topic", "decisionRef", "resultVariable", "mapDecisionResult", "collection", "elementVariable",
    "expression", "candidateStarterGroups", "candidateStarterUsers", "isStartableInTasklist",
    # refused with their own message in rules.py (Java, CMMN, script files)
    "class", "delegateExpression", "caseRef", "caseBinding", "caseVersion", "caseTenantId", "resource",
))

#: camunda: attributes accepted although nothing reads them, and why that is harmless
CAMUNDA_HARMLESS = {
    "modelerTemplate": "Modeler element template: editor metadata",
    "modelerTemplateVersion": "Modeler element template: editor metadata",
    "modelerTemplateIcon": "Modeler element template: editor metadata",
    "versionTag": "a label on the process version",
    "historyTimeToLive": "history cleanup hint; history is kept here",
    "jobPriority": "job executor ordering hint",
    "taskPriority": "external task ordering hint",
    "asyncBefore": "transaction boundary: every step already commits on its own and a failure becomes an incident",
    "asyncAfter": "transaction boundary: every step already commits on its own and a failure becomes an incident",
    "async": "transaction boundary (old name of asyncBefore)",
    "exclusive": "job executor setting for asynchronous continuations",
}

#: camunda: attributes accepted with these values only (what the engine does anyway)
CAMUNDA_FIXED = {"formRefBinding": ("latest", "deployment"), "decisionRefBinding": ("latest",),
                 "calledElementBinding": ("latest",)}

#: camunda: extension elements with a meaning here, or read by another check
_CAMUNDA_ELEMENTS = frozenset(("formData", "properties", "inputOutput", "in", "out"))
_ACTIVITIES = frozenset(("task", "userTask", "manualTask", "scriptTask", "businessRuleTask", "serviceTask",
                         "sendTask", "callActivity", "subProcess", "transaction"))


def check_attributes(element: etree._Element, problems: Problems) -> None:
    """Foreign attributes on a BPMN element of an executable process."""
    for qualified, value in element.attrib.items():
        qname = etree.QName(qualified)
        ns, name = qname.namespace, qname.localname
        if ns is None or ns == BPMN_NS or ns in DECORATION_NAMESPACES:
            continue
        if ns == CAMUNDA_NS:
            _check_camunda_attribute(element, name, value, problems)
        elif ns == SPIFF_NS:
            problems.add(element, f"spiffworkflow:{name} is not supported by this engine")
        elif ns == ZEEBE_NS:
            problems.add(element, f"zeebe:{name} is a Camunda 8 extension; this engine reads Camunda 7 "
                         "extensions (camunda:...)")
        else:
            problems.add(element, f"attribute {name} in namespace {ns} is not understood by this engine")


_PROCESS_ONLY = ("candidateStarterGroups", "candidateStarterUsers")
_RESULT_OWNERS = ("businessRuleTask", "messageEventDefinition", "scriptTask")  # scriptTask: refused in rules.py
DECISION_RESULT_MAPPINGS = ("singleEntry", "singleResult", "collectEntries", "resultList")


def _check_camunda_attribute(element: etree._Element, name: str, value: str, problems: Problems) -> None:
    if name == "resultVariable" and local_name(element) not in _RESULT_OWNERS:
        problems.add(element, f"camunda:resultVariable on a {local_name(element)} is not supported (it is on "
                     "business rule tasks and message events)")
    elif name == "mapDecisionResult" and (local_name(element) != "businessRuleTask"
                                          or value.strip() not in DECISION_RESULT_MAPPINGS):
        problems.add(element, f"camunda:mapDecisionResult={quote_short(value)} must be one of "
                     f"{', '.join(DECISION_RESULT_MAPPINGS)} on a business rule task")
    if name in _PROCESS_ONLY and local_name(element) != "process":
        problems.add(element, f"camunda:{name} belongs on the process (who may start it), not on a "
                     f"{local_name(element)}")
    if name in CAMUNDA_SUPPORTED or name in CAMUNDA_HARMLESS:
        return
    if name in CAMUNDA_FIXED:
        if value.strip() not in CAMUNDA_FIXED[name]:
            problems.add(element, f"camunda:{name}={quote_short(value)} is not supported; the latest deployed "
                         "version is always used")
        return
    problems.add(element, f"camunda:{name} is not supported by this engine")


def check_extension_element(element: etree._Element, problems: Problems) -> bool:
    """An extension element (child of extensionElements); True: its content is checked (do not descend)."""
    ns, name = namespace(element), local_name(element)
    if ns == SPIFF_NS:
        _check_spiff_element(element, name, problems)
        return True
    if ns == CAMUNDA_NS and name in _CAMUNDA_ELEMENTS:
        _check_camunda_element(element, name, problems)
        return name != "formData"
    if ns not in (CAMUNDA_NS, ZEEBE_NS):
        problems.add(element, f"extension <{name}> in namespace {ns} is not understood by this engine")
        return True
    return False  # camunda: and zeebe: elements with their own rules (rules.py)


def _activity(extension: etree._Element) -> etree._Element:
    """The BPMN element whose extensionElements hold ``extension``."""
    return extension.getparent().getparent()


def _looped(activity: etree._Element) -> bool:
    return any(activity.find(tag(BPMN_NS, loop)) is not None
               for loop in ("multiInstanceLoopCharacteristics", "standardLoopCharacteristics"))


def _check_spiff_element(element: etree._Element, name: str, problems: Problems) -> None:
    if name not in ("preScript", "postScript"):
        problems.add(element, f"spiffworkflow:{name} is not supported by this engine "
                     "(spiffworkflow:preScript and postScript are)")
        return
    owner = _activity(element)
    if local_name(owner) not in _ACTIVITIES or namespace(owner) != BPMN_NS:
        problems.add(element, f"spiffworkflow:{name} runs on activities (tasks, sub-processes, call activities), "
                     f"not on a {local_name(owner)}")
    elif _looped(owner):
        problems.add(element, f"spiffworkflow:{name} on a looping or multi-instance activity is not supported")
    elif (element.text or "").strip():
        error = check_script(element.text)
        if error is not None:
            problems.add(element, f"the {name} is not valid sandboxed Python: {error}")


def _check_camunda_element(element: etree._Element, name: str, problems: Problems) -> None:
    owner = _activity(element)
    if name == "inputOutput":
        if local_name(owner) not in _ACTIVITIES:
            problems.add(element, f"camunda:inputOutput is supported on activities, not on a {local_name(owner)}")
        elif _looped(owner):
            problems.add(element, "camunda:inputOutput on a looping or multi-instance activity is not supported")
        else:
            try:
                activity_io.read_parameters(owner)
            except activity_io.ParameterError as exc:
                problems.add(exc.element, str(exc))
    elif name in ("in", "out"):
        _check_call_mapping(element, name, owner, problems)


def _check_call_mapping(element: etree._Element, name: str, owner: etree._Element, problems: Problems) -> None:
    if local_name(owner) != "callActivity":
        problems.add(element, f"camunda:{name} maps variables of a call activity, not of a {local_name(owner)}")
        return
    if element.get("businessKey") is not None:
        problems.add(element, "passing the business key (camunda:in businessKey) is not supported")
    elif (element.get("local") or "false").strip() != "false":
        problems.add(element, f"camunda:{name} local=\"true\" is not supported (there are no local variables)")
    elif (element.get("variables") or "").strip() == "all":
        return
    elif element.get("variables") is not None:
        problems.add(element, f"camunda:{name} variables={quote_short(element.get('variables'))}: only \"all\"")
    elif element.get("source") is None and element.get("sourceExpression") is None:
        problems.add(element, f"camunda:{name} needs source, sourceExpression or variables=\"all\"")
    elif not (element.get("target") or "").strip():
        problems.add(element, f"camunda:{name} needs a target variable")
    elif element.get("sourceExpression") is not None:
        source = activity_io.python_of(element.get("sourceExpression"))
        error = check_expression(source)
        if error is not None:
            problems.add(element, f"sourceExpression {quote_short(source)} is not a valid Python expression: {error}")
