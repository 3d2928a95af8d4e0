"""Real service processes (``python run.py``) for multi-process tests, always stopped afterwards."""
from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any, Optional

from tests.pg_server import free_port

ROOT = Path(__file__).resolve().parents[2]


class ServiceProcess:
    """One ``run.py`` process on its own port over a shared database."""

    def __init__(self, database_url: str, log_dir: Path, scheduler: bool = False, extra_env: Optional[dict] = None,
                 demo: bool = False):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}/engine-rest"
        args = [sys.executable, str(ROOT / "run.py"), "--port", str(self.port)]
        if not scheduler:
            args.append("--no-scheduler")
        if demo:
            args.append("--demo")
        env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": "e2e", **(extra_env or {})}
        self.log = open(log_dir / f"service-{self.port}.log", "wb")
        self.process = subprocess.Popen(args, cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT)
        self._wait_ready()

    def _wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"service exited with {self.process.returncode}; see {self.log.name}")
            try:
                with urllib.request.urlopen(f"{self.base}/engine", timeout=2):
                    return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("service did not become ready")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()

    def kill(self) -> None:
        """Stop abruptly, as a crash would."""
        self.process.kill()
        self.process.wait()
        self.log.close()


def call(base: str, method: str, path: str, user: str, password: str, body: Any = None) -> tuple[int, Any]:
    """One HTTP request with Basic auth; returns (status, decoded JSON or None)."""
    data = json.dumps(body).encode() if body is not None else None
    return _send(base, method, path, user, password, data, "application/json" if data is not None else None)


def deploy_file(base: str, user: str, password: str, name: str, content: bytes) -> tuple[int, Any]:
    """A multipart deployment of one file, as Camunda Modeler sends it."""
    return deploy_files(base, user, password, {name: content})


def deploy_files(base: str, user: str, password: str, files: dict[str, bytes]) -> tuple[int, Any]:
    """One multipart deployment of several files (a process and the forms it names)."""
    boundary = "----servicedesk-test"
    body = f"--{boundary}\r\nContent-Disposition: form-data; name=\"deployment-name\"\r\n\r\ntest\r\n".encode()
    for name, content in files.items():
        body += (f"--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{name}\"\r\n"
                 f"Content-Type: application/octet-stream\r\n\r\n").encode() + content + b"\r\n"
    body += f"--{boundary}--\r\n".encode()
    return _send(base, "POST", "/deployment/create", user, password, body, f"multipart/form-data; boundary={boundary}")


def _send(base: str, method: str, path: str, user: str, password: str, data: Optional[bytes],
          content_type: Optional[str]) -> tuple[int, Any]:
    request = urllib.request.Request(f"{base}{path}", data=data, method=method)
    request.add_header("Authorization", "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode())
    if content_type:
        request.add_header("Content-Type", content_type)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            raw = response.read()
            return response.status, json.loads(raw) if raw else None
    except urllib.error.HTTPError as error:
        raw = error.read()
        try:
            return error.code, json.loads(raw)
        except ValueError:
            return error.code, raw.decode(errors="replace")
