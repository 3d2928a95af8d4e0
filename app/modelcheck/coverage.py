"""Can every condition of a gateway be false at once? Decided statically where the values are known.

A gateway without a default flow whose conditions all fail stops the ticket
with an incident. When its conditions all test one variable against literals
(``kind == "fix"``, ``kind in ("a", "b")``, ``kind != "x"``, ``approved``) and
the values that variable can take are known — the options of an enum form
field, a yes/no field, the outputs a decision table can give — the values no
condition covers are named and the deployment refused. When that cannot be
decided, the owner gets a warning instead.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Any, Iterable, Optional

from lxml import etree

from app.errors import ModelError

Domain = frozenset  # the values a variable can hold when a gateway reads it
_UNSET = None       # an optional field left empty, or a decision no rule matched


@dataclass
class Choice:
    """A gateway with conditions on every outgoing flow and no default flow."""

    gateway_id: str
    line: int
    kind: str                     # "exclusive" | "inclusive"
    conditions: list[Optional[str]]  # the Python condition of each outgoing flow (None: it has none)


@dataclass(frozen=True)
class _Test:
    """What one condition accepts: ``values`` of ``variable``, or every value but them (``negated``)."""

    variable: str
    values: frozenset
    negated: bool = False
    truthy: bool = False  # a bare ``flag`` / ``not flag``: accepts by truth value, not by equality

    def accepts(self, domain: frozenset) -> frozenset:
        if self.truthy:
            return frozenset(value for value in domain if bool(value) != self.negated)
        return domain - self.values if self.negated else domain & self.values


def judge(choice: Choice, domains: dict[str, Optional[Domain]], resource: str) -> tuple[list[ModelError], list[ModelError]]:
    """(problems, warnings) for one gateway: refused when values are known to fall through, else warned."""
    tests = [_read(text) for text in choice.conditions]
    variables = {test.variable for test in tests if test is not None}
    if None not in tests and len(variables) == 1 and domains.get(variable := variables.pop()) is not None:
        domain = domains[variable]
        covered = frozenset().union(*(test.accepts(domain) for test in tests))
        missing = domain - covered
        if not missing:
            return [], []
        return [ModelError(f"when {variable} is {_values(missing)}, no condition of this {choice.kind} gateway "
                           "holds and it has no default flow; cover those values or mark a default flow",
                           element_id=choice.gateway_id, line=choice.line, resource=resource)], []
    return [], [ModelError(f"this {choice.kind} gateway has conditions but no default flow: when no condition "
                           "holds, the instance stops here with an incident",
                           element_id=choice.gateway_id, line=choice.line, resource=resource)]


def _values(values: Iterable[Any]) -> str:
    shown = sorted(("empty" if value is _UNSET else repr(value) for value in values))
    return " or ".join(shown)


def _read(text: Optional[str]) -> Optional[_Test]:
    """The test a condition makes on a single variable, or None when it is anything more (or nothing)."""
    if text is None:
        return None
    try:
        node = ast.parse(text.strip(), mode="eval").body
    except SyntaxError:
        return None
    return _test(node)


def _test(node: ast.expr) -> Optional[_Test]:
    if isinstance(node, ast.Name):
        return _Test(node.id, frozenset(), truthy=True)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not) and isinstance(node.operand, ast.Name):
        return _Test(node.operand.id, frozenset(), negated=True, truthy=True)
    if isinstance(node, ast.BoolOp) and isinstance(node.op, ast.Or):
        parts = [_test(value) for value in node.values]
        if None in parts or len({p.variable for p in parts}) != 1 or any(p.negated or p.truthy for p in parts):
            return None
        return _Test(parts[0].variable, frozenset().union(*(p.values for p in parts)))
    if isinstance(node, ast.Compare) and len(node.ops) == 1:
        return _comparison(node.left, node.ops[0], node.comparators[0])
    return None


def _comparison(left: ast.expr, op: ast.cmpop, right: ast.expr) -> Optional[_Test]:
    if isinstance(right, ast.Name) and isinstance(op, (ast.Eq, ast.NotEq, ast.Is, ast.IsNot)):
        left, right = right, left
    if not isinstance(left, ast.Name):
        return None
    if isinstance(op, (ast.Eq, ast.NotEq, ast.Is, ast.IsNot)) and isinstance(right, ast.Constant):
        return _Test(left.id, frozenset({right.value}), negated=isinstance(op, (ast.NotEq, ast.IsNot)))
    if isinstance(op, (ast.In, ast.NotIn)) and isinstance(right, (ast.Tuple, ast.List, ast.Set)):
        if not all(isinstance(item, ast.Constant) for item in right.elts):
            return None
        return _Test(left.id, frozenset(item.value for item in right.elts), negated=isinstance(op, ast.NotIn))
    return None


def field_domain(field_type: str, options: Iterable[str], required: bool) -> Optional[Domain]:
    """Values a submitted form field can hold: its options (and empty unless required), or yes/no."""
    if field_type == "boolean":
        return frozenset({True, False})
    options = frozenset(options)
    if field_type != "enum" or not options:
        return None
    return options if required else options | {_UNSET}


def inline_field_domain(field: dict) -> Optional[Domain]:
    """A ``camunda:formField`` read by ``tasks._read_form_fields``."""
    required = any(name == "required" for name, _config in field.get("constraints") or ())
    return field_domain(field.get("type") or "", (value_id for value_id, _name in field.get("values") or ()),
                        required)


def decision_domains(root: etree._Element, decision_id: str) -> dict[str, Domain]:
    """Outputs of a decision table whose rules all give literals: those literals (and empty if no rule may match)."""
    decision = next((d for d in root if isinstance(d.tag, str) and etree.QName(d).localname == "decision"
                     and d.get("id") == decision_id), None)
    table = None if decision is None else next(
        (t for t in decision if isinstance(t.tag, str) and etree.QName(t).localname == "decisionTable"), None)
    if table is None:
        return {}
    outputs = [o.get("name") or "" for o in _children(table, "output")]
    found: dict[str, set] = {name: set() for name in outputs if name}
    unknown: set[str] = set()
    catch_all = False
    for rule in _children(table, "rule"):
        entries = [_text(entry) for entry in _children(rule, "inputEntry")]
        catch_all = catch_all or all(entry in ("", "-") for entry in entries)
        for name, entry in zip(outputs, _children(rule, "outputEntry")):
            try:
                found.get(name, set()).add(ast.literal_eval(_text(entry)))
            except (ValueError, SyntaxError, TypeError):
                unknown.add(name)
    empty = set() if catch_all else {_UNSET}
    return {name: frozenset(values | empty) for name, values in found.items() if name not in unknown and values}


def _children(element: etree._Element, name: str) -> list[etree._Element]:
    return [c for c in element if isinstance(c.tag, str) and etree.QName(c).localname == name]


def _text(entry: etree._Element) -> str:
    text = next((c for c in entry if isinstance(c.tag, str) and etree.QName(c).localname == "text"), None)
    return ((text.text if text is not None else entry.text) or "").strip()


def merge(domains: dict[str, Optional[Domain]], variable: str, domain: Optional[Domain]) -> None:
    """Add what one source says about ``variable``; a source that cannot say makes it unknown."""
    if variable in domains and domains[variable] is None:
        return
    if domain is None:
        domains[variable] = None
    else:
        domains[variable] = domain | (domains.get(variable) or frozenset())
