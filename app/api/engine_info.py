"""Engine discovery and the OpenAPI document."""
from __future__ import annotations

from pathlib import Path

from flask import Response, jsonify

from app.api import bp

OPENAPI = Path(__file__).with_name("openapi.json")


@bp.get("/engine")
def engine_names():
    return jsonify([{"name": "default"}])


@bp.get("/openapi.json")
def openapi():
    return Response(OPENAPI.read_bytes(), mimetype="application/json")
