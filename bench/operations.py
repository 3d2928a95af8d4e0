"""The live view over 100,000 instances: counts per element, the whole view, and the instance list; SQLite and PostgreSQL.

Run with ``python -m bench.operations [--instances N] [--runs N]``. The rows are written straight into the
projections (as the inbox bench does): three versions of Flow 1's process, each instance with four
finished history rows and, while running (70 %), one open row at one of the model's elements; 2 % of the
running ones have an open incident, as many more a resolved one. PostgreSQL is a server this bench
starts and stops itself; it is analyzed after the load, as autovacuum would. Target: counts per element within 200 ms on both.
"""
from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert, select  # noqa: E402

from app import create_app  # noqa: E402
from app.db import UnitOfWork  # noqa: E402
from app.models import ActivityInstance, Incident, ProcessDefinition, ProcessInstance  # noqa: E402
from app.services import operations  # noqa: E402
from app.services.users import Principal  # noqa: E402
from app.store import database  # noqa: E402
from tests import pg_server  # noqa: E402

KEY = "it_support_request"
ELEMENTS = ["desk_classify", "tier1_diagnose", "tier2_diagnose", "vendor_repair", "confirm_fix", "callback",
            "wait_parts", "record_ticket", "notify_requester", "escalate", "close_ticket", "reopen_review"]
TARGET_MS = 200
OWNER = Principal("owner", frozenset({"process_owner"}))


def _versions(uow: UnitOfWork) -> list[str]:
    """The shipped version 1 and two more versions of it, as deploying changed models would leave them."""
    first = uow.session.scalars(select(ProcessDefinition).where(ProcessDefinition.key == KEY)
                                .order_by(ProcessDefinition.version)).first()
    ids = [first.id]
    for version in (first.version + 1, first.version + 2):
        row = {c.name: getattr(first, c.key) for c in ProcessDefinition.__table__.columns}
        row.update(id=f"{KEY}:{version}:bench", version=version)
        uow.session.execute(insert(ProcessDefinition), [row])
        ids.append(row["id"])
    return ids


def seed(db, count: int) -> None:
    rnd = random.Random(17)
    started = datetime(2026, 1, 1, tzinfo=timezone.utc)
    with UnitOfWork(db) as uow:
        versions = _versions(uow)
        for chunk in range(0, count, 10_000):
            instances, history, incidents = [], [], []
            for index in range(chunk, min(chunk + 10_000, count)):
                instance_id = str(uuid.UUID(int=rnd.getrandbits(128)))
                definition_id = versions[index % 3]
                at = started + timedelta(minutes=index * 5)
                running = rnd.random() < 0.7
                instances.append({"id": instance_id, "definition_id": definition_id, "definition_key": KEY,
                                  "business_key": f"SR-2026-{index:06d}", "status": "ACTIVE" if running else "COMPLETED",
                                  "state": b"", "variables": {}, "variable_types": {}, "version": 1, "started_at": at,
                                  "ended_at": None if running else at + timedelta(hours=5)})
                for step, element in enumerate(rnd.sample(ELEMENTS, 4)):
                    history.append(_activity(instance_id, definition_id, element, at + timedelta(hours=step),
                                             at + timedelta(hours=step, minutes=30)))
                if running:
                    element = rnd.choice(ELEMENTS)
                    history.append(_activity(instance_id, definition_id, element, at + timedelta(hours=4), None))
                    chance = rnd.random()
                    if chance < 0.04:
                        incidents.append({"id": str(uuid.UUID(int=rnd.getrandbits(128))), "instance_id": instance_id,
                                          "definition_id": definition_id, "activity_id": element,
                                          "task_id": history[-1]["id"], "message": "handler failed",
                                          "status": "open" if chance < 0.02 else "resolved", "created_at": at})
            uow.session.execute(insert(ProcessInstance), instances)
            uow.session.execute(insert(ActivityInstance), history)
            if incidents:
                uow.session.execute(insert(Incident), incidents)
        uow.commit()
    if db.write_engine.dialect.name == "postgresql":  # what autovacuum does soon after a bulk load in production
        with db.write_engine.begin() as connection:
            connection.exec_driver_sql("ANALYZE")


def _activity(instance_id: str, definition_id: str, element: str, start: datetime, end) -> dict:
    return {"id": str(uuid.uuid4()), "instance_id": instance_id, "definition_id": definition_id,
            "activity_id": element, "activity_name": element, "activity_type": "userTask", "started_at": start,
            "ended_at": end, "canceled": False}


def _times(call, runs: int) -> tuple[float, float]:
    for _ in range(2):
        call()  # warm statement caches
    samples = []
    for _ in range(runs):
        began = time.perf_counter()
        call()
        samples.append((time.perf_counter() - began) * 1000)
    return statistics.median(samples), statistics.quantiles(samples, n=20)[-1]


def timings(db, runs: int) -> list[tuple[str, float, float, str]]:
    with UnitOfWork(db, write=False) as uow:
        versions = list(uow.session.scalars(select(ProcessDefinition.id).where(ProcessDefinition.key == KEY)))
    target = f"<= {TARGET_MS}"

    def counts(ids):
        def call():
            with UnitOfWork(db, write=False) as uow:
                assert operations.element_counts(uow, ids)
        return call

    every = operations.InstanceFilter()
    failing = operations.InstanceFilter(state="ACTIVE", has_incident=True)
    return [
        ("counts per element, all versions", *_times(counts(versions), runs), target),
        ("counts per element, one version", *_times(counts(versions[:1]), runs), target),
        ("live view (counts, names)", *_times(lambda: operations.live_view(UnitOfWork(db, write=False), OWNER, KEY),
                                               runs), ""),
        ("instance list, page 1", *_times(lambda: operations.instances(UnitOfWork(db, write=False), OWNER, KEY,
                                                                        every), runs), ""),
        ("instance list, with incident", *_times(lambda: operations.instances(UnitOfWork(db, write=False), OWNER,
                                                                               KEY, failing), runs), ""),
    ]


def run(url: str, count: int, runs: int) -> list[tuple[str, float, float, str]]:
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "DEMO": False, "DEPLOY_ON_START": True,
                      "SCHEDULER_ENABLED": False})
    with app.app_context():
        seed(database(app), count)
        result = timings(database(app), runs)
    database(app).dispose()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instances", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        results += [("SQLite", *row) for row in run(f"sqlite:///{tmp}/operations.db", args.instances, args.runs)]
    server = pg_server.PostgresServer().start()
    try:
        url = server.create_database("bench_operations")
        results += [("PostgreSQL", *row) for row in run(url, args.instances, args.runs)]
    finally:
        server.stop()
    print(f"live view over {args.instances} instances, 3 versions ({args.runs} runs, "
          f"{datetime.now(timezone.utc):%Y-%m-%d})")
    print(f"{'database':<11} {'measure':<34} {'median ms':>10} {'p95 ms':>8} {'target ms':>10}")
    for database_name, label, median, p95, target in results:
        print(f"{database_name:<11} {label:<34} {median:>10.1f} {p95:>8.1f} {target:>10}")


if __name__ == "__main__":
    main()
