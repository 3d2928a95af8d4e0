"""The working-day calendar of mainland China: weekends, public holidays, make-up working days (调休), hours.

"2 working days" and SLA clocks meant in working time are counted here. The data
comes from two places: the ``chinese-calendar`` package for the years it knows,
and days an administrator entered (``calendar_day``), which win for their date.
The State Council publishes a year's schedule late in the year before, so the
package lags; a year that neither knows is counted as plain weekdays (Monday to
Friday) *and reported*: :func:`WorkCalendar.knows_year` says so, the first
lookup in such a year logs a warning, and the service's health read lists it.

Semantics, one rule each:

* A start may be an aware or naive ``datetime`` (naive = the calendar's zone,
  Asia/Shanghai by default), a ``date`` (its midnight) or an ISO-8601 string of
  either. Results are aware datetimes in the calendar's zone.
* Working time is ``opens``–``closes`` (default 09:00–18:00) on working days.
  A start outside working time first moves to the next opening.
* ``add_working_days(start, n)`` then moves n working days on, keeping the
  time of day; ``add_working_hours(start, h)`` consumes h hours of working
  time, and may end exactly at closing (18:00).
* ``working_time_between(a, b)`` is the working time in [a, b) as a
  ``timedelta``; negative when b is before a.
* A negative count, a non-number or an unreadable date raises
  :class:`CalendarError` (a ``ValueError``), which an expression turns into an incident.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, Callable, Mapping, Union
from zoneinfo import ZoneInfo

import chinese_calendar
from chinese_calendar import constants as _package_data

log = logging.getLogger(__name__)

HOLIDAY = "holiday"
WORKDAY = "workday"
KINDS = (HOLIDAY, WORKDAY)
#: Years the installed chinese-calendar knows (it raises for any other year).
PACKAGE_YEARS = range(min(_package_data.holidays).year, max(_package_data.holidays).year + 1)
#: A search for the next working day gives up after this many days (a year of only holidays is a data error).
_MAX_SCAN_DAYS = 3 * 366
_MAX_COUNT = 10_000

Moment = Union[datetime, date, str]


class CalendarError(ValueError):
    """A calendar question that has no answer: bad input, or no working day within reach."""


@dataclass(frozen=True)
class WorkingHours:
    """When a working day is worked, in which zone; the zone must keep one offset per day (no DST)."""

    opens: time = time(9)
    closes: time = time(18)
    zone: ZoneInfo = ZoneInfo("Asia/Shanghai")

    def __post_init__(self) -> None:
        if not self.opens < self.closes:
            raise CalendarError(f"working hours must open before they close ({self.opens}–{self.closes})")

    @classmethod
    def parse(cls, text: str, zone: str) -> "WorkingHours":
        """``"09:00-18:00"`` and an IANA zone name, as the settings give them."""
        try:
            opens, closes = (time.fromisoformat(part.strip()) for part in text.split("-"))
            return cls(opens, closes, ZoneInfo(zone))
        except (ValueError, KeyError) as exc:
            raise CalendarError(f"working hours {text!r} in {zone!r}: {exc}") from exc


@dataclass(frozen=True)
class DayEntry:
    """One date an administrator entered: a day off (holiday) or a working day (e.g. a make-up Saturday)."""

    day: date
    kind: str
    name: str = ""


@dataclass(frozen=True)
class WorkCalendar:
    """Package data plus entered days; ``warned`` is shared by the reloads of one app (log once per year)."""

    entered: Mapping[date, DayEntry] = field(default_factory=dict)
    complete_years: frozenset[int] = frozenset()
    hours: WorkingHours = WorkingHours()
    warned: set[int] = field(default_factory=set, compare=False)

    def knows_year(self, year: int) -> bool:
        """True when the year's holidays and make-up days are known (package, or marked complete)."""
        return year in PACKAGE_YEARS or year in self.complete_years

    def is_working_day(self, day: date) -> bool:
        entry = self.entered.get(day)
        if entry is not None:
            return entry.kind == WORKDAY
        if day.year in PACKAGE_YEARS:
            return chinese_calendar.is_workday(day)
        self._note_unknown(day.year)
        return day.weekday() < 5

    def _note_unknown(self, year: int) -> None:
        if year not in self.complete_years and year not in self.warned:
            self.warned.add(year)
            log.warning("working-day calendar: no holiday data for %s; counting Monday to Friday as working "
                        "days until an administrator enters the year at /admin/calendar", year)


def package_days(year: int) -> list[DayEntry]:
    """The package's holidays on weekdays and working days on weekends for ``year`` (empty if unknown)."""
    if year not in PACKAGE_YEARS:
        return []
    days = [DayEntry(day, HOLIDAY, chinese_calendar.get_holiday_detail(day)[1] or "")
            for day in _package_data.holidays if day.year == year and day.weekday() < 5]
    days += [DayEntry(day, WORKDAY, chinese_calendar.get_holiday_detail(day)[1] or "")
             for day in _package_data.workdays if day.year == year and day.weekday() >= 5]
    return sorted(days, key=lambda entry: entry.day)


# --- the four questions -------------------------------------------------------------------------------------


def is_working_day(calendar: WorkCalendar, day: Moment) -> bool:
    """Whether ``day`` (a date, or a moment's date in the calendar's zone) is a working day."""
    return calendar.is_working_day(_day(calendar, day))


def add_working_days(calendar: WorkCalendar, start: Moment, days: int) -> datetime:
    """``days`` working days after ``start`` (moved to the next opening first), same time of day."""
    count = _count(days, "days", int)
    at = next_opening(calendar, _moment(calendar, start))
    day = at.date()
    for _ in range(count):
        day = _next_working_day(calendar, day + timedelta(days=1))
    return _at(calendar, day, at.time())


def add_working_hours(calendar: WorkCalendar, start: Moment, hours: Union[int, float]) -> datetime:
    """The moment when ``hours`` of working time after ``start`` have passed."""
    remaining = timedelta(hours=_count(hours, "hours", (int, float)))
    at = next_opening(calendar, _moment(calendar, start))
    while True:
        closing = _at(calendar, at.date(), calendar.hours.closes)
        if at + remaining <= closing:
            return at + remaining
        remaining -= closing - at
        at = _at(calendar, _next_working_day(calendar, at.date() + timedelta(days=1)), calendar.hours.opens)


def working_time_between(calendar: WorkCalendar, first: Moment, second: Moment) -> timedelta:
    """Working time from ``first`` to ``second``; negative when ``second`` comes first."""
    a, b = _moment(calendar, first), _moment(calendar, second)
    if b < a:
        return -working_time_between(calendar, b, a)
    total = timedelta()
    day = a.date()
    while day <= b.date():
        if calendar.is_working_day(day):
            opens = max(a, _at(calendar, day, calendar.hours.opens))
            closes = min(b, _at(calendar, day, calendar.hours.closes))
            total += max(closes - opens, timedelta())
        day += timedelta(days=1)
    return total


def next_opening(calendar: WorkCalendar, moment: datetime) -> datetime:
    """``moment`` itself inside working time, else the next time work starts."""
    local = moment.astimezone(calendar.hours.zone)
    day, clock_time = local.date(), local.time()
    if calendar.is_working_day(day) and clock_time < calendar.hours.closes:
        return local if clock_time >= calendar.hours.opens else _at(calendar, day, calendar.hours.opens)
    return _at(calendar, _next_working_day(calendar, day + timedelta(days=1)), calendar.hours.opens)


# --- input --------------------------------------------------------------------------------------------------


def _next_working_day(calendar: WorkCalendar, day: date) -> date:
    for offset in range(_MAX_SCAN_DAYS):
        candidate = day + timedelta(days=offset)
        if calendar.is_working_day(candidate):
            return candidate
    raise CalendarError(f"no working day within {_MAX_SCAN_DAYS} days after {day}")


def _at(calendar: WorkCalendar, day: date, clock_time: time) -> datetime:
    return datetime.combine(day, clock_time, calendar.hours.zone)


def _count(value: Any, what: str, types: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, types):
        raise CalendarError(f"{what} must be a number, not {value!r}")
    if not 0 <= value <= _MAX_COUNT:
        raise CalendarError(f"{what} must be between 0 and {_MAX_COUNT}, not {value!r}")
    return value


def _parsed(text: str) -> Union[date, datetime]:
    text = text.strip()
    try:
        return date.fromisoformat(text) if len(text) == 10 else datetime.fromisoformat(text)
    except ValueError:
        raise CalendarError(f"{text!r} is not an ISO-8601 date or date-time") from None


def _moment(calendar: WorkCalendar, value: Moment) -> datetime:
    """Any accepted start as an aware datetime in the calendar's zone."""
    if isinstance(value, str):
        value = _parsed(value)
    if isinstance(value, datetime):
        if value.tzinfo is None:
            return value.replace(tzinfo=calendar.hours.zone)
        return value.astimezone(calendar.hours.zone)
    if isinstance(value, date):
        return _at(calendar, value, time(0))
    raise CalendarError(f"expected a date, a date-time or an ISO-8601 string, not {value!r}")


def _day(calendar: WorkCalendar, value: Moment) -> date:
    if isinstance(value, str):
        value = _parsed(value)
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    return _moment(calendar, value).date()


# --- the calendar in effect ---------------------------------------------------------------------------------

_source: Callable[[], WorkCalendar] = WorkCalendar


def use_source(source: Callable[[], WorkCalendar]) -> None:
    """Install where :func:`current` gets the calendar (the service layer: cached per app, from the database)."""
    global _source
    _source = source


def current() -> WorkCalendar:
    """The calendar in effect now, for expressions and handlers."""
    return _source()


def _in_expressions() -> dict[str, Callable[..., Any]]:
    """The four questions over the calendar in effect, as expressions and scripts call them."""

    def is_working_day_(day: Moment) -> bool:
        return is_working_day(current(), day)

    def add_working_days_(start: Moment, days: int) -> datetime:
        return add_working_days(current(), start, days)

    def add_working_hours_(start: Moment, hours: Union[int, float]) -> datetime:
        return add_working_hours(current(), start, hours)

    def working_time_between_(first: Moment, second: Moment) -> timedelta:
        return working_time_between(current(), first, second)

    return {"is_working_day": is_working_day_, "add_working_days": add_working_days_,
            "add_working_hours": add_working_hours_, "working_time_between": working_time_between_}


EXPRESSION_HELPERS: dict[str, Callable[..., Any]] = _in_expressions()


def missing_years(calendar: WorkCalendar, today: date, ahead: timedelta = timedelta(days=92)) -> list[int]:
    """Years to warn about: this year if unknown, and next year if unknown once it is ``ahead`` away or less."""
    years = [today.year] if not calendar.knows_year(today.year) else []
    if not calendar.knows_year(today.year + 1) and date(today.year + 1, 1, 1) - today <= ahead:
        years.append(today.year + 1)
    return years

