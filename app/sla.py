"""SLA clocks of a ticket: deadlines on the priority's calendar, pauses, and which clock is shown.

The same arithmetic serves the handlers (deadlines when a ticket is registered, re-prioritised,
paused and resumed), the inbox projection (the clock a row shows) and the reports a later issue
builds, so it lives here, pure: no database, no engine, testable on real calendar dates alone.

The priority table names a calendar per priority (``sla_calendar``): ``24x7`` counts wall-clock
time, ``working`` counts working time of :mod:`app.workcal` (days are working days, hours are
working hours). A clock that is paused (vendor, requester, callback) stops: on resume its deadline
moves on by the paused time *as that calendar counts it*, so a pause over a night costs nothing
on a working calendar.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Iterable, Optional

from app import workcal

AROUND_THE_CLOCK = "24x7"
WORKING = "working"
CALENDARS = (AROUND_THE_CLOCK, WORKING)
#: the share of an SLA after which the working group is warned
WARNING_SHARE = 0.75
#: the desk closes within this many working days of the completion request (000 二.7)
CLOSE_WORKING_DAYS = 2

_DURATION = re.compile(r"P(?:(?P<days>\d+)D)?(?:T(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?(?:(?P<seconds>\d+)S)?)?")


@dataclass(frozen=True)
class Duration:
    """An SLA as the table writes it: whole days (working days on a working calendar) and the rest."""

    days: int
    rest: timedelta


@dataclass(frozen=True)
class Clock:
    """The one clock a reader of a ticket should look at now, as the inbox and ticket page show it."""

    name: str                  # "response" | "resolution" | "close"
    state: str                 # "running" | "paused" | "breached"
    due: datetime
    started: Optional[datetime]


def parse_duration(text: Any) -> Duration:
    """An ISO-8601 SLA (``PT2H``, ``P1D``, ``P1DT4H``) in days, hours, minutes and seconds.

    Months or years would need a rule the practice never gives; anything else is a mistake in the
    table and fails the step (an incident) rather than being guessed.
    """
    value = str(text or "").strip().upper()
    match = _DURATION.fullmatch(value)
    if not match or value in ("P", "PT") or value.endswith("T") or not any(match.groupdict().values()):
        raise ValueError(f"SLA {text!r} is not an ISO-8601 duration in days, hours or minutes")
    parts = {unit: int(amount) for unit, amount in match.groupdict().items() if amount}
    return Duration(parts.pop("days", 0), timedelta(**parts))


def calendar_kind(value: Any) -> str:
    """The table's calendar word; anything but ``24x7`` counts working time, the practice's default."""
    return AROUND_THE_CLOCK if str(value or "").strip().lower() == AROUND_THE_CLOCK else WORKING


def deadline(calendar: workcal.WorkCalendar, kind: str, start: datetime, duration: Any) -> datetime:
    """``start`` plus the SLA ``duration`` on the ``kind`` calendar."""
    parsed = parse_duration(duration)
    if kind == AROUND_THE_CLOCK:
        return start + timedelta(days=parsed.days) + parsed.rest
    at = workcal.add_working_days(calendar, start, parsed.days) if parsed.days else start
    return extend(calendar, kind, at, parsed.rest) if parsed.rest else at


def elapsed(calendar: workcal.WorkCalendar, kind: str, first: datetime, second: datetime) -> timedelta:
    """Time from ``first`` to ``second`` as the ``kind`` calendar counts it."""
    if kind == AROUND_THE_CLOCK:
        return second - first
    return workcal.working_time_between(calendar, first, second)


def extend(calendar: workcal.WorkCalendar, kind: str, moment: datetime, delta: timedelta) -> datetime:
    """``moment`` moved on by ``delta`` of the ``kind`` calendar's time."""
    if delta <= timedelta(0):
        return moment
    if kind == AROUND_THE_CLOCK:
        return moment + delta
    return workcal.add_working_hours(calendar, moment, delta.total_seconds() / 3600)


def paused_time(calendar: workcal.WorkCalendar, kind: str, pauses: Iterable[dict[str, Any]]) -> timedelta:
    """The finished pauses' length on the ``kind`` calendar (the running pause has no end yet)."""
    total = timedelta()
    for pause in pauses:
        if pause.get("to"):
            total += elapsed(calendar, kind, moment(pause["from"]), moment(pause["to"]))
    return total


def clock_times(calendar: workcal.WorkCalendar, kind: str, start: datetime, duration: Any,
                paused: timedelta = timedelta()) -> tuple[datetime, datetime]:
    """(deadline, warning time) of a clock started at ``start``, both moved on by ``paused``.

    The warning falls when ``WARNING_SHARE`` of the SLA's own time has passed, so a pause moves it
    exactly as far as the deadline.
    """
    due = deadline(calendar, kind, start, duration)
    warn = extend(calendar, kind, start, elapsed(calendar, kind, start, due) * WARNING_SHARE)
    return extend(calendar, kind, due, paused), extend(calendar, kind, warn, paused)


def close_times(calendar: workcal.WorkCalendar, requested: datetime) -> tuple[datetime, datetime]:
    """(close deadline, reminder) of a completion request: 2 working days, and 1 working day left."""
    return (workcal.add_working_days(calendar, requested, CLOSE_WORKING_DAYS),
            workcal.add_working_days(calendar, requested, CLOSE_WORKING_DAYS - 1))


def open_pause(pauses: list[dict[str, Any]]) -> Optional[dict[str, Any]]:
    """The pause still running, if any."""
    return pauses[-1] if pauses and not pauses[-1].get("to") else None


def moment(value: Any) -> datetime:
    """A stored ISO-8601 time as an aware datetime (naive values were written as UTC)."""
    at = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return at if at.tzinfo else at.replace(tzinfo=timezone.utc)


def current_clock(variables: dict[str, Any]) -> Optional[Clock]:
    """Which clock matters now: response until the first response, then resolution, then close.

    A closed ticket has none. ``breached`` here is what a handler recorded; a running clock whose
    deadline has passed since reads as breached too (see :func:`state_at`).
    """
    status = variables.get("ticket_status")
    if status == "closed":
        return None
    if not variables.get("responded_at") and variables.get("response_due_at"):
        return _clock("response", variables, "response_sla_breached", "requested_at")
    if status == "resolved" and variables.get("close_due_at"):
        return _clock("close", variables, "close_overdue", "completion_requested_at")
    if variables.get("resolution_due_at"):
        return _clock("resolution", variables, "resolution_breached", "requested_at")
    return None


def _clock(name: str, variables: dict[str, Any], breached_flag: str, started: str) -> Clock:
    paused = name == "resolution" and open_pause(list(variables.get("sla_pauses") or [])) is not None
    state = "breached" if variables.get(breached_flag) else "paused" if paused else "running"
    start = variables.get(started)
    return Clock(name, state, moment(variables[f"{name}_due_at"]), moment(start) if start else None)


def state_at(state: str, due: datetime, now: datetime) -> str:
    """A stored clock state read at ``now``: a running clock past its deadline is breached."""
    return "breached" if state == "running" and due <= now else state
