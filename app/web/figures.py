"""``GET /api/figures?from=YYYY-MM-DD&to=YYYY-MM-DD``: the service figures of a period as JSON.

For the reports page's scripts and for a manager's spreadsheet: signed-in project managers,
the service department and administrators (decided by ``app.services.figures``). Errors are
JSON in the reader's language, whatever the request accepts.
"""
from __future__ import annotations

import re
from datetime import date
from typing import Any

from flask import Blueprint, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.errors import Forbidden, InvalidInput
from app.services import figures
from app.store import new_uow

bp = Blueprint("figures", __name__)
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


class _BadDate(ValueError):
    pass


def _day(name: str) -> date:
    text = (request.args.get(name) or "").strip()
    if not text:
        raise _BadDate(_("Give the period as from=YYYY-MM-DD and to=YYYY-MM-DD; %(name)s is missing.", name=name))
    try:
        if not ISO_DATE.fullmatch(text):
            raise ValueError(text)
        return date.fromisoformat(text)
    except ValueError:
        raise _BadDate(_("%(name)s=%(value)s is not a date of the form YYYY-MM-DD.", name=name, value=text[:40])) \
            from None


@bp.get("/api/figures")
@login_required
def period() -> Any:
    try:
        start, end = _day("from"), _day("to")
    except _BadDate as exc:
        return jsonify({"error": str(exc)}), 400
    try:
        return jsonify(figures.figures_for(new_uow(write=False), current_user.principal, start, end))
    except Forbidden:
        return jsonify({"error": _("Only project managers, the service department and administrators may read "
                                   "the service figures.")}), 403
    except InvalidInput:
        return jsonify({"error": _("The period starts (%(start)s) after it ends (%(end)s).",
                                   start=start.isoformat(), end=end.isoformat())}), 400
