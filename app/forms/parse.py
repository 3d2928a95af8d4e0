"""Task forms: one server-side shape for Camunda Forms and Camunda 7 generated task forms.

The browser renders forms with form-js, but what a browser checks an API client can skip, so every
submission is checked again here. Both kinds of definition (form-js ``*.form`` JSON, ``camunda:formField``
in BPMN) become one ``FormSpec``: one validator, one set of messages. Where they differ the rules follow
form-js, which is what people see: lengths count trimmed text, a required checkbox must be ticked, an
empty multi-select is missing, ``pattern`` is searched like JavaScript's ``RegExp.test``. What the
server cannot know it does not pretend to: FEEL (``=...``) in ``readonly``/``min``/``max``/lengths is
left to the browser. ``conditional.hide`` is different: it decides whether a field is asked for at all,
so the server evaluates it (``app.forms.feel``, a subset read at deployment) and, like form-js, neither
requires nor stores a hidden field. A pattern Python cannot compile refuses the form at deployment.
Groups with a ``path`` and dynamic lists write nested objects that expressions cannot reach by name:
refused.
"""
from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import replace
from typing import Any, Iterator

from app.forms import feel
from app.errors import ModelError
from app.forms.rules import EMAIL_PATTERN, PHONE_PATTERN, coerce, show
from app.forms.spec import FormField, FormSpec
from app.values import is_variable_name, parse_number

#: form-js component type -> normalised field type.
_FORM_JS_TYPES = {
    "textfield": "string", "textarea": "string", "number": "double", "checkbox": "boolean",
    "checklist": "list", "taglist": "list", "select": "enum", "radio": "enum", "datetime": "date",
}
#: Components that submit nothing; ``expression`` computes its value in the browser, so like any
#: extra variable it passes through unchecked.
_DISPLAY_TYPES = {"text", "html", "spacer", "separator", "button", "image", "iframe", "table",
                  "documentPreview", "expression"}
_CAMUNDA7_TYPES = {"string", "long", "double", "boolean", "date", "enum"}
_CAMUNDA7_CONSTRAINTS = {"required", "readonly", "minlength", "maxlength", "min", "max"}

_PRESETS = {"email": EMAIL_PATTERN, "phone": PHONE_PATTERN}


def parse_camunda_form(text: str | bytes, resource: str) -> FormSpec:
    """Read a form-js ``*.form`` file; a ModelError names the resource and the component."""
    try:
        doc = json.loads(text)
    except ValueError as exc:
        raise ModelError(f"not valid JSON ({exc})", resource=resource) from None
    if not isinstance(doc, dict):
        raise ModelError("a form is a JSON object", resource=resource)
    # Camunda 7 finds a form by file name too (camunda-forms:deployment:NAME.form); its own
    # quickstart ships forms without an id, so only an id that is there must be usable.
    form_id = doc.get("id")
    if form_id is not None and (not isinstance(form_id, str) or not form_id.strip()):
        raise ModelError("the form's 'id' must be a non-empty string, or left out (the form is then "
                         "found by its file name)", resource=resource)
    fields = []
    for component, hide in _leaves(doc.get("components"), resource):
        try:
            field = _component_field(component, hide)
        except ValueError as exc:
            raise _component_error(component, exc, resource) from None
        fields += [field] if field else []
    if duplicates := _duplicates(fields):
        raise ModelError("key is used by more than one component", element_id=duplicates[0],
                         resource=resource)
    return FormSpec(form_id, tuple(fields), "camunda-form")


def form_from_form_fields(form_id: str, fields: list[dict]) -> FormSpec:
    """Build the spec of a Camunda 7 generated form (``camunda:formField``s already read from XML)."""
    specs = []
    for raw in fields:
        try:
            specs.append(_form_field(raw))
        except ValueError as exc:
            key = raw.get("id") if isinstance(raw, dict) else raw
            raise ModelError(f"form field '{key}': {exc}", element_id=form_id) from None
    if duplicates := _duplicates(specs):
        raise ModelError(f"form field '{duplicates[0]}' is declared twice", element_id=form_id)
    return FormSpec(form_id, tuple(specs), "form-field")


def _leaves(components: Any, resource: str,
            hide: tuple[feel.Expression, ...] = ()) -> Iterator[tuple[dict, tuple[feel.Expression, ...]]]:
    """Components with plain groups flattened (form-js keys in a group without ``path`` are top-level),
    each with the hide conditions of the groups around it: hiding a group hides everything in it."""
    if not isinstance(components, list):
        raise ModelError("'components' must be a list", resource=resource)
    for component in components:
        if not isinstance(component, dict):
            raise ModelError("every component must be an object", resource=resource)
        kind = component.get("type")
        if kind == "dynamiclist" or (kind == "group" and component.get("path")):
            raise ModelError(f"a {kind} with a path writes nested data, which is not supported",
                             element_id=str(component.get("path") or component.get("id")), resource=resource)
        if kind == "group":
            try:
                inner = hide + _hide_condition(component)
            except ValueError as exc:
                raise _component_error(component, exc, resource) from None
            yield from _leaves(component.get("components", []), resource, inner)
        else:
            yield component, hide


def _component_error(component: dict, error: ValueError, resource: str) -> ModelError:
    name = component.get("key") or component.get("id") or component.get("type")
    return ModelError(str(error), element_id=str(name), resource=resource)


def _hide_condition(component: dict) -> tuple[feel.Expression, ...]:
    """The parsed ``conditional.hide``, if any: parsing at deployment makes FEEL the server cannot
    evaluate fail there, not at a submission. form-js silently ignores a condition without the leading
    ``=``; that is a slip in the modeler, so it is refused rather than ignored."""
    conditional = component.get("conditional") or {}
    if not isinstance(conditional, dict):
        raise ValueError("'conditional' must be an object")
    hide = conditional.get("hide")
    if hide is None or hide == "":
        return ()
    if not isinstance(hide, str) or not hide.startswith("="):
        raise ValueError(f"conditional.hide must be a FEEL expression starting with '=', got {hide!r}")
    try:
        return (feel.parse(hide[1:]),)
    except feel.FeelError as exc:
        raise ValueError(f"conditional.hide {exc}") from None


def _component_field(component: dict, hide: tuple[feel.Expression, ...]) -> FormField | None:
    kind, key = component.get("type"), component.get("key")
    if kind in _DISPLAY_TYPES or (key is None and kind not in _FORM_JS_TYPES):
        return None
    if kind not in _FORM_JS_TYPES:
        raise ValueError(f"component type {kind!r} is not supported")
    if not is_variable_name(key):
        raise ValueError(f"{kind} needs a key that is a Python identifier not starting with '_'")
    rules = component.get("validate") or {}
    if not isinstance(rules, dict):
        raise ValueError("'validate' must be an object")
    field_type = "long" if kind == "number" and component.get("decimalDigits") == 0 else _FORM_JS_TYPES[kind]
    return _checked(FormField(
        key, field_type, label=str(component.get("label") or key),
        required=rules.get("required") is True,
        readonly=component.get("readonly") is True or component.get("disabled") is True,
        min=_bound(rules.get("min"), "min"), max=_bound(rules.get("max"), "max"),
        min_length=_length(rules.get("minLength"), "minLength"),
        max_length=_length(rules.get("maxLength"), "maxLength"),
        pattern=_PRESETS.get(str(rules.get("validationType"))) or rules.get("pattern") or None,
        options=_options(component) if field_type in ("enum", "list") else (),
        default=component.get("defaultValue"), hide=hide + _hide_condition(component)))


def _options(component: dict) -> tuple[str, ...]:
    """Static options only; options from ``valuesKey``/``valuesExpression`` are known at runtime."""
    if component.get("valuesKey") or component.get("valuesExpression"):
        return ()
    values = component.get("values") or []
    if not isinstance(values, list) or not all(
            isinstance(option, dict) and isinstance(option.get("value"), str) for option in values):
        raise ValueError("'values' must be a list of {label, value} with text values")
    return tuple(option["value"] for option in values)


def _form_field(raw: Any) -> FormField:
    if not isinstance(raw, dict):
        raise ValueError("must be a mapping")
    key, kind = raw.get("id"), raw.get("type")
    if not is_variable_name(key):
        raise ValueError("id must be a Python identifier not starting with '_'")
    if kind not in _CAMUNDA7_TYPES:
        raise ValueError(f"type {kind!r} is not supported")
    rules = dict(raw.get("constraints") or ())
    if unknown := sorted(rules.keys() - _CAMUNDA7_CONSTRAINTS):
        raise ValueError(f"constraint {unknown[0]!r} is not supported")
    field = _checked(FormField(
        key, kind, label=raw.get("label") or key, required="required" in rules, readonly="readonly" in rules,
        min=_bound(rules.get("min"), "min"), max=_bound(rules.get("max"), "max"),
        min_length=_length(rules.get("minlength"), "minlength"),
        max_length=_length(rules.get("maxlength"), "maxlength"),
        options=tuple(str(option_id) for option_id, _name in raw.get("values") or ()) if kind == "enum" else (),
        option_labels=tuple(str(name or option_id) for option_id, name in raw.get("values") or ()) if kind == "enum"
        else ()))
    default = raw.get("default")
    if default is None:
        return field
    if isinstance(default, str) and ("${" in default or "#{" in default):
        raise ValueError("expression defaults are not supported")
    return replace(field, default=coerce(field, default))


def _bound(value: Any, name: str) -> float | None:
    if value is None or (isinstance(value, str) and value.startswith("=")):  # FEEL: browser only
        return None
    try:
        return float(parse_number(value))
    except ValueError:
        raise ValueError(f"{name} must be a number, got {value!r}") from None


def _length(value: Any, name: str) -> int | None:
    number = _bound(value, name)
    if number is not None and (number < 0 or not number.is_integer()):
        raise ValueError(f"{name} must be a whole number >= 0, got {value!r}")
    return None if number is None else int(number)


def _checked(field: FormField) -> FormField:
    """Refuse rules that contradict each other or do not apply to the field's type."""
    if field.type not in ("long", "double") and (field.min is not None or field.max is not None):
        raise ValueError(f"min/max apply to numbers, not to a {field.type} field")
    if field.type != "string" and (field.min_length is not None or field.max_length is not None or field.pattern):
        raise ValueError(f"lengths and patterns apply to text, not to a {field.type} field")
    if field.min is not None and field.max is not None and field.min > field.max:
        raise ValueError(f"min {show(field.min)} is greater than max {show(field.max)}")
    if field.min_length is not None and field.max_length is not None and field.min_length > field.max_length:
        raise ValueError(f"minLength {field.min_length} is greater than maxLength {field.max_length}")
    try:
        re.compile(field.pattern or "")
    except (re.error, TypeError) as exc:
        raise ValueError(f"pattern {field.pattern!r} is not a valid regular expression ({exc})") from None
    return field


def _duplicates(fields: list[FormField]) -> list[str]:
    return [key for key, count in Counter(field.key for field in fields).items() if count > 1]
