"""Timer definitions: accept what Camunda users type, hand the engine Python.

SpiffWorkflow evaluates timer text as a Python expression, but Camunda users
type bare ISO-8601 values (``PT3S``, ``R/P7D``) that Python reads as names or
a division. A text that *is* an ISO-8601 value is therefore taken literally
and rewritten as a Python string literal in the normalised tree; anything
else must be a sandboxed Python expression that yields such a value.
"""
from __future__ import annotations

import ast
import re
from datetime import datetime
from typing import Optional

from lxml import etree

from app.cron import CronError, looks_like_cron, parse_cron
from app.modelcheck.xml import BPMN_NS, Problems, check_expression, local_name, quote_short, tag

TIMER_KINDS = ("timeDate", "timeDuration", "timeCycle")

_NUMBER = r"\d+(?:[.,]\d+)?"
_DURATION = re.compile(rf"P(?P<date>(?:{_NUMBER}[YMWD])*)(?:T(?P<time>(?:{_NUMBER}[HMS])+))?")
_COMPONENT = re.compile(rf"({_NUMBER})([YMWDHS])")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?(?:Z|[+-]\d{2}:?\d{2})?)?")
_REPEAT = re.compile(r"R(\d*)/(.+)")
_CRON_FIELD = re.compile(r"[0-9A-Za-z*?/,#-]+")
_CRON_HINT = "sec min hour day-of-month month day-of-week [year], e.g. 0 0 16 ? * FRI"
# Text shaped like an ISO-8601 value that failed to parse is a typo, not a variable name.
_ISO_SHAPED = re.compile(r"\d{4}-|PT?\d|R\d*/")

_EXAMPLES = {
    "timeDate": "a date such as 2026-01-01T09:00:00Z",
    "timeDuration": "a duration such as PT3S, P2D or P1DT2H",
    "timeCycle": "a cycle such as R/P7D, R3/PT10M or R/2026-01-01T09:00:00Z/P7D",
}


def is_duration(text: str) -> bool:
    """ISO-8601 ``PnYnMnWnDTnHnMnS``: ordered designators, a fraction only last, weeks alone."""
    match = _DURATION.fullmatch(text)
    if not match or text in ("P", "PT"):
        return False
    date_part, time_part = match.group("date"), match.group("time") or ""
    parts = _COMPONENT.findall(date_part) + _COMPONENT.findall(time_part)
    if not parts:
        return False
    date_units = [unit for _, unit in _COMPONENT.findall(date_part)]
    time_units = [unit for _, unit in _COMPONENT.findall(time_part)]
    if date_units != sorted(set(date_units), key="YMWD".index):
        return False
    if time_units != sorted(set(time_units), key="HMS".index):
        return False
    if "W" in date_units and len(parts) > 1:
        return False
    return not any(re.search("[.,]", number) for number, _ in parts[:-1])


def is_date(text: str) -> bool:
    """An ISO-8601 calendar date or date-time, optionally with ``Z`` or an offset."""
    if not _DATE.fullmatch(text):
        return False
    try:
        datetime.fromisoformat(text)
    except ValueError:
        return False
    return True


def is_cycle(text: str) -> bool:
    """``R[n]/duration``, ``R[n]/start/duration`` or ``R[n]/duration/end``."""
    match = _REPEAT.fullmatch(text)
    if not match:
        return False
    parts = match.group(2).split("/")
    if len(parts) == 1:
        return is_duration(parts[0])
    if len(parts) == 2:
        first, second = parts
        return (is_date(first) and is_duration(second)) or (is_duration(first) and is_date(second))
    return False


def iso_kind(text: str) -> Optional[str]:
    """Which timer kind a bare ISO-8601 literal fits, or None if it is not one."""
    if is_cycle(text):
        return "timeCycle"
    if is_duration(text):
        return "timeDuration"
    if is_date(text):
        return "timeDate"
    return None


def _is_cron(text: str) -> bool:
    """Shaped like cron (Unix's five fields included, to say why it is refused), not like Python."""
    fields = text.split()
    return 5 <= len(fields) <= 7 and all(_CRON_FIELD.fullmatch(field) for field in fields)


def _check_cron(element: etree._Element, text: str, problems: Problems, start_event: bool) -> Optional[str]:
    """A Quartz cron cycle as a Python literal, or None with the problem recorded.

    Only the scheduler reads cron (``app.cron``), and it schedules timer start
    events only: SpiffWorkflow, which runs every other timer, knows no cron.
    """
    if not start_event:
        problems.add(element, f"cron cycle {quote_short(text)} is supported on timer start events only; "
                     "use an ISO-8601 cycle such as R/PT10M here")
        return None
    if not looks_like_cron(text):
        problems.add(element, f"cron cycle {quote_short(text)} has {len(text.split())} fields; Camunda's cron "
                     f"has 6 or 7, seconds first ({_CRON_HINT})")
        return None
    try:
        parse_cron(text, "UTC")
    except CronError as exc:
        problems.add(element, f"cron cycle {quote_short(text)} is invalid: {exc} ({_CRON_HINT})")
        return None
    return repr(text)


def _constant(expression: str) -> tuple[bool, object]:
    """(True, value) if the expression is a bare constant (``"PT2H"``, ``5``), else (False, None)."""
    body = ast.parse(expression.strip(), mode="eval").body
    return (True, body.value) if isinstance(body, ast.Constant) else (False, None)


def check_timer(definition: etree._Element, problems: Problems, *,
                literal_only: bool = False) -> Optional[tuple[str, str]]:
    """Check one ``timerEventDefinition``; normalise it in place; return (kind, Python expression).

    ``literal_only`` is set for timer start events: they fire before any
    instance exists, so there are no variables an expression could read.
    """
    children = [child for kind in TIMER_KINDS for child in definition.findall(tag(BPMN_NS, kind))]
    if len(children) != 1:
        problems.add(definition, "a timer needs exactly one of timeDate, timeDuration or timeCycle"
                     f" (found {len(children)})")
        return None
    element = children[0]
    kind = local_name(element)
    text = (element.text or "").strip()
    if not text:
        problems.add(element, f"the timer is empty; give {_EXAMPLES[kind]}")
        return None
    literal = iso_kind(text)
    if literal is not None:
        if literal != kind:
            problems.add(element, f"{kind} {quote_short(text)} is not {_EXAMPLES[kind]}")
            return None
        element.text = f'"{text}"'
        return kind, element.text
    if _ISO_SHAPED.match(text):
        problems.add(element, f"{kind} {quote_short(text)} is not {_EXAMPLES[kind]}")
        return None
    if text.startswith(("${", "#{")):
        problems.add(element, f"timer {quote_short(text)} is a JUEL expression; write the ISO-8601 "
                     f"value ({_EXAMPLES[kind]}) or a Python expression that yields one")
        return None
    if kind == "timeCycle" and _is_cron(text):
        element.text = _check_cron(element, text, problems, literal_only)
        return None if element.text is None else (kind, element.text)
    error = check_expression(text)
    if error is not None:
        problems.add(element, f"timer {quote_short(text)} is neither {_EXAMPLES[kind]} "
                     f"nor a valid Python expression: {error}")
        return None
    is_constant, constant = _constant(text)
    if is_constant:
        if kind == "timeCycle" and isinstance(constant, str) and _is_cron(constant.strip()):
            checked = _check_cron(element, constant.strip(), problems, literal_only)
            return None if checked is None else (kind, text)
        if not isinstance(constant, str) or iso_kind(constant.strip()) != kind:
            problems.add(element, f"{kind} {quote_short(text)} is not {_EXAMPLES[kind]}")
            return None
    elif literal_only:
        problems.add(element, f"a timer start event runs before any variable exists; "
                     f"write the time literally ({_EXAMPLES[kind]}), not {quote_short(text)}")
        return None
    return kind, text
