"""Complaints (客户投诉, Flow 2): one row per complaint, and what happened to it, for the reports."""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.models import Base, utcnow


class Complaint(Base):
    """A complaint as recorded on the feedback form (客户投诉反馈表), keyed by its Flow-2 instance.

    ``ticket_instance_id`` links it to the support request it is about (a callback complaint, or a
    ticket number the customer gave); the ticket page lists its complaints through it.
    """

    __tablename__ = "complaint"
    instance_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    number: Mapped[Optional[str]] = mapped_column(String(200), index=True)
    source: Mapped[str] = mapped_column(String(40))          # portal, direct, callback, weekly_survey, ...
    ticket_instance_id: Mapped[Optional[str]] = mapped_column(String(36), index=True)
    ticket_business_key: Mapped[Optional[str]] = mapped_column(String(200))
    complainant: Mapped[Optional[str]] = mapped_column(String(200))
    department: Mapped[Optional[str]] = mapped_column(String(200))
    content: Mapped[str] = mapped_column(Text)
    severity: Mapped[str] = mapped_column(String(20))
    agreed_working_days: Mapped[int] = mapped_column(Integer)
    received_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    due_at: Mapped[datetime]


class ComplaintEvent(Base):
    """One thing that happened to a complaint: ``escalated`` (past its limit) or ``closed`` (with
    ``within_limit``). Append-only, written in the step's transaction like the SLA events."""

    __tablename__ = "complaint_event"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    instance_id: Mapped[str] = mapped_column(String(36), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    within_limit: Mapped[Optional[bool]]
    note: Mapped[Optional[str]] = mapped_column(Text)
