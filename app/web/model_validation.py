"""``POST /models/validate``: every problem and warning of a model, before its owner deploys it.

The model editor posts what is on the canvas (JSON, from the signed-in
owner's page) or files (multipart with the form's CSRF token); the answer is
``{"problems": [{"element", "line", "message", "severity", "resource"}]}``,
exactly what a deployment of the same files would refuse or warn about,
because it runs the deployment's own checks (``definitions.check``) and
stores nothing. Process owners and administrators only.
"""
from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user

from app.errors import DeploymentError, Forbidden, ModelError
from app.services import definitions
from app.store import new_uow
from app.web.security import csrf

bp = Blueprint("model_validation", __name__)
MAX_FILES = 50


class _BadRequest(ValueError):
    pass


@bp.post("/models/validate")
@csrf.exempt
def validate() -> Any:
    if not request.is_json:
        csrf.protect()  # a form post could be forged from another site; a JSON one needs this origin's script
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()
    try:
        files = _files()
    except _BadRequest as exc:
        return jsonify({"error": str(exc)}), 400
    try:
        warnings = definitions.check(new_uow(write=False), files, current_user.principal)
        problems: list[ModelError] = []
    except DeploymentError as exc:
        problems, warnings = exc.problems, []
    except Forbidden:
        return jsonify({"error": _("Only process owners and administrators may validate models.")}), 403
    return jsonify({"problems": [_shape(p, "error") for p in problems] + [_shape(w, "warning") for w in warnings]})


def _files() -> list[tuple[str, bytes]]:
    """The posted models as (file name, bytes): JSON ``files`` (or one ``name``/``xml``), or multipart files."""
    if not request.is_json:
        files = [(storage.filename or name, storage.read()) for name, storage in request.files.items(multi=True)]
    else:
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            raise _BadRequest(_("Send a JSON object with the models to check."))
        items = body.get("files") if "files" in body else [{"name": body.get("name"), "content": body.get("xml")}]
        if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
            raise _BadRequest(_("\"files\" must be a list of {\"name\", \"content\"} objects."))
        files = []
        for item in items:
            name, content = item.get("name"), item.get("content")
            if not isinstance(name, str) or not name.strip() or not isinstance(content, str):
                raise _BadRequest(_("Each model needs a file name and its content as text."))
            files.append((name.strip(), content.encode("utf-8")))
    if not files:
        raise _BadRequest(_("Send at least one .bpmn, .dmn or .form file to check."))
    if len(files) > MAX_FILES:
        raise _BadRequest(_("Send at most %(count)d files at once.", count=MAX_FILES))
    return files


def _shape(problem: ModelError, severity: str) -> dict[str, Any]:
    return {"element": problem.element_id, "line": problem.line, "message": problem.detail,
            "severity": severity, "resource": problem.resource}
