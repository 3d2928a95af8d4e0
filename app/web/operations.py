"""The live view (``/operations``): where each process's instances stand, one instance's path, repairs, migration.

Views parse the request and call one service each (``operations``,
``migration``); the services decide who may look and who may act. Diagrams
come from their own addresses under the same check so that bpmn-js (files
under static/js, no inline script) can load them.
"""
from __future__ import annotations

from typing import Any, Optional

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required

from app.errors import InvalidInput
from app.services import migration, operations
from app.store import new_uow
from app.web.i18n import translated
from app.web.model_text import translate_model_xml

bp = Blueprint("operations", __name__, url_prefix="/operations")

def _state_labels() -> dict[str, str]:
    return {"ACTIVE": _("Running"), "COMPLETED": _("Completed"), "EXTERNALLY_TERMINATED": _("Canceled"),
            "INTERNALLY_TERMINATED": _("Ended by the process")}


@bp.app_context_processor
def words() -> dict[str, Any]:
    return {"instance_state_label": lambda state: _state_labels().get(state, state)}


@bp.route("")
@login_required
def index() -> Any:
    lines = operations.processes(new_uow(write=False), current_user.principal)
    return render_template("operations/index.html", processes=lines)


@bp.route("/<key>")
@login_required
def process(key: str) -> Any:
    user = current_user.principal
    version = _version_arg()
    view = operations.live_view(new_uow(write=False), user, key, version)
    filters = operations.parse_filter(request.args)
    page = _page_arg()
    rows, total = operations.instances(new_uow(write=False), user, key, filters, page)
    badges = {c.activity_id: {"tokens": c.tokens, "incidents": c.incidents} for c in view.counts}
    pages = max(1, -(-total // operations.PAGE_SIZE))
    return render_template("operations/process.html", view=view, badges=badges, rows=rows, total=total,
                           page=page, pages=pages, filters=filters, version=version, states=operations.STATES,
                           may_migrate=bool(user.groups & migration.MIGRATING_GROUPS),
                           page_url=lambda number: _same_args(page=number))


@bp.route("/definitions/<definition_id>/diagram.bpmn")
@login_required
def diagram(definition_id: str) -> Any:
    xml = operations.diagram_xml(new_uow(write=False), current_user.principal, definition_id)
    xml = translate_model_xml(xml, "diagram.bpmn", translated)
    return Response(xml, mimetype="application/xml", headers={"Cache-Control": "private, no-cache"})


@bp.route("/instances/<instance_id>")
@login_required
def instance(instance_id: str) -> Any:
    user = current_user.principal
    detail = operations.instance_detail(new_uow(write=False), user, instance_id)
    state = {"current": list(detail.path.current), "done": list(detail.path.done), "flows": list(detail.path.flows),
             "incidents": sorted({i.activity_id for i in detail.incidents if i.status == "open"})}
    return render_template("operations/instance.html", detail=detail, diagram_state=state,
                           may_act=operations.may_act(user), may_edit=operations.may_edit_variables(user),
                           value_types=operations.VALUE_TYPES)


@bp.route("/instances/<instance_id>/variables", methods=["POST"])
@login_required
def set_variable(instance_id: str) -> Any:
    form = request.form
    operations.set_variable(new_uow(), current_user.principal, instance_id, form.get("name", "").strip(),
                            form.get("type", ""), form.get("value", ""))
    flash(_("Variable %(name)s saved.", name=form.get("name", "").strip()), "success")
    return redirect(url_for(".instance", instance_id=instance_id, _anchor="variables"))


@bp.route("/incidents/<incident_id>/retry", methods=["POST"])
@login_required
def retry(incident_id: str) -> Any:
    instance_id = operations.retry_incident(new_uow(), current_user.principal, incident_id)
    flash(_("The failed step ran again."), "success")
    return redirect(url_for(".instance", instance_id=instance_id, _anchor="incidents"))


@bp.route("/instances/<instance_id>/cancel", methods=["POST"])
@login_required
def cancel(instance_id: str) -> Any:
    operations.cancel(new_uow(), current_user.principal, instance_id, request.form.get("reason", ""))
    flash(_("The instance was canceled."), "success")
    return redirect(url_for(".instance", instance_id=instance_id))


@bp.route("/<key>/migrate", methods=["GET", "POST"])
@login_required
def migrate(key: str) -> Any:
    """Pick versions, see where each waiting element goes (same id unless mapped), then move instances."""
    user = current_user.principal
    migration.require_migrator(user)
    view = operations.live_view(new_uow(write=False), user, key)
    values = request.form if request.method == "POST" else request.args
    by_version = {str(v.version): v for v in view.versions}
    source, target = by_version.get(values.get("source", "")), by_version.get(values.get("target", ""))
    if source is None or target is None or source.id == target.id:
        return render_template("operations/migrate.html", view=view, source=source, target=target, plan=None,
                               result=None, mapping={})
    plan = migration.generate(new_uow(write=False), user, source.id, target.id)
    mapping = _explicit_mapping(values)
    if mapping:
        plan.instructions = [i for i in plan.instructions if i.source not in mapping] + [
            migration.Instruction(s, t) for s, t in mapping.items()]
    if request.method == "POST" and values.get("action") == "execute":
        chosen = request.form.getlist("instance") or None
        moved = migration.execute(new_uow(), user, plan, chosen)
        flash(ngettext("%(num)d instance now runs on version %(version)d.",
                       "%(num)d instances now run on version %(version)d.", moved, version=target.version), "success")
        return redirect(url_for(".process", key=key, version=target.version))
    result = migration.preview(new_uow(write=False), user, plan)
    waiting = operations.instances(new_uow(write=False), user, key,
                                   operations.InstanceFilter(state="ACTIVE", version=source.version), 1)
    return render_template("operations/migrate.html", view=view, source=source, target=target, plan=plan,
                           result=result, mapping=mapping, waiting=waiting,
                           target_elements=sorted(migration.element_types_of(new_uow(write=False), target.id)))


def _explicit_mapping(values) -> dict[str, str]:
    """``map-<source element>`` fields the owner filled; an empty one keeps the default."""
    return {name[4:]: value.strip() for name, value in values.items()
            if name.startswith("map-") and value.strip() and name[4:]}


def _version_arg() -> Optional[int]:
    raw = request.args.get("version") or ""
    if not raw:
        return None
    if not raw.isdigit():
        raise InvalidInput(_("version must be a version number"))
    return int(raw)


def _page_arg() -> int:
    raw = request.args.get("page") or "1"
    if not raw.isdigit() or int(raw) < 1:
        raise InvalidInput(_("page must be 1 or more"))
    return int(raw)


def _same_args(**changes: Any) -> str:
    args = {k: v for k, v in request.args.items() if v}
    args.update({k: str(v) for k, v in changes.items()})
    return url_for(request.endpoint, **request.view_args, **args)
