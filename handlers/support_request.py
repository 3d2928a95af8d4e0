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

from typing import Any

from app import sla
from app.texts import N_
from handlers import HandlerContext, handler, sla as clocks, tickets

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


@handler("register_ticket")
def register_ticket(ctx: HandlerContext) -> dict[str, Any]:
    """Open the ticket (工单) once the intake is recorded.

    It stamps ``requested_at``, the moment the response SLA is measured from.
    Besides the status and counters the reports read, this gives every variable a
    later condition or the priority table reads a defined value: an unticked box or
    a never-filled complaint must read as "no", not fail the step with a NameError.
    The ``ticket`` row the reports count is opened here.
    """
    variables = ctx.variables
    tickets.open_ticket(ctx)
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
        "responded_at": None,
        "sla_pauses": [],
    }


@handler("record_dispatch")
def record_dispatch(ctx: HandlerContext) -> dict[str, Any]:
    """The desk classified the request and the skill matrix chose a tier-1 group: note both on the ticket.

    Both arrive from a form and a decision table, which write no rows; this is the first
    handler after them on the way to tier 1.
    """
    tickets.update(ctx, **tickets.classification(ctx.variables), tier1_group=ctx.variables.get("tier1_group"))
    return {}


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
    level = max(_level(variables), 1)
    tickets.update(ctx, status="escalated", escalation_level=level)
    return {"ticket_status": "escalated", "escalation_level": level}


@handler("escalate_to_vendor")
def escalate_to_vendor(ctx: HandlerContext) -> dict[str, Any]:
    """Tier 2 needs the vendor (厂商): the vendor liaison opens and tracks the case.

    The resolution clock stops while the vendor works (its deadline is not the desk's to keep).
    """
    variables = ctx.variables
    ctx.notify(
        "vendor_liaison",
        N_("Ticket %(ticket)s escalated to the vendor"),
        N_("Vendor: %(vendor)s\nTier-2 diagnosis: %(diagnosis)s\nInformation for the vendor: %(information)s"),
        ticket=_ticket_ref(ctx), vendor=_text(variables, "vendor_name"),
        diagnosis=_text(variables, "tier2_diagnosis"), information=_text(variables, "vendor_escalation_info"),
    )
    level = max(_level(variables), 2)
    tickets.update(ctx, status="escalated", escalation_level=level)
    return {**clocks.pause(ctx, "vendor"), "ticket_status": "escalated", "escalation_level": level}


@handler("request_completion")
def request_completion(ctx: HandlerContext) -> dict[str, Any]:
    """The engineer has resolved the problem and requests completion (申请完成).

    Records which tier resolved it, so that a callback that finds the problem
    unsolved, or a complaint, sends the ticket back to that tier and not elsewhere.
    The resolution clock waits for the callback; the desk's 2-working-day close clock starts.
    Whoever completed the engineer's task requests completion: the ticket's engineer.
    """
    variables = ctx.variables
    tier = _TIER_BY_ESCALATION_LEVEL[min(_level(variables), 2)]
    if tier == "tier1":
        group = variables.get("tier1_group") or "tier1"
    else:
        group = _GROUP_BY_TIER[tier]
    clock = clocks.completion_requested(ctx)
    tickets.update(ctx, status="resolved", engineer=ctx.actor, completion_requested_at=ctx.now,
                   close_due_at=sla.moment(clock["close_due_at"]))
    return {**clock, "ticket_status": "resolved", "resolver_tier": tier, "resolver_group": group}


@handler("return_to_engineer")
def return_to_engineer(ctx: HandlerContext) -> dict[str, Any]:
    """The callback did not confirm the fix, or the requester complained (000 二.6).

    The ticket stays open and goes back to the engineer who resolved it, who is told
    why, and the resolution clock runs again (a ticket back with the vendor waits for the vendor
    again); a complaint also starts complaint handling (Flow 2) for this ticket. The complaint
    moves out of ``complaint`` into ``returned_reason`` and the
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
        # a complaint is handled in its own right (Flow 2), linked to this ticket both ways; it is the
        # requester's (they follow it in the portal), the desk user who took the call filed it
        ctx.send_message("complaint_received", owner=tickets.requester_account(ctx),
                         complaint_source="callback", complaint=complaint, severity="general",
                         ticket_instance_id=ctx.instance_id, ticket_business_key=ctx.business_key,
                         complainant=_text(variables, "requester"), contact=_text(variables, "contact"),
                         department=_text(variables, "department"))
    tickets.record_callback(ctx)
    reopen_count = int(variables.get("reopen_count") or 0) + 1
    tickets.update(ctx, status="reopened", reopen_count=reopen_count)
    resumed = clocks.resume(ctx)
    if variables.get("resolver_tier") == "vendor":
        resumed = {**resumed, **clocks.pause(ctx, "vendor", {**variables, **resumed})}
    return {
        **resumed,
        "ticket_status": "reopened",
        "reopen_count": reopen_count,
        "returned_reason": reason,
        "complaint": "",
        "complaints": complaints,
    }


@handler("close_ticket")
def close_ticket(ctx: HandlerContext) -> dict[str, Any]:
    """Close the ticket: answered at first contact, or confirmed solved at callback.

    Representative problems become knowledge-base articles (知识沉淀): when the
    resolving engineer marked the ticket as a candidate, ask that group to write one.
    At first contact the desk member who answered is the ticket's engineer and first response.
    """
    variables = ctx.variables
    clocks.stop_clocks(ctx)
    first_contact = bool(variables.get("resolved_at_first_contact"))
    closed: dict[str, Any] = {"status": "closed", "closed_at": ctx.now, "first_contact": first_contact}
    if first_contact:
        closed.update(tickets.classification(variables), engineer=ctx.actor, first_response_at=tickets.first_response(ctx))
    else:
        closed.update(tickets.record_callback(ctx))   # the closing callback's ratings are the ones counted
    tickets.update(ctx, **closed)
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
        "first_contact_resolution": first_contact,
        "kb_article_requested": kb_requested,
    }


@handler("notify_response_sla_breach")
def notify_response_sla_breach(ctx: HandlerContext) -> dict[str, Any]:
    """No tier-1 engineer responded within the response SLA (004 §4.1).

    The project manager is told so that he can step in (000 三.5). The model only
    comes here before tier 1's first response (``responded_at`` unset): a ticket
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
    clocks.record(ctx, "response", "breached", due)
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
    clocks.record(ctx, "close", "breached", ctx.variables.get("close_due_at"))
    return {"close_overdue": True}
