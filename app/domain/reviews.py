"""Service reviews (服务评审, Flow 4): one row per review, and the minutes of its meeting.

Handlers of ``processes/service_review.bpmn`` write them in the step's transaction, so the review
pages and any later report read SQL, not workflow blobs.
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Any, Optional

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.models import Base, utcnow

#: The inputs a review looks at (DOMAIN.md, Flow 4), in the checklist's order; keys of ``ServiceReview.inputs``.
REVIEW_INPUTS = ("service_contract", "project_plan", "schedule", "summary_report", "monthly_reports", "business_needs",
                 "scope_changes")


class ServiceReview(Base):
    """A review keyed by its Flow-4 instance: why it was held, who takes part, what was looked at.

    ``kind`` is ``semiannual`` (the timer), ``additional`` (追加评审, sales, ``contract_phase`` before or
    after the change named by ``contract_change_ref``) or ``ad_hoc`` (临时评审, the customer's request in
    ``reason``). ``stakeholders`` holds the department groups and the customer's and suppliers' people;
    ``inputs`` holds each input of the checklist as provided or not applicable with a note.
    """

    __tablename__ = "service_review"
    instance_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), index=True)
    reason: Mapped[Optional[str]] = mapped_column(Text)
    contract_phase: Mapped[Optional[str]] = mapped_column(String(10))
    contract_change_ref: Mapped[Optional[str]] = mapped_column(String(200))
    requested_by: Mapped[Optional[str]] = mapped_column(String(200))
    opened_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    planned_on: Mapped[Optional[date]]
    held_on: Mapped[Optional[date]]
    stakeholders: Mapped[Optional[dict[str, Any]]]
    inputs: Mapped[Optional[dict[str, Any]]]
    state: Mapped[str] = mapped_column(String(20))     # opened, prepared, minuted, reported
    revision_agreed: Mapped[Optional[bool]]
    revision_summary: Mapped[Optional[str]] = mapped_column(Text)
    report_summary: Mapped[Optional[str]] = mapped_column(Text)
    reported_at: Mapped[Optional[datetime]]


class ReviewMinutes(Base):
    """The minutes (会议纪要) of a review meeting: who attended, what was decided, who does what by when.

    ``actions`` is a list of ``{"action", "owner", "due"}``; ``distributed_to`` the department groups
    the minutes were mailed to, at ``distributed_at``.
    """

    __tablename__ = "review_minutes"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    review_instance_id: Mapped[str] = mapped_column(ForeignKey("service_review.instance_id"), index=True)
    attendees: Mapped[str] = mapped_column(Text)
    decisions: Mapped[str] = mapped_column(Text)
    actions: Mapped[list[Any]]
    recorded_by: Mapped[Optional[str]] = mapped_column(String(200))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
    distributed_to: Mapped[Optional[list[Any]]]
    distributed_at: Mapped[Optional[datetime]]
