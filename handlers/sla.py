"""SLA clocks of Flow 1: deadlines, pauses, warnings and breaches (004 §4.1, 000 二.7).

Three clocks run on a ticket, each on the calendar the priority table names (``sla_calendar``):
*response* (from the request to tier 1's first answer), *resolution* (from the request to the
completion request, stopped while the vendor or the requester has the ball, and while the desk
calls back) and *close* (2 working days from the completion request to closing).

The model arms each clock's timers as boundary events on the tasks where the clock runs, with
``timeDate`` on the deadline variables set here; a paused clock simply has no task with its timers
waiting, and the next task arms them again with the moved deadline. Every change of a clock is
an ``sla_event`` row (``deadline_set``, ``paused``, ``resumed``, ``stopped``, ``breached``), written
with the step, so the reports of a later issue read complete rows instead of workflow blobs.
"""
from __future__ import annotations

from typing import Any, Optional

from app import sla
from app.domain import SlaEvent
from app.texts import N_
from handlers import HandlerContext, handler, tickets


def ticket_ref(ctx: HandlerContext) -> str:
    """What staff call the ticket in a notification: its number, else the instance id."""
    return ctx.business_key or ctx.instance_id


def record(ctx: HandlerContext, clock: str, kind: str, deadline: Any = None, reason: Optional[str] = None) -> None:
    """One ``sla_event`` row of this step."""
    ctx.record(SlaEvent(instance_id=ctx.instance_id, business_key=ctx.business_key, sla=clock, kind=kind,
                        deadline=sla.moment(deadline) if deadline else None, reason=reason, at=ctx.now))


def deadlines(ctx: HandlerContext, variables: dict[str, Any]) -> dict[str, Any]:
    """Response and resolution deadlines (and warning times) from the request, on the priority's calendar.

    Always computed from ``requested_at``, the table's current SLAs and the finished pauses, so a
    changed priority or a resumed clock gives the same answer as if it had been so from the start.
    An instance of a model older than the resolution SLA (no ``resolution_sla``) keeps only its
    response clock.
    """
    kind = sla.calendar_kind(variables.get("sla_calendar"))
    requested = sla.moment(variables["requested_at"])
    response_due, response_warn = sla.clock_times(ctx.calendar, kind, requested, variables.get("response_sla"))
    result = {"response_due_at": response_due.isoformat(), "response_warn_at": response_warn.isoformat()}
    if variables.get("resolution_sla"):
        paused = sla.paused_time(ctx.calendar, kind, variables.get("sla_pauses") or [])
        due, warn = sla.clock_times(ctx.calendar, kind, requested, variables["resolution_sla"], paused)
        result.update(resolution_due_at=due.isoformat(), resolution_warn_at=warn.isoformat())
    return result


@handler("set_sla_deadlines")
def set_sla_deadlines(ctx: HandlerContext) -> dict[str, Any]:
    """Fix the response and resolution deadlines right after the priority table decided.

    They run from the request (004 §4.1), however late the desk classifies, so re-opening a task
    after a callback does not start a clock again.
    """
    result = deadlines(ctx, ctx.variables)
    for clock in ("response", "resolution"):
        if f"{clock}_due_at" in result:
            record(ctx, clock, "deadline_set", result[f"{clock}_due_at"])
    tickets.update(ctx, priority=ctx.variables.get("priority"), response_due_at=sla.moment(result["response_due_at"]))
    return result


@handler("update_sla_deadlines")
def update_sla_deadlines(ctx: HandlerContext) -> dict[str, Any]:
    """After tier 1 re-assessed impact and urgency: note the first response, follow a changed priority.

    A changed priority recomputes both deadlines from the original request time on the new
    priority's calendar (with the pauses so far); the next task's timers wait for the new dates.
    """
    variables = ctx.variables
    result = deadlines(ctx, variables)
    for clock in ("response", "resolution"):
        if result.get(f"{clock}_due_at") != variables.get(f"{clock}_due_at"):
            record(ctx, clock, "deadline_set", result[f"{clock}_due_at"])
    if not variables.get("responded_at"):
        result["responded_at"] = ctx.now.isoformat()
        record(ctx, "response", "stopped", result["response_due_at"])
    # completing a tier-1 task is a response, unless a claim or an earlier completion came first
    tickets.update(ctx, priority=variables.get("priority"), response_due_at=sla.moment(result["response_due_at"]),
                   first_response_at=tickets.first_response(ctx))
    return result


def pause(ctx: HandlerContext, reason: str, variables: Optional[dict[str, Any]] = None) -> dict[str, Any]:
    """Stop the resolution clock (a running pause is ended first, so pauses never overlap)."""
    variables = variables if variables is not None else ctx.variables
    resumed = resume(ctx, variables)
    variables = {**variables, **resumed}
    pauses = list(variables.get("sla_pauses") or []) + [{"from": ctx.now.isoformat(), "to": None, "reason": reason}]
    record(ctx, "resolution", "paused", variables.get("resolution_due_at"), reason)
    return {**resumed, "sla_pauses": pauses}


def resume(ctx: HandlerContext, variables: Optional[dict[str, Any]] = None) -> dict[str, Any]:
    """Restart the resolution clock, its deadline moved by the paused time; nothing when it runs."""
    variables = variables if variables is not None else ctx.variables
    pauses = [dict(item) for item in variables.get("sla_pauses") or []]
    running = sla.open_pause(pauses)
    if running is None:
        return {}
    running["to"] = ctx.now.isoformat()
    result = deadlines(ctx, {**variables, "sla_pauses": pauses})
    moved = {name: result[name] for name in ("resolution_due_at", "resolution_warn_at") if name in result}
    record(ctx, "resolution", "resumed", moved.get("resolution_due_at"), running.get("reason"))
    return {"sla_pauses": pauses, **moved}


@handler("pause_for_requester")
def pause_for_requester(ctx: HandlerContext) -> dict[str, Any]:
    """The engineer waits for the requester (an answer, a test, access): the resolution clock stops.

    The waiting task goes to the group that works the ticket now, which resumes when the requester
    is back; it then returns to the same tier.
    """
    tickets.update(ctx, status="waiting")
    return {**pause(ctx, "requester"), "waiting_group": _working_group(ctx.variables), "ticket_status": "waiting"}


@handler("resume_after_requester")
def resume_after_requester(ctx: HandlerContext) -> dict[str, Any]:
    """The requester is back: the resolution clock runs again from the moved deadline."""
    status = "escalated" if int(ctx.variables.get("escalation_level") or 0) else "open"
    tickets.update(ctx, status=status)
    return {**resume(ctx), "ticket_status": status}


def _passed(ctx: HandlerContext, deadline: str) -> bool:
    """Too late to warn: the deadline has passed, and the breach (fired with it) says so instead."""
    return ctx.now >= sla.moment(ctx.variables[deadline])


def _working_group(variables: dict[str, Any]) -> str:
    """The group that works the ticket now: tier 2 once escalated, else its tier-1 group."""
    if int(variables.get("escalation_level") or 0) >= 1:
        return "tier2"
    return variables.get("tier1_group") or "tier1"


@handler("notify_response_warning")
def notify_response_warning(ctx: HandlerContext) -> dict[str, Any]:
    """Three quarters of the response time are gone and tier 1 has not answered: tell the tier-1 group."""
    variables = ctx.variables
    if variables.get("responded_at") or variables.get("response_warned") or _passed(ctx, "response_due_at"):
        return {}
    ctx.notify(_working_group(variables), N_("Response due soon: ticket %(ticket)s"),
               N_("Contact the requester by %(due)s (priority %(priority)s)."),
               ticket=ticket_ref(ctx), due=variables.get("response_due_at"), priority=variables.get("priority"))
    return {"response_warned": True}


@handler("notify_resolution_warning")
def notify_resolution_warning(ctx: HandlerContext) -> dict[str, Any]:
    """Three quarters of the resolution time are gone: tell the group working the ticket, once per deadline."""
    variables = ctx.variables
    due = variables.get("resolution_due_at")
    if variables.get("resolution_warned_for") == due or variables.get("resolution_breached") \
            or _passed(ctx, "resolution_due_at"):
        return {}
    ctx.notify(_working_group(variables), N_("Resolution due soon: ticket %(ticket)s"),
               N_("Resolve by %(due)s (priority %(priority)s)."),
               ticket=ticket_ref(ctx), due=due, priority=variables.get("priority"))
    return {"resolution_warned_for": due}


@handler("notify_resolution_breach")
def notify_resolution_breach(ctx: HandlerContext) -> dict[str, Any]:
    """The resolution deadline passed while the ticket was worked: the project manager steps in, once."""
    variables = ctx.variables
    if variables.get("resolution_breached"):
        return {}
    due = variables.get("resolution_due_at")
    ctx.notify("project_manager", N_("Resolution SLA breached: ticket %(ticket)s"),
               N_("Priority: %(priority)s\nSLA: %(sla)s\nResolution due: %(due)s\nWorked by: %(group)s"),
               ticket=ticket_ref(ctx), priority=variables.get("priority"), sla=variables.get("resolution_sla"),
               due=due, group=_working_group(variables))
    record(ctx, "resolution", "breached", due)
    return {"resolution_breached": True}


@handler("notify_close_reminder")
def notify_close_reminder(ctx: HandlerContext) -> dict[str, Any]:
    """One working day of the two is left to call back and close: remind the service desk."""
    ctx.notify("service_desk", N_("Callback due: ticket %(ticket)s"),
               N_("Call the requester back and close the ticket by %(due)s."),
               ticket=ticket_ref(ctx), due=ctx.variables.get("close_due_at"))
    return {}


def completion_requested(ctx: HandlerContext) -> dict[str, Any]:
    """The engineer requests completion: the resolution clock waits for the callback, the close clock starts."""
    paused = pause(ctx, "completion")
    close_due, reminder = sla.close_times(ctx.calendar, ctx.now)
    record(ctx, "close", "deadline_set", close_due)
    return {**paused, "completion_requested_at": ctx.now.isoformat(),
            "close_due_at": close_due.isoformat(), "close_reminder_at": reminder.isoformat(),
            "close_overdue": False}


def stop_clocks(ctx: HandlerContext) -> None:
    """The ticket is closed: record the end of every clock that ran."""
    variables = ctx.variables
    if not variables.get("responded_at") and variables.get("response_due_at"):
        record(ctx, "response", "stopped", variables.get("response_due_at"))  # answered at first contact
    if variables.get("resolution_due_at"):
        record(ctx, "resolution", "stopped", variables.get("resolution_due_at"))
    if variables.get("close_due_at"):
        record(ctx, "close", "stopped", variables.get("close_due_at"))

