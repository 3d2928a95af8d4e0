"""Jobs and incidents over engine-rest: failed handler calls and waiting timers in Camunda's job shape."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import delete, select

from app import clock
from app.db import UnitOfWork
from app.models import AuditEntry, StartTimer
from app.store import database
from scheduler import tick
from tests.helpers import DATA, deploy, register_handler, unregister_handler
from tests.integration.test_start_timers import timer_model
from tests.integration.test_timer_scheduler import START, TIMER_AT, _corrupt, _restore

API = DATA / "api"
HOUR_TIMER = ("timer_hour.bpmn", (API / "timer_literal.bpmn").read_bytes().replace(b">PT1S<", b">PT1H<"))


@pytest.fixture(autouse=True)
def _no_shipped_start_timers(app):
    """The shipped models' timer start events are jobs too (the Friday survey, the monthly report, ...):
    removed, so that each test sees only its own jobs."""
    with UnitOfWork(database(app)) as uow:
        uow.session.execute(delete(StartTimer))
        uow.commit()


class Flaky:
    """Fails until told to recover."""

    def __init__(self):
        self.fail = True

    def __call__(self, ctx):
        if self.fail:
            raise ConnectionError("ticket system unreachable")
        return {"recorded": True}


@pytest.fixture
def flaky():
    handler = Flaky()
    register_handler("test_record", handler)
    yield handler
    unregister_handler("test_record")


def _failed_instance(api) -> str:
    assert deploy(api, API / "review.bpmn", API / "review.form").status_code == 200
    instance_id = api.start("api_review", {})
    task_id = api.tasks(instance_id)[0]["id"]
    assert api.complete(task_id, "desk", {"decision": "done", "note": "fine"}).status_code == 204
    return instance_id


def test_a_failed_handler_call_is_a_job_with_its_stack_trace(api, flaky):
    instance_id = _failed_instance(api)
    [job] = api.get("/job").get_json()
    [incident] = api.get(f"/incident?processInstanceId={instance_id}").get_json()
    assert job["id"] == incident["configuration"]
    assert (job["retries"], job["failedActivityId"], job["processInstanceId"], job["dueDate"]) == \
        (0, "record", instance_id, None)
    assert "ticket system unreachable" in job["exceptionMessage"] and job["processDefinitionKey"] == "api_review"
    assert api.get(f"/job/{job['id']}").get_json() == job
    trace = api.get(f"/job/{job['id']}/stacktrace")
    assert trace.status_code == 200 and trace.mimetype == "text/plain"
    assert trace.get_data(as_text=True).startswith("Traceback") and "in __call__" in trace.get_data(as_text=True)
    assert "ConnectionError: ticket system unreachable" in trace.get_data(as_text=True)
    assert api.get("/job/count?withException=true").get_json() == {"count": 1}
    assert api.post("/job/count", json={"timers": True}).get_json() == {"count": 0}
    assert [j["id"] for j in api.post("/job", json={"noRetriesLeft": True, "processInstanceIds": [instance_id]})
            .get_json()] == [job["id"]]

    # several jobs' retries at once: still failing, the incident counts the attempt
    batch = api.post("/job/retries", json={"jobIds": [job["id"]], "retries": 1})
    assert batch.status_code == 200 and batch.get_json()["totalJobs"] == 1
    assert api.get(f"/incident/{incident['id']}").get_json()["attempts"] == 2
    flaky.fail = False
    assert api.post(f"/job/{job['id']}/execute").status_code == 204
    assert api.get("/job").get_json() == [] and api.history_state(instance_id) == "COMPLETED"
    assert api.get(f"/job/{job['id']}").status_code == 404


def test_incidents_are_counted_annotated_and_kept_in_history(api, flaky):
    instance_id = _failed_instance(api)
    [incident] = api.get("/incident").get_json()
    assert api.get(f"/incident/count?processInstanceId={instance_id}&activityId=record").get_json() == {"count": 1}
    assert api.get("/incident/count?activityId=review").get_json() == {"count": 0}
    assert api.get("/incident/count?processDefinitionKey=api_review").get_json() == {"count": 1}
    # the list takes the count's filters and sorting, as Camunda's does
    assert [i["id"] for i in api.get("/incident?activityId=record&incidentType=failedJob&sortBy=createTime"
                                     "&sortOrder=desc").get_json()] == [incident["id"]]
    assert api.get("/incident?processDefinitionKey=other").get_json() == []
    assert api.get("/incident?sortBy=nonsense&sortOrder=asc").status_code == 400
    assert api.put(f"/incident/{incident['id']}/annotation", json={"annotation": "CMDB down, 王工 on it"}).status_code == 204
    assert api.get(f"/incident/{incident['id']}").get_json()["annotation"] == "CMDB down, 王工 on it"
    audit = api.get(f"/history/audit/{instance_id}").get_json()
    assert audit[-1]["action"] == "incident_annotated" and audit[-1]["userId"] == "admin"
    assert api.client.delete(f"/engine-rest/incident/{incident['id']}/annotation", headers=api.headers("admin")).status_code == 204
    assert api.get(f"/incident/{incident['id']}").get_json()["annotation"] is None

    flaky.fail = False
    assert api.put(f"/job/{incident['configuration']}/retries", json={"retries": 1}).status_code == 204
    assert api.get(f"/incident/{incident['id']}").status_code == 404  # resolved: history only
    [resolved] = api.get("/history/incident?resolved=true").get_json()
    assert (resolved["id"], resolved["open"], resolved["resolved"]) == (incident["id"], False, True)
    assert resolved["endTime"] is not None and resolved["processDefinitionKey"] == "api_review"
    assert api.get("/history/incident/count").get_json() == {"count": 1}
    assert api.get("/history/incident/count?open=true").get_json() == {"count": 0}
    assert api.get("/history/incident?open=true&resolved=true").status_code == 400


def test_a_waiting_timer_is_a_job_that_owners_move_and_fire(app, api):
    assert deploy(api, HOUR_TIMER).status_code == 200
    moved, fired = api.start("api_timer", {}), api.start("api_timer", {})
    jobs = api.get("/job?timers=true&sortBy=processInstanceId&sortOrder=asc").get_json()
    assert len(jobs) == 2 and {j["retries"] for j in jobs} == {3} and {j["exceptionMessage"] for j in jobs} == {None}
    assert api.get("/job/count?executable=true").get_json() == {"count": 0}
    job = next(j for j in jobs if j["processInstanceId"] == moved)
    assert datetime.fromisoformat(job["dueDate"]) > datetime.now(timezone.utc) + timedelta(minutes=59)
    assert api.get(f"/job/{job['id']}/stacktrace").status_code == 404

    earlier = (datetime.now(timezone.utc) - timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%S.000+0000")
    assert api.put(f"/job/{job['id']}/duedate", user="desk", json={"duedate": earlier}).status_code == 403
    assert api.put(f"/job/{job['id']}/duedate", user="owner", json={"duedate": earlier}).status_code == 204
    assert api.get(f"/job/{job['id']}").get_json()["dueDate"] == earlier
    assert api.get(f"/history/audit/{moved}").get_json()[-1]["action"] == "timer_moved"
    assert api.get("/job/count?executable=true").get_json() == {"count": 1}
    assert tick(app) == 1  # the scheduler fires it at its new time
    assert api.only_task(moved, "after")

    other = next(j for j in jobs if j["processInstanceId"] == fired)
    assert api.post(f"/job/{other['id']}/execute", user="tier1").status_code == 403
    assert api.post(f"/job/{other['id']}/execute", user="owner").status_code == 204
    assert api.only_task(fired, "after")
    assert api.get("/job").get_json() == []


def test_job_requests_that_cannot_apply_are_refused(api, flaky):
    _failed_instance(api)
    assert deploy(api, HOUR_TIMER).status_code == 200
    api.start("api_timer", {})
    [timer] = api.get("/job?timers=true").get_json()
    [failed] = api.get("/job?timers=false").get_json()
    assert api.get("/job", user="requester").status_code == 403
    assert api.get("/incident/count", user="requester").status_code == 403
    for bad in ("/job?retries=1", "/job?timers=yes", "/job?maxResults=x", "/job?sortBy=jobDueDate",
                "/job/count?firstResult=1", "/incident/count?tenantIdIn=a", "/history/incident?state=open"):
        response = api.get(bad)
        assert response.status_code == 400, bad
        assert response.get_json()["type"] == "InvalidRequestException"
    assert "tenantIdIn" in api.post("/job", json={"tenantIdIn": ["a"]}).get_json()["message"]
    assert api.post("/job/retries", json={"jobIds": [timer["id"]], "retries": 1}).status_code == 400
    assert api.post("/job/retries", json={"jobIds": ["nope"], "retries": 1}).status_code == 404
    assert api.post("/job/retries", json={"retries": 1}).status_code == 400
    assert api.put(f"/job/{failed['id']}/duedate", user="owner",
                   json={"duedate": "2030-01-01T00:00:00.000+0000"}).status_code == 400
    assert api.put(f"/job/{timer['id']}/duedate", user="owner", json={"duedate": "soon"}).status_code == 400
    assert api.get("/job/nope").status_code == 404 and api.post("/job/nope/execute").status_code == 404
    # the retries batch selected by a query runs the failed call again
    flaky.fail = False
    assert api.post("/job/retries", json={"jobQuery": {"withException": True}, "retries": 1}).status_code == 200
    assert api.get("/job/count").get_json() == {"count": 1}  # only the timer is left


def test_a_timer_the_scheduler_gave_up_on_is_one_job_with_no_retries_left(app, api):
    """Parked after its last attempt, the timer row waits beside its incident: one job (Camunda's failed timer
    job: retries 0, the error, its due date), not a waiting timer and a failed call under one id."""
    assert deploy(api, TIMER_AT).status_code == 200
    app.config.update(TIMER_MAX_ATTEMPTS=3, TIMER_RETRY_SECONDS=10)
    with clock.frozen(START) as advance:
        instance_id = api.start("timer_at", {"fire_at": (START + timedelta(seconds=1)).isoformat()})
        good_state = _corrupt(app, instance_id)
        for wait in (2, 10, 20):
            advance(timedelta(seconds=wait))
            assert tick(app) == 0
        jobs = api.get(f"/job?processInstanceId={instance_id}").get_json()
        assert len(jobs) == 1, jobs
        [job] = jobs
        assert (job["retries"], job["dueDate"], job["failedActivityId"], job["processInstanceId"]) == \
            (0, "2026-12-01T08:00:01.000+0000", "wait", instance_id)
        assert job["exceptionMessage"] and api.get(f"/job/{job['id']}").get_json() == job
        for flags, count in (("timers=true", 1), ("timers=false", 0), ("withException=true", 1),
                             ("noRetriesLeft=true", 1), ("withRetriesLeft=true", 0), ("executable=true", 0)):
            assert api.get(f"/job/count?processInstanceId={instance_id}&{flags}").get_json() == {"count": count}, flags
        _restore(app, instance_id, good_state)
        assert api.post(f"/job/{job['id']}/execute", user="owner").status_code == 204  # armed again
        [armed] = api.get(f"/job?processInstanceId={instance_id}").get_json()
        assert (armed["id"], armed["retries"], armed["exceptionMessage"]) == (job["id"], 3, None)
        assert tick(app) == 1
    assert api.get(f"/incident?processInstanceId={instance_id}").get_json() == []
    assert api.only_task(instance_id, "after")


def _break(app, key: str, due: datetime) -> str:
    """Make a start timer's expression unreadable (as if edited in the database) and due: its firings fail."""
    with UnitOfWork(database(app)) as uow:
        row = uow.session.scalars(select(StartTimer).where(StartTimer.process_key == key)).one()
        good, row.expression, row.due_at = row.expression, '"not a cycle"', due
        uow.commit()
    return good


def _mend(app, key: str, expression: str) -> None:
    with UnitOfWork(database(app)) as uow:
        uow.session.scalars(select(StartTimer).where(StartTimer.process_key == key)).one().expression = expression
        uow.commit()


def test_timer_start_events_are_jobs_of_their_definition_without_an_instance(app, api):
    """Camunda's timer start job: definition id and key, due date, retries, no instance or execution; the
    job filters apply to it."""
    with clock.frozen(START):
        assert deploy(api, timer_model("hourly", "R/PT1H")).status_code == 200
        [job] = api.get("/job").get_json()
        assert api.get(f"/job/{job['id']}").get_json() == job == api.post("/job", json={"timers": True}).get_json()[0]
        for query, count in (("processDefinitionKey=hourly", 1), ("processDefinitionKey=other", 0),
                             (f"processDefinitionId={job['processDefinitionId']}", 1), ("activityId=tick", 1),
                             ("timers=true", 1), ("timers=false", 0), ("withException=true", 0),
                             ("noRetriesLeft=true", 0), ("withRetriesLeft=true", 1), ("executable=true", 0),
                             ("dueDateBefore=2026-12-01T09:00:01.000%2B0000", 1),
                             ("dueDateAfter=2026-12-01T09:00:01.000%2B0000", 0), ("processInstanceId=nope", 0)):
            assert api.get(f"/job/count?{query}").get_json() == {"count": count}, query
    assert job["processDefinitionId"].startswith("hourly:1:") and job["processDefinitionKey"] == "hourly"
    assert (job["processInstanceId"], job["executionId"], job["exceptionMessage"], job["failedActivityId"]) == \
        (None, None, None, None)
    assert (job["dueDate"], job["retries"], job["suspended"]) == ("2026-12-01T09:00:00.000+0000", 3, False)
    assert job["createTime"] is not None
    assert api.get(f"/job/{job['id']}/stacktrace").status_code == 404
    assert api.post("/job/retries", json={"jobIds": [job["id"]], "retries": 1}).status_code == 400
    assert api.put("/process-definition/key/hourly/suspended", user="owner",
                   json={"suspended": True}).status_code == 204
    assert api.get(f"/job/{job['id']}").get_json()["suspended"] is True  # it waits, as its definition does


def test_a_failing_timer_start_event_shows_its_error_and_retries_left(app, api):
    """Each failed firing counts a retry down with the error; a firing that works clears it; one given up
    for good (its timer cannot be read) has no retries left and is not executable."""
    app.config.update(TIMER_MAX_ATTEMPTS=3, TIMER_RETRY_SECONDS=10)
    with clock.frozen(START) as advance:
        assert deploy(api, timer_model("shaky", "R/PT1H")).status_code == 200
        good = _break(app, "shaky", START)
        assert tick(app) == 0
        [job] = api.get("/job").get_json()
        assert (job["retries"], job["failedActivityId"]) == (2, "tick") and "not a cycle" in job["exceptionMessage"]
        assert api.get("/job/count?withException=true").get_json() == {"count": 1}
        _mend(app, "shaky", good)
        advance(timedelta(seconds=10))
        assert tick(app) == 1
        [job] = api.get("/job").get_json()
        assert (job["retries"], job["exceptionMessage"], job["failedActivityId"]) == (3, None, None)
        _break(app, "shaky", clock.now())
        for wait in (0, 10, 20):
            advance(timedelta(seconds=wait))
            assert tick(app) == 0
        [job] = api.get("/job").get_json()
        assert job["retries"] == 0 and "not a cycle" in job["exceptionMessage"]
        for query, count in (("noRetriesLeft=true", 1), ("withRetriesLeft=true", 0), ("executable=true", 0)):
            assert api.get(f"/job/count?{query}").get_json() == {"count": count}, query
        refused = api.post(f"/job/{job['id']}/execute", user="owner")
        assert refused.status_code == 400 and "not a cycle" in refused.get_json()["message"]


def test_owners_move_and_execute_a_timer_start_job(app, api):
    """PUT duedate moves the next occurrence (the cycle goes on from it); execute starts an instance now and
    moves on; both audited, both for process owners only."""
    with clock.frozen(START) as advance:
        assert deploy(api, timer_model("daily", "R/P1D")).status_code == 200
        [job] = api.get("/job").get_json()
        soon = "2026-12-01T08:30:00.000+0000"
        assert api.put(f"/job/{job['id']}/duedate", user="desk", json={"duedate": soon}).status_code == 403
        assert api.put(f"/job/{job['id']}/duedate", user="owner", json={"duedate": soon}).status_code == 204
        assert api.get(f"/job/{job['id']}").get_json()["dueDate"] == soon
        advance(timedelta(minutes=30))
        assert tick(app) == 1
        assert api.get(f"/job/{job['id']}").get_json()["dueDate"] == "2026-12-02T08:30:00.000+0000"
        assert api.post(f"/job/{job['id']}/execute", user="tier1").status_code == 403
        assert api.post(f"/job/{job['id']}/execute", user="owner").status_code == 204
        assert api.get(f"/job/{job['id']}").get_json()["dueDate"] == "2026-12-03T08:30:00.000+0000"
    instances = api.get("/history/process-instance?processDefinitionKey=daily").get_json()
    assert len(instances) == 2
    with UnitOfWork(database(app), write=False) as uow:
        actions = [(e.action, e.actor) for e in uow.session.scalars(
            select(AuditEntry).where(AuditEntry.action.in_(["start_timer_moved", "start_timer_fired"]))
            .order_by(AuditEntry.at, AuditEntry.id))]
    assert sorted(actions, key=str) == sorted([("start_timer_moved", "owner"), ("start_timer_fired", None),
                                               ("start_timer_fired", "owner")], key=str)
