"""The in-browser editors: a process in bpmn-js, a decision table in dmn-js, a form in the form-js editor.

``/models/<key>/edit``, ``/decisions/<key>/edit`` and ``/forms/<id>/edit`` open the
latest version; the page script posts the edited file back to the same URL
(JSON, CSRF header) and shows the answer: the version now deployed, or every
problem with its element and line, marked on the diagram, nothing deployed.
Only process owners and admins: the service refuses everyone else (403 page).
"""
from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.errors import DeploymentError, InvalidInput
from app.services import model_editing
from app.store import new_uow

bp = Blueprint("model_editor", __name__)

#: URL part → the kind of file each editor saves.
EDITORS = {"models": "bpmn", "decisions": "dmn", "forms": "form"}
MAX_SOURCE_CHARS = 5_000_000


@bp.before_request
@login_required
def _signed_in() -> None:
    """Anonymous visitors go to the sign-in page; who may edit is the service's decision."""


@bp.get("/<any(models, decisions, forms):area>/<key>/edit")
def edit(area: str, key: str) -> Any:
    kind = EDITORS[area]
    model = model_editing.source(new_uow(write=False), current_user.principal, kind, key)
    editor = {"kind": kind, "key": key, "source": model.content, "version": model.version,
              "saveUrl": url_for("model_editor.save", area=area, key=key),
              "picksUrl": url_for("model_editor.picks"),
              "moddleUrl": url_for("static", filename="vendor/camunda-bpmn-moddle/camunda.json"),
              "texts": _script_texts()}
    return render_template("model_editor/edit.html", model=model, editor=editor, area=area)


@bp.post("/<any(models, decisions, forms):area>/<key>/edit")
def save(area: str, key: str) -> Any:
    body = request.get_json(silent=True)
    content = body.get("source") if isinstance(body, dict) else None
    if not isinstance(content, str) or not content.strip():
        raise InvalidInput("send the edited file as JSON: {\"source\": \"...\"}")
    if len(content) > MAX_SOURCE_CHARS:
        raise InvalidInput(f"the file is longer than {MAX_SOURCE_CHARS} characters")
    try:
        outcome = model_editing.save(new_uow(), current_user.principal, EDITORS[area], key, content)
    except DeploymentError as exc:
        problems = model_editing.problem_list(exc)
        return jsonify({"saved": False, "problems": problems,
                        "message": _("Nothing was deployed: %(count)s problem(s) to fix.",
                                     count=len(problems))}), 422
    if outcome.created:
        message = _("Deployed as version %(version)s.", version=outcome.version)
    else:
        message = _("Nothing changed: version %(version)s stays deployed.", version=outcome.version)
    if outcome.rebound:
        message += " " + _("New versions of the processes that use it: %(list)s.", list=", ".join(
            f"{process} v{version}" for process, version in outcome.rebound))
    return jsonify({"saved": True, "created": outcome.created, "version": outcome.version, "message": message,
                    "warnings": [{"element_id": w.element_id, "line": w.line, "message": w.detail}
                                 for w in outcome.warnings]})


@bp.get("/model-editor/picks.json")
def picks() -> Any:
    """Groups, handler topics, forms and decisions the editors suggest, so that a name cannot be mistyped."""
    lists = model_editing.pick_lists(new_uow(write=False), current_user.principal)
    for group in lists["groups"]:
        group["name"] = _(group["name"])  # the standard groups' names are catalogued
    return jsonify(lists)


def _script_texts() -> dict[str, str]:
    """Texts the page script shows, in the reader's language."""
    return {"saving": _("Checking and deploying…"), "failed": _("The editor could not be loaded."),
            "saveFailed": _("The server did not answer; nothing was deployed. Try again."),
            "line": _("line %(line)s"), "warnings": _("Deployed with warnings:"),
            "unsaved": _("Unsaved changes")}
