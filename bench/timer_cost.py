"""What one timer firing costs on PostgreSQL: ``python -m bench.timer_cost [--timers N] [--profile]``.

Starts a throw-away PostgreSQL, creates ``--timers`` instances of the
benchmark's timer model due a little later, then fires them all in this
process on one thread, as one scheduler pass does (``fire_due_timers``),
counting every SQL statement sent (SQLAlchemy's ``before_cursor_execute``)
and the process's CPU time. Prints statements and CPU ms per firing, and the
statements by kind; ``--profile`` adds cProfile's top functions by CPU time.
"""
from __future__ import annotations

import argparse
import cProfile
import collections
import pstats
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import event  # noqa: E402

from app.db import UnitOfWork  # noqa: E402
from app.store import database  # noqa: E402
from app.services.timers import FiringPolicy, fire_due_timers  # noqa: E402
from bench.timers import deploy_model  # noqa: E402
from tests import pg_server  # noqa: E402


def create_due(db, timers: int) -> None:
    """Start the instances with one due time far enough ahead that none fires while they are created."""
    from app.services import instances
    from bench.timers import STARTER

    due = datetime.now(timezone.utc) + timedelta(seconds=5 + timers / 12)
    for _ in range(timers):
        instances.start_instance(UnitOfWork(db), STARTER, {"fire_at": due.isoformat()}, key="timer_at")
    time.sleep(max(0.0, (due - datetime.now(timezone.utc)).total_seconds()) + 0.1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--timers", type=int, default=400)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    server = pg_server.PostgresServer().start()
    try:
        app = deploy_model(server.create_database("bench_timer_cost"))
        db = database(app)
        create_due(db, args.timers)
        statements: collections.Counter[str] = collections.Counter()
        event.listen(db.write_engine, "before_cursor_execute",
                     lambda conn, cursor, statement, *rest: statements.update([" ".join(statement.split())[:80]]))
        profile = cProfile.Profile(time.process_time) if args.profile else None
        cpu = time.process_time()
        if profile:
            profile.enable()
        with app.app_context():  # as in the scheduler: expressions read the working-day calendar from the app
            fired = fire_due_timers(lambda write=True: UnitOfWork(db, write=write),
                                    FiringPolicy(worker="cost", threads=1, batch=args.timers))
        if profile:
            profile.disable()
        cpu = time.process_time() - cpu
        db.dispose()
    finally:
        server.stop()
    if not fired:
        raise SystemExit("no timer fired")
    print(f"{fired} firings: {sum(statements.values()) / fired:.2f} statements and {1000 * cpu / fired:.2f} ms CPU "
          "each" + (" (under cProfile)" if profile else ""))
    for statement, count in statements.most_common():
        print(f"{count / fired:6.2f}  {statement}")
    if profile:
        pstats.Stats(profile).sort_stats("tottime").print_stats(25)


if __name__ == "__main__":
    main()
