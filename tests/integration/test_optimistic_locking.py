"""Two writers of one instance never both win: the loser gets Conflict (HTTP 409) and writes nothing.

On PostgreSQL the instance's version column decides. SQLite writers take the
file lock before reading (BEGIN IMMEDIATE), so there the second writer waits
and then sees the new state; that path is covered by the e2e race test.
"""
from __future__ import annotations

import time

import pytest

from app.db import UnitOfWork
from app.errors import Conflict
from app.models import HumanTask, ProcessInstance
from app.services import step
from app.services.audit import audit
from app.store import database
from tests.conftest import typed

INTAKE = {"requester": "王五", "contact": "13800000000", "department": "财务部", "channel": "portal",
          "symptom": "打印机无法打印", "occurred_at": "2026-11-24T09:00:00", "impact_scope": "本人",
          "already_tried": "重启打印机", "impact": "low", "urgency": "low", "vip": False, "business_stopped": False}
CLASSIFY = {"request_type": "incident", "category": "network", "resolved_at_first_contact": False}


def test_stale_writer_gets_conflict_and_nothing_is_half_written(app, api, backend):
    if backend != "postgres":
        pytest.skip("SQLite serializes writers before they read; see the module docstring")
    instance_id = api.start("it_support_request", INTAKE)
    task_id = api.only_task(instance_id, "classify_request")["id"]
    db = database(app)

    stale = UnitOfWork(db)
    with pytest.raises(Conflict):
        with stale:
            instance, definition, workflow = step.load(stale, instance_id)   # reads version n
            winner = api.post(f"/task/{task_id}/complete", user="desk", json={"variables": typed(CLASSIFY)})
            assert winner.status_code == 204                                      # commits version n+1
            audit(stale, instance_id, "ghost", "should_not_exist")
            step.save(stale, instance, definition, workflow, "ghost", time.time())
            stale.commit()

    with UnitOfWork(db, write=False) as check:
        row = check.session.get(ProcessInstance, instance_id)
        assert row.variables["category"] == "network"                             # the winner's write stands
        open_tasks = [t.activity_id for t in check.session.query(HumanTask).filter_by(
            instance_id=instance_id, status="open")]
        assert open_tasks == ["tier1_diagnose"]
    trail = api.get(f"/history/audit/{instance_id}").get_json()
    assert not [a for a in trail if a["userId"] == "ghost"]
