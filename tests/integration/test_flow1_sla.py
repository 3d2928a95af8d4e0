"""SLA clocks of Flow 1 on the working-day calendar, driven through the real flow with a frozen clock.

Real dates (chinese-calendar 1.11.0): 2026-11-27 is a Friday; National Day 2026 runs Thursday 1 to
Wednesday 7 October and Saturday 10 October is a make-up working day (调休). Working time is
09:00–18:00 Asia/Shanghai. The priority table gives urgent tickets 2 h / 8 h around the clock,
important ones 4 h / 1 working day and normal ones 8 h / 3 working days (response / resolution).
Every change of a clock must be an ``sla_event`` row: a later issue builds the reports from them.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Optional
from zoneinfo import ZoneInfo

from sqlalchemy import select

from app import clock
from app.db import UnitOfWork
from app.domain import SlaEvent
from app.models import Notification, Timer
from app.store import database
from scheduler import tick
from tests.integration.test_support_request_flow import (CLASSIFY, NOT_SOLVED, PROCESS, TIER1_ESCALATE,
                                                         TIER1_RESOLVED, TIER2_ESCALATE, VENDOR_RESOLVED, intake,
                                                         step)
from tests.integration.test_web_inbox import ENGLISH, signed_in

SHANGHAI = ZoneInfo("Asia/Shanghai")
TIER1 = ("tier1_diagnose", ["tier1_hardware"], "tier1")
WAIT = {"tier1_outcome": "wait_requester", "diagnosis": "需要用户提供报错截图", "attempted_steps": "远程查看日志"}
REPLY = {"waiting_for": "报错截图", "requester_reply": "截图已发送"}


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


def local(value: Optional[datetime]) -> Optional[str]:
    return value.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M") if value else None


def events(app, instance_id: str) -> list[tuple[str, str, Optional[str], Optional[str]]]:
    """(clock, kind, deadline in Shanghai time, reason) of the instance's SLA events, in order."""
    with app.app_context(), UnitOfWork(database(app), write=False) as uow:
        rows = uow.session.scalars(select(SlaEvent).where(SlaEvent.instance_id == instance_id)
                                   .order_by(SlaEvent.id)).all()
        return [(row.sla, row.kind, local(row.deadline), row.reason) for row in rows]


def told(app, instance_id: str) -> list[tuple[str, str]]:
    """(group, subject msgid) of the notifications the instance queued, in order."""
    with app.app_context(), UnitOfWork(database(app), write=False) as uow:
        rows = uow.session.execute(select(Notification.group_id, Notification.subject)
                                   .where(Notification.instance_id == instance_id).order_by(Notification.id)).all()
        return [tuple(row) for row in rows]


def timers(app, instance_id: str) -> dict[str, str]:
    """Waiting timers of the instance: activity id → due time in Shanghai time."""
    with app.app_context(), UnitOfWork(database(app), write=False) as uow:
        rows = uow.session.execute(select(Timer.activity_id, Timer.due_at)
                                   .where(Timer.instance_id == instance_id)).all()
        return {activity: local(due if due.tzinfo else due.replace(tzinfo=SHANGHAI)) for activity, due in rows}


def start(api, key: str, **overrides: Any) -> str:
    return api.start(PROCESS, intake(**overrides), user="requester", business_key=key)


def test_deadlines_over_a_weekend_on_working_time_and_around_the_clock(app, api):
    with clock.frozen(at("2026-11-27 17:00")):  # Friday, an hour before closing
        normal = start(api, "SLA-FRI-N")
        urgent = start(api, "SLA-FRI-U", vip=True)
    assert events(app, normal) == [("response", "deadline_set", "2026-11-30 16:00", None),     # 1 h + 7 h
                                   ("resolution", "deadline_set", "2026-12-02 17:00", None)]   # 3 working days
    assert events(app, urgent) == [("response", "deadline_set", "2026-11-27 19:00", None),     # 24x7
                                   ("resolution", "deadline_set", "2026-11-28 01:00", None)]
    variables = api.variables(urgent)
    assert (variables["sla_calendar"], variables["resolution_sla"]) == ("24x7", "PT8H")


def test_deadlines_across_national_day_and_its_make_up_saturday(app, api):
    with clock.frozen(at("2026-09-30 16:00")):  # the last working day before the holiday
        before = start(api, "SLA-ND", impact="high", urgency="low")  # important: 4 h / 1 working day
    with clock.frozen(at("2026-10-09 16:00")):  # Friday after it; Saturday 10 October is worked
        after = start(api, "SLA-TX", impact="high", urgency="low")
    assert events(app, before) == [("response", "deadline_set", "2026-10-08 11:00", None),
                                   ("resolution", "deadline_set", "2026-10-08 16:00", None)]
    assert events(app, after) == [("response", "deadline_set", "2026-10-10 11:00", None),
                                  ("resolution", "deadline_set", "2026-10-10 16:00", None)]


def test_response_warning_then_breach_reach_tier1_and_the_project_manager(app, api):
    with clock.frozen(at("2026-11-30 09:00")) as advance:  # Monday; normal: respond by 17:00
        instance_id = start(api, "SLA-RESP")
        step(api, instance_id, "classify_request", ["service_desk"], "desk", CLASSIFY)
        assert timers(app, instance_id)["response_warning_timer"] == "2026-11-30 15:00"  # at three quarters
        advance(timedelta(hours=6, minutes=1))
        tick(app)
        assert told(app, instance_id) == [("tier1_hardware", "Response due soon: ticket %(ticket)s")]
        advance(timedelta(hours=2))
        tick(app)
    assert told(app, instance_id)[-1] == ("project_manager", "Response SLA breached: ticket %(ticket)s")
    assert events(app, instance_id)[-1] == ("response", "breached", "2026-11-30 17:00", None)
    api.only_task(instance_id, "tier1_diagnose")  # non-interrupting: the engineer still has the ticket


def test_vendor_and_callback_pause_the_resolution_clock_by_working_time(app, api):
    with clock.frozen(at("2026-11-30 09:00")) as advance:  # Monday; normal: resolve by Thursday 09:00
        instance_id = start(api, "SLA-VENDOR")
        step(api, instance_id, "classify_request", ["service_desk"], "desk", CLASSIFY)
        advance(timedelta(hours=1))
        step(api, instance_id, *TIER1, TIER1_ESCALATE)
        assert timers(app, instance_id)["resolution_sla_timer_tier2"] == "2026-12-03 09:00"
        advance(timedelta(hours=7))   # Monday 17:00: to the vendor, the clock stops
        step(api, instance_id, "tier2_resolve", ["tier2"], "tier2", TIER2_ESCALATE)
        assert not any(name.startswith("resolution") for name in timers(app, instance_id))
        advance(timedelta(hours=18))  # Tuesday 11:00: paused 1 h on Monday + 2 h on Tuesday
        step(api, instance_id, "track_vendor_case", ["vendor_liaison"], "vendor", VENDOR_RESOLVED)
        advance(timedelta(hours=3))   # Tuesday 14:00: callback finds it unsolved, back to the vendor
        step(api, instance_id, "callback_rating", ["service_desk"], "desk", NOT_SOLVED)
    assert events(app, instance_id)[2:] == [
        ("response", "stopped", "2026-11-30 17:00", None),            # tier 1 answered at 10:00
        ("resolution", "paused", "2026-12-03 09:00", "vendor"),
        ("resolution", "resumed", "2026-12-03 12:00", "vendor"),      # 3 working hours later
        ("resolution", "paused", "2026-12-03 12:00", "completion"),
        ("close", "deadline_set", "2026-12-03 11:00", None),          # 2 working days from Tuesday 11:00
        ("resolution", "resumed", "2026-12-03 15:00", "completion"),  # the desk's 3 h at callback
        ("resolution", "paused", "2026-12-03 15:00", "vendor"),
    ]
    api.only_task(instance_id, "track_vendor_case")
    assert api.variables(instance_id)["resolution_due_at"] == at("2026-12-03 15:00").isoformat()


def test_waiting_for_the_requester_over_a_weekend_costs_only_working_time(app, api):
    with clock.frozen(at("2026-11-27 09:00")) as advance:  # Friday; normal: resolve by Wednesday 09:00
        instance_id = start(api, "SLA-WAIT")
        step(api, instance_id, "classify_request", ["service_desk"], "desk", CLASSIFY)
        advance(timedelta(hours=1))
        step(api, instance_id, *TIER1, WAIT)
        assert api.variables(instance_id)["ticket_status"] == "waiting"
        assert sorted(timers(app, instance_id)) == []  # no SLA timer waits while the requester has the ball
        desk = signed_in(app, "tier1")
        assert "Resolution SLA: paused" in desk.get(f"/tickets/{instance_id}", headers=ENGLISH).get_data(True)
        assert "解决时限: 已暂停" in desk.get(f"/tickets/{instance_id}").get_data(True)
        own = signed_in(app, "requester").get(f"/tickets/{instance_id}", headers=ENGLISH).get_data(True)
        assert "Ticket details" in own and "Resolution SLA" not in own  # the desk's clocks are its own
        advance(timedelta(days=3))  # Monday 10:00: the requester replies
        step(api, instance_id, "wait_for_requester", ["tier1_hardware"], "tier1", REPLY)
        api.only_task(instance_id, "tier1_diagnose")
        # paused 8 h on Friday and 1 h on Monday, none over the weekend: 9 working hours on
        assert timers(app, instance_id)["resolution_sla_timer_tier1"] == "2026-12-02 18:00"
        html = signed_in(app, "tier1").get("/inbox", headers=ENGLISH).get_data(True)
    assert events(app, instance_id)[2:] == [
        ("response", "stopped", "2026-11-27 17:00", None),
        ("resolution", "paused", "2026-12-02 09:00", "requester"),
        ("resolution", "resumed", "2026-12-02 18:00", "requester"),
    ]
    assert "Resolution SLA: 2 days left" in html  # from Monday 10:00 to Wednesday 18:00


def test_tier2_waits_for_the_requester_and_gets_the_ticket_back(app, api):
    with clock.frozen(at("2026-11-30 09:00")) as advance:
        instance_id = start(api, "SLA-WAIT2")
        step(api, instance_id, "classify_request", ["service_desk"], "desk", CLASSIFY)
        step(api, instance_id, *TIER1, TIER1_ESCALATE)
        step(api, instance_id, "tier2_resolve", ["tier2"], "tier2", {**TIER2_ESCALATE, "tier2_outcome": "wait_requester"})
        advance(timedelta(hours=2))
        step(api, instance_id, "wait_for_requester", ["tier2"], "tier2", REPLY)
    api.only_task(instance_id, "tier2_resolve")
    assert timers(app, instance_id)["resolution_sla_timer_tier2"] == "2026-12-03 11:00"


def test_a_priority_raised_by_tier1_recomputes_deadlines_and_a_breach_reaches_the_manager(app, api):
    with clock.frozen(at("2026-11-30 09:00")) as advance:  # normal at first: 8 h / 3 working days
        instance_id = start(api, "SLA-UP")
        step(api, instance_id, "classify_request", ["service_desk"], "desk", CLASSIFY)
        advance(timedelta(hours=1))   # tier 1 finds the whole floor down: urgent, around the clock
        step(api, instance_id, *TIER1, {**TIER1_ESCALATE, "impact": "high", "urgency": "high"})
        assert api.variables(instance_id)["priority"] == "urgent"
        assert timers(app, instance_id)["resolution_sla_timer_tier2"] == "2026-11-30 17:00"   # 09:00 + 8 h
        assert timers(app, instance_id)["resolution_warning_timer_tier2"] == "2026-11-30 15:00"
        advance(timedelta(hours=5, minutes=1))
        tick(app)
        advance(timedelta(hours=2))
        tick(app)
    assert events(app, instance_id)[2:] == [
        ("response", "deadline_set", "2026-11-30 11:00", None),      # from the request, on the new calendar
        ("resolution", "deadline_set", "2026-11-30 17:00", None),
        ("response", "stopped", "2026-11-30 11:00", None),
        ("resolution", "breached", "2026-11-30 17:00", None),
    ]
    assert told(app, instance_id)[-2:] == [("tier2", "Resolution due soon: ticket %(ticket)s"),
                                           ("project_manager", "Resolution SLA breached: ticket %(ticket)s")]
    api.only_task(instance_id, "tier2_resolve")


def test_close_deadline_is_two_working_days_with_a_reminder_and_a_breach(app, api):
    with clock.frozen(at("2026-09-29 10:00")) as advance:
        instance_id = start(api, "SLA-CLOSE")
        step(api, instance_id, "classify_request", ["service_desk"], "desk", CLASSIFY)
        advance(timedelta(hours=6))   # Tuesday 16:00: resolved, completion requested
        step(api, instance_id, *TIER1, TIER1_RESOLVED)
        assert timers(app, instance_id) == {"close_reminder_timer": "2026-09-30 16:00",
                                            "close_deadline_timer": "2026-10-08 16:00"}  # over National Day
        desk = signed_in(app, "desk")
        assert "Close deadline: 9 days left" in desk.get("/inbox", headers=ENGLISH).get_data(True)
        advance(timedelta(days=1, minutes=1))
        tick(app)
        assert told(app, instance_id) == [("service_desk", "Callback due: ticket %(ticket)s")]
        advance(timedelta(days=8))
        tick(app)
        html = signed_in(app, "desk").get("/inbox").get_data(True)
    assert told(app, instance_id)[-1] == ("project_manager", "Close deadline passed: ticket %(ticket)s")
    assert events(app, instance_id)[-1] == ("close", "breached", "2026-10-08 16:00", None)
    assert "关闭时限: 已超时 1分钟" in html
    api.only_task(instance_id, "callback_rating")
