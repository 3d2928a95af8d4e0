"""The reports pages: figures over a chosen period with charts (``/reports``), and the monthly service
reports of Flow 6 — the list, one report, its printable page and its XLSX download.

Who may read what is ``app.services.reports``'s decision; these views parse the request, call it and
present the figures through ``app.web.report_text``.
"""
from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, Response, render_template, request
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.periods import PeriodError, parse_range, presets
from app.services import reports
from app.store import new_uow
from app.web import report_text
from app.web.report_xlsx import workbook_bytes

bp = Blueprint("reports", __name__)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@bp.app_context_processor
def _report_words() -> dict[str, Any]:
    return {"report_text": report_text}


@bp.get("/reports")
@login_required
def index() -> Any:
    """Figures of the period in ``from``/``to`` (default: this month); a bad period is a 400 saying why."""
    today = reports.today()
    offered = presets(today)
    default_start, default_end = offered["this_month"]
    try:
        start, end = parse_range(request.args.get("from") or default_start.isoformat(),
                                 request.args.get("to") or default_end.isoformat())
    except PeriodError:
        return render_template("error.html", title=_("Not a period"), message=_(
            "The period could not be read: write both dates as YYYY-MM-DD, the first not after the last, "
            "at most three years apart.")), 400
    found = reports.period_figures(new_uow(write=False), current_user.principal, start, end)
    return render_template("reports/index.html", found=found, presets=_preset_links(offered, start, end),
                           chart=report_text.chart_data(found.figures))


def _preset_links(offered: dict[str, tuple[date, date]], start: date, end: date) -> list[tuple[str, str, str, bool]]:
    labels = {"this_month": _("This month"), "last_month": _("Last month"), "this_year": _("This year")}
    return [(labels[name], first.isoformat(), last.isoformat(), (first, last) == (start, end))
            for name, (first, last) in offered.items()]


@bp.get("/reports/monthly")
@login_required
def monthly_list() -> Any:
    rows = reports.monthly_reports(new_uow(write=False), current_user.principal)
    return render_template("reports/monthly_list.html", rows=rows)


@bp.get("/reports/monthly/<month>")
@login_required
def monthly_show(month: str) -> Any:
    report = reports.monthly_report(new_uow(write=False), current_user.principal, month)
    return render_template("reports/monthly_show.html", report=report)


@bp.get("/reports/monthly/<month>/print")
@login_required
def monthly_print(month: str) -> Any:
    """A page for paper (A4, no navigation, a page per section); the browser prints it or saves a PDF."""
    report = reports.monthly_report(new_uow(write=False), current_user.principal, month)
    return render_template("reports/monthly_print.html", report=report)


@bp.get("/reports/monthly/<month>.xlsx")
@login_required
def monthly_xlsx(month: str) -> Any:
    report = reports.monthly_report(new_uow(write=False), current_user.principal, month)
    filename = f"monthly-report-{report.row.month}.xlsx"
    return Response(workbook_bytes(report), mimetype=XLSX,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
