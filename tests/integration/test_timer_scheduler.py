"""The scheduler in one process: wakes at the due time, fires under a lease, backs off, gives up to an incident."""
from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select, update

from app import clock, create_app
from app.db import UnitOfWork
from app.models import AuditEntry, ProcessInstance, Timer
from app.services.timers import FiringPolicy, claim_due, fire_claimed
from app.store import database
from scheduler import shutdown, tick
from tests.conftest import _base_config
from tests.helpers import DATA, deploy

TIMER_AT = DATA / "scheduler" / "timer_at.bpmn"
START = datetime(2026, 12, 1, 8, 0, tzinfo=timezone.utc)


def start_waiting(api, fire_at: datetime) -> str:
    return api.start("timer_at", {"fire_at": fire_at.isoformat()})


def fired(app, instance_id: str) -> list[AuditEntry]:
    with UnitOfWork(database(app), write=False) as uow:
        return list(uow.session.scalars(select(AuditEntry).where(AuditEntry.instance_id == instance_id,
                                                                 AuditEntry.action == "timer_fired")))


def timer_row(app, instance_id: str) -> Timer:
    with UnitOfWork(database(app), write=False) as uow:
        return uow.session.scalars(select(Timer).where(Timer.instance_id == instance_id)).one()


@pytest.fixture
def scheduled_app(database_url):
    """The app with its scheduler running, capped at the default 5 s between passes."""
    app = create_app({**_base_config(database_url), "SCHEDULER_ENABLED": True, "TIMER_POLL_SECONDS": 5})
    yield app
    shutdown(app)
    database(app).dispose()


@pytest.mark.timing
def test_a_timer_fires_within_a_second_of_due_without_waiting_for_the_poll(scheduled_app):
    """The step that writes the timer wakes the clock: due in 1.5 s, fired well before the 5 s pass."""
    from tests.conftest import Api

    api = Api(scheduled_app.test_client())
    assert deploy(api, TIMER_AT).status_code == 200
    time.sleep(0.5)  # the clock's first pass has run and planned the next one 5 s out
    due = clock.now() + timedelta(seconds=1.5)
    instance_id = start_waiting(api, due)
    deadline = time.monotonic() + 4
    while not fired(scheduled_app, instance_id) and time.monotonic() < deadline:
        time.sleep(0.05)
    [entry] = fired(scheduled_app, instance_id)
    lateness = (entry.at - due).total_seconds()
    assert 0 <= lateness < 1, lateness
    assert [t["taskDefinitionKey"] for t in api.tasks(instance_id)] == ["after"]


def test_a_dead_workers_lease_runs_out_and_another_fires_the_timer_once(app, api):
    """A claim without a fire (the worker died) holds the timer for the lease, then another takes it over."""
    assert deploy(api, TIMER_AT).status_code == 200
    app.config["TIMER_LEASE_SECONDS"] = 30
    with clock.frozen(START) as advance:
        instance_id = start_waiting(api, START + timedelta(seconds=1))
        advance(timedelta(seconds=2))
        dead = FiringPolicy(worker="dead-worker", lease=timedelta(seconds=30))
        assert claim_due(UnitOfWork(database(app)), dead) == [instance_id]
        assert timer_row(app, instance_id).claimed_by == "dead-worker"
        assert tick(app) == 0  # the lease still holds
        advance(timedelta(seconds=31))
        assert tick(app) == 1
        too_late = fire_claimed(UnitOfWork(database(app)), [instance_id], dead)
        assert (too_late.fired, too_late.not_ours) == ([], [instance_id])  # no second fire
    assert len(fired(app, instance_id)) == 1
    assert [t["taskDefinitionKey"] for t in api.tasks(instance_id)] == ["after"]


def test_a_failing_timer_backs_off_becomes_an_incident_and_holds_up_no_other(app, api):
    """An instance whose stored state cannot be read: retried after 10 s, then 20 s, then an incident;
    meanwhile another instance's timer fires. Retrying the incident once the state is repaired fires it."""
    assert deploy(api, TIMER_AT).status_code == 200
    app.config.update(TIMER_MAX_ATTEMPTS=3, TIMER_RETRY_SECONDS=10)
    with clock.frozen(START) as advance:
        broken = start_waiting(api, START + timedelta(seconds=1))
        healthy = start_waiting(api, START + timedelta(seconds=2))
        good_state = _corrupt(app, broken)
        advance(timedelta(seconds=3))
        assert tick(app) == 1  # the healthy one fired, the broken one counted a failure
        assert fired(app, healthy) and not fired(app, broken)
        row = timer_row(app, broken)
        assert (row.attempts, row.next_try_at, row.claimed_by) == (1, clock.now() + timedelta(seconds=10), None)
        advance(timedelta(seconds=9))
        tick(app)
        assert timer_row(app, broken).attempts == 1  # backing off: not tried again yet
        advance(timedelta(seconds=1))
        tick(app)
        row = timer_row(app, broken)
        assert (row.attempts, row.next_try_at) == (2, clock.now() + timedelta(seconds=20))
        advance(timedelta(seconds=20))
        tick(app)
        assert timer_row(app, broken).attempts == 3
        [incident] = api.get(f"/incident?processInstanceId={broken}").get_json()
        assert incident["activityId"] == "wait" and incident["configuration"] == row.id
        advance(timedelta(hours=1))
        assert tick(app) == 0  # given up: waits for its incident to be retried
        _restore(app, broken, good_state)
        assert api.put(f"/job/{row.id}/retries", json={"retries": 1}).status_code == 204
        assert tick(app) == 1
    assert len(fired(app, broken)) == 1
    assert api.get(f"/incident?processInstanceId={broken}").get_json() == []
    assert [t["taskDefinitionKey"] for t in api.tasks(broken)] == ["after"]


def test_timers_that_fell_due_while_nothing_ran_fire_once_at_the_next_start(database_url, api):
    """Catch-up: a scheduler started an hour after its timers were due fires each of them once, at once."""
    assert deploy(api, TIMER_AT).status_code == 200
    past = clock.now() - timedelta(hours=1)
    with clock.frozen(past - timedelta(minutes=1)):
        ids = [start_waiting(api, past + timedelta(seconds=i)) for i in range(5)]
    app = create_app({**_base_config(database_url), "SCHEDULER_ENABLED": True, "TIMER_POLL_SECONDS": 5})
    try:
        deadline = time.monotonic() + 3
        while not all(fired(app, i) for i in ids) and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.3)  # room for a wrong second fire
        assert [len(fired(app, i)) for i in ids] == [1] * 5
    finally:
        shutdown(app)
        database(app).dispose()


def _corrupt(app, instance_id: str) -> bytes:
    with UnitOfWork(database(app)) as uow:
        instance = uow.session.get(ProcessInstance, instance_id)
        state = instance.state
        uow.session.execute(update(ProcessInstance).where(ProcessInstance.id == instance_id)
                            .values(state=b"not a workflow"))
        uow.commit()
    return state


def _restore(app, instance_id: str, state: bytes) -> None:
    with UnitOfWork(database(app)) as uow:
        uow.session.execute(update(ProcessInstance).where(ProcessInstance.id == instance_id).values(state=state))
        uow.commit()


def test_a_cycle_moves_to_its_next_occurrence_and_catches_up_missed_ones_without_counting_a_failure(app, api):
    """R3/PT10S on a non-interrupting boundary timer: one occurrence, then the row moves on (no failure);
    after a minute with nothing running, the two missed occurrences run in one pass; no incident."""
    assert deploy(api, DATA / "scheduler" / "reminder_cycle.bpmn").status_code == 200
    with clock.frozen(START) as advance:
        instance_id = api.start("reminder_cycle", {})
        advance(timedelta(seconds=15))
        assert tick(app) == 1
        row = timer_row(app, instance_id)
        assert (row.due_at, row.attempts, row.claimed_by) == (START + timedelta(seconds=20), 0, None)
        advance(timedelta(minutes=1))
        assert [tick(app) for _ in range(3)] == [1, 0, 0]
    history = api.get(f"/history/activity-instance?processInstanceId={instance_id}").get_json()
    assert [h["activityId"] for h in history].count("reminded") == 3
    assert api.get(f"/incident?processInstanceId={instance_id}").get_json() == []
    assert [t["taskDefinitionKey"] for t in api.tasks(instance_id)] == ["work"]


def test_in_one_batch_a_failing_instance_backs_off_alone_and_the_others_fire(app, api):
    """Five instances fired in one transaction: the corrupt one rolls back to its savepoint and counts a failure;
    the four others fire, each with its audit row, and the failure holds its claim no longer."""
    assert deploy(api, TIMER_AT).status_code == 200
    policy = FiringPolicy(worker="batch", per_commit=5, backoff=timedelta(seconds=10))
    with clock.frozen(START) as advance:
        ids = [start_waiting(api, START + timedelta(seconds=1)) for _ in range(5)]
        _corrupt(app, ids[2])
        advance(timedelta(seconds=2))
        assert sorted(claim_due(UnitOfWork(database(app)), policy)) == sorted(ids)
        firing = fire_claimed(UnitOfWork(database(app)), ids, policy)
        assert (firing.fired, firing.failed, firing.released) == ([*ids[:2], *ids[3:]], [ids[2]], [])
        row = timer_row(app, ids[2])
        assert (row.attempts, row.next_try_at, row.claimed_by) == (1, clock.now() + timedelta(seconds=10), None)
    assert [len(fired(app, i)) for i in ids] == [1, 1, 0, 1, 1]
    for instance_id in [*ids[:2], *ids[3:]]:
        assert [t["taskDefinitionKey"] for t in api.tasks(instance_id)] == ["after"]


def test_an_instance_suspended_after_its_claim_gives_the_claim_back_and_the_batch_fires_the_rest(app, api):
    assert deploy(api, TIMER_AT).status_code == 200
    policy = FiringPolicy(worker="batch", per_commit=3)
    with clock.frozen(START) as advance:
        ids = [start_waiting(api, START + timedelta(seconds=1)) for _ in range(3)]
        advance(timedelta(seconds=2))
        assert len(claim_due(UnitOfWork(database(app)), policy)) == 3
        assert api.put(f"/process-instance/{ids[1]}/suspended", json={"suspended": True}).status_code == 204
        firing = fire_claimed(UnitOfWork(database(app)), ids, policy)
        assert (firing.fired, firing.released, firing.failed) == ([ids[0], ids[2]], [ids[1]], [])
        row = timer_row(app, ids[1])
        assert (row.claimed_by, row.attempts) == (None, 0)
    assert [len(fired(app, i)) for i in ids] == [1, 0, 1]


def test_a_pass_fires_its_batches_on_several_threads_each_timer_once(app, api):
    """25 due timers, 3 instances per transaction on 4 threads: one pass fires all 25, each once."""
    assert deploy(api, TIMER_AT).status_code == 200
    app.config.update(TIMER_BATCH=50, TIMER_PER_COMMIT=3, TIMER_THREADS=4)
    with clock.frozen(START) as advance:
        ids = [start_waiting(api, START + timedelta(seconds=1 + i / 25)) for i in range(25)]
        advance(timedelta(seconds=3))
        assert tick(app) == 25
        assert tick(app) == 0
    assert [len(fired(app, i)) for i in ids] == [1] * 25


def test_firing_threads_run_in_the_app_context_of_the_pass(app, api):
    """What a firing reads from the app (the working-day calendar expressions use) is there on every thread."""
    from flask import current_app, has_app_context

    from app.services.timers import fire_due_timers

    assert deploy(api, TIMER_AT).status_code == 200
    seen = []

    def new_uow(write=True):
        seen.append(has_app_context() and current_app._get_current_object() is app)
        return UnitOfWork(database(app), write=write)

    with clock.frozen(START) as advance:
        ids = [start_waiting(api, START + timedelta(seconds=1)) for _ in range(6)]
        advance(timedelta(seconds=2))
        with app.app_context():
            assert fire_due_timers(new_uow, FiringPolicy(worker="ctx", per_commit=1, threads=3)) == 6
    assert len(seen) > 6 and all(seen)
    assert [len(fired(app, i)) for i in ids] == [1] * 6


def test_a_timer_due_exactly_at_the_pass_fires_in_that_pass_without_a_warning(app, api, caplog):
    """The scheduler claims ``due_at <= now`` and the engine fires at ``due <= now``: the same instant,
    so a timer due at the pass is not claimed, left unfired, counted as a failure and logged."""
    assert deploy(api, TIMER_AT).status_code == 200
    due = START + timedelta(minutes=5)
    with clock.frozen(START) as advance:
        instance_id = start_waiting(api, due)
        advance(due - START)
        assert clock.now() == timer_row(app, instance_id).due_at == due
        with caplog.at_level("WARNING"):
            assert tick(app) == 1
    assert [r.getMessage() for r in caplog.records if r.levelname in ("WARNING", "ERROR")] == []
    [entry] = fired(app, instance_id)
    assert entry.at == due
    assert [t["taskDefinitionKey"] for t in api.tasks(instance_id)] == ["after"]


LATE_BOUNDARY = ("late_boundary.bpmn", b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d_late_boundary" targetNamespace="t">
  <bpmn:process id="late_boundary" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="work" name="Work" camunda:candidateGroups="service_desk">
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing></bpmn:userTask>
    <bpmn:endEvent id="done"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
    <bpmn:boundaryEvent id="late" attachedToRef="work"><bpmn:outgoing>f3</bpmn:outgoing>
      <bpmn:timerEventDefinition><bpmn:timeDate>fire_at</bpmn:timeDate></bpmn:timerEventDefinition>
    </bpmn:boundaryEvent>
    <bpmn:userTask id="chase" name="Chase" camunda:candidateGroups="service_desk">
      <bpmn:incoming>f3</bpmn:incoming><bpmn:outgoing>f4</bpmn:outgoing></bpmn:userTask>
    <bpmn:endEvent id="chased"><bpmn:incoming>f4</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="work" />
    <bpmn:sequenceFlow id="f2" sourceRef="work" targetRef="done" />
    <bpmn:sequenceFlow id="f3" sourceRef="late" targetRef="chase" />
    <bpmn:sequenceFlow id="f4" sourceRef="chase" targetRef="chased" />
  </bpmn:process>
</bpmn:definitions>""")


def test_an_intermediate_or_boundary_timer_whose_date_is_past_fires_at_once(app, api):
    """As in Camunda: SpiffWorkflow finds a past timeDate due in the very step that reaches it, so the
    instance moves on before anything is stored; no timer row waits, and a pass has nothing to fire."""
    assert deploy(api, TIMER_AT, LATE_BOUNDARY).status_code == 200
    yesterday = (START - timedelta(days=1)).isoformat()
    with clock.frozen(START):
        waiting = start_waiting(api, START - timedelta(days=1))
        bounded = api.start("late_boundary", {"fire_at": yesterday})
        assert [t["taskDefinitionKey"] for t in api.tasks(waiting)] == ["after"]
        assert [t["taskDefinitionKey"] for t in api.tasks(bounded)] == ["chase"]  # interrupting: work is gone
        with UnitOfWork(database(app), write=False) as uow:
            assert list(uow.session.scalars(select(Timer).where(Timer.instance_id.in_([waiting, bounded])))) == []
        assert tick(app) == 0
    assert api.post("/job/count", json={"processInstanceIds": [waiting, bounded]}).get_json() == {"count": 0}
