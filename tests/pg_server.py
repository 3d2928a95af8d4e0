"""A throw-away PostgreSQL server for the test session: initdb in a temp dir, a free port, stopped at exit.

PostgreSQL refuses to run as root, so as root the server runs as the ``postgres``
system user (present wherever the Debian package is installed).
"""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path
from typing import Optional


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PostgresServer:
    def __init__(self) -> None:
        self.base = Path(tempfile.mkdtemp(prefix="sd-pg-"))
        self.data = self.base / "data"
        self.socket_dir = self.base / "sock"
        self.port = free_port()
        self._as_root = os.geteuid() == 0

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        cmd = list(args)
        if self._as_root:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        return subprocess.run(cmd, check=check, capture_output=True, text=True, timeout=120)

    def start(self) -> "PostgresServer":
        if shutil.which("initdb") is None:
            raise RuntimeError("PostgreSQL (initdb) is not installed")
        self.socket_dir.mkdir(parents=True)
        if self._as_root:
            shutil.chown(self.base, "postgres")
            shutil.chown(self.socket_dir, "postgres")
            os.chmod(self.base, 0o755)
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync")
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.base / "log"), "-w", "-t", "60", "-o",
                  f"-p {self.port} -k {self.socket_dir} -c listen_addresses=127.0.0.1 -c fsync=off "
                  f"-c synchronous_commit=off -c full_page_writes=off -c max_connections=200", "start")
        return self

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        import psycopg

        with psycopg.connect(f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres", autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop", check=False)
        finally:
            shutil.rmtree(self.base, ignore_errors=True)


_server: Optional[PostgresServer] = None


def shared_server() -> PostgresServer:
    """The session's one server, started on first use."""
    global _server
    if _server is None:
        _server = PostgresServer().start()
    return _server


def stop_shared_server() -> None:
    global _server
    if _server is not None:
        _server.stop()
        _server = None
