"""File a complaint (``/portal/complaint``): Flow 2's start form in form-js, sent with fetch like a report.

Customers file for themselves (the source is the portal's, not shown); staff record complaints taken by
phone or in person and say where each came from. ``?ticket=SD-…`` fills in the ticket it is about, as the
ticket page's link does. The filer lands on the new complaint with its number in a message.
"""
from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.services import complaint_filing
from app.store import new_uow
from app.web.forms import builtin_messages, form_schema, without_fields
from app.web.start_forms import start_from_post
from app.web.tasks import page_url

bp = Blueprint("complaint", __name__)


@bp.route("/portal/complaint")
@login_required
def new() -> Any:
    user = current_user.principal
    ticket = (request.args.get("ticket") or "").strip()[:200]
    form = complaint_filing.complaint_form(new_uow(write=False), user, ticket)
    schema = form_schema(form.source, form.spec)
    if schema is not None and not user.is_staff:
        schema = without_fields(schema, set(complaint_filing.SET_FOR_CUSTOMERS))
    return render_template("complaint/new.html", schema=schema, data=form.prefill, messages=builtin_messages(),
                           back_url=page_url("portal.index", "/portal"))


@bp.route("/portal/complaint", methods=["POST"])
@login_required
def create() -> Any:
    """JSON in (``{"values": {...}}``); on success JSON naming the new complaint's page, a message waiting there."""
    return start_from_post(
        lambda values: complaint_filing.file_complaint(new_uow(), current_user.principal, values),
        lambda filed: _("Your complaint is recorded as %(number)s. We will reply to you.",
                        number=filed.business_key))
