"""The ticket view: every field, the complete history and the diagram with the path taken, in one page.

The page reads the ``ticket_view`` read model, which decides what the reader may
see; the diagram's BPMN comes from its own address under the same check, so
that bpmn-js (a file under static/js, no inline script) can load it.
"""
from __future__ import annotations

from typing import Any
from urllib.parse import quote

from flask import Blueprint, Response, render_template, url_for
from flask_login import current_user, login_required
from werkzeug.routing import BuildError

from app.services import complaint_filing, knowledge, starters, ticket_view
from app.store import new_uow
from app.web.i18n import translated
from app.web.model_text import translate_model_xml
from app.web.inbox_view import clock_badge
from app.web import case_words
from app.web.ticket_words import FILTERS

bp = Blueprint("tickets", __name__)
for _name, _filter in {**FILTERS, **case_words.FILTERS, "sla_badge": clock_badge}.items():
    bp.add_app_template_filter(_filter, _name)
for _name, _global in case_words.GLOBALS.items():
    bp.add_app_template_global(_global, _name)

#: Pages of other areas that these pages link to, by their agreed endpoint; the path is used until an
#: area's blueprint is registered, so links never break a page.
AREA_PATHS = {
    "tasks.show": "/tasks/{task_id}", "report.new": "/portal/report", "inbox.index": "/inbox",
    "portal.index": "/portal", "tickets.show": "/tickets/{instance_id}",
}


@bp.app_template_global()
def area_url(endpoint: str, **values: str) -> str:
    """``url_for`` for a page of another area, or its agreed path while that area is not registered."""
    try:
        return url_for(endpoint, **values)
    except BuildError:
        return AREA_PATHS[endpoint].format(**{k: quote(str(v), safe="") for k, v in values.items()})


@bp.route("/tickets/<instance_id>")
@login_required
def show(instance_id: str) -> Any:
    ticket = ticket_view.ticket(new_uow(write=False), instance_id, current_user.principal)
    diagram_state = {"current": list(ticket.path.current), "done": list(ticket.path.done),
                     "flows": list(ticket.path.flows), "incidents": list(ticket.incident_activities)}
    kb = knowledge.for_ticket(new_uow(write=False), current_user.principal, instance_id)
    may_complain = starters.may_start_latest(new_uow(write=False), current_user.principal,
                                             complaint_filing.PROCESS_KEY)
    return render_template("tickets/show.html", ticket=ticket, summary=ticket.summary, timeline=ticket.timeline,
                           diagram_state=diagram_state, kb=kb, may_complain=may_complain)


@bp.route("/tickets/<instance_id>/diagram.bpmn")
@login_required
def diagram(instance_id: str) -> Any:
    """The model the ticket runs on, for bpmn-js; as private as the ticket itself."""
    xml = ticket_view.diagram_xml(new_uow(write=False), instance_id, current_user.principal)
    xml = translate_model_xml(xml, "diagram.bpmn", translated)  # names in the reader's language
    return Response(xml, mimetype="application/xml", headers={"Cache-Control": "private, no-cache"})
