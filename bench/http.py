"""Flow-1 lifecycles over HTTP: N concurrent clients against a real ``run.py`` process.

The server is started as the README says (``run.py --demo`` on its own SQLite
file and a free port) and always stopped. Each client thread keeps one HTTP/1.1
connection open and drives whole lifecycles through ``/engine-rest``: start,
then for every user task list the instance's tasks, claim, complete. The same
sequence runs through the service layer in this process, in alternating rounds,
so the ratio HTTP / service compares two rates measured under the same machine
noise. Latency is per request, as the client sees it.
"""
from __future__ import annotations

import base64
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, Callable

from app import create_app
from app.api.variables import to_rest
from app.db import UnitOfWork
from app.services import instances, tasks
from app.services.users import STANDARD_GROUPS, Principal
from app.store import database

ROOT = Path(__file__).resolve().parent.parent
USER, PASSWORD = "admin", "bench-pass"  # the demo user in every group
ADMIN = Principal(USER, frozenset(STANDARD_GROUPS))
KEY = "it_support_request"
Row = tuple[str, str, str]


class Server:
    """``python run.py --demo`` on a temporary SQLite file and a free port."""

    def __init__(self, workdir: Path):
        self.port = _free_port()
        env = {**os.environ, "DATABASE_URL": f"sqlite:///{workdir / 'http.db'}", "DEMO_PASSWORD": PASSWORD,
               "SECRET_KEY": "bench"}
        self.log_path = workdir / "server.log"
        self._log = open(self.log_path, "wb")
        self.process = subprocess.Popen([sys.executable, str(ROOT / "run.py"), "--demo", "--port", str(self.port)],
                                        cwd=ROOT, env=env, stdout=self._log, stderr=subprocess.STDOUT)

    def wait_ready(self, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"run.py exited with {self.process.returncode}:\n{self.log()}")
            try:
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                connection.request("GET", "/engine-rest/engine")
                if connection.getresponse().status == 200:
                    connection.close()
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"run.py did not answer within {timeout:.0f} s:\n{self.log()}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()

    def log(self) -> str:
        self._log.flush()
        return self.log_path.read_text(errors="replace")


class Client:
    """One keep-alive connection; every request's latency is appended to ``samples`` (ms)."""

    def __init__(self, port: int, samples: list[float]):
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        token = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
        self.headers = {"Authorization": f"Basic {token}", "Content-Type": "application/json"}
        self.samples = samples

    def call(self, method: str, path: str, body: Any = None, expect: int = 200) -> Any:
        data = json.dumps(body).encode() if body is not None else None
        started = time.perf_counter()
        self.connection.request(method, "/engine-rest" + path, body=data, headers=self.headers)
        response = self.connection.getresponse()
        raw = response.read()
        self.samples.append((time.perf_counter() - started) * 1000)
        if response.status != expect:
            raise RuntimeError(f"{method} {path}: {response.status} {raw[:300]!r}")
        return json.loads(raw) if raw else None

    def lifecycle(self, intake: dict, steps: dict) -> None:
        instance = self.call("POST", f"/process-definition/key/{KEY}/start", {"variables": to_rest(intake)})
        while True:
            open_tasks = self.call("GET", f"/task?processInstanceId={instance['id']}")
            if not open_tasks:
                return
            task = open_tasks[0]
            self.call("POST", f"/task/{task['id']}/claim", {"userId": USER}, expect=204)
            self.call("POST", f"/task/{task['id']}/complete",
                      {"variables": to_rest(steps[task["taskDefinitionKey"]])}, expect=204)

    def close(self) -> None:
        self.connection.close()


def service_lifecycle(db, intake: dict, steps: dict) -> None:
    """The same requests through the service layer, in this process, one after another."""
    instance = instances.start_instance(UnitOfWork(db), ADMIN, dict(intake), key=KEY)
    while True:
        open_tasks = tasks.list_tasks(UnitOfWork(db, write=False), tasks.TaskQuery(instance_id=instance.id), ADMIN)
        if not open_tasks:
            return
        task = open_tasks[0]
        tasks.claim(UnitOfWork(db), task.id, ADMIN, USER)
        tasks.complete(UnitOfWork(db), task.id, ADMIN, dict(steps[task.activity_id]))


def http_round(port: int, clients: int, lifecycles: int, intake: dict, steps: dict,
               samples: list[float]) -> float:
    """Seconds for ``clients`` threads to finish ``lifecycles`` lifecycles between them."""
    remaining = [lifecycles]
    lock = threading.Lock()
    errors: list[BaseException] = []

    def work() -> None:
        client = Client(port, samples)
        try:
            while True:
                with lock:
                    if remaining[0] == 0 or errors:
                        return
                    remaining[0] -= 1
                client.lifecycle(intake, steps)
        except BaseException as exc:  # noqa: BLE001 - reported by the round below
            errors.append(exc)
        finally:
            client.close()

    threads = [threading.Thread(target=work) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return time.perf_counter() - started


def http_rows(intake: dict, steps: dict, clients: int = 8, per_round: int = 24, rounds: int = 5) -> list[Row]:
    """Rows for the bench table: HTTP and service lifecycles/s, their ratio, request p50/p95."""
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        service_app = create_app({"DATABASE_URL": f"sqlite:///{workdir / 'service.db'}", "SECRET_KEY": "bench"})
        db = database(service_app)
        server = Server(workdir)
        try:
            server.wait_ready()
            warmup: list[float] = []
            service_lifecycle(db, intake, steps)
            http_round(server.port, clients, clients, intake, steps, warmup)
            samples: list[float] = []
            service_rates, http_rates = [], []
            for _ in range(rounds):
                service_rates.append(per_round / _timed(lambda: service_lifecycle(db, intake, steps), per_round))
                http_rates.append(per_round / http_round(server.port, clients, per_round, intake, steps, samples))
            queue_warnings = server.log().count("Task queue depth")
        finally:
            server.stop()
            db.dispose()
    ratios = [h / s for h, s in zip(http_rates, service_rates)]
    p50, p95 = statistics.median(samples), statistics.quantiles(samples, n=20)[-1]
    return [
        (f"(h) Flow-1 lifecycles/s over HTTP, {clients} clients, run.py", f"{statistics.median(http_rates):.1f}", ""),
        ("(s) same path (start, list, claim, complete), service layer", f"{statistics.median(service_rates):.1f}", ""),
        ("(h) / (s), median of per-round ratios", f"{statistics.median(ratios):.0%}", ">= 60%"),
        (f"HTTP request latency, {clients} clients: p50 ms", f"{p50:.1f}", ""),
        (f"HTTP request latency, {clients} clients: p95 ms", f"{p95:.1f}", "<= 100 ms"),
        ("waitress task-queue warnings during the run", f"{queue_warnings}", ""),
    ]


def _timed(fn: Callable[[], None], times: int) -> float:
    started = time.perf_counter()
    for _ in range(times):
        fn()
    return time.perf_counter() - started


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
