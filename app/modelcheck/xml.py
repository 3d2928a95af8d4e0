"""Safe XML reading and the small vocabulary every model check shares.

Models arrive from browsers and from Camunda Modeler files, so they are
untrusted input: a DOCTYPE can declare entities that expand into gigabytes
("billion laughs") or that read local files (XXE). BPMN and DMN never need a
DOCTYPE, so any document that has one is refused before lxml builds a tree.
"""
from __future__ import annotations

import re
from typing import Callable, Optional

from lxml import etree

from app.errors import ModelError
from app.sandbox import SandboxError, compile_expression, compile_script

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
CAMUNDA_NS = "http://camunda.org/schema/1.0/bpmn"
ZEEBE_NS = "http://camunda.org/schema/zeebe/1.0"

_PARSER_OPTIONS = dict(resolve_entities=False, no_network=True, load_dtd=False,
                       dtd_validation=False, huge_tree=False, remove_comments=False)

# Markup that may precede the root element: XML declaration / processing
# instructions, comments and whitespace. Anything else there is a DOCTYPE.
_PROLOG_ITEM = re.compile(rb"\s+|<\?.*?\?>|<!--.*?-->", re.DOTALL)
_PARTS = frozenset(("conditionExpression", "condition", "timeDate", "timeDuration", "timeCycle",
                    "loopCardinality", "completionCondition", "script"))
_UTF16_32 = (b"\xff\xfe", b"\xfe\xff", b"\x00\x00\xfe\xff", b"<\x00", b"\x00<")


def parse_xml(data: bytes, resource: str) -> etree._Element:
    """Parse untrusted model bytes; refuse a DOCTYPE and report malformed XML with its line."""
    doctype_line = _doctype_line(data)
    if doctype_line is not None:
        raise ModelError("DOCTYPE is not allowed: BPMN and DMN files never need one "
                         "(it could declare entities that expand or read files)",
                         line=doctype_line, resource=resource)
    try:
        root = etree.fromstring(data, etree.XMLParser(**_PARSER_OPTIONS))
    except etree.XMLSyntaxError as exc:
        raise ModelError(f"the file is not well-formed XML: {exc.msg}",
                         line=exc.lineno or None, resource=resource) from None
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None:
        # An encoding the prolog scan cannot read (UTF-16, EBCDIC, ...) still lands here.
        raise ModelError("DOCTYPE is not allowed: BPMN and DMN files never need one",
                         line=1, resource=resource)
    return root


def _doctype_line(data: bytes) -> Optional[int]:
    """Line of a DOCTYPE in the prolog of an ASCII-compatible document, else None."""
    if data.startswith(_UTF16_32):
        try:
            data = data.decode("utf-32" if data[:2] == b"\x00\x00" else "utf-16").encode("utf-8")
        except UnicodeDecodeError:
            return None  # the parser will refuse it as malformed
    position = 3 if data.startswith(b"\xef\xbb\xbf") else 0
    while True:
        match = _PROLOG_ITEM.match(data, position)
        if not match:
            break
        position = match.end()
    if data[position:position + 9].upper() == b"<!DOCTYPE":
        return data.count(b"\n", 0, position) + 1
    return None


def has_juel(text: str) -> bool:
    """Whether text holds a Camunda JUEL expression (``${...}`` or ``#{...}``), which only Java can run."""
    return "${" in text or "#{" in text


def check_expression(source: str) -> Optional[str]:
    """None if ``source`` compiles as a sandboxed Python expression, else why not."""
    if not source or not source.strip():
        return "the expression is empty"
    return _compile_error(compile_expression, source)


def check_script(source: str) -> Optional[str]:
    """None if ``source`` compiles as a sandboxed Python script, else why not."""
    return _compile_error(compile_script, source)


def _compile_error(compile_source: Callable[[str], object], source: str) -> Optional[str]:
    try:
        compile_source(source)
    except SandboxError as exc:
        return str(exc)
    except (RecursionError, MemoryError):
        # Python's parser gives up on very deep nesting: a refusal, not a crash of the deployment.
        return "it is nested too deeply"
    return None


def tag(namespace: str, name: str) -> str:
    """Clark notation, as lxml spells qualified names."""
    return f"{{{namespace}}}{name}"


def local_name(element: etree._Element) -> str:
    return etree.QName(element).localname


def namespace(element: etree._Element) -> Optional[str]:
    return etree.QName(element).namespace


def camunda(element: etree._Element, name: str) -> Optional[str]:
    """A ``camunda:`` attribute of ``element``, or None."""
    return element.get(tag(CAMUNDA_NS, name))


def owner_id(element: etree._Element) -> Optional[str]:
    """Id of the element itself or of its nearest ancestor that has one.

    Problems inside extension elements (a listener, a form field, whose "id"
    is a variable name), event definitions and expressions are reported
    against the BPMN element the process owner sees in the modeler.
    """
    node: Optional[etree._Element] = element
    while node is not None:
        value = (node.get("id") or "").strip()
        if value and not _is_part(node):
            return value
        node = node.getparent()
    return (element.get("id") or "").strip() or None


def _is_part(element: etree._Element) -> bool:
    """Ids the modeler never shows as an element: extension data, event definitions, expressions."""
    name = etree.QName(element).localname
    return not is_standard(element) or name in _PARTS or name.endswith(("EventDefinition", "LoopCharacteristics"))


def is_standard(element: etree._Element) -> bool:
    """Whether ``element`` is OMG-standard (BPMN, DMN, their diagram interchange), not an extension."""
    return (namespace(element) or "").split("://", 1)[-1].startswith("www.omg.org/spec/")


def quote_short(text: str, limit: int = 60) -> str:
    """Model text quoted for a message, shortened so one problem stays one line."""
    flat = " ".join(text.split())
    return repr(flat if len(flat) <= limit else flat[:limit - 1] + "…")


class Problems:
    """Every problem of one resource, so a deployment reports all of them at once.

    Warnings are kept apart: they name what deploys but may not do what its owner
    expects (a task only admins can take, a form the server cannot check).
    """

    def __init__(self, resource: str):
        self.resource = resource
        self.items: list[ModelError] = []
        self.warnings: list[ModelError] = []

    def add(self, element: Optional[etree._Element], message: str) -> None:
        """Record a problem at ``element`` (its id, or its owner's, and its line)."""
        self.items.append(self.at(element, message))

    def warn(self, element: Optional[etree._Element], message: str) -> None:
        """Record a warning at ``element``; it does not refuse the deployment."""
        self.warnings.append(self.at(element, message))

    def at(self, element: Optional[etree._Element], message: str) -> ModelError:
        """A finding at ``element`` in this resource: a problem, or a warning the deployment only reports."""
        if element is None:
            return ModelError(message, resource=self.resource)
        return ModelError(message, element_id=owner_id(element), line=element.sourceline, resource=self.resource)

    def __bool__(self) -> bool:
        return bool(self.items)
