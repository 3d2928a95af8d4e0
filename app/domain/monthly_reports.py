"""Monthly service reports (服务月报, Flow 6): a snapshot of one month's figures, reviewed, then published.

``processes/monthly_report.bpmn`` compiles the previous calendar month's figures into a row
here and the service department reviews it. The figures are kept as computed (JSON, the
shape of ``app.services.figures.compute``), so a published report reads the same next year
even after late callbacks or a changed figure definition; only asking to recompute renews them.
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Any, Optional

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.models import Base, utcnow

STATES = ("draft", "published")


class MonthlyReport(Base):
    """One month's report; ``month`` is ``YYYY-MM`` in the calendar's time zone, one report per month.

    ``instance_id`` is the Flow-6 instance that writes it. ``compiled_at`` is when the figures were
    last computed (creation, or the reviewer's request to recompute); ``reviewer`` and ``comment`` are
    the service department's, from the review step.
    """

    __tablename__ = "monthly_report"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    month: Mapped[str] = mapped_column(String(7), unique=True)
    instance_id: Mapped[str] = mapped_column(String(36), unique=True)
    period_from: Mapped[date]
    period_to: Mapped[date]
    figures: Mapped[dict[str, Any]]
    state: Mapped[str] = mapped_column(String(20), default="draft")
    comment: Mapped[Optional[str]] = mapped_column(Text)
    reviewer: Mapped[Optional[str]] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    compiled_at: Mapped[datetime] = mapped_column(default=utcnow)
    published_at: Mapped[Optional[datetime]]
