"""The reports: service figures over any period, and the monthly service reports of Flow 6 (服务月报).

Figures over a period are computed on request (``app.services.figures``); a monthly report is the
snapshot Flow 6 kept (``monthly_report``). Who may read what is decided here, so the pages, the
printable page and the XLSX download cannot disagree: the project manager, the service department
and administrators see every figure and every report; other staff read published monthly reports;
requesters none.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Optional

from sqlalchemy import select

from app import clock, workcal
from app.db import UnitOfWork
from app.domain import MonthlyReport
from app.errors import Forbidden, NotFound
from app.periods import PeriodError, parse_month
from app.services import figures
from app.services.ticket_view import display_names
from app.services.users import Principal

@dataclass(frozen=True)
class PeriodFigures:
    """Figures of a period with the names pages show for the engineers of the breakdown."""

    start: date
    end: date
    figures: dict[str, Any]
    engineer_names: dict[str, str]


@dataclass(frozen=True)
class Report:
    """A monthly report as its pages show it: the row, the engineers' names, the reviewer's name."""

    row: MonthlyReport
    engineer_names: dict[str, str]
    reviewer_name: Optional[str]


def may_read_figures(user: Principal) -> bool:
    """The groups that run the service reviews and own the indicators (DOMAIN.md) read every figure."""
    return bool(user.groups & figures.READERS)


def today() -> date:
    """Today in the calendar's time zone: the date periods and months are counted in."""
    return clock.now().astimezone(workcal.current().hours.zone).date()


def period_figures(uow: UnitOfWork, user: Principal, start: date, end: date) -> PeriodFigures:
    """The figures of the tickets requested from ``start`` to ``end`` (both included)."""
    computed = figures.figures_for(uow, user, start, end)  # in a transaction of its own
    with uow:
        names = display_names(uow, set(computed["breakdown"]["engineer"]))
    return PeriodFigures(start, end, computed, names)


def monthly_reports(uow: UnitOfWork, user: Principal) -> list[MonthlyReport]:
    """Newest month first; drafts only for the readers of every figure."""
    _require_staff(user)
    query = select(MonthlyReport).order_by(MonthlyReport.month.desc())
    if not may_read_figures(user):
        query = query.where(MonthlyReport.state == "published")
    with uow:
        return list(uow.session.scalars(query))


def monthly_report(uow: UnitOfWork, user: Principal, month: str) -> Report:
    """One month's report; a month that is no month, or has no report, is not found."""
    _require_staff(user)
    try:
        month = parse_month(month)
    except PeriodError as exc:
        raise NotFound(f"no monthly report for {month!r}") from exc
    with uow:
        row = uow.session.scalars(select(MonthlyReport).where(MonthlyReport.month == month)).first()
        if row is None:
            raise NotFound(f"no monthly report for {month}")
        if row.state != "published" and not may_read_figures(user):
            raise Forbidden(f"the report for {month} is a draft under review")
        names = display_names(uow, {*row.figures.get("breakdown", {}).get("engineer", {}), row.reviewer})
    return Report(row, names, names.get(row.reviewer) if row.reviewer else None)


def _require_staff(user: Principal) -> None:
    if not user.is_staff:
        raise Forbidden(f"user {user.id} may not read the monthly reports")
