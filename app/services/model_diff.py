"""What changed between two versions of a model: elements added, removed and changed, and how.

An owner deciding whether to deploy (or whether running tickets may move to a new version) needs to
see the change the engine will run, not the file's text: a moved shape or a renumbered waypoint is
no change at all, while a new candidate group, form or timer is. So BPMN and DMN are compared
element by element on their semantic part (diagram interchange left out), matched by id; forms field
by field, matched by key. Each change lists what differs as ``(what, before, after)``, ``what`` being
an attribute (``camunda:candidateGroups``) or a path to inner content (``conditionExpression``,
``timerEventDefinition/timeCycle``) — the page names the common ones in the reader's language.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Iterator, Optional

from lxml import etree

from app.modelcheck.xml import parse_xml

ADDED, REMOVED, CHANGED = "added", "removed", "changed"

_BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
#: BPMN elements holding other elements that are matched on their own.
_BPMN_CONTAINERS = frozenset(("definitions", "process", "subProcess", "adHocSubProcess", "transaction",
                              "laneSet", "lane", "childLaneSet", "collaboration"))
#: References that only repeat what the sequence flows already say.
_BPMN_NOISE = frozenset(("incoming", "outgoing"))
#: Lists of members (a lane's elements) whose change is told as who left and who came.
_MEMBER_LISTS = frozenset(("flowNodeRef",))
#: DMN elements matched on their own; a rule's entries are named after their column.
_DMN_TRACKED = frozenset(("decision", "input", "output", "rule"))
#: Elements defined beside the processes that any of them may use (messages, pools, their flows).
SHARED_ELEMENTS = frozenset(("message", "signal", "error", "escalation", "collaboration", "participant",
                             "messageFlow"))
#: Prefixes to write qualified attribute and element names with.
_PREFIXES = {"http://camunda.org/schema/1.0/bpmn": "camunda", "http://camunda.org/schema/1.0/dmn": "camunda",
             "http://www.w3.org/2001/XMLSchema-instance": "xsi"}


@dataclass(frozen=True)
class Detail:
    what: str
    before: Optional[str]
    after: Optional[str]


@dataclass
class Change:
    element_id: str
    change: str  # added | removed | changed
    element_type: str
    name: Optional[str]
    details: list[Detail] = field(default_factory=list)


@dataclass
class _Element:
    element_type: str
    name: Optional[str]
    properties: dict[str, str]


def diff(kind: str, before: bytes, after: bytes) -> list[Change]:
    """The changes from ``before`` to ``after``, for a ``bpmn``, ``dmn`` or ``form`` resource."""
    read = {"bpmn": _bpmn_elements, "dmn": _dmn_elements, "form": _form_fields}[kind]
    return _compare(read(before), read(after))


def _compare(old: dict[str, _Element], new: dict[str, _Element]) -> list[Change]:
    changes = [Change(key, ADDED, element.element_type, element.name,
                      [Detail(what, None, value) for what, value in element.properties.items()])
               for key, element in new.items() if key not in old]
    changes += [Change(key, REMOVED, element.element_type, element.name,
                       [Detail(what, value, None) for what, value in element.properties.items()])
                for key, element in old.items() if key not in new]
    for key in (k for k in new if k in old):
        details = _details(old[key], new[key])
        if details:
            changes.append(Change(key, CHANGED, new[key].element_type, new[key].name or old[key].name, details))
    order = {ADDED: 0, CHANGED: 1, REMOVED: 2}
    return sorted(changes, key=lambda c: (order[c.change], c.element_id))


def _details(old: _Element, new: _Element) -> list[Detail]:
    details = [Detail("type", old.element_type, new.element_type)] if old.element_type != new.element_type else []
    for what in sorted(set(old.properties) | set(new.properties)):
        before, after = old.properties.get(what), new.properties.get(what)
        if before == after:
            continue
        if what in _MEMBER_LISTS and before and after:
            before, after = _moved(before, after)
        details.append(Detail(what, before, after))
    return details


def _moved(before: str, after: str) -> tuple[Optional[str], Optional[str]]:
    """Of two member lists, only the members that left and those that came."""
    old, new = before.split(", "), after.split(", ")
    left, came = [m for m in old if m not in new], [m for m in new if m not in old]
    return ", ".join(left) or None, ", ".join(came) or None


# ------------------------------------------------------------------ BPMN
def _bpmn_elements(data: bytes) -> dict[str, _Element]:
    """Every semantic BPMN element with an id (diagram interchange left out)."""
    root = parse_xml(data, "model.bpmn")
    found: dict[str, _Element] = {}
    for element in root.iter():
        if not _is_bpmn_tracked(element):
            continue
        local = etree.QName(element).localname
        found[element.get("id")] = _Element(local, element.get("name"),
                                            _properties(element, _is_bpmn_tracked, _BPMN_NOISE))
    return found


def _is_bpmn_tracked(element: etree._Element) -> bool:
    """An element with an id inside a container: flow nodes, flows, lanes, processes, messages."""
    if not isinstance(element.tag, str) or element.get("id") is None:
        return False
    if etree.QName(element).namespace != _BPMN_NS:
        return False
    parent = element.getparent()  # the root (definitions) only carries the exporter's name and version
    return parent is not None and (etree.QName(parent).namespace == _BPMN_NS
                                   and etree.QName(parent).localname in _BPMN_CONTAINERS)


def _properties(element: etree._Element, tracked, noise: frozenset[str] = frozenset()) -> dict[str, str]:
    """The element's attributes (id aside) and the text and attributes of its inner parts (paths),
    stopping at inner elements that are matched on their own; repeated parts are joined."""
    values: dict[str, list[str]] = {}
    for name, value in element.attrib.items():
        if name != "id":
            values.setdefault(_qualified(name), []).append(value)
    for path, part in _parts(element, tracked, noise, ""):
        text = (part.text or "").strip()
        if text:
            values.setdefault(path, []).append(text)
        for name, value in part.attrib.items():
            if name != "id":
                values.setdefault(f"{path}@{_qualified(name)}", []).append(value)
        if not text and not part.attrib and len(part) == 0:
            values.setdefault(path, []).append("✓")  # a marker element, e.g. a bare timerEventDefinition
    return {what: ", ".join(items) for what, items in values.items()}


def _parts(element: etree._Element, tracked, noise: frozenset[str], prefix: str) -> Iterator[tuple[str, Any]]:
    for child in element:
        if not isinstance(child.tag, str) or tracked(child):
            continue
        local = _qualified(child.tag)
        if local in noise:
            continue
        path = f"{prefix}{local}"
        yield path, child
        yield from _parts(child, tracked, noise, path + "/")


def _qualified(name: str) -> str:
    qname = etree.QName(name)
    prefix = _PREFIXES.get(qname.namespace or "")
    return f"{prefix}:{qname.localname}" if prefix else qname.localname


# ------------------------------------------------------------------ DMN
def _dmn_elements(data: bytes) -> dict[str, _Element]:
    """Decisions, columns and rules by id; a rule's entries named ``when <input>`` / ``then <output>``."""
    root = parse_xml(data, "model.dmn")
    found: dict[str, _Element] = {}
    for element in root.iter():
        if not _is_dmn_tracked(element):
            continue
        local = etree.QName(element).localname
        if local == "rule":
            found[element.get("id")] = _Element(local, _text_of(element, "description"), _rule_entries(element))
            continue
        found[element.get("id")] = _Element(local, element.get("name") or element.get("label"),
                                            _properties(element, _is_dmn_tracked))
    return found


def _is_dmn_tracked(element: etree._Element) -> bool:
    return (isinstance(element.tag, str) and element.get("id") is not None
            and etree.QName(element).localname in _DMN_TRACKED)


def _rule_entries(rule: etree._Element) -> dict[str, str]:
    table = rule.getparent()
    inputs = [_column_label(c) for c in table if isinstance(c.tag, str) and etree.QName(c).localname == "input"]
    outputs = [_column_label(c) for c in table if isinstance(c.tag, str) and etree.QName(c).localname == "output"]
    entries: dict[str, str] = {}
    for prefix, local, labels in (("when", "inputEntry", inputs), ("then", "outputEntry", outputs)):
        cells = [c for c in rule if isinstance(c.tag, str) and etree.QName(c).localname == local]
        for index, cell in enumerate(cells):
            label = labels[index] if index < len(labels) else str(index + 1)
            entries[f"{prefix} {label}"] = _text_of(cell, "text") or "-"
    description = _text_of(rule, "description")
    if description:
        entries["description"] = description
    return entries


def _column_label(column: etree._Element) -> str:
    expression = next((c for c in column if isinstance(c.tag, str) and etree.QName(c).localname == "inputExpression"),
                      None)
    return (column.get("label") or column.get("name")
            or (_text_of(expression, "text") if expression is not None else None) or column.get("id"))


def _text_of(element: etree._Element, local: str) -> Optional[str]:
    child = next((c for c in element if isinstance(c.tag, str) and etree.QName(c).localname == local), None)
    text = (child.text or "").strip() if child is not None else ""
    return text or None


# ------------------------------------------------------------------ forms
def _form_fields(data: bytes) -> dict[str, _Element]:
    """Form-js components by key (or id when they have none), groups' components included."""
    found: dict[str, _Element] = {}
    for component in _components(json.loads(data.decode("utf-8-sig")).get("components")):
        key = component.get("key") or component.get("id")
        if not key:
            continue
        flat = _flatten({k: v for k, v in component.items() if k not in ("components", "id", "type")}, "")
        name = component.get("label") or component.get("text")
        found[str(key)] = _Element(str(component.get("type") or "field"), name, flat)
    return found


def _components(components: Any) -> Iterator[dict]:
    for component in components if isinstance(components, list) else ():
        if isinstance(component, dict):
            yield component
            yield from _components(component.get("components"))


def _flatten(value: Any, prefix: str) -> dict[str, str]:
    if isinstance(value, dict):
        flat: dict[str, str] = {}
        for key, inner in value.items():
            flat.update(_flatten(inner, f"{prefix}{key}."))
        return flat
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return {prefix.rstrip("."): text}
