"""Service figures over 100,000 tickets: ``figures.compute`` for one month and for a year, SQLite and PostgreSQL.

Run with ``python -m bench.figures [--tickets N] [--runs N]``. The rows are written straight into the
domain tables (as the inbox bench writes projections): a year of tickets with Flow 1's mix of
priorities, tier-1 groups, engineers, escalations, first-contact answers, reopened and open tickets,
one to three callbacks each, and complaints some of which were closed late. PostgreSQL is a
server this bench starts and stops itself. Target: 300 ms for a year on both.
"""
from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert  # noqa: E402

from app import create_app  # noqa: E402
from app.db import UnitOfWork  # noqa: E402
from app.domain import Complaint, ComplaintEvent, Ticket, TicketCallback  # noqa: E402
from app.services import figures  # noqa: E402
from app.store import database  # noqa: E402
from tests import pg_server  # noqa: E402

SHANGHAI = ZoneInfo("Asia/Shanghai")
YEAR = 2026
GROUPS = ["tier1_hardware", "tier1_software", "tier1_network", "tier1"]
ENGINEERS = [f"eng{n:02d}" for n in range(40)]
SLA = {"urgent": timedelta(hours=2), "important": timedelta(hours=4), "normal": timedelta(hours=8)}
TARGET_MS = 300


def _ticket(rnd: random.Random, index: int, count: int) -> tuple[dict, list[dict]]:
    requested = datetime(YEAR, 1, 1, tzinfo=SHANGHAI) + timedelta(minutes=index * 525_600 // count)
    priority = rnd.choice(("urgent", "important", "normal", "normal"))
    first_contact = rnd.random() < 0.2
    row = {"instance_id": f"bench-{index:07d}", "number": f"SR-{YEAR}-{index:06d}", "requester": "王五",
           "department": "财务部", "channel": "hotline", "ticket_type": "incident", "category": "hardware",
           "priority": priority, "vip": False, "tier1_group": None if first_contact else rnd.choice(GROUPS),
           "engineer": "desk" if first_contact else rnd.choice(ENGINEERS), "status": "closed",
           "requested_at": requested, "requested_on": requested.date(), "requested_month": requested.strftime("%Y-%m"),
           "response_due_at": requested + SLA[priority],
           "first_response_at": requested + timedelta(minutes=rnd.choice((20, 60, 200, 600))),
           "completion_requested_at": None, "close_due_at": None, "closed_at": None, "reopen_count": 0,
           "escalation_level": 0 if rnd.random() < 0.7 else rnd.choice((1, 2)), "first_contact": first_contact,
           "attitude": None, "speed": None, "effect": None}
    callbacks = []
    if first_contact:
        row["closed_at"] = row["first_response_at"]
        return row, callbacks
    completed = requested + timedelta(hours=rnd.choice((3, 20, 50)))
    rounds = rnd.choice((1, 1, 1, 2, 3))
    for seq in range(1, rounds + 1):
        at = completed + timedelta(hours=rnd.choice((2, 30, 70)))
        solved = seq == rounds
        callbacks.append({"instance_id": row["instance_id"], "seq": seq, "at": at, "agent": "desk", "solved": solved,
                          "attitude": rnd.randint(1, 5) if solved else None, "speed": rnd.randint(1, 5) if solved else None,
                          "effect": rnd.randint(1, 5) if solved else None})
        completed = at + timedelta(hours=5) if not solved else completed
    open_ticket = rnd.random() < 0.05
    row.update(completion_requested_at=completed, close_due_at=completed + timedelta(days=2), reopen_count=rounds - 1,
               closed_at=None if open_ticket else callbacks[-1]["at"], status="resolved" if open_ticket else "closed")
    if not open_ticket:
        row.update({name: callbacks[-1][name] for name in ("attitude", "speed", "effect")})
    return row, callbacks


def seed(db, count: int) -> None:
    rnd = random.Random(7)
    with UnitOfWork(db) as uow:
        for chunk in range(0, count, 10_000):
            tickets, callbacks = [], []
            for index in range(chunk, min(chunk + 10_000, count)):
                row, calls = _ticket(rnd, index, count)
                tickets.append(row)
                callbacks += calls
            uow.session.execute(insert(Ticket), tickets)
            uow.session.execute(insert(TicketCallback), callbacks)
        complaints, events = [], []
        for index in range(count // 50):
            received = datetime(YEAR, 1, 1, 10, tzinfo=SHANGHAI) + timedelta(minutes=index * 525_600 * 50 // count)
            complaints.append({"instance_id": f"complaint-{index:06d}", "number": f"CP-{index}", "source": "callback",
                               "content": "…", "severity": "general", "agreed_working_days": 3,
                               "received_at": received, "due_at": received + timedelta(days=3)})
            if index % 5:
                events.append({"instance_id": f"complaint-{index:06d}", "kind": "closed",
                               "at": received + timedelta(days=rnd.choice((1, 2, 6))), "within_limit": None})
        uow.session.execute(insert(Complaint), complaints)
        uow.session.execute(insert(ComplaintEvent), events)
        uow.commit()


def timings(db, runs: int) -> list[tuple[str, float, float]]:
    """(period, median ms, p95 ms) of compute() for a month and for the year."""
    rows = []
    for label, start, end in (("one month", date(YEAR, 6, 1), date(YEAR, 6, 30)),
                              ("one year", date(YEAR, 1, 1), date(YEAR, 12, 31))):
        figures.compute(UnitOfWork(db, write=False), start, end)   # warm caches and statements
        samples = []
        for _ in range(runs):
            started = time.perf_counter()
            result = figures.compute(UnitOfWork(db, write=False), start, end)
            samples.append((time.perf_counter() - started) * 1000)
        assert result["tickets"] > 0
        rows.append((label, statistics.median(samples), max(samples) if runs < 20 else
                     statistics.quantiles(samples, n=20)[-1]))
    return rows


def run(url: str, count: int, runs: int) -> list[tuple[str, float, float]]:
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "DEMO": False, "DEPLOY_ON_START": False,
                      "SCHEDULER_ENABLED": False})
    with app.app_context():
        seed(database(app), count)
        result = timings(database(app), runs)
    database(app).dispose()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        results += [("SQLite", *row) for row in run(f"sqlite:///{tmp}/figures.db", args.tickets, args.runs)]
    server = pg_server.PostgresServer().start()
    try:
        url = server.create_database("bench_figures")
        results += [("PostgreSQL", *row) for row in run(url, args.tickets, args.runs)]
    finally:
        server.stop()
    print(f"figures.compute over {args.tickets} tickets of {YEAR} ({args.runs} runs, {datetime.now(timezone.utc):%Y-%m-%d})")
    print(f"{'database':<11} {'period':<10} {'median ms':>10} {'p95 ms':>8} {'target ms':>10}")
    for database_name, label, median, p95 in results:
        target = f"<= {TARGET_MS}" if label == "one year" else ""
        print(f"{database_name:<11} {label:<10} {median:>10.1f} {p95:>8.1f} {target:>10}")


if __name__ == "__main__":
    main()
