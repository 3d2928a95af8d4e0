"""Report periods: calendar months (``YYYY-MM``) and date ranges, as the reports and Flow 6 count them.

Dates are calendar dates in the calendar's time zone (Asia/Shanghai by default), the same dates
``ticket.requested_on`` holds, so "November" means the Shanghai November whatever the server's zone.
"""
from __future__ import annotations

import re
from datetime import date, timedelta

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
#: A period longer than this is refused: the month breakdown would grow past what a page can show.
MAX_DAYS = 3 * 366


class PeriodError(ValueError):
    """A month or date range that cannot be a report period; the message says why."""


def parse_month(text: str) -> str:
    """``YYYY-MM`` checked (month 01–12, year 2000–2999), returned as given."""
    found = _MONTH.match(text or "")
    if not found or not 2000 <= int(found.group(1)) <= 2999 or not 1 <= int(found.group(2)) <= 12:
        raise PeriodError(f"{text!r} is not a month written YYYY-MM")
    return text


def month_bounds(month: str) -> tuple[date, date]:
    """The first and last day of ``month``."""
    year, number = (int(part) for part in parse_month(month).split("-"))
    first = date(year, number, 1)
    following = date(year + number // 12, number % 12 + 1, 1)
    return first, following - timedelta(days=1)


def previous_month(day: date) -> str:
    """The calendar month before the one ``day`` is in: on 1 December, November."""
    last = day.replace(day=1) - timedelta(days=1)
    return f"{last.year:04d}-{last.month:02d}"


def parse_range(start: str, end: str) -> tuple[date, date]:
    """Two ISO dates, the first not after the second and at most ``MAX_DAYS`` apart."""
    try:
        first, last = date.fromisoformat(start), date.fromisoformat(end)
    except (TypeError, ValueError) as exc:
        raise PeriodError(f"dates must be written YYYY-MM-DD, got {start!r} and {end!r}") from exc
    if first > last:
        raise PeriodError(f"the period starts ({first}) after it ends ({last})")
    if (last - first).days >= MAX_DAYS:
        raise PeriodError(f"a period may span at most {MAX_DAYS} days")
    return first, last


def presets(today: date) -> dict[str, tuple[date, date]]:
    """The periods the reports page offers with one click: this month, last month, this year."""
    this_first = today.replace(day=1)
    last_first, last_end = month_bounds(previous_month(today))
    return {"this_month": (this_first, month_bounds(f"{today.year:04d}-{today.month:02d}")[1]),
            "last_month": (last_first, last_end),
            "this_year": (today.replace(month=1, day=1), date(today.year, 12, 31))}
