"""Camunda's cron cycles (Quartz syntax) read into APScheduler's ``CronTrigger``.

Camunda Modeler lets a timer start event's ``timeCycle`` be a Quartz cron
expression: ``sec min hour day-of-month month day-of-week [year]``, with ``?``
in one of the two day fields, and day-of-week numbered 1=SUN..7=SAT. APScheduler
already evaluates cron fields well (ranges, lists, steps, ``last``, ``3rd fri``)
but takes them one by one with 0=MON, so each Quartz field is translated and the
evaluation is left to it, rather than writing a second cron engine here.
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Optional
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger

_FIELDS = ("second", "minute", "hour", "day", "month", "day_of_week", "year")
_QUARTZ_DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")  # Quartz 1..7
_APS_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")     # APScheduler 0..6
_NAMES = {"day": "day-of-month", "day_of_week": "day-of-week"}
_NTH = {"1": "1st", "2": "2nd", "3": "3rd", "4": "4th", "5": "5th"}
_FIELD_TEXT = re.compile(r"[0-9A-Za-z*?/,#-]+")
_POSITIONAL = re.compile(r"(?:1st|2nd|3rd|4th|5th|last) \w+")


class CronError(ValueError):
    """A cron text that is not a Quartz expression; the message says which field and why."""


def looks_like_cron(text: str) -> bool:
    """Six or seven space-separated cron fields: what to check as cron rather than as ISO-8601 or Python."""
    fields = text.split()
    return 6 <= len(fields) <= 7 and all(_FIELD_TEXT.fullmatch(field) for field in fields)


def parse_cron(text: str, zone: str) -> CronTrigger:
    """The trigger of a Quartz cron text, firing in time zone ``zone``; CronError if it is no such text."""
    fields = text.split()
    if not 6 <= len(fields) <= 7:
        raise CronError(f"a cron cycle has 6 or 7 fields (sec min hour day-of-month month day-of-week [year]), "
                        f"not {len(fields)}")
    day, weekday = fields[3], fields[5]
    if (day == "?") == (weekday == "?"):
        raise CronError("exactly one of day-of-month and day-of-week must be '?' "
                        f"(got {day!r} and {weekday!r})")
    values = dict(zip(_FIELDS, fields))
    values["day"], values["day_of_week"] = _day_of_month(day), _day_of_week(weekday)
    if _POSITIONAL.fullmatch(values["day_of_week"]):  # APScheduler reads "last fri", "3rd fri" as a day of month
        values["day"], values["day_of_week"] = values["day_of_week"], "*"
    if values.get("month"):
        values["month"] = values["month"].lower()
    try:
        return CronTrigger(timezone=ZoneInfo(zone), **values)
    except ValueError as exc:
        raise CronError(_blame(values, fields, exc)) from None


def next_fire(trigger: CronTrigger, after: datetime) -> Optional[datetime]:
    """The first occurrence strictly after ``after`` (aware), or None when the cron has no more (a past year)."""
    return trigger.get_next_fire_time(None, after + timedelta(microseconds=1))


def _blame(values: dict[str, str], fields: list[str], error: ValueError) -> str:
    """APScheduler's message names no field: find the first one it refuses on its own."""
    for (name, value), original in zip(values.items(), fields):
        try:
            CronTrigger(**{name: value})
        except ValueError as exc:
            return f"{_NAMES.get(name, name)} {original!r}: {exc}"
    return str(error)


def _day_of_month(field: str) -> str:
    if field == "?":
        return "*"
    if "W" in field.upper() or re.search(r"L.", field.upper()):
        raise CronError(f"day-of-month {field!r}: W (nearest weekday) and L offsets are not supported")
    return re.sub(r"(?i)\bL\b", "last", field)


def _day_of_week(field: str) -> str:
    """Quartz day-of-week (1=SUN..7=SAT, names, ``6L`` last Friday, ``6#3`` third Friday) in APScheduler terms."""
    if field in ("?", "*"):
        return "*"
    parts = [_weekday_part(part) for part in field.split(",")]
    if len(parts) > 1 and any(_POSITIONAL.fullmatch(part) for part in parts):
        raise CronError(f"day-of-week {field!r}: L and # stand alone, not in a list")
    return ",".join(parts)


def _weekday_part(part: str) -> str:
    upper = part.upper()
    if match := re.fullmatch(r"(\w+)#([1-5])", upper):
        return f"{_NTH[match.group(2)]} {_weekday(match.group(1), part)}"
    if upper == "L":
        return "sat"
    if match := re.fullmatch(r"(\w+)L", upper):
        return f"last {_weekday(match.group(1), part)}"
    base, _, step = part.partition("/")
    if step:
        if base not in ("*", ""):
            raise CronError(f"day-of-week {part!r}: a step is supported only on '*'")
        return f"*/{step}"
    first, _, last = base.partition("-")
    if not last:
        return _weekday(first, part)
    start, end = _weekday(first, part), _weekday(last, part)
    if _APS_DAYS.index(start) <= _APS_DAYS.index(end):
        return f"{start}-{end}"
    return f"{start}-sun,mon-{end}" if end != "mon" else f"{start}-sun,mon"  # Quartz ranges wrap past Sunday


def _weekday(token: str, part: str) -> str:
    """A Quartz day (``1``..``7`` from Sunday, or ``MON``) as APScheduler's name."""
    if token.isdigit() and 1 <= int(token) <= 7:
        return _QUARTZ_DAYS[int(token) - 1]
    if token.lower() in _QUARTZ_DAYS:
        return token.lower()
    raise CronError(f"day-of-week {part!r}: {token!r} is no day (1=SUN..7=SAT or SUN..SAT)")
