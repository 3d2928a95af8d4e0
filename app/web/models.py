"""The model library (``/models``): process owners see every model with its versions, download any
version, compare two versions (a list, and for processes both diagrams with the changes marked) and
upload files made in Camunda Modeler.

An upload the deployment service refuses is shown with every problem it found (file, element, line,
message) and nothing is deployed. The diagrams' BPMN comes from its own address under the same check,
so that bpmn-js (a file under static/js, no inline script) can load it.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional
from urllib.parse import quote

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from app.errors import DeploymentError, InvalidInput, ModelError
from app.services import model_library
from app.store import new_uow
from app.web.i18n import translated
from app.web.model_text import translate_model_xml

bp = Blueprint("models", __name__)

KIND_NAMES = {model_library.PROCESS: _l("Process"), model_library.DECISION: _l("Decision table"),
              model_library.FORM: _l("Form")}
SECTION_NAMES = {model_library.PROCESS: _l("Processes"), model_library.DECISION: _l("Decision tables"),
                 model_library.FORM: _l("Forms")}
CHANGE_NAMES = {"added": _l("Added"), "removed": _l("Removed"), "changed": _l("Changed")}
#: What a change touched, for the attributes and parts owners edit most; others show as written in the file.
WHAT_NAMES = {
    "type": _l("Element type"), "name": _l("Name"), "documentation": _l("Description"),
    "camunda:candidateGroups": _l("Candidate groups"), "camunda:candidateUsers": _l("Candidate users"),
    "camunda:assignee": _l("Assignee"), "camunda:formRef": _l("Form"), "camunda:formKey": _l("Form key"),
    "camunda:topic": _l("Handler topic"), "camunda:decisionRef": _l("Decision table"),
    "camunda:dueDate": _l("Due date"), "camunda:priority": _l("Priority"), "calledElement": _l("Called process"),
    "conditionExpression": _l("Condition"), "default": _l("Default flow"), "sourceRef": _l("From"),
    "targetRef": _l("To"), "flowNodeRef": _l("Elements in the lane"),
    "timerEventDefinition/timeCycle": _l("Timer cycle"), "timerEventDefinition/timeDuration": _l("Timer duration"),
    "timerEventDefinition/timeDate": _l("Timer date"), "messageEventDefinition@messageRef": _l("Message"),
    "label": _l("Label"), "validate.required": _l("Required"), "description": _l("Description"),
    "hitPolicy": _l("Hit policy"),
}
WORDS = {"kind_names": KIND_NAMES, "section_names": SECTION_NAMES, "change_names": CHANGE_NAMES}


@bp.app_template_filter("change_what")
def change_what(what: str) -> str:
    """A change's subject in the reader's language; a decision rule's cells name their column."""
    if what in WHAT_NAMES:
        return str(WHAT_NAMES[what])
    condition, _space, column = what.partition(" ")
    if condition == "when" and column:
        return _("If %(column)s", column=translated(column))
    if condition == "then" and column:
        return _("Then %(column)s", column=translated(column))
    return what


@bp.route("/models")
@login_required
def index() -> Any:
    return _library()


@bp.route("/models", methods=["POST"])
@login_required
def upload() -> Any:
    """Files from the upload form, deployed together; refused, the library shows every problem (400)."""
    files = [(_file_name(f.filename), f.read()) for f in request.files.getlist("files") if f and f.filename]
    try:
        result = model_library.upload(new_uow(), current_user.principal, files)
    except DeploymentError as refused:
        return _library(problems=[_problem(p) for p in refused.problems], status=400)
    if not result.created:
        flash(_("Nothing changed: every uploaded file is identical to its latest version."), "info")
    else:
        deployed = [f"{translated(d.name)} v{d.version}" for d in result.definitions]
        deployed += [f"{translated(d.name)} v{d.version}" for d in result.decisions]
        flash(_("Deployed: %(models)s.", models=", ".join(deployed) or _("forms")), "success")
    for warning in result.warnings:
        flash(_("Warning: %(message)s", message=warning.message), "warning")
    return redirect(url_for("models.index"))


def _file_name(name: str) -> str:
    """The file's own name, without any folder a browser sent along."""
    return name.replace("\\", "/").rsplit("/", 1)[-1][:300]


@dataclass(frozen=True)
class Problem:
    resource: Optional[str]
    element_id: Optional[str]
    line: Optional[int]
    reason: str


def _problem(error: ModelError) -> Problem:
    """A refusal's parts in their own columns: the message without its "resource …, element …, line …:" start."""
    located = error.resource or error.element_id or error.line
    reason = error.message.split(": ", 1)[1] if located and ": " in error.message else error.message
    return Problem(error.resource, error.element_id, error.line, reason)


def _library(problems: Optional[list] = None, status: int = 200) -> Any:
    models = model_library.list_models(new_uow(write=False), current_user.principal)
    sections = [(kind, [m for m in models if m.kind == kind]) for kind in model_library.KINDS]
    return render_template("models/index.html", sections=sections, problems=problems or [], **WORDS), status


@bp.route("/models/<key>")
@login_required
def show(key: str) -> Any:
    chosen = model_library.model(new_uow(write=False), current_user.principal, key, _kind())
    return render_template("models/show.html", model=chosen, **WORDS)


@bp.route("/models/<key>/versions/<int:version>/download")
@login_required
def download(key: str, version: int) -> Any:
    found = model_library.download(new_uow(write=False), current_user.principal, key, version, _kind())
    return Response(found.content, mimetype=found.content_type,
                    headers={"Content-Disposition": _attachment(found.filename), "Cache-Control": "private"})


def _attachment(filename: str) -> str:
    """A download named as deployed: plain ASCII for old clients, the real (often Chinese) name in UTF-8."""
    ascii_name = "".join(ch if 32 <= ord(ch) < 127 and ch not in '"\\' else "_" for ch in filename)
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"


@bp.route("/models/<key>/versions/<int:version>/diagram.bpmn")
@login_required
def diagram(key: str, version: int) -> Any:
    """A process version for bpmn-js, with its names in the reader's language."""
    found = model_library.download(new_uow(write=False), current_user.principal, key, version,
                                   model_library.PROCESS)
    xml = translate_model_xml(found.content, found.filename, translated)
    return Response(xml, mimetype="application/xml", headers={"Cache-Control": "private, no-cache"})


@bp.route("/models/<key>/diff")
@login_required
def diff(key: str) -> Any:
    """``from`` and ``to`` are version numbers; by default the latest version against the one before."""
    user = current_user.principal
    chosen = model_library.model(new_uow(write=False), user, key, _kind())
    after = _version_arg("to", chosen.latest.version)
    before = _version_arg("from", max(after - 1, 1))
    result = model_library.compare(new_uow(write=False), user, key, before, after, chosen.kind)
    marks = {"before": _ids(result.changes, "removed", "changed"), "after": _ids(result.changes, "added", "changed")}
    return render_template("models/diff.html", model=chosen, result=result, marks=marks, **WORDS)


def _kind() -> Optional[str]:
    return request.args.get("kind") or None


def _version_arg(name: str, default: int) -> int:
    value = request.args.get(name, "").strip()
    if not value:
        return default
    if not value.isdigit():
        raise InvalidInput(_("'%(name)s' must be a version number, not '%(value)s'.", name=name, value=value[:40]))
    return int(value)


def _ids(changes: list, *kinds: str) -> dict[str, list[str]]:
    return {kind: [c.element_id for c in changes if c.change == kind] for kind in kinds}
