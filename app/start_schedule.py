"""When a timer start event is due: its first occurrence, and the next one after each firing.

A timer start event runs before any instance exists, so its expression is
evaluated in the sandbox with no variables (deployment only lets literals
through). Its value is one of: an ISO-8601 date (fires once); an ISO-8601 cycle
``R[n]/duration``, ``R[n]/start/duration`` or ``R[n]/duration/end``; or a
Quartz cron (Camunda's other ``timeCycle`` form), read in ``zone``.

Occurrences missed while nothing ran are fired once, not once each: the next
occurrence is always the first one after the firing. A date already past when
deployed is due at once, as in Camunda (the scheduler catches it up). A cycle stays on its grid
(start + k·duration), so a weekly 16:00 stays at 16:00 after a catch-up.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Optional
from zoneinfo import ZoneInfo

from app import engine, sandbox
from app.cron import CronError, looks_like_cron, next_fire, parse_cron

_CALENDAR_UNITS = re.compile(r"P[^T]*[YM]")  # years and months have no fixed length: step one at a time


class ScheduleError(ValueError):
    """The start event's value is no date, cycle or cron (deployment normally refuses it first)."""


@dataclass(frozen=True)
class Schedule:
    """A start event's evaluated timer: ``repeats`` None means forever, ``start``/``end`` bound a cycle."""

    kind: str
    text: str
    zone: ZoneInfo
    repeats: Optional[int] = None
    start: Optional[datetime] = None
    duration: Optional[str] = None
    end: Optional[datetime] = None

    @property
    def is_cron(self) -> bool:
        return self.kind == "timeCycle" and self.duration is None


def read_schedule(kind: str, expression: str, zone: str) -> Schedule:
    """Evaluate a start event's timer expression (no variables) and read its value."""
    try:
        value = sandbox.evaluate(expression, {})
    except Exception as exc:  # noqa: BLE001 - any failure of the expression is the model's
        raise ScheduleError(f"timer {expression!r} could not be evaluated: {exc}") from exc
    if not isinstance(value, str):
        raise ScheduleError(f"timer {expression!r} gave {value!r}, not text")
    text, tz = value.strip(), ZoneInfo(zone)
    if kind == "timeDate":
        return Schedule(kind, text, tz, start=_moment(text, tz))
    if looks_like_cron(text):
        try:
            parse_cron(text, zone)
        except CronError as exc:
            raise ScheduleError(f"cron cycle {text!r}: {exc}") from None
        return Schedule(kind, text, tz)
    return _cycle(text, tz)


def _cycle(text: str, tz: ZoneInfo) -> Schedule:
    match = re.fullmatch(r"R(\d*)/([^/]+)(?:/([^/]+))?", text)
    if not match:
        raise ScheduleError(f"{text!r} is no ISO-8601 cycle")
    repeats = int(match.group(1)) if match.group(1) else None
    first, second = match.group(2), match.group(3)
    duration = first if second is None or first.startswith("P") else second
    epoch = datetime(2000, 1, 1, tzinfo=tz)
    if _step(epoch, duration) <= epoch:
        raise ScheduleError(f"cycle {text!r}: its duration must be longer than zero")
    if second is None:
        return Schedule("timeCycle", text, tz, repeats, duration=first)
    if first.startswith("P"):
        return Schedule("timeCycle", text, tz, repeats, duration=first, end=_moment(second, tz))
    return Schedule("timeCycle", text, tz, repeats, start=_moment(first, tz), duration=second)


def _moment(text: str, tz: ZoneInfo) -> datetime:
    """An ISO-8601 date or date-time; without an offset it is read in the schedule's zone."""
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise ScheduleError(f"{text!r} is no ISO-8601 date") from None
    if isinstance(value, date) and not isinstance(value, datetime):
        value = datetime.combine(value, time())
    return value if value.tzinfo else value.replace(tzinfo=tz)


def first_due(schedule: Schedule, now: datetime) -> Optional[datetime]:
    """The first occurrence from ``now`` (a deployment); None if there is none left (a cycle past its end).

    A date is its own occurrence even when past: it fires once, at the next pass."""
    if schedule.kind == "timeDate":
        return schedule.start
    if schedule.is_cron:
        return next_fire(parse_cron(schedule.text, schedule.zone.key), now)
    if schedule.start is None:
        return _within(schedule, _step(now, schedule.duration))
    if schedule.start >= now:
        return _within(schedule, schedule.start)
    return _within(schedule, _first_after(schedule.start, schedule.duration, now - timedelta(microseconds=1)))


def due_after_firing(schedule: Schedule, due: datetime, fired: int, now: datetime) -> Optional[datetime]:
    """The occurrence after the one due at ``due`` was fired (the ``fired``-th firing) at ``now``; None when done."""
    if schedule.kind == "timeDate" or (schedule.repeats is not None and fired >= schedule.repeats):
        return None
    if schedule.is_cron:
        return next_fire(parse_cron(schedule.text, schedule.zone.key), max(due, now))
    return _within(schedule, _first_after(due, schedule.duration, now))


def _within(schedule: Schedule, due: datetime) -> Optional[datetime]:
    return None if schedule.end is not None and due > schedule.end else due


def _step(moment: datetime, duration: str) -> datetime:
    return engine.add_duration(moment, duration)


def _first_after(due: datetime, duration: str, now: datetime) -> datetime:
    """The first grid point ``due + k·duration`` (k ≥ 1) after ``now``: catch-up skips the missed ones."""
    following = _step(due, duration)
    if following <= due:
        raise ScheduleError(f"cycle duration {duration!r} is not positive")
    if _CALENDAR_UNITS.match(duration):
        while following <= now:
            following = _step(following, duration)
        return following
    length = following - due
    return due + length * max(1, (now - due) // length + 1)
