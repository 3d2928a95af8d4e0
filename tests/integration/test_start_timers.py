"""Timer start events start instances on their schedule: ISO-8601 dates and cycles, and Camunda's cron.

The schedule lives in ``start_timer`` (one row per process key and start
event), replaced by each deployment of a new version, fired by the scheduler
under a lease. Real time with the in-process scheduler for the short ISO forms;
the service clock moved by hand (``clock.frozen``) for the calendar forms.
"""
from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import delete, func, select

from app import clock, create_app
from app.db import UnitOfWork, connect
from app.models import AuditEntry, ProcessInstance, StartTimer
from app.services.start_timers import fire_due_start_timers
from app.services.timers import FiringPolicy
from app.store import database
from scheduler import shutdown, tick
from tests.conftest import Api, _base_config
from tests.helpers import deploy

SHANGHAI = ZoneInfo("Asia/Shanghai")
THURSDAY = datetime(2026, 12, 3, 15, 59, 59, tzinfo=SHANGHAI)
FRIDAY_FOUR = datetime(2026, 12, 4, 16, 0, tzinfo=SHANGHAI)
START = datetime(2026, 12, 1, 8, 0, tzinfo=timezone.utc)


def timer_model(key: str, timer: str, kind: str = "timeCycle", event_id: str = "tick",
                end_name: str = "Done") -> tuple[str, bytes]:
    """A process whose only start event is a timer: start → end (each firing leaves one finished instance)."""
    xml = f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d_{key}" targetNamespace="t">
  <bpmn:process id="{key}" isExecutable="true">
    <bpmn:startEvent id="{event_id}"><bpmn:outgoing>f1</bpmn:outgoing>
      <bpmn:timerEventDefinition><bpmn:{kind}>{timer}</bpmn:{kind}></bpmn:timerEventDefinition>
    </bpmn:startEvent>
    <bpmn:endEvent id="end" name="{end_name}"><bpmn:incoming>f1</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="{event_id}" targetRef="end" />
  </bpmn:process>
</bpmn:definitions>"""
    return f"{key}.bpmn", xml.encode()


def plain_model(key: str) -> tuple[str, bytes]:
    """The same process with a none start event instead: its new version has no timer."""
    name, xml = timer_model(key, "R/PT1S")
    return name, xml.replace(b"<bpmn:timerEventDefinition><bpmn:timeCycle>R/PT1S</bpmn:timeCycle>"
                             b"</bpmn:timerEventDefinition>", b"")


def started(app, key: str) -> int:
    with UnitOfWork(database(app), write=False) as uow:
        return uow.session.scalar(select(func.count(ProcessInstance.id))
                                  .where(ProcessInstance.definition_key == key)) or 0


def schedule(app, key: str) -> list[StartTimer]:
    with UnitOfWork(database(app), write=False) as uow:
        return list(uow.session.scalars(select(StartTimer).where(StartTimer.process_key == key)))


def deployed(api, *files) -> None:
    response = deploy(api, *files)
    assert response.status_code == 200, response.get_json()


def wait_until(condition, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.05)


@pytest.fixture(autouse=True)
def _only_the_tests_own_timers(database_url):
    """The shipped models' timer starts (Flow 3's Friday survey) are not what these tests count: removed first."""
    db = connect(database_url)
    with UnitOfWork(db) as uow:
        uow.session.execute(delete(StartTimer))
        uow.commit()
    db.dispose()


@pytest.fixture
def scheduled_app(database_url):
    app = create_app({**_base_config(database_url), "SCHEDULER_ENABLED": True, "TIMER_POLL_SECONDS": 5})
    yield app
    shutdown(app)
    database(app).dispose()


@pytest.mark.timing
def test_iso_cycles_and_a_date_fire_on_time_with_the_real_scheduler(scheduled_app):
    """R/PT2S repeats, R3/PT1S fires exactly three times, a date 2 s ahead fires once, a date an hour ago
    once at once; the deployment wakes the clock, so none waits for the 5 s poll."""
    api = Api(scheduled_app.test_client())
    at = (clock.now() + timedelta(seconds=2)).astimezone(SHANGHAI).isoformat(timespec="seconds")
    ago = (clock.now() - timedelta(hours=1)).astimezone(SHANGHAI).isoformat(timespec="seconds")
    deployed(api, timer_model("every_two", "R/PT2S"), timer_model("three_times", "R3/PT1S"),
             timer_model("once", at, kind="timeDate"), timer_model("overdue", ago, kind="timeDate"))
    wait_until(lambda: started(scheduled_app, "overdue") == 1, 1)
    assert started(scheduled_app, "overdue") == 1  # within a second of the deployment
    assert {row.process_key for key in ("every_two", "three_times", "once") for row in schedule(scheduled_app, key)} \
        == {"every_two", "three_times", "once"}
    wait_until(lambda: started(scheduled_app, "three_times") >= 3 and started(scheduled_app, "every_two") >= 2, 7)
    time.sleep(1.2)  # room for a wrong fourth or second firing
    assert started(scheduled_app, "three_times") == 3
    assert started(scheduled_app, "once") == 1
    assert started(scheduled_app, "every_two") >= 2
    assert schedule(scheduled_app, "three_times") == [] and schedule(scheduled_app, "once") == []
    assert started(scheduled_app, "overdue") == 1 and schedule(scheduled_app, "overdue") == []
    with UnitOfWork(database(scheduled_app), write=False) as uow:
        entries = list(uow.session.scalars(select(AuditEntry).where(AuditEntry.action == "start_timer_fired")))
    assert len(entries) == sum(started(scheduled_app, k) for k in ("every_two", "three_times", "once", "overdue"))
    assert {e.activity_id for e in entries} == {"tick"}


@pytest.mark.parametrize("timer", ["0 0 16 ? * FRI", "R/2026-01-02T16:00:00+08:00/P7D"])
def test_every_friday_at_four_in_shanghai_and_not_on_thursday(app, api, timer):
    """Quartz cron (and the ISO cycle from a Friday) in the calendar's zone: due Friday 16:00 +08:00, once."""
    with clock.frozen(THURSDAY) as advance:
        deployed(api, timer_model("friday_report", timer))
        [row] = schedule(app, "friday_report")
        assert row.due_at == FRIDAY_FOUR
        advance(timedelta(seconds=2))  # Thursday 16:00:01
        assert tick(app) == 0
        advance(FRIDAY_FOUR - clock.now() - timedelta(seconds=1))
        assert tick(app) == 0
        advance(timedelta(seconds=1))
        assert tick(app) == 1
        assert tick(app) == 0
    assert started(app, "friday_report") == 1
    [row] = schedule(app, "friday_report")
    assert row.due_at == FRIDAY_FOUR + timedelta(days=7) and row.fired == 1


def test_monthly_and_semiannual_cron(app, api):
    first = datetime(2027, 1, 1, 9, tzinfo=SHANGHAI)
    with clock.frozen(START):  # deployed in December 2026 whatever today is
        deployed(api, timer_model("monthly", "0 0 9 1 * ?"), timer_model("semiannual", "0 0 9 1 1,7 ?"))
    with clock.frozen(first - timedelta(seconds=1)) as advance:
        assert [r.due_at for r in schedule(app, "monthly") + schedule(app, "semiannual")] == [first, first]
        advance(timedelta(seconds=1))
        tick(app)  # the shipped monthly report (08:00 on the 1st) is due as well
    assert started(app, "monthly") == started(app, "semiannual") == 1
    assert [r.due_at for r in schedule(app, "monthly")] == [datetime(2027, 2, 1, 9, tzinfo=SHANGHAI)]
    assert [r.due_at for r in schedule(app, "semiannual")] == [datetime(2027, 7, 1, 9, tzinfo=SHANGHAI)]


def test_r3_fires_exactly_three_times(app, api):
    with clock.frozen(START) as advance:
        deployed(api, timer_model("three", "R3/PT10S"))
        counts = []
        for _ in range(5):
            advance(timedelta(seconds=10))
            counts.append(tick(app))
    assert counts == [1, 1, 1, 0, 0]
    assert started(app, "three") == 3 and schedule(app, "three") == []


def test_a_new_version_without_the_start_event_stops_it(app, api):
    with clock.frozen(START) as advance:
        deployed(api, timer_model("stopping", "R/PT10S"))
        advance(timedelta(seconds=10))
        assert tick(app) == 1
        deployed(api, plain_model("stopping"))
        assert schedule(app, "stopping") == []
        advance(timedelta(minutes=5))
        assert tick(app) == 0
    assert started(app, "stopping") == 1


def test_redeploying_keeps_the_due_time_and_a_changed_expression_reschedules(app, api):
    """Identical content: no new version, nothing moves. A new version with the same start event: same due
    time, now on the new version. A changed expression: computed afresh from the deployment."""
    with clock.frozen(START) as advance:
        deployed(api, timer_model("weekly", "R/PT10S"))
        [before] = schedule(app, "weekly")
        advance(timedelta(seconds=6))
        deployed(api, timer_model("weekly", "R/PT10S"))
        deployed(api, timer_model("weekly", "R/PT10S", end_name="Finished"))  # v2, same start event
        [kept] = schedule(app, "weekly")
        assert (kept.id, kept.due_at) == (before.id, START + timedelta(seconds=10))
        assert kept.definition_id != before.definition_id and kept.definition_id.startswith("weekly:2:")
        advance(timedelta(seconds=4))
        assert [tick(app), tick(app)] == [1, 0]  # fired once, not once per deployment
        deployed(api, timer_model("weekly", "R/PT30S", end_name="Finished"))
        [changed] = schedule(app, "weekly")
        assert changed.due_at == clock.now() + timedelta(seconds=30) and changed.fired == 0
        advance(timedelta(seconds=29))
        assert tick(app) == 0
        advance(timedelta(seconds=1))
        assert tick(app) == 1
    with UnitOfWork(database(app), write=False) as uow:
        versions = list(uow.session.scalars(select(ProcessInstance.definition_id)
                                            .where(ProcessInstance.definition_key == "weekly")
                                            .order_by(ProcessInstance.started_at)))
    assert [v.split(":")[1] for v in versions] == ["2", "3"]


def test_the_schedule_survives_a_restart(database_url):
    with clock.frozen(START) as advance:
        first = create_app(_base_config(database_url))
        deployed(Api(first.test_client()), timer_model("lasting", "R/PT1H"))
        database(first).dispose()
        advance(timedelta(hours=1))
        second = create_app(_base_config(database_url))
        try:
            [row] = schedule(second, "lasting")
            assert row.due_at == START + timedelta(hours=1)
            assert tick(second) == 1
            assert started(second, "lasting") == 1
        finally:
            database(second).dispose()


def test_occurrences_missed_while_down_fire_once_at_the_next_start(database_url):
    """Down for an hour over an every-2-s cycle: one instance at start-up, then the cycle goes on from now."""
    past = clock.now() - timedelta(hours=1)
    with clock.frozen(past):
        app = create_app(_base_config(database_url))
        deployed(Api(app.test_client()), timer_model("missed", "R/PT2S"))
        database(app).dispose()
    app = create_app({**_base_config(database_url), "SCHEDULER_ENABLED": True, "TIMER_POLL_SECONDS": 5})
    try:
        wait_until(lambda: started(app, "missed") >= 1, 3)
        assert started(app, "missed") == 1  # the clock's first pass: not 1,800 instances
        [row] = schedule(app, "missed")
        assert clock.now() < row.due_at <= clock.now() + timedelta(seconds=2)
    finally:
        shutdown(app)
        database(app).dispose()


def test_a_bad_cron_is_refused_at_deployment_naming_the_element(app, api):
    response = deploy(api, timer_model("bad_cron", "0 0 25 ? * FRI", event_id="nightly"))
    assert response.status_code == 400
    body = response.get_json()
    assert "nightly" in body["message"] and "hour '25'" in body["message"], body
    assert schedule(app, "bad_cron") == []
    response = deploy(api, timer_model("zero_cycle", "R/PT0S", event_id="spinning"))
    assert response.status_code == 400
    assert "spinning" in response.get_json()["message"] and "longer than zero" in response.get_json()["message"]


def test_a_timer_started_process_can_still_be_started_by_hand(app, api):
    """As in Camunda: the REST start goes at once through the timer start event, even a cron one."""
    deployed(api, timer_model("by_hand", "0 0 16 ? * FRI"))
    response = api.post("/process-definition/key/by_hand/start", json={})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["ended"] is True
    assert len(schedule(app, "by_hand")) == 1  # the schedule is untouched


@pytest.mark.parametrize("backend", ["postgres"])
def test_two_schedulers_on_postgresql_start_one_instance_per_occurrence(app, api):
    """Two workers pass at the same moment, many times over: each occurrence starts exactly one instance."""
    policies = [FiringPolicy(worker=f"worker-{n}") for n in range(2)]
    new_uow = lambda write=True: UnitOfWork(database(app), write=write)  # noqa: E731
    fired: list[int] = []
    with clock.frozen(START) as advance:  # deployed on the frozen clock: the first firing is START + 1 s
        deployed(api, timer_model("contested", "R/PT1S"))
        for _ in range(10):
            advance(timedelta(seconds=1))
            barrier = threading.Barrier(2)

            def run(policy: FiringPolicy) -> None:
                barrier.wait()
                fired.append(fire_due_start_timers(new_uow, policy))

            threads = [threading.Thread(target=run, args=(p,)) for p in policies]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
    assert sum(fired) == 10 and started(app, "contested") == 10


def test_a_failing_start_timer_backs_off_gives_up_and_holds_up_no_other(app, api):
    """A row whose expression no longer reads (as if edited in the database): no instance, retried after
    10 s then 20 s, then given up (logged, audited, kept on the row); the healthy one beside it fires."""
    deployed(api, timer_model("broken", "R/PT10S"), timer_model("healthy", "R/PT10S"))
    app.config.update(TIMER_MAX_ATTEMPTS=3, TIMER_RETRY_SECONDS=10)
    with UnitOfWork(database(app)) as uow:
        [row] = uow.session.scalars(select(StartTimer).where(StartTimer.process_key == "broken"))
        row.expression = '"not a cycle"'
        uow.commit()
    with clock.frozen(START) as advance:
        with UnitOfWork(database(app)) as uow:  # both due now; the shipped processes' timers are not this test's
            for row in uow.session.scalars(select(StartTimer)):
                if row.process_key in ("broken", "healthy"):
                    row.due_at = START
                else:
                    uow.session.delete(row)
            uow.commit()
        assert tick(app) == 1
        [row] = schedule(app, "broken")
        assert (row.attempts, row.next_try_at, row.claimed_by) == (1, START + timedelta(seconds=10), None)
        assert "not a cycle" in row.last_error
        advance(timedelta(seconds=9))
        assert tick(app) == 0 and schedule(app, "broken")[0].attempts == 1  # backing off
        advance(timedelta(seconds=1))
        tick(app)
        assert schedule(app, "broken")[0].next_try_at == clock.now() + timedelta(seconds=20)
        advance(timedelta(seconds=20))
        tick(app)
        [row] = schedule(app, "broken")
        assert (row.attempts, row.next_try_at) == (3, None)  # given up: parked until a deployment changes it
        advance(timedelta(hours=1))
        tick(app)
        assert schedule(app, "broken")[0].attempts == 3
    assert started(app, "broken") == 0 and started(app, "healthy") >= 2
    with UnitOfWork(database(app), write=False) as uow:
        [entry] = uow.session.scalars(select(AuditEntry).where(AuditEntry.action == "start_timer_failed"))
    assert entry.activity_id == "tick" and entry.data["attempts"] == 3


def test_deleting_the_process_deletes_its_schedule(app, api):
    with clock.frozen(START) as advance:
        deployed(api, timer_model("doomed", "R/PT10S"))
        response = api.client.delete("/engine-rest/process-definition/key/doomed?cascade=true",
                                     headers=api.headers("owner"))
        assert response.status_code == 204, response.get_json()
        assert schedule(app, "doomed") == []
        advance(timedelta(minutes=1))
        assert tick(app) == 0


def test_a_date_already_past_at_deployment_fires_once_and_a_new_version_does_not_fire_it_again(app, api):
    """As in Camunda, a past timeDate fires at once; v2 with the same date has nothing left to fire, while a
    changed date is a new occurrence (and the scheduler catches a past one up at its next pass)."""
    day_before = (START - timedelta(days=1)).astimezone(SHANGHAI).isoformat()
    with clock.frozen(START) as advance:
        deployed(api, timer_model("late", day_before, kind="timeDate"))
        [row] = schedule(app, "late")
        assert row.due_at == START - timedelta(days=1)
        assert [tick(app), tick(app)] == [1, 0]
        assert schedule(app, "late") == []
        deployed(api, timer_model("late", day_before, kind="timeDate", end_name="Finished"))  # v2, same date
        assert schedule(app, "late") == []
        advance(timedelta(minutes=1))
        assert tick(app) == 0
        hour_before = (START - timedelta(hours=1)).isoformat()
        deployed(api, timer_model("late", hour_before, kind="timeDate", end_name="Finished"))  # v3, changed
        assert [tick(app), tick(app)] == [1, 0]
    with UnitOfWork(database(app), write=False) as uow:
        versions = list(uow.session.scalars(select(ProcessInstance.definition_id)
                                            .where(ProcessInstance.definition_key == "late")
                                            .order_by(ProcessInstance.started_at)))
    assert [v.split(":")[1] for v in versions] == ["1", "3"]


def _definition_id(api, key: str, version: int) -> str:
    [definition] = [d for d in api.get(f"/process-definition?key={key}").get_json() if d["version"] == version]
    return definition["id"]


def test_deleting_the_latest_version_schedules_the_previous_ones_start_timers_from_now(app, api):
    """As in Camunda: v3 has no timer, v2 every hour, v1 every 10 s. Deleting v3's deployment arms v2's
    cycle from then; deleting v2 arms v1's; the next firing starts an instance of the version now latest."""
    with clock.frozen(START) as advance:
        deployed(api, timer_model("rollback", "R/PT10S"))
        deployed(api, timer_model("rollback", "R/PT1H", end_name="Hourly"))
        third = deploy(api, plain_model("rollback"))
        assert third.status_code == 200 and schedule(app, "rollback") == []
        advance(timedelta(minutes=5))
        response = api.client.delete(f"/engine-rest/deployment/{third.get_json()['id']}",
                                     headers=api.headers("owner"))
        assert response.status_code == 204, response.get_json()
        [row] = schedule(app, "rollback")
        assert (row.definition_id, row.expression, row.due_at) == \
            (_definition_id(api, "rollback", 2), '"R/PT1H"', clock.now() + timedelta(hours=1))
        advance(timedelta(minutes=5))
        response = api.client.delete(f"/engine-rest/process-definition/{_definition_id(api, 'rollback', 2)}",
                                     headers=api.headers("owner"))
        assert response.status_code == 204, response.get_json()
        [row] = schedule(app, "rollback")
        assert (row.definition_id, row.due_at) == \
            (_definition_id(api, "rollback", 1), clock.now() + timedelta(seconds=10))
        advance(timedelta(seconds=10))
        assert tick(app) == 1
    with UnitOfWork(database(app), write=False) as uow:
        [version] = uow.session.scalars(select(ProcessInstance.definition_id)
                                        .where(ProcessInstance.definition_key == "rollback"))
    assert version.split(":")[1] == "1"


def test_deleting_the_latest_version_keeps_a_shared_events_due_time_and_does_not_refire_a_past_date(app, api):
    """An event v1 and v2 share unchanged is v1's again with its due time; a date that fired stays fired."""
    past = (START - timedelta(days=1)).isoformat()
    with clock.frozen(START) as advance:
        first = timer_model("shared", "R/PT1H")[1].replace(b'<bpmn:endEvent id="end"', b"""<bpmn:startEvent id="once">
      <bpmn:outgoing>f2</bpmn:outgoing><bpmn:timerEventDefinition><bpmn:timeDate>%s</bpmn:timeDate>
      </bpmn:timerEventDefinition></bpmn:startEvent><bpmn:sequenceFlow id="f2" sourceRef="once" targetRef="end" />
    <bpmn:endEvent id="end\"""" % past.encode())
        deployed(api, ("shared.bpmn", first))
        assert tick(app) == 1  # the past date, at once
        advance(timedelta(minutes=20))
        deployed(api, ("shared.bpmn", first.replace(b'name="Done"', b'name="Finished"')))
        response = api.client.delete(f"/engine-rest/process-definition/{_definition_id(api, 'shared', 2)}",
                                     headers=api.headers("owner"))
        assert response.status_code == 204, response.get_json()
        [row] = schedule(app, "shared")
        assert (row.activity_id, row.due_at, row.definition_id) == \
            ("tick", START + timedelta(hours=1), _definition_id(api, "shared", 1))
        assert tick(app) == 0
    assert started(app, "shared") == 1
