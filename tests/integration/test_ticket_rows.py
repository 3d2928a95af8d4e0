"""The ``ticket`` and ``ticket_callback`` rows Flow 1 writes, path by path, as the reports will count them.

Each path of ``processes/it_support_request.bpmn`` runs through /engine-rest on a frozen clock
(every step loads and saves the instance) and ends with the one ticket row and the callback
rows it must have. The first claim of a tier-1 task is the service layer's: it is checked
on both databases, as is a claim that comes after the first response.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Optional
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from app import clock
from app.db import UnitOfWork
from app.domain import Ticket, TicketCallback
from app.store import database
from tests.integration.test_support_request_flow import (CLASSIFY, NOT_SOLVED, PROCESS, SOLVED, TIER1_ESCALATE,
                                                         TIER1_RESOLVED, TIER2_ESCALATE, TIER2_RESOLVED,
                                                         VENDOR_RESOLVED, intake, step)

SHANGHAI = ZoneInfo("Asia/Shanghai")
SQLITE_ONLY = pytest.mark.parametrize("backend", ["sqlite"])
TIER1 = ("tier1_diagnose", ["tier1_hardware"], "tier1")
TIER2 = ("tier2_resolve", ["tier2"], "tier2")
CALLBACK = ("callback_rating", ["service_desk"], "desk")
COMPLAINT = {**SOLVED, "complaint": "工程师态度不好", "rating_attitude": 1}
WAIT = {"tier1_outcome": "wait_requester", "diagnosis": "需要用户提供报错截图", "attempted_steps": "远程查看日志"}
REPLY = {"waiting_for": "报错截图", "requester_reply": "截图已发送"}


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


def local(value: Optional[datetime]) -> Optional[str]:
    return value.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M") if value else None


def ticket(app, instance_id: str) -> dict[str, Any]:
    """The ticket row, times as Shanghai wall-clock text."""
    with app.app_context(), UnitOfWork(database(app), write=False) as uow:
        row = uow.session.get(Ticket, instance_id)
        values = {column.key: getattr(row, column.key) for column in Ticket.__table__.columns}
    return {name: local(value) if isinstance(value, datetime) else value for name, value in values.items()}


def callbacks(app, instance_id: str) -> list[tuple]:
    """(seq, agent, solved, complaint, attitude, speed, effect, note, at) of the ticket's callbacks."""
    with app.app_context(), UnitOfWork(database(app), write=False) as uow:
        rows = uow.session.scalars(select(TicketCallback).where(TicketCallback.instance_id == instance_id)
                                   .order_by(TicketCallback.seq)).all()
        return [(r.seq, r.agent, r.solved, r.complaint, r.attitude, r.speed, r.effect, r.note, local(r.at))
                for r in rows]


def start(api, key: str, **overrides: Any) -> str:
    return api.start(PROCESS, intake(**overrides), user="requester", business_key=key)


def claim(api, instance_id: str, user: str) -> str:
    task = api.only_task(instance_id, "tier1_diagnose")
    assert api.post(f"/task/{task['id']}/claim", user=user, json={"userId": user}).status_code == 204
    return task["id"]


def picked(row: dict[str, Any], *names: str) -> tuple:
    return tuple(row[name] for name in names)


@SQLITE_ONLY
def test_first_contact_is_closed_by_the_desk_member_who_answered(app, api):
    with clock.frozen(at("2026-11-30 23:30")) as advance:   # Monday evening: a Monday ticket
        instance_id = start(api, "ROW-FC", channel="im", vip=True)
        opened = ticket(app, instance_id)
        advance(timedelta(hours=10, minutes=5))
        step(api, instance_id, "classify_request", ["service_desk"], "desk",
             {**CLASSIFY, "request_type": "consultation", "category": "software", "resolved_at_first_contact": True,
              "first_contact_answer": "在打印对话框中选择默认打印机"})

    assert picked(opened, "number", "requester", "department", "channel", "vip", "status", "requested_at",
                  "requested_on", "requested_month", "priority", "response_due_at") == (
        "ROW-FC", "张三", "财务部", "im", True, "open", "2026-11-30 23:30", at("2026-11-30 23:30").date(), "2026-11",
        "urgent", "2026-12-01 01:30")
    row = ticket(app, instance_id)
    assert picked(row, "status", "first_contact", "engineer", "ticket_type", "category", "first_response_at",
                  "closed_at", "tier1_group", "escalation_level", "reopen_count", "completion_requested_at") == (
        "closed", True, "desk", "consultation", "software", "2026-12-01 09:35", "2026-12-01 09:35", None, 0, 0, None)
    assert callbacks(app, instance_id) == []


@SQLITE_ONLY
def test_tier1_resolves_and_the_callback_closes(app, api):
    with clock.frozen(at("2026-11-27 16:00")) as advance:   # Friday: close due Tuesday
        instance_id = start(api, "ROW-T1")
        step(api, instance_id, "classify_request", ["service_desk"], "desk", CLASSIFY)
        dispatched = ticket(app, instance_id)
        advance(timedelta(hours=1))
        step(api, instance_id, *TIER1, TIER1_RESOLVED)
        resolved = ticket(app, instance_id)
        advance(timedelta(days=3))
        step(api, instance_id, *CALLBACK, SOLVED)

    assert picked(dispatched, "ticket_type", "category", "tier1_group", "status", "first_response_at") == (
        "incident", "hardware", "tier1_hardware", "open", None)
    assert picked(resolved, "status", "engineer", "first_response_at", "completion_requested_at", "close_due_at") == (
        "resolved", "tier1", "2026-11-27 17:00", "2026-11-27 17:00", "2026-12-01 17:00")
    row = ticket(app, instance_id)
    assert picked(row, "status", "closed_at", "first_contact", "escalation_level", "reopen_count", "priority") == (
        "closed", "2026-11-30 17:00", False, 0, 0, "normal")
    assert callbacks(app, instance_id) == [(1, "desk", True, None, 5, 4, 3, "用户确认已恢复", "2026-11-30 17:00")]


@SQLITE_ONLY
def test_tier2_and_the_vendor_raise_the_escalation_level_and_the_last_worker_is_the_engineer(app, api):
    with clock.frozen(at("2026-11-30 09:00")) as advance:
        tier2 = start(api, "ROW-T2")
        vendor = start(api, "ROW-VENDOR")
        for instance_id in (tier2, vendor):
            step(api, instance_id, "classify_request", ["service_desk"], "desk", CLASSIFY)
            step(api, instance_id, *TIER1, TIER1_ESCALATE)
        escalated = ticket(app, tier2)
        advance(timedelta(hours=2))
        step(api, tier2, *TIER2, TIER2_RESOLVED)
        step(api, vendor, *TIER2, TIER2_ESCALATE)
        at_vendor = ticket(app, vendor)
        advance(timedelta(hours=2))
        step(api, vendor, "track_vendor_case", ["vendor_liaison"], "vendor", VENDOR_RESOLVED)
        for instance_id in (tier2, vendor):
            step(api, instance_id, *CALLBACK, SOLVED)

    assert picked(escalated, "status", "escalation_level", "first_response_at") == ("escalated", 1, "2026-11-30 09:00")
    assert picked(at_vendor, "status", "escalation_level") == ("escalated", 2)
    assert picked(ticket(app, tier2), "status", "engineer", "escalation_level", "completion_requested_at") == (
        "closed", "tier2", 1, "2026-11-30 11:00")
    assert picked(ticket(app, vendor), "status", "engineer", "escalation_level", "completion_requested_at") == (
        "closed", "vendor", 2, "2026-11-30 13:00")
    assert [c[:3] for c in callbacks(app, vendor)] == [(1, "desk", True)]


@SQLITE_ONLY
def test_a_callback_not_solved_reopens_and_the_next_callback_closes(app, api):
    with clock.frozen(at("2026-11-30 09:00")) as advance:
        instance_id = start(api, "ROW-REOPEN")
        step(api, instance_id, "classify_request", ["service_desk"], "desk", CLASSIFY)
        step(api, instance_id, *TIER1, TIER1_RESOLVED)
        advance(timedelta(hours=1))
        step(api, instance_id, *CALLBACK, NOT_SOLVED)
        reopened = ticket(app, instance_id)
        advance(timedelta(days=1))   # Tuesday 10:00: the second completion request moves the close deadline
        step(api, instance_id, *TIER1, TIER1_RESOLVED)
        advance(timedelta(days=2))
        step(api, instance_id, *CALLBACK, {**SOLVED, "rating_attitude": 4, "callback_note": ""})

    assert picked(reopened, "status", "reopen_count", "closed_at") == ("reopened", 1, None)
    row = ticket(app, instance_id)
    assert picked(row, "status", "reopen_count", "first_response_at", "completion_requested_at", "close_due_at",
                  "closed_at") == ("closed", 1, "2026-11-30 09:00", "2026-12-01 10:00", "2026-12-03 10:00",
                                   "2026-12-03 10:00")
    assert callbacks(app, instance_id) == [
        (1, "desk", False, None, None, None, None, "打印仍然失败", "2026-11-30 10:00"),
        (2, "desk", True, None, 4, 4, 3, None, "2026-12-03 10:00"),
    ]


@SQLITE_ONLY
def test_a_complaint_at_callback_keeps_its_ratings_and_sends_the_ticket_back(app, api):
    with clock.frozen(at("2026-11-30 09:00")) as advance:
        instance_id = start(api, "ROW-COMPLAINT")
        step(api, instance_id, "classify_request", ["service_desk"], "desk", CLASSIFY)
        step(api, instance_id, *TIER1, TIER1_RESOLVED)
        advance(timedelta(hours=1))
        step(api, instance_id, *CALLBACK, COMPLAINT)
        reopened = ticket(app, instance_id)
        step(api, instance_id, *TIER1, TIER1_RESOLVED)
        step(api, instance_id, *CALLBACK, SOLVED)

    assert picked(reopened, "status", "reopen_count") == ("reopened", 1)
    assert [c[:7] for c in callbacks(app, instance_id)] == [
        (1, "desk", True, "工程师态度不好", 1, 4, 3), (2, "desk", True, None, 5, 4, 3)]
    assert picked(ticket(app, instance_id), "status", "reopen_count") == ("closed", 1)


@SQLITE_ONLY
def test_tier1_raising_the_priority_moves_the_response_deadline(app, api):
    with clock.frozen(at("2026-11-30 09:00")) as advance:
        instance_id = start(api, "ROW-PRIORITY")
        step(api, instance_id, "classify_request", ["service_desk"], "desk", CLASSIFY)
        before = ticket(app, instance_id)
        advance(timedelta(hours=3))
        step(api, instance_id, *TIER1, {**TIER1_ESCALATE, "impact": "high", "urgency": "high"})

    assert picked(before, "priority", "response_due_at") == ("normal", "2026-11-30 17:00")
    assert picked(ticket(app, instance_id), "priority", "response_due_at", "first_response_at") == (
        "urgent", "2026-11-30 11:00", "2026-11-30 12:00")   # answered late for the new priority


@SQLITE_ONLY
def test_waiting_for_the_requester_shows_on_the_ticket(app, api):
    with clock.frozen(at("2026-11-30 09:00")):
        instance_id = start(api, "ROW-WAIT")
        step(api, instance_id, "classify_request", ["service_desk"], "desk", CLASSIFY)
        step(api, instance_id, *TIER1, WAIT)
        waiting = ticket(app, instance_id)
        step(api, instance_id, "wait_for_requester", ["tier1_hardware"], "tier1", REPLY)

    assert picked(waiting, "status", "first_response_at") == ("waiting", "2026-11-30 09:00")
    assert ticket(app, instance_id)["status"] == "open"
    api.only_task(instance_id, "tier1_diagnose")


def test_the_first_claim_of_a_tier1_task_is_the_first_response_and_later_ones_keep_it(app, api):
    with clock.frozen(at("2026-11-30 09:00")) as advance:
        instance_id = start(api, "ROW-CLAIM")
        desk_task = api.only_task(instance_id, "classify_request")
        assert api.post(f"/task/{desk_task['id']}/claim", user="desk", json={"userId": "desk"}).status_code == 204
        step(api, instance_id, "classify_request", ["service_desk"], "desk", CLASSIFY)
        assert ticket(app, instance_id)["first_response_at"] is None   # the desk's claim is no engineer's answer
        advance(timedelta(minutes=20))
        task_id = claim(api, instance_id, "tier1")
        advance(timedelta(minutes=10))
        assert api.post(f"/task/{task_id}/unclaim", user="tier1").status_code == 204
        claim(api, instance_id, "tier1")
        advance(timedelta(hours=2))
        step(api, instance_id, *TIER1, TIER1_RESOLVED)

    row = ticket(app, instance_id)
    assert picked(row, "first_response_at", "engineer", "completion_requested_at") == (
        "2026-11-30 09:20", "tier1", "2026-11-30 11:30")


def test_a_refused_claim_writes_no_first_response(app, api):
    with clock.frozen(at("2026-11-30 09:00")) as advance:
        instance_id = start(api, "ROW-RACE")
        step(api, instance_id, "classify_request", ["service_desk"], "desk", CLASSIFY)
        task_id = claim(api, instance_id, "tier1")
        advance(timedelta(minutes=5))
        taken = api.post(f"/task/{task_id}/claim", user="admin", json={"userId": "admin"})

    assert taken.status_code == 409, taken.get_json()
    assert ticket(app, instance_id)["first_response_at"] == "2026-11-30 09:00"
