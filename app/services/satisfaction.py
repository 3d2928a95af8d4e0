"""Satisfaction questionnaires (Flow 5 campaigns and callback samples): answering them, and what they add up to.

The portal calls ``open_surveys``, ``questionnaire`` and ``answer`` for the requester; the campaign page
calls ``campaign_results`` for the service department; the monthly report will call ``period_results``.
A questionnaire is a ``satisfaction_response`` row written when it was sent; answering fills it in,
once, only by the person it was sent to, only while its campaign is open (a sample's for two weeks).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, Optional
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, update

from app import clock, workcal
from app.db import UnitOfWork
from app.domain import CallbackSample, ImprovementAction, SatisfactionCampaign, SatisfactionResponse, Ticket
from app.domain.satisfaction import DIMENSIONS, SCORE_RANGE
from app.errors import Conflict, FieldErrors, Forbidden, NotFound
from app.services.users import Principal
from app.texts import N_

#: How long a callback sample's questionnaire may be answered after it was sent.
SAMPLE_OPEN_DAYS = 14
#: Who may read a campaign's results.
RESULT_GROUPS = frozenset({"service_dept", "admin"})
COMMENT_LIMIT = 2000


@dataclass(frozen=True)
class Questionnaire:
    """One questionnaire as its requester sees it: what it is about, until when, and the answer if given."""

    id: str
    title: str                       # the campaign's title, or the sampled ticket's number
    campaign: bool                   # a campaign's (else a callback sample's)
    period: Optional[tuple[date, date]]
    closes_at: datetime
    answered_at: Optional[datetime]
    scores: dict[str, Optional[int]]
    comment: Optional[str]

    @property
    def is_open(self) -> bool:
        return self.answered_at is None and clock.now() < self.closes_at

    @property
    def last_day(self) -> date:
        return last_day(self.closes_at)


def last_day(closes_at: datetime) -> date:
    """The last calendar day answers are taken (a survey closes at the midnight that ends it)."""
    return (closes_at - timedelta(seconds=1)).astimezone(workcal.current().hours.zone).date()


def _closes_at(response: SatisfactionResponse, campaign: Optional[SatisfactionCampaign]) -> datetime:
    if campaign is not None:
        return campaign.closes_at if campaign.state == "open" else min(campaign.closes_at, clock.now())
    return response.sent_at + timedelta(days=SAMPLE_OPEN_DAYS)


def _questionnaire(uow: UnitOfWork, response: SatisfactionResponse) -> Questionnaire:
    campaign = uow.session.get(SatisfactionCampaign, response.campaign_instance_id) \
        if response.campaign_instance_id else None
    if campaign is not None:
        title, period = campaign.title, (campaign.period_start, campaign.period_end)
    else:
        number = uow.session.scalar(select(Ticket.number).where(Ticket.instance_id == response.ticket_instance_id))
        title, period = number or "", None
    return Questionnaire(response.id, title, campaign is not None, period, _closes_at(response, campaign),
                         response.answered_at, {name: getattr(response, name) for name in DIMENSIONS},
                         response.comment)


def _own(uow: UnitOfWork, reader: Principal, response_id: str) -> SatisfactionResponse:
    response = uow.session.get(SatisfactionResponse, response_id)
    if response is None:
        raise NotFound(f"questionnaire {response_id} not found")
    if response.requester != reader.id:
        raise Forbidden("this questionnaire was sent to someone else")
    return response


def questionnaire(uow: UnitOfWork, reader: Principal, response_id: str) -> Questionnaire:
    """The reader's own questionnaire; someone else's is Forbidden, an unknown id NotFound."""
    with uow:
        return _questionnaire(uow, _own(uow, reader, response_id))


def open_surveys(uow: UnitOfWork, reader: Principal) -> list[Questionnaire]:
    """The reader's questionnaires still waiting for an answer, soonest closing first (the portal lists them)."""
    with uow:
        rows = uow.session.scalars(select(SatisfactionResponse).where(SatisfactionResponse.requester == reader.id,
                                                                       SatisfactionResponse.answered_at.is_(None)))
        found = [_questionnaire(uow, row) for row in rows]
    return sorted((q for q in found if q.is_open), key=lambda q: q.closes_at)


def parse_answer(values: dict[str, Any]) -> tuple[dict[str, int], Optional[str], Optional[str]]:
    """Five whole scores 1–5, an optional comment and an optional complaint; every bad field is named, nothing stored."""
    scores, problems = {}, {}
    for name in DIMENSIONS:
        raw = values.get(name)
        try:
            score = int(str(raw).strip())
        except ValueError:
            score = None
        if raw in (None, ""):
            problems[name] = (N_("Please choose a score."), {})
        elif score not in SCORE_RANGE:
            problems[name] = (N_("Choose a score from {low} to {high}."), {"low": 1, "high": 5})
        else:
            scores[name] = score
    texts = {}
    for name in ("comment", "complaint"):
        texts[name] = str(values.get(name) or "").strip()
        if len(texts[name]) > COMMENT_LIMIT:
            problems[name] = (N_("Enter at most {limit} characters."), {"limit": COMMENT_LIMIT})
    if problems:
        raise FieldErrors("questionnaire: " + ", ".join(f"field '{name}'" for name in problems), problems)
    return scores, texts["comment"] or None, texts["complaint"] or None


def answer(uow: UnitOfWork, reader: Principal, response_id: str, values: dict[str, Any]) -> Questionnaire:
    """Record the reader's answer; a second answer, or one after the survey closed, is a Conflict.

    The row is filled only if it is still unanswered, in one UPDATE: of two answers sent at once
    (two tabs, a double click) exactly one is kept, on either database. A complaint written in the
    questionnaire starts complaint handling (Flow 2) in the same transaction, so it is never lost
    and never filed twice.
    """
    scores, comment, complaint = parse_answer(values)
    with uow:
        current = _questionnaire(uow, _own(uow, reader, response_id))
        if current.answered_at is not None:
            raise Conflict("this questionnaire has already been answered")
        if not current.is_open:
            raise Conflict("this survey has closed")
        filled = uow.session.execute(
            update(SatisfactionResponse)
            .where(SatisfactionResponse.id == response_id, SatisfactionResponse.answered_at.is_(None))
            .values(**scores, comment=comment, answered_at=clock.now()).execution_options(synchronize_session=False))
        if filled.rowcount != 1:
            raise Conflict("this questionnaire has already been answered")
        uow.session.expire_all()
        response = _own(uow, reader, response_id)
        if complaint:
            _file_complaint(uow, reader, response, complaint)
        answered = _questionnaire(uow, response)
        uow.commit()
        return answered


def _file_complaint(uow: UnitOfWork, reader: Principal, response: SatisfactionResponse, complaint: str) -> None:
    """Send the complaint to Flow 2 as the survey's (``complaint_source`` satisfaction_survey), linked to
    the sampled ticket when the questionnaire followed one."""
    from app.services import messages  # it steps the new instance, which imports the services

    ticket = uow.session.get(Ticket, response.ticket_instance_id) if response.ticket_instance_id else None
    messages.start_from_step(uow, "complaint_received", {
        "complaint_source": "satisfaction_survey", "complaint": complaint, "severity": "general",
        "complainant": reader.id, "department": ticket.department if ticket else "",
        "ticket_instance_id": ticket.instance_id if ticket else "",
        "ticket_business_key": ticket.number if ticket else ""}, reader.id)


# ------------------------------------------------------------------ results


@dataclass(frozen=True)
class CampaignResults:
    """What the service department sees of one campaign."""

    campaign: SatisfactionCampaign
    invited: int
    responses: int
    means: dict[str, Optional[float]]     # live until the analysis, then the analysed means
    targets: dict[str, float]
    actions: list[ImprovementAction]


def _means(uow: UnitOfWork, *conditions: Any) -> tuple[int, dict[str, Optional[float]]]:
    count, *averages = uow.session.execute(
        select(func.count(), *(func.avg(getattr(SatisfactionResponse, name)) for name in DIMENSIONS))
        .where(SatisfactionResponse.answered_at.is_not(None), *conditions)).one()
    return count, {name: (round(float(value), 2) if value is not None else None)
                   for name, value in zip(DIMENSIONS, averages)}


def campaign_results(uow: UnitOfWork, reader: Principal, instance_id: str) -> CampaignResults:
    """One campaign's responses, means against targets and improvement actions; service department only."""
    if not RESULT_GROUPS & reader.groups:
        raise Forbidden("only the service department reads survey results")
    with uow:
        campaign = uow.session.get(SatisfactionCampaign, instance_id)
        if campaign is None:
            raise NotFound(f"satisfaction survey {instance_id} not found")
        count, means = _means(uow, SatisfactionResponse.campaign_instance_id == instance_id)
        actions = list(uow.session.scalars(select(ImprovementAction)
                                           .where(ImprovementAction.campaign_instance_id == instance_id)
                                           .order_by(ImprovementAction.id)))
        uow.session.expunge_all()
    return CampaignResults(campaign, campaign.invited, count, campaign.means or means, campaign.targets, actions)


def campaigns(uow: UnitOfWork, reader: Principal) -> list[SatisfactionCampaign]:
    """Every campaign, newest first, for the service department's list."""
    if not RESULT_GROUPS & reader.groups:
        raise Forbidden("only the service department reads survey results")
    with uow:
        found = list(uow.session.scalars(select(SatisfactionCampaign).order_by(SatisfactionCampaign.opened_at.desc())))
        uow.session.expunge_all()
        return found


def _utc_bounds(start: date, end: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    return datetime.combine(start, time(0), zone), datetime.combine(end + timedelta(days=1), time(0), zone)


def period_results(uow: UnitOfWork, start: date, end: date) -> dict[str, Any]:
    """Satisfaction over the answers given in [start, end] (days in the calendar's zone), for the monthly report.

    ``means`` per dimension over every questionnaire answered in the period (campaigns and callback
    samples), null for a dimension nobody rated; ``responses`` how many; ``callback_samples`` the
    tickets sampled in it; ``actions`` the improvement actions created in it, by their state now.
    """
    if end < start:
        raise ValueError(f"period end {end} is before its start {start}")
    since, until = _utc_bounds(start, end, workcal.current().hours.zone)
    with uow:
        count, means = _means(uow, SatisfactionResponse.answered_at >= since, SatisfactionResponse.answered_at < until)
        states = dict(uow.session.execute(
            select(ImprovementAction.state, func.count()).where(ImprovementAction.created_at >= since,
                                                                ImprovementAction.created_at < until)
            .group_by(ImprovementAction.state)).all())
        samples = uow.session.scalar(select(func.count()).select_from(CallbackSample)
                                     .where(CallbackSample.sent_at >= since, CallbackSample.sent_at < until))
    return {"from": start.isoformat(), "to": end.isoformat(), "responses": count, "means": means,
            "callback_samples": samples or 0,
            "actions": {"open": states.get("open", 0), "done": states.get("done", 0)}}
