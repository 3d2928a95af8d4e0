"""DMN decision tables as this engine evaluates them: Python, one decision per file.

Camunda evaluates DMN entries as FEEL; SpiffWorkflow evaluates them as Python
(``"High"``, ``>= 5``, ``1 <= ? <= 5``) and reads only the first decision
table of a file, failing with bare ``KeyError``/``IndexError`` on missing ids
or short rules. Those cases, and FEEL idioms that would quietly compute
something else in Python, are refused here with the entry's id and line.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Optional

from lxml import etree

from app.errors import DeploymentError, ModelError
from app.modelcheck.rules import check_document
from app.modelcheck.xml import Problems, check_expression, has_juel, local_name, parse_xml, quote_short

DMN_NAMESPACES = (
    "http://www.omg.org/spec/DMN/20151101/dmn.xsd",   # DMN 1.1
    "http://www.omg.org/spec/DMN/20180521/MODEL/",    # DMN 1.2
    "https://www.omg.org/spec/DMN/20191111/MODEL/",   # DMN 1.3 (Camunda Modeler 5)
)
HIT_POLICIES = ("UNIQUE", "FIRST", "ANY", "COLLECT")
_ANY = (None, "", "-")


@dataclass
class DecisionInfo:
    """A checked DMN file: its tree for the engine and the decisions it offers (id -> name)."""

    resource: str
    root: etree._Element
    decision_ids: dict[str, str]


def check_dmn(data: bytes, resource: str) -> DecisionInfo:
    """Check a DMN file; DeploymentError lists every problem found."""
    try:
        root = parse_xml(data, resource)
    except ModelError as exc:
        raise DeploymentError([exc]) from None
    problems = Problems(resource)
    dmn_ns = etree.QName(root).namespace
    if local_name(root) != "definitions" or dmn_ns not in DMN_NAMESPACES:
        problems.add(root, f"this is not a DMN 1.1–1.3 file (its root element is <{local_name(root)}> "
                     f"in {dmn_ns or 'no namespace'})")
        raise DeploymentError(problems.items)
    if root.nsmap.get(None, root.nsmap.get("dmn")) != dmn_ns:
        problems.add(root, "DMN elements must use the default namespace or the dmn: prefix")
    check_document(root, problems)
    for element in root.iter(tag=etree.Element):
        language = (element.get("expressionLanguage") or "").strip()
        if language and language.lower() != "python":
            problems.add(element, f"expression language {quote_short(language)} is not supported; "
                         "DMN entries are Python expressions here")
    decisions = root.findall(f"{{{dmn_ns}}}decision")
    if not decisions:
        problems.add(root, "the file has no decision")
    decision_ids = {}
    for decision in decisions:  # a DRD holds several; camunda:decisionRef picks one by id
        decision_id = (decision.get("id") or "").strip()
        if not decision_id:
            problems.add(decision, "the decision has no id (business rule tasks refer to it by id)")
        decision_ids[decision_id] = (decision.get("name") or "").strip() or decision_id
        for required in decision.iterfind(f"{{{dmn_ns}}}informationRequirement/{{{dmn_ns}}}requiredDecision"):
            problems.add(required, f"decision '{decision_id}' requires decision "
                         f"{quote_short((required.get('href') or '').lstrip('#'))}, which is not evaluated first "
                         "here; evaluate it in its own business rule task before this one")
        table = decision.find(f"{{{dmn_ns}}}decisionTable")
        if table is None:
            problems.add(decision, "the decision has no decision table; only decision tables are supported")
        else:
            _check_table(table, dmn_ns, problems)
    if problems:
        raise DeploymentError(problems.items)
    return DecisionInfo(resource=resource, root=root, decision_ids=decision_ids)


def _check_table(table: etree._Element, dmn_ns: str, problems: Problems) -> None:
    _require_id(table, "decision table", problems)
    hit_policy = (table.get("hitPolicy") or "UNIQUE").strip().upper()
    if hit_policy not in HIT_POLICIES:
        problems.add(table, f"hit policy {hit_policy} is not supported (use {', '.join(HIT_POLICIES)})")
    if table.get("aggregation"):
        problems.add(table, f"COLLECT aggregation {table.get('aggregation')} is not supported; "
                     "collect the list and sum it in a script")
    inputs, outputs, rules = [], [], []
    for child in table:
        if not isinstance(child.tag, str):
            continue
        name = local_name(child)
        if etree.QName(child).namespace == dmn_ns and name in ("input", "output", "rule"):
            {"input": inputs, "output": outputs, "rule": rules}[name].append(child)
        else:
            problems.add(child, f"<{name}> inside a decision table is not supported")
    for number, column in enumerate(inputs, 1):
        _require_id(column, "input column", problems)
        expression = column.find(f"{{{dmn_ns}}}inputExpression/{{{dmn_ns}}}text")
        text = (expression.text or "").strip() if expression is not None else ""
        if not text:
            problems.add(column, f"input column {_column(column, number)} has no expression "
                         "(name the variable it reads)")
        else:
            _check_python(expression, text, "input expression", problems)
    for number, column in enumerate(outputs, 1):
        _require_id(column, "output column", problems)
        # as SpiffWorkflow does: the name becomes the variable, the label when there is no name
        if not (column.get("name") or column.get("label") or "").strip():
            problems.add(column, f"output column {_column(column, number)} has neither a name nor a label "
                         "(the name becomes the process variable)")
    for rule in rules:
        _check_rule(rule, dmn_ns, len(inputs), len(outputs), problems)


def _column(column: etree._Element, number: int) -> str:
    """A column as the owner finds it in the modeler: its position, label and id."""
    label = (column.get("label") or column.get("name") or "").strip()
    return f"{number}" + (f" {quote_short(label)}" if label else "") + f" (id {(column.get('id') or '').strip()!r})"


def _check_rule(rule: etree._Element, dmn_ns: str, n_inputs: int, n_outputs: int,
                problems: Problems) -> None:
    _require_id(rule, "rule", problems)
    input_entries = rule.findall(f"{{{dmn_ns}}}inputEntry")
    output_entries = rule.findall(f"{{{dmn_ns}}}outputEntry")
    if len(input_entries) != n_inputs or len(output_entries) != n_outputs:
        problems.add(rule, f"the rule has {len(input_entries)} input and {len(output_entries)} output "
                     f"entries but the table has {n_inputs} inputs and {n_outputs} outputs")
    for entry in input_entries:
        _require_id(entry, "input entry", problems)
        _check_input_entry(entry, _entry_text(entry, dmn_ns), problems)
    for entry in output_entries:
        _require_id(entry, "output entry", problems)
        text = _entry_text(entry, dmn_ns)
        if text:
            _check_python(entry, text, "output entry", problems)


def _check_input_entry(entry: etree._Element, text: Optional[str], problems: Problems) -> None:
    """An input test: a value (``"High"``), an operator and value (``>= 5``) or a test with ``?``."""
    if text in _ANY:
        return
    hint = _feel_hint(text)
    if hint:
        problems.add(entry, f"input entry {quote_short(text)} is FEEL; {hint}")
        return
    if has_juel(text):
        problems.add(entry, f"input entry {quote_short(text)} is a JUEL expression; entries are Python")
        return
    with_input = _replace_question_marks(text)
    if with_input != text:
        _check_python(entry, with_input, "input entry", problems, shown=text)
    elif check_expression(text) is not None and check_expression(f"value {text}") is not None:
        problems.add(entry, f"input entry {quote_short(text)} is neither a Python value nor a "
                     f"comparison such as >= 5: {check_expression(text)}")


def _feel_hint(text: str) -> Optional[str]:
    """How to write a FEEL idiom in Python, if ``text`` is one that Python would misread."""
    if ".." in text and text[:1] in "[(]" and text[-1:] in "[)]":
        return "write a range as 1 <= ? <= 5"
    if text.startswith("not(") or text.startswith("not ("):
        return "write a negation as ? != value"
    try:
        body = ast.parse(text, mode="eval").body
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None  # not Python at all: reported by the compile check
    if isinstance(body, ast.Tuple):
        return "write a list of values as ? in (\"a\", \"b\")"
    return None


def _replace_question_marks(text: str) -> str:
    """``?`` outside string quotes stands for the input value (as the engine reads it)."""
    result, quote = [], None
    for char in text:
        if quote:
            quote = None if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == "?":
            result.append("value")
            continue
        result.append(char)
    return "".join(result)


def _check_python(element: etree._Element, text: str, what: str, problems: Problems,
                  shown: Optional[str] = None) -> None:
    error = check_expression(text)
    if error is not None:
        kind = "a JUEL expression" if has_juel(text) else "not valid Python"
        problems.add(element, f"{what} {quote_short(shown or text)} is {kind}: {error}")


def _entry_text(entry: etree._Element, dmn_ns: str) -> Optional[str]:
    node = entry.find(f"{{{dmn_ns}}}text")
    return node.text.strip() if node is not None and node.text is not None else None


def _require_id(element: etree._Element, what: str, problems: Problems) -> None:
    if not (element.get("id") or "").strip():
        problems.add(element, f"the {what} has no id")
