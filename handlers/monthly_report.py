"""Service-task handlers of Flow 6, the monthly service report (服务月报, ``processes/monthly_report.bpmn``).

On the 1st of each month a timer starts the flow; ``compile_monthly_report`` computes the previous
calendar month's figures (``app.services.figures``) and keeps them in the ``monthly_report`` row of
the month, the service department reviews and comments, and ``publish_monthly_report`` publishes
it to the project manager and the service department. Asked to recompute, the reviewer sends it
back through ``compile_monthly_report``, which renews the figures of the same row.
"""
from __future__ import annotations

from typing import Any


from app.domain import MonthlyReport
from app.periods import month_bounds, parse_month, previous_month
from app.services import figures, satisfaction
from app.texts import N_
from handlers import HandlerContext, handler


def _comment(ctx: HandlerContext) -> str | None:
    return str(ctx.variables.get("review_comment") or "").strip() or None


def _month(ctx: HandlerContext) -> str:
    """The month this instance reports on: given at the start (a month compiled by hand), else the previous
    calendar month of today in the calendar's time zone (the timer fires on the 1st)."""
    given = ctx.variables.get("report_month")
    if given:
        return parse_month(str(given))
    return previous_month(ctx.now.astimezone(ctx.calendar.hours.zone).date())


@handler("compile_monthly_report")
def compile_monthly_report(ctx: HandlerContext) -> dict[str, Any]:
    """Compute the month's figures and keep them as the draft report; again on the reviewer's request.

    The figures are read in a transaction of their own (``ctx.read_only_unit()``, which ``figures.compute``
    enters): the report counts what was committed when it was compiled. A second report for a month
    already reported is refused (an incident), never a silent overwrite of a published one.
    """
    month = _month(ctx)
    first, last = month_bounds(month)
    recompiling = bool(ctx.variables.get("report_compiled"))
    if not recompiling:
        _refuse_a_second_report(ctx, month)
    computed = {**figures.compute(ctx.read_only_unit(), first, last),
                # what requesters answered in the questionnaires of the month, and the improvement actions (Flow 5)
                "satisfaction_survey": satisfaction.period_results(ctx.read_only_unit(), first, last)}
    if recompiling:
        ctx.update(MonthlyReport, {"instance_id": ctx.instance_id}, figures=computed, state="draft",
                   compiled_at=ctx.now, reviewer=ctx.actor, comment=_comment(ctx))
    else:
        ctx.record(MonthlyReport(month=month, instance_id=ctx.instance_id, period_from=first, period_to=last,
                                 figures=computed, state="draft", created_at=ctx.now, compiled_at=ctx.now))
    ctx.notify("service_dept", N_("Monthly service report %(month)s to review"),
               N_("The figures of %(month)s are compiled: %(tickets)s tickets, %(closed)s closed. "
                  "Review the report and publish it, or ask to recompute."),
               month=month, tickets=computed["tickets"], closed=computed["closed"])
    return {"report_month": month, "report_compiled": True, "report_state": "draft",
            "report_page": f"/reports/monthly/{month}"}


def _refuse_a_second_report(ctx: HandlerContext, month: str) -> None:
    """One report per month: a second instance for a reported month stops here as an incident, saying which."""
    existing = next((report.instance_id for report in ctx.rows(MonthlyReport, month=month)), None)
    if existing is not None:
        raise ValueError(f"{month} already has a monthly report (instance {existing}); "
                         "ask for a recompute in its review instead")


@handler("publish_monthly_report")
def publish_monthly_report(ctx: HandlerContext) -> dict[str, Any]:
    """The reviewed report is published with the reviewer's comment; the project manager and the service
    department are told (it feeds the service review, Flow 4)."""
    month = ctx.variables.get("report_month")
    comment = _comment(ctx)
    ctx.update(MonthlyReport, {"instance_id": ctx.instance_id}, state="published", reviewer=ctx.actor,
               comment=comment, published_at=ctx.now)
    for group in ("project_manager", "service_dept"):
        ctx.notify(group, N_("Monthly service report %(month)s published"),
                   N_("Reviewer's comment: %(comment)s\nRead it at /reports/monthly/%(month)s"),
                   month=month, comment=comment or "")
    return {"report_state": "published"}
