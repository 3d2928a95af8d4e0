"""SLA arithmetic (app/sla.py) on real mainland-China dates: weekends, National Day 2026, make-up days.

chinese-calendar 1.11.0: National Day 2026 is Thursday 1 to Wednesday 7 October, with Saturday
10 October a make-up working day (调休); 28 September 2025 (a Sunday) was one too. Times are
Asia/Shanghai; working time is 09:00–18:00.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from app import sla
from app.workcal import WorkCalendar

SHANGHAI = ZoneInfo("Asia/Shanghai")
CAL = WorkCalendar()
WORKING, AROUND = sla.WORKING, sla.AROUND_THE_CLOCK


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


@pytest.mark.parametrize("kind, start, duration, due", [
    (WORKING, "2026-11-27 17:00", "PT2H", "2026-11-30 10:00"),   # Friday 17:00: one hour Friday, one Monday
    (AROUND, "2026-11-27 17:00", "PT2H", "2026-11-27 19:00"),    # urgent: around the clock
    (WORKING, "2026-11-28 11:00", "PT4H", "2026-11-30 13:00"),   # requested on a Saturday: from Monday's opening
    (WORKING, "2026-09-30 14:00", "PT8H", "2026-10-08 13:00"),   # across the National Day holiday
    (WORKING, "2026-09-30 15:00", "P1D", "2026-10-08 15:00"),    # a working day on, after the holiday
    (WORKING, "2026-10-09 17:00", "PT2H", "2026-10-10 10:00"),   # into the make-up Saturday
    (WORKING, "2026-10-09 10:00", "P3D", "2026-10-13 10:00"),    # Saturday 10 Oct counts, Sunday 11 does not
    (WORKING, "2025-09-26 17:30", "PT1H", "2025-09-28 09:30"),   # make-up Sunday 2025-09-28
    (AROUND, "2026-09-30 14:00", "PT8H", "2026-09-30 22:00"),    # holidays do not stop a 24x7 clock
    (WORKING, "2026-11-30 09:00", "P1DT2H", "2026-12-01 11:00"),
])
def test_deadline_on_the_priority_calendar(kind, start, duration, due):
    assert sla.deadline(CAL, kind, at(start), duration) == at(due)


def test_warning_falls_at_three_quarters_of_the_working_time():
    due, warn = sla.clock_times(CAL, WORKING, at("2026-11-30 09:00"), "PT8H")
    assert (due, warn) == (at("2026-11-30 17:00"), at("2026-11-30 15:00"))
    due, warn = sla.clock_times(CAL, WORKING, at("2026-11-27 17:00"), "PT4H")   # Friday 17:00, 4 h
    assert (due, warn) == (at("2026-11-30 12:00"), at("2026-11-30 11:00"))     # 3 h: Friday's 1 h + Monday's 2 h
    due, warn = sla.clock_times(CAL, AROUND, at("2026-11-27 17:00"), "PT8H")
    assert (due, warn) == (at("2026-11-28 01:00"), at("2026-11-27 23:00"))


@pytest.mark.parametrize("kind, pause_from, pause_to, paused", [
    (WORKING, "2026-11-30 17:00", "2026-12-01 10:00", timedelta(hours=2)),   # over a night: 2 working hours
    (WORKING, "2026-11-27 17:00", "2026-11-30 09:00", timedelta(hours=1)),   # over a weekend: 1
    (WORKING, "2026-09-30 17:00", "2026-10-08 09:00", timedelta(hours=1)),   # over National Day: 1
    (AROUND, "2026-11-27 17:00", "2026-11-30 09:00", timedelta(hours=64)),   # 24x7 counts every hour
])
def test_paused_time_counts_on_the_clock_calendar(kind, pause_from, pause_to, paused):
    pauses = [{"from": at(pause_from).isoformat(), "to": at(pause_to).isoformat(), "reason": "vendor"},
              {"from": at("2026-12-02 09:00").isoformat(), "to": None, "reason": "requester"}]  # still running
    assert sla.paused_time(CAL, kind, pauses) == paused


def test_a_pause_moves_deadline_and_warning_alike():
    start = at("2026-11-30 09:00")
    due, warn = sla.clock_times(CAL, WORKING, start, "P1D", paused=timedelta(hours=2))
    assert (due, warn) == (at("2026-12-01 11:00"), at("2026-11-30 17:45"))  # 75% of 9 h = 6 h 45 min, + 2 h


def test_close_deadline_is_two_working_days_with_a_reminder_one_day_before():
    assert sla.close_times(CAL, at("2026-11-27 15:00")) == (at("2026-12-01 15:00"), at("2026-11-30 15:00"))
    assert sla.close_times(CAL, at("2026-09-29 16:00")) == (at("2026-10-08 16:00"), at("2026-09-30 16:00"))
    # requested in the evening: counted from the next opening
    assert sla.close_times(CAL, at("2026-10-09 20:00")) == (at("2026-10-13 09:00"), at("2026-10-12 09:00"))


@pytest.mark.parametrize("text", ["", "P", "PT", "P1M", "1D", "PT2H30", None, "P1DT"])
def test_an_sla_that_is_no_duration_in_days_or_hours_is_refused(text):
    with pytest.raises(ValueError):
        sla.parse_duration(text)


def test_calendar_word_defaults_to_working_time():
    assert [sla.calendar_kind(word) for word in ("24x7", " 24X7 ", "working", None, "")] == \
        [AROUND, AROUND, WORKING, WORKING, WORKING]


def test_the_clock_shown_follows_the_ticket():
    base = {"requested_at": "2026-11-30T01:00:00+00:00", "response_due_at": "2026-11-30T03:00:00+00:00",
            "resolution_due_at": "2026-12-03T01:00:00+00:00", "ticket_status": "open", "sla_pauses": []}
    assert sla.current_clock(base).name == "response"
    responded = {**base, "responded_at": "2026-11-30T02:00:00+00:00"}
    assert (sla.current_clock(responded).name, sla.current_clock(responded).state) == ("resolution", "running")
    waiting = {**responded, "sla_pauses": [{"from": "2026-11-30T04:00:00+00:00", "to": None, "reason": "vendor"}]}
    assert sla.current_clock(waiting).state == "paused"
    resolved = {**waiting, "ticket_status": "resolved", "close_due_at": "2026-12-02T04:00:00+00:00",
                "completion_requested_at": "2026-11-30T04:00:00+00:00", "close_overdue": True}
    assert (sla.current_clock(resolved).name, sla.current_clock(resolved).state) == ("close", "breached")
    assert sla.current_clock({**resolved, "ticket_status": "closed"}) is None
    due = sla.current_clock(responded).due
    assert sla.state_at("running", due, due) == "breached"
    assert sla.state_at("paused", due, due + timedelta(hours=1)) == "paused"
