"""The engine wrapper on its own: state without spec, stale completions refused, handlers parked."""
from __future__ import annotations

from pathlib import Path

import pytest

from app import engine, modelcheck

DATA = Path(__file__).resolve().parents[1] / "data" / "api"


@pytest.fixture
def review():
    [process] = modelcheck.check_bpmn((DATA / "review.bpmn").read_bytes(), "review.bpmn")
    return engine.parse_process("api_review", [process.root], [])


def _only(workflow, kind):
    [task] = [t for t in engine.active_tasks(workflow) if t.kind == kind]
    return task


def test_state_round_trip_without_spec_is_smaller_than_full(review):
    workflow = engine.new_workflow(review, {"origin": "portal"})
    engine.advance(workflow)
    state = engine.dump_state(workflow)
    restored = engine.load_state(state, review)
    assert _only(restored, "user").activity_id == "review"
    assert engine.variables(restored) == {"origin": "portal"}
    assert len(state) < len(engine.full_serialization(workflow).encode()) / 2


def test_a_completed_task_cannot_be_completed_again(review):
    """A request that read the task before someone else completed it must not run it twice."""
    workflow = engine.new_workflow(review, {})
    engine.advance(workflow)
    task_id = _only(workflow, "user").task_id
    engine.complete_user_task(workflow, task_id, {"decision": "done"})
    stale = engine.load_state(engine.dump_state(workflow), review)
    with pytest.raises(KeyError):
        engine.complete_user_task(stale, task_id, {"decision": "again"})
    assert [t.activity_id for t in engine.active_tasks(stale)] == ["record"]


def test_failed_handler_is_parked_until_released(review):
    workflow = engine.new_workflow(review, {})
    engine.advance(workflow)
    engine.complete_user_task(workflow, _only(workflow, "user").task_id, {"decision": "done"})
    [call] = engine.pending_handlers(workflow)
    assert call.topic == "test_record" and call.variables["decision"] == "done"
    engine.mark_handler_failed(workflow, call.task_id)
    assert engine.pending_handlers(workflow) == []
    assert engine.is_pending_handler(workflow, call.task_id)
    engine.mark_handler_failed(workflow, call.task_id, failed=False)
    engine.finish_handler(workflow, call.task_id, {"recorded": True})
    assert engine.is_completed(workflow)
    with pytest.raises(KeyError):
        engine.finish_handler(workflow, call.task_id, {})


def test_full_serialization_keeps_decision_and_call_settings():
    """The benchmark's baseline (SpiffWorkflow's own JSON) still handles business rule tasks and call activities."""
    models = Path(__file__).resolve().parents[1] / "data" / "engine"
    [drd] = modelcheck.check_bpmn((models / "decision_results.bpmn").read_bytes(), "decision_results.bpmn")
    dmn = modelcheck.check_dmn((models / "drd.dmn").read_bytes(), "drd.dmn").root
    workflow = engine.new_workflow(engine.parse_process("engine_decision_results", [drd.root], [dmn]), {"size": 3})
    restored = engine.restore_full(engine.full_serialization(workflow))
    engine.advance(restored)
    assert engine.variables(restored)["as_entry"] == "first"
    [call] = [p for p in modelcheck.check_bpmn((models / "call_mapping.bpmn").read_bytes(), "c.bpmn")
              if p.key == "engine_call_parent"]
    workflow = engine.new_workflow(engine.parse_process("engine_call_parent", [call.root], []), {"a": 3, "secret": 1})
    restored = engine.restore_full(engine.full_serialization(workflow))
    engine.advance(restored)
    assert engine.variables(restored) == {"a": 3, "secret": 1, "result": 9, "secret_seen": None}
