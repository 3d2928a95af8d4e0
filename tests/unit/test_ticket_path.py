"""The path a ticket took, read from its activity history: which flows the diagram marks as taken."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from app.services.ticket_path import Passage, read_model, taken_path

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc)


def at(step: int) -> datetime:
    return T0 + timedelta(minutes=step)


def model(body: str):
    xml = f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="t">
  <bpmn:process id="p" isExecutable="true">{body}</bpmn:process>
</bpmn:definitions>"""
    return read_model(xml.encode(), "test.bpmn")


def passed(activity_id: str, start: int, end: int | None, kind: str = "task", canceled: bool = False) -> Passage:
    return Passage(activity_id, kind, at(start), None if end is None else at(end), canceled)


# a → x(split) → b → m(merge); x → c → d → m; m → e, and e → m again (sent back)
MERGE = """
  <bpmn:exclusiveGateway id="x"/><bpmn:exclusiveGateway id="m"/>
  <bpmn:sequenceFlow id="a_x" sourceRef="a" targetRef="x"/>
  <bpmn:sequenceFlow id="x_b" sourceRef="x" targetRef="b"/>
  <bpmn:sequenceFlow id="x_c" sourceRef="x" targetRef="c"/>
  <bpmn:sequenceFlow id="b_m" sourceRef="b" targetRef="m"/>
  <bpmn:sequenceFlow id="c_d" sourceRef="c" targetRef="d"/>
  <bpmn:sequenceFlow id="d_m" sourceRef="d" targetRef="m"/>
  <bpmn:sequenceFlow id="m_e" sourceRef="m" targetRef="e"/>
  <bpmn:sequenceFlow id="e_m" sourceRef="e" targetRef="m"/>
"""


def test_an_exclusive_merge_is_entered_by_the_flow_whose_source_ended_last():
    path = taken_path(model(MERGE), [passed("a", 0, 1), passed("x", 1, 1), passed("c", 1, 2), passed("d", 2, 3),
                                     passed("m", 3, 3), passed("e", 3, None)])
    assert set(path.flows) == {"a_x", "x_c", "c_d", "d_m", "m_e"}
    assert path.current == ("e",)
    assert "e" not in path.done


def test_a_loop_marks_the_flow_back_and_the_element_current_again():
    path = taken_path(model(MERGE), [passed("a", 0, 1), passed("x", 1, 1), passed("b", 1, 2), passed("m", 2, 2),
                                     passed("e", 2, 4), passed("m", 4, 4), passed("e", 4, None)])
    assert set(path.flows) == {"a_x", "x_b", "b_m", "m_e", "e_m"}
    assert "e" in path.done and path.current == ("e",)


def test_a_parallel_join_marks_every_branch_that_arrived():
    body = """<bpmn:parallelGateway id="j"/>
      <bpmn:sequenceFlow id="b_j" sourceRef="b" targetRef="j"/>
      <bpmn:sequenceFlow id="c_j" sourceRef="c" targetRef="j"/>"""
    path = taken_path(model(body), [passed("b", 0, 1), passed("c", 0, 3), passed("j", 3, 3)])
    assert set(path.flows) == {"b_j", "c_j"}


def test_waiting_boundary_events_and_canceled_passages_are_neither_current_nor_done():
    body = """<bpmn:sequenceFlow id="a_b" sourceRef="a" targetRef="b"/>"""
    path = taken_path(model(body), [passed("a", 0, 1), passed("timer", 0, 1, "boundaryEvent", canceled=True),
                                    passed("b", 1, None), passed("timer2", 1, None, "boundaryEvent")])
    assert path.current == ("b",)
    assert path.done == ("a",)
    assert path.flows == ("a_b",)
