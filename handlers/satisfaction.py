"""Service-task handlers of Flow 5, the satisfaction survey (客户满意度调查).

``processes/satisfaction_survey.bpmn`` calls these by topic. A campaign sends one questionnaire
(a ``satisfaction_response`` row, answered later in the portal) to every requester with a ticket
closed in its period; at its closing time the means are compared with the targets of decision
``satisfaction_targets``, and each dimension below target becomes an improvement action that is
recorded, reminded when overdue and closed here. Dates in the form are calendar days in the
calendar's time zone; a day "ends" at the next midnight there.
"""
from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import func, select

from app.domain import ImprovementAction, SatisfactionCampaign, SatisfactionResponse
from app.domain.satisfaction import DIMENSIONS
from app.texts import N_
from handlers import HandlerContext, handler
from handlers.survey_audience import closed_tickets, questionnaire_link

#: Groups an improvement action may be given to (the plan form's choices).
OWNER_GROUPS = ("service_dept", "service_desk", "tier1", "tier2", "project_manager")


def _day(variables: dict[str, Any], key: str) -> date:
    value = variables.get(key)
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        raise ValueError(f"{key} {value!r} is not a date (YYYY-MM-DD)") from None


def day_end(ctx: HandlerContext, day: date) -> datetime:
    """The end of ``day`` in the calendar's zone: the next midnight there."""
    return datetime.combine(day + timedelta(days=1), time(0), ctx.calendar.hours.zone)


def _targets(variables: dict[str, Any]) -> dict[str, float]:
    """The decision's targets, one number per dimension; a table that lost a column stops the campaign here."""
    targets = variables.get("satisfaction_targets")
    if not isinstance(targets, dict):
        raise ValueError("decision satisfaction_targets gave no row of targets")
    missing = [name for name in DIMENSIONS if not isinstance(targets.get(name), (int, float))]
    if missing:
        raise ValueError(f"decision satisfaction_targets has no number for {', '.join(missing)}")
    return {name: float(targets[name]) for name in DIMENSIONS}


@handler("open_satisfaction_campaign")
def open_satisfaction_campaign(ctx: HandlerContext) -> dict[str, Any]:
    """Record the campaign and send each requester with a ticket closed in the period one questionnaire."""
    variables = ctx.variables
    start, end, closes_on = (_day(variables, key) for key in ("period_start", "period_end", "closes_on"))
    if end < start:
        raise ValueError(f"period_end {end} is before period_start {start}")
    closes_at = day_end(ctx, closes_on)
    if closes_at <= ctx.now:
        raise ValueError(f"closes_on {closes_on} has already passed")
    zone = ctx.calendar.hours.zone
    tickets = closed_tickets(ctx, datetime.combine(start, time(0), zone), day_end(ctx, end))
    requesters = sorted({ticket.account for ticket in tickets if ticket.account})
    title = str(variables.get("campaign_title") or "").strip()
    ctx.record(SatisfactionCampaign(instance_id=ctx.instance_id, title=title, period_start=start, period_end=end,
                                    closes_at=closes_at, targets=_targets(variables), invited=len(requesters),
                                    opened_at=ctx.now, opened_by=ctx.actor))
    for requester in requesters:
        response_id = str(uuid.uuid4())
        ctx.record(SatisfactionResponse(id=response_id, campaign_instance_id=ctx.instance_id, requester=requester,
                                        sent_at=ctx.now))
        ctx.notify_user(requester, N_("Satisfaction survey: %(title)s"),
                        N_("How did we do between %(start)s and %(end)s? Five questions, one minute.\n"
                           "Please answer by %(closes)s: %(link)s"),
                        title=title, start=start.isoformat(), end=end.isoformat(), closes=closes_on.isoformat(),
                        link=questionnaire_link(response_id))
    return {"campaign_closes_at": closes_at.isoformat(), "invited": len(requesters)}


@handler("analyse_satisfaction")
def analyse_satisfaction(ctx: HandlerContext) -> dict[str, Any]:
    """Means per dimension against the targets; the dimensions below target get an improvement action.

    A dimension nobody rated has no mean and is not "below": no answers is reported, not acted on.
    """
    targets = _targets(ctx.variables)
    answered = SatisfactionResponse.answered_at.is_not(None)
    [row] = ctx.read(select(func.count(), *(func.avg(getattr(SatisfactionResponse, name)) for name in DIMENSIONS))
                     .where(SatisfactionResponse.campaign_instance_id == ctx.instance_id, answered))
    count, *averages = row
    means = {name: (round(float(value), 2) if value is not None else None) for name, value in zip(DIMENSIONS, averages)}
    below = [name for name in DIMENSIONS if means[name] is not None and means[name] < targets[name]]
    ctx.update(SatisfactionCampaign, {"instance_id": ctx.instance_id}, means=means, state="analysed")
    return {"satisfaction_means": means, "below_target": below, "responses": count}


@handler("record_improvement_action")
def record_improvement_action(ctx: HandlerContext) -> dict[str, Any]:
    """Record the planned action as open and tell the responsible group; it is due at the end of its day."""
    variables = ctx.variables
    dimension = str(variables.get("dimension") or "")
    if dimension not in DIMENSIONS:
        raise ValueError(f"dimension {dimension!r} is not one of {', '.join(DIMENSIONS)}")
    owner = str(variables.get("action_owner_group") or "")
    if owner not in OWNER_GROUPS:
        raise ValueError(f"action_owner_group {owner!r} is not one of {', '.join(OWNER_GROUPS)}")
    due_on = _day(variables, "action_due_on")
    measure = str(variables.get("improvement_measure") or "").strip()
    means = variables.get("satisfaction_means") or {}
    ctx.record(ImprovementAction(campaign_instance_id=ctx.instance_id, dimension=dimension, mean=means.get(dimension),
                                 target=_targets(variables)[dimension], measure=measure, owner_group=owner,
                                 due_on=due_on, created_at=ctx.now))
    ctx.notify(owner, N_("Improvement action for %(dimension)s"),
               N_("Satisfaction survey %(campaign)s found %(dimension)s below target.\nAction: %(measure)s\nDue: %(due)s"),
               campaign=_title(ctx), dimension=dimension, measure=measure, due=due_on.isoformat())
    return {"action_due_at": day_end(ctx, due_on).isoformat()}


@handler("remind_overdue_improvement_action")
def remind_overdue_improvement_action(ctx: HandlerContext) -> dict[str, Any]:
    """Past its due day and still open: remind the group and the service department; the work goes on."""
    variables = ctx.variables
    dimension = str(variables.get("dimension"))
    ctx.update(ImprovementAction, {"campaign_instance_id": ctx.instance_id, "dimension": dimension},
               reminded_at=ctx.now)
    for group in dict.fromkeys((str(variables.get("action_owner_group")), "service_dept")):
        ctx.notify(group, N_("Improvement action for %(dimension)s is overdue"),
                   N_("Satisfaction survey %(campaign)s: the action was due %(due)s and is not done.\nAction: %(measure)s"),
                   campaign=_title(ctx), dimension=dimension, due=variables.get("action_due_on"),
                   measure=variables.get("improvement_measure"))
    return {"action_reminded": True}


@handler("close_improvement_action")
def close_improvement_action(ctx: HandlerContext) -> dict[str, Any]:
    """The group reports the action done: record when and with what result."""
    where = {"campaign_instance_id": ctx.instance_id, "dimension": str(ctx.variables.get("dimension"))}
    ctx.update(ImprovementAction, where, state="done", done_at=ctx.now, result=str(ctx.variables.get("action_result") or "").strip())
    return {"action_state": "done"}


@handler("summarise_satisfaction")
def summarise_satisfaction(ctx: HandlerContext) -> dict[str, Any]:
    """Close the campaign and send the service department its results in one message."""
    variables = ctx.variables
    targets, means = _targets(variables), variables.get("satisfaction_means") or {}
    lines = [f"{name}: {'—' if means.get(name) is None else means[name]} / {targets[name]}" for name in DIMENSIONS]
    ctx.update(SatisfactionCampaign, {"instance_id": ctx.instance_id}, state="closed", closed_at=ctx.now)
    ctx.notify("service_dept", N_("Satisfaction survey %(campaign)s: results"),
               N_("Responses: %(responses)s of %(invited)s\nMean / target:\n%(means)s\nImprovement actions: %(actions)s"),
               campaign=_title(ctx), responses=variables.get("responses", 0), invited=variables.get("invited", 0),
               means="\n".join(lines), actions=len(variables.get("below_target") or []))
    return {"campaign_state": "closed"}


def _title(ctx: HandlerContext) -> str:
    return str(ctx.variables.get("campaign_title") or ctx.business_key or ctx.instance_id)
