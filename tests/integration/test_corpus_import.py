"""Models written by other tools go through the real deployment endpoint: never a 5xx, always a reason.

The corpus (tests/data/corpus) is the OMG MIWG reference suite and SpiffWorkflow's own test models.
Each model is deployed with the sibling files it needs (the files defining the processes its call
activities call and the decisions its business rule tasks evaluate), as its owner would deploy them.
A refusal must name the element and line of every problem (malformed XML has no element), and its
reason must be one this engine refuses on purpose (``DELIBERATE``) or one another part of the work
removes (``PENDING``): a refusal that fits none of them is a model the engine should run and fails the
test. ``pytest -s`` prints the table of outcomes.
"""
from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
from lxml import etree

from tests.helpers import DATA, deploy

CORPUS = DATA / "corpus"
MODELS = sorted([*CORPUS.glob("miwg/*.bpmn"), *CORPUS.glob("spiffworkflow/*.bpmn"),
                 *CORPUS.glob("spiffworkflow/*.dmn")])
_BPMN = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
_CAMUNDA = "{http://camunda.org/schema/1.0/bpmn}"
_SAFE = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)

#: Why a model may be refused on purpose, as (label, pattern over a problem's message).
DELIBERATE: list[tuple[str, str]] = [
    ("malformed XML", r"not well-formed XML"),
    ("descriptive only: no executable process", r"no executable process"),
    ("data stores", r"data stores are not supported"),
    ("Camunda 8 (zeebe, FEEL)", r"Camunda 8 extension|FEEL expression|condition language .*FEEL"),
    ("Java or JUEL (class, expression, delegate, ${...})", r"Java|JUEL"),
    ("old Activiti namespace", r"old Activiti namespace"),
    ("non-Python script or condition", r"scripts are not supported|not valid Python|language .* not supported"),
    ("script imports a module (sandbox)", r"cannot import modules"),
    ("service task without a registered handler", r"service tasks must name a handler|no handler named"),
    ("called process or decision missing from the corpus", r"is not deployed"),
    ("recursive call activity", r"recursive calls are not supported"),
    ("compensation events", r"compensation events are not supported"),
    ("conditional events (read once when the token arrives, never again)", r"conditional events are not supported"),
    ("business rule task without camunda:decisionRef", r"must name its DMN decision"),
    ("DMN: not a decision table, several decisions, other namespace",
     r"only decision tables|only one decision per DMN file|the file has no decision|DMN elements must use"),
    ("invalid model (duplicate ids, empty timer, loop without end, multi-instance over nothing or "
     "over two things, sub-process without start)",
     r"is used twice|the timer is empty|loopCondition or a loopMaximum|not both|needs a loop cardinality"
     r"|exactly one start event"),
    ("SpiffWorkflow's own extensions besides pre/post scripts (spiff-arena dialect)",
     r"spiffworkflow:\w+ is not supported"),
    ("an extension in a namespace this engine does not know", r"is not understood by this engine"),
    ("scripts or parameters on a looping or multi-instance activity", r"on a looping or multi-instance activity"),
    ("DMN input column without an expression (refused, naming the column)", r"has no expression \(name the variable"),
    ("DMN decision requirements (a decision needing another decision's result)", r"requires decision"),
    ("DMN output column with neither name nor label (refused, naming the column)", r"has neither a name nor a label"),
    ("DMN entry or annotation written in FEEL / DMN 1.3 features", r"is FEEL; write|inside a decision table is not"),
    ("message event naming no message, or sending one no process waits for",
     r"names no message \(messageRef\)|unknown message"),
    ("element no start event leads to", r"no path from a start event reaches"),
    ("gateway whose conditions leave known values without a way out", r"no condition of this .* gateway holds"),
    ("input/output parameter named with a dotted path (Camunda writes nested objects)",
     r"parameter name .* must be a variable name"),
]
#: Refusals other parts of the same issue remove (extensions, DMN columns, form field types): listed so
#: that the table says what is left, and this test fails on anything not named at all.
PENDING: list[tuple[str, str]] = [
    ("pending: camunda:inputOutput / resultVariable (issue 6 item 2)", r"inputOutput|resultVariable"),
    ("pending: DMN column without expression or name (item 11)", r"column has no (expression|name)"),
    ("pending: DMN entry not Python (item 11)", r"input entry .* is neither"),
    ("pending: Camunda form field type not supported (forms)", r"form field .* has type"),
]


def _tree(path: Path):
    try:
        return etree.parse(str(path), _SAFE).getroot()
    except etree.XMLSyntaxError:
        return None


def _provides(path: Path) -> set[str]:
    """Process ids (BPMN) or decision ids (DMN) a corpus file defines."""
    root = _tree(path)
    if root is None:
        return set()
    if path.suffix == ".dmn":
        return {e.get("id") for e in root if isinstance(e.tag, str) and etree.QName(e).localname == "decision"}
    return {p.get("id") for p in root.iter(f"{_BPMN}process")}


def _needs(path: Path) -> set[str]:
    root = _tree(path)
    if root is None or path.suffix != ".bpmn":
        return set()
    called = {c.get("calledElement") for c in root.iter(f"{_BPMN}callActivity")}
    decided = {t.get(f"{_CAMUNDA}decisionRef") for t in root.iter(f"{_BPMN}businessRuleTask")}
    return {name for name in called | decided if name}


def _common_prefix(a: str, b: str) -> int:
    size = 0
    while size < min(len(a), len(b)) and a[size] == b[size]:
        size += 1
    return size


def companions(model: Path) -> list[Path]:
    """The model and, transitively, the sibling files defining what it calls or evaluates.

    Where several files define the same id, the one sharing the longest file-name prefix wins
    (SpiffWorkflow's tests keep a model's parts under one prefix).
    """
    siblings = [p for p in sorted(model.parent.iterdir()) if p.suffix in (".bpmn", ".dmn")]
    chosen, queue = [model], [model]
    while queue:
        for name in sorted(_needs(queue.pop())):
            if any(name in _provides(p) for p in chosen):
                continue
            providers = [p for p in siblings if name in _provides(p)]
            if providers:
                best = max(providers, key=lambda p: _common_prefix(p.name, model.name))
                chosen.append(best)
                queue.append(best)
    return chosen


def _reason(message: str) -> str | None:
    return next((label for label, pattern in DELIBERATE + PENDING if re.search(pattern, message)), None)


_OUTCOMES: dict[str, tuple[str, list[str]]] = {}


@pytest.fixture(scope="module", autouse=True)
def table():
    """Print deployed vs refused, grouped by reason, after the corpus ran (visible with -s)."""
    yield
    if not _OUTCOMES:
        return
    deployed = sorted(name for name, (outcome, _) in _OUTCOMES.items() if outcome == "deployed")
    reasons = Counter(reason for outcome, found in _OUTCOMES.values() if outcome == "refused"
                      for reason in sorted(set(found)))
    per_set = Counter(name.split("/")[0] for name in deployed)
    totals = Counter(name.split("/")[0] for name in _OUTCOMES)
    print(f"\ncorpus import: {len(deployed)} of {len(_OUTCOMES)} deployed "
          + ", ".join(f"{s}: {per_set[s]}/{totals[s]}" for s in sorted(totals)))
    print(f"{'refused because (a model may have several reasons)':60} models")
    for reason, count in reasons.most_common():
        print(f"{reason:60} {count:6}")
    for name, (outcome, found) in sorted(_OUTCOMES.items()):
        print(f"  {outcome:8} {name}  {'; '.join(sorted(set(found)))}")


@pytest.fixture
def backend() -> str:
    """The whole corpus runs on SQLite; test_corpus_sample_on_both_backends covers PostgreSQL."""
    return "sqlite"


def _deploy_and_judge(api, model: Path) -> tuple[str, list[str]]:
    files = companions(model)
    response = deploy(api, *files)
    assert response.status_code < 500, (model.name, response.get_data(as_text=True)[:500])
    body = response.get_json()
    assert body is not None and "type" in body or response.status_code == 200, body
    if response.status_code == 200:
        return "deployed", []
    assert response.status_code == 400, body
    problems = body.get("details", {}).get("problems") or [{"message": body["message"]}]
    reasons = []
    for problem in problems:
        if "not well-formed XML" not in problem["message"]:
            assert problem.get("elementId") and problem.get("line"), (model.name, problem)
        reason = _reason(problem["message"])
        assert reason is not None, f"{model.name}: refused for no deliberate reason: {problem['message']}"
        reasons.append(reason)
    return "refused", reasons


@pytest.mark.parametrize("model", MODELS, ids=[f"{p.parent.name}/{p.name}" for p in MODELS])
def test_corpus_model_deploys_or_is_refused_with_reasons(api, model):
    _OUTCOMES[f"{model.parent.name}/{model.name}"] = _deploy_and_judge(api, model)


SAMPLE = ["spiffworkflow/tests__SpiffWorkflow__bpmn__data__call_activity_nested__call_activity_nested.bpmn",
          "spiffworkflow/tests__SpiffWorkflow__bpmn__data__Approvals.bpmn",
          "spiffworkflow/tests__SpiffWorkflow__camunda__data__parallel_multiinstance_collection.bpmn",
          "miwg/C.1.1.bpmn",
          "miwg/A.1.0.bpmn"]


@pytest.mark.parametrize("name", SAMPLE)
@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_corpus_sample_on_both_backends(api, name):
    _deploy_and_judge(api, CORPUS / name)
