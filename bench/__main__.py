"""Benchmarks, run on demand: ``python -m bench``. Prints one table measured in one run.

1. Flow-1 lifecycles per second: (a) raw SpiffWorkflow in memory with one full
   JSON serialize + deserialize per step (the floor any stateless service built
   on it pays) against (b) the engine service on a SQLite file (validation,
   state, projections, history, audit, commit).
2. Stored size of one instance after 5 and 50 loop steps against SpiffWorkflow's
   own full serialization of the same workflow.
3. Task-list query time with 100,000 open tasks (median and p95).
4. Flow-1 lifecycles over HTTP with 8 concurrent clients against a real run.py,
   against the same path through the service layer (``bench/http.py``).
5. The staff inbox page (HTML, signed in, in-process) with 100,000 open tasks (``bench/inbox.py``).
"""
from __future__ import annotations

import argparse
import base64
import os
import platform
import random
import statistics
import sys
import tempfile
import time
import uuid
import zlib
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert, select  # noqa: E402
from SpiffWorkflow.task import TaskState  # noqa: E402

import handlers  # noqa: E402
from app import create_app, engine, modelcheck  # noqa: E402
from app.db import UnitOfWork  # noqa: E402
from app.models import HumanTask, ProcessDefinition, ProcessInstance, TaskCandidate  # noqa: E402
from app.services import instances, tasks  # noqa: E402
from app.services.definitions import definition_row, deploy, process_spec  # noqa: E402
from app.services.users import Principal, create_user  # noqa: E402
from app.store import database  # noqa: E402
from bench.http import http_rows  # noqa: E402
from bench.inbox import inbox_rows  # noqa: E402

INTAKE = {"requester": "王五", "contact": "13800000000", "department": "财务部", "channel": "portal",
          "symptom": "打印机无法打印", "occurred_at": "2026-11-24T09:00:00", "impact_scope": "本人",
          "already_tried": "重启打印机", "impact": "low", "urgency": "medium", "vip": False, "business_stopped": False}
STEPS = {
    "classify_request": {"request_type": "incident", "category": "hardware", "resolved_at_first_contact": False},
    "tier1_diagnose": {"tier1_outcome": "resolved", "diagnosis": "硒鼓老化导致卡纸", "attempted_steps": "清理卡纸并重新打印",
                       "cause": "硒鼓老化", "solution": "更换硒鼓", "steps": "更换硒鼓并打印测试页",
                       "kb_candidate": False},
    "callback_rating": {"callback_solved": "yes", "rating_attitude": 5, "rating_speed": 4, "rating_effect": 5,
                        "complaint": ""},
}
EVERYONE = Principal("bench", frozenset({"requester", "service_desk", "tier1", "tier1_hardware", "tier2"}))


def _flow1_spec() -> engine.ProcessSpec:
    processes = {p.key: p for p in modelcheck.check_bpmn((ROOT / "processes/it_support_request.bpmn").read_bytes(),
                                                           "it_support_request.bpmn")}
    dmn = [modelcheck.check_dmn(p.read_bytes(), p.name).root for p in (ROOT / "processes").glob("*.dmn")]
    return engine.parse_process("it_support_request", [processes["it_support_request"].root], dmn)


def raw_lifecycle(process: engine.ProcessSpec) -> None:
    """Flow 1 in plain SpiffWorkflow: every step ends in a full serialize + deserialize."""
    registry = handlers.load_all()
    workflow = engine.new_workflow(process, dict(INTAKE))
    workflow.do_engine_steps()
    while not workflow.is_completed():
        for task in workflow.get_tasks(state=TaskState.STARTED):
            result = registry[task.task_spec.topic](handlers.HandlerContext("x", None, task.task_spec.bpmn_id,
                                                                            dict(task.data)))
            task.data.update(result or {})
            task.complete()
            workflow.do_engine_steps()
        ready = [t for t in workflow.get_tasks(state=TaskState.READY) if t.task_spec.manual]
        if not ready:
            continue
        task = ready[0]
        task.data.update(STEPS[task.task_spec.bpmn_id])
        task.run()
        workflow.do_engine_steps()
        workflow = engine.restore_full(engine.full_serialization(workflow))


def service_lifecycle(db) -> None:
    """Flow 1 through the service layer, as the REST API drives it."""
    instance = instances.start_instance(UnitOfWork(db), EVERYONE, dict(INTAKE), key="it_support_request")
    while True:
        open_tasks = tasks.list_tasks(UnitOfWork(db, write=False), tasks.TaskQuery(instance_id=instance.id), EVERYONE)
        if not open_tasks:
            return
        task = open_tasks[0]
        tasks.complete(UnitOfWork(db), task.id, EVERYONE, STEPS[task.activity_id])


def interleaved_rates(first, second, count: int, rounds: int = 5) -> tuple[float, float, float]:
    """Lifecycles/s of two variants measured in alternating rounds, so machine noise hits both alike.

    Returns the median rate of each and the median of the per-round ratios second/first.
    """
    first(), second()  # warm caches (spec, forms, compiled expressions)
    per_round = max(1, count // rounds)
    rates_a, rates_b = [], []
    for _ in range(rounds):
        for fn, rates in ((first, rates_a), (second, rates_b)):
            started = time.perf_counter()
            for _ in range(per_round):
                fn()
            rates.append(per_round / (time.perf_counter() - started))
    ratios = [b / a for a, b in zip(rates_a, rates_b)]
    return statistics.median(rates_a), statistics.median(rates_b), statistics.median(ratios)


def loop_sizes(db) -> list[tuple[int, int, int, int]]:
    """(steps, stored bytes, spec-less JSON bytes, SpiffWorkflow full JSON bytes)."""
    deploy(UnitOfWork(db), [("loop.bpmn", (ROOT / "bench/loop.bpmn").read_bytes())], name="bench loop")
    instance = instances.start_instance(UnitOfWork(db), EVERYONE, {}, key="bench_loop")
    rows = []
    for step in range(1, 51):
        [task] = tasks.list_tasks(UnitOfWork(db, write=False), tasks.TaskQuery(instance_id=instance.id), EVERYONE)
        tasks.complete(UnitOfWork(db), task.id, EVERYONE, {"keep_going": True, "step": step})
        if step in (5, 50):
            with UnitOfWork(db, write=False) as uow:
                row = uow.session.get(ProcessInstance, instance.id)
                workflow = engine.load_state(row.state, process_spec(uow, definition_row(uow, row.definition_id)))
                rows.append((step, len(row.state), len(zlib.decompress(row.state)),
                             len(engine.full_serialization(workflow).encode())))
    return rows


def task_list_times(db, open_tasks: int, runs: int) -> tuple[float, float, float, float]:
    """Median and p95 (ms) of one group's first page, via the service and via REST in-process."""
    groups = ["service_desk", "tier1_hardware", "tier1_software", "tier2"]
    now = datetime.now(timezone.utc)
    instance_id = str(uuid.uuid4())
    with UnitOfWork(db) as uow:
        any_definition = uow.session.execute(select(ProcessDefinition.id, ProcessDefinition.key)).first()
        uow.session.add(ProcessInstance(id=instance_id, definition_id=any_definition[0],
                                        definition_key=any_definition[1], status="ACTIVE", state=b"",
                                        variables={}))
        uow.session.flush()
        rnd = random.Random(7)
        for chunk in range(0, open_tasks, 10_000):
            task_rows, candidate_rows = [], []
            for index in range(chunk, min(chunk + 10_000, open_tasks)):
                task_id = str(uuid.UUID(int=rnd.getrandbits(128)))
                priority = rnd.choice((50, 50, 75, 100))
                created = now - timedelta(seconds=index)
                group = groups[index % len(groups)]
                task_rows.append({"id": task_id, "instance_id": instance_id, "definition_id": any_definition[0],
                                  "activity_id": "bench", "name": "bench task", "status": "open",
                                  "candidate_groups": [group], "candidate_users": [], "priority": priority,
                                  "created_at": created})
                candidate_rows.append({"task_id": task_id, "kind": "group", "name": group, "priority": priority,
                                       "created_at": created})
            uow.session.execute(insert(HumanTask), task_rows)
            uow.session.execute(insert(TaskCandidate), candidate_rows)
        uow.commit()

    def timed(fn) -> list[float]:
        samples = []
        for _ in range(runs):
            started = time.perf_counter()
            fn()
            samples.append((time.perf_counter() - started) * 1000)
        return samples

    query = tasks.TaskQuery(candidate_group="service_desk", limit=50)
    service = timed(lambda: tasks.list_tasks(UnitOfWork(db, write=False), query, EVERYONE))
    return statistics.median(service), _p95(service), *_rest_times(db, runs)


def _rest_times(db, runs: int) -> tuple[float, float]:
    create_user(UnitOfWork(db), "bench", "bench-pass", ["service_desk"])
    client = BENCH_APP.test_client()
    headers = {"Authorization": "Basic " + base64.b64encode(b"bench:bench-pass").decode()}
    client.get("/engine-rest/task?candidateGroup=service_desk&maxResults=50", headers=headers)
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get("/engine-rest/task?candidateGroup=service_desk&maxResults=50", headers=headers)
        samples.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200 and len(response.get_json()) == 50
    return statistics.median(samples), _p95(samples)


def _p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20)[-1]


BENCH_APP = None


def main() -> None:
    global BENCH_APP
    parser = argparse.ArgumentParser(description="service desk benchmarks")
    parser.add_argument("--lifecycles", type=int, default=40)
    parser.add_argument("--tasks", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        BENCH_APP = create_app({"DATABASE_URL": f"sqlite:///{tmp}/bench.db", "SECRET_KEY": "bench"})
        db = database(BENCH_APP)
        process = _flow1_spec()
        raw, service, ratio = interleaved_rates(lambda: raw_lifecycle(process), lambda: service_lifecycle(db),
                                                args.lifecycles)
        sizes = loop_sizes(db)
        median, p95, rest_median, rest_p95 = task_list_times(db, args.tasks, args.runs)
        db.dispose()
    http_table = http_rows(INTAKE, STEPS)
    inbox_table = inbox_rows(args.tasks, args.runs)
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"{platform.platform()}")
    print(f"{'measure':<62} {'value':>12} {'target':>14}")
    print("-" * 90)
    print(f"{'(a) Flow-1 lifecycles/s, raw SpiffWorkflow + full JSON per step':<62} {raw:>12.1f}")
    print(f"{'(b) Flow-1 lifecycles/s, engine service on SQLite':<62} {service:>12.1f}")
    print(f"{'(b) / (a), median of per-round ratios':<62} {ratio:>11.0%} {'>= 50%':>14}")
    for steps, stored, plain, full in sizes:
        print(f"{f'instance after {steps} loop steps: stored bytes (zlib, no spec)':<62} {stored:>12,}")
        print(f"{f'instance after {steps} loop steps: our JSON before compression':<62} {plain:>12,}")
        print(f"{f'instance after {steps} loop steps: SpiffWorkflow full JSON':<62} {full:>12,}")
        print(f"{f'stored / SpiffWorkflow full ({steps} steps)':<62} {stored / full:>11.0%} {'< 100%':>14}")
    print(f"{f'task list, {args.tasks:,} open tasks, service: median ms':<62} {median:>12.2f}")
    print(f"{f'task list, {args.tasks:,} open tasks, service: p95 ms':<62} {p95:>12.2f} {'<= 20 ms':>14}")
    print(f"{f'task list, {args.tasks:,} open tasks, REST in-process: median ms':<62} {rest_median:>12.2f}")
    print(f"{f'task list, {args.tasks:,} open tasks, REST in-process: p95 ms':<62} {rest_p95:>12.2f}")
    for label, value, target in http_table + inbox_table:
        print(f"{label:<62} {value:>12} {target:>14}".rstrip())


if __name__ == "__main__":
    main()
