"""Satisfaction questionnaires in the portal (``/portal/surveys/<id>``) and campaign results (``/surveys/satisfaction``).

The requester answers their own questionnaire once: five scores and a comment, posted as a plain form
with CSRF, so it works on any phone without script. A refusal keeps what was chosen and says why
beside each question; someone else's questionnaire is 403, an answered or closed one 409. The
service department reads each campaign's responses, means against targets and improvement actions.
"""
from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from app.domain.satisfaction import DIMENSIONS, SCORE_RANGE
from app.errors import Conflict, FieldErrors
from app.services import campaign_opening, satisfaction
from app.services.users import STANDARD_GROUPS
from app.store import new_uow
from app.web.forms import builtin_messages, field_messages, form_schema
from app.web.start_forms import start_from_post
from app.web.tasks import page_url

bp = Blueprint("surveys", __name__)

#: The questionnaire's questions, in the order asked; the labels are the terms of the practice.
QUESTIONS = {
    "technical": (_l("Technical ability"), _l("Did the engineer know how to fix the problem?")),
    "response": (_l("Timely response"), _l("Were you contacted quickly after reporting?")),
    "resolution": (_l("Timely resolution"), _l("Was the problem solved in a reasonable time?")),
    "attitude": (_l("Service attitude"), _l("Were you treated politely and patiently?")),
    "communication": (_l("Communication"), _l("Were you kept informed and understood?")),
}
SCORE_WORDS = {1: _l("Very poor"), 2: _l("Poor"), 3: _l("Fair"), 4: _l("Good"), 5: _l("Excellent")}
ACTION_STATES = {"open": _l("Open"), "done": _l("Done")}
CAMPAIGN_STATES = {"open": _l("Collecting answers"), "analysed": _l("Improving"), "closed": _l("Closed")}


@bp.app_context_processor
def _words() -> dict[str, Any]:
    return {"survey_questions": QUESTIONS, "survey_dimensions": DIMENSIONS, "survey_groups": STANDARD_GROUPS,
            "survey_last_day": satisfaction.last_day}


@bp.route("/portal/surveys/<response_id>")
@login_required
def questionnaire(response_id: str) -> Any:
    found = satisfaction.questionnaire(new_uow(write=False), current_user.principal, response_id)
    return _page(found, {}, {})


@bp.route("/portal/surveys/<response_id>", methods=["POST"])
@login_required
def answer(response_id: str) -> Any:
    """Record the answer and go back to the portal with thanks; a refusal shows the form again (400/409)."""
    values = {name: request.form.get(name, "") for name in (*DIMENSIONS, "comment", "complaint")}
    try:
        satisfaction.answer(new_uow(), current_user.principal, response_id, values)
    except FieldErrors as exc:
        found = satisfaction.questionnaire(new_uow(write=False), current_user.principal, response_id)
        return _page(found, values, field_messages(exc)), 400
    except Conflict:
        found = satisfaction.questionnaire(new_uow(write=False), current_user.principal, response_id)
        return _page(found, values, {}), 409
    flash(_("Thank you for your answers. They help us serve you better."), "success")
    return redirect(page_url("portal.index", "/portal"))


def _page(found: satisfaction.Questionnaire, values: dict[str, str], errors: dict[str, str]) -> str:
    return render_template("surveys/questionnaire.html", survey=found, values=values, errors=errors,
                           scores=[(score, SCORE_WORDS[score]) for score in SCORE_RANGE])


@bp.route("/surveys/satisfaction")
@login_required
def campaigns() -> Any:
    found = satisfaction.campaigns(new_uow(write=False), current_user.principal)
    return render_template("surveys/campaigns.html", campaigns=found, states=CAMPAIGN_STATES)


@bp.route("/surveys/satisfaction/new")
@login_required
def new() -> Any:
    """The campaign's start form in form-js, for the service department."""
    form = campaign_opening.campaign_form(new_uow(write=False), current_user.principal)
    return render_template("surveys/new.html", schema=form_schema(form.source, form.spec), data=form.prefill,
                           messages=builtin_messages())


@bp.route("/surveys/satisfaction/new", methods=["POST"])
@login_required
def create() -> Any:
    """JSON in (``{"values": {...}}``); on success JSON naming the new campaign's page."""
    return start_from_post(
        lambda values: campaign_opening.open_campaign(new_uow(), current_user.principal, values),
        lambda started: _("The survey is open; its questionnaires have been sent."),
        lambda started: url_for("surveys.campaign", instance_id=started.id))


@bp.route("/surveys/satisfaction/<instance_id>")
@login_required
def campaign(instance_id: str) -> Any:
    results = satisfaction.campaign_results(new_uow(write=False), current_user.principal, instance_id)
    return render_template("surveys/campaign.html", results=results, states=CAMPAIGN_STATES,
                           action_states=ACTION_STATES)
