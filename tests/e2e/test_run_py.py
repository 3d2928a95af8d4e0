"""``python run.py --demo`` on an empty database: schema, shipped processes and one user per group."""
from __future__ import annotations

import pytest

from app.services.users import DEMO_USERS
from tests.e2e.servers import ServiceProcess, call

pytestmark = pytest.mark.e2e


def test_demo_start_on_empty_sqlite(tmp_path):
    server = ServiceProcess(f"sqlite:///{tmp_path / 'fresh.db'}", tmp_path, demo=True,
                            extra_env={"DEMO_PASSWORD": "s3cret-demo"})
    try:
        for user in DEMO_USERS:
            status, body = call(server.base, "GET", "/process-definition?latestVersion=true", user, "s3cret-demo")
            assert status == 200, (user, body)
            assert "it_support_request" in {d["key"] for d in body}
        assert call(server.base, "GET", "/task", "desk", "demo")[0] == 401   # the default is not used
    finally:
        server.stop()
    restarted = ServiceProcess(f"sqlite:///{tmp_path / 'fresh.db'}", tmp_path)
    try:  # a second start deploys nothing new and keeps the users
        status, body = call(restarted.base, "GET", "/process-definition?key=it_support_request", "owner",
                            "s3cret-demo")
        assert status == 200 and [d["version"] for d in body] == [1]
    finally:
        restarted.stop()
