"""A timer firing rewrites only the projections it changed: those it does change come out as a full rewrite would.

The scheduler saves a firing with ``step_changes.Before`` and skips every
projection whose inputs the step left alone. Here a boundary timer does change
them all — it cancels a task that has local variables, runs a handler that
moves the response deadline, changes variables the inbox shows, opens a task
and a message wait (or, when its script fails, an incident) — and the rows it
leaves must be exactly what rewriting every projection from the workflow gives.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from app import clock
from app.db import UnitOfWork
from app.domain import SlaEvent
from app.models import (NO_DUE_DATE, HumanTask, InboxTicket, Incident, MessageSubscription, TaskCandidate, TaskLocalVariable,
                        Timer)
from app.services import step
from app.services.timers import FiringPolicy, claim_due, fire_claimed
from app.store import database
from tests.helpers import DATA, deploy, register_handler, unregister_handler

START = datetime(2026, 12, 1, 8, 0, tzinfo=timezone.utc)
FIRE_AT = START + timedelta(hours=1)
DEADLINE = START + timedelta(hours=3)  # the response deadline the escalation's handler sets


def move_deadline(ctx):
    ctx.record(SlaEvent(instance_id=ctx.instance_id, business_key=ctx.business_key, sla="response",
                        kind="deadline_set", deadline=DEADLINE, at=ctx.now))
    return {"escalated_at": ctx.now.isoformat()}


@pytest.fixture
def escalation(api):
    register_handler("test_move_deadline", move_deadline)
    assert deploy(api, DATA / "scheduler" / "escalate_on_timer.bpmn").status_code == 200
    yield
    unregister_handler("test_move_deadline")


def projections(app, instance_id: str) -> dict[str, list[tuple]]:
    """Every projection row of the instance, as comparable tuples (ids of incidents left out: they are random)."""
    with UnitOfWork(database(app), write=False) as uow:
        def rows(query, *columns) -> list[tuple]:
            return sorted(tuple(getattr(row, c) for c in columns) for row in uow.session.scalars(query))

        tasks = select(HumanTask.id).where(HumanTask.instance_id == instance_id)
        return {
            "tasks": rows(select(HumanTask).where(HumanTask.instance_id == instance_id),
                          "activity_id", "status", "inbox_due_at", "due_at", "priority", "candidate_groups"),
            "candidates": rows(select(TaskCandidate).where(TaskCandidate.task_id.in_(tasks)),
                               "kind", "name", "inbox_due_at", "group_count"),
            "locals": rows(select(TaskLocalVariable).where(TaskLocalVariable.task_id.in_(tasks)), "name", "value"),
            "timers": rows(select(Timer).where(Timer.instance_id == instance_id), "activity_id", "due_at"),
            "subscriptions": rows(select(MessageSubscription).where(MessageSubscription.instance_id == instance_id),
                                  "activity_id", "kind", "name"),
            "incidents": rows(select(Incident).where(Incident.instance_id == instance_id),
                              "activity_id", "status", "attempts"),
            "inbox": rows(select(InboxTicket).where(InboxTicket.instance_id == instance_id),
                          "category", "vip", "symptom", "response_due_at"),
        }


def rewrite_all(app, instance_id: str) -> None:
    """Save the instance unchanged with every projection rewritten (no ``Before``): what they should hold."""
    uow = UnitOfWork(database(app))
    with uow:
        instance, definition, workflow = step.load(uow, instance_id)
        step.save(uow, instance, definition, workflow, None, since=clock.now().timestamp())
        uow.commit()


def fire_escalation(app, api, fail: bool) -> str:
    """Start an instance, give its triage task a local variable, and fire its boundary timer as the scheduler does."""
    with clock.frozen(START) as advance:
        instance_id = api.start("escalate_on_timer", {"fire_at": FIRE_AT.isoformat(), "category": "network",
                                                      "symptom": "VPN drops", "fail": fail})
        [triage] = api.tasks(instance_id)
        response = api.put(f"/task/{triage['id']}/localVariables/note", json={"value": "called", "type": "String"})
        assert response.status_code == 204
        assert projections(app, instance_id)["locals"] == [("note", "called")]
        advance(FIRE_AT - START + timedelta(seconds=1))
        policy = FiringPolicy(worker="projections")
        assert claim_due(UnitOfWork(database(app)), policy) == [instance_id]
        assert fire_claimed(UnitOfWork(database(app)), [instance_id], policy).fired == [instance_id]
    return instance_id


def test_an_escalating_timer_writes_the_task_wait_deadline_and_inbox_it_changed(app, api, escalation):
    instance_id = fire_escalation(app, api, fail=False)
    fired = projections(app, instance_id)
    assert fired["tasks"] == [("handle", "open", DEADLINE, None, 50, ["service_desk"]),
                              ("triage", "canceled", NO_DUE_DATE, None, 50, ["service_desk"])]
    assert fired["candidates"] == [("group", "service_desk", DEADLINE, 1)]  # the canceled task's row is gone
    assert fired["locals"] == []
    assert fired["timers"] == []
    assert fired["subscriptions"] == [("reply", "message", "customer_reply")]
    assert fired["incidents"] == []
    assert fired["inbox"] == [("escalated", True, "VPN drops", DEADLINE)]
    rewrite_all(app, instance_id)
    assert projections(app, instance_id) == fired


def test_an_escalating_timer_whose_script_fails_opens_the_incident(app, api, escalation):
    instance_id = fire_escalation(app, api, fail=True)
    fired = projections(app, instance_id)
    assert fired["incidents"] == [("reclassify", "open", 1)]
    assert [t[:2] for t in fired["tasks"]] == [("triage", "canceled")]
    assert fired["locals"] == [] and fired["subscriptions"] == [] and fired["timers"] == []
    assert fired["inbox"] == [("network", False, "VPN drops", DEADLINE)]  # the handler ran before the script
    rewrite_all(app, instance_id)
    assert projections(app, instance_id) == fired
