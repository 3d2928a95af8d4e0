"""``GET /health``: a small JSON read for monitors, open without signing in (it tells nothing private).

``status`` is ``ok`` or ``warning``, the worst of its parts: the working-day
calendar missing this or next year's holidays (counted as Monday to Friday until
an administrator enters them at ``/admin/calendar``), and ``SITE_URL`` unset
(links in mails and webhooks then use an address derived from HOST and PORT).
"""
from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, jsonify

from app import links
from app.services import work_calendar

bp = Blueprint("health", __name__)


@bp.get("/health")
def health() -> Any:
    calendar = work_calendar.health()
    site = links.health(current_app.config)
    status = "ok" if calendar["status"] == site["status"] == "ok" else "warning"
    return jsonify({"status": status, "calendar": calendar, "siteUrl": site})
