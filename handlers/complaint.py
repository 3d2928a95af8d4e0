"""Service-task handlers of Flow 2, complaint handling (客户投诉处理, 003 4.1).

``processes/complaint_handling.bpmn`` calls these by topic. A complaint comes from
the feedback form (portal or staff) or as the message ``complaint_received`` (a
callback in Flow 1, a survey); either way the same variables describe it. The
limit agreed with the customer is in working days (decision ``complaint_limit``),
so the deadline is counted on the working-day calendar.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any, Optional

from app.domain import Complaint, ComplaintEvent
from app.texts import N_
from app.workcal import add_working_days
from handlers import HandlerContext, handler

#: Where a complaint may come from (DOMAIN.md, Flow 2): the feedback form's choices and the senders.
SOURCES = ("portal", "direct", "callback", "weekly_survey", "satisfaction_survey")


def _text(variables: dict[str, Any], key: str) -> str:
    value = variables.get(key)
    return str(value).strip() if value is not None else ""


def _number(ctx: HandlerContext) -> str:
    return ctx.business_key or ctx.instance_id


def _due(variables: dict[str, Any]) -> Optional[datetime]:
    due = variables.get("complaint_due_at")
    return datetime.fromisoformat(due) if due else None


@handler("register_complaint")
def register_complaint(ctx: HandlerContext) -> dict[str, Any]:
    """Record the complaint and fix its deadline: the agreed working days from now, on the calendar.

    A source outside the known ones is refused (an incident) rather than counted under a wrong heading
    in the reports; so is a limit the decision table did not give as a whole number of days.
    """
    variables = ctx.variables
    source = _text(variables, "complaint_source")
    if source not in SOURCES:
        raise ValueError(f"complaint_source {source!r} is not one of {', '.join(SOURCES)}")
    days = variables.get("agreed_working_days")
    if not isinstance(days, int) or isinstance(days, bool) or days < 1:
        raise ValueError(f"agreed_working_days {days!r} from decision complaint_limit is not a positive whole number")
    due = add_working_days(ctx.calendar, ctx.now, days)
    ctx.record(Complaint(
        instance_id=ctx.instance_id, number=ctx.business_key, source=source,
        ticket_instance_id=_text(variables, "ticket_instance_id") or None,
        ticket_business_key=_text(variables, "ticket_business_key") or None,
        complainant=_text(variables, "complainant") or None, department=_text(variables, "department") or None,
        content=_text(variables, "complaint"), severity=_text(variables, "severity") or "general",
        agreed_working_days=days, received_at=ctx.now, due_at=due))
    ctx.notify("service_desk", N_("Complaint %(complaint)s received"),
               N_("From: %(complainant)s\nTicket: %(ticket)s\nComplaint: %(content)s\nTo be settled by: %(due)s"),
               complaint=_number(ctx), complainant=_text(variables, "complainant"),
               ticket=_text(variables, "ticket_business_key"), content=_text(variables, "complaint"),
               due=due.isoformat())
    return {"complaint_due_at": due.isoformat(), "complaint_status": "open"}


@handler("escalate_overdue_complaint")
def escalate_overdue_complaint(ctx: HandlerContext) -> dict[str, Any]:
    """Not settled within the agreed limit: the project manager takes it up (003 4.1); handling goes on."""
    variables = ctx.variables
    ctx.notify("project_manager", N_("Complaint %(complaint)s not settled in time"),
               N_("Complaint: %(content)s\nAgreed limit: %(days)s working days, due %(due)s\nResponsible group: %(group)s"),
               complaint=_number(ctx), content=_text(variables, "complaint"),
               days=variables.get("agreed_working_days"), due=variables.get("complaint_due_at"),
               group=_text(variables, "responsible_group"))
    ctx.record(ComplaintEvent(instance_id=ctx.instance_id, kind="escalated", at=ctx.now))
    return {"complaint_escalated": True}


@handler("close_complaint")
def close_complaint(ctx: HandlerContext) -> dict[str, Any]:
    """The customer is satisfied: record the close and whether it came within the agreed limit."""
    due = _due(ctx.variables)
    within = due is None or ctx.now <= due
    ctx.record(ComplaintEvent(instance_id=ctx.instance_id, kind="closed", at=ctx.now, within_limit=within,
                              note=_text(ctx.variables, "reply") or None))
    return {"complaint_status": "closed", "closed_within_limit": within}
