"""The response SLA of Flow 1 (DOMAIN.md step 4, 004 §4.1), measured from the request.

An engineer must contact the requester within 2 h (urgent, around the clock) / 4 h (important) /
8 h (normal) of working time *of the request*; a breach notifies the project manager. The timer on the tier-1 task therefore
waits for a fixed date (``response_due_at`` = ``requested_at`` + ``response_sla``), however late the
desk classifies, and a ticket that comes back to tier 1 after a failed callback does not start
the clock again nor notify the project manager a second time.
"""
from __future__ import annotations

import re
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import select

from app import sla, workcal
from app.db import UnitOfWork
from app.models import Timer
from app.store import database
from scheduler import tick
from tests.helpers import deploy
from tests.integration.test_support_request_flow import (CLASSIFY, NOT_SOLVED, PROCESS, SOLVED, TIER1_RESOLVED,
                                                         activity_ids, assert_closed, handler_results, intake,
                                                         step)

BACKENDS = ["sqlite"]  # flow rules and deadlines, not SQL: the same on both databases (tests/conftest.py)

PROCESSES = Path(__file__).resolve().parents[2] / "processes"
SLA = {"urgent": ("PT2H", sla.AROUND_THE_CLOCK), "important": ("PT4H", sla.WORKING), "normal": ("PT8H", sla.WORKING)}


def expected_due(app, requested_at: datetime, priority: str) -> datetime:
    """The response deadline on the priority's calendar (working time but for urgent tickets)."""
    duration, kind = SLA[priority]
    with app.app_context():
        return sla.deadline(workcal.current(), kind, requested_at, duration)


def aware(value: datetime) -> datetime:
    """A stored timestamp as an aware UTC datetime (SQLite gives naive UTC back)."""
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def response_timers(app, instance_id: str) -> list[datetime]:
    """Due dates of the waiting ``response_sla_timer`` rows of the instance, read from the database."""
    with app.app_context(), UnitOfWork(database(app), write=False) as uow:
        rows = uow.session.execute(
            select(Timer.due_at).where(Timer.instance_id == instance_id,
                                       Timer.activity_id == "response_sla_timer")).scalars().all()
    return [aware(due) for due in rows]


def breach_notifications(api, instance_id: str) -> int:
    return len(handler_results(api, instance_id, "notify_response_sla_breach"))


@pytest.mark.parametrize("overrides, priority", [
    ({"vip": True}, "urgent"),
    ({"impact": "medium", "urgency": "medium"}, "important"),
    ({"impact": "low", "urgency": "low"}, "normal"),
], ids=["urgent", "important", "normal"])
def test_response_timer_counts_from_the_request(app, api, overrides, priority):
    instance_id = api.start(PROCESS, intake(**overrides), user="requester", business_key="SR-SLA")
    current = api.variables(instance_id)
    requested_at = datetime.fromisoformat(current["requested_at"])
    assert requested_at.utcoffset() == timedelta(0)
    assert current["priority"] == priority
    due_at = expected_due(app, requested_at, priority)
    assert datetime.fromisoformat(current["response_due_at"]) == due_at
    assert response_timers(app, instance_id) == []  # nobody works the ticket yet: no tier-1 task

    time.sleep(1.2)  # the desk classifies a little later; the deadline must not move with it
    classified_at = datetime.now(timezone.utc)
    step(api, instance_id, "classify_request", ["service_desk"], "desk", CLASSIFY)

    api.only_task(instance_id, "tier1_diagnose")
    [due] = response_timers(app, instance_id)
    assert abs(due - due_at) < timedelta(seconds=1), (due, requested_at)
    later = expected_due(app, classified_at, priority)
    assert due <= later - timedelta(seconds=1) or later == due_at  # not measured from the tier-1 task


def test_reopened_ticket_keeps_the_original_deadline(app, api):
    instance_id = api.start(PROCESS, intake(), user="requester", business_key="SR-SLA-R")
    step(api, instance_id, "classify_request", ["service_desk"], "desk", CLASSIFY)
    [first] = response_timers(app, instance_id)
    step(api, instance_id, "tier1_diagnose", ["tier1_hardware"], "tier1", TIER1_RESOLVED)
    assert response_timers(app, instance_id) == []  # cancelled with the task

    step(api, instance_id, "callback_rating", ["service_desk"], "desk", NOT_SOLVED)
    api.only_task(instance_id, "tier1_diagnose")
    assert response_timers(app, instance_id) == [first]  # the same date, not a restarted clock


@pytest.fixture
def fast_sla(api):
    """The shipped model with every response SLA cut to one second around the clock (a new process version).

    Around the clock, so that the second passes whatever the time of day the tests run at.
    """
    dmn = (PROCESSES / "ticket_priority.dmn").read_text(encoding="utf-8")
    response = r'((?<!_resolution)_sla"><text>)"PT\d+H"'
    patched = re.sub(response, r'\1"PT1S"', dmn).replace('"working"', '"24x7"')
    assert patched.count('"PT1S"') == len(re.findall(response, dmn)) == dmn.count("<rule ")
    response = deploy(api, ("it_support_request.bpmn", (PROCESSES / "it_support_request.bpmn").read_bytes()),
                      ("ticket_priority.dmn", patched.encode()),
                      ("tier1_dispatch.dmn", (PROCESSES / "tier1_dispatch.dmn").read_bytes()),
                      user="owner", name="response SLA of one second")
    assert response.status_code == 200, response.get_json()


def test_slow_first_response_notifies_once_and_a_reopen_does_not_again(app, api, fast_sla):
    instance_id = api.start(PROCESS, intake(), user="requester", business_key="SR-SLA-B")
    assert api.variables(instance_id)["response_sla"] == "PT1S"
    step(api, instance_id, "classify_request", ["service_desk"], "desk", CLASSIFY)

    time.sleep(1.2)  # tier 1 is slow: the deadline passes while the task is open
    tick(app)
    assert breach_notifications(api, instance_id) == 1
    assert handler_results(api, instance_id, "notify_response_sla_breach") == [{"response_sla_breached": True}]
    api.only_task(instance_id, "tier1_diagnose")  # non-interrupting: the engineer still has the task
    assert "response_breach_not_notified" not in activity_ids(api, instance_id)

    step(api, instance_id, "tier1_diagnose", ["tier1_hardware"], "tier1", TIER1_RESOLVED)
    step(api, instance_id, "callback_rating", ["service_desk"], "desk", NOT_SOLVED)
    api.only_task(instance_id, "tier1_diagnose")  # back with tier 1; its deadline lies in the past

    time.sleep(1.2)
    tick(app)
    assert response_timers(app, instance_id) == []  # the timer of the reopened task has fired ...
    assert breach_notifications(api, instance_id) == 1  # ... without telling the project manager again
    ids = activity_ids(api, instance_id)
    assert ids.count("response_breach_gateway") == 2
    assert ids.count("notify_response_sla_breach") == 1
    assert ids.count("response_breach_not_notified") == 1

    step(api, instance_id, "tier1_diagnose", ["tier1_hardware"], "tier1", TIER1_RESOLVED)
    step(api, instance_id, "callback_rating", ["service_desk"], "desk", SOLVED)
    final = assert_closed(api, instance_id)
    assert final["reopen_count"] == 1
    assert breach_notifications(api, instance_id) == 1


def test_prompt_first_response_is_no_breach_even_after_a_reopen(app, api, fast_sla):
    instance_id = api.start(PROCESS, intake(), user="requester", business_key="SR-SLA-P")
    step(api, instance_id, "classify_request", ["service_desk"], "desk", CLASSIFY)
    step(api, instance_id, "tier1_diagnose", ["tier1_hardware"], "tier1", TIER1_RESOLVED)
    before = breach_notifications(api, instance_id)  # 0 unless this machine took over a second
    step(api, instance_id, "callback_rating", ["service_desk"], "desk", NOT_SOLVED)
    api.only_task(instance_id, "tier1_diagnose")

    time.sleep(1.2)
    tick(app)
    assert response_timers(app, instance_id) == []
    assert breach_notifications(api, instance_id) == before
    assert "response_breach_not_notified" in activity_ids(api, instance_id)
