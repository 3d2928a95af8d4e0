"""Service reviews (``/reviews``): ask for an additional or ad-hoc review, and read reviews with their minutes.

The request page draws Flow 4's start form with only the kinds of review the reader may ask for; the
service checks that again. The list and each review's page are read-only: the work itself happens in
the inbox, task by task.
"""
from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from app.domain.reviews import REVIEW_INPUTS
from app.models import ProcessInstance
from app.services import service_reviews
from app.store import new_uow
from app.web.forms import builtin_messages, form_schema
from app.web.start_forms import start_from_post

bp = Blueprint("reviews", __name__)

#: What the pages call the kinds, states, contract phases and inputs that the tables keep as codes.
KINDS = {"semiannual": _l("Semiannual"), "additional": _l("Additional (contract change)"),
         "ad_hoc": _l("Ad hoc (customer request)")}
STATES = {"opened": _l("Being prepared"), "prepared": _l("Ready to meet"), "minuted": _l("Minutes sent"),
          "reported": _l("Report filed")}
PHASES = {"before": _l("before the change"), "after": _l("after the change")}
_INPUT_NAMES = {"service_contract": _l("Service contract"), "project_plan": _l("Project plan"),
                "schedule": _l("Schedule"), "summary_report": _l("Summary report"),
                "monthly_reports": _l("Monthly service reports"),
                "business_needs": _l("Current and forecast business needs"), "scope_changes": _l("Scope changes")}
#: The checklist's inputs in the order the form asks for them.
INPUTS = {item: _INPUT_NAMES[item] for item in REVIEW_INPUTS}
WORDS = {"kinds": KINDS, "states": STATES, "phases": PHASES, "inputs": INPUTS}


@bp.route("/reviews")
@login_required
def index() -> Any:
    user = current_user.principal
    rows = service_reviews.list_reviews(new_uow(write=False), user)
    may_request = service_reviews.may_request(new_uow(write=False), user)
    return render_template("reviews/index.html", reviews=rows, may_request=may_request, **WORDS)


@bp.route("/reviews/new")
@login_required
def new() -> Any:
    user = current_user.principal
    form = service_reviews.request_form(new_uow(write=False), user)
    schema = _only_kinds(form_schema(form.source, form.spec), service_reviews.kinds_for(user))
    return render_template("reviews/new.html", schema=schema, data=form.prefill, messages=builtin_messages())


@bp.route("/reviews/new", methods=["POST"])
@login_required
def create() -> Any:
    """JSON in (``{"values": {...}}``); on success JSON naming the new review's page, a message waiting there."""
    return start_from_post(
        lambda values: service_reviews.request_review(new_uow(), current_user.principal, values),
        lambda started: _("The service review was requested. The project manager prepares it from the inbox."),
        _landing)


@bp.route("/reviews/<instance_id>")
@login_required
def show(instance_id: str) -> Any:
    record = service_reviews.review(new_uow(write=False), current_user.principal, instance_id)
    return render_template("reviews/show.html", review=record.review, minutes=record.minutes, **WORDS)


def _landing(started: ProcessInstance) -> str:
    """The new review's page for those who may read reviews; the inbox for the others."""
    if service_reviews.may_read(current_user.principal):
        return url_for("reviews.show", instance_id=started.id)
    return url_for("inbox.index")


def _only_kinds(schema: dict | None, kinds: list[str]) -> dict | None:
    """The form with only the kinds of review the reader may ask for in its ``review_kind`` choice."""
    if schema is None:
        return None
    components = [dict(component, values=[option for option in component.get("values", [])
                                           if option.get("value") in kinds])
                  if component.get("key") == "review_kind" else component
                  for component in schema.get("components") or []]
    return dict(schema, components=components)
