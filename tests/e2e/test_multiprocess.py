"""Several real service processes over one database: races, restarts, timers fired once."""
from __future__ import annotations

import threading
import time
from collections import Counter

import pytest

from tests.conftest import DEMO_PASSWORD, typed
from tests.e2e.servers import ServiceProcess, call, deploy_file
from tests.helpers import DATA

pytestmark = pytest.mark.e2e

INTAKE = {"requester": "王五", "contact": "13800000000", "department": "财务部", "channel": "portal",
          "symptom": "打印机无法打印", "occurred_at": "2026-11-24T09:00:00", "impact_scope": "本人",
          "already_tried": "重启打印机", "impact": "low", "urgency": "medium", "vip": False,
          "business_stopped": False}
CLASSIFY = {"request_type": "incident", "category": "hardware", "resolved_at_first_contact": False}


@pytest.fixture
def servers(database_url, tmp_path):
    started: list[ServiceProcess] = []

    def start(**kw) -> ServiceProcess:
        server = ServiceProcess(database_url, tmp_path, **kw)
        started.append(server)
        return server

    yield start
    for server in started:
        if server.process.poll() is None:
            server.stop()


def rest(server, method, path, user, body=None):
    return call(server.base, method, path, user, DEMO_PASSWORD, body)


def start_ticket(server) -> str:
    status, body = rest(server, "POST", "/process-definition/key/it_support_request/start", "requester",
                        {"variables": typed(INTAKE), "businessKey": "INC-1"})
    assert status == 200, body
    return body["id"]


def open_tasks(server, instance_id):
    status, body = rest(server, "GET", f"/task?processInstanceId={instance_id}", "admin")
    assert status == 200, body
    return body


def test_concurrent_completions_one_wins(servers):
    """Eight clients on two processes complete one task at once: one 204, the rest 409/404, one follow-up.

    Several rounds, because the interesting interleavings (a loser reading the
    task before and the instance after the winner's commit) are a matter of timing.
    """
    first, second = servers(), servers()
    for _ in range(4):
        _race_one_task(first, second)


def _race_one_task(first, second) -> None:
    instance_id = start_ticket(first)
    [task] = open_tasks(first, instance_id)
    barrier = threading.Barrier(8)
    statuses: list[int] = []
    lock = threading.Lock()

    def complete(server):
        barrier.wait()
        status, _ = rest(server, "POST", f"/task/{task['id']}/complete", "desk", {"variables": typed(CLASSIFY)})
        with lock:
            statuses.append(status)

    threads = [threading.Thread(target=complete, args=(first if i % 2 else second,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    counts = Counter(statuses)
    assert counts[204] == 1, counts
    assert set(counts) <= {204, 404, 409}, counts
    follow_up = open_tasks(second, instance_id)
    assert [t["taskDefinitionKey"] for t in follow_up] == ["tier1_diagnose"]
    status, history = rest(first, "GET", f"/history/activity-instance?processInstanceId={instance_id}", "admin")
    assert [h["activityId"] for h in history].count("classify_request") == 1


def test_new_process_continues_an_instance_after_a_crash(servers):
    first = servers()
    instance_id = start_ticket(first)
    [task] = open_tasks(first, instance_id)
    assert rest(first, "POST", f"/task/{task['id']}/complete", "desk", {"variables": typed(CLASSIFY)})[0] == 204
    first.kill()

    second = servers()
    [tier1] = open_tasks(second, instance_id)
    assert tier1["taskDefinitionKey"] == "tier1_diagnose"
    resolve = {"tier1_outcome": "resolved", "diagnosis": "硒鼓老化导致卡纸", "attempted_steps": "清理卡纸并更换硒鼓",
               "cause": "硒鼓老化", "solution": "更换硒鼓", "steps": "拆下旧硒鼓，装上新硒鼓", "kb_candidate": False}
    status, body = rest(second, "POST", f"/task/{tier1['id']}/complete", "tier1", {"variables": typed(resolve)})
    assert status == 204, body
    [callback] = open_tasks(second, instance_id)
    assert callback["taskDefinitionKey"] == "callback_rating"
    rating = {"callback_solved": "yes", "rating_attitude": 5, "rating_speed": 4, "rating_effect": 5, "complaint": ""}
    assert rest(second, "POST", f"/task/{callback['id']}/complete", "desk", {"variables": typed(rating)})[0] == 204
    status, body = rest(second, "GET", f"/history/process-instance/{instance_id}", "admin")
    assert body["state"] == "COMPLETED"


def test_two_scheduler_processes_fire_each_timer_once(servers):
    """Timers are claimed in the database: with two schedulers running, each fires exactly once."""
    fast = {"TIMER_POLL_SECONDS": "0.2"}
    first, second = servers(scheduler=True, extra_env=fast), servers(scheduler=True, extra_env=fast)
    model = (DATA / "api" / "timer_literal.bpmn").read_bytes()
    status, body = deploy_file(first.base, "owner", DEMO_PASSWORD, "timer_literal.bpmn", model)
    assert status == 200, body
    ids = []
    for index in range(6):
        server = first if index % 2 else second
        status, body = rest(server, "POST", "/process-definition/key/api_timer/start", "requester", {})
        assert status == 200, body
        ids.append(body["id"])
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if all(open_tasks(first, i) for i in ids):
            break
        time.sleep(0.3)
    for instance_id in ids:
        assert [t["taskDefinitionKey"] for t in open_tasks(first, instance_id)] == ["after"]
        status, audit = rest(first, "GET", f"/history/audit/{instance_id}", "admin")
        fired = [a for a in audit if a["action"] == "timer_fired"]
        assert len(fired) == 1, fired
