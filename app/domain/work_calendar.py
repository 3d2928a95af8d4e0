"""The days an administrator entered into the working-day calendar, and which years they marked complete.

Entered days win over the chinese-calendar package for their date; a year marked
complete counts as known, so the calendar stops warning about it (see app/workcal.py).
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Optional

from sqlalchemy import Boolean, CheckConstraint, Date, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models import Base, utcnow


class CalendarDay(Base):
    """One entered date: ``holiday`` (a day off) or ``workday`` (worked, e.g. a make-up Saturday, 调休)."""

    __tablename__ = "calendar_day"
    __table_args__ = (CheckConstraint("kind IN ('holiday', 'workday')", name="ck_calendar_day_kind"),)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    kind: Mapped[str] = mapped_column(String(8))
    name: Mapped[str] = mapped_column(String(100), default="")


class CalendarYear(Base):
    """A year an administrator edited: whether its list is complete, who saved it last and when."""

    __tablename__ = "calendar_year"
    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    complete: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_by: Mapped[Optional[str]] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
