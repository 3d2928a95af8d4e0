"""Service-task handlers of callback sampling (回访抽样): a share of each week's closed tickets gets a questionnaire.

``processes/callback_sampling.bpmn`` calls these by topic, every Monday or for a week the service
department names. The pick is reproducible: the week's closed tickets ordered by a hash of their
number, the first ``ceil(share × count)`` taken, so a rerun of the same week picks the same
tickets; those already in ``callback_sample`` (this week or any other) are not sent again.
"""
from __future__ import annotations

import hashlib
import math
import uuid
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select

from app.domain import CallbackSample, SatisfactionResponse
from app.texts import N_
from handlers import HandlerContext, handler
from handlers.survey_audience import ClosedTicket, closed_tickets, questionnaire_link


def week_bounds(ctx: HandlerContext, week: str) -> tuple[datetime, datetime]:
    """Monday 00:00 to the next Monday 00:00 of ISO week ``week`` (``2026-W48``), in the calendar's zone."""
    try:
        year, number = week.split("-W")
        monday = date.fromisocalendar(int(year), int(number), 1)
    except ValueError:
        raise ValueError(f"sample_week {week!r} is not an ISO week such as 2026-W48") from None
    start = datetime.combine(monday, time(0), ctx.calendar.hours.zone)
    return start, start + timedelta(days=7)


def last_week(ctx: HandlerContext) -> str:
    """The ISO week before the one ``ctx.now`` falls in, in the calendar's zone."""
    year, week, _ = (ctx.now.astimezone(ctx.calendar.hours.zone).date() - timedelta(days=7)).isocalendar()
    return f"{year}-W{week:02d}"


def pick(tickets: list[ClosedTicket], percent: int) -> list[ClosedTicket]:
    """The sample: ``percent`` % of the tickets (rounded up), ordered by a hash of the ticket number."""
    ordered = sorted(tickets, key=lambda t: hashlib.sha256((t.number or t.instance_id).encode()).hexdigest())
    return ordered[:math.ceil(len(tickets) * percent / 100)]


@handler("count_week_closed_tickets")
def count_week_closed_tickets(ctx: HandlerContext) -> dict[str, Any]:
    """Which week to sample (the one given, or last week) and how many tickets were closed in it."""
    week = str(ctx.variables.get("sample_week") or "").strip() or last_week(ctx)
    return {"sample_week": week, "closed_count": len(closed_tickets(ctx, *week_bounds(ctx, week)))}


@handler("sample_callbacks")
def sample_callbacks(ctx: HandlerContext) -> dict[str, Any]:
    """Record the week's sample and send each sampled ticket's requester the questionnaire.

    A sampled ticket whose requester has no portal account is recorded all the same (without a
    questionnaire), so that it is not picked again and the sample stays what the rule chose.
    """
    percent = ctx.variables.get("sample_percent")
    if not isinstance(percent, int) or isinstance(percent, bool) or not 0 <= percent <= 100:
        raise ValueError(f"sample_percent {percent!r} from decision callback_sampling is not a whole number 0-100")
    week = str(ctx.variables["sample_week"])
    chosen = pick(closed_tickets(ctx, *week_bounds(ctx, week)), percent)
    done = {instance_id for (instance_id,) in ctx.read(
        select(CallbackSample.ticket_instance_id)
        .where(CallbackSample.ticket_instance_id.in_([t.instance_id for t in chosen])))} if chosen else set()
    sent = []
    for ticket in (t for t in chosen if t.instance_id not in done):
        response_id = str(uuid.uuid4()) if ticket.account else None
        if response_id:
            ctx.record(SatisfactionResponse(id=response_id, ticket_instance_id=ticket.instance_id,
                                            requester=ticket.account, sent_at=ctx.now))
            ctx.notify_user(ticket.account, N_("How did we do on %(ticket)s?"),
                            N_("Your ticket %(ticket)s was closed last week. Five questions, one minute: %(link)s"),
                            ticket=ticket.number or "", link=questionnaire_link(response_id))
        ctx.record(CallbackSample(ticket_instance_id=ticket.instance_id, ticket_number=ticket.number, week=week,
                                  sampling_instance_id=ctx.instance_id, sent_at=ctx.now, response_id=response_id))
        sent.append(ticket.number or ticket.instance_id)
    return {"sampled": sent, "sampled_count": len(sent)}
