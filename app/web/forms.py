"""Forms as the browser gets them: a form-js schema in the reader's language, and errors beside fields.

A task links a Camunda Form (``*.form``, already a form-js schema) or declares ``camunda:formField``s,
for which a form-js schema is generated here from the same ``FormSpec`` the server validates with, so
both kinds look alike and keep one set of rules. Text is translated before form-js sees it
(``app.web.model_text``); what form-js itself says (its validation messages) is translated by the
page script from the table :func:`builtin_messages` gives it.
"""
from __future__ import annotations

import json
from typing import Any, Optional

from flask_babel import gettext, lazy_gettext as _l

from app.errors import FieldErrors
from app.forms import FormField, FormSpec
from app.services.audit import jsonable
from app.web.i18n import translated
from app.web.model_text import translate_form

#: Schema version form-js 1.x reads; generated forms declare what they use.
SCHEMA_VERSION = 16
_COMPONENT_TYPES = {"string": "textfield", "long": "number", "double": "number", "boolean": "checkbox",
                    "date": "datetime", "enum": "select"}


def form_schema(source: Optional[bytes], spec: Optional[FormSpec]) -> Optional[dict]:
    """The form-js schema of a task or start event in the reader's language: the deployed Camunda Form,
    or one generated from its ``camunda:formField``s; None for a step without a form."""
    if source is not None:
        schema = json.loads(source)
    elif spec is not None and spec.source == "form-field":
        schema = generated_schema(spec)
    else:
        return None
    return translate_form(schema, translated)


def generated_schema(spec: FormSpec) -> dict:
    """A form-js schema for ``camunda:formField``s, carrying the rules the server checks."""
    return {"type": "default", "id": spec.id or "generated", "schemaVersion": SCHEMA_VERSION,
            "components": [_component(field) for field in spec.fields]}


def _component(field: FormField) -> dict[str, Any]:
    component: dict[str, Any] = {"id": f"field_{field.key}", "key": field.key, "label": field.label,
                                 "type": _COMPONENT_TYPES[field.type]}
    if field.type == "long":
        component["decimalDigits"] = 0
    if field.type == "date":
        component.update(subtype="date", dateLabel=field.label)
    if field.type == "enum":
        labels = field.option_labels or field.options
        component["values"] = [{"label": label, "value": value} for value, label in zip(field.options, labels)]
    if field.readonly:
        component["readonly"] = True
    if field.default is not None:
        component["defaultValue"] = field.default
    rules = {name: value for name, value in (
        ("required", field.required or None), ("min", field.min), ("max", field.max),
        ("minLength", field.min_length), ("maxLength", field.max_length)) if value is not None}
    if rules:
        component["validate"] = rules
    return component


def without_fields(schema: dict, keys: set[str]) -> dict:
    """The schema without the components of ``keys``: values the server sets itself are not asked for."""
    def keep(components: list) -> list:
        return [dict(component, components=keep(component["components"])) if "components" in component
                else component for component in components if component.get("key") not in keys]
    return dict(schema, components=keep(schema.get("components") or []))


def form_data(variables: dict[str, Any]) -> dict[str, Any]:
    """What form-js starts from: the instance's variables as JSON (dates as ISO text)."""
    return jsonable(variables)


def field_messages(error: FieldErrors) -> dict[str, str]:
    """Each bad field's message in the reader's language, keyed by the field's key."""
    return {key: gettext(text).format(**params) for key, (text, params) in error.fields.items()}


#: form-js's own validation messages, with ``{n}`` where it puts a number, and what the page says instead.
_BUILTIN_MESSAGES = (
    ("Field is required.", _l("This field is required.")),
    ("Field must have minimum length of {n}.", _l("Enter at least {n} characters.")),
    ("Field must have maximum length of {n}.", _l("Enter at most {n} characters.")),
    ("Field must have minimum value of {n}.", _l("Enter {n} or more.")),
    ("Field must have maximum value of {n}.", _l("Enter {n} or less.")),
    ("Field must match pattern {n}.", _l("Does not have the expected format ({n}).")),
    ("Field must be a valid email.", _l("Enter a valid email address.")),
    ("Value is not a number.", _l("Enter a number.")),
    ("Value is expected to be an integer.", _l("Enter a whole number.")),
    ("Value is expected to have at most {n} decimal digit.", _l("Enter at most {n} decimal places.")),
    ("Value is expected to have at most {n} decimal digits.", _l("Enter at most {n} decimal places.")),
    ("Field must be a valid  international phone number. (e.g. +4930664040900)",  # sic: two spaces
     _l("Enter a phone number in international form, e.g. +8613800000000.")),
)


def builtin_messages() -> dict[str, str]:
    """form-js's English messages mapped to the reader's language (the page script swaps them)."""
    return {english: str(ours) for english, ours in _BUILTIN_MESSAGES}
