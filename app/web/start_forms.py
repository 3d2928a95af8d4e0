"""Posting a start form from a page (a problem report, a complaint, a service review): the one JSON exchange they use.

The page's script sends ``{"values": {...}}``; a refusal comes back per field in the reader's language
with nothing stored, a start leads to the new instance's page with the page's thanks waiting there.
"""
from __future__ import annotations

from typing import Any, Callable, Optional

from flask import flash, jsonify, request
from flask_babel import gettext as _

from app.errors import FieldErrors, InvalidInput
from app.models import ProcessInstance
from app.web.forms import field_messages
from app.web.tasks import page_url


def start_from_post(start: Callable[[dict[str, Any]], ProcessInstance],
                    thanks: Callable[[ProcessInstance], str],
                    landing: Optional[Callable[[ProcessInstance], str]] = None) -> Any:
    """Start with the posted values; JSON naming the new instance's page (the ticket page unless ``landing``
    names another), or what is wrong (400)."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("values"), dict):
        return jsonify({"error": _("The form could not be read. Reload the page and try again.")}), 400
    try:
        started = start(body["values"])
    except FieldErrors as exc:
        return jsonify({"error": _("Some fields need your attention; nothing was saved yet."),
                        "fields": field_messages(exc)}), 400
    except InvalidInput as exc:
        return jsonify({"error": _("The form was not accepted: %(reason)s", reason=exc.message)}), 400
    flash(thanks(started), "success")
    if landing is not None:
        return jsonify({"redirect": landing(started)})
    return jsonify({"redirect": page_url("tickets.show", f"/tickets/{started.id}", instance_id=started.id)})
