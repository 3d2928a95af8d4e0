"""Concurrent edits other than completion: simultaneous claims and simultaneous deployments."""
from __future__ import annotations

import threading
from collections import Counter

from app.db import UnitOfWork
from app.errors import DomainError
from app.services import definitions, tasks
from app.services.users import Principal
from app.store import database
from tests.helpers import DATA


def run_together(count: int, action) -> Counter:
    """Start ``count`` threads at once; collect 'ok' or the domain error's HTTP status."""
    barrier = threading.Barrier(count)
    outcomes: Counter = Counter()
    lock = threading.Lock()

    def worker(index: int) -> None:
        barrier.wait()
        try:
            action(index)
            result = "ok"
        except DomainError as exc:
            result = exc.status
        with lock:
            outcomes[result] += 1

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


def test_only_one_of_simultaneous_claims_wins(app, api):
    db = database(app)
    instance_id = api.start("it_support_request", {
        "requester": "王五", "contact": "138", "department": "财务部", "channel": "portal", "symptom": "电脑频繁蓝屏重启",
        "occurred_at": "2026-11-24T09:00:00", "impact_scope": "本人", "already_tried": "重启",
        "impact": "low", "urgency": "low"})
    task_id = api.only_task(instance_id, "classify_request")["id"]
    people = [Principal(f"desk{i}", frozenset({"service_desk"})) for i in range(6)]
    outcomes = run_together(6, lambda i: tasks.claim(UnitOfWork(db), task_id, people[i]))
    assert outcomes["ok"] == 1, outcomes
    assert set(outcomes) <= {"ok", 409}, outcomes
    assignee = api.get(f"/task/{task_id}").get_json()["assignee"]
    claims = [a for a in api.get(f"/history/audit/{instance_id}").get_json() if a["action"] == "task_claimed"]
    assert [c["data"]["assignee"] for c in claims] == [assignee]


def test_simultaneous_deployments_make_one_version_each_change(app, api):
    db = database(app)
    source = (DATA / "api" / "formfield_approval.bpmn").read_bytes()
    variants = [source.replace(b'name="Purchase approval"', f'name="Purchase approval {i}"'.encode())
                for i in range(4)]
    outcomes = run_together(4, lambda i: definitions.deploy(UnitOfWork(db), [("approval.bpmn", variants[i])],
                                                            name=f"owner {i}"))
    assert outcomes == Counter({"ok": 4}), outcomes
    versions = [d["version"] for d in api.get("/process-definition?key=purchase_approval").get_json()]
    assert versions == [1, 2, 3, 4]
