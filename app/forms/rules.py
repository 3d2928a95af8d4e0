"""Checking one submitted form value against its field's rules, and deciding which fields are hidden.

Split from ``app.forms.parse`` (which reads form definitions) so that each module stays small; the rules
follow form-js, which is what people see (see ``app.forms.parse`` for why).
"""
from __future__ import annotations

import re
from datetime import date, datetime, time
from typing import Any

from app.errors import FieldErrors, InvalidInput
from app.forms import feel
from app.forms.spec import FormField, FormSpec
from app.texts import N_
from app.values import parse_boolean, parse_number

_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
EMAIL_PATTERN = rf"^[^\s@]+@{_LABEL}(?:\.{_LABEL})*$"
PHONE_PATTERN = r"^(?:\+|00)[1-9][0-9]{6,20}$"
_PRESET_MESSAGES = {EMAIL_PATTERN: N_("must be a valid email address"),
                    PHONE_PATTERN: N_("must be an international phone number like +4930664040900")}


class RuleBroken(ValueError):
    """One rule a value breaks: ``text`` is an English template marked for the catalogs and ``params``
    fill it, so the API says ``str(error)`` while a page says it in its reader's language."""

    def __init__(self, text: str, **params: Any):
        super().__init__(text.format(**params))
        self.text = text
        self.params = params


def hidden_keys(form: FormSpec, values: dict[str, Any], context: dict[str, Any]) -> set[str]:
    """Keys of the fields form-js would hide for this submission, so that they are neither required nor stored.

    Conditions see what the browser saw: the instance's variables with the submission over them, each
    value typed as its field types it (a number field's ``"3"`` compares as 3). A readonly field keeps its
    current value: a client that may not change it must not steer visibility with it either.
    """
    if not any(field.hide for field in form.fields):
        return set()
    readonly = {field.key for field in form.fields if field.readonly}
    data = {**context, **{key: value for key, value in values.items() if key not in readonly}}
    for field in form.fields:
        if field.key in data and field.key not in readonly:
            try:
                data[field.key] = coerce(field, data[field.key])
            except ValueError:
                pass  # left as sent: the field's own check reports it if the field is shown
    return {field.key for field in form.fields if any(feel.holds(condition, data) for condition in field.hide)}


def field_value(form: FormSpec, field: FormField, values: dict, partial: bool) -> tuple[bool, Any]:
    """(present, coerced value) for one field, or RuleBroken naming the first rule it breaks."""
    value = values.get(field.key)
    if _is_empty(value):
        if field.required and not partial:
            raise RuleBroken(N_("required"))
        if field.key in values:  # sent empty: text and lists keep their empty value, the rest is null
            return True, value if value is not None and field.type in ("string", "list") else None
        if partial:
            return False, None
        if field.default is not None:
            return True, field.default
        is_checkbox = field.type == "boolean" and form.source == "camunda-form"
        return is_checkbox, False if is_checkbox else None
    value = coerce(field, value)
    _check_rules(form, field, value, partial)
    return True, value


def coerce(field: FormField, value: Any) -> Any:
    """``value`` as the field's type stores it, or RuleBroken saying what was expected."""
    if field.type in ("long", "double"):
        try:
            number = parse_number(value)
        except ValueError:
            raise RuleBroken(N_("must be a number")) from None
        if field.type == "long" and isinstance(number, float) and not number.is_integer():
            raise RuleBroken(N_("must be a whole number"))
        return int(number) if field.type == "long" else number
    if field.type == "boolean":
        try:
            return parse_boolean(value)
        except ValueError:
            raise RuleBroken(N_("must be true or false")) from None
    if field.type == "date":
        return _iso_text(value)
    if field.type == "enum" and isinstance(value, int) and not isinstance(value, bool):
        return str(value)  # a client sending 3 for the option "3" means that option
    if field.type == "list":
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise RuleBroken(N_("must be a list of text values"))
        return list(value)
    if not isinstance(value, str):
        raise RuleBroken(N_("must be text"))
    return value


def show(number: float) -> str:
    """A bound as people write it: 5, not 5.0."""
    return str(int(number)) if number.is_integer() else str(number)


def _is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or value == []


def _iso_text(value: Any) -> str:
    """Dates stay ISO-8601 text: a date, a date-time or a time (form-js has all three subtypes)."""
    if isinstance(value, (date, time)):
        return value.isoformat()
    for parse in (datetime.fromisoformat, time.fromisoformat):
        try:
            parse(value.strip())
            return value.strip()
        except (AttributeError, ValueError):
            pass
    raise RuleBroken(N_("must be an ISO-8601 date, date-time or time"))


def _check_rules(form: FormSpec, field: FormField, value: Any, partial: bool) -> None:
    if field.min is not None and value < field.min:
        raise RuleBroken(N_("must be >= {min}"), min=show(field.min))
    if field.max is not None and value > field.max:
        raise RuleBroken(N_("must be <= {max}"), max=show(field.max))
    if field.type == "string":
        size = len(value.strip()) if form.source == "camunda-form" else len(value)
        if field.min_length is not None and size < field.min_length:
            raise RuleBroken(N_("must be at least {count} characters"), count=field.min_length)
        if field.max_length is not None and size > field.max_length:
            raise RuleBroken(N_("must be at most {count} characters"), count=field.max_length)
        if field.pattern and not re.search(field.pattern, value):
            raise RuleBroken(_PRESET_MESSAGES.get(field.pattern, N_("must match pattern {pattern}")),
                             pattern=field.pattern)
    chosen = value if field.type == "list" else [value]
    if field.options and any(item not in field.options for item in chosen):
        raise RuleBroken(N_("must be one of: {options}"), options=", ".join(field.options))
    if value is False and field.required and not partial and form.source == "camunda-form":
        raise RuleBroken(N_("required (the box must be ticked)"))


def validate_submission(form: FormSpec, values: dict[str, Any], partial: bool = False,
                        context: dict[str, Any] | None = None) -> dict[str, Any]:
    """Check submitted values against every rule; return them coerced, or raise one InvalidInput
    naming each bad field. A key the form has no field for is refused too: the form is the whole of
    what the person at this step may set, and without that rule anyone completing a task could
    overwrite what the process keeps for itself (an SLA deadline, an escalation level). Camunda
    accepts extra variables; tasks without a form keep doing so, since there is nothing to check against.

    A value sent for a readonly field is dropped, not refused: a renderer may send back every field it
    displayed, readonly ones included, so refusing would fail honest submissions, while storing it
    would let a client overwrite what the process decided. A field whose ``conditional.hide`` holds is
    skipped the same way: form-js neither asks for it nor submits it, so it is not required and a value
    sent anyway is dropped. Conditions read the submission over ``context`` (the instance's current
    variables), since a form may hide a field by a value decided earlier in the process. ``partial``
    (drafts) skips ``required`` and fills in no defaults, so a draft holds only what the user typed.
    """
    if not isinstance(values, dict):
        raise InvalidInput("form values must be an object")
    known = {field.key for field in form.fields}
    unknown = sorted(str(key) for key in values if key not in known)
    if unknown:
        raise InvalidInput(f"form {form.id} has no field for variable(s) {', '.join(repr(k) for k in unknown)}; "
                           f"a task with a form accepts only its fields")
    result: dict[str, Any] = {}
    hidden = hidden_keys(form, values, context or {})
    problems: dict[str, tuple[str, dict]] = {}
    for field in form.fields:
        if field.readonly or field.key in hidden:
            continue
        try:
            present, value = field_value(form, field, values, partial)
        except RuleBroken as exc:
            problems[field.key] = (exc.text, exc.params)
            continue
        if present:
            result[field.key] = value
    if problems:
        raise FieldErrors("; ".join(f"field '{key}': {text.format(**params)}"
                                    for key, (text, params) in problems.items()), problems)
    return result
