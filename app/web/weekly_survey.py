"""The weekly survey report page (``/surveys/weekly/<week>``): read-only, for the meeting and the desk."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user, login_required

from app import clock, workcal
from app.services import weekly_reports
from app.store import new_uow

bp = Blueprint("weekly_survey", __name__, url_prefix="/surveys")


@bp.before_request
@login_required
def _signed_in() -> None:
    """Visitors go to the sign-in page; who may read is the service's decision."""


@bp.get("/weekly/<week>")
def weekly(week: str) -> Any:
    report = weekly_reports.weekly_report(new_uow(write=False), current_user.principal, week)
    return render_template("surveys/weekly.html", report=report)


@bp.get("/weekly")
def current_week() -> Any:
    """This week's report, the week counted in the calendar's zone as the survey names it."""
    year, week, _ = clock.now().astimezone(workcal.current().hours.zone).isocalendar()
    return redirect(url_for("weekly_survey.weekly", week=f"{year}-W{week:02d}"))
