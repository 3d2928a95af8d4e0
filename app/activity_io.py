"""``camunda:inputOutput`` parameters: read once from the model, evaluated when an activity starts and ends.

Camunda Modeler offers four kinds of value for a parameter: text, an
expression, a script, a list or a map. Here text is text (as in Camunda), an
expression ``${...}`` holds a sandboxed Python expression (conditions are Python
here too), a script must be ``scriptFormat="python"`` and is evaluated as one
expression, and lists and maps nest any of these. Deployment reads parameters
with :func:`read_parameters` and refuses what it raises; the engine uses the
same reader, so what was checked is what runs.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Union

from lxml import etree

from app import sandbox

CAMUNDA_NS = "http://camunda.org/schema/1.0/bpmn"
BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
_EXPRESSION = re.compile(r"\s*\$\{(.*)\}\s*", re.DOTALL)


class ParameterError(ValueError):
    """A parameter this engine cannot evaluate; ``element`` is where it is written."""

    def __init__(self, element: etree._Element, message: str):
        super().__init__(message)
        self.element = element


@dataclass(frozen=True)
class Value:
    kind: str  # "text" | "expression" | "list" | "map"
    content: Union[str, None, tuple]  # text or expression source; tuple of Value or of (key, Value)


@dataclass(frozen=True)
class Parameter:
    name: str
    value: Value


def read_parameters(activity: etree._Element) -> tuple[tuple[Parameter, ...], tuple[Parameter, ...]]:
    """(input parameters, output parameters) of an activity; ParameterError for what cannot run."""
    inputs: list[Parameter] = []
    outputs: list[Parameter] = []
    for mapping in activity.iterfind(f"{{{BPMN_NS}}}extensionElements/{{{CAMUNDA_NS}}}inputOutput"):
        for node in mapping:
            if not isinstance(node.tag, str):
                continue
            local = etree.QName(node).localname
            if etree.QName(node).namespace != CAMUNDA_NS or local not in ("inputParameter", "outputParameter"):
                raise ParameterError(node, f"<{local}> does not belong in camunda:inputOutput")
            name = (node.get("name") or "").strip()
            if not name.isidentifier() or name.startswith("_"):
                raise ParameterError(node, f"parameter name {name!r} must be a variable name (a Python identifier "
                                     "not starting with '_')")
            (inputs if local == "inputParameter" else outputs).append(Parameter(name, _read_value(node)))
    return tuple(inputs), tuple(outputs)


def _read_value(node: etree._Element) -> Value:
    children = [child for child in node if isinstance(child.tag, str)]
    if not children:
        text = node.text or ""
        match = _EXPRESSION.fullmatch(text)
        if match is None:
            if "${" in text or "#{" in text:
                raise ParameterError(node, f"{text.strip()!r} mixes text and an expression; write one ${{...}} "
                                     "holding a Python expression")
            return Value("text", text)
        return Value("expression", _checked(node, match.group(1)))
    if len(children) > 1:
        raise ParameterError(node, "a parameter value is one text, script, list or map")
    child = children[0]
    local = etree.QName(child).localname if etree.QName(child).namespace == CAMUNDA_NS else None
    if local == "script":
        script_format = (child.get("scriptFormat") or "").strip().lower()
        if script_format != "python" or child.get("scriptFormat") is None:
            raise ParameterError(child, f"script format {child.get('scriptFormat')!r} is not supported; "
                                 "a parameter script is one Python expression (scriptFormat=\"python\")")
        if child.get("resource") is not None:
            raise ParameterError(child, "external scripts (resource) are not supported; write the expression inline")
        return Value("expression", _checked(child, child.text or ""))
    if local == "list":
        return Value("list", tuple(_read_value(item) for item in child if isinstance(item.tag, str)))
    if local == "map":
        entries = []
        for entry in (item for item in child if isinstance(item.tag, str)):
            key = entry.get("key")
            if key is None:
                raise ParameterError(entry, "a map entry needs a key")
            entries.append((key, _read_value(entry)))
        return Value("map", tuple(entries))
    raise ParameterError(child, f"<{etree.QName(child).localname}> is not a parameter value "
                         "(text, ${...}, camunda:script, camunda:list or camunda:map)")


def _checked(node: etree._Element, source: str) -> str:
    if not source.strip():
        raise ParameterError(node, "the expression is empty")
    try:
        sandbox.compile_expression(source)
    except sandbox.SandboxError as exc:
        raise ParameterError(node, f"{source.strip()!r} is not a valid sandboxed Python expression: {exc}") from None
    except (RecursionError, MemoryError):
        raise ParameterError(node, "the expression is nested too deeply") from None
    return source


def evaluate(value: Value, variables: dict[str, Any]) -> Any:
    """A parameter's value over the variables the activity sees."""
    if value.kind == "text":
        return value.content
    if value.kind == "expression":
        return sandbox.evaluate(str(value.content), dict(variables))
    if value.kind == "list":
        return [evaluate(item, variables) for item in value.content or ()]
    return {key: evaluate(item, variables) for key, item in value.content or ()}


def evaluate_all(parameters: tuple[Parameter, ...], variables: dict[str, Any]) -> dict[str, Any]:
    """Every parameter evaluated before any is set, so a failure changes nothing."""
    return {parameter.name: evaluate(parameter.value, variables) for parameter in parameters}


def python_of(source: str) -> str:
    """A Camunda expression attribute (``sourceExpression``) as Python: ``${...}`` unwrapped, else as written."""
    match = _EXPRESSION.fullmatch(source)
    return match.group(1) if match else source
