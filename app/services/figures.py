"""The service figures of a period (DOMAIN.md "Figure definitions"), counted in SQL from the domain tables.

Every figure is over the tickets *requested* in the period (dates in the calendar's time zone,
``ticket.requested_on``), overall and broken down per priority, tier-1 group, engineer and month.
All the ticket figures are sums, so one grouped query per period returns the sums per
(priority, group, engineer, month) and the breakdowns and the total are added up from those few
groups, not from ticket rows: a year of 100 k tickets is one scan. Rates and means are divided at
the end; an empty denominator gives ``None`` (JSON null), never 0.

A ticket counts for a breakdown only where it has the key: a ticket answered at first contact
has no tier-1 group, one nobody has requested completion for yet has no engineer.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any, Iterable, Optional

from sqlalchemy import and_, case, func, literal, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ColumnElement
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import Float

from app import clock, workcal
from app.db import UnitOfWork
from app.domain import Complaint, ComplaintEvent, Ticket, TicketCallback
from app.errors import Forbidden, InvalidInput
from app.services.users import ADMIN_GROUP, Principal

RATINGS = ("attitude", "speed", "effect")
#: who reads the figures: the project manager runs the service reviews, the service department owns them
READERS = frozenset({"project_manager", "service_dept", ADMIN_GROUP})
BREAKDOWNS = ("priority", "group", "engineer", "month")
# the sums one group of tickets contributes; every ticket figure is a ratio of two of them
_SUMS = ("tickets", "closed", "first_contact", "escalated", "reopened", "sla_due", "sla_met", "close_due",
         "closed_in_time", *(f"{r}_sum" for r in RATINGS), *(f"{r}_n" for r in RATINGS))


class days_between(FunctionElement):
    """``later - earlier`` in (fractional) days; SQLite and PostgreSQL spell date arithmetic differently."""

    type = Float()
    inherit_cache = True


@compiles(days_between, "sqlite")
def _days_between_sqlite(element, compiler, **kw) -> str:
    later, earlier = list(element.clauses)
    return f"(julianday({compiler.process(later, **kw)}) - julianday({compiler.process(earlier, **kw)}))"


@compiles(days_between, "postgresql")
def _days_between_postgresql(element, compiler, **kw) -> str:
    later, earlier = list(element.clauses)
    return (f"(EXTRACT(EPOCH FROM ({compiler.process(later, **kw)} - {compiler.process(earlier, **kw)}))"
            " / 86400.0)")


def figures_for(uow: UnitOfWork, viewer: Principal, start: date, end: date) -> dict[str, Any]:
    """The figures for a person: project managers, the service department and administrators only."""
    if not viewer.groups & READERS:
        raise Forbidden(f"user {viewer.id} may not read the service figures")
    if start > end:
        raise InvalidInput(f"the period starts ({start.isoformat()}) after it ends ({end.isoformat()})")
    return compute(uow, start, end)


def compute(uow: UnitOfWork, start: date, end: date) -> dict[str, Any]:
    """The figures of the tickets requested from ``start`` to ``end`` (both included) and the complaints received then."""
    with uow:
        groups = _ticket_sums(uow, start, end)
        complaints = _complaint_figures(uow, start, end)
    total = _ticket_figures(_add(sums for _, sums in groups))
    breakdown: dict[str, dict[str, Any]] = {}
    for position, name in enumerate(BREAKDOWNS):
        keys = sorted({key[position] for key, _ in groups if key[position] is not None})
        breakdown[name] = {key: _ticket_figures(_add(sums for group, sums in groups if group[position] == key))
                           for key in keys}
    for month, figures in complaints["month"].items():
        breakdown["month"].setdefault(month, _ticket_figures(_add([])))["complaints"] = figures
    for figures in breakdown["month"].values():
        figures.setdefault("complaints", _no_complaints())
    return {"from": start.isoformat(), "to": end.isoformat(), **total, "complaints": complaints["total"],
            "breakdown": breakdown}


def _flag(condition: ColumnElement) -> ColumnElement:
    return func.sum(case((condition, 1), else_=0))


def _ticket_sums(uow: UnitOfWork, start: date, end: date) -> list[tuple[tuple, dict[str, int]]]:
    """The sums of ``_SUMS`` per (priority, tier-1 group, engineer, month), in one grouped query.

    A closed ticket's ratings are those of its last callback (the one that closed it; earlier
    callbacks sent it back), found by its sequence number through the (instance, seq) index.
    """
    closed = Ticket.closed_at.is_not(None)
    last_seq = (select(func.max(TicketCallback.seq)).where(TicketCallback.instance_id == Ticket.instance_id)
                .correlate(Ticket).scalar_subquery())
    last = TicketCallback
    keys = (Ticket.priority, Ticket.tier1_group, Ticket.engineer, Ticket.requested_month)
    columns = [
        func.count().label("tickets"),
        _flag(closed).label("closed"),
        _flag(and_(closed, Ticket.first_contact)).label("first_contact"),
        _flag(and_(closed, Ticket.escalation_level >= 1)).label("escalated"),
        _flag(and_(closed, Ticket.reopen_count > 0)).label("reopened"),
        _flag(Ticket.response_due_at.is_not(None)).label("sla_due"),
        _flag(Ticket.first_response_at <= Ticket.response_due_at).label("sla_met"),
        _flag(and_(closed, Ticket.close_due_at.is_not(None))).label("close_due"),
        _flag(and_(closed, Ticket.closed_at <= Ticket.close_due_at)).label("closed_in_time"),
        *(func.coalesce(func.sum(getattr(last, r)), 0).label(f"{r}_sum") for r in RATINGS),
        *(func.count(getattr(last, r)).label(f"{r}_n") for r in RATINGS),
    ]
    query = (select(*keys, *columns)
             .outerjoin(last, and_(closed, last.instance_id == Ticket.instance_id, last.seq == last_seq))
             .where(Ticket.requested_on >= start, Ticket.requested_on <= end)
             .group_by(*keys))
    return [(tuple(row[:len(keys)]), dict(zip(_SUMS, row[len(keys):]))) for row in uow.session.execute(query)]


def _add(groups: Iterable[dict[str, int]]) -> dict[str, int]:
    total = dict.fromkeys(_SUMS, 0)
    for sums in groups:
        for name in _SUMS:
            total[name] += sums[name] or 0
    return total


def _ratio(numerator: float, denominator: int, places: int) -> Optional[float]:
    return round(numerator / denominator, places) if denominator else None


def _ticket_figures(sums: dict[str, int]) -> dict[str, Any]:
    closed = sums["closed"]
    return {
        "tickets": sums["tickets"],
        "closed": closed,
        "first_contact_resolution_rate": _ratio(sums["first_contact"], closed, 4),
        "escalation_rate": _ratio(sums["escalated"], closed, 4),
        "reopen_rate": _ratio(sums["reopened"], closed, 4),
        "satisfaction": {r: _ratio(sums[f"{r}_sum"], sums[f"{r}_n"], 2) for r in RATINGS},
        "response_sla_compliance": _ratio(sums["sla_met"], sums["sla_due"], 4),
        "closed_within_2_working_days_rate": _ratio(sums["closed_in_time"], sums["close_due"], 4),
    }


def _local_midnight(day: date) -> datetime:
    """The start of ``day`` in the calendar's time zone, as the UTC moment the columns store."""
    return datetime.combine(day, time.min, workcal.current().hours.zone)


def _month_starts(start: date, end: date) -> list[date]:
    """The first day of every month after the one ``start`` is in, up to ``end``."""
    starts, day = [], date(start.year, start.month, 1)
    while True:
        day = (day + timedelta(days=32)).replace(day=1)
        if day > end:
            return starts
        starts.append(day)


def _complaint_figures(uow: UnitOfWork, start: date, end: date) -> dict[str, Any]:
    """Complaints received in the period (any source): count, overdue, mean days to close; in total and per month.

    Overdue: closed after the agreed deadline, or still open past it now. The month of a
    complaint is its local month, told apart by comparing with each month's first local
    midnight (a portable CASE instead of a time zone conversion in SQL).
    """
    closed_at = (select(func.min(ComplaintEvent.at))
                 .where(ComplaintEvent.instance_id == Complaint.instance_id, ComplaintEvent.kind == "closed")
                 .correlate(Complaint).scalar_subquery())
    boundaries = _month_starts(start, end)
    month = literal(_month(boundaries[-1] if boundaries else start))
    if boundaries:
        month = case(*((Complaint.received_at < _local_midnight(day), _month(previous))
                       for previous, day in zip([start, *boundaries], boundaries)), else_=month)
    inner = select(month.label("month"), Complaint.due_at.label("due_at"), closed_at.label("closed_at"),
                   Complaint.received_at.label("received_at")).where(
        Complaint.received_at >= _local_midnight(start),
        Complaint.received_at < _local_midnight(end + timedelta(days=1))).subquery()
    overdue = case((inner.c.closed_at > inner.c.due_at, 1),
                   (and_(inner.c.closed_at.is_(None), inner.c.due_at < clock.now()), 1), else_=0)
    closed_days = case((inner.c.closed_at.is_not(None), days_between(inner.c.closed_at, inner.c.received_at)))
    rows = uow.session.execute(select(inner.c.month, func.count(), func.sum(overdue), func.sum(closed_days),
                                      func.count(closed_days)).group_by(inner.c.month)).all()
    per_month = {row[0]: _complaint_sums(row[1:]) for row in rows}
    total = _complaint_sums([sum(row[i] or 0 for row in rows) for i in range(1, 5)])
    return {"total": total, "month": per_month}


def _month(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def _complaint_sums(sums) -> dict[str, Any]:
    count, overdue, days, closed = sums
    return {"count": count or 0, "overdue": overdue or 0, "mean_days_to_close": _ratio(days or 0, closed, 2)}


def _no_complaints() -> dict[str, Any]:
    return _complaint_sums((0, 0, 0, 0))
