"""Run the scheduler alone: ``python -m scheduler`` (no pages, no API), e.g. as extra processes on PostgreSQL.

The database comes from ``DATABASE_URL`` as for ``run.py``. SIGTERM or SIGINT
stops it cleanly (SIGUSR1 prints every thread's stack, for a stop that hangs): no new pass starts, a running pass finishes its transaction,
and the process exits 0. A pass cut short by a harder kill leaves only leases,
which another scheduler takes over once they run out.
"""
from __future__ import annotations

import faulthandler
import gc
import logging
import signal
import threading

from app import create_app
from scheduler import shutdown


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    stop = threading.Event()
    faulthandler.register(signal.SIGUSR1, all_threads=True)  # `kill -USR1` prints every thread's stack: why it hangs
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    # shipped processes are deployed by the web service; a scheduler only fires timers
    app = create_app({"SCHEDULER_ENABLED": True, "DEPLOY_ON_START": False})
    # as run.py does: what start-up built lives as long as the process, and a full collection that walks it
    # stalls every firing thread (each firing allocates a workflow's worth of objects, so collections are frequent)
    gc.collect()
    gc.freeze()
    logging.getLogger(__name__).info("scheduler %s running", app.config["WORKER_ID"])
    print(f"scheduler {app.config['WORKER_ID']} running", flush=True)
    stop.wait()
    shutdown(app)
    print("scheduler stopped", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
