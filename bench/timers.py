"""Timer firing on PostgreSQL with 1 and 2 ``python -m scheduler`` processes: ``python -m bench.timers``.

For each scheduler count, a fresh database on a throw-away PostgreSQL server
gets the schedulers as real processes and, once they run (their start-up is
not a firing's lateness), ``--timers`` instances whose timers fall due spread
over ``--window`` seconds, created in this process through the service layer
before the first is due. The table shows, from the ``timer_fired`` audit rows,
how late each timer fired (p50, p99, max), how many fired per second while they
were due, how many fired twice (must be 0), and the load average at the end of
each run.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import text  # noqa: E402

from app import create_app  # noqa: E402
from app.db import UnitOfWork  # noqa: E402
from app.services import instances  # noqa: E402
from app.services.definitions import deploy  # noqa: E402
from app.services.users import Principal  # noqa: E402
from app.store import database  # noqa: E402
from tests import pg_server  # noqa: E402

MODEL = ROOT / "tests" / "data" / "scheduler" / "timer_at.bpmn"
STARTER = Principal("bench", frozenset({"requester"}))


def deploy_model(url: str):
    """Migrate the fresh database and deploy the model; returns the app (its database makes the starts)."""
    app = create_app({"DATABASE_URL": url, "DEPLOY_ON_START": False, "SCHEDULER_ENABLED": False})
    deploy(UnitOfWork(database(app)), [(MODEL.name, MODEL.read_bytes())], name="bench timers")
    return app


def start_instances(db, timers: int, window: float, lead: float) -> list[datetime]:
    """Start ``timers`` instances due over ``window`` s from ``lead`` s after now."""
    base = datetime.now(timezone.utc) + timedelta(seconds=lead)
    due_times = [base + timedelta(seconds=window * i / timers) for i in range(timers)]

    def start(due: datetime) -> None:
        instances.start_instance(UnitOfWork(db), STARTER, {"fire_at": due.isoformat()}, key="timer_at")

    with ThreadPoolExecutor(4) as pool:  # PostgreSQL takes the starts from several connections at once
        list(pool.map(start, due_times))
    db.dispose()
    if datetime.now(timezone.utc) >= base:
        raise SystemExit(f"starting {timers} instances took longer than the lead of {lead} s; raise --lead")
    return due_times


def start_schedulers(url: str, count: int, log_dir: Path) -> list[tuple[subprocess.Popen, Path]]:
    """Start the scheduler processes and wait until each runs: their start-up is not lateness of a firing."""
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "bench"}
    started = []
    for i in range(count):
        path = log_dir / f"scheduler-{count}-{i}.log"
        with open(path, "wb") as log:
            started.append((subprocess.Popen([sys.executable, "-m", "scheduler"], cwd=ROOT, stdout=log,
                                              stderr=subprocess.STDOUT, env={**env, "WORKER_ID": f"bench-{i}"}),
                            path))
    deadline = time.monotonic() + 120
    while not all(b"running" in path.read_bytes() for _, path in started):
        if time.monotonic() > deadline or any(process.poll() is not None for process, _ in started):
            stop_schedulers(started)
            raise SystemExit(f"a scheduler did not start; see {log_dir}")
        time.sleep(0.2)
    return started


def wait_for_firings(url: str, last_due: datetime, timers: int) -> None:
    deadline = last_due + timedelta(seconds=120)
    while datetime.now(timezone.utc) < deadline and fired_count(url) < timers:
        time.sleep(0.5)
    time.sleep(1)


def stop_schedulers(started: list[tuple[subprocess.Popen, Path]]) -> None:
    for process, _ in started:
        process.terminate()
    for process, _ in started:
        process.wait(timeout=30)


def fired_count(url: str) -> int:
    from sqlalchemy import create_engine

    engine = create_engine(url)
    with engine.connect() as connection:
        count = connection.scalar(text("SELECT count(*) FROM audit_log WHERE action = 'timer_fired'"))
    engine.dispose()
    return count


def measure(url: str) -> dict:
    """Lateness per firing, firings per instance, and the rate while timers were firing."""
    from sqlalchemy import create_engine

    engine = create_engine(url)
    with engine.connect() as connection:
        rows = list(connection.execute(text("SELECT instance_id, at, data FROM audit_log "
                                            "WHERE action = 'timer_fired'")))
    engine.dispose()
    late, stamps, per_instance = [], [], {}
    for instance_id, at, data in rows:
        data = data if isinstance(data, dict) else json.loads(data)
        at = at.replace(tzinfo=timezone.utc)
        late.append((at - datetime.fromisoformat(data["due"])).total_seconds())
        stamps.append(at)
        per_instance[instance_id] = per_instance.get(instance_id, 0) + 1
    late.sort()
    span = (max(stamps) - min(stamps)).total_seconds() or 1e-9
    return {"fired": len(rows), "double": sum(1 for n in per_instance.values() if n > 1),
            "p50": statistics.median(late), "p99": late[min(len(late) - 1, int(len(late) * 0.99))],
            "max": late[-1], "rate": len(rows) / span}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--timers", type=int, default=2000)
    parser.add_argument("--window", type=float, default=60.0, help="seconds over which the timers fall due")
    parser.add_argument("--lead", type=float, default=None, help="seconds from the start of creation to the first due")
    args = parser.parse_args()
    lead = args.lead if args.lead is not None else 10 + args.timers / 40
    server = pg_server.PostgresServer().start()
    results = []
    try:
        for count in (1, 2):
            url = server.create_database(f"bench_timers_{count}")
            db = database(deploy_model(url))
            started = start_schedulers(url, count, server.base)
            try:
                due_times = start_instances(db, args.timers, args.window, lead)
                wait_for_firings(url, due_times[-1], args.timers)
            finally:
                stop_schedulers(started)
            results.append((count, {**measure(url), "load": os.getloadavg()[0]}))
    finally:
        server.stop()
    print(f"{args.timers} timers due over {args.window:g} s on PostgreSQL")
    print(f"{'schedulers':>10} {'fired':>7} {'twice':>6} {'p50 s':>8} {'p99 s':>8} {'max s':>8} {'fired/s':>8} "
          f"{'load 1m':>8}")
    for count, r in results:
        print(f"{count:>10} {r['fired']:>7} {r['double']:>6} {r['p50']:>8.3f} {r['p99']:>8.3f} {r['max']:>8.3f} "
              f"{r['rate']:>8.1f} {r['load']:>8.2f}")


if __name__ == "__main__":
    main()
