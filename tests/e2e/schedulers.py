"""Real ``python -m scheduler`` processes for multi-process timer tests, and reading what they fired."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Optional

from sqlalchemy import bindparam, create_engine, text

ROOT = Path(__file__).resolve().parents[2]


class SchedulerProcess:
    """One scheduler running alone over a shared database, ready once it says it runs."""

    def __init__(self, database_url: str, log_dir: Path, worker: str, extra_env: Optional[dict] = None):
        self.worker = worker
        env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": "e2e", "WORKER_ID": worker,
               **(extra_env or {})}
        self.log_path = log_dir / f"scheduler-{worker}.log"
        self.log = open(self.log_path, "wb")
        self.process = subprocess.Popen([sys.executable, "-m", "scheduler"], cwd=ROOT, env=env, stdout=self.log,
                                        stderr=subprocess.STDOUT)
        self._wait_ready()

    def _wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"scheduler exited with {self.process.returncode}; see {self.log_path}")
            if f"scheduler {self.worker} running" in self.output():
                return
            time.sleep(0.1)
        raise RuntimeError("scheduler did not start")

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")

    def terminate(self, timeout: float = 15) -> int:
        """SIGTERM, then the exit code (killed after ``timeout``: a clean stop must come sooner)."""
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.send_signal(signal.SIGUSR1)  # its threads' stacks into the log, to show what held it
            time.sleep(1)
            self.process.kill()
            self.process.wait()
            raise AssertionError(f"scheduler {self.worker} did not stop within {timeout} s of SIGTERM:\n"
                                 + self.output()[-6000:]) from None
        finally:
            self.log.close()

    def kill(self) -> None:
        """kill -9, as a crash mid-fire would."""
        self.process.kill()
        self.process.wait()
        self.log.close()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.kill()


class FiredTimers:
    """Reads the ``timer_fired`` audit rows of a database: who fired what, how late."""

    def __init__(self, database_url: str):
        self.engine = create_engine(database_url)

    def lateness(self, instance_ids: list[str]) -> dict[str, list[float]]:
        """Seconds each firing of each instance came after its due time (one entry per firing)."""
        found: dict[str, list[float]] = {i: [] for i in instance_ids}
        with self.engine.connect() as connection:
            rows = connection.execute(text("SELECT instance_id, at, data FROM audit_log WHERE action = 'timer_fired'"))
            for instance_id, at, data in rows:
                if instance_id in found:
                    due = datetime.fromisoformat((data if isinstance(data, dict) else _json(data))["due"])
                    found[instance_id].append((_aware(at) - due).total_seconds())
        return found

    def count(self, instance_ids: list[str]) -> int:
        """Firings of these instances so far, counted by the database: the tests poll this many times a
        second while the schedulers work, and reading and parsing every audit row took CPU from them."""
        query = text("SELECT count(*) FROM audit_log WHERE action = 'timer_fired' AND instance_id IN :ids"
                     ).bindparams(bindparam("ids", expanding=True))
        with self.engine.connect() as connection:
            return connection.scalar(query, {"ids": list(instance_ids)})

    def dispose(self) -> None:
        self.engine.dispose()


def _aware(at) -> datetime:
    if isinstance(at, str):
        at = datetime.fromisoformat(at)
    return at if at.tzinfo else at.replace(tzinfo=timezone.utc)


def _json(raw: str) -> dict:
    import json

    return json.loads(raw)
