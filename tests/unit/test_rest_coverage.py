"""How much of Camunda 7's REST surface is served, measured against its list of operations.

``tests/data/camunda7-rest-operations.txt`` lists Camunda 7's operations (method and
path, ``{}`` for a path parameter), taken from camunda-bpm-platform's OpenAPI
templates. The test prints the coverage per area, refuses any route that looks like
a Camunda path but is not one (a typo would pass unnoticed by clients' tests
otherwise), and keeps the count from falling below a floor.
"""
from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import flask

from app.api import bp

REFERENCE = Path(__file__).resolve().parents[1] / "data" / "camunda7-rest-operations.txt"
PREFIX = "/engine-rest"
#: Routes of ours that Camunda does not have, on purpose.
EXTENSIONS = {("GET", "/openapi.json"), ("GET", "/history/audit/{}")}
#: The count this branch reaches; raise it as operations are added, never lower it.
FLOOR = 180  # the issue's target: at least 180 of Camunda 7's 386 operations


def _reference() -> set[tuple[str, str]]:
    operations = set()
    for line in REFERENCE.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            method, path = line.split()
            operations.add((method, path))
    return operations


def _registered() -> set[tuple[str, str]]:
    """Routes as tests/unit/test_openapi.py collects them, with every path parameter written ``{}``."""
    app = flask.Flask(__name__)
    app.register_blueprint(bp)
    routes = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(PREFIX):
            path = re.sub(r"<[^<>]+>", "{}", rule.rule[len(PREFIX):])
            routes.update((method, path) for method in rule.methods - {"HEAD", "OPTIONS"})
    return routes


def _area(path: str) -> str:
    """``/history/task/count`` → ``history/task``; other areas by their first segment."""
    parts = path.strip("/").split("/")
    return "/".join(parts[:2]) if parts[0] == "history" and len(parts) > 1 else parts[0]


def test_reference_list_is_intact():
    reference = _reference()
    assert len(reference) == 386
    assert all(path.startswith("/") and "{}" not in path.replace("/{}", "") for _, path in reference)


def test_coverage_against_camunda_7(capsys):
    reference, registered = _reference(), _registered()
    covered = registered & reference
    totals, hits = Counter(_area(p) for _, p in reference), Counter(_area(p) for _, p in covered)
    with capsys.disabled():
        print(f"\nCamunda 7 REST coverage: {len(covered)} of {len(reference)}")
        for area in sorted(totals):
            print(f"  {area:42} {hits[area]:3} covered {totals[area] - hits[area]:3} uncovered")
    assert registered - reference - EXTENSIONS == set(), "routes that are neither Camunda's nor declared extensions"
    assert EXTENSIONS <= registered, "an extension listed here is no longer served"
    assert len(covered) >= FLOOR
