"""The working-day calendar in effect: loaded from the database once, kept per app, reloaded after a save.

Expressions, handlers, timers and reports ask :func:`app.workcal.current`, which
this module answers with the calendar of the app in context. Loading reads two
small tables; it happens on first use, after an administrator saves a year in
this process (:func:`forget`), and at most every ``CALENDAR_RELOAD_SECONDS``
(default 60) so that other processes on the same PostgreSQL see a save too.
"""
from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Optional

from flask import Flask, current_app, has_app_context
from sqlalchemy import select

from app import clock, workcal
from app.db import UnitOfWork
from app.domain.work_calendar import CalendarDay, CalendarYear
from app.store import database
from app.workcal import DayEntry, WorkCalendar, WorkingHours

log = logging.getLogger(__name__)


@dataclass
class _Cache:
    """One app's calendar, when it was loaded, and the years already warned about in the log."""

    hours: WorkingHours
    reload_seconds: float
    calendar: Optional[WorkCalendar] = None
    loaded_at: float = 0.0
    warned: set[int] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)


def init_app(app: Flask) -> None:
    """Bind the calendar to ``app`` and log, once at start, the years that have no holiday data."""
    hours = WorkingHours.parse(app.config.get("WORKING_HOURS", "09:00-18:00"),
                               app.config.get("WORKING_TIME_ZONE", "Asia/Shanghai"))
    app.extensions["work_calendar"] = _Cache(hours, float(app.config.get("CALENDAR_RELOAD_SECONDS", 60)))
    workcal.use_source(_calendar_in_context)
    with app.app_context():
        for year in missing_years():
            log.warning("working-day calendar: %s has no holiday data; enter it at /admin/calendar", year)


def _calendar_in_context() -> WorkCalendar:
    return calendar() if has_app_context() and "work_calendar" in current_app.extensions else WorkCalendar()


def calendar() -> WorkCalendar:
    """The current app's calendar, loading it when it is missing or older than the reload interval."""
    cache: _Cache = current_app.extensions["work_calendar"]
    with cache.lock:
        fresh = cache.calendar is not None and time.monotonic() - cache.loaded_at < cache.reload_seconds
        if not fresh:
            cache.calendar = load(UnitOfWork(database(), write=False), cache.hours, cache.warned)
            cache.loaded_at = time.monotonic()
        return cache.calendar


def load(uow: UnitOfWork, hours: WorkingHours, warned: set[int]) -> WorkCalendar:
    """Read the entered days and complete years into a calendar (package data is added by the calendar)."""
    with uow:
        days = uow.session.scalars(select(CalendarDay)).all()
        complete = uow.session.scalars(select(CalendarYear.year).where(CalendarYear.complete)).all()
    entered = {row.day: DayEntry(row.day, row.kind, row.name) for row in days}
    return WorkCalendar(entered, frozenset(complete), hours, warned)


def forget() -> None:
    """Drop the current app's calendar so that the next question reloads it (after an administrator's save)."""
    cache: _Cache = current_app.extensions["work_calendar"]
    with cache.lock:
        cache.calendar = None


def today() -> date:
    """Today's date where the desk works (the working hours' zone)."""
    return clock.now().astimezone(current_app.extensions["work_calendar"].hours.zone).date()


def missing_years() -> list[int]:
    """This year and (from October) next year, where neither the package nor an administrator gave data."""
    return workcal.missing_years(calendar(), today())


def health() -> dict[str, Any]:
    """The calendar's part of ``GET /health``: status ``warning`` and the years without data, else ``ok``."""
    missing = missing_years()
    return {"status": "warning" if missing else "ok", "missingYears": missing,
            "message": (f"no holiday data for {', '.join(map(str, missing))}: counted as Monday to Friday; "
                        "enter the year at /admin/calendar") if missing else ""}
