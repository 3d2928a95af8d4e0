"""Rules over the shape of a process: what no token can reach, and messages that name nothing.

SpiffWorkflow builds a process from its start event along the sequence flows;
an element no flow leads to is silently never run, which is never what its
owner drew. Each container (the process, every sub-process) is walked from its
own start events, so a forgotten flow is reported where it is missing.
"""
from __future__ import annotations

from typing import Iterator, Optional

from lxml import etree

from app.modelcheck.xml import BPMN_NS, Problems, local_name, tag

#: Nodes a token can stand on; sequence flows connect them.
FLOW_NODES = frozenset((
    "task", "userTask", "manualTask", "serviceTask", "sendTask", "receiveTask", "scriptTask",
    "businessRuleTask", "callActivity", "subProcess", "transaction", "adHocSubProcess",
    "startEvent", "endEvent", "intermediateCatchEvent", "intermediateThrowEvent", "boundaryEvent",
    "exclusiveGateway", "inclusiveGateway", "parallelGateway", "eventBasedGateway", "complexGateway",
))
_CONTAINERS = ("process", "subProcess", "transaction")
#: Elements refused on their own (link events, compensation): not reported twice.
_REFUSED_DEFINITIONS = ("linkEventDefinition", "compensateEventDefinition")
_CATCHING = ("startEvent", "intermediateCatchEvent", "boundaryEvent")


def check_reachable(process: etree._Element, problems: Problems) -> None:
    """Refuse every flow node of ``process`` (and of its sub-processes) no start event leads to."""
    for container in _containers(process):
        nodes = {(node.get("id") or "").strip(): node for node in container
                 if isinstance(node.tag, str) and local_name(node) in FLOW_NODES and (node.get("id") or "").strip()}
        reached = _walk(container, nodes)
        for node_id, node in nodes.items():
            if node_id not in reached and not _exempt(node):
                problems.add(node, f"no path from a start event reaches this {local_name(node)}; "
                             "connect it with a sequence flow or remove it")


def _containers(process: etree._Element) -> Iterator[etree._Element]:
    yield process
    for name in _CONTAINERS[1:]:
        yield from process.iter(tag(BPMN_NS, name))


def _walk(container: etree._Element, nodes: dict[str, etree._Element]) -> set[str]:
    """Ids reached from the container's start events (and event sub-processes) along its flows."""
    targets: dict[str, list[str]] = {}
    for flow in container.iterfind(tag(BPMN_NS, "sequenceFlow")):
        source, target = (flow.get("sourceRef") or "").strip(), (flow.get("targetRef") or "").strip()
        targets.setdefault(source, []).append(target)
    attached: dict[str, list[str]] = {}
    for node_id, node in nodes.items():
        if local_name(node) == "boundaryEvent":
            attached.setdefault((node.get("attachedToRef") or "").strip(), []).append(node_id)
    queue = [node_id for node_id, node in nodes.items()
             if local_name(node) == "startEvent" or _is_event_sub_process(node)]
    reached: set[str] = set()
    while queue:
        current = queue.pop()
        if current in reached or current not in nodes:
            continue
        reached.add(current)
        queue.extend(targets.get(current, ()))
        queue.extend(attached.get(current, ()))
    return reached


def _is_event_sub_process(node: etree._Element) -> bool:
    return local_name(node) == "subProcess" and (node.get("triggeredByEvent") or "").strip() == "true"


def _exempt(node: etree._Element) -> bool:
    """Compensation handlers and refused link/compensation events have their own rule."""
    if (node.get("isForCompensation") or "").strip() == "true":
        return True
    return any(node.find(tag(BPMN_NS, name)) is not None for name in _REFUSED_DEFINITIONS)


def message_name(definition: etree._Element, root: etree._Element, problems: Problems) -> Optional[str]:
    """The name of the message a ``messageEventDefinition`` or receive/send task refers to.

    A messageRef that names no ``<message>`` of the file, or a message without
    a name, is refused: SpiffWorkflow would wait for (or send) nothing.
    """
    reference = (definition.get("messageRef") or "").strip()
    owner = definition if local_name(definition) in ("receiveTask", "sendTask") else definition.getparent()
    if not reference:
        if local_name(definition) == "sendTask":
            return None  # a send task may call a handler instead
        problems.add(definition, f"this {local_name(owner)} names no message (messageRef); pick the message "
                     "it waits for or sends")
        return None
    message = next((m for m in root.iterfind(tag(BPMN_NS, "message")) if (m.get("id") or "").strip() == reference),
                   None)
    if message is None:
        problems.add(definition, f"unknown message '{reference}': the file defines no <message> with this id")
        return None
    name = (message.get("name") or "").strip()
    if not name:
        problems.add(message, "this message has no name; messages are correlated by name")
        return None
    return name


def is_catching(definition: etree._Element) -> bool:
    """Whether the message element waits for a message (rather than sending one)."""
    if local_name(definition) == "receiveTask":
        return True
    return local_name(definition.getparent()) in _CATCHING


def caught_messages(root: etree._Element) -> set[str]:
    """Names of the messages the executable processes of a deployed BPMN file wait for."""
    names: dict[str, str] = {(m.get("id") or "").strip(): (m.get("name") or "").strip()
                             for m in root.iterfind(tag(BPMN_NS, "message"))}
    waiting = set()
    for process in root.iterfind(tag(BPMN_NS, "process")):
        if (process.get("isExecutable") or "true").strip() == "false":
            continue
        for element in process.iter(tag(BPMN_NS, "messageEventDefinition"), tag(BPMN_NS, "receiveTask")):
            if is_catching(element) and names.get((element.get("messageRef") or "").strip()):
                waiting.add(names[(element.get("messageRef") or "").strip()])
    return waiting
