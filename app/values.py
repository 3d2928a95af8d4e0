"""Plain value parsing shared by form checks and the REST codec: names, numbers, booleans, dates.

Both a form submission and a typed REST variable arrive as JSON that must become the plain values
sandboxed expressions read, so the rules for what counts as a number or a date live here once.
"""
from __future__ import annotations

import json
import keyword
import math
import re
from datetime import date, datetime, time, timezone
from typing import Any

_INTEGER_TEXT = re.compile(r"[+-]?[0-9]+")
_DECIMAL_TEXT = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


def is_variable_name(name: Any) -> bool:
    """Variables become names in sandboxed expressions, so they must be identifiers; a leading
    ``_`` is refused because RestrictedPython rejects such names and the sandbox's guards use them."""
    return (isinstance(name, str) and name.isidentifier() and not name.startswith("_")
            and not keyword.iskeyword(name))


def parse_number(value: Any) -> int | float:
    """A JSON number or plain decimal text. Bools are refused although Python counts them as ints,
    and text is matched strictly because ``int()``/``float()`` also take "1_000", "nan" and "inf"."""
    number: int | float | None = None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str):
        text = value.strip()
        if _INTEGER_TEXT.fullmatch(text):
            number = int(text)
        elif _DECIMAL_TEXT.fullmatch(text):
            number = float(text)
    if number is None or (isinstance(number, float) and not math.isfinite(number)):
        raise ValueError("expected a number")
    return number


def parse_boolean(value: Any) -> bool:
    """A bool, or the text "true"/"false" (Camunda's JSON mapper coerces that too); 1/0 are refused."""
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    if not isinstance(value, bool):
        raise ValueError("expected true or false")
    return value


def parse_date(text: str) -> datetime:
    """Camunda's ``2026-11-24T10:00:00.000+0000`` or any ISO-8601 date/date-time, as an aware
    datetime. Text without an offset is taken as UTC (Camunda would use its JVM's zone; a fixed
    zone makes a value mean the same on every worker)."""
    try:
        parsed = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"expected a date like 2026-11-24T10:00:00.000+0000, got {text!r}") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def format_date(value: datetime | date) -> str:
    """Camunda's REST date text ``yyyy-MM-dd'T'HH:mm:ss.SSSZ``; naive values are taken as UTC."""
    if not isinstance(value, datetime):
        value = datetime.combine(value, time())
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return f"{value:%Y-%m-%dT%H:%M:%S}.{value.microsecond // 1000:03d}{value:%z}"


#: Deepest nesting of arrays and objects a JSON document may have. SpiffWorkflow copies task data
#: recursively on every step and the serializers recurse too, so a document nested thousands of levels
#: deep would exhaust Python's stack far from the request that sent it; 64 leaves room for any real
#: payload (the REST envelope itself takes three levels).
MAX_JSON_DEPTH = 64


def parse_json(text: str | bytes) -> Any:
    """JSON text as plain values, refusing what could not be stored and read back the same on every
    backend: ``NaN``/``Infinity`` and numbers beyond a double (``1e400``), which no JSON reader accepts
    back and PostgreSQL refuses; nesting deeper than :data:`MAX_JSON_DEPTH`; and text containing NUL,
    which PostgreSQL cannot keep in a text column, or a lone surrogate. ValueError says which."""
    try:
        document = json.loads(text, parse_constant=_refuse_constant, parse_float=_finite_float)
    except RecursionError:
        raise ValueError(f"JSON nested deeper than {MAX_JSON_DEPTH} levels") from None
    except UnicodeDecodeError:
        raise ValueError("JSON text must be UTF-8") from None
    check_plain(document)
    return document


def check_plain(value: Any) -> None:
    """ValueError if ``value`` nests deeper than :data:`MAX_JSON_DEPTH` or holds text with NUL or lone surrogates.

    Iterative, so that the check itself cannot run out of stack on the input it refuses."""
    pending: list[tuple[Any, int]] = [(value, 0)]
    while pending:
        node, depth = pending.pop()
        if isinstance(node, str):
            _check_text(node)
        elif isinstance(node, (dict, list)):
            if depth >= MAX_JSON_DEPTH:
                raise ValueError(f"JSON nested deeper than {MAX_JSON_DEPTH} levels")
            items = node.items() if isinstance(node, dict) else ((None, item) for item in node)
            for key, item in items:
                if isinstance(key, str):
                    _check_text(key)
                pending.append((item, depth + 1))


_SURROGATE = re.compile("[\ud800-\udfff]")


def _check_text(text: str) -> None:
    """NUL cannot be stored in PostgreSQL text; a lone surrogate (JSON's "\\ud800") is not Unicode and
    cannot be written as UTF-8 at all."""
    if "\x00" in text:
        raise ValueError("text must not contain the NUL character (U+0000)")
    if _SURROGATE.search(text):
        raise ValueError("text must not contain unpaired surrogates (\\ud800-\\udfff)")


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _finite_float(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise ValueError(f"number {text[:40]} is out of range")
    return number
