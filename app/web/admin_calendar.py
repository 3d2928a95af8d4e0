"""The working-day calendar's administration (``/admin/calendar``): see a year, enter its days, mark it complete.

Only administrators: every view calls a service that checks the ``admin`` group,
so anyone else gets the 403 page. A refused save comes back with the text as it
was typed and each bad line named beside the field (status 200, as the other
administration forms). The banner warns while a year that is here or near has no data.
"""
from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import BooleanField, TextAreaField

from app.workcal import HOLIDAY
from app.services import calendar_admin, work_calendar
from app.services.calendar_admin import ScheduleErrors, YearView
from app.store import new_uow

bp = Blueprint("admin_calendar", __name__, url_prefix="/admin/calendar")

#: The package names its holidays in English; readers of either language see their own word.
HOLIDAY_NAMES = {
    "New Year's Day": _l("New Year's Day"), "Spring Festival": _l("Spring Festival"),
    "Tomb-sweeping Day": _l("Tomb-sweeping Day"), "Labour Day": _l("Labour Day"),
    "Dragon Boat Festival": _l("Dragon Boat Festival"), "National Day": _l("National Day"),
    "Mid-autumn Festival": _l("Mid-autumn Festival"), "Anti-Fascist 70th Day": _l("Anti-Fascist 70th Day"),
}
LINE_PROBLEMS = {
    "date": _l("not a date: write YYYY-MM-DD first"),
    "year": _l("the date is not in this year"),
    "kind": _l("after the date write holiday or workday"),
    "name": _l("the name is longer than 100 characters"),
    "twice": _l("this date is already listed above"),
    "too_many": _l("more than 400 lines"),
}


class CalendarYearForm(FlaskForm):
    days = TextAreaField()
    complete = BooleanField()


@bp.before_request
@login_required
def _signed_in() -> None:
    """Anonymous visitors go to the sign-in page; who may do what is the services' decision."""


@bp.get("")
def index() -> Any:
    year = request.args.get("year", type=int) or _default_year()
    view = calendar_admin.year_view(new_uow(write=False), current_user.principal, year)
    form = CalendarYearForm(data={"days": view.entered_text, "complete": view.complete})
    return _page(view, form)


@bp.post("/<int:year>")
def save(year: int) -> Any:
    view = calendar_admin.year_view(new_uow(write=False), current_user.principal, year)
    form = CalendarYearForm()
    if form.validate_on_submit():
        try:
            calendar_admin.save_year(new_uow(), current_user.principal, year, form.days.data or "",
                                     form.complete.data)
        except ScheduleErrors as exc:
            form.days.errors = [_("Line %(number)s: %(problem)s", number=number, problem=LINE_PROBLEMS[code])
                                + (f" — {text}" if text else "") for number, code, text in exc.problems]
        else:
            flash(_("The calendar of %(year)s was saved.", year=year), "success")
            return redirect(url_for("admin_calendar.index", year=year))
    return _page(view, form)


def _default_year() -> int:
    """The first year without data if there is one (that is what needs doing), else this year."""
    missing = work_calendar.missing_years()
    return missing[0] if missing else work_calendar.today().year


def _page(view: YearView, form: CalendarYearForm) -> Any:
    return render_template("admin/calendar.html", view=view, form=form, missing=work_calendar.missing_years(),
                           names=HOLIDAY_NAMES, holiday=HOLIDAY)
