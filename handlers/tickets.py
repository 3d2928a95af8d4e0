"""The ``ticket`` and ``ticket_callback`` rows of Flow 1, written by its handlers in the step's transaction.

The reports count these rows, never the workflow variables: each handler of
``processes/it_support_request.bpmn`` writes what became known at its point of the model
(the intake at registration, the classification and tier-1 group at dispatch, the
deadline, the first response, the escalations, the completion request, each callback,
the close).
"""
from __future__ import annotations

from typing import Any, Optional

from sqlalchemy import func, literal, select

from app.domain import Ticket, TicketCallback
from app.models import ProcessInstance, UTCDateTime
from handlers import HandlerContext


def requester_account(ctx: HandlerContext) -> Optional[str]:
    """The account the ticket belongs to (who reported it in the portal): a complaint raised about the ticket
    is theirs too, so they follow it where they follow the ticket."""
    rows = ctx.read(select(ProcessInstance.started_by).where(ProcessInstance.id == ctx.instance_id))
    return rows[0].started_by if rows else None


def open_ticket(ctx: HandlerContext) -> None:
    """The ticket row, from the intake form; its request date and month are those of the calendar's zone."""
    variables = ctx.variables
    local = ctx.now.astimezone(ctx.calendar.hours.zone)
    ctx.record(Ticket(instance_id=ctx.instance_id, number=ctx.business_key, requester=_text(variables, "requester"),
                      department=_text(variables, "department"), channel=_text(variables, "channel"),
                      vip=bool(variables.get("vip", False)), status="open", requested_at=ctx.now,
                      requested_on=local.date(), requested_month=local.strftime("%Y-%m"),
                      reopen_count=0, escalation_level=0, first_contact=False))


def update(ctx: HandlerContext, **values: Any) -> None:
    """Change this instance's ticket row with the step."""
    ctx.update(Ticket, {"instance_id": ctx.instance_id}, **values)


def classification(variables: dict[str, Any]) -> dict[str, Any]:
    """The desk's classification (分类) as ticket columns."""
    return {"ticket_type": variables.get("request_type"), "category": variables.get("category")}


def first_response(ctx: HandlerContext) -> Any:
    """``first_response_at`` kept if already set (a claim came first), else now; decided by the UPDATE itself,
    so a claim committed meanwhile is never overwritten by a later time."""
    return func.coalesce(Ticket.first_response_at, literal(ctx.now, UTCDateTime()))


def record_callback(ctx: HandlerContext) -> dict[str, Optional[int]]:
    """One row per completed callback (回访); returns its ratings (given only when the requester confirmed the fix).

    Every callback either closes the ticket or sends it back (``reopen_count`` + 1), so the
    callbacks so far are ``reopen_count`` and this one is the next.
    """
    variables = ctx.variables
    solved = variables.get("callback_solved") == "yes"
    ratings = {name: _rating(variables, f"rating_{name}", solved) for name in ("attitude", "speed", "effect")}
    ctx.record(TicketCallback(instance_id=ctx.instance_id, seq=int(variables.get("reopen_count") or 0) + 1,
                              at=ctx.now, agent=ctx.actor, solved=solved,
                              complaint=_text(variables, "complaint") or None,
                              note=_text(variables, "callback_note") or None, **ratings))
    return ratings


def _rating(variables: dict[str, Any], key: str, solved: bool) -> Optional[int]:
    value = variables.get(key)
    return int(value) if solved and value not in (None, "") else None


def _text(variables: dict[str, Any], key: str) -> Optional[str]:
    value = variables.get(key)
    return str(value).strip() if value is not None else None
