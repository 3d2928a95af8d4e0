"""Tickets (工单, Flow 1) and their callbacks (工单回访): the rows every service figure is counted from.

One ``ticket`` row per support-request instance, kept up to date by the Flow-1 handlers in
the step's transaction (and by the service layer for the one fact that is not a step: the
first claim of a tier-1 task, which is the engineer's first response). One
``ticket_callback`` row per callback, never overwritten, so a ticket called back three
times keeps three sets of ratings and the reports can take the last one.

Times are UTC like every other column; ``requested_on`` and ``requested_month`` are the
request's date and month in the calendar's time zone (Asia/Shanghai by default), stored
with the row so that a period or a month breakdown is an indexed comparison, not a time
zone conversion in SQL that SQLite and PostgreSQL would each spell differently.
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Optional

from sqlalchemy import Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.models import Base, utcnow

PRIORITIES = ("urgent", "important", "normal")
TYPES = ("incident", "service_request", "consultation")
CATEGORIES = ("hardware", "software", "network", "other")


class Ticket(Base):
    """A support request as the reports see it.

    ``tier1_group`` is the tier-1 group the dispatch table chose (the "group" of the
    breakdowns); ``engineer`` the person who last requested completion (申请完成), or the
    desk member who answered at first contact. ``escalation_level`` is the highest tier
    reached (0 tier 1, 1 tier 2, 2 vendor); ``reopen_count`` how many callbacks sent it back.
    ``close_due_at`` is 2 working days after the last completion request.
    """

    __tablename__ = "ticket"
    instance_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    number: Mapped[Optional[str]] = mapped_column(String(200), index=True)
    requester: Mapped[Optional[str]] = mapped_column(String(200))
    department: Mapped[Optional[str]] = mapped_column(String(200))
    channel: Mapped[Optional[str]] = mapped_column(String(40))
    ticket_type: Mapped[Optional[str]] = mapped_column(String(40))
    category: Mapped[Optional[str]] = mapped_column(String(40))
    priority: Mapped[Optional[str]] = mapped_column(String(20))
    vip: Mapped[bool] = mapped_column(default=False)
    tier1_group: Mapped[Optional[str]] = mapped_column(String(64))
    engineer: Mapped[Optional[str]] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(20), default="open")
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    requested_on: Mapped[date]
    requested_month: Mapped[str] = mapped_column(String(7))
    response_due_at: Mapped[Optional[datetime]]
    first_response_at: Mapped[Optional[datetime]]
    completion_requested_at: Mapped[Optional[datetime]]
    close_due_at: Mapped[Optional[datetime]]
    closed_at: Mapped[Optional[datetime]]
    reopen_count: Mapped[int] = mapped_column(Integer, default=0)
    escalation_level: Mapped[int] = mapped_column(Integer, default=0)
    first_contact: Mapped[bool] = mapped_column(default=False)


# every figure filters on the request date first
Index("ix_ticket_requested_on", Ticket.requested_on, Ticket.priority)


class TicketCallback(Base):
    """One callback (回访) of one ticket: solved or not, a complaint, the three ratings (1–5) when solved."""

    __tablename__ = "ticket_callback"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    instance_id: Mapped[str] = mapped_column(String(36))
    seq: Mapped[int] = mapped_column(Integer)           # 1 for the first callback of the ticket, then 2, ...
    at: Mapped[datetime] = mapped_column(default=utcnow)
    agent: Mapped[Optional[str]] = mapped_column(String(64))
    solved: Mapped[bool]
    complaint: Mapped[Optional[str]] = mapped_column(Text)
    attitude: Mapped[Optional[int]] = mapped_column(Integer)
    speed: Mapped[Optional[int]] = mapped_column(Integer)
    effect: Mapped[Optional[int]] = mapped_column(Integer)
    note: Mapped[Optional[str]] = mapped_column(Text)


# one row per (ticket, callback number); the figures find a ticket's last callback through it
Index("ix_ticket_callback_instance_seq", TicketCallback.instance_id, TicketCallback.seq, unique=True)
