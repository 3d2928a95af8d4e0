"""Satisfaction surveys (客户满意度调查, Flow 5) and callback samples (回访抽样): the rows their figures come from.

A campaign is one Flow-5 instance, keyed by its instance id. Every questionnaire sent
(to a requester of a campaign, or to the requester of a sampled ticket) is one
``satisfaction_response`` row, written when it is sent and filled in when it is answered:
the portal finds what is open for a person by ``answered_at IS NULL``, and one row per
requester and campaign makes "one answer per person" a constraint, not a hope. Its id is
a random UUID, so the portal address names nothing guessable and a handler can link a
sample to its questionnaire before either is inserted.
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Any, Optional

from sqlalchemy import Float, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.models import Base, utcnow

#: The questionnaire's dimensions, in the order it asks them (技术能力, 响应及时, 解决及时, 服务态度, 沟通).
DIMENSIONS = ("technical", "response", "resolution", "attitude", "communication")
SCORE_RANGE = range(1, 6)


class SatisfactionCampaign(Base):
    """One survey campaign: the period it covers, when answering closes, the targets, and its outcome.

    ``targets`` and ``means`` are {dimension: number}; ``means`` stays empty until the analysis.
    """

    __tablename__ = "satisfaction_campaign"
    instance_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    period_start: Mapped[date]
    period_end: Mapped[date]
    closes_at: Mapped[datetime]
    targets: Mapped[dict[str, Any]] = mapped_column(default=dict)
    means: Mapped[dict[str, Any]] = mapped_column(default=dict)
    state: Mapped[str] = mapped_column(String(20), default="open")  # open, analysed, closed
    invited: Mapped[int] = mapped_column(Integer, default=0)
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    opened_by: Mapped[Optional[str]] = mapped_column(String(64))
    closed_at: Mapped[Optional[datetime]]


class SatisfactionResponse(Base):
    """One questionnaire sent to one requester: for a campaign, or for a sampled ticket (回访抽样).

    The five scores (1–5) and the comment are empty until the requester answers.
    """

    __tablename__ = "satisfaction_response"
    __table_args__ = (UniqueConstraint("campaign_instance_id", "requester"),)
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    campaign_instance_id: Mapped[Optional[str]] = mapped_column(String(36), index=True)
    ticket_instance_id: Mapped[Optional[str]] = mapped_column(String(36), index=True)
    requester: Mapped[str] = mapped_column(String(64), index=True)
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)
    technical: Mapped[Optional[int]] = mapped_column(Integer)
    response: Mapped[Optional[int]] = mapped_column(Integer)
    resolution: Mapped[Optional[int]] = mapped_column(Integer)
    attitude: Mapped[Optional[int]] = mapped_column(Integer)
    communication: Mapped[Optional[int]] = mapped_column(Integer)
    comment: Mapped[Optional[str]] = mapped_column(Text)
    answered_at: Mapped[Optional[datetime]] = mapped_column(index=True)


class ImprovementAction(Base):
    """One improvement action (改进措施) for a dimension a campaign found below its target."""

    __tablename__ = "improvement_action"
    __table_args__ = (UniqueConstraint("campaign_instance_id", "dimension"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    campaign_instance_id: Mapped[str] = mapped_column(String(36), index=True)
    dimension: Mapped[str] = mapped_column(String(20))
    mean: Mapped[Optional[float]] = mapped_column(Float)
    target: Mapped[float] = mapped_column(Float)
    measure: Mapped[str] = mapped_column(Text)
    owner_group: Mapped[str] = mapped_column(String(64))
    due_on: Mapped[date]
    state: Mapped[str] = mapped_column(String(10), default="open")  # open, done
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    reminded_at: Mapped[Optional[datetime]]
    done_at: Mapped[Optional[datetime]]
    result: Mapped[Optional[str]] = mapped_column(Text)


class CallbackSample(Base):
    """A closed ticket picked for a follow-up survey (回访抽样); a ticket is sampled at most once, ever."""

    __tablename__ = "callback_sample"
    ticket_instance_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    ticket_number: Mapped[Optional[str]] = mapped_column(String(200))
    week: Mapped[str] = mapped_column(String(8), index=True)  # ISO week of the closes, e.g. 2026-W48
    sampling_instance_id: Mapped[str] = mapped_column(String(36))
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)
    response_id: Mapped[Optional[str]] = mapped_column(String(36))
