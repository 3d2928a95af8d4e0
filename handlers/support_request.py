"""Service-task handlers of Flow 1, the support request (服务请求 / 事件工单).

``processes/it_support_request.bpmn`` calls these by topic. Each one reads the
instance variables and returns the variables to set: the engine stores the result
and the queued notifications in the same transaction as the step, so a handler
never touches the database or the network itself and can be retried safely.

The model's gateways route on plain Python over the variables, so these handlers
also keep the variables those conditions read defined and unambiguous (see
``register_ticket`` and ``return_to_engineer``).
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from typing import Any

from app.domain import SlaEvent
from app.texts import N_
from handlers import HandlerContext, handler

# Work never steps back down a tier: once escalated, a ticket is worked at the
# highest tier it reached, so that tier is the one that resolved it.
_TIER_BY_ESCALATION_LEVEL = {0: "tier1", 1: "tier2", 2: "vendor"}
_GROUP_BY_TIER = {"tier2": "tier2", "vendor": "vendor_liaison"}


def _ticket_ref(ctx: HandlerContext) -> str:
    """What staff call the ticket in a notification: its number, else the instance id."""
    return ctx.business_key or ctx.instance_id


def _text(variables: dict[str, Any], key: str) -> str:
    """A free-text variable as a stripped string; forms may leave it out or send None."""
    value = variables.get(key)
    return str(value).strip() if value is not None else ""


def _level(variables: dict[str, Any]) -> int:
    return int(variables.get("escalation_level") or 0)


_SLA_DURATION = re.compile(r"P(?:(?P<days>\d+)D)?(?:T(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?(?:(?P<seconds>\d+)S)?)?")


def _sla_delta(duration: str) -> timedelta:
    """An ISO-8601 response SLA (``PT2H``, ``PT30M``, ``P1D``, ``P1DT4H``) as a timedelta.

    Only days, hours, minutes and seconds: an SLA counted in months or years would
    need a calendar, and the priority table never gives one. Anything else is a
    mistake in the table and fails the step (an incident), rather than guessing.
    """
    text = str(duration or "").strip().upper()
    match = _SLA_DURATION.fullmatch(text)
    if not match or text in ("P", "PT") or text.endswith("T") or not any(match.groupdict().values()):
        raise ValueError(f"response SLA {duration!r} is not an ISO-8601 duration in days, hours or minutes")
    return timedelta(**{unit: int(value) for unit, value in match.groupdict().items() if value})


@handler("register_ticket")
def register_ticket(ctx: HandlerContext) -> dict[str, Any]:
    """Open the ticket (工单) once the intake is recorded.

    It stamps ``requested_at``, the moment the response SLA is measured from.
    Besides the status and counters the reports read, this gives every variable a
    later condition or the priority table reads a defined value: an unticked box or
    a never-filled complaint must read as "no", not fail the step with a NameError.
    """
    variables = ctx.variables
    return {
        # the response SLA runs from the request (004 §4.1), not from the tier-1 task
        "requested_at": ctx.now.isoformat(),
        "ticket_status": "open",
        "escalation_level": 0,
        "reopen_count": 0,
        "vip": bool(variables.get("vip", False)),
        "business_stopped": bool(variables.get("business_stopped", False)),
        "resolved_at_first_contact": False,
        "kb_candidate": False,
        "complaint": "",
        "complaints": [],
    }


@handler("set_response_due")
def set_response_due(ctx: HandlerContext) -> dict[str, Any]:
    """Fix when an engineer must have contacted the requester (004 §4.1).

    Runs right after the priority table has set ``response_sla``: the deadline is
    the request time plus the SLA, whenever the desk gets round to classifying.
    The response timer on the tier-1 task waits for this date, so re-opening the
    task after a callback does not start the clock again.
    """
    variables = ctx.variables
    requested_at = datetime.fromisoformat(str(variables["requested_at"]))
    if requested_at.tzinfo is None:
        requested_at = requested_at.replace(tzinfo=timezone.utc)
    due = requested_at + _sla_delta(variables.get("response_sla"))
    ctx.record(SlaEvent(instance_id=ctx.instance_id, business_key=ctx.business_key, sla="response",
                        kind="deadline_set", deadline=due, at=ctx.now))
    return {"response_due_at": due.isoformat()}


@handler("escalate_to_tier2")
def escalate_to_tier2(ctx: HandlerContext) -> dict[str, Any]:
    """Tier 1 could not resolve: hand over to tier 2 with what is known so far.

    The tier-1 form already refuses an escalation without a diagnosis and the steps
    tried (002 三.(三)1); the notification carries both so tier 2 starts from them.
    """
    variables = ctx.variables
    ctx.notify(
        "tier2",
        N_("Ticket %(ticket)s escalated to tier 2"),
        N_("Tier-1 diagnosis: %(diagnosis)s\nSteps tried: %(attempted_steps)s"),
        ticket=_ticket_ref(ctx), diagnosis=_text(variables, "diagnosis"),
        attempted_steps=_text(variables, "attempted_steps"),
    )
    return {"ticket_status": "escalated", "escalation_level": max(_level(variables), 1)}


@handler("escalate_to_vendor")
def escalate_to_vendor(ctx: HandlerContext) -> dict[str, Any]:
    """Tier 2 needs the vendor (厂商): the vendor liaison opens and tracks the case."""
    variables = ctx.variables
    ctx.notify(
        "vendor_liaison",
        N_("Ticket %(ticket)s escalated to the vendor"),
        N_("Vendor: %(vendor)s\nTier-2 diagnosis: %(diagnosis)s\nInformation for the vendor: %(information)s"),
        ticket=_ticket_ref(ctx), vendor=_text(variables, "vendor_name"),
        diagnosis=_text(variables, "tier2_diagnosis"), information=_text(variables, "vendor_escalation_info"),
    )
    return {"ticket_status": "escalated", "escalation_level": max(_level(variables), 2)}


@handler("request_completion")
def request_completion(ctx: HandlerContext) -> dict[str, Any]:
    """The engineer has resolved the problem and requests completion (申请完成).

    Records which tier resolved it, so that a callback that finds the problem
    unsolved, or a complaint, sends the ticket back to that tier and not elsewhere.
    """
    variables = ctx.variables
    tier = _TIER_BY_ESCALATION_LEVEL[min(_level(variables), 2)]
    if tier == "tier1":
        group = variables.get("tier1_group") or "tier1"
    else:
        group = _GROUP_BY_TIER[tier]
    return {"ticket_status": "resolved", "resolver_tier": tier, "resolver_group": group}


@handler("return_to_engineer")
def return_to_engineer(ctx: HandlerContext) -> dict[str, Any]:
    """The callback did not confirm the fix, or the requester complained (000 二.6).

    The ticket stays open and goes back to the engineer who resolved it, who is told
    why; a complaint also starts complaint handling (Flow 2) for this ticket. The complaint moves out of ``complaint`` into ``returned_reason`` and the
    ticket's complaint history, so the next callback starts without one and the same
    complaint cannot send the ticket back a second time.
    """
    variables = ctx.variables
    complaint = _text(variables, "complaint")
    reasons = []
    if variables.get("callback_solved") != "yes":
        reasons.append("回访未解决 (Not solved at callback)")
    if complaint:
        reasons.append(f"投诉 (Complaint): {complaint}")
    note = _text(variables, "callback_note")
    if note:
        reasons.append(f"回访记录 (Callback note): {note}")
    reason = "\n".join(reasons)
    ctx.notify(
        variables.get("resolver_group") or "tier1",
        N_("Ticket %(ticket)s returned after callback"),
        N_("Why: %(reason)s"),
        ticket=_ticket_ref(ctx), reason=reason,
    )
    complaints = list(variables.get("complaints") or [])
    if complaint:
        complaints.append(complaint)
        # a complaint is handled in its own right (Flow 2), linked to this ticket both ways
        ctx.send_message("complaint_received", complaint_source="callback", complaint=complaint, severity="general",
                         ticket_instance_id=ctx.instance_id, ticket_business_key=ctx.business_key,
                         complainant=_text(variables, "requester"), contact=_text(variables, "contact"),
                         department=_text(variables, "department"))
    return {
        "ticket_status": "reopened",
        "reopen_count": int(variables.get("reopen_count") or 0) + 1,
        "returned_reason": reason,
        "complaint": "",
        "complaints": complaints,
    }


@handler("close_ticket")
def close_ticket(ctx: HandlerContext) -> dict[str, Any]:
    """Close the ticket: answered at first contact, or confirmed solved at callback.

    Representative problems become knowledge-base articles (知识沉淀): when the
    resolving engineer marked the ticket as a candidate, ask that group to write one.
    """
    variables = ctx.variables
    kb_requested = bool(variables.get("kb_candidate"))
    if kb_requested:
        ctx.notify(
            variables.get("resolver_group") or "service_desk",
            N_("Knowledge article requested for ticket %(ticket)s"),
            N_("Cause: %(cause)s\nSolution: %(solution)s"),
            ticket=_ticket_ref(ctx), cause=_text(variables, "cause"), solution=_text(variables, "solution"),
        )
    return {
        "ticket_status": "closed",
        "closed_by_callback": variables.get("callback_solved") == "yes",
        "first_contact_resolution": bool(variables.get("resolved_at_first_contact")),
        "kb_article_requested": kb_requested,
    }


@handler("notify_response_sla_breach")
def notify_response_sla_breach(ctx: HandlerContext) -> dict[str, Any]:
    """No tier-1 engineer responded within the response SLA (004 §4.1).

    The project manager is told so that he can step in (000 三.5). The model only
    comes here before tier 1's first response (``reopen_count == 0``): a ticket
    returned after callback was answered long ago, so it is not a breach again.
    """
    variables = ctx.variables
    ctx.notify(
        "project_manager",
        N_("Response SLA breached: ticket %(ticket)s"),
        N_("Priority: %(priority)s\nSLA: %(sla)s\nResponse due: %(due)s\nTier-1 group: %(group)s"),
        ticket=_ticket_ref(ctx), priority=variables.get("priority"), sla=variables.get("response_sla"),
        due=variables.get("response_due_at"), group=variables.get("tier1_group"),
    )
    due = variables.get("response_due_at")
    ctx.record(SlaEvent(instance_id=ctx.instance_id, business_key=ctx.business_key, sla="response",
                        kind="breached", deadline=datetime.fromisoformat(due) if due else None, at=ctx.now))
    return {"response_sla_breached": True}


@handler("notify_close_overdue")
def notify_close_overdue(ctx: HandlerContext) -> dict[str, Any]:
    """The desk has not closed within 2 working days of the completion request (000 二.7)."""
    ctx.notify(
        "project_manager",
        N_("Close deadline passed: ticket %(ticket)s"),
        N_("Resolved by: %(tier)s"),
        ticket=_ticket_ref(ctx), tier=ctx.variables.get("resolver_tier"),
    )
    ctx.record(SlaEvent(instance_id=ctx.instance_id, business_key=ctx.business_key, sla="close",
                        kind="breached", deadline=None, at=ctx.now))
    return {"close_overdue": True}
