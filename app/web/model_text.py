"""Text that process owners write in models (form labels, task and flow names), in the reader's language.

Owners write each form and model once, in Chinese. ``pybabel extract`` reads these texts from the
``.form``, ``.bpmn`` and ``.dmn`` files through :func:`extract` (registered in ``babel.cfg``), so they
land in the same catalogs as the pages' own text: the en catalog carries their English. When a page
shows a form, :func:`translate_form` runs every visible text through the catalogs before form-js
draws it, so the owner never writes "中文 (English)" again.
"""
from __future__ import annotations

import copy
import json
from typing import IO, Any, Callable, Iterator

from lxml import etree

from app.modelcheck.xml import CAMUNDA_NS, parse_xml

#: Properties of a form-js component that people read; ``values[].label`` (options) comes on top.
FORM_TEXT_KEYS = ("label", "description", "text", "dateLabel", "timeLabel", "placeholder")
#: Elements whose ``name`` is an identifier the engine matches on (messages, variables), not text.
_NAMES_THAT_ARE_IDS = frozenset(("message", "signal", "error", "escalation", "output", "inputData", "variable"))

Extracted = tuple[int, str, str, list[str]]


def form_texts(components: Any) -> Iterator[str]:
    """Every text of a form-js component list people read, groups included."""
    for component in components if isinstance(components, list) else ():
        if not isinstance(component, dict):
            continue
        for key in FORM_TEXT_KEYS:
            if isinstance(component.get(key), str) and component[key].strip():
                yield component[key]
        for option in component.get("values") or ():
            if isinstance(option, dict) and isinstance(option.get("label"), str) and option["label"].strip():
                yield option["label"]
        if message := _pattern_message(component):
            yield message
        yield from form_texts(component.get("components"))


def _pattern_message(component: dict) -> str:
    """What form-js says when the ``validate.pattern`` does not match, in place of the pattern itself."""
    rules = component.get("validate")
    message = rules.get("patternErrorMessage") if isinstance(rules, dict) else None
    return message if isinstance(message, str) and message.strip() else ""


def translate_form(schema: dict, translate: Callable[[str], str]) -> dict:
    """A copy of a form-js schema with its readable text translated; keys, values and rules untouched."""
    translated = copy.deepcopy(schema)
    _translate_components(translated.get("components"), translate)
    return translated


def _translate_components(components: Any, translate: Callable[[str], str]) -> None:
    for component in components if isinstance(components, list) else ():
        if not isinstance(component, dict):
            continue
        for key in FORM_TEXT_KEYS:
            if isinstance(component.get(key), str) and component[key].strip():
                component[key] = translate(component[key])
        for option in component.get("values") or ():
            if isinstance(option, dict) and isinstance(option.get("label"), str) and option["label"].strip():
                option["label"] = translate(option["label"])
        if message := _pattern_message(component):
            component["validate"]["patternErrorMessage"] = translate(message)
        _translate_components(component.get("components"), translate)


def model_xml_texts(data: bytes, resource: str) -> Iterator[tuple[int, str]]:
    """(line, text) of every name and label a BPMN or DMN diagram shows, and of generated form fields."""
    for element in parse_xml(data, resource).iter():
        if not isinstance(element.tag, str):
            continue  # comments and processing instructions
        namespace, _, local = element.tag[1:].partition("}")
        for attribute in _readable_attributes(namespace, local):
            text = element.get(attribute)
            if text and text.strip():
                yield element.sourceline or 1, text


def translate_model_xml(data: bytes, resource: str, translate: Callable[[str], str]) -> bytes:
    """A BPMN/DMN document with the names a diagram shows translated (ids and everything else kept),
    so that bpmn-js draws the model in the reader's language."""
    root = parse_xml(data, resource)
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        namespace, _, local = element.tag[1:].partition("}")
        for attribute in _readable_attributes(namespace, local):
            text = element.get(attribute)
            if text and text.strip():
                element.set(attribute, translate(text))
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def _readable_attributes(namespace: str, local: str) -> tuple[str, ...]:
    if namespace == CAMUNDA_NS:
        return {"formField": ("label",), "value": ("name",)}.get(local, ())
    if "BPMN" in namespace or "DMN" in namespace:
        return ("label",) if local in _NAMES_THAT_ARE_IDS else ("name", "label")
    return ()


def extract(fileobj: IO[bytes], keywords: Any, comment_tags: Any, options: dict) -> Iterator[Extracted]:
    """Babel extractor (``babel.cfg``: ``[model_text: forms/**.form]`` and the process files)."""
    data = fileobj.read()
    name = getattr(fileobj, "name", "model")
    if str(name).endswith(".form"):
        yield from _form_messages(data)
        return
    for line, text in model_xml_texts(data, str(name)):
        yield line, "", text, []


def _form_messages(data: bytes) -> Iterator[Extracted]:
    source = data.decode("utf-8")
    lines = source.splitlines()
    for text in form_texts(json.loads(source).get("components")):
        needle = json.dumps(text, ensure_ascii=False)
        line = next((number for number, row in enumerate(lines, 1) if needle in row), 1)
        yield line, "", text, []
