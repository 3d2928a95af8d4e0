"""The working-day calendar on real mainland-China dates: 2025 and 2026 holidays and make-up days (调休).

Package data (chinese-calendar 1.11.0) for 2025-2026; an entered calendar for 2027,
which the package does not know. Times are Asia/Shanghai unless written otherwise.
"""
from __future__ import annotations

import logging
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from app import workcal
from app.workcal import (HOLIDAY, WORKDAY, CalendarError, DayEntry, WorkCalendar, WorkingHours, add_working_days,
                         add_working_hours, is_working_day, working_time_between)

SHANGHAI = ZoneInfo("Asia/Shanghai")
CAL = WorkCalendar()


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


@pytest.mark.parametrize("day, working", [
    ("2026-01-04", True),    # Sunday, make-up day for New Year
    ("2026-02-14", True),    # Saturday, make-up day before the Spring Festival
    ("2026-02-28", True),    # Saturday, make-up day after it
    ("2026-05-09", True),    # Saturday, make-up day for Labour Day
    ("2026-09-20", True),    # Sunday, make-up day for National Day
    ("2026-10-10", True),    # Saturday, make-up day for National Day
    ("2026-02-16", False),   # Monday in the Spring Festival holidays
    ("2026-02-23", False),   # Monday, last day of them
    ("2026-02-24", True),    # Tuesday, back at work
    ("2026-10-01", False),   # National Day
    ("2026-11-28", False),   # an ordinary Saturday
    ("2026-11-30", True),    # an ordinary Monday
    ("2025-09-28", True),    # Sunday, make-up day for National Day 2025
    ("2025-10-11", True),    # Saturday, make-up day for National Day 2025
    ("2025-10-08", False),   # Wednesday, last day of National Day / Mid-autumn 2025
    ("2025-10-09", True),
    ("2025-01-28", False),   # Spring Festival's eve 2025
])
def test_working_days_follow_holidays_and_make_up_days(day, working):
    assert is_working_day(CAL, day) is working
    assert is_working_day(CAL, date.fromisoformat(day)) is working


def test_a_moment_counts_on_its_date_in_shanghai():
    # 2026-02-13 17:00 UTC is already Saturday 14th 01:00 in Shanghai: a make-up working day
    assert is_working_day(CAL, datetime(2026, 2, 13, 17, 0, tzinfo=timezone.utc))
    # 2026-02-14 17:00 UTC is Sunday the 15th in Shanghai, the first Spring Festival day off
    assert not is_working_day(CAL, "2026-02-14T17:00:00+00:00")


def test_adding_working_days_across_the_spring_festival_2026():
    # Friday 13th 15:00: Saturday 14th is worked, then 15th-23rd are off
    assert add_working_days(CAL, at("2026-02-13T15:00"), 1) == at("2026-02-14T15:00")
    assert add_working_days(CAL, at("2026-02-13T15:00"), 2) == at("2026-02-24T15:00")
    assert add_working_days(CAL, "2026-02-13T15:00:00+08:00", 3) == at("2026-02-25T15:00")


def test_adding_working_days_across_national_day_2026():
    assert add_working_days(CAL, at("2026-09-30T10:30"), 1) == at("2026-10-08T10:30")
    # Friday 9th + 1: the make-up Saturday 10th
    assert add_working_days(CAL, at("2026-10-09T11:00"), 1) == at("2026-10-10T11:00")


def test_a_start_outside_working_time_starts_at_the_next_opening():
    # Sunday 10:00 → Monday 09:00, one working day later Tuesday 09:00
    assert add_working_days(CAL, at("2026-11-29T10:00"), 0) == at("2026-11-30T09:00")
    assert add_working_days(CAL, at("2026-11-29T10:00"), 1) == at("2026-12-01T09:00")
    # before opening on a working day: the same day's opening; after closing: the next day's
    assert add_working_days(CAL, at("2026-11-30T07:00"), 1) == at("2026-12-01T09:00")
    assert add_working_days(CAL, at("2026-11-30T18:00"), 1) == at("2026-12-02T09:00")


def test_adding_working_hours_across_a_night_and_a_weekend():
    assert add_working_hours(CAL, at("2026-11-30T16:00"), 4) == at("2026-12-01T11:00")
    # Friday 17:00 + 2 h: one hour on Friday, one on Monday
    assert add_working_hours(CAL, at("2026-11-27T17:00"), 2) == at("2026-11-30T10:00")
    # ending exactly at closing stays on that day
    assert add_working_hours(CAL, at("2026-11-27T17:00"), 1) == at("2026-11-27T18:00")
    assert add_working_hours(CAL, at("2026-11-28T12:00"), 0.5) == at("2026-11-30T09:30")


def test_adding_working_hours_over_a_public_holiday_and_a_make_up_saturday():
    # Wednesday 30 September 2026 17:00 + 10 h: 1 h, then 1-7 October off, 9 h on Thursday 8th
    assert add_working_hours(CAL, at("2026-09-30T17:00"), 10) == at("2026-10-08T18:00")
    # Friday 9 October 17:00 + 2 h: the make-up Saturday 10th is worked
    assert add_working_hours(CAL, at("2026-10-09T17:00"), 2) == at("2026-10-10T10:00")


def test_working_time_between():
    assert working_time_between(CAL, at("2026-11-27T17:00"), at("2026-11-30T10:00")) == timedelta(hours=2)
    assert working_time_between(CAL, at("2026-11-30T10:00"), at("2026-11-27T17:00")) == -timedelta(hours=2)
    # a whole week with a make-up Saturday: Mon-Sat 6 × 9 h (9-14 February 2026)
    assert working_time_between(CAL, "2026-02-09", "2026-02-15") == timedelta(hours=54)
    assert working_time_between(CAL, at("2026-10-01T00:00"), at("2026-10-08T00:00")) == timedelta()
    start = at("2026-02-13T15:00")
    assert working_time_between(CAL, start, add_working_days(CAL, start, 2)) == timedelta(hours=18)


def test_inputs_and_results():
    naive = datetime(2026, 11, 30, 10, 0)
    result = add_working_hours(CAL, naive, 1)
    assert result == at("2026-11-30T11:00") and result.tzinfo is not None
    assert add_working_days(CAL, date(2026, 11, 28), 1) == at("2026-12-01T09:00")
    assert add_working_hours(CAL, "2026-11-30T02:00:00Z", 1) == at("2026-11-30T11:00")  # 10:00 in Shanghai


@pytest.mark.parametrize("call", [
    lambda: add_working_days(CAL, "2026-11-30", -1),
    lambda: add_working_days(CAL, "2026-11-30", 1.5),
    lambda: add_working_days(CAL, "2026-11-30", True),
    lambda: add_working_hours(CAL, "2026-11-30", -0.5),
    lambda: add_working_hours(CAL, "2026-11-30", "2"),
    lambda: add_working_days(CAL, "30/11/2026", 1),
    lambda: is_working_day(CAL, 20261130),
    lambda: working_time_between(CAL, "2026-11-30", None),
])
def test_bad_input_is_a_clear_error(call):
    with pytest.raises(CalendarError):
        call()


def test_configured_working_hours():
    early = WorkCalendar(hours=WorkingHours.parse("08:30-17:30", "Asia/Shanghai"))
    assert add_working_hours(early, at("2026-11-30T07:00"), 9) == at("2026-11-30T17:30")
    with pytest.raises(CalendarError):
        WorkingHours.parse("18:00-09:00", "Asia/Shanghai")


def _entered_2027() -> WorkCalendar:
    days = [DayEntry(date(2027, 1, 1), HOLIDAY, "元旦"), DayEntry(date(2027, 1, 4), HOLIDAY, "元旦"),
            DayEntry(date(2027, 1, 9), WORKDAY, "元旦调休")]
    return WorkCalendar({d.day: d for d in days}, frozenset({2027}))


def test_an_entered_year_is_used_where_the_package_has_none():
    calendar = _entered_2027()
    assert calendar.knows_year(2027)
    assert not is_working_day(calendar, "2027-01-04")          # an entered holiday on a Monday
    assert is_working_day(calendar, "2027-01-09")              # an entered make-up Saturday
    assert add_working_days(calendar, at("2026-12-31T10:00"), 1) == at("2027-01-05T10:00")
    assert add_working_hours(calendar, at("2027-01-08T17:00"), 2) == at("2027-01-09T10:00")


def test_entered_days_win_over_the_package():
    moved = DayEntry(date(2026, 10, 7), WORKDAY, "corrected")
    calendar = WorkCalendar({moved.day: moved})
    assert is_working_day(calendar, "2026-10-07") and not is_working_day(CAL, "2026-10-07")


def test_a_year_without_data_counts_weekdays_and_warns_once(caplog):
    calendar = WorkCalendar()
    assert not calendar.knows_year(2027)
    with caplog.at_level(logging.WARNING, logger="app.workcal"):
        assert is_working_day(calendar, "2027-01-04")         # a Monday: counted as worked
        assert not is_working_day(calendar, "2027-01-09")     # a Saturday
        add_working_days(calendar, "2027-01-04", 3)
    warnings = [r for r in caplog.records if "2027" in r.getMessage()]
    assert len(warnings) == 1 and calendar.warned == {2027}


def test_missing_years_warns_for_the_coming_year_from_october():
    calendar = WorkCalendar()
    assert workcal.missing_years(calendar, date(2026, 11, 30)) == [2027]
    assert workcal.missing_years(calendar, date(2026, 6, 1)) == []
    assert workcal.missing_years(calendar, date(2027, 1, 5)) == [2027]
    assert workcal.missing_years(_entered_2027(), date(2026, 11, 30)) == []


def test_the_package_days_of_a_year():
    listed = {d.day: d for d in workcal.package_days(2026)}
    assert listed[date(2026, 2, 14)].kind == WORKDAY and listed[date(2026, 2, 16)].kind == HOLIDAY
    assert listed[date(2026, 2, 16)].name == "Spring Festival"
    assert date(2026, 2, 15) not in listed          # a Sunday off is no news
    assert workcal.package_days(2027) == []
