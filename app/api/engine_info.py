"""Engine discovery and the OpenAPI document.

The document is kept in pieces, one per API module (``openapi/<module>.json``
holds its paths and any components only it uses) over ``openapi/base.json``,
so that each area documents itself next to its code; it is served merged.
Two modules may serve different methods of one path (GET and POST of a query),
so paths merge method by method.
"""
from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

from flask import jsonify

from app.api import bp

OPENAPI_DIR = Path(__file__).with_name("openapi")


@functools.lru_cache(maxsize=1)
def openapi_document() -> dict[str, Any]:
    """base.json with every fragment's operations and components merged in; a clash is a bug, so it raises."""
    document = json.loads((OPENAPI_DIR / "base.json").read_text(encoding="utf-8"))
    document["paths"] = {}
    for fragment_file in sorted(OPENAPI_DIR.glob("*.json")):
        if fragment_file.name == "base.json":
            continue
        fragment = json.loads(fragment_file.read_text(encoding="utf-8"))
        for path, operations in fragment.get("paths", {}).items():
            # several modules may serve one path (GET in one, POST in another); an operation is defined once
            _merge(document["paths"].setdefault(path, {}), operations, f"{fragment_file.name} {path}")
        for section, entries in fragment.get("components", {}).items():
            _merge(document["components"].setdefault(section, {}), entries, fragment_file.name)
    return document


def _merge(target: dict, entries: dict, source: str) -> None:
    for name, value in entries.items():
        if name in target:
            raise ValueError(f"OpenAPI fragment {source} redefines {name}")
        target[name] = value


@bp.get("/engine")
def engine_names():
    return jsonify([{"name": "default"}])


@bp.get("/openapi.json")
def openapi():
    return jsonify(openapi_document())
