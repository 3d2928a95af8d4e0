"""``GET /health``: a small JSON read for monitors, open without signing in (it tells nothing private).

``status`` is ``ok`` or ``warning``; today the one warning is the working-day
calendar missing this or next year's holidays (counted as Monday to Friday until
an administrator enters them at ``/admin/calendar``).
"""
from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify

from app.services import work_calendar

bp = Blueprint("health", __name__)


@bp.get("/health")
def health() -> Any:
    calendar = work_calendar.health()
    return jsonify({"status": calendar["status"], "calendar": calendar})
