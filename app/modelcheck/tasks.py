"""What user tasks and start events say about people and forms.

The inbox, the form renderer and the deployment's reference checks read these
facts from the model once, here, instead of each parsing Camunda attributes
their own way. Values are kept as the process owner wrote them; only what the
engine cannot honour (JUEL, Java validators) is refused, and what it honours
differently from what the owner may expect (a task nobody is named for, a form
key the server cannot read) deploys with a warning.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable, Optional

from lxml import etree

from app.modelcheck.timers import is_date, is_duration
from app.modelcheck.xml import (BPMN_NS, CAMUNDA_NS, Problems, camunda, check_expression, has_juel,
                           quote_short, tag)

#: Who may take a user task that names nobody (the projection offers it to this group).
FALLBACK_GROUP = "admin"
FORM_FILE_PREFIXES = ("camunda-forms:deployment:", "camunda-forms:app:")
FIELD_TYPES = ("string", "long", "boolean", "date", "enum")
CONSTRAINTS = ("required", "readonly", "minlength", "maxlength", "min", "max")
_VARIABLE_REFERENCE = re.compile(r"[$#]\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}")
_INTEGER = re.compile(r"[+-]?\d+")
_NUMBER = re.compile(r"[+-]?\d+(?:\.\d+)?")


@dataclass
class FormInfo:
    """The form of a user task or start event, in the three ways Camunda Modeler writes one."""

    form_ref: Optional[str] = None        # camunda:formRef, a Camunda Form id
    form_key: Optional[str] = None        # camunda:formKey as written
    form_file: Optional[str] = None       # NAME.form from a camunda-forms:deployment:/app: form key
    fields: list[dict] = field(default_factory=list)  # camunda:formData/camunda:formField


@dataclass
class UserTaskInfo:
    """One user task as the inbox shows it; lists are split on commas, ``${var}`` kept as written."""

    activity_id: str
    name: str
    line: int
    candidate_groups: list[str]
    candidate_users: list[str]
    assignee: Optional[str]
    form_ref: Optional[str]
    form_key: Optional[str]
    form_fields: list[dict]
    due_date: Optional[str]
    priority: Optional[str]
    documentation: Optional[str]
    form_file: Optional[str] = None
    excluded_users: list[str] = field(default_factory=list)  # the property excludedUsers: who may not do it


#: The ``camunda:property`` of a user task naming who must not do it (four eyes: not the article's author).
EXCLUDED_USERS = "excludedUsers"


def read_user_task(task: etree._Element, problems: Problems) -> UserTaskInfo:
    """Read (and check) the people, form, due date and priority of a ``userTask``."""
    activity_id = task.get("id", "").strip()
    form = read_form(task, problems)
    assignee = read_assignment(task, "assignee", problems)
    if len(assignee) > 1:
        problems.add(task, f"assignee {quote_short(camunda(task, 'assignee') or '')} names several "
                     "people; use candidateUsers for a list")
    groups = read_assignment(task, "candidateGroups", problems)
    users = read_assignment(task, "candidateUsers", problems)
    if not (assignee or groups or users):
        problems.warn(task, f"user task '{activity_id}' names no assignee and no candidates; it is offered "
                      f"to the {FALLBACK_GROUP} group")
    due_date = _read_date_attribute(task, "dueDate", problems)
    _read_date_attribute(task, "followUpDate", problems)
    return UserTaskInfo(
        activity_id=activity_id,
        name=(task.get("name") or "").strip() or activity_id,
        line=task.sourceline,
        candidate_groups=groups,
        candidate_users=users,
        assignee=assignee[0] if assignee else None,
        form_ref=form.form_ref,
        form_key=form.form_key,
        form_fields=form.fields,
        due_date=due_date,
        priority=_read_priority(task, problems),
        documentation=_documentation(task),
        form_file=form.form_file,
        excluded_users=_read_excluded_users(task, problems),
    )


def _read_excluded_users(task: etree._Element, problems: Problems) -> list[str]:
    """``camunda:property name="excludedUsers"``: names or ``${variable}`` references, as candidateUsers are
    written. Camunda has no attribute for separation of duties, so the rule is a property a modeler can set."""
    found = task.findall(f"{{{BPMN_NS}}}extensionElements/{{{CAMUNDA_NS}}}properties/{{{CAMUNDA_NS}}}property")
    values = [prop.get("value") or "" for prop in found if prop.get("name") == EXCLUDED_USERS]
    return _names(task, EXCLUDED_USERS, ",".join(values), problems) if values else []


def read_assignment(task: etree._Element, attribute: str, problems: Problems) -> list[str]:
    """Comma-separated names; a value may be exactly one ``${variable}`` reference (kept as ``${variable}``)."""
    raw = camunda(task, attribute)
    return [] if raw is None else _names(task, attribute, raw, problems)


def _names(task: etree._Element, attribute: str, raw: str, problems: Problems) -> list[str]:
    values = []
    for value in (part.strip() for part in raw.split(",")):
        if not value:
            continue
        if has_juel(value):
            reference = _VARIABLE_REFERENCE.fullmatch(value)
            if reference is None:
                problems.add(task, f"{attribute} {quote_short(raw)} is an expression; only plain names "
                             "or a plain ${variable} reference are allowed here")
                return []
            value = "${" + reference.group(1) + "}"
        values.append(value)
    return values


def read_starters(process: etree._Element, attribute: str) -> list[str]:
    """``camunda:candidateStarterGroups`` / ``candidateStarterUsers`` of a process, as plain names.

    A start has no process variables yet, so an expression could only be JUEL about the caller, which
    the attribute check refuses as JUEL; it is not read as a name nobody has."""
    raw = camunda(process, attribute)
    if raw is None or has_juel(raw):
        return []
    return [name for name in (part.strip() for part in raw.split(",")) if name]


def read_form(element: etree._Element, problems: Problems) -> FormInfo:
    """Form reference, form key and generated-form fields of a user task or start event."""
    form = FormInfo(form_ref=_stripped(camunda(element, "formRef")),
                    form_key=_stripped(camunda(element, "formKey")))
    if form.form_ref is not None and form.form_key is not None:
        problems.add(element, "a form is given twice (camunda:formRef and camunda:formKey); keep one")
    if form.form_ref is not None and has_juel(form.form_ref):
        problems.add(element, f"camunda:formRef {quote_short(form.form_ref)} must name a form, not compute it")
    form.fields = _read_form_fields(element, problems)
    if form.form_key is not None:
        form.form_file = _form_file(element, form.form_key, bool(form.fields), problems)
    if form.fields and (form.form_ref or form.form_file):
        problems.add(element, "the form is given twice (form fields and a form reference); keep one")
    return form


def _form_file(element: etree._Element, form_key: str, has_fields: bool, problems: Problems) -> Optional[str]:
    """NAME.form of a Camunda Form key; any other key is the client's business (Camunda 7 semantics).

    Camunda hands a key such as ``embedded:app:forms/x.html`` to the task list
    and never looks inside it, so it deploys with a warning: the server cannot
    check what such a form submits, except the form fields declared beside it.
    """
    for prefix in FORM_FILE_PREFIXES:
        if form_key.startswith(prefix):
            name = form_key[len(prefix):].strip()
            if name.endswith(".form") and not has_juel(name):
                return name
            problems.add(element, f"form key {quote_short(form_key)} must name a deployed Camunda Form file "
                         "(camunda-forms:deployment:NAME.form)")
            return None
    if has_juel(form_key):
        problems.add(element, f"form key {quote_short(form_key)} is a JUEL expression; name the form")
        return None
    checked = ("the server checks only the camunda:formField fields" if has_fields
               else "the task has no server-side form, so submitted variables are not checked")
    problems.warn(element, f"form key {quote_short(form_key)} is not a Camunda Form: it is handed to clients "
                  f"as the task's formKey and {checked}")
    return None


def _read_form_fields(element: etree._Element, problems: Problems) -> list[dict]:
    fields: list[dict] = []
    seen: set[str] = set()
    for node in element.iterfind(f"{tag(BPMN_NS, 'extensionElements')}/{tag(CAMUNDA_NS, 'formData')}/"
                                 f"{tag(CAMUNDA_NS, 'formField')}"):
        field_id = (node.get("id") or "").strip()
        if not field_id:
            problems.add(node, "a form field has no id (the id names the variable it sets)")
            continue
        if field_id in seen:
            problems.add(node, f"form field '{field_id}' appears twice")
        seen.add(field_id)
        field_type = (node.get("type") or "").strip()
        if field_type not in FIELD_TYPES:
            problems.add(node, f"form field '{field_id}' has type {quote_short(field_type)}; "
                         f"supported types: {', '.join(FIELD_TYPES)}")
        default = node.get("defaultValue")
        if default is not None and has_juel(default):
            problems.add(node, f"form field '{field_id}': the default value must be plain text, "
                         f"not an expression ({quote_short(default)})")
        fields.append({
            "id": field_id,
            "type": field_type,
            "label": node.get("label") or field_id,
            "default": default,
            "values": _enum_values(node, field_id, problems),
            "constraints": _constraints(node, field_id, problems),
        })
    return fields


def _enum_values(node: etree._Element, field_id: str, problems: Problems) -> list[tuple[str, str]]:
    values = []
    for value in node.iterfind(tag(CAMUNDA_NS, "value")):
        value_id = (value.get("id") or "").strip()
        if not value_id:
            problems.add(value, f"form field '{field_id}' has an enum value without an id")
            continue
        values.append((value_id, value.get("name") or value_id))
    return values


def _constraints(node: etree._Element, field_id: str, problems: Problems) -> list[tuple[str, Optional[str]]]:
    constraints = []
    for constraint in node.iterfind(f"{tag(CAMUNDA_NS, 'validation')}/{tag(CAMUNDA_NS, 'constraint')}"):
        name = (constraint.get("name") or "").strip()
        config = constraint.get("config")
        if name not in CONSTRAINTS:
            problems.add(constraint, f"form field '{field_id}' uses validator {quote_short(name)}; custom "
                         f"validators are Java classes and cannot run here (built in: {', '.join(CONSTRAINTS)})")
            continue
        pattern = _INTEGER if name in ("minlength", "maxlength") else _NUMBER if name in ("min", "max") else None
        if pattern is not None and not pattern.fullmatch((config or "").strip()):
            problems.add(constraint, f"form field '{field_id}': {name} needs a number, "
                         f"not {quote_short(config or '')}")
            continue
        constraints.append((name, config))
    return constraints


def _read_date_attribute(task: etree._Element, attribute: str, problems: Problems) -> Optional[str]:
    """camunda:dueDate / followUpDate: an ISO-8601 date or duration, or a Python expression yielding one."""
    return _read_literal_or_expression(task, attribute, lambda v: is_date(v) or is_duration(v),
                                       "an ISO-8601 date or duration (2026-01-31T17:00:00Z, P2D)", problems)


def _read_priority(task: etree._Element, problems: Problems) -> Optional[str]:
    return _read_literal_or_expression(task, "priority", _INTEGER.fullmatch, "a number", problems)


def _read_literal_or_expression(task: etree._Element, attribute: str, is_literal: Callable[[str], Any],
                                literal: str, problems: Problems) -> Optional[str]:
    """A camunda: attribute holding a literal or a Python expression; JUEL and bad syntax are problems."""
    value = _stripped(camunda(task, attribute))
    if value is None or is_literal(value):
        return value
    if has_juel(value):
        problems.add(task, f"{attribute} {quote_short(value)} is a JUEL expression; write {literal} "
                     "or a Python expression")
        return None
    error = check_expression(value)
    if error is not None:
        problems.add(task, f"{attribute} {quote_short(value)} is neither {literal} nor a valid "
                     f"Python expression: {error}")
        return None
    return value


def _documentation(element: etree._Element) -> Optional[str]:
    texts = ["".join(node.itertext()).strip() for node in element.iterfind(tag(BPMN_NS, "documentation"))]
    joined = "\n\n".join(text for text in texts if text)
    return joined or None


def _stripped(value: Optional[str]) -> Optional[str]:
    if value is None:
        return None
    return value.strip() or None
