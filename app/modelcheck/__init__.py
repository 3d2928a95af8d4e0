"""Read and check BPMN/DMN models before they are deployed.

Deployment refuses a model up front, listing every problem with its element
id and line, rather than letting SpiffWorkflow fail later on a running
ticket. What the rest of the service needs from a model (user tasks, handler
topics, decisions, forms, groups, timer starts) is read here in the same pass,
so the deployment can check that every reference exists and the inbox never
re-parses XML. Only ``app.engine`` imports SpiffWorkflow; this module uses lxml.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

from lxml import etree

from app.errors import DeploymentError, ModelError
from app.modelcheck.coverage import Choice, Domain, inline_field_domain, merge
from app.modelcheck.dmn import DecisionInfo, check_dmn
from app.modelcheck.graph import check_reachable, is_catching, message_name
from app.modelcheck.rules import (called_element, check_document, check_element, decision_ref,
                             service_topic)
from app.modelcheck.tasks import UserTaskInfo, read_form, read_starters, read_user_task
from app.modelcheck.timers import check_timer
from app.modelcheck.xml import (BPMN_NS, Problems, camunda, check_expression, local_name, namespace, parse_xml,
                                quote_short, tag)

__all__ = ["DecisionInfo", "ProcessInfo", "UserTaskInfo", "check_bpmn", "check_dmn",
           "check_expression", "parse_xml", "read_bpmn"]

Where = tuple[str, int]  # (element id, line) of the first element that uses a name


@dataclass
class ProcessInfo:
    """One executable process of a BPMN file, with everything deployment must verify."""

    key: str
    name: str
    resource: str
    line: int
    root: etree._Element            # normalised <definitions> to hand to the engine (shared per file)
    start_form_ref: Optional[str] = None
    start_form_key: Optional[str] = None
    start_form_fields: list[dict] = field(default_factory=list)
    start_form_file: Optional[str] = None
    user_tasks: dict[str, UserTaskInfo] = field(default_factory=dict)
    decision_refs: dict[str, Where] = field(default_factory=dict)     # DMN decision id -> where
    topics: dict[str, Where] = field(default_factory=dict)            # handler topic -> where
    form_refs: dict[str, Where] = field(default_factory=dict)         # Camunda Form id (formRef) -> where
    form_files: dict[str, Where] = field(default_factory=dict)        # NAME.form (formKey) -> where
    groups: dict[str, Where] = field(default_factory=dict)            # static candidate group -> where
    starter_groups: list[str] = field(default_factory=list)           # camunda:candidateStarterGroups
    starter_users: list[str] = field(default_factory=list)            # camunda:candidateStarterUsers
    startable_directly: bool = True                                   # camunda:isStartableInTasklist
    called_processes: dict[str, Where] = field(default_factory=dict)  # callActivity calledElement -> where
    timer_starts: list[tuple[str, str, str]] = field(default_factory=list)  # (element id, kind, Python expr)
    thrown_messages: dict[str, Where] = field(default_factory=dict)   # message name sent -> where
    caught_messages: set[str] = field(default_factory=set)            # message names waited for
    choices: list[Choice] = field(default_factory=list)               # gateways that may find no way out
    field_domains: dict[str, Optional[Domain]] = field(default_factory=dict)  # inline form field -> its values
    warnings: list[ModelError] = field(default_factory=list)          # deploys, but the owner should know

    @property
    def has_timer_start(self) -> bool:
        return bool(self.timer_starts)


def check_bpmn(data: bytes, resource: str) -> list[ProcessInfo]:
    """The executable processes of a BPMN file; DeploymentError lists every problem found.

    The tree parsed here belongs to this call, so it is normalised in place
    (bare ISO-8601 timer values quoted for the Python evaluator) and handed
    out as ``root``; the caller stores ``data`` itself, untouched.
    """
    processes, problems = read_bpmn(data, resource)
    if problems:
        raise DeploymentError(problems)
    return processes


def read_bpmn(data: bytes, resource: str) -> tuple[list[ProcessInfo], list[ModelError]]:
    """The executable processes of a BPMN file as far as they could be read, and every problem found.

    A deployment goes on to check what the processes refer to even when the
    file has problems, so its owner sees all of them at once; only a file that
    is no BPMN at all (DeploymentError) has nothing to read.
    """
    try:
        root = parse_xml(data, resource)
    except ModelError as exc:
        raise DeploymentError([exc]) from None
    problems = Problems(resource)
    if root.tag != tag(BPMN_NS, "definitions"):
        problems.add(root, f"this is not a BPMN 2.0 file (its root element is <{local_name(root)}>)")
        raise DeploymentError(problems.items)
    check_document(root, problems)
    processes = []
    for process in root.iterfind(tag(BPMN_NS, "process")):
        executable = (process.get("isExecutable") or "true").strip()
        if executable == "false":
            continue  # descriptive only: Camunda skips it too
        if executable != "true":
            problems.add(process, f"isExecutable must be true or false, not {executable!r}")
            continue
        first_warning = len(problems.warnings)
        info = _ProcessReader(process, root, problems).read()
        info.warnings = problems.warnings[first_warning:]
        processes.append(info)
    if not processes:
        problems.add(root, "no executable process: mark the process executable "
                     "(isExecutable=\"true\") to deploy it")
    return processes, problems.items


class _ProcessReader:
    """Walks one executable process once, refusing what cannot run and noting what it uses."""

    def __init__(self, process: etree._Element, root: etree._Element, problems: Problems):
        self.process = process
        self.root = root
        self.problems = problems
        key = (process.get("id") or "").strip()
        if not key:
            problems.add(process, "an executable process needs an id (it becomes the process key)")
        self.info = ProcessInfo(key=key, name=(process.get("name") or "").strip() or key,
                                resource=problems.resource, line=process.sourceline, root=root)

    def read(self) -> ProcessInfo:
        self._note_starters()
        stack = [self.process]
        while stack:
            element = stack.pop()
            if not isinstance(element.tag, str):
                continue  # comments and processing instructions
            if check_element(element, self.problems):
                continue
            if namespace(element) == BPMN_NS:
                self._note(element, local_name(element))
            stack.extend(reversed(element))
        check_reachable(self.process, self.problems)
        return self.info

    def _note(self, element: etree._Element, name: str) -> None:
        """Record what ``element`` refers to (forms, handlers, decisions, groups, timers)."""
        if name == "userTask":
            self._note_user_task(element)
        elif name == "startEvent":
            self._note_start_event(element)
        elif name in ("serviceTask", "sendTask"):
            self._remember(self.info.topics, service_topic(element, self.problems), element)
        elif name == "businessRuleTask":
            self._remember(self.info.decision_refs, decision_ref(element, self.problems), element)
        elif name == "callActivity":
            self._remember(self.info.called_processes, called_element(element, self.problems), element)
        elif name == "timerEventDefinition":
            self._note_timer(element)
        elif name in ("exclusiveGateway", "inclusiveGateway"):
            self._note_gateway(element, name)
        elif name in ("messageEventDefinition", "receiveTask") or (name == "sendTask" and element.get("messageRef")):
            self._note_message(element)

    def _note_starters(self) -> None:
        """Who may start the process; its groups must exist like a user task's candidate groups."""
        self.info.starter_groups = read_starters(self.process, "candidateStarterGroups")
        self.info.starter_users = read_starters(self.process, "candidateStarterUsers")
        directly = camunda(self.process, "isStartableInTasklist")
        if directly not in (None, "true", "false"):
            self.problems.add(self.process, f"isStartableInTasklist {quote_short(directly)} must be true or false")
        self.info.startable_directly = directly != "false"
        for group in self.info.starter_groups:
            self._remember(self.info.groups, group, self.process)

    def _note_user_task(self, element: etree._Element) -> None:
        task = read_user_task(element, self.problems)
        if task.activity_id:
            self.info.user_tasks[task.activity_id] = task
        self._remember(self.info.form_refs, task.form_ref, element)
        self._remember(self.info.form_files, task.form_file, element)
        self._note_fields(task.form_fields)
        for group in task.candidate_groups:
            if not group.startswith("${"):
                self._remember(self.info.groups, group, element)

    def _note_start_event(self, element: etree._Element) -> None:
        form = read_form(element, self.problems)
        self._remember(self.info.form_refs, form.form_ref, element)
        self._remember(self.info.form_files, form.form_file, element)
        self._note_fields(form.fields)
        is_process_start = element.getparent() is self.process
        has_form = form.form_ref or form.form_key or form.fields
        if is_process_start and has_form and not (self.info.start_form_ref or self.info.start_form_key
                                                  or self.info.start_form_fields):
            self.info.start_form_ref, self.info.start_form_key = form.form_ref, form.form_key
            self.info.start_form_fields, self.info.start_form_file = form.fields, form.form_file

    def _note_fields(self, fields: list[dict]) -> None:
        for form_field in fields:
            merge(self.info.field_domains, form_field["id"], inline_field_domain(form_field))

    def _note_timer(self, definition: etree._Element) -> None:
        event = definition.getparent()
        is_timer_start = local_name(event) == "startEvent" and event.getparent() is self.process
        timer = check_timer(definition, self.problems, literal_only=is_timer_start)
        if timer is not None and is_timer_start:
            self.info.timer_starts.append(((event.get("id") or "").strip(), *timer))

    def _note_gateway(self, gateway: etree._Element, name: str) -> None:
        """Keep a gateway whose flows carry conditions and that has no default flow, to judge with the deployment.

        Whether its conditions can all be false depends on the values of the
        variables they read, which forms and decision tables deployed with it
        may tell (``coverage.judge``).
        """
        gateway_id = (gateway.get("id") or "").strip()
        if not gateway_id or gateway.get("default"):
            return
        outgoing = [flow for flow in gateway.getparent().iterfind(tag(BPMN_NS, "sequenceFlow"))
                    if (flow.get("sourceRef") or "").strip() == gateway_id]
        conditions = [flow.find(tag(BPMN_NS, "conditionExpression")) for flow in outgoing]
        if any(condition is not None for condition in conditions):
            kind = "exclusive" if name == "exclusiveGateway" else "inclusive"
            self.info.choices.append(Choice(gateway_id, gateway.sourceline, kind,
                                            [None if c is None else (c.text or "") for c in conditions]))

    def _note_message(self, element: etree._Element) -> None:
        name = message_name(element, self.root, self.problems)
        if name and is_catching(element):
            self.info.caught_messages.add(name)
        elif name:
            self._remember(self.info.thrown_messages, name, element if local_name(element) == "sendTask"
                           else element.getparent())

    @staticmethod
    def _remember(table: dict[str, Where], name: Optional[str], element: etree._Element) -> None:
        if name and name not in table:
            table[name] = ((element.get("id") or "").strip(), element.sourceline)
