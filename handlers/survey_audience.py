"""Who receives a satisfaction questionnaire: the requester accounts behind closed tickets.

A ticket names its requester as the intake form wrote it (often a display name), and the
portal account that reported it is its instance's starter. A questionnaire goes to a
portal account of the ``requester`` group: the one the ticket names by id, else the one
that reported it; a ticket taken by the desk for someone without an account gets none.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Optional

from sqlalchemy import select

from app.domain import Ticket
from app.models import Membership, ProcessInstance, User
from handlers import HandlerContext

REQUESTER_GROUP = "requester"


@dataclass(frozen=True)
class ClosedTicket:
    instance_id: str
    number: Optional[str]
    account: Optional[str]  # the requester's portal account, if there is one


def questionnaire_link(response_id: str) -> str:
    """The portal page where the questionnaire is answered (the notification carries it)."""
    return f"/portal/surveys/{response_id}"


def closed_tickets(ctx: HandlerContext, since: datetime, until: datetime) -> list[ClosedTicket]:
    """Tickets closed in [since, until), each with its requester's account."""
    rows = ctx.read(select(Ticket.instance_id, Ticket.number, Ticket.requester, ProcessInstance.started_by)
                    .outerjoin(ProcessInstance, ProcessInstance.id == Ticket.instance_id)
                    .where(Ticket.closed_at >= since, Ticket.closed_at < until))
    names = {name for row in rows for name in (row.requester, row.started_by) if name}
    accounts = {user_id for (user_id,) in ctx.read(
        select(User.id).join(Membership, Membership.user_id == User.id)
        .where(User.id.in_(names), User.active.is_(True), Membership.group_id == REQUESTER_GROUP))} if names else set()
    return [ClosedTicket(row.instance_id, row.number,
                         next((name for name in (row.requester, row.started_by) if name in accounts), None))
            for row in rows]
