"""Shared fixtures: a fresh real database per test (SQLite file or PostgreSQL), the app, and an API helper.

A template database (schema, groups, demo users, shipped processes) is built
once per session and backend; each test gets a copy, so tests are isolated and
password hashing does not run for every test. Checking a password still runs for every
sign-in, so the suite hashes with a cheap work factor (``PASSWORD_HASH_METHOD``, inherited by
the service processes the tests start); production keeps scrypt (``app/passwords.py``).
"""
from __future__ import annotations

import base64
import itertools
import os
import shutil
import sys
import threading
from pathlib import Path
from typing import Any, Iterator, Optional

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# before the app is imported or any service process started: every hash made in the tests uses it
os.environ.setdefault("PASSWORD_HASH_METHOD", "pbkdf2:sha256:1000")

from app import create_app  # noqa: E402
from app.store import database  # noqa: E402
from tests import pg_server  # noqa: E402

DEMO_PASSWORD = "demo-pass"
SITE_URL = "http://servicedesk.example.com"
BACKENDS = ["sqlite", "postgres"]
_counter = itertools.count()


def _base_config(url: str) -> dict[str, Any]:
    return {"DATABASE_URL": url, "SECRET_KEY": "test-secret", "TESTING": True, "DEMO": False,
            "DEPLOY_ON_START": False, "SCHEDULER_ENABLED": False, "SITE_URL": SITE_URL}


def _build_template(url: str) -> None:
    app = create_app({**_base_config(url), "DEMO": True, "DEMO_PASSWORD": DEMO_PASSWORD, "DEPLOY_ON_START": True})
    database(app).dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    _build_template(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def postgres_template():
    server = pg_server.shared_server()
    _build_template(server.create_database("sd_template"))
    yield server
    pg_server.stop_shared_server()


@pytest.fixture(autouse=True)
def _no_timer_listener_outlives_its_test() -> Iterator[None]:
    """A clock a test starts must stop with it: a LISTEN thread left behind outlives its dropped database
    and warns into a later test's log (a CI run failed on exactly that, far from the test that leaked)."""
    before = set(threading.enumerate())
    yield
    left = [t for t in threading.enumerate() if t.name == "timer-listener" and t not in before and t.is_alive()]
    assert not left, "a test left a timer listener running: stop its app with scheduler.shutdown(app)"


@pytest.fixture(params=BACKENDS)
def backend(request) -> str:
    return request.param


@pytest.hookimpl(tryfirst=True)
def pytest_generate_tests(metafunc) -> None:
    """A module whose behaviour cannot differ between databases (page wording, input checks, CSRF) names the
    one it runs on in ``BACKENDS``: every test on both doubled the suite's time where SQL does not matter.
    A test's own ``parametrize("backend", ...)`` still wins."""
    only = getattr(metafunc.module, "BACKENDS", None)
    if only is None or "backend" not in metafunc.fixturenames:
        return
    if any(mark.args and mark.args[0] == "backend" for mark in metafunc.definition.iter_markers("parametrize")):
        return
    # as a marker, before pytest reads markers and fixture params: a call here would parametrize twice
    metafunc.definition.add_marker(pytest.mark.parametrize("backend", only))


@pytest.fixture
def database_url(backend: str, request, tmp_path) -> Iterator[str]:
    """A fresh database with the shipped processes and demo users, on the chosen backend.

    A PostgreSQL test database is dropped afterwards: kept, the hundreds of copies grew the server's
    data folder to gigabytes, slowing every later test and the final clean-up."""
    if backend == "sqlite":
        template = request.getfixturevalue("sqlite_template")
        path = tmp_path / "servicedesk.db"
        shutil.copyfile(template, path)
        yield f"sqlite:///{path}"
        return
    server = request.getfixturevalue("postgres_template")
    import psycopg

    name = f"sd_test_{next(_counter)}"
    admin = f"host=127.0.0.1 port={server.port} user=postgres dbname=postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE sd_template')
    yield server.url(name)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def app(database_url: str):
    app = create_app(_base_config(database_url))
    yield app
    database(app).dispose()


@pytest.fixture
def client(app):
    return app.test_client()


class Api:
    """Calls ``/engine-rest`` as a named demo user (HTTP Basic), returning the response."""

    def __init__(self, client):
        self.client = client

    @staticmethod
    def headers(user: Optional[str], password: str = DEMO_PASSWORD) -> dict[str, str]:
        if user is None:
            return {}
        token = base64.b64encode(f"{user}:{password}".encode()).decode()
        return {"Authorization": f"Basic {token}"}

    def get(self, path: str, user: Optional[str] = "admin", **kw):
        return self.client.get(f"/engine-rest{path}", headers=self.headers(user), **kw)

    def post(self, path: str, user: Optional[str] = "admin", **kw):
        return self.client.post(f"/engine-rest{path}", headers=self.headers(user), **kw)

    def put(self, path: str, user: Optional[str] = "admin", **kw):
        return self.client.put(f"/engine-rest{path}", headers=self.headers(user), **kw)

    # -- conveniences used across flow tests
    def start(self, key: str, variables: dict[str, Any], user: str = "requester", business_key: Optional[str] = None):
        body: dict[str, Any] = {"variables": typed(variables)}
        if business_key:
            body["businessKey"] = business_key
        response = self.post(f"/process-definition/key/{key}/start", user=user, json=body)
        assert response.status_code == 200, response.get_json()
        return response.get_json()["id"]

    def tasks(self, instance_id: str, user: str = "admin") -> list[dict]:
        response = self.get(f"/task?processInstanceId={instance_id}", user=user)
        assert response.status_code == 200, response.get_json()
        return response.get_json()

    def only_task(self, instance_id: str, activity_id: str) -> dict:
        tasks = self.tasks(instance_id)
        assert [t["taskDefinitionKey"] for t in tasks] == [activity_id], tasks
        return tasks[0]

    def complete(self, task_id: str, user: str, variables: dict[str, Any]):
        return self.post(f"/task/{task_id}/complete", user=user, json={"variables": typed(variables)})

    def variables(self, instance_id: str) -> dict[str, Any]:
        response = self.get(f"/process-instance/{instance_id}/variables")
        assert response.status_code == 200, response.get_json()
        return {k: v["value"] for k, v in response.get_json().items()}

    def variables_after_end(self, instance_id: str) -> dict[str, Any]:
        response = self.get(f"/history/variable-instance?processInstanceId={instance_id}")
        assert response.status_code == 200, response.get_json()
        return {v["name"]: v["value"] for v in response.get_json()}

    def history_state(self, instance_id: str) -> str:
        return self.get(f"/history/process-instance/{instance_id}").get_json()["state"]


def typed(values: dict[str, Any]) -> dict[str, dict]:
    """Plain values as Camunda REST typed variables."""
    result = {}
    for name, value in values.items():
        if isinstance(value, bool):
            kind = "Boolean"
        elif isinstance(value, int):
            kind = "Integer"
        elif isinstance(value, float):
            kind = "Double"
        elif value is None:
            kind = "Null"
        else:
            kind = "String"
        result[name] = {"value": value, "type": kind}
    return result


@pytest.fixture
def api(client) -> Api:
    return Api(client)
