"""Camunda 7 REST typed variables, converted to and from plain Python values at the edge.

Camunda clients (Modeler's "start instance", bpmn.io apps, scripts written for Camunda's REST API)
send ``{"name": {"value": ..., "type": "String", "valueInfo": {}}}`` and expect the same shape back.
Instance state, on the other hand, is plain data that sandboxed expressions read by name. So the
REST layer converts here, once, and refuses whatever could not survive that trip:

- A Date becomes an aware ``datetime`` (UTC, millisecond precision) in the workflow's data, which
  SpiffWorkflow's serializer keeps as a datetime, so expressions compare dates as dates. The JSON
  projection (``process_instance.variables``) holds it as ISO text, and ``variable_types`` marks it
  as a Date, so it reads back as a Date in Camunda's ``yyyy-MM-dd'T'HH:mm:ss.SSSZ``.
- Json (and Object with a JSON serialization format) travel as JSON text, Camunda's wire format, and
  are stored decoded so that expressions can index into them. An Object's ``valueInfo``
  (objectTypeName, serializationDataFormat) is kept in ``variable_types`` and sent back with it;
  ``deserializeValues=false`` returns its JSON text instead of the decoded value.
- Java-serialized objects, bytes and files mean nothing to a Python engine and are refused.
"""
from __future__ import annotations

import json
from datetime import date, datetime, timezone
from typing import Any, Callable, Mapping, Optional

from flask import current_app, has_app_context

from app.errors import InvalidInput
from app.forms import FormSpec
from app.values import format_date, is_variable_name, parse_boolean, parse_date, parse_json, parse_number

_INT32 = 2 ** 31
_INT64 = 2 ** 63
_DEFAULT_MAX_VARIABLES = 500
_DEFAULT_MAX_VARIABLE_BYTES = 1024 * 1024


def from_rest(payload: Any) -> dict[str, Any]:
    """Typed REST variables -> plain values; one InvalidInput naming every bad variable.

    The number of variables and the JSON size of each value are capped (settings ``MAX_VARIABLES``,
    ``MAX_VARIABLE_BYTES``): whatever is accepted here is copied into the instance's state on every
    later step, so one request must not be able to make it arbitrarily large.
    """
    if not isinstance(payload, dict):
        raise InvalidInput("variables must be a JSON object of {name: {value, type, valueInfo}}")
    max_count, max_bytes = _limits()
    if len(payload) > max_count:
        raise InvalidInput(f"at most {max_count} variables may be sent at once, not {len(payload)}")
    values: dict[str, Any] = {}
    problems: list[str] = []
    for name, entry in payload.items():
        try:
            _check_size(entry, max_bytes)
            values[name] = _decode(name, entry)
            _check_reserved_keys(values[name])
        except ValueError as exc:
            problems.append(f"variable '{name}': {exc}")
    if problems:
        raise InvalidInput("; ".join(problems))
    return values


def _check_reserved_keys(value: Any) -> None:
    """SpiffWorkflow's state serializer reads any object with a ``typename`` key as one of its own typed
    values: such a variable would be stored, then fail to load (or load as something else) on the next
    step. Refused here, where the client can still be told why."""
    pending = [value]
    while pending:
        node = pending.pop()
        if isinstance(node, dict):
            if "typename" in node:
                raise ValueError("an object key named 'typename' is reserved by the workflow state format")
            pending.extend(node.values())
        elif isinstance(node, list):
            pending.extend(node)


def _limits() -> tuple[int, int]:
    config = current_app.config if has_app_context() else {}
    return (config.get("MAX_VARIABLES", _DEFAULT_MAX_VARIABLES),
            config.get("MAX_VARIABLE_BYTES", _DEFAULT_MAX_VARIABLE_BYTES))


def _check_size(entry: Any, max_bytes: int) -> None:
    value = entry.get("value") if isinstance(entry, dict) else None
    if isinstance(value, str):
        size = len(value.encode("utf-8"))
    elif isinstance(value, (dict, list)):
        size = len(json.dumps(value, ensure_ascii=False).encode("utf-8"))
    else:
        return
    if size > max_bytes:
        raise ValueError(f"value is {size} bytes, more than the {max_bytes} allowed")


def to_rest(values: Mapping[str, Any], types: Optional[Mapping[str, Any]] = None,
            deserialize: bool = True) -> dict[str, dict]:
    """Plain values -> typed REST variables, typed the way Camunda types values read from JSON, except
    where ``types`` (an instance's ``variable_types``) says a value is a Date or an Object."""
    types = types or {}
    return {name: _encode_marked(value, types.get(name), deserialize) for name, value in values.items()}


def object_info(payload: Mapping[str, Any]) -> dict[str, dict]:
    """The ``valueInfo`` of each variable sent as an Object (``payload`` already passed ``from_rest``)."""
    return {name: {key: entry["valueInfo"][key] for key in ("objectTypeName", "serializationDataFormat")
                   if isinstance(entry["valueInfo"].get(key), str)}
            for name, entry in payload.items() if str(entry.get("type", "")).lower() == "object"}


def _encode_marked(value: Any, marker: Optional[Mapping[str, Any]], deserialize: bool) -> dict:
    kind = (marker or {}).get("type")
    if kind == "Date" and isinstance(value, str):
        try:
            return _typed(format_date(parse_date(value)), "Date")
        except ValueError:
            pass
    if kind == "Object" and isinstance(value, (dict, list)):
        shown = value if deserialize else json.dumps(value, ensure_ascii=False)
        return {"value": shown, "type": "Object", "valueInfo": dict(marker.get("valueInfo") or {})}
    return _encode(value)


def to_rest_as(value: Any, rest_type: str) -> dict:
    """One value typed as ``rest_type`` (String, Long, Double, Boolean, Date, Json) when it fits,
    else as ``to_rest`` types it: a form field's declared type says what a value should be, but a
    value stored before the form changed must not be mislabelled."""
    is_number = isinstance(value, (int, float)) and not isinstance(value, bool)
    if value is None or (rest_type == "String" and isinstance(value, str)) or (
            rest_type == "Boolean" and isinstance(value, bool)):
        return _typed(value, rest_type)
    if rest_type == "Long" and is_number and float(value).is_integer():
        return _typed(int(value), rest_type)
    if rest_type == "Double" and is_number:
        return _typed(float(value), rest_type)
    if rest_type == "Json" and isinstance(value, (dict, list)):
        return _typed(json.dumps(value, ensure_ascii=False), rest_type)
    if rest_type == "Date" and isinstance(value, (str, date)):
        try:
            return _typed(format_date(parse_date(value) if isinstance(value, str) else value), rest_type)
        except ValueError:
            pass
    return _encode(value)


def _decode(name: Any, entry: Any) -> Any:
    if not is_variable_name(name):
        raise ValueError("name must be a Python identifier that does not start with '_'")
    if not isinstance(entry, dict):
        raise ValueError("must be an object like {\"value\": ..., \"type\": \"String\"}")
    info = entry.get("valueInfo") or {}
    if not isinstance(info, dict):
        raise ValueError("valueInfo must be an object")
    kind, value = entry.get("type"), entry.get("value")
    if kind is None:  # untyped: Camunda infers the type from the JSON value itself
        return value
    if not isinstance(kind, str) or kind.lower() not in _DECODERS:
        raise ValueError(f"unknown type {kind!r}")
    return _DECODERS[kind.lower()](value, info, kind)


def _string(value: Any, info: dict, kind: str) -> Any:
    if value is not None and not isinstance(value, str):
        raise ValueError(f"{kind} value must be text")
    return value


def _boolean(value: Any, info: dict, kind: str) -> Any:
    if value is None:
        return None
    try:
        return parse_boolean(value)
    except ValueError:
        raise ValueError(f"{kind} value must be true or false") from None


def _integer(bits: int) -> Callable[[Any, dict, str], Any]:
    limit = 2 ** (bits - 1)

    def decode(value: Any, info: dict, kind: str) -> Any:
        if value is None:
            return None
        try:
            number = parse_number(value)
        except ValueError:
            raise ValueError(f"{kind} value must be a whole number, got {value!r}") from None
        if isinstance(number, float):
            if not number.is_integer():
                raise ValueError(f"{kind} value must be a whole number, got {value!r}")
            number = int(number)
        if not -limit <= number < limit:
            raise ValueError(f"{kind} value {number} is out of range")
        return number
    return decode


def _double(value: Any, info: dict, kind: str) -> Any:
    if value is None:
        return None
    try:
        return float(parse_number(value))
    except ValueError:
        raise ValueError(f"{kind} value must be a number, got {value!r}") from None


def _date(value: Any, info: dict, kind: str) -> Any:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError(f"{kind} value must be date text")
    moment = parse_date(value).astimezone(timezone.utc)
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)  # Camunda keeps milliseconds


def _null(value: Any, info: dict, kind: str) -> Any:
    if value is not None:
        raise ValueError("a Null variable cannot carry a value")
    return None


def _json(value: Any, info: dict, kind: str) -> Any:
    """JSON text is decoded; a value a client already sent decoded is taken as it is."""
    if not isinstance(value, str):
        return value
    try:
        return parse_json(value)
    except ValueError as exc:
        raise ValueError(f"{kind} value is not valid JSON text ({exc})") from None


def _object(value: Any, info: dict, kind: str) -> Any:
    if info.get("serializationDataFormat") != "application/json":
        raise ValueError("Java-serialized objects are not supported; send the value as Json or as "
                         "Object with valueInfo.serializationDataFormat application/json")
    return _json(value, info, kind)


def _unsupported(value: Any, info: dict, kind: str) -> Any:
    raise ValueError(f"type {kind} is not supported")


_DECODERS: dict[str, Callable[[Any, dict, str], Any]] = {
    "string": _string, "boolean": _boolean, "short": _integer(16), "integer": _integer(32),
    "long": _integer(64), "double": _double, "date": _date, "null": _null, "json": _json,
    "object": _object, "bytes": _unsupported, "file": _unsupported,
}


def _typed(value: Any, kind: str) -> dict:
    return {"value": value, "type": kind, "valueInfo": {}}


def _encode(value: Any) -> dict:
    if value is None:
        return _typed(None, "Null")
    if isinstance(value, bool):
        return _typed(value, "Boolean")
    if isinstance(value, int):
        if -_INT32 <= value < _INT32:
            return _typed(value, "Integer")
        if -_INT64 <= value < _INT64:
            return _typed(value, "Long")
        return _typed(str(value), "Json")  # wider than any Camunda number: kept exact as JSON text
    if isinstance(value, float):
        return _typed(value, "Double")
    if isinstance(value, str):
        return _typed(value, "String")
    if isinstance(value, (datetime, date)):
        return _typed(format_date(value), "Date")
    if isinstance(value, (dict, list, tuple)):
        return _typed(json.dumps(value, ensure_ascii=False), "Json")
    raise TypeError(f"a {type(value).__name__} cannot be expressed as a Camunda variable")


#: a form field's normalised type -> the REST type Camunda gives it
_FORM_FIELD_TYPES = {"string": "String", "enum": "String", "long": "Long", "double": "Double",
                     "boolean": "Boolean", "date": "Date", "list": "Json"}


def form_to_rest(form: FormSpec, current: dict) -> dict[str, dict]:
    """The body of ``GET /task/{id}/form-variables``: each field's current value, or its default,
    typed as Camunda types that field (a value that does not fit is typed by what it is)."""
    return {field.key: to_rest_as(current.get(field.key, field.default), _FORM_FIELD_TYPES[field.type])
            for field in form.fields}
