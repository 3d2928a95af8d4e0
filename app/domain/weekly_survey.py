"""The weekly survey report (周调查报告, Flow 3): each department's answers, the items, and who is held to account.

Written by the handlers of ``processes/weekly_survey.bpmn`` in the step's transaction. One
``survey_answer`` per department and week; its items are ``survey_item`` rows, so the
meeting's report and the next week's open items are SQL over one table:

* ``follow_up`` — an item left open before (a department's open ticket, or a problem from an
  earlier week) reviewed again: resolved? satisfied?
* ``problem`` — a leftover or new problem, open until resolved; the meeting gives it an owner.
* ``suggestion`` and ``complaint`` — a complaint also starts Flow 2.

An open item found unresolved is registered against the person answerable for it (问责):
one ``accountability`` row per item and week.
"""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.models import Base, utcnow

ITEM_KINDS = ("follow_up", "problem", "suggestion", "complaint")


class SurveyAnswer(Base):
    """One department's answers for one week, as the survey owner recorded them (recorder, time, user confirms)."""

    __tablename__ = "survey_answer"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    instance_id: Mapped[str] = mapped_column(String(36), index=True)   # the week's Flow-3 instance
    week: Mapped[str] = mapped_column(String(8), index=True)            # ISO week, 2026-W49
    department: Mapped[str] = mapped_column(String(200))
    owner_group: Mapped[str] = mapped_column(String(64))
    recorder: Mapped[str] = mapped_column(String(200))
    surveyed_at: Mapped[datetime]
    confirmed_by: Mapped[str] = mapped_column(String(200))
    answered_by: Mapped[Optional[str]] = mapped_column(String(64))
    answered_at: Mapped[datetime] = mapped_column(default=utcnow)
    late: Mapped[bool] = mapped_column(default=False)                   # answered after the deadline


class SurveyItem(Base):
    """One item of a department's weekly answer (see the module docstring for the kinds).

    ``ticket_instance_id`` links a follow-up to the ticket it reviews; ``follows_item_id`` to the
    earlier problem it reviews. ``status`` is open or closed; ``owner`` is who the meeting assigned.
    """

    __tablename__ = "survey_item"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    instance_id: Mapped[str] = mapped_column(String(36), index=True)
    week: Mapped[str] = mapped_column(String(8), index=True)
    department: Mapped[str] = mapped_column(String(200), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    content: Mapped[str] = mapped_column(Text)
    ticket_instance_id: Mapped[Optional[str]] = mapped_column(String(36))
    ticket_number: Mapped[Optional[str]] = mapped_column(String(200))
    follows_item_id: Mapped[Optional[int]] = mapped_column(Integer)
    resolved: Mapped[Optional[bool]]
    satisfied: Mapped[Optional[bool]]
    ticket_requested: Mapped[bool] = mapped_column(default=False)      # a problem that opened a Flow-1 ticket
    status: Mapped[str] = mapped_column(String(20), default="open")
    owner: Mapped[Optional[str]] = mapped_column(String(200))
    assigned_by: Mapped[Optional[str]] = mapped_column(String(64))
    assigned_at: Mapped[Optional[datetime]]
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)


class Accountability(Base):
    """问责: an open item still unresolved at the weekly survey, registered against who is answerable for it —
    the ticket's engineer (else its tier-1 group), or the owner the meeting gave an earlier problem."""

    __tablename__ = "accountability"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    instance_id: Mapped[str] = mapped_column(String(36), index=True)
    week: Mapped[str] = mapped_column(String(8), index=True)
    department: Mapped[str] = mapped_column(String(200))
    assignee: Mapped[str] = mapped_column(String(200), index=True)
    ticket_instance_id: Mapped[Optional[str]] = mapped_column(String(36))
    ticket_number: Mapped[Optional[str]] = mapped_column(String(200))
    follows_item_id: Mapped[Optional[int]] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(Text)
    registered_at: Mapped[datetime] = mapped_column(default=utcnow)
