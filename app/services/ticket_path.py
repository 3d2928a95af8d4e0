"""The path an instance took through its diagram, worked out from the activity history and the model.

The history records every element an instance passed (with start and end
times) but not the sequence flows between them, and the ticket view wants to
draw those too. A flow ``A → B`` was taken when an instance of ``B`` started
right after an instance of ``A`` ended: of all elements that lead into ``B``,
the one that ended last before ``B`` started is the one that led there (an
exclusive merge is entered once per arrival). A parallel or inclusive join waits
for several, so every source that ended since the join's previous start counts.
Reading it this way needs neither the workflow blob nor the engine.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Iterable, Optional

from app.modelcheck.xml import BPMN_NS, parse_xml

_JOINS = {f"{{{BPMN_NS}}}parallelGateway", f"{{{BPMN_NS}}}inclusiveGateway", f"{{{BPMN_NS}}}complexGateway"}


@dataclass(frozen=True)
class Passage:
    """One visit of one element (an activity history row, as far as the path needs it)."""

    activity_id: str
    activity_type: str
    started_at: datetime
    ended_at: Optional[datetime]
    canceled: bool


@dataclass(frozen=True)
class Flow:
    id: str
    source: str
    target: str


@dataclass(frozen=True)
class Model:
    """The parts of a BPMN file the path needs: its flows, and which elements wait for several arrivals."""

    flows: tuple[Flow, ...]
    joins: frozenset[str]


def read_model(xml: bytes, resource: str) -> Model:
    """Sequence flows and joining gateways of every process in the file (untrusted XML, parsed safely)."""
    root = parse_xml(xml, resource)
    flows = tuple(Flow(node.get("id", ""), node.get("sourceRef", ""), node.get("targetRef", ""))
                  for node in root.iter(f"{{{BPMN_NS}}}sequenceFlow"))
    joins = frozenset(node.get("id", "") for tag in _JOINS for node in root.iter(tag))
    return Model(flows, joins)


@dataclass(frozen=True)
class Path:
    """What the diagram marks: elements done, elements waiting now, and the flows taken between them."""

    done: tuple[str, ...]
    current: tuple[str, ...]
    flows: tuple[str, ...]


def taken_path(model: Model, passages: Iterable[Passage]) -> Path:
    passages = list(passages)
    finished = [p for p in passages if p.ended_at is not None and not p.canceled]
    done = tuple(dict.fromkeys(p.activity_id for p in finished))
    # a boundary event waits beside its task for as long as the task is open: the task is what is current
    current = tuple(dict.fromkeys(p.activity_id for p in passages
                                  if p.ended_at is None and p.activity_type != "boundaryEvent"))
    return Path(done, current, _taken_flows(model, passages, finished))


def _taken_flows(model: Model, passages: list[Passage], finished: list[Passage]) -> tuple[str, ...]:
    ends: dict[str, list[datetime]] = defaultdict(list)
    for passage in finished:
        ends[passage.activity_id].append(passage.ended_at)
    arrivals: dict[str, list[datetime]] = defaultdict(list)
    for passage in passages:  # a task cut short by a boundary event was still reached by its flow
        arrivals[passage.activity_id].append(passage.started_at)
    incoming: dict[str, list[Flow]] = defaultdict(list)
    for flow in model.flows:
        incoming[flow.target].append(flow)
    taken: set[str] = set()
    for target, starts in arrivals.items():
        previous: Optional[datetime] = None
        for start in sorted(starts):
            taken.update(_flows_into(incoming[target], ends, start, previous, target in model.joins))
            previous = start
    return tuple(flow.id for flow in model.flows if flow.id in taken)


def _flows_into(flows: list[Flow], ends: dict[str, list[datetime]], start: datetime,
                previous: Optional[datetime], join: bool) -> list[str]:
    """The flows that brought one arrival at ``start``: the latest source to end before it, or for a join
    every source that ended since the join was last entered."""
    latest: dict[str, datetime] = {}
    for flow in flows:
        before = [end for end in ends.get(flow.source, ()) if end <= start and (previous is None or end >= previous)
                  ] if join else [end for end in ends.get(flow.source, ()) if end <= start]
        if before:
            latest[flow.id] = max(before)
    if not latest or join:
        return list(latest)
    last = max(latest.values())
    return [flow_id for flow_id, end in latest.items() if end == last]
