"""Report a problem (``/portal/report``): Flow 1's start form in form-js, sent with fetch like a task form.

The channel is the portal's own (set by ``app.services.problem_reports``, not shown); the ticket gets
the next ticket number, and the reporter lands on the new ticket with that number in a message.
"""
from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.services import problem_reports
from app.store import new_uow
from app.web.forms import builtin_messages, form_schema, without_fields
from app.web.start_forms import start_from_post
from app.web.tasks import page_url

bp = Blueprint("report", __name__)


@bp.route("/portal/report")
@login_required
def new() -> Any:
    form = problem_reports.report_form(new_uow(write=False), current_user.principal)
    schema = form_schema(form.source, form.spec)
    if schema is not None:
        schema = without_fields(schema, set(problem_reports.SET_BY_PORTAL))
    return render_template("report/new.html", schema=schema, data=form.prefill, messages=builtin_messages(),
                           portal_url=page_url("portal.index", "/portal"))


@bp.route("/portal/report", methods=["POST"])
@login_required
def create() -> Any:
    """JSON in (``{"values": {...}}``); on success JSON naming the new ticket's page, a message waiting there."""
    return start_from_post(
        lambda values: problem_reports.report_problem(new_uow(), current_user.principal, values),
        lambda ticket: _("Thank you. Your ticket number is %(number)s; we will contact you.",
                         number=ticket.business_key))
