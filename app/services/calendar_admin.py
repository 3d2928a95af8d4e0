"""Administering the working-day calendar: show a year, enter its holidays and make-up days, mark it complete.

A year is entered as lines of ``YYYY-MM-DD holiday|workday name`` (``休``/``班``
are accepted for the kind): simple to paste from the State Council's notice and
to check by eye. Saving replaces the year's entered days in one transaction;
any bad line refuses the whole save and names each line, so nothing is half-kept.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Optional

from sqlalchemy import delete, select

from app import clock, workcal
from app.db import UnitOfWork
from app.domain.work_calendar import CalendarDay, CalendarYear
from app.errors import Forbidden, InvalidInput
from app.services import work_calendar
from app.services.audit import audit
from app.services.users import ADMIN_GROUP, Principal
from app.workcal import HOLIDAY, WORKDAY, DayEntry

KIND_WORDS = {"holiday": HOLIDAY, "休": HOLIDAY, "workday": WORKDAY, "班": WORKDAY}
MAX_NAME = 100
MAX_LINES = 400
FIRST_YEAR, LAST_YEAR = 2000, 2100


class ScheduleErrors(InvalidInput):
    """Lines of an entered year that could not be read: ``problems`` is (line number, code, the line's text)."""

    def __init__(self, problems: list[tuple[int, str, str]]):
        super().__init__(f"{len(problems)} line(s) could not be read")
        self.problems = problems


@dataclass(frozen=True)
class ListedDay:
    """A day the year page lists: from the package or entered, and whether it is worked."""

    day: date
    kind: str
    name: str
    entered: bool


@dataclass(frozen=True)
class YearView:
    """One year as the administration page shows it."""

    year: int
    days: list[ListedDay]
    entered_text: str
    complete: bool
    from_package: bool
    known: bool
    updated_by: Optional[str]


def require_calendar_admin(actor: Principal) -> None:
    if ADMIN_GROUP not in actor.groups:
        raise Forbidden(f"user {actor.id} may not change the working-day calendar (needs group {ADMIN_GROUP})")


def check_year(year: int) -> int:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise InvalidInput(f"year must be between {FIRST_YEAR} and {LAST_YEAR}")
    return year


def year_view(uow: UnitOfWork, actor: Principal, year: int) -> YearView:
    """The package's days of ``year`` merged with the entered ones (entered win), and the entered text."""
    require_calendar_admin(actor)
    check_year(year)
    with uow:
        rows = uow.session.scalars(select(CalendarDay).where(CalendarDay.year == year).order_by(CalendarDay.day)).all()
        saved = uow.session.get(CalendarYear, year)
    entered = {row.day: ListedDay(row.day, row.kind, row.name, True) for row in rows}
    listed = {entry.day: ListedDay(entry.day, entry.kind, entry.name, False) for entry in workcal.package_days(year)}
    listed.update(entered)
    complete = bool(saved and saved.complete)
    return YearView(year, sorted(listed.values(), key=lambda d: d.day), schedule_text(entered.values()), complete,
                    year in workcal.PACKAGE_YEARS, year in workcal.PACKAGE_YEARS or complete,
                    saved.updated_by if saved else None)


def schedule_text(days) -> str:
    """Entered days as the lines the form edits, one per date."""
    return "\n".join(f"{d.day.isoformat()} {d.kind} {d.name}".rstrip() for d in days)


def parse_schedule(year: int, text: str) -> list[DayEntry]:
    """Read the lines of one year; raise :class:`ScheduleErrors` naming every line that is wrong."""
    entries: dict[date, DayEntry] = {}
    problems: list[tuple[int, str, str]] = []
    lines = text.splitlines()
    if len(lines) > MAX_LINES:
        raise ScheduleErrors([(MAX_LINES + 1, "too_many", "")])
    for number, line in enumerate(lines, start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        entry, problem = _parse_line(year, line)
        if problem is None and entry.day in entries:
            problem = "twice"
        if problem:
            problems.append((number, problem, line.strip()[:120]))
        else:
            entries[entry.day] = entry
    if problems:
        raise ScheduleErrors(problems)
    return sorted(entries.values(), key=lambda e: e.day)


def _parse_line(year: int, line: str) -> tuple[Optional[DayEntry], Optional[str]]:
    parts = line.split(None, 2)
    try:
        day = date.fromisoformat(parts[0])
    except ValueError:
        return None, "date"
    if day.year != year:
        return None, "year"
    if len(parts) < 2 or parts[1].lower() not in KIND_WORDS:
        return None, "kind"
    name = parts[2].strip() if len(parts) > 2 else ""
    if len(name) > MAX_NAME:
        return None, "name"
    return DayEntry(day, KIND_WORDS[parts[1].lower()], name), None


def save_year(uow: UnitOfWork, actor: Principal, year: int, text: str, complete: bool) -> list[DayEntry]:
    """Replace the entered days of ``year`` and its complete flag; the calendar in effect reloads."""
    require_calendar_admin(actor)
    check_year(year)
    entries = parse_schedule(year, text)
    with uow:
        uow.session.execute(delete(CalendarDay).where(CalendarDay.year == year))
        uow.session.add_all(CalendarDay(day=e.day, year=year, kind=e.kind, name=e.name) for e in entries)
        saved = uow.session.get(CalendarYear, year) or CalendarYear(year=year)
        saved.complete, saved.updated_by, saved.updated_at = complete, actor.id, clock.now()
        uow.session.add(saved)
        audit(uow, None, actor.id, "calendar.year", data={"year": year, "complete": complete,
                                                          "holidays": sum(e.kind == HOLIDAY for e in entries),
                                                          "workdays": sum(e.kind == WORKDAY for e in entries)})
        uow.commit()
    work_calendar.forget()
    return entries
